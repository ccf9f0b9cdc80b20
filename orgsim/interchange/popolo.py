"""The Popolo export (popoloproject.com): organizations, persons, posts, memberships.

Popolo is a history, not a picture at one date: memberships, units and posts carry start
and end dates. The facts (which units, posts and people exist, their names, titles,
grades and recorded reporting lines, who was in what post) are read from the read model,
:class:`~orgsim.domain.structure.Structure`, at the date, with its former units, deleted
posts and leavers. Only the *dates* need the timeline: a membership's start and end are
found by replaying the branch event by event up to the date and noting when each
(person, post) holding appears and disappears.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.store.branches import BranchLog


def _pairs(state: OrgState, event: ev.Event) -> set[tuple[str, str]]:
    """The (person, post) holdings an event may touch, of any kind, as they stand now."""
    pairs: set[tuple[str, str]] = set()
    person = getattr(event, "person", None)
    post = getattr(event, "post", None)
    if isinstance(person, str):
        pairs |= {(person, p) for p in state.assignments.get(person, {})}
    if isinstance(post, str):
        pairs |= {(p, post) for p in state.holders.get(post, {})}
    return pairs


def _history(branch: BranchLog, at: dt.date) -> tuple[OrgState, list[dict[str, Any]]]:
    """Replay the branch up to ``at``: the state there, and every holding with its
    start, end (None while it lasts) and kind."""
    timeline = branch.timeline
    state = OrgState(set(timeline.known_posts))
    open_since: dict[tuple[str, str], tuple[dt.date, str]] = {}
    memberships: list[dict[str, Any]] = []

    def close(pair: tuple[str, str], on: dt.date | None) -> None:
        since, kind = open_since.pop(pair)
        memberships.append({"pair": pair, "start": since, "end": on, "kind": kind})

    for item in timeline.ordered:
        event = item.event
        if event.effective > at:
            break
        before = _pairs(state, event)
        state.apply(event, item.version)
        after = _pairs(state, event)
        for pair in sorted(before - after):
            if pair in open_since:
                close(pair, event.effective)
        for pair in sorted(after - before):
            kind = state.assignments[pair[0]][pair[1]].kind
            open_since[pair] = (event.effective, kind)
    for pair in sorted(open_since):
        close(pair, None)
    return state, memberships


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None and value != ev.UNDATED else None


def popolo(branch: BranchLog, at: dt.date) -> dict[str, Any]:
    """Popolo JSON of the branch up to ``at``: memberships carry start and end dates."""
    state, memberships = _history(branch, at)
    view = Structure.from_state(branch.name, at, state)
    # READ-MODEL-CANDIDATE: when a unit was created / closed and a post created are not
    # in the read model (only a deleted post's date is); read from the replayed state.
    units = sorted([*view.units.values(), *view.former_units.values()], key=lambda u: u.id)
    posts = sorted([*view.posts.values(), *view.former_posts.values()], key=lambda p: p.id)
    people = sorted([*view.people.values(), *view.leavers.values()], key=lambda p: p.id)
    organizations = [
        {
            "id": u.id,
            "name": u.name,
            "classification": u.kind,
            "parent_id": u.parent,
            "founding_date": _date(state.units[u.id].created),
            "dissolution_date": _date(state.units[u.id].closed),
        }
        for u in units
    ]
    persons = [{"id": p.id, "name": p.name} for p in people]
    post_rows = [
        {
            "id": p.id,
            "label": p.title,
            "role": p.title,
            "organization_id": p.unit,
            "start_date": _date(state.posts[p.id].created),
            "end_date": _date(p.deleted),
            "grade": p.grade,
            "fte": float(p.fte),
            "reports_to": p.recorded_reports_to,  # as recorded: a history keeps old lines
        }
        for p in posts
    ]
    members = []
    for n, m in enumerate(sorted(memberships, key=lambda m: (m["start"], m["pair"])), start=1):
        person, post_id = m["pair"]
        post = view.post(post_id)
        assert post is not None  # a holding names a post the branch has created
        members.append(
            {
                "id": f"m{n}",
                "person_id": person,
                "post_id": post_id,
                "organization_id": post.unit,
                "role": post.title,
                "label": m["kind"],
                "start_date": _date(m["start"]),
                "end_date": _date(m["end"]),
            }
        )
    return {
        "meta": {"branch": branch.name, "at": at.isoformat(), "generator": "orgsim"},
        "organizations": organizations,
        "persons": persons,
        "posts": post_rows,
        "memberships": members,
    }
