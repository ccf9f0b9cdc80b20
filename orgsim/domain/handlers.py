"""How each event changes an :class:`OrgState`: one handler per event type, with the checks
of SPEC section 3 run before any mutation (so a refused event leaves the state untouched).

Kept apart from :mod:`orgsim.domain.state` so that the state's shape and its lookups read
on one page and the rules of every event on another. This module holds the rules of the
structure itself (grades, policy, units, posts) and of people joining, holding posts and
leaving; the restructure process's events (matching, slotting, pools, appointment,
consultation, decisions) are in :mod:`orgsim.domain.process_rules`, people's own
circumstances in :mod:`orgsim.domain.people_rules`; each adds its handlers to
:data:`HANDLERS`.

The handlers of the events a long log is made of (units and posts created, renamed,
regraded, moved; people joining, assigned and unassigned) check the happy path inline
(``posts.get(pid)``, ``post.deleted is None``) and call the checking lookup
(:meth:`OrgState.live_post` and the like) only when a check fails, so that the error
text, and which check fails first, are exactly those of the lookup. They used to call
the lookup every time, building its error text (``f"assign {e.person!r} to it"``) for
nothing. And what they store is keyed by the id objects the state already holds
(``person.id``, ``post.id``, the manager's ``id``), not the event's equal copies: a
lookup that finds the very same key object needn't compare the strings, and the fold is
bound by memory (each copy is one more object to fetch). Together with the loop in
:func:`orgsim.domain.timeline._fold_all`, a full replay of 500,000 events folds in ~30%
less time. tests/test_fold_reference.py compares them with the old handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.redeployment import VR
from orgsim.domain.state import (
    ONE,
    SUBSTANTIVE,
    ZERO,
    DomainError,
    OrgState,
    Person,
    Post,
    Unit,
)


def ensure_new(table: dict[str, Any], key: str, what: str) -> None:
    """Refuse an id already in use (a unit, post, person or pool)."""
    if key in table:
        raise DomainError(f"duplicate {what} id {key!r}")


def _grades(state: OrgState, e: ev.GradeSchemeDefined) -> None:
    if len(set(e.grades)) != len(e.grades):
        raise DomainError("the grade scheme lists a grade twice")
    state.grades = list(e.grades)
    state.pay_ranges = dict(e.pay_ranges)


def _policy(state: OrgState, e: ev.PolicySet) -> None:
    state.policy = dict(e.policy)


def _unit_created(state: OrgState, e: ev.UnitCreated) -> None:
    units, unit_id, parent_id, kind = state.units, e.unit, e.parent, e.kind
    if unit_id in units:
        ensure_new(units, unit_id, "unit")
    if kind == "organisation" and parent_id is not None:
        raise DomainError(f"organisation {unit_id!r} cannot have a parent")
    if parent_id is None:
        if kind not in ("organisation", "external"):
            raise DomainError(f"unit {unit_id!r} ({kind}) needs a parent")
    else:
        parent = units.get(parent_id)
        if parent is None or parent.closed is not None:
            state.open_unit(parent_id, f"create unit {unit_id!r} in it")
    units[unit_id] = Unit(unit_id, e.name, kind, parent_id, e.effective)


def _unit_renamed(state: OrgState, e: ev.UnitRenamed) -> None:
    unit = state.units.get(e.unit)
    if unit is None or unit.closed is not None:
        unit = state.open_unit(e.unit, "rename it")
    unit.name = e.name


def _check_unit_parent(state: OrgState, unit_id: str, parent: str) -> None:
    state.open_unit(parent, f"move unit {unit_id!r} into it")
    current: str | None = parent
    while current is not None:
        if current == unit_id:
            raise DomainError(f"moving unit {unit_id!r} under {parent!r} would make a cycle")
        current = state.units[current].parent


def _unit_moved(state: OrgState, e: ev.UnitMoved) -> None:
    unit = state.open_unit(e.unit, "move it")
    if unit.kind == "organisation":
        raise DomainError(f"the organisation {e.unit!r} cannot be moved")
    _check_unit_parent(state, e.unit, e.parent)
    unit.parent = e.parent


def _unit_closed(state: OrgState, e: ev.UnitClosed) -> None:
    unit = state.open_unit(e.unit, "close it")
    posts = sorted(p.id for p in state.posts.values() if p.unit == e.unit and p.deleted is None)
    if posts:
        raise DomainError(
            f"cannot close unit {e.unit!r}: it still has {len(posts)} post(s) ({', '.join(posts[:3])})"
        )
    children = sorted(u.id for u in state.units.values() if u.parent == e.unit and u.closed is None)
    if children:
        raise DomainError(
            f"cannot close unit {e.unit!r}: it still has child unit(s) ({', '.join(children[:3])})"
        )
    unit.closed = e.effective


def _unit_transferred(state: OrgState, e: ev.UnitTransferredOut) -> None:
    unit = state.open_unit(e.unit, "transfer it")
    if unit.kind == "organisation":
        raise DomainError(f"the organisation {e.unit!r} cannot be transferred out")
    body = state.units.get(e.to)
    if body is None:
        state.units[e.to] = Unit(e.to, e.to_name or e.to, "external", None, e.effective)
    elif body.kind != "external":
        raise DomainError(
            f"cannot transfer {e.unit!r} to {e.to!r}: it is a {body.kind}, not external"
        )
    elif body.closed is not None:
        raise DomainError(f"cannot transfer {e.unit!r} to {e.to!r}: it was closed on {body.closed}")
    if e.to == e.unit:
        raise DomainError(f"unit {e.unit!r} cannot be transferred to itself")
    _check_unit_parent(state, e.unit, e.to)
    unit.parent = e.to
    # The transferred posts now report within the new body: a line to a manager who
    # stays with the employer is cut (the top of the transferred unit becomes a root).
    moved = {e.unit}
    changed = True
    while changed:
        changed = False
        for u in state.units.values():
            if u.parent in moved and u.id not in moved:
                moved.add(u.id)
                changed = True
    for post in state.posts.values():
        if post.unit in moved and post.reports_to is not None:
            manager = state.posts.get(post.reports_to)
            if manager is None or manager.unit not in moved:
                post.reports_to = None


def _check_reports_to(state: OrgState, post_id: str, manager: str) -> str:
    """Refuse a line to ``manager`` that is not a live post or would make a cycle; return
    the manager's id as :attr:`OrgState.posts` keys it (see :func:`_person_assigned`)."""
    if manager == post_id:
        raise DomainError(f"post {post_id!r} cannot report to itself")
    posts = state.posts
    above = posts.get(manager)
    if above is None or above.deleted is not None:
        above = state.live_post(manager, f"report to it from {post_id!r}")
    # Walk up the manager's line; bounded by the number of posts (which the walk does
    # not change) in case a restored state holds a cycle already.
    current: str | None = manager
    steps, limit = 0, len(posts)
    while current is not None and steps <= limit:
        if current == post_id:
            raise DomainError(f"post {post_id!r} reporting to {manager!r} would make a cycle")
        line = posts.get(current)
        current = line.reports_to if line is not None else None
        steps += 1
    return above.id


def _post_created(state: OrgState, e: ev.PostCreated) -> None:
    posts, post_id, grade, unit_id, manager = state.posts, e.post, e.grade, e.unit, e.reports_to
    if post_id in posts:
        ensure_new(posts, post_id, "post")
    if state.grades is not None and grade not in state.grades:
        state.check_grade(grade)
    unit = state.units.get(unit_id)
    if unit is None or unit.closed is not None:
        unit = state.open_unit(unit_id, f"create post {post_id!r} in it")
    if manager is not None:
        manager = _check_reports_to(state, post_id, manager)
    fte = e.fte
    if fte <= ZERO:
        raise DomainError(f"post {post_id!r} needs a positive FTE")
    posts[post_id] = Post(
        post_id,
        e.title,
        grade,
        unit.id,
        manager,
        fte,
        list(e.accountabilities),
        e.cost,
        e.effective,
        None,
        e.reason,
        e.source,
    )
    state.known_posts.add(post_id)


def _post_retitled(state: OrgState, e: ev.PostRetitled) -> None:
    post = state.posts.get(e.post)
    if post is None or post.deleted is not None:
        post = state.live_post(e.post, "retitle it")
    post.title = e.title


def _post_regraded(state: OrgState, e: ev.PostRegraded) -> None:
    post = state.posts.get(e.post)
    if post is None or post.deleted is not None:
        post = state.live_post(e.post, "regrade it")
    grade = e.grade
    if state.grades is not None and grade not in state.grades:
        state.check_grade(grade)
    post.grade = grade


def _post_moved(state: OrgState, e: ev.PostMoved) -> None:
    post_id, unit_id, manager = e.post, e.unit, e.reports_to
    post = state.posts.get(post_id)
    if post is None or post.deleted is not None:
        post = state.live_post(post_id, "move it")
    if unit_id is None and manager is None:
        raise DomainError(f"moving post {post_id!r} needs a unit or reports_to")
    if unit_id is not None:
        unit = state.units.get(unit_id)
        if unit is None or unit.closed is not None:
            unit = state.open_unit(unit_id, f"move post {post_id!r} into it")
        unit_id = unit.id
    if manager is not None:
        manager = _check_reports_to(state, post_id, manager)
    if unit_id is not None:
        post.unit = unit_id
    if manager is not None:
        post.reports_to = manager


def _post_deleted(state: OrgState, e: ev.PostDeleted) -> None:
    post = state.live_post(e.post, "delete it")
    for person_id in sorted(state.holders.get(e.post, {})):
        assignment = state._unassign(person_id, e.post)
        if assignment.substantive:
            person = state.people[person_id]
            person.displaced_from = e.post
            person.displaced_fte = assignment.fte
            person.status = "displaced"
            person.status_post = None
            person.status_reasons = []
    post.deleted = e.effective
    post.reason = e.reason or post.reason
    post.source = e.source or post.source


def _person_joined(state: OrgState, e: ev.PersonJoined) -> None:
    people, person_id, grade = state.people, e.person, e.grade
    if person_id in people:
        ensure_new(people, person_id, "person")
    if grade is not None and state.grades is not None and grade not in state.grades:
        state.check_grade(grade)
    people[person_id] = Person(person_id, e.name, grade, dict(e.characteristics), e.effective)


def _person_assigned(state: OrgState, e: ev.PersonAssigned) -> None:
    person_id, post_id, fte, kind = e.person, e.post, e.fte, e.kind
    person = state.people.get(person_id)
    if person is None or person.left is not None:
        person = state.current_person(person_id, f"assign them to {post_id!r}")
    post = state.posts.get(post_id)
    if post is None or post.deleted is not None:
        post = state.live_post(post_id, f"assign {person_id!r} to it")
    held = state.assignments.get(person_id)
    if held is not None and post_id in held:
        raise DomainError(f"{person_id!r} already holds post {post_id!r}")
    if fte <= ZERO or fte > ONE:
        raise DomainError(f"assignment FTE must be above 0 and at most 1.0, not {fte}")
    if kind == SUBSTANTIVE and held:  # with no other post, fte <= 1 is the total
        total = state.substantive_fte(person_id) + fte
        if total > ONE:
            raise DomainError(
                f"{person_id!r} would hold {total} substantive FTE (over 1.0) with post {post_id!r}"
            )
    state._assign(person.id, post.id, fte, kind, e.effective)
    if kind == SUBSTANTIVE and person.displaced_from is not None:
        person.displaced_from = None
        person.status = "redeployed"
        person.status_post = post.id
        person.status_reasons = []


def _person_unassigned(state: OrgState, e: ev.PersonUnassigned) -> None:
    person_id, post_id = e.person, e.post
    if person_id not in state.people:
        state.person(person_id)
    held = state.assignments.get(person_id)
    if held is None or post_id not in held:
        raise DomainError(f"{person_id!r} does not hold post {post_id!r}")
    del held[post_id]  # OrgState._unassign without looking ``held`` up again
    del state.holders[post_id][person_id]


def _person_left(state: OrgState, e: ev.PersonLeft) -> None:
    person = state.current_person(e.person, "record their leaving")
    interest = state.redeployment.interests.get(e.person)
    if e.cause == VR and interest is not None and interest.outcome != "accepted":
        raise DomainError(
            f"{e.person!r} cannot leave by voluntary redundancy: their expression of "
            f"interest is {interest.outcome}, not accepted"
        )
    person.left_on = e.effective
    person.left_from = person.displaced_from or next(
        (a.post for a in sorted(state.substantive_posts(e.person), key=lambda a: a.post)), None
    )
    for post in list(state.assignments.get(e.person, {})):
        state._unassign(e.person, post)
    person.left = e.cause
    person.displaced_from = None
    person.status = "left"
    person.status_post = None
    person.status_reasons = [e.cause]


def _post_fte_changed(state: OrgState, e: ev.PostFteChanged) -> None:
    post = state.live_post(e.post, "change its FTE")
    if e.fte <= ZERO:
        raise DomainError(f"post {e.post!r} needs a positive FTE, not {e.fte}")
    post.fte = e.fte


def _post_cost_changed(state: OrgState, e: ev.PostCostChanged) -> None:
    post = state.live_post(e.post, "change its cost")
    if e.cost is not None and e.cost < ZERO:
        raise DomainError(f"post {e.post!r} cannot cost less than nothing ({e.cost})")
    post.cost = e.cost


def _post_accountabilities_changed(state: OrgState, e: ev.PostAccountabilitiesChanged) -> None:
    post = state.live_post(e.post, "change its accountabilities")
    # weight 0 is a tag, not a duty (an importer's profession label), as in PostCreated
    if any(a.weight < ZERO for a in e.accountabilities):
        raise DomainError(f"post {e.post!r}: an accountability cannot weigh less than 0")
    post.accountabilities = list(e.accountabilities)


def _post_reporting_cleared(state: OrgState, e: ev.PostReportingCleared) -> None:
    post = state.live_post(e.post, "clear its reporting line")
    if post.reports_to is None:
        raise DomainError(f"post {e.post!r} reports to no post already")
    post.reports_to = None


def _person_renamed(state: OrgState, e: ev.PersonRenamed) -> None:
    person = state.current_person(e.person, "rename them")
    if not e.name.strip():
        raise DomainError(f"{e.person!r} needs a non-empty name")
    person.name = e.name


def _person_regraded(state: OrgState, e: ev.PersonRegraded) -> None:
    person = state.current_person(e.person, "regrade them")
    if e.grade is not None:
        state.check_grade(e.grade)
    person.grade = e.grade


HANDLERS: dict[type[ev.Event], Callable[[OrgState, Any], None]] = {
    ev.GradeSchemeDefined: _grades,
    ev.PolicySet: _policy,
    ev.UnitCreated: _unit_created,
    ev.UnitRenamed: _unit_renamed,
    ev.UnitMoved: _unit_moved,
    ev.UnitClosed: _unit_closed,
    ev.UnitTransferredOut: _unit_transferred,
    ev.PostCreated: _post_created,
    ev.PostRetitled: _post_retitled,
    ev.PostRegraded: _post_regraded,
    ev.PostMoved: _post_moved,
    ev.PostDeleted: _post_deleted,
    ev.PersonJoined: _person_joined,
    ev.PersonAssigned: _person_assigned,
    ev.PersonUnassigned: _person_unassigned,
    ev.PersonLeft: _person_left,
    ev.PostFteChanged: _post_fte_changed,
    ev.PostCostChanged: _post_cost_changed,
    ev.PostAccountabilitiesChanged: _post_accountabilities_changed,
    ev.PostReportingCleared: _post_reporting_cleared,
    ev.PersonRenamed: _person_renamed,
    ev.PersonRegraded: _person_regraded,
}


# --- the restructure process (matching, slotting, pools, appointment, consultation) and
# people's own circumstances (SPEC 13, issue 15): a module each, adding their handlers
from orgsim.domain import people_rules as _people  # noqa: E402
from orgsim.domain import process_rules as _process  # noqa: E402

_process.register(HANDLERS)
_people.register(HANDLERS)

assert set(HANDLERS) == set(ev.EVENT_TYPES.values()), "every event type needs a handler"
