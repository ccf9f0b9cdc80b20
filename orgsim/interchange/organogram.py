"""Reading UK government organogram CSVs (data.gov.uk senior and junior staff files).

The reader turns one release (a senior file, optionally its junior file, as published
on one date) into a :class:`Release`: posts keyed by ``Post Unique Reference`` with their
holders, and junior posts grouped under their senior post. It never raises on messy data: each
problem becomes one warning (``FILE:LINE: message``) and, where one is obvious, a
repair. Only a file that is not an organogram at all raises :class:`OrganogramError`.

Conventions of the format (schema: github.com/datagovuk/schemas, ``organogram/``):

- the top post reports to ``XX``; a post reporting to itself is treated as a top post
  (warning); a reference to a post not in the file is a dangling reference (warning,
  treated as a top post); posts reporting in a circle are broken at the first (warning);
- ``Post Unique Reference`` ``0`` is someone paid but not in a post: skipped (a note);
- names ``Vacant`` (also ``N/A``): no holder; ``N/D`` (also ``ND``, ``Not disclosed``):
  a holder whose name is withheld; ``Eliminated``: the post no longer exists;
- a repeated post reference with a different name is a job share (each row its own
  holder and FTE; the post's FTE is the sum); with the same normalised name it is a
  duplicate row (warning, ignored);
- header names drift (``Grade`` / ``Grade (or equivalent)``, capitalisation, the
  encoding of ``£``): headers are matched after dropping brackets and punctuation; files
  are read as UTF-8 (with or without BOM), then cp1252, then Latin-1.

The work is split by job: :mod:`~orgsim.interchange.organogram_csv` reads files, headings
and cells; :mod:`~orgsim.interchange.organogram_posts` builds posts, holders and junior
groups from the rows; :mod:`~orgsim.interchange.organogram_lines` repairs reporting lines.
This module puts one release together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orgsim.interchange.grades import GradeInfo
from orgsim.interchange.organogram_csv import (
    OrganogramError,
    Table,
    decode,
    header_field,
    name_class,
    normalise_ref,
    parse_number,
    read_table,
    safe_ref,
)
from orgsim.interchange.organogram_lines import grade_depths
from orgsim.interchange.organogram_posts import (
    NOT_KNOWN_GRADE,
    Holder,
    JuniorPost,
    RowReader,
    SeniorPost,
)

__all__ = [
    "NOT_KNOWN_GRADE",
    "Holder",
    "JuniorPost",
    "OrganogramError",
    "Release",
    "SeniorPost",
    "Table",
    "decode",
    "header_field",
    "name_class",
    "normalise_ref",
    "parse_number",
    "read_organogram",
    "read_table",
    "safe_ref",
]


@dataclass
class Release:
    """One published organogram release: what the files say, as read and repaired."""

    senior_file: str
    junior_file: str | None
    parent_department: str
    organisations: list[str]
    posts: dict[str, SeniorPost]
    eliminated: dict[str, int]
    juniors: list[JuniorPost]
    grades: dict[str, GradeInfo]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)


def read_organogram(
    senior: str | Path,
    junior: str | Path | None = None,
    advance: Callable[[int], None] | None = None,
) -> Release:
    """Read one release. The two files may be given in either order."""
    tables = [read_table(senior)]
    if junior is not None:
        tables.append(read_table(junior))
    seniors = [t for t in tables if t.kind == "senior"]
    juniors = [t for t in tables if t.kind == "junior"]
    if not seniors:
        raise OrganogramError(
            f"{Path(juniors[0].path).name} is a junior staff file: give the "
            "senior staff file first (import organogram SENIOR.csv JUNIOR.csv)"
        )
    if len(seniors) > 1 or len(juniors) > 1:
        raise OrganogramError("give one senior staff file and at most one junior staff file")
    reader = RowReader(advance)
    posts, eliminated, parent, organisations = reader.senior(seniors[0])
    if not posts:
        raise OrganogramError(f"{Path(seniors[0].path).name} lists no senior posts")
    groups: list[JuniorPost] = []
    if juniors:
        groups = reader.junior(juniors[0], posts, eliminated, organisations[0])
        for group in groups:
            if group.organisation not in organisations:
                organisations.append(group.organisation)
    grade_depths(posts, groups, reader.grades)
    rows = {"senior": len(seniors[0].rows), "junior": len(juniors[0].rows) if juniors else 0}
    encodings = {Path(t.path).name: t.encoding for t in tables}
    return Release(
        senior_file=seniors[0].path,
        junior_file=juniors[0].path if juniors else None,
        parent_department=parent,
        organisations=organisations,
        posts=posts,
        eliminated=eliminated,
        juniors=groups,
        grades=reader.grades,
        warnings=reader.warnings,
        notes=reader.notes,
        rows=rows,
        encodings=encodings,
    )
