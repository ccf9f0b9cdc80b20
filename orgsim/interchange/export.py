"""Exporting a branch at a date: organogram CSVs, Popolo JSON, a flat CSV.

- ``organogram``: the data.gov.uk senior staff layout at FILE and the junior staff layout
  next to it (``...-senior.csv`` -> ``...-junior.csv``, else ``FILE-junior.csv``). A post
  is written as a junior group when its id has the importer's junior shape (a ``.``) or
  its FTE is over 1; every other post is a senior post, one row per substantive holder
  (their FTE), plus a ``Vacant`` row for any FTE no one holds. Post references are the
  ids without the organisation prefix. Importing the files back gives the same
  structure (units, posts, holders, ids).
- ``popolo``: organizations, persons, posts and memberships (popoloproject.com), with
  start and end dates rebuilt from the branch's timeline up to the date
  (:mod:`orgsim.interchange.popolo`).

Every fact printed (holders and their FTE, vacancy, the effective reporting line, the
organisation above a unit) is read from the read model,
:class:`~orgsim.domain.structure.Structure`, so an export says what ``show`` says.
- ``csv``: one row per post, for spreadsheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from orgsim.domain.slotting.policy import format_decimal
from orgsim.domain.structure import Structure, UnitView
from orgsim.interchange.organogram import safe_ref
from orgsim.interchange.popolo import popolo
from orgsim.interchange.reconcile import PROFESSION_PREFIX
from orgsim.output import write_files
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
    return "N/A" if value is None else format_decimal(value)


def is_junior(post_id: str, fte: Decimal, holders: tuple[str, ...] = ()) -> bool:
    """A junior group: the importer's junior id shape, or over 1 FTE with nobody named
    (a senior post over 1 FTE with holders is a job share: one senior row per holder)."""
    return "." in post_id or (fte > 1 and not holders)


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
    """The branch's read model at the date, and the names the exports print from it."""

    def __init__(self, branch: BranchLog, at: dt.date) -> None:
        self.view = Structure.from_state(branch.name, at, branch.timeline.state_at(at))

    def top(self, unit_id: str) -> str:
        """The topmost unit above ``unit_id`` (its organisation, or an external body)."""
        return self.view.unit_ancestors(unit_id)[-1]

    def ref(self, post_id: str) -> str:
        """The post reference printed: the id without its organisation's prefix."""
        post = self.view.posts.get(post_id)
        if post is not None:
            prefix = f"{self.top(post.unit)}-"
            if post_id.startswith(prefix) and len(post_id) > len(prefix):
                return safe_ref(post_id[len(prefix) :])
        return safe_ref(post_id)

    def organisation(self, unit_id: str) -> str:
        return self._unit(self.top(unit_id)).name

    def unit_name(self, unit_id: str) -> str:
        return self._unit(unit_id).name

    def _unit(self, unit_id: str) -> UnitView:
        unit = self.view.unit(unit_id)
        if unit is None:
            raise KeyError(unit_id)
        return unit

    def person_name(self, person_id: str) -> str:
        person = self.view.person(person_id)
        if person is None:
            raise KeyError(person_id)
        return person.name


def organogram_rows(branch: BranchLog, at: dt.date) -> tuple[list[list[str]], list[list[str]]]:
    """(senior rows, junior rows), headers first."""
    ctx = _Context(branch, at)
    view = ctx.view
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
        if is_junior(post.id, post.fte, post.holders):
            if post.reports_to is None and "." in post.id:
                # a group whose senior post was unknown to its release: write that
                # reference again, so a re-import finds the same group id
                head = post.id.split(".", 1)[0]
                prefix = f"{ctx.top(post.unit)}-"
                if head.startswith(prefix) and head[len(prefix) :] != "XX":
                    manager = safe_ref(head[len(prefix) :])
            low = high = "N/A"
            if post.cost is not None:
                mid = post.cost / post.fte
                scale = view.pay_ranges.get(post.grade)
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
        fte_of = {h.person: h.fte for h in post.holdings}
        for person_id in post.holders:  # substantive: an acting holder leaves it vacant
            row = list(base)
            row[1] = ctx.person_name(person_id)
            row[12] = number(fte_of[person_id])
            senior.append(row)
        if post.filled_fte < post.fte or post.vacant:
            # a row holds at most 1 FTE: a larger vacant remainder takes several rows
            left = post.unfilled_fte
            while True:
                row = list(base)
                row[1] = "Vacant"
                row[12] = number(min(left, Decimal(1)))
                senior.append(row)
                left -= Decimal(1)
                if left <= 0:
                    break
    return senior, junior


def junior_path(path: Path) -> Path:
    stem = path.stem
    if "senior" in stem:
        index = stem.rfind("senior")
        return path.with_name(stem[:index] + "junior" + stem[index + 6 :] + path.suffix)
    return path.with_name(f"{stem}-junior{path.suffix or '.csv'}")


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(cell: object) -> str:
    """A cell a spreadsheet shows as text, never runs: a value starting with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'`` (OWASP's advice), so
    a post titled ``=HYPERLINK(...)`` stays a title. Plain numbers (``-1.5``) are kept."""
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _safe_rows(rows: list[list[str]]) -> list[list[str]]:
    return [[neutralise(cell) for cell in row] for row in rows]


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(_safe_rows(rows))
    return buffer.getvalue().encode("utf-8")


def export_organogram(branch: BranchLog, at: dt.date, path: Path) -> dict[str, Any]:
    senior, junior = organogram_rows(branch, at)
    other = junior_path(path)
    write_files({path: _csv_bytes(senior), other: _csv_bytes(junior)})  # both or neither
    return {
        "files": [str(path), str(other)],
        "senior_rows": len(senior) - 1,
        "junior_rows": len(junior) - 1,
    }


def flat_rows(branch: BranchLog, at: dt.date) -> list[list[str]]:
    ctx = _Context(branch, at)
    rows = [list(FLAT_COLUMNS)]
    for post in ctx.view.posts.values():
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
                "; ".join(ctx.person_name(p) for p in post.holders),
                number(post.filled_fte),
                number(post.unfilled_fte),
                "; ".join(post.acting),
            ]
        )
    return rows


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_safe_rows(rows))
    return buffer.getvalue()


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
    write_files({Path(path): text.encode("utf-8")})
    return {"files": [path]}
