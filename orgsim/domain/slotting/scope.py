"""The slotting engine applied to a branch: scope from the state, outcomes as events.

The engine itself (:mod:`orgsim.slotting`) is pure and knows nothing of events; this
module decides who and what is in scope at a date (SPEC section 5) and records results.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.slotting import (
    Candidate,
    Policy,
    SlottingResult,
    Vacancy,
    Verdict,
    check_decision,
    decide,
)
from orgsim.domain.slotting.policy import resolve_policy
from orgsim.domain.state import Match, OrgState
from orgsim.domain.structure import PostView, Structure


def resolve_policy_or_error(value: str | dict[str, Any] | None) -> dict[str, Any]:
    """A scenario's ``policy:`` as stored JSON (raises ValueError with one line)."""
    dump = resolve_policy(value).model_dump(mode="json")
    if dump.get("redundancy") is None:
        # A policy without redundancy terms stores as it always did.
        dump.pop("redundancy", None)
    return dump


def policy_of(state: OrgState) -> Policy:
    stored = state.policy or None
    if stored is not None and "no_hours_cut" not in stored:
        # Stored before the rule existed: judged by the rule of its day (no such rule).
        stored = {**stored, "no_hours_cut": False}
    return resolve_policy(stored)


def scope(
    state: OrgState,
) -> tuple[list[Candidate], list[Vacancy], dict[tuple[str, str], Decimal]]:
    """Displaced people (judged on their deleted substantive post) and vacant posts, as
    the read model sees them at the state's date (SPEC section 5)."""
    structure = Structure.from_state("", state.at, state)
    return scope_of(structure, state.matches, policy_of(state))


def scope_of(
    structure: Structure, recorded: Mapping[tuple[str, str], Match], policy: Policy
) -> tuple[list[Candidate], list[Vacancy], dict[tuple[str, str], Decimal]]:
    candidates = []
    for person in structure.displaced_people():
        assert person.displaced_from is not None
        old = structure.former_posts[person.displaced_from]
        candidates.append(Candidate(person.id, old.id, old.grade, person.displaced_fte))
    fte = policy.count == "fte"
    vacancies = []
    for post in structure.posts.values():
        if post.external:
            continue
        if post.vacant:
            vacancies.append(Vacancy(post.id, post.grade, post.fte))
        elif fte and (room := _room_left_by_slotting(structure, post)) > 0:
            vacancies.append(Vacancy(post.id, post.grade, room))
    matches = {key: m.percent for key, m in recorded.items()}
    candidates.sort(key=lambda c: c.person)
    vacancies.sort(key=lambda v: v.post)
    return candidates, vacancies, matches


def _room_left_by_slotting(structure: Structure, post: PostView) -> Decimal:
    """Under ``count: fte``, a post filled only by people slotted into it (a job share
    being formed) still offers its unused FTE, so the second sharer's slotting, replayed
    after the first, is judged against the capacity that is left. A post with an
    ordinary part-time holder is not vacant (SPEC 5)."""
    for person_id in post.holders:
        person = structure.people[person_id]
        if person.status != "slotted" or person.status_post != post.id:
            return Decimal(0)
    return post.unfilled_fte


def propose(state: OrgState) -> SlottingResult:
    candidates, vacancies, matches = scope(state)
    return decide(candidates, vacancies, matches, policy_of(state), grades=state.grades)


def outcome_events(result: SlottingResult, state: OrgState, meta: dict[str, Any]) -> list[ev.Event]:
    """Slotted first, then pools, then at-risk: an audit replaying each decision in log
    order sees earlier slottings applied, which never changes who must be slotted."""
    slotted: list[ev.Event] = []
    pools: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    at_risk: list[ev.Event] = []
    for outcome in result.outcomes:
        if outcome.outcome == "slotted":
            assert outcome.post is not None
            slotted.append(
                ev.PersonSlotted(
                    **meta,
                    person=outcome.person,
                    post=outcome.post,
                    basis="engine",
                    by_engine=True,
                    reasons=list(outcome.reasons),
                )
            )
        elif outcome.outcome == "ring_fenced":
            assert outcome.pool is not None
            key = (tuple(outcome.pool.candidates), tuple(outcome.pool.posts))
            reasons = pools.setdefault(key, [])
            reasons.extend(r for r in outcome.reasons if r not in reasons)
        else:
            at_risk.append(
                ev.PersonPlacedAtRisk(**meta, person=outcome.person, reasons=list(outcome.reasons))
            )
    formed: list[ev.Event] = []
    number = len(state.pools)
    for (candidates, posts), reasons in sorted(pools.items()):
        number += 1
        while f"pool-{number}" in state.pools:
            number += 1
        formed.append(
            ev.PoolFormed(
                **meta,
                pool=f"pool-{number}",
                candidates=list(candidates),
                posts=list(posts),
                reasons=reasons,
            )
        )
    return [*slotted, *formed, *at_risk]


def check_by_hand(state: OrgState, person: str, post: str) -> Verdict:
    """The policy's verdict on a decision taken by hand (None when not applicable)."""
    candidates, vacancies, matches = scope(state)
    return check_decision(
        candidates, vacancies, matches, policy_of(state), person, post, grades=state.grades
    )
