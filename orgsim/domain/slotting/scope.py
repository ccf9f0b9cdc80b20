"""The slotting engine applied to a branch: scope from the state, outcomes as events.

The engine itself (:mod:`orgsim.slotting`) is pure and knows nothing of events; this
module decides who and what is in scope at a date (SPEC section 5) and records results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.record_builders import person_view, post_view
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
from orgsim.domain.structure import PersonView, PostView, Structure


def resolve_policy_or_error(value: str | dict[str, Any] | None) -> dict[str, Any]:
    """A scenario's ``policy:`` as stored JSON (raises ValueError with one line)."""
    dump = resolve_policy(value).model_dump(mode="json")
    if dump.get("redundancy") is None:
        # A policy without redundancy terms stores as it always did.
        dump.pop("redundancy", None)
    return dump


#: Rules added to the policy after policies were first stored: a stored policy without
#: one was decided without it, and is judged by the rule of its day (the rule off).
LATER_RULES = ("no_hours_cut", "priority_status", "first_consideration")


def policy_of(state: OrgState) -> Policy:
    stored = state.policy or None
    if stored is not None:
        stored = {**{rule: False for rule in LATER_RULES if rule not in stored}, **stored}
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
        candidate = candidate_of(person, structure.post, policy, structure.at)
        assert candidate is not None
        candidates.append(candidate)
    vacancies = []
    for post in structure.posts.values():
        vacancy = vacancy_of(post, structure.people.__getitem__, policy)
        if vacancy is not None:
            vacancies.append(vacancy)
    matches = {key: m.percent for key, m in recorded.items()}
    candidates.sort(key=lambda c: c.person)
    vacancies.sort(key=lambda v: v.post)
    return candidates, vacancies, matches


# --- who and what is in scope, one person or post at a time ------------------------------
#
# ``scope_of`` asks these of every person and post of the read model; the audit asks them
# of the few around one decision (:func:`scope_around`). One definition either way.


def candidate_of(
    person: PersonView, post: Callable[[str], PostView | None], policy: Policy, at: dt.date
) -> Candidate | None:
    """A displaced person (substantive post deleted, no outcome recorded since) as the
    engine takes them, judged on their deleted post, with their priority status on
    ``at`` when the policy gives it; None for anyone else.

    Priority is spent once the person has unreasonably refused an offer of suitable
    alternative employment (ERA 1996 s141): the employer has then offered the suitable
    vacancy reg 10 of the MPL Regulations 1999 requires, and priority must not slot them
    ahead of everyone else — into the very post they refused, even."""
    if person.displaced_from is None or person.left is not None:
        return None
    old = post(person.displaced_from)
    assert old is not None and old.deleted is not None
    priority = (
        policy.priority_status
        and person.priority_status(at)
        and person.unreasonable_refusal is None
    )
    return Candidate(person.id, old.id, old.grade, person.displaced_fte, priority=priority)


def vacancy_of(
    post: PostView, person: Callable[[str], PersonView], policy: Policy
) -> Vacancy | None:
    """A live post of the employer with no substantive holder (with ``count: fte``, also
    one filled only by people slotted into it, for the FTE left); None otherwise. A post
    under an open offer of suitable alternative employment is promised to that person
    until they answer, so it is not vacant for slotting: the engine must not slot
    someone else into it and make the offer impossible to accept."""
    if post.external or post.deleted is not None or post.offered_to is not None:
        return None
    if post.vacant:
        return Vacancy(post.id, post.grade, post.fte)
    if policy.count == "fte" and (room := _room_left_by_slotting(person, post)) > 0:
        return Vacancy(post.id, post.grade, room)
    return None


def _room_left_by_slotting(person: Callable[[str], PersonView], post: PostView) -> Decimal:
    """Under ``count: fte``, a post filled only by people slotted into it (a job share
    being formed) still offers its unused FTE, so the second sharer's slotting, replayed
    after the first, is judged against the capacity that is left. A post with an
    ordinary part-time holder is not vacant (SPEC 5): its balance is that holder's job,
    to fill by appointment or a decision to share it, not a slot to impose on them; the
    read model still reports it as vacant FTE (``PostView.unfilled_fte``)."""
    for person_id in post.holders:
        holder = person(person_id)
        if holder.status != "slotted" or holder.status_post != post.id:
            return Decimal(0)
    return post.unfilled_fte


@dataclass
class ScopeIndex:
    """What :func:`scope_around` needs beyond the folded state to find one decision's
    neighbourhood without visiting the organisation: who has a match recorded with whom,
    and who was displaced from each deleted post. The caller keeps it up to date as it
    folds (see :mod:`orgsim.views.audit`); entries may be stale supersets — every
    person and post found through them is judged again on the state."""

    #: old post -> new posts, and new post -> old posts, with a recorded match
    matches_from: dict[str, set[str]] = field(default_factory=dict)
    matches_to: dict[str, set[str]] = field(default_factory=dict)
    #: deleted post -> people who held it when it was deleted
    displaced_from: dict[str, set[str]] = field(default_factory=dict)

    def match_recorded(self, old: str, new: str) -> None:
        self.matches_from.setdefault(old, set()).add(new)
        self.matches_to.setdefault(new, set()).add(old)

    def post_deleted(self, post: str, holders: Iterable[str]) -> None:
        self.displaced_from.setdefault(post, set()).update(holders)


def scope_around(
    state: OrgState,
    index: ScopeIndex,
    bodies: Mapping[str, str],
    recorded: Mapping[tuple[str, str], Match],
    policy: Policy,
    person: str,
    post: str,
) -> tuple[list[Candidate], list[Vacancy], dict[tuple[str, str], Decimal]]:
    """The part of :func:`scope_of` that can bear on slotting ``person`` into ``post``:
    the person and the post, and everyone and every vacant post connected to them
    through recorded matches (between a displaced person's old post and a vacant post).

    The engine decides each connected group of eligible pairs on its own (maximum
    matching, Dulmage–Mendelsohn pools, placement, ``count: fte`` groups), and eligible
    pairs are recorded matches, so :func:`check_decision` on this part gives the verdict
    and reasons it gives on the whole scope (tests/test_audit_scope.py checks both
    claims). It costs the size of that part, not of the organisation: the audit asks it
    once per decision. ``bodies`` is :func:`external_bodies` of ``state``."""
    posts: dict[str, PostView | None] = {}
    people: dict[str, PersonView] = {}
    offered = state.redeployment.open_offers(state.people)

    def post_at(post_id: str) -> PostView | None:
        if post_id not in posts:
            posts[post_id] = (
                post_view(state, post_id, bodies, offered) if post_id in state.posts else None
            )
        return posts[post_id]

    def person_at(person_id: str) -> PersonView:
        if person_id not in people:
            people[person_id] = person_view(state, person_id, state.at)
        return people[person_id]

    def candidate(person_id: str) -> Candidate | None:
        return (
            candidate_of(person_at(person_id), post_at, policy, state.at)
            if person_id in state.people
            else None
        )

    def vacancy(post_id: str) -> Vacancy | None:
        view = post_at(post_id)
        return vacancy_of(view, person_at, policy) if view is not None else None

    candidates: dict[str, Candidate] = {}
    vacancies: dict[str, Vacancy] = {}
    old_posts: set[str] = set()  # old posts of the candidates found
    followed: set[str] = set()  # vacant posts whose matches have been followed
    queue: list[str] = []  # old posts whose matches are still to follow

    def reach_old(old: str) -> None:
        if old in old_posts:
            return
        found = False
        for other in index.displaced_from.get(old, ()):
            if (c := candidate(other)) is not None and c.old_post == old:
                candidates[other] = c
                found = True
        if found:  # an old post nobody is displaced from links nobody
            old_posts.add(old)
            queue.append(old)

    first = candidate(person)
    if first is not None:
        reach_old(first.old_post)
    if (own := vacancy(post)) is not None:
        vacancies[post] = own
    while queue:
        old = queue.pop()
        for new in index.matches_from.get(old, ()):
            if new in followed:
                continue
            followed.add(new)
            found_vacancy = vacancies.get(new) or vacancy(new)
            if found_vacancy is None:
                continue
            vacancies[new] = found_vacancy
            for other_old in index.matches_to.get(new, ()):
                reach_old(other_old)
    matches = {
        key: m.percent
        for old in old_posts
        for new in index.matches_from.get(old, ())
        if new in vacancies and (m := recorded.get(key := (old, new))) is not None
    }
    return (
        sorted(candidates.values(), key=lambda c: c.person),
        sorted(vacancies.values(), key=lambda v: v.post),
        matches,
    )


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
