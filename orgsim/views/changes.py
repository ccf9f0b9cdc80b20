"""What changed between two dates on a branch, or between two branches at a date.

Every created, deleted, moved, retitled and regraded post and unit, and every person whose
substantive post or status changed, each with the event that made the change (its type,
log version, both clocks, ``reason`` and ``source``), found in the branch's log:

- between dates, among the branch's events effective after ``from`` and up to ``to``;
- between branches, among the events one branch's log holds and the other's does not
  (this branch's first; a difference that comes from the other branch's own events, say
  a post only the other option creates, is traced there and says so in ``branch``).

When several events qualify (a post retitled twice) the latest in timeline order wins:
it is the one that made the state what it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Logged
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store


@dataclass(frozen=True)
class _Candidate:
    branch: str
    item: Logged


class Provenance:
    """Finds the event behind a change among candidate events, latest first."""

    def __init__(self, groups: list[tuple[str, Iterable[Logged]]]) -> None:
        self.groups: list[list[_Candidate]] = []
        for branch, items in groups:
            ordered = sorted(items, key=lambda i: (i.event.effective, i.version), reverse=True)
            self.groups.append([_Candidate(branch, i) for i in ordered])

    def find(
        self, types: tuple[type[ev.Event], ...], match: Callable[[Any], bool]
    ) -> _Candidate | None:
        for group in self.groups:
            for candidate in group:
                event = candidate.item.event
                if isinstance(event, types) and match(event):
                    return candidate
        return None


def _source(found: _Candidate | None, with_branch: bool) -> dict[str, Any]:
    if found is None:
        out: dict[str, Any] = {
            "event": None,
            "version": None,
            "effective": None,
            "recorded": None,
            "reason": None,
            "source": None,
        }
        if with_branch:
            out["branch"] = None
        return out
    event = found.item.event
    out = {
        "event": type(event).__name__,
        "version": found.item.version,
        "effective": None if event.effective == ev.UNDATED else event.effective.isoformat(),
        "recorded": event.recorded.isoformat(),
        "reason": event.reason,
        "source": event.source,
    }
    details = getattr(event, "reasons", None)
    if details:
        out["details"] = list(details)
    if with_branch:
        out["branch"] = found.branch
    return out


def _live_units(state: OrgState) -> dict[str, Any]:
    return {u.id: u for u in state.units.values() if u.closed is None}


def _live_posts(state: OrgState) -> dict[str, Any]:
    return {p.id: p for p in state.posts.values() if p.deleted is None}


def _ancestors(state: OrgState, unit: str | None) -> set[str]:
    out: set[str] = set()
    while unit is not None and unit not in out and unit in state.units:
        out.add(unit)
        unit = state.units[unit].parent
    return out


def _substantive(state: OrgState, person: str) -> list[str]:
    return sorted(a.post for a in state.substantive_posts(person))


def diff_states(
    before: OrgState, after: OrgState, provenance: Provenance, with_branch: bool = False
) -> dict[str, Any]:
    """Units, posts and people that differ from ``before`` to ``after``."""
    units: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    find = provenance.find

    def entry(
        kind_list: list,
        id_: str,
        change: str,
        label: str,
        name: str,
        old: dict | None,
        new: dict | None,
        found: _Candidate | None,
    ) -> None:
        kind_list.append(
            {
                "id": id_,
                "change": change,
                label: name,
                "before": old,
                "after": new,
                **_source(found, with_branch),
            }
        )

    old_units, new_units = _live_units(before), _live_units(after)
    for uid in sorted(old_units.keys() | new_units.keys()):
        old, new = old_units.get(uid), new_units.get(uid)
        view = lambda u: {"name": u.name, "kind": u.kind, "parent": u.parent}  # noqa: E731
        if old is None:
            found = find((ev.UnitCreated,), lambda e, u=uid: e.unit == u) or find(
                (ev.UnitTransferredOut,), lambda e, u=uid: e.to == u
            )
            entry(units, uid, "created", "name", new.name, None, view(new), found)
            continue
        if new is None:
            found = find((ev.UnitClosed,), lambda e, u=uid: e.unit == u) or find(
                (ev.UnitCreated,), lambda e, u=uid: e.unit == u
            )
            entry(units, uid, "closed", "name", old.name, view(old), None, found)
            continue
        if old.parent != new.parent:
            found = find((ev.UnitMoved, ev.UnitTransferredOut), lambda e, u=uid: e.unit == u)
            entry(
                units,
                uid,
                "moved",
                "name",
                new.name,
                {"parent": old.parent},
                {"parent": new.parent},
                found,
            )
        if old.name != new.name:
            found = find((ev.UnitRenamed,), lambda e, u=uid: e.unit == u)
            entry(
                units,
                uid,
                "renamed",
                "name",
                new.name,
                {"name": old.name},
                {"name": new.name},
                found,
            )

    old_posts, new_posts = _live_posts(before), _live_posts(after)
    for pid in sorted(old_posts.keys() | new_posts.keys()):
        old, new = old_posts.get(pid), new_posts.get(pid)

        def view(p):
            return {
                "title": p.title,
                "grade": p.grade,
                "unit": p.unit,
                "reports_to": p.reports_to,
                "fte": float(p.fte),
            }

        if old is None:
            found = find((ev.PostCreated,), lambda e, p=pid: e.post == p)
            entry(posts, pid, "created", "title", new.title, None, view(new), found)
            continue
        if new is None:
            found = find((ev.PostDeleted,), lambda e, p=pid: e.post == p) or find(
                (ev.PostCreated,), lambda e, p=pid: e.post == p
            )
            entry(posts, pid, "deleted", "title", old.title, view(old), None, found)
            continue
        if old.unit != new.unit or old.reports_to != new.reports_to:
            # moved by hand, or cut from its manager when its unit left the employer
            found = find((ev.PostMoved,), lambda e, p=pid: e.post == p) or find(
                (ev.UnitTransferredOut,), lambda e, a=_ancestors(after, new.unit): e.unit in a
            )
            entry(
                posts,
                pid,
                "moved",
                "title",
                new.title,
                {"unit": old.unit, "reports_to": old.reports_to},
                {"unit": new.unit, "reports_to": new.reports_to},
                found,
            )
        if old.title != new.title:
            found = find((ev.PostRetitled,), lambda e, p=pid: e.post == p)
            entry(
                posts,
                pid,
                "retitled",
                "title",
                new.title,
                {"title": old.title},
                {"title": new.title},
                found,
            )
        if old.grade != new.grade:
            found = find((ev.PostRegraded,), lambda e, p=pid: e.post == p)
            entry(
                posts,
                pid,
                "regraded",
                "title",
                new.title,
                {"grade": old.grade},
                {"grade": new.grade},
                found,
            )

    personal = (
        ev.PersonAssigned,
        ev.PersonUnassigned,
        ev.PersonSlotted,
        ev.PersonAppointed,
        ev.PersonLeft,
        ev.PersonPlacedAtRisk,
    )
    for pid in sorted(before.people.keys() | after.people.keys()):
        old, new = before.people.get(pid), after.people.get(pid)
        if new is None:  # only the other branch knows them
            found = find((ev.PersonJoined,), lambda e, p=pid: e.person == p)
            entry(
                people,
                pid,
                "not present",
                "name",
                old.name,
                {"posts": _substantive(before, pid), "status": old.status},
                None,
                found,
            )
            continue
        new_view = {"posts": _substantive(after, pid), "status": new.status}
        if old is None:
            found = find((ev.PersonJoined,), lambda e, p=pid: e.person == p)
            entry(
                people,
                pid,
                "left" if new.left else "joined",
                "name",
                new.name,
                None,
                new_view,
                found,
            )
            continue
        old_view = {"posts": _substantive(before, pid), "status": old.status}
        if old.left is None and new.left is not None:
            found = find((ev.PersonLeft,), lambda e, p=pid: e.person == p)
            entry(
                people,
                pid,
                "left",
                "name",
                new.name,
                old_view,
                {**new_view, "cause": new.left},
                found,
            )
            continue
        changes = []
        if old_view["posts"] != new_view["posts"]:
            changes.append("post")
        if old_view["status"] != new_view["status"]:
            changes.append("status")
        if not changes:
            continue
        held = set(old_view["posts"])
        found = find(personal, lambda e, p=pid: e.person == p)
        deleted = find((ev.PostDeleted,), lambda e, h=held: e.post in h)
        pooled = find((ev.PoolFormed,), lambda e, p=pid: p in e.candidates)
        found = _latest([c for c in (found, deleted, pooled) if c is not None])
        entry(people, pid, " and ".join(changes), "name", new.name, old_view, new_view, found)

    summary: dict[str, int] = {}
    for section, rows in (("units", units), ("posts", posts), ("people", people)):
        for row in rows:
            key = f"{section}_{row['change'].replace(' ', '_')}"
            summary[key] = summary.get(key, 0) + 1
    return {
        "units": units,
        "posts": posts,
        "people": people,
        "summary": dict(sorted(summary.items())),
    }


def _latest(found: list[_Candidate]) -> _Candidate | None:
    if not found:
        return None
    return max(found, key=lambda c: (c.item.event.effective, c.item.version))


def _known(items: Iterable[Logged], known_at: dt.datetime | None) -> list[Logged]:
    return [i for i in items if known_at is None or i.event.recorded <= known_at]


def diff_dates(
    store: Store, branch: str, start: dt.date, end: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    log = BranchReader(store).load(branch)
    before = log.timeline.state_at(start, known_at)
    after = log.timeline.state_at(end, known_at)
    window = [i for i in _known(log.log, known_at) if start < i.event.effective <= end]
    document = {"branch": branch, "from": start.isoformat(), "to": end.isoformat()}
    if known_at is not None:
        document["as_known_at"] = known_at.isoformat()
    document.update(diff_states(before, after, Provenance([(branch, window)])))
    return document


def _event_key(event: ev.Event) -> tuple[str, str]:
    return (type(event).__name__, event.model_dump_json())


def diff_branches(
    store: Store, branch: str, other: str, at: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    """``branch`` against ``other`` at ``at``: "created" means in ``branch``, not in ``other``."""
    reader = BranchReader(store)
    mine, theirs = reader.load(branch), reader.load(other)
    after = mine.timeline.state_at(at, known_at)
    before = theirs.timeline.state_at(at, known_at)
    mine_items = [i for i in _known(mine.log, known_at) if i.event.effective <= at]
    their_items = [i for i in _known(theirs.log, known_at) if i.event.effective <= at]
    mine_keys = {_event_key(i.event) for i in mine_items}
    their_keys = {_event_key(i.event) for i in their_items}
    provenance = Provenance(
        [
            (branch, [i for i in mine_items if _event_key(i.event) not in their_keys]),
            (other, [i for i in their_items if _event_key(i.event) not in mine_keys]),
        ]
    )
    document: dict[str, Any] = {"branch": branch, "against": other, "at": at.isoformat()}
    if known_at is not None:
        document["as_known_at"] = known_at.isoformat()
    document.update(diff_states(before, after, provenance, with_branch=True))
    return document
