"""Exporting a branch at a date: organogram CSVs, Popolo JSON, a flat CSV.

- ``organogram``: the data.gov.uk senior staff layout at FILE and the junior staff layout
  next to it (``...-senior.csv`` -> ``...-junior.csv``, else ``FILE-junior.csv``). A post
  is written as a junior group when its id has the importer's junior shape (a ``.``) or
  its FTE is over 1; every other post is a senior post, one row per substantive holder
  (their FTE), plus a ``Vacant`` row for any FTE no one holds. Post references are the
  ids without the organisation prefix. Importing the files back gives the same
  structure (units, posts, holders, ids).
- ``popolo``: organizations, persons, posts and memberships (popoloproject.com), with
  start and end dates rebuilt from the branch's timeline up to the date.
- ``csv``: one row per post, for spreadsheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.interchange.organogram import safe_ref
from orgsim.interchange.reconcile import PROFESSION_PREFIX
from orgsim.store.branches import BranchLog

SENIOR_COLUMNS = [
    "Post Unique Reference",
    "Name",
    "Grade (or equivalent)",
    "Job Title",
    "Job/Team Function",
    "Parent Department",
    "Organisation",
    "Unit",
    "Contact Phone",
    "Contact E-mail",
    "Reports to Senior Post",
    "Salary Cost of Reports (£)",
    "FTE",
    "Actual Pay Floor (£)",
    "Actual Pay Ceiling (£)",
    "Professional/Occupational Group",
    "Notes",
    "Valid?",
]
JUNIOR_COLUMNS = [
    "Parent Department",
    "Organisation",
    "Unit",
    "Reporting Senior Post",
    "Grade",
    "Payscale Minimum (£)",
    "Payscale Maximum (£)",
    "Generic Job Title",
    "Number of Posts in FTE",
    "Professional/Occupational Group",
]
FLAT_COLUMNS = [
    "post_id",
    "title",
    "grade",
    "unit_id",
    "unit_name",
    "organisation",
    "reports_to",
    "fte",
    "cost",
    "holder_ids",
    "holder_names",
    "held_fte",
    "vacant_fte",
    "acting_ids",
]
BAND = Decimal(5000)
HALF_BAND = Decimal("2499.5")


def number(value: Decimal | None) -> str:
    """Decimals as a person writes them: 1, 0.8, 67499.5 (never 1E+2)."""
    if value is None:
        return "N/A"
    text = format(value.normalize(), "f")
    return text


def _top(state: OrgState, unit_id: str) -> str:
    seen = 0
    current = unit_id
    while state.units[current].parent is not None and seen <= len(state.units):
        current = state.units[current].parent  # type: ignore[assignment]
        seen += 1
    return current


def is_junior(post_id: str, fte: Decimal) -> bool:
    return "." in post_id or fte > 1


def _split_profile(accountabilities: tuple[tuple[str, Decimal], ...]) -> tuple[str, str]:
    function = [t for t, _ in accountabilities if not t.startswith(PROFESSION_PREFIX)]
    profession = [
        t[len(PROFESSION_PREFIX) :] for t, _ in accountabilities if t.startswith(PROFESSION_PREFIX)
    ]
    return "; ".join(function), (profession[0] if profession else "")


def _band(cost: Decimal | None, fte: Decimal) -> tuple[str, str]:
    """The £5,000 pay band whose midpoint is the cost per FTE (the importer's cost)."""
    if cost is None:
        return "N/A", "N/A"
    mid = cost / fte if fte else cost
    if mid == 0:
        return "0", "0"
    floor = mid - HALF_BAND
    if floor >= 0 and floor % BAND == 0:
        return number(floor), number(floor + BAND - 1)
    return number(mid), number(mid)


class _Context:
    def __init__(self, branch: BranchLog, at: dt.date) -> None:
        self.branch = branch
        self.at = at
        self.state = branch.timeline.state_at(at)
        self.view = Structure.from_state(branch.name, at, self.state)

    def ref(self, post_id: str) -> str:
        post = self.view.posts.get(post_id)
        unit = post.unit if post is not None else None
        if unit is not None:
            prefix = f"{_top(self.state, unit)}-"
            if post_id.startswith(prefix) and len(post_id) > len(prefix):
                return safe_ref(post_id[len(prefix) :])
        return safe_ref(post_id)

    def organisation(self, unit_id: str) -> str:
        return self.state.units[_top(self.state, unit_id)].name

    def unit_name(self, unit_id: str) -> str:
        return self.state.units[unit_id].name


def organogram_rows(branch: BranchLog, at: dt.date) -> tuple[list[list[str]], list[list[str]]]:
    """(senior rows, junior rows), headers first."""
    ctx = _Context(branch, at)
    view, state = ctx.view, ctx.state
    reports: dict[str, Decimal] = {}
    for post in view.posts.values():
        if post.reports_to is not None and post.cost is not None:
            reports[post.reports_to] = reports.get(post.reports_to, Decimal(0)) + post.cost
    senior: list[list[str]] = [list(SENIOR_COLUMNS)]
    junior: list[list[str]] = [list(JUNIOR_COLUMNS)]
    for post in view.posts.values():
        org = ctx.organisation(post.unit)
        manager = ctx.ref(post.reports_to) if post.reports_to else "XX"
        function, profession = _split_profile(post.accountabilities)
        if is_junior(post.id, post.fte):
            low = high = "N/A"
            if post.cost is not None:
                mid = post.cost / post.fte
                scale = state.pay_ranges.get(post.grade)
                if scale is not None and (scale[0] + scale[1]) / 2 == mid:
                    low, high = number(scale[0]), number(scale[1])
                else:
                    low = high = number(mid)
            junior.append(
                [
                    org,
                    org,
                    ctx.unit_name(post.unit),
                    manager,
                    post.grade,
                    low,
                    high,
                    post.title,
                    number(post.fte),
                    profession,
                ]
            )
            continue
        floor, ceiling = _band(post.cost, post.fte)
        cost_of_reports = reports.get(post.id, Decimal(0)).quantize(Decimal(1))
        base = [
            ctx.ref(post.id),
            "",
            post.grade,
            post.title,
            function,
            org,
            org,
            ctx.unit_name(post.unit),
            "",
            "",
            manager,
            number(cost_of_reports),
            "",
            floor,
            ceiling,
            profession,
            "",
            "",
        ]
        held = Decimal(0)
        for person_id in post.holders:
            assignment = state.holders[post.id][person_id]
            row = list(base)
            row[1] = state.people[person_id].name
            row[12] = number(assignment.fte)
            held += assignment.fte
            senior.append(row)
        if held < post.fte or not post.holders:
            row = list(base)
            row[1] = "Vacant"
            row[12] = number(post.fte - held)
            senior.append(row)
    return senior, junior


def junior_path(path: Path) -> Path:
    stem = path.stem
    if "senior" in stem:
        index = stem.rfind("senior")
        return path.with_name(stem[:index] + "junior" + stem[index + 6 :] + path.suffix)
    return path.with_name(f"{stem}-junior{path.suffix or '.csv'}")


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerows(rows)


def export_organogram(branch: BranchLog, at: dt.date, path: Path) -> dict[str, Any]:
    senior, junior = organogram_rows(branch, at)
    other = junior_path(path)
    _write_csv(path, senior)
    _write_csv(other, junior)
    return {
        "files": [str(path), str(other)],
        "senior_rows": len(senior) - 1,
        "junior_rows": len(junior) - 1,
    }


def flat_rows(branch: BranchLog, at: dt.date) -> list[list[str]]:
    ctx = _Context(branch, at)
    view, state = ctx.view, ctx.state
    rows = [list(FLAT_COLUMNS)]
    for post in view.posts.values():
        held = sum((state.holders[post.id][p].fte for p in post.holders), Decimal(0))
        rows.append(
            [
                post.id,
                post.title,
                post.grade,
                post.unit,
                ctx.unit_name(post.unit),
                ctx.organisation(post.unit),
                post.reports_to or "",
                number(post.fte),
                number(post.cost) if post.cost is not None else "",
                "; ".join(post.holders),
                "; ".join(state.people[p].name for p in post.holders),
                number(held),
                number(max(post.fte - held, Decimal(0))),
                "; ".join(post.acting),
            ]
        )
    return rows


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


# --- Popolo --------------------------------------------------------------------------


def _pairs(state: OrgState, event: ev.Event) -> set[tuple[str, str]]:
    """The (person, post) assignments an event may touch, as they stand now."""
    pairs: set[tuple[str, str]] = set()
    person = getattr(event, "person", None)
    post = getattr(event, "post", None)
    if isinstance(person, str):
        pairs |= {(person, p) for p in state.assignments.get(person, {})}
    if isinstance(post, str):
        pairs |= {(p, post) for p in state.holders.get(post, {})}
    return pairs


def popolo(branch: BranchLog, at: dt.date) -> dict[str, Any]:
    """Popolo JSON of the branch up to ``at``: memberships carry start and end dates."""
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

    def date(value: dt.date | None) -> str | None:
        return value.isoformat() if value is not None and value != ev.UNDATED else None

    organizations = [
        {
            "id": u.id,
            "name": u.name,
            "classification": u.kind,
            "parent_id": u.parent,
            "founding_date": date(u.created),
            "dissolution_date": date(u.closed),
        }
        for u in sorted(state.units.values(), key=lambda u: u.id)
    ]
    persons = [
        {"id": p.id, "name": p.name} for p in sorted(state.people.values(), key=lambda p: p.id)
    ]
    posts = [
        {
            "id": p.id,
            "label": p.title,
            "role": p.title,
            "organization_id": p.unit,
            "start_date": date(p.created),
            "end_date": date(p.deleted),
            "grade": p.grade,
            "fte": float(p.fte),
            "reports_to": p.reports_to,
        }
        for p in sorted(state.posts.values(), key=lambda p: p.id)
    ]
    members = []
    for n, m in enumerate(sorted(memberships, key=lambda m: (m["start"], m["pair"])), start=1):
        person, post = m["pair"]
        members.append(
            {
                "id": f"m{n}",
                "person_id": person,
                "post_id": post,
                "organization_id": state.posts[post].unit,
                "role": state.posts[post].title,
                "label": m["kind"],
                "start_date": date(m["start"]),
                "end_date": date(m["end"]),
            }
        )
    return {
        "meta": {"branch": branch.name, "at": at.isoformat(), "generator": "orgsim"},
        "organizations": organizations,
        "persons": persons,
        "posts": posts,
        "memberships": members,
    }


def export(branch: BranchLog, at: dt.date, fmt: str, path: str) -> dict[str, Any]:
    """Write one export; ``-`` writes csv and popolo to stdout (returned as text)."""
    if fmt == "organogram":
        if path == "-":
            raise ValueError("-o -: the organogram format writes two files; give a file name")
        return export_organogram(branch, at, Path(path))
    if fmt == "popolo":
        text = json.dumps(popolo(branch, at), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = csv_text(flat_rows(branch, at))
    else:
        raise ValueError(f"unknown format {fmt!r}")
    if path == "-":
        return {"files": [], "text": text}
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return {"files": [path]}
