"""The fold's hot handlers as they were before the fast-path rewrite: the reference that
tests/test_fold_reference.py compares the current handlers with, event by event.

Copied from orgsim/domain/handlers.py and state.py (``_assign``, ``substantive_fte``) at
commit 6c910ad, changed only to call the module-level copies of those two state methods.
Every lookup goes through the checking method (``current_person``, ``live_post``,
``open_unit``, ``check_grade``...) with its error text built up front: slow, and plainly
right. Keep this file as it is: it is the old behaviour, not a second implementation to
maintain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.handlers import HANDLERS, ensure_new
from orgsim.domain.state import (
    ONE,
    SUBSTANTIVE,
    ZERO,
    Assignment,
    DomainError,
    OrgState,
    Person,
    Post,
    Unit,
)


def _substantive_fte(state: OrgState, person_id: str) -> Decimal:
    return sum(
        (a.fte for a in state.assignments.get(person_id, {}).values() if a.substantive),
        ZERO,
    )


def _assign(
    state: OrgState, person: str, post: str, fte: Decimal, kind: str, since: dt.date
) -> None:
    assignment = Assignment(person, post, fte, kind, since)
    state.assignments.setdefault(person, {})[post] = assignment
    state.holders.setdefault(post, {})[person] = assignment


def _unassign(state: OrgState, person: str, post: str) -> Assignment:
    assignment = state.assignments[person].pop(post)
    del state.holders[post][person]
    return assignment


def _unit_created(state: OrgState, e: ev.UnitCreated) -> None:
    ensure_new(state.units, e.unit, "unit")
    if e.kind == "organisation" and e.parent is not None:
        raise DomainError(f"organisation {e.unit!r} cannot have a parent")
    if e.parent is None and e.kind not in ("organisation", "external"):
        raise DomainError(f"unit {e.unit!r} ({e.kind}) needs a parent")
    if e.parent is not None:
        state.open_unit(e.parent, f"create unit {e.unit!r} in it")
    state.units[e.unit] = Unit(e.unit, e.name, e.kind, e.parent, e.effective)


def _unit_renamed(state: OrgState, e: ev.UnitRenamed) -> None:
    state.open_unit(e.unit, "rename it").name = e.name


def _check_reports_to(state: OrgState, post_id: str, manager: str) -> None:
    if manager == post_id:
        raise DomainError(f"post {post_id!r} cannot report to itself")
    state.live_post(manager, f"report to it from {post_id!r}")
    current: str | None = manager
    steps = 0
    while current is not None and steps <= len(state.posts):
        if current == post_id:
            raise DomainError(f"post {post_id!r} reporting to {manager!r} would make a cycle")
        current = state.posts[current].reports_to if current in state.posts else None
        steps += 1


def _post_created(state: OrgState, e: ev.PostCreated) -> None:
    ensure_new(state.posts, e.post, "post")
    state.check_grade(e.grade)
    state.open_unit(e.unit, f"create post {e.post!r} in it")
    if e.reports_to is not None:
        _check_reports_to(state, e.post, e.reports_to)
    if e.fte <= ZERO:
        raise DomainError(f"post {e.post!r} needs a positive FTE")
    state.posts[e.post] = Post(
        e.post,
        e.title,
        e.grade,
        e.unit,
        e.reports_to,
        e.fte,
        list(e.accountabilities),
        e.cost,
        e.effective,
        None,
        e.reason,
        e.source,
    )
    state.known_posts.add(e.post)


def _post_retitled(state: OrgState, e: ev.PostRetitled) -> None:
    state.live_post(e.post, "retitle it").title = e.title


def _post_regraded(state: OrgState, e: ev.PostRegraded) -> None:
    post = state.live_post(e.post, "regrade it")
    state.check_grade(e.grade)
    post.grade = e.grade


def _post_moved(state: OrgState, e: ev.PostMoved) -> None:
    post = state.live_post(e.post, "move it")
    if e.unit is None and e.reports_to is None:
        raise DomainError(f"moving post {e.post!r} needs a unit or reports_to")
    if e.unit is not None:
        state.open_unit(e.unit, f"move post {e.post!r} into it")
    if e.reports_to is not None:
        _check_reports_to(state, e.post, e.reports_to)
    if e.unit is not None:
        post.unit = e.unit
    if e.reports_to is not None:
        post.reports_to = e.reports_to


def _person_joined(state: OrgState, e: ev.PersonJoined) -> None:
    ensure_new(state.people, e.person, "person")
    if e.grade is not None:
        state.check_grade(e.grade)
    state.people[e.person] = Person(e.person, e.name, e.grade, dict(e.characteristics), e.effective)


def _person_assigned(state: OrgState, e: ev.PersonAssigned) -> None:
    person = state.current_person(e.person, f"assign them to {e.post!r}")
    state.live_post(e.post, f"assign {e.person!r} to it")
    if e.post in state.assignments.get(e.person, {}):
        raise DomainError(f"{e.person!r} already holds post {e.post!r}")
    if e.fte <= ZERO or e.fte > ONE:
        raise DomainError(f"assignment FTE must be above 0 and at most 1.0, not {e.fte}")
    if e.kind == SUBSTANTIVE:
        total = _substantive_fte(state, e.person) + e.fte
        if total > ONE:
            raise DomainError(
                f"{e.person!r} would hold {total} substantive FTE (over 1.0) with post {e.post!r}"
            )
    _assign(state, e.person, e.post, e.fte, e.kind, e.effective)
    if e.kind == SUBSTANTIVE and person.displaced_from is not None:
        person.displaced_from = None
        person.status = "redeployed"
        person.status_post = e.post
        person.status_reasons = []


def _person_unassigned(state: OrgState, e: ev.PersonUnassigned) -> None:
    state.person(e.person)
    if e.post not in state.assignments.get(e.person, {}):
        raise DomainError(f"{e.person!r} does not hold post {e.post!r}")
    _unassign(state, e.person, e.post)


#: The current table with the rewritten handlers put back as they were.
REFERENCE: dict[type[ev.Event], Callable[[OrgState, Any], None]] = {
    **HANDLERS,
    ev.UnitCreated: _unit_created,
    ev.UnitRenamed: _unit_renamed,
    ev.PostCreated: _post_created,
    ev.PostRetitled: _post_retitled,
    ev.PostRegraded: _post_regraded,
    ev.PostMoved: _post_moved,
    ev.PersonJoined: _person_joined,
    ev.PersonAssigned: _person_assigned,
    ev.PersonUnassigned: _person_unassigned,
}
