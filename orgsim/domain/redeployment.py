"""Redeployment, bumping, voluntary redundancy and pay protection: the records and rules.

A redeployment is not a slotting. Slotting places a displaced person in a post that is
(nearly) the same job by the policy's rule; redeployment is an *offer* of suitable
alternative employment the person may accept or refuse, with a statutory trial period:

- ERA 1996 s138(3)(b)(i): the trial period is "the period of four weeks beginning with
  the date on which the employee starts work under the contract as renewed, or the new
  contract". "Beginning with" counts that day (the rule in *Zoan v Rouamba* [2000] ICR
  1042), so a trial starting on 1 May 2014 ends on 28 May 2014: start + 27 days.
  s138(6) lets it be longer by written agreement for retraining; never shorter.
- s138(2): if during the trial the employee ends the new contract (or the employer ends
  it for a reason connected with the change), they are treated as dismissed on the date
  the previous contract ended: they are back at risk, their redundant post counts.
- s141(2)-(4): an employee who unreasonably refuses a suitable offer (or unreasonably
  ends the trial) is not entitled to a statutory redundancy payment; a reasonable
  refusal keeps it.

**Bumping**: a volunteer leaves by voluntary redundancy and an at-risk person takes their
post. The offer names the volunteer (``bumps``), so the redeployment keeps the link to
the voluntary redundancy it relied on.

The records here are frozen: a change replaces a record, so the read model can hand the
same objects to every view. They live in :class:`Book`, one per :class:`OrgState`.
Handlers check every invariant before any change (nothing half-applied).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orgsim.domain import events as ev

if TYPE_CHECKING:
    from orgsim.domain.state import OrgState

__all__ = [
    "TRIAL_DAYS",
    "Book",
    "Interest",
    "Offer",
    "Protection",
    "add_months",
    "statutory_trial_end",
]

#: s138(3)(b)(i): four weeks beginning with the first day of work: that day + 27 days.
TRIAL_DAYS = 28
VR = "voluntary redundancy"


def statutory_trial_end(start: dt.date) -> dt.date:
    """The last day of the statutory four-week trial beginning with ``start``."""
    return start + dt.timedelta(days=TRIAL_DAYS - 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months, clamped to the month's end (31 Jan + 1 = 28/29
    Feb). Hand-written: the standard library has no month arithmetic and one function
    does not justify python-dateutil."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Interest:
    """An expression of interest in voluntary redundancy and the employer's answer."""

    person: str
    expressed: dt.date
    outcome: str  # pending | accepted | declined
    answered: dt.date | None
    version: int


@dataclass(frozen=True, slots=True)
class Offer:
    """One offer of suitable alternative employment and what became of it."""

    person: str
    post: str
    made: dt.date
    version: int
    #: the redundant post the person was displaced from, and the FTE they held in it
    from_post: str | None
    from_fte: Decimal
    trial_start: dt.date
    trial_end: dt.date
    #: the volunteer whose voluntary redundancy vacated the post (bumping)
    bumps: str | None = None
    #: open | accepted | refused
    state: str = "open"
    accepted: dt.date | None = None
    refused: dt.date | None = None
    #: s141: the employer's view of a refusal (None while not refused)
    reasonable: bool | None = None
    #: refused after acceptance, during the trial (s138(2), s141(4))
    in_trial: bool = False

    @property
    def extended(self) -> bool:
        """A trial longer than the statutory four weeks (s138(6): by written agreement)."""
        return self.trial_end > statutory_trial_end(self.trial_start)

    @property
    def unreasonably_refused(self) -> bool:
        return self.state == "refused" and self.reasonable is False


@dataclass(frozen=True, slots=True)
class Protection:
    """Downgrade pay protection from ``start`` to ``until`` inclusive."""

    person: str
    start: dt.date
    until: dt.date
    months: int | None
    version: int


@dataclass(slots=True)
class Book:
    """Every offer, expression of interest and protection of a branch, by person."""

    interests: dict[str, Interest] = field(default_factory=dict)
    offers: dict[str, list[Offer]] = field(default_factory=dict)
    protections: dict[str, Protection] = field(default_factory=dict)

    def open_offer(self, person: str) -> Offer | None:
        """The person's offer still open or accepted (the one a refusal may end)."""
        offers = self.offers.get(person)
        return offers[-1] if offers and offers[-1].state != "refused" else None

    def offer_of(self, person: str, post: str) -> Offer | None:
        """The latest offer of ``post`` to ``person``."""
        return next((o for o in reversed(self.offers.get(person, [])) if o.post == post), None)

    def offered_to(self, post: str) -> str | None:
        """Who holds an open (not yet answered) offer of ``post``."""
        for person, offers in self.offers.items():
            if offers and offers[-1].post == post and offers[-1].state == "open":
                return person
        return None

    def _replace(self, old: Offer, new: Offer) -> None:
        offers = self.offers[old.person]
        offers[offers.index(old)] = new

    # --- snapshots (orgsim.domain.snapshot) ----------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "interests": [_plain(i) for i in self.interests.values()],
            "offers": [_plain(o) for offers in self.offers.values() for o in offers],
            "protections": [_plain(p) for p in self.protections.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Book:
        book = cls()
        if not data:
            return book
        for item in data["interests"]:
            interest = _typed(Interest, item)
            book.interests[interest.person] = interest
        for item in data["offers"]:
            offer = _typed(Offer, item)
            book.offers.setdefault(offer.person, []).append(offer)
        for item in data["protections"]:
            protection = _typed(Protection, item)
            book.protections[protection.person] = protection
        return book


def _plain(record: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        out[f.name] = (
            value.isoformat()
            if isinstance(value, dt.date)
            else str(value)
            if isinstance(value, Decimal)
            else value
        )
    return out


def _typed(cls: Any, item: dict[str, Any]) -> Any:
    values = {}
    for f in dataclasses.fields(cls):
        value = item.get(f.name)
        kind = str(f.type)
        if value is not None and "date" in kind:
            value = dt.date.fromisoformat(value)
        elif value is not None and "Decimal" in kind:
            value = Decimal(value)
        values[f.name] = value
    return cls(**values)


# --- handlers -----------------------------------------------------------------------


def _error(message: str) -> Exception:
    from orgsim.domain.state import DomainError

    return DomainError(message)


def _interest(state: OrgState, e: ev.VoluntaryRedundancyInterestExpressed) -> None:
    state.current_person(e.person, "record their interest in voluntary redundancy")
    book: Book = state.redeployment
    earlier = book.interests.get(e.person)
    if earlier is not None and earlier.outcome != "pending":
        raise _error(
            f"the employer already answered {e.person!r}'s interest in voluntary redundancy "
            f"({earlier.outcome} on {earlier.answered})"
        )
    if earlier is not None and e.outcome == "pending":
        raise _error(f"{e.person!r}'s interest in voluntary redundancy is already pending")
    expressed = earlier.expressed if earlier is not None else e.effective
    answered = None if e.outcome == "pending" else e.effective
    book.interests[e.person] = Interest(
        e.person, expressed, e.outcome, answered, state._current_version
    )


def _offered(state: OrgState, e: ev.RedeploymentOffered) -> None:
    person = state.current_person(e.person, f"offer them post {e.post!r}")
    post = state.live_post(e.post, f"offer it to {e.person!r}")
    book: Book = state.redeployment
    if person.displaced_from is None:
        raise _error(
            f"cannot offer {e.post!r} to {e.person!r}: they are not displaced (suitable "
            "alternative employment is offered to a person whose post is redundant)"
        )
    current = book.open_offer(e.person)
    if current is not None:
        raise _error(
            f"{e.person!r} already has an offer of {current.post!r} "
            f"({current.state}, made {current.made})"
        )
    if not state.is_vacant(e.post):
        holders = sorted(p for p, a in state.holders[e.post].items() if a.substantive)
        raise _error(f"cannot offer {e.post!r}: it is not vacant (held by {', '.join(holders)})")
    if state.units[post.unit].kind == "external" or _external(state, post.unit):
        raise _error(f"cannot offer {e.post!r}: it is outside the employer")
    other = book.offered_to(e.post)
    if other is not None:
        raise _error(f"post {e.post!r} is already offered to {other!r}")
    if e.trial_end < e.trial_start:
        raise _error(f"trial_end {e.trial_end} is before trial_start {e.trial_start}")
    if e.trial_start < e.effective:
        raise _error(f"trial_start {e.trial_start} is before the offer is made ({e.effective})")
    if e.trial_end < statutory_trial_end(e.trial_start):
        raise _error(
            f"trial_end {e.trial_end} is before the end of the statutory four weeks "
            f"({statutory_trial_end(e.trial_start)}, ERA 1996 s138(3)(b)(i)); a trial may be "
            "longer by written agreement (s138(6)), never shorter"
        )
    if e.bumps is not None:
        _check_bump(state, e)
    book.offers.setdefault(e.person, []).append(
        Offer(
            e.person,
            e.post,
            e.effective,
            state._current_version,
            person.displaced_from,
            person.displaced_fte,
            e.trial_start,
            e.trial_end,
            e.bumps,
        )
    )


def _external(state: OrgState, unit_id: str | None) -> bool:
    seen = 0
    while unit_id is not None and seen <= len(state.units):
        unit = state.units[unit_id]
        if unit.kind == "external":
            return True
        unit_id, seen = unit.parent, seen + 1
    return False


def _check_bump(state: OrgState, e: ev.RedeploymentOffered) -> None:
    volunteer = state.people.get(e.bumps or "")
    if volunteer is None:
        raise _error(f"bumps: unknown person {e.bumps!r}")
    if volunteer.left != VR:
        raise _error(f"bumps: {e.bumps!r} has not left by voluntary redundancy")
    if volunteer.left_from != e.post:
        raise _error(
            f"bumps: {e.bumps!r} left post {volunteer.left_from!r}, not the offered post "
            f"{e.post!r} (only a direct bump is modelled)"
        )


def find_volunteer(state: OrgState, post: str) -> str | None:
    """The latest person who left ``post`` by voluntary redundancy, if any."""
    found = [
        p for p in state.people.values() if p.left == VR and p.left_from == post and p.left_on
    ]
    found.sort(key=lambda p: (p.left_on or ev.UNDATED, p.id))
    return found[-1].id if found else None


def _accepted(state: OrgState, e: ev.RedeploymentAccepted) -> None:
    person = state.current_person(e.person, f"record their acceptance of {e.post!r}")
    book: Book = state.redeployment
    offer = book.offer_of(e.person, e.post)
    if offer is None:
        raise _error(f"{e.person!r} has no offer of {e.post!r} to accept")
    if offer.state != "open":
        raise _error(f"the offer of {e.post!r} to {e.person!r} was already {offer.state}")
    post = state.live_post(e.post, f"redeploy {e.person!r} into it")
    if not state.is_vacant(e.post):
        raise _error(f"cannot redeploy {e.person!r}: post {e.post!r} is no longer vacant")
    if e.effective > offer.trial_end:
        raise _error(
            f"accepted on {e.effective}, after the trial period would have ended "
            f"({offer.trial_end}): record the offer with a later trial_start"
        )
    fte = min(offer.from_fte, post.fte)
    book._replace(offer, dataclasses.replace(offer, state="accepted", accepted=e.effective))
    state._place(person, post, fte, "redeployed", e.effective, [])


def _refused(state: OrgState, e: ev.RedeploymentRefused) -> None:
    person = state.current_person(e.person, f"record their refusal of {e.post!r}")
    book: Book = state.redeployment
    offer = book.offer_of(e.person, e.post)
    if offer is None:
        raise _error(f"{e.person!r} has no offer of {e.post!r} to refuse")
    if offer.state == "refused":
        raise _error(f"{e.person!r} already refused the offer of {e.post!r} (on {offer.refused})")
    in_trial = offer.state == "accepted"
    if in_trial and e.effective > offer.trial_end:
        raise _error(
            f"the trial period in {e.post!r} ended on {offer.trial_end}: the redeployment "
            "stands (ERA 1996 s138(2) applies only during the trial)"
        )
    if in_trial and e.post not in state.assignments.get(e.person, {}):
        raise _error(f"{e.person!r} no longer holds {e.post!r}")
    book._replace(
        offer,
        dataclasses.replace(
            offer, state="refused", refused=e.effective, reasonable=e.reasonable, in_trial=in_trial
        ),
    )
    if in_trial:
        # s138(2): treated as dismissed on the date the previous contract ended: back to
        # the redundant post's displacement.
        state._unassign(e.person, e.post)
        person.displaced_from = offer.from_post
        person.displaced_fte = offer.from_fte
    person.status = "at_risk"
    person.status_post = None
    person.status_reasons = [refusal_text(e.reasonable, in_trial)]


def refusal_text(reasonable: bool | None, in_trial: bool) -> str:
    """One line on a refusal and its effect on statutory redundancy pay."""
    what = "ended the trial period in" if in_trial else "refused"
    if reasonable:
        return f"{what} suitable alternative employment reasonably: statutory pay kept (s141)"
    return (
        f"{what} suitable alternative employment unreasonably: no statutory redundancy "
        f"pay (ERA 1996 s141({'4' if in_trial else '2'}))"
    )


def _protected(state: OrgState, e: ev.PayProtected) -> None:
    state.current_person(e.person, "protect their pay")
    if not state.substantive_posts(e.person):
        raise _error(f"cannot protect {e.person!r}'s pay: they hold no substantive post")
    if e.until < e.start:
        raise _error(f"pay protection ends ({e.until}) before it starts ({e.start})")
    if e.months is not None and e.months < 1:
        raise _error(f"pay protection months must be at least 1, not {e.months}")
    state.redeployment.protections[e.person] = Protection(
        e.person, e.start, e.until, e.months, state._current_version
    )


def _left(original: Callable[[OrgState, Any], None]) -> Callable[[OrgState, Any], None]:
    """``PersonLeft`` with one more rule: leaving by voluntary redundancy after an
    expression of interest the employer has not accepted is refused."""

    def handler(state: OrgState, e: ev.PersonLeft) -> None:
        interest = state.redeployment.interests.get(e.person)
        if e.cause == VR and interest is not None and interest.outcome != "accepted":
            raise _error(
                f"{e.person!r} cannot leave by voluntary redundancy: their expression of "
                f"interest is {interest.outcome}, not accepted"
            )
        original(state, e)

    return handler


def register(handlers: dict[type[ev.Event], Callable[[OrgState, Any], None]]) -> None:
    """Add this module's handlers (called once by :mod:`orgsim.domain.handlers`)."""
    handlers[ev.VoluntaryRedundancyInterestExpressed] = _interest
    handlers[ev.RedeploymentOffered] = _offered
    handlers[ev.RedeploymentAccepted] = _accepted
    handlers[ev.RedeploymentRefused] = _refused
    handlers[ev.PayProtected] = _protected
    handlers[ev.PersonLeft] = _left(handlers[ev.PersonLeft])
