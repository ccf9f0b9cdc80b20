"""Snapshots of the folded state: plain JSON-able data, and back.

A snapshot at version V with horizon H (the latest effective date among events 1..V) is
the state after folding all of them. It answers "the structure at D" for any D >= H as
long as no later-recorded event takes effect before H: then the later events all sort
after the snapshot's on the timeline, and folding them onto it gives the same state as
a full replay (see :func:`orgsim.snapshots.structure_from_snapshot`). Snapshots are a
cache: audits and verification always read the full log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import chain
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.redeployment import Book
from orgsim.domain.state import (
    Assignment,
    LeaveRecord,
    Match,
    OrgState,
    Person,
    Pool,
    Post,
    Unit,
)

FORMAT = 1


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


class _Iso(dict[Any, Any]):
    """Each distinct date's ``isoformat`` once: a large state repeats the same few
    dates tens of thousands of times, and a date keeps its hash, so a lookup is cheaper
    than a call. Only plain dates are kept (equal dates have the same text; equal
    datetimes need not, across time zones); anything else is formatted each time."""

    def __missing__(self, value: Any) -> Any:
        text = value.isoformat()
        if type(value) is dt.date:
            self[value] = text
        return text


#: Builds a table's rows from some of its objects (see :func:`dump_parts`).
Rows = Callable[[Iterable[Any]], list[tuple[Any, ...]]]
#: Makes a table's value in the dump from its row builder and all its objects: the list
#: of rows for :func:`dump_state`; :func:`orgsim.store.state_text.dump_text` gives the
#: rows' JSON text instead, made a few hundred rows at a time.
Table = Callable[[str, Rows, Iterable[Any]], Any]


def dump_state(state: OrgState, known_posts: Iterable[str] | None = None) -> dict[str, Any]:
    """The state as plain JSON-able data: what a snapshot or checkpoint stores.

    ``known_posts``: the posts to list as known instead of the state's own (the running
    fold of :class:`orgsim.scenario.progress.Marks` keeps its own), so that a caller
    does not sort the state's only to throw the list away.
    """
    return dump_parts(state, known_posts, _rows)


def _rows(name: str, rows: Rows, items: Iterable[Any]) -> list[tuple[Any, ...]]:
    return rows(items)


def dump_parts(state: OrgState, known_posts: Iterable[str] | None, table: Table) -> dict[str, Any]:
    """:func:`dump_state`'s dict, each of the large tables (units, posts, people,
    assignments) made by ``table``.

    Rows are tuples: ``json.dumps`` and orjson write a tuple as they write a list, and
    a tuple is one allocation where a list is two (its items apart), so building and
    freeing 150,000 rows costs less. An empty list of accountabilities is the shared
    empty tuple for the same reason. Optional dates are tested for None in line (most
    are None), every date's text comes from one per-dump memo, and each person is read
    once for their row, details and leave. (Decimals are formatted one by one: a memo
    keyed by value would merge ``Decimal("1")`` and ``Decimal("1.0")``, which are equal
    with different texts.) Byte for byte the text of the plain per-field code, tested
    on the golden logs, the Kent branches and generated states.
    """
    iso = _Iso().__getitem__  # a required date (None still fails, as isoformat did)
    details: dict[str, list[Any]] = {}
    leave: dict[str, list[list[Any]]] = {}

    def people(items: Iterable[Person]) -> list[tuple[Any, ...]]:
        return _person_rows(items, iso, details, leave)

    people_table = table("people", people, state.people.values())  # fills details, leave
    return {
        "format": FORMAT,
        "version": state.version,
        "at": state.at.isoformat(),
        "grades": state.grades,
        "pay_ranges": {g: [str(lo), str(hi)] for g, (lo, hi) in state.pay_ranges.items()},
        "policy": state.policy,
        "units": table("units", lambda units: _unit_rows(units, iso), state.units.values()),
        "posts": table("posts", lambda posts: _post_rows(posts, iso), state.posts.values()),
        "people": people_table,
        "assignments": table(
            "assignments",
            lambda assignments: _assignment_rows(assignments, iso),
            chain.from_iterable(map(dict.values, state.assignments.values())),
        ),
        "matches": [
            (m.old, m.new, str(m.percent), m.assessor, m.basis, m.version, m.recorded.isoformat())
            for m in state.matches.values()
        ],
        "pools": [
            (p.id, p.candidates, p.posts, p.reasons, iso(p.effective)) for p in state.pools.values()
        ],
        "consultations": [c.model_dump(mode="json") for c in state.consultations],
        "closed_consultations": sorted(state.closed_consultations),
        "decisions": [d.model_dump(mode="json") for d in state.decisions],
        "known_posts": _sorted_names(
            state.known_posts if known_posts is None else known_posts, state.posts
        ),
        # offers, interests and protections (issue 15); absent in older snapshots
        "redeployment": state.redeployment.to_json(),
        # Personal details and leaving dates (redundancy cost), only for the people who
        # have any: an older snapshot without this key simply has none to restore.
        "person_details": details,
        # Pregnancy and family leave (priority status), only for people who have any.
        "person_leave": leave,
    }


def _sorted_names(names: Iterable[str], posts: dict[str, Post]) -> list[str]:
    """``sorted(names)``. A set of 50,000 names iterates in hash order, which sorting
    takes 25 ms to put right; the posts, in the order they were created, usually come
    close to sorted (ids given in sequence), in long runs the sort merges, so the names
    among them are listed in that order first (a set lookup each), then the rest: the
    same list, sorted in ~12 ms."""
    if not isinstance(names, set | frozenset):
        return sorted(names)
    ordered = [name for name in posts if name in names]
    if len(ordered) < len(names):
        ordered += names.difference(posts)
    ordered.sort()
    return ordered


def _unit_rows(units: Iterable[Unit], iso: Callable[[dt.date], str]) -> list[tuple[Any, ...]]:
    return [
        (
            u.id,
            u.name,
            u.kind,
            u.parent,
            iso(u.created),
            None if (c := u.closed) is None else iso(c),
        )
        for u in units
    ]


def _post_rows(posts: Iterable[Post], iso: Callable[[dt.date], str]) -> list[tuple[Any, ...]]:
    return [
        (
            p.id,
            p.title,
            p.grade,
            p.unit,
            p.reports_to,
            str(p.fte),
            [[a.text, str(a.weight)] for a in accs] if (accs := p.accountabilities) else (),
            None if (cost := p.cost) is None else str(cost),
            iso(p.created),
            None if (deleted := p.deleted) is None else iso(deleted),
            p.reason,
            p.source,
        )
        for p in posts
    ]


def _assignment_rows(
    assignments: Iterable[Assignment], iso: Callable[[dt.date], str]
) -> list[tuple[Any, ...]]:
    return [(a.person, a.post, str(a.fte), a.kind, iso(a.since)) for a in assignments]


def _person_rows(
    people: Iterable[Person],
    iso: Callable[[dt.date], str],
    details: dict[str, list[Any]],
    leave: dict[str, list[list[Any]]],
) -> list[tuple[Any, ...]]:
    """Each person's row; the details and leave of those who have any go into
    ``details`` and ``leave`` (one pass: three passes read each person three times)."""
    rows: list[tuple[Any, ...]] = []
    add = rows.append

    def maybe(value: dt.date | None) -> str | None:
        return None if value is None else iso(value)

    for p in people:
        add(
            (
                p.id,
                p.name,
                p.grade,
                p.characteristics,
                iso(p.joined),
                p.left,
                p.displaced_from,
                str(p.displaced_fte),
                p.status,
                p.status_post,
                p.status_reasons,
            )
        )
        if (
            p.born
            or p.service_start
            or p.weekly_pay
            or p.salary
            or p.left_on
            or p.notice_weeks is not None
        ):
            details[p.id] = [
                maybe(p.born),
                maybe(p.service_start),
                None if p.weekly_pay is None else str(p.weekly_pay),
                None if p.salary is None else str(p.salary),
                p.notice_weeks,
                maybe(p.left_on),
                p.left_from,
            ]
        if p.leave:
            leave[p.id] = [
                [r.status, maybe(r.start), maybe(r.end), maybe(r.birth)] for r in p.leave
            ]
    return rows


class _Memo(dict[str, Any]):
    """A parser that parses each distinct text once: a large state repeats the same few
    dates and FTEs tens of thousands of times (half of :func:`load_state`'s time)."""

    def __init__(self, parse: Any) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, text: str) -> Any:
        value = self[text] = self.parse(text)
        return value


def load_state(data: dict[str, Any]) -> OrgState:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown snapshot format {data.get('format')!r}")
    dates = _Memo(dt.date.fromisoformat).__getitem__
    numbers = _Memo(Decimal).__getitem__

    def _date(value: str | None) -> dt.date | None:
        return dates(value) if value is not None else None

    state = OrgState(set(data["known_posts"]))
    state.version = data["version"]
    state.at = dates(data["at"])
    state.grades = data["grades"]
    state.pay_ranges = {g: (numbers(lo), numbers(hi)) for g, (lo, hi) in data["pay_ranges"].items()}
    state.policy = data["policy"]
    for uid, name, kind, parent, created, closed in data["units"]:
        state.units[uid] = Unit(uid, name, kind, parent, dates(created), _date(closed))
    accountability = ev.Accountability.model_construct
    for (
        pid,
        title,
        grade,
        unit,
        reports_to,
        fte,
        accs,
        cost,
        created,
        deleted,
        reason,
        source,
    ) in data["posts"]:
        state.posts[pid] = Post(
            pid,
            title,
            grade,
            unit,
            reports_to,
            numbers(fte),
            [accountability(text=t, weight=numbers(w)) for t, w in accs],
            None if cost is None else numbers(cost),
            dates(created),
            _date(deleted),
            reason,
            source,
        )
    for (
        pid,
        name,
        grade,
        characteristics,
        joined,
        left,
        displaced_from,
        displaced_fte,
        status,
        status_post,
        status_reasons,
    ) in data["people"]:
        state.people[pid] = Person(
            pid,
            name,
            grade,
            characteristics,
            dates(joined),
            left,
            displaced_from,
            numbers(displaced_fte),
            status,
            status_post,
            status_reasons,
        )
    for person, post, fte, kind, since in data["assignments"]:
        state._assign(person, post, numbers(fte), kind, dates(since))
    for old, new, percent, assessor, basis, version, recorded in data["matches"]:
        state.matches[(old, new)] = Match(
            old,
            new,
            numbers(percent),
            assessor,
            basis,
            version,
            dt.datetime.fromisoformat(recorded),
        )
    for pid, candidates, posts, reasons, effective in data["pools"]:
        state.pools[pid] = Pool(pid, candidates, posts, reasons, dates(effective))
    state.consultations = [ev.ConsultationOpened.model_validate(c) for c in data["consultations"]]
    state.closed_consultations = set(data["closed_consultations"])
    state.decisions = [ev.DecisionRecorded.model_validate(d) for d in data["decisions"]]
    state.redeployment = Book.from_json(data.get("redeployment"))
    details = data.get("person_details", {})
    for pid, (born, start, weekly, salary, notice, left_on, left_from) in details.items():
        person = state.people[pid]
        person.born, person.service_start = _date(born), _date(start)
        person.weekly_pay = None if weekly is None else numbers(weekly)
        person.salary = None if salary is None else numbers(salary)
        person.notice_weeks, person.left_on, person.left_from = notice, _date(left_on), left_from
    for pid, records in data.get("person_leave", {}).items():
        state.people[pid].leave = [
            LeaveRecord(status, dt.date.fromisoformat(start), _date(end), _date(birth))
            for status, start, end, birth in records
        ]
    return state
