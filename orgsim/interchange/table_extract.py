"""From the rows of an HR extract to the organisation it describes (SPEC section 10).

The rows are read through the map (:mod:`~orgsim.interchange.table_map`) into an
:class:`Extract`: units, posts with their holders, people and the grade scheme, all with
the ids the file uses (no prefix: ``P2500`` stays ``P2500``). Nothing here raises on a
bad row: each problem is one warning ``FILE:ROW: cause`` and a row that cannot be used
at all (no post id, an unknown unit or grade, a manager that does not exist, a reporting
circle) is left out. Nothing here knows about the branch either: comparing the extract
with what the branch holds is :mod:`~orgsim.interchange.table_plan`'s job.

Unit ids from a ``unit_path`` column are derived from the path: the organisation is the
slug of its name, every other unit the slugs of the path below it joined by ``/``
(``adults/older-people/team-4``), so a later extract finds the same units again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from orgsim.interchange.names import clean, slug
from orgsim.interchange.organogram_csv import normalise_ref, parse_number
from orgsim.interchange.table import Grid, TableError, read_grid
from orgsim.interchange.table_checks import UNGRADED, ExtractChecks, Holder, WantedPost
from orgsim.interchange.table_map import TableMap

KINDS_BY_DEPTH = ("organisation", "directorate", "division", "service", "team")
UNIT_KINDS = {*KINDS_BY_DEPTH, "external"}
ID_LIMIT = 200


@dataclass
class WantedUnit:
    id: str
    name: str
    kind: str
    parent: str | None
    depth: int = 0


@dataclass
class Extract:
    file: str
    organisation: WantedUnit
    units: dict[str, WantedUnit]
    posts: dict[str, WantedPost]
    #: person id -> (name, own grade or None)
    people: dict[str, tuple[str, str | None]]
    #: the scheme, lowest first (None: the file has no grade column)
    grades: list[str] | None
    grades_from_file: bool
    rows: int
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _unit_id(parts: list[str]) -> str:
    uid = "/".join(slug(p) for p in parts)
    if len(uid) > ID_LIMIT:
        digest = hashlib.sha256(uid.encode()).hexdigest()[:10]
        uid = f"{uid[: ID_LIMIT - 11]}~{digest}"
    return uid


class ExtractReader(ExtractChecks):
    """Reads one grid through one map; collects warnings as it goes."""

    def __init__(self, grid: Grid, table_map: TableMap) -> None:
        self.grid = grid
        self.map = table_map
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.name = grid.name
        self.columns: dict[str, int] = {}
        for fname, heading in table_map.columns.model_dump().items():
            if heading is None:
                continue
            index = grid.column(heading)
            if index is None:
                raise TableError(
                    f"{grid.name}: no column {heading!r} (map field {fname}); "
                    f"headings: {', '.join(h for h in grid.headings if h.strip())}"
                )
            self.columns[fname] = index

    def warn(self, row: int, cause: str) -> None:
        self.warnings.append(f"{self.name}:{row}: {cause}")

    def cell_reader(self, cells: list[str]) -> Callable[[str], str]:
        def get(fname: str) -> str:
            index = self.columns.get(fname)
            if index is None or index >= len(cells):
                return ""
            return clean(cells[index])

        return get

    def number(self, row: int, text: str, what: str, positive: bool) -> Decimal | None:
        if not text:
            return None
        value, ok = parse_number(text)
        if not ok or value is None or value < 0 or (positive and value == 0):
            self.warn(
                row, f"{what} {text!r} is not a {'positive ' if positive else ''}number: ignored"
            )
            return None
        return value

    # --- units ---------------------------------------------------------------------

    def fixed_organisation(self) -> WantedUnit:
        org = self.map.organisation
        if org is not None:
            return WantedUnit(org.id, org.name, "organisation", None)
        stem = Path(self.grid.path).stem
        self.notes.append(f"no organisation in the map: the organisation is {stem!r}")
        return WantedUnit(slug(stem), stem, "organisation", None)

    def units_file(self) -> tuple[WantedUnit, dict[str, WantedUnit], dict[str, str]]:
        """The tree of a ``units:`` file; returns the organisation, the units, names->ids."""
        path = self.map.units_path()
        assert path is not None
        grid = read_grid(path)
        cols = {k: grid.column(k) for k in ("id", "name", "parent", "kind")}
        if cols["id"] is None:
            raise TableError(f"{grid.name}: a units file needs an 'id' column")
        raw: dict[str, tuple[str, str | None, str, int]] = {}
        for row, cells in grid.rows:

            def get(key: str, cells: list[str] = cells) -> str:
                index = cols[key]
                return clean(cells[index]) if index is not None and index < len(cells) else ""

            uid = normalise_ref(get("id"))
            if not uid:
                self.warnings.append(f"{grid.name}:{row}: no unit id: row left out")
                continue
            if uid in raw:
                self.warnings.append(f"{grid.name}:{row}: unit {uid} listed again: row left out")
                continue
            kind = get("kind").lower()
            if kind and kind not in UNIT_KINDS:
                self.warnings.append(f"{grid.name}:{row}: unknown unit kind {kind!r}: by depth")
                kind = ""
            raw[uid] = (get("name") or uid, normalise_ref(get("parent")) or None, kind, row)
        roots = [
            u for u, (_, parent, kind, _) in raw.items() if parent is None and kind != "external"
        ]
        if not roots:
            raise TableError(f"{grid.name}: no unit without a parent (the organisation)")
        org_id = roots[0]
        units: dict[str, WantedUnit] = {}
        depth: dict[str, int | None] = {}

        def resolve(uid: str) -> int | None:
            chain: list[str] = []
            current = uid
            base: int | None
            while True:
                if current in depth:
                    base = depth[current]
                    break
                if current not in raw or current in chain:
                    base = None
                    break
                parent = raw[current][1]
                if parent is None:
                    base = 0 if current == org_id or raw[current][2] == "external" else None
                    depth[current] = base
                    break
                chain.append(current)
                current = parent
            for item in reversed(chain):
                base = None if base is None else base + 1
                depth[item] = base
            return depth.get(uid)

        for uid, (name, parent, kind, row) in raw.items():
            d = resolve(uid)
            if d is None:
                cause = (
                    f"has no parent but the organisation is {org_id}"
                    if parent is None
                    else "has an unknown parent or is in a circle"
                )
                self.warnings.append(f"{grid.name}:{row}: unit {uid} {cause}: left out")
                continue
            if uid == org_id:
                kind = "organisation"
            kind = kind or KINDS_BY_DEPTH[min(d, len(KINDS_BY_DEPTH) - 1)]
            units[uid] = WantedUnit(uid, name, kind, parent, d)
        organisation = units.pop(org_id)
        names: dict[str, str] = {}
        for unit in units.values():
            names.setdefault(unit.name.casefold(), unit.id)
        names.setdefault(organisation.name.casefold(), organisation.id)
        return organisation, units, names

    # --- rows ----------------------------------------------------------------------

    def read(self) -> Extract:
        cols = self.columns
        units: dict[str, WantedUnit] = {}
        organisation: WantedUnit | None = None
        unit_names: dict[str, str] = {}
        if self.map.units is not None:
            organisation, units, unit_names = self.units_file()
        elif "unit_path" not in cols:
            organisation = self.fixed_organisation()
        sep = self.map.path_separator
        grades_given = self.map.grades
        posts: dict[str, WantedPost] = {}
        for row, cells in self.grid.rows:
            get = self.cell_reader(cells)
            pid = normalise_ref(get("post"))
            if not pid:
                self.warn(row, "no post id: row left out")
                continue
            title = get("title")
            # unit
            if "unit_path" in cols:
                parts = [clean(p) for p in get("unit_path").split(sep.strip() or sep)]
                parts = [p for p in parts if p]
                if not parts:
                    self.warn(row, f"post {pid}: no {self.map.columns.unit_path!r}: row left out")
                    continue
                if organisation is None:
                    organisation = WantedUnit(slug(parts[0]), parts[0], "organisation", None)
                elif slug(parts[0]) != organisation.id:
                    self.warn(
                        row,
                        f"post {pid}: path starts {parts[0]!r}, not the organisation "
                        f"{organisation.name!r}: row left out",
                    )
                    continue
                parent = organisation.id
                for depth in range(1, len(parts)):
                    uid = _unit_id(parts[1 : depth + 1])
                    if uid not in units:
                        kind = KINDS_BY_DEPTH[min(depth, len(KINDS_BY_DEPTH) - 1)]
                        units[uid] = WantedUnit(uid, parts[depth], kind, parent, depth)
                    parent = uid
                unit = parent
            elif "unit" in cols:
                assert organisation is not None
                cell = normalise_ref(get("unit"))
                if not cell:
                    unit = organisation.id
                elif self.map.units is not None:
                    found = (
                        cell
                        if cell in units or cell == organisation.id
                        else unit_names.get(cell.casefold())
                    )
                    if found is None:
                        self.warn(row, f"post {pid}: unknown unit {cell!r}: row left out")
                        continue
                    unit = found
                else:
                    if cell not in units and cell != organisation.id:
                        units[cell] = WantedUnit(cell, cell, "directorate", organisation.id, 1)
                    unit = cell
            else:
                assert organisation is not None
                unit = organisation.id
            grade = get("grade") if "grade" in cols else UNGRADED
            if not grade:
                self.warn(row, f"post {pid}: no grade: {UNGRADED!r}")
                grade = UNGRADED
            if grades_given is not None and grade not in grades_given:
                self.warn(
                    row, f"post {pid}: grade {grade!r} is not in the map's grades: row left out"
                )
                continue
            manager = normalise_ref(get("reports_to")) or None
            fte = self.number(row, get("fte"), "FTE", positive=True)
            cost = self.number(row, get("cost"), "cost", positive=False)
            items: list[str] | None = None
            if "accountabilities" in cols:
                items = [clean(i) for i in get("accountabilities").split(";") if clean(i)]
            post = posts.get(pid)
            if post is None:
                if not title:
                    self.warn(row, f"post {pid}: no title: row left out")
                    continue
                post = WantedPost(pid, title, grade, unit, manager, fte, cost, items, row)
                posts[pid] = post
            else:
                for what, mine, theirs in (
                    ("title", title, post.title),
                    ("grade", grade, post.grade),
                    ("unit", unit, post.unit),
                    ("manager", manager, post.reports_to),
                ):
                    if mine != theirs and (mine or what == "manager"):
                        self.warn(
                            row,
                            f"post {pid}: {what} {mine!r} disagrees with row {post.row} "
                            f"({theirs!r}): row {post.row} kept",
                        )
                if fte is not None and post.fte is not None and fte != post.fte:
                    self.warn(
                        row, f"post {pid}: FTE {fte} disagrees with row {post.row}: kept {post.fte}"
                    )
                post.fte = post.fte if post.fte is not None else fte
                post.cost = post.cost if post.cost is not None else cost
            self.holder(row, get, post)
        if organisation is None:
            raise TableError(f"{self.name}: no row could be used")
        self.check_lines(posts)
        people = self.people(posts)
        grades, from_file = self.scheme(posts)
        return Extract(
            self.grid.path,
            organisation,
            units,
            posts,
            people,
            grades,
            from_file,
            len(self.grid.rows),
            self.warnings,
            self.notes,
        )

    def holder(self, row: int, get: Callable[[str], str], post: WantedPost) -> None:
        if "person" not in self.columns:
            return
        person = normalise_ref(get("person"))
        if self.map.is_vacant(person):
            return
        kind = self.map.kind_of(get("assignment"))
        if kind is None:
            self.warn(
                row, f"{person}: assignment type {get('assignment')!r} not in the map: substantive"
            )
            kind = "substantive"
        fte = self.number(row, get("person_fte"), "contract FTE", positive=True)
        if fte is not None and fte > 1:
            self.warn(row, f"{person}: contract FTE {fte} is over 1.0: 1.0")
            fte = Decimal(1)
        if any(h.person == person for h in post.holders):
            self.warn(row, f"{person} holds post {post.id} twice: row left out")
            return
        grade = get("person_grade") or None
        if grade is not None and self.map.grades is not None and grade not in self.map.grades:
            self.warn(row, f"{person}: grade {grade!r} is not in the map's grades: ignored")
            grade = None
        name = get("person_name") or person
        post.holders.append(Holder(person, name, fte, kind, grade, row))
