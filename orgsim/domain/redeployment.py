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
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "TRIAL_DAYS",
    "Book",
    "Interest",
    "Offer",
    "Protection",
    "add_months",
    "refusal_text",
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

    def open_offers(self, people: Mapping[str, Any]) -> dict[str, str]:
        """Post -> the person holding an open (not yet answered) offer of it, while they
        are still displaced (an offer lapses when they leave or another outcome is
        recorded for them). Such a post is promised: it cannot be offered to anyone else
        and is not vacant for slotting (``orgsim.domain.slotting.scope.vacancy_of``).
        ``people`` is the state's people (with ``left`` and ``displaced_from``)."""
        return {
            offers[-1].post: person
            for person, offers in sorted(self.offers.items())
            if offers
            and offers[-1].state == "open"
            and people[person].left is None
            and people[person].displaced_from is not None
        }

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


def refusal_text(reasonable: bool | None, in_trial: bool) -> str:
    """One line on a refusal and its effect on statutory redundancy pay."""
    what = "ended the trial period in" if in_trial else "refused"
    if reasonable:
        return f"{what} suitable alternative employment reasonably: statutory pay kept (s141)"
    return (
        f"{what} suitable alternative employment unreasonably: no statutory redundancy "
        f"pay (ERA 1996 s141({'4' if in_trial else '2'}))"
    )
