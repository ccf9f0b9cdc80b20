"""The rules of the restructure process's events (SPEC section 3): job matching, slotting,
ring-fenced pools, placing at risk, appointment, consultation and decisions. One handler
per event, every check before any change (a refused event leaves the state untouched),
as in :mod:`orgsim.domain.handlers`, which adds these to its table.

Kept apart because these events record what the process decided about the structure
and the people in it, not the structure itself; the engine that proposes them is
:mod:`orgsim.domain.slotting`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.handlers import ensure_new
from orgsim.domain.state import ZERO, DomainError, Match, OrgState, Pool

__all__ = ["register"]


def _match(state: OrgState, e: ev.JobMatchAssessed) -> None:
    # Unknown posts are refused when the match is recorded (the runner checks every post
    # the branch's log creates, at any date). Not here: a branch forked at a date may
    # inherit a match whose new post was created after the fork, and inheriting must
    # never fail.
    if e.old == e.new:
        raise DomainError(f"a post cannot be matched with itself ({e.old!r})")
    if not ZERO <= e.percent <= Decimal(100):
        raise DomainError(f"a match percent must be between 0 and 100, not {e.percent}")
    state.matches[(e.old, e.new)] = Match.from_event(e, state._current_version, e.recorded)


def _slotted(state: OrgState, e: ev.PersonSlotted) -> None:
    person = state.current_person(e.person, f"slot them into {e.post!r}")
    post = state.live_post(e.post, f"slot {e.person!r} into it")
    state._place(person, post, None, "slotted", e.effective, list(e.reasons))


def _pool(state: OrgState, e: ev.PoolFormed) -> None:
    ensure_new(state.pools, e.pool, "pool")
    for person_id in e.candidates:
        state.current_person(person_id, f"put them in pool {e.pool!r}")
    for post_id in e.posts:
        state.live_post(post_id, f"ring-fence it in pool {e.pool!r}")
    state.pools[e.pool] = Pool(
        e.pool, list(e.candidates), list(e.posts), list(e.reasons), e.effective
    )
    for person_id in e.candidates:
        person = state.people[person_id]
        person.status = "ring_fenced"
        person.status_post = None
        person.status_reasons = list(e.reasons)


def _at_risk(state: OrgState, e: ev.PersonPlacedAtRisk) -> None:
    person = state.current_person(e.person, "place them at risk")
    person.status = "at_risk"
    person.status_post = None
    person.status_reasons = list(e.reasons)


def _appointed(state: OrgState, e: ev.PersonAppointed) -> None:
    person = state.current_person(e.person, f"appoint them to {e.post!r}")
    post = state.live_post(e.post, f"appoint {e.person!r} to it")
    if not state.is_vacant(e.post) and e.person not in state.holders.get(e.post, {}):
        raise DomainError(f"cannot appoint {e.person!r}: post {e.post!r} is not vacant")
    state._place(person, post, e.fte, "appointed", e.effective, [e.basis] if e.basis else [])


def _consultation_opened(state: OrgState, e: ev.ConsultationOpened) -> None:
    if e.closes < e.opens:
        raise DomainError(f"consultation closes ({e.closes}) before it opens ({e.opens})")
    if any(c.consultation == e.consultation for c in state.consultations):
        raise DomainError(f"duplicate consultation id {e.consultation!r}")
    state.consultations.append(e)


def _consultation_closed(state: OrgState, e: ev.ConsultationClosed) -> None:
    if not any(c.consultation == e.consultation for c in state.consultations):
        raise DomainError(f"unknown consultation {e.consultation!r}")
    state.closed_consultations.add(e.consultation)


def _decision(state: OrgState, e: ev.DecisionRecorded) -> None:
    state.decisions.append(e)


def register(handlers: dict[type[ev.Event], Callable[[OrgState, Any], None]]) -> None:
    """Add this module's handlers (called once by :mod:`orgsim.domain.handlers`)."""
    handlers[ev.JobMatchAssessed] = _match
    handlers[ev.PersonSlotted] = _slotted
    handlers[ev.PoolFormed] = _pool
    handlers[ev.PersonPlacedAtRisk] = _at_risk
    handlers[ev.PersonAppointed] = _appointed
    handlers[ev.ConsultationOpened] = _consultation_opened
    handlers[ev.ConsultationClosed] = _consultation_closed
    handlers[ev.DecisionRecorded] = _decision
