"""The rules of the events about people's own circumstances and outcomes (SPEC 13,
issue 15): personal details for the redundancy cost, pregnancy and family leave, and
redeployment. One handler per event, every check before any change (a refused event
leaves the state untouched), as in :mod:`orgsim.domain.handlers`.

The statute behind each rule is in :mod:`orgsim.domain.leave` and
:mod:`orgsim.domain.redeployment`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from orgsim.domain import events as ev
from orgsim.domain.leave import LEAVE_STATUSES
from orgsim.domain.redeployment import (
    VR,
    Book,
    Interest,
    Offer,
    Protection,
    refusal_text,
    statutory_trial_end,
)

if TYPE_CHECKING:
    from orgsim.domain.state import OrgState

__all__ = ["find_volunteer", "register"]


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
    if current is not None and current.state == "open":  # an accepted one ended when displaced
        raise _error(
            f"{e.person!r} already has an offer of {current.post!r} "
            f"({current.state}, made {current.made})"
        )
    if not state.is_vacant(e.post):
        holders = sorted(p for p, a in state.holders[e.post].items() if a.substantive)
        raise _error(f"cannot offer {e.post!r}: it is not vacant (held by {', '.join(holders)})")
    if _external(state, post.unit):
        raise _error(f"cannot offer {e.post!r}: it is outside the employer")
    other = book.open_offers(state.people).get(e.post)
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
    found = [p for p in state.people.values() if p.left == VR and p.left_from == post and p.left_on]
    found.sort(key=lambda p: (p.left_on or ev.UNDATED, p.id))
    return found[-1].id if found else None


def _answered(
    state: OrgState, e: ev.RedeploymentAccepted | ev.RedeploymentRefused, verb: str
) -> tuple[Any, Book, Offer]:
    """The person answering, the book and the offer they answer (``verb``: accept or
    refuse), or the one-line error of a person unknown or without that offer."""
    noun = {"accept": "acceptance", "refuse": "refusal"}[verb]
    person = state.current_person(e.person, f"record their {noun} of {e.post!r}")
    book: Book = state.redeployment
    offer = book.offer_of(e.person, e.post)
    if offer is None:
        raise _error(f"{e.person!r} has no offer of {e.post!r} to {verb}")
    return person, book, offer


def _accepted(state: OrgState, e: ev.RedeploymentAccepted) -> None:
    person, book, offer = _answered(state, e, "accept")
    if offer.state != "open":
        raise _error(f"the offer of {e.post!r} to {e.person!r} was already {offer.state}")
    _check_not_lapsed(person, offer)
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
    person, book, offer = _answered(state, e, "refuse")
    if offer.state == "refused":
        raise _error(f"{e.person!r} already refused the offer of {e.post!r} (on {offer.refused})")
    in_trial = offer.state == "accepted"
    if not in_trial:
        _check_not_lapsed(person, offer)
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


def _check_not_lapsed(person: Any, offer: Offer) -> None:
    """An open offer lapses when the person is no longer displaced (slotted, appointed
    or placed since it was made): it can then be neither accepted nor refused, and its
    post is no longer promised (:meth:`Book.open_offers`)."""
    if person.displaced_from is None:
        raise _error(
            f"the offer of {offer.post!r} to {person.id!r} lapsed: they are no longer "
            f"displaced ({person.status or 'another outcome'} since the offer of {offer.made})"
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


# --- personal details for redundancy cost (SPEC section 13) ---------------------------


def _person_details(state: OrgState, e: ev.PersonDetailsRecorded) -> None:
    person = state.person(e.person)
    if e.weekly_pay is not None and e.salary is not None:
        raise _error(f"give {e.person!r} a weekly_pay or a salary, not both")
    for name, amount in (("weekly_pay", e.weekly_pay), ("salary", e.salary)):
        if amount is not None and amount <= 0:
            raise _error(f"{name} of {e.person!r} must be above 0, not {amount}")
    if e.notice_weeks is not None and e.notice_weeks < 0:
        raise _error(f"notice_weeks of {e.person!r} cannot be negative")
    born = e.born or person.born
    start = e.service_start or person.service_start
    if born is not None and start is not None and start < born:
        raise _error(f"service_start {start} of {e.person!r} is before their birth {born}")
    if born is not None and born > e.effective:
        raise _error(f"{e.person!r} is born ({born}) after the record's date {e.effective}")
    person.born, person.service_start = born, start
    if e.weekly_pay is not None:
        person.weekly_pay, person.salary = e.weekly_pay, None
    if e.salary is not None:
        person.weekly_pay, person.salary = None, e.salary
    if e.notice_weeks is not None:
        person.notice_weeks = e.notice_weeks


# --- priority status: pregnancy and family leave (issue 15) ---------------------------


def _leave_status(state: OrgState, e: ev.PersonLeaveStatusRecorded) -> None:
    person = state.person(e.person)
    if e.status not in LEAVE_STATUSES:
        raise _error(
            f"unknown leave status {e.status!r} of {e.person!r} (known: {', '.join(LEAVE_STATUSES)})"
        )
    if e.end is not None and e.end < e.start:
        raise _error(f"leave of {e.person!r} ends ({e.end}) before it starts ({e.start})")
    from orgsim.domain.state import LeaveRecord  # (state imports these rules)

    person.leave = [*person.leave, LeaveRecord(e.status, e.start, e.end, e.birth)]


def register(handlers: dict[type[ev.Event], Callable[[OrgState, Any], None]]) -> None:
    """Add this module's handlers (called once by :mod:`orgsim.domain.handlers`)."""
    handlers[ev.VoluntaryRedundancyInterestExpressed] = _interest
    handlers[ev.RedeploymentOffered] = _offered
    handlers[ev.RedeploymentAccepted] = _accepted
    handlers[ev.RedeploymentRefused] = _refused
    handlers[ev.PayProtected] = _protected
    handlers[ev.PersonDetailsRecorded] = _person_details
    handlers[ev.PersonLeaveStatusRecorded] = _leave_status
