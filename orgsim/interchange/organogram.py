"""Reading UK government organogram CSVs (data.gov.uk senior and junior staff files).

The reader turns one release (a senior file, optionally its junior file) into a
:class:`Release`: posts keyed by ``Post Unique Reference`` with their holders, and
junior posts grouped under their senior post. It never raises on messy data: each
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
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orgsim.interchange.grades import GradeInfo
from orgsim.interchange.names import clean, compact_key, display_name, name_key, slug

NOT_KNOWN_GRADE = "Not known"


class OrganogramError(ValueError):
    """The file cannot be read as an organogram at all (one line)."""


# --- headers -------------------------------------------------------------------------

_BRACKETS = re.compile(r"\([^)]*\)")
_NON_WORD = re.compile(r"[^a-z0-9]+")

_ALIASES: dict[str, str] = {
    "post unique reference": "ref",
    "post unique ref": "ref",
    "unique reference": "ref",
    "post reference": "ref",
    "post ref": "ref",
    "post id": "ref",
    "unique post reference": "ref",
    "name": "name",
    "full name": "name",
    "post holder": "name",
    "grade": "grade",
    "grade or equivalent": "grade",
    "job title": "title",
    "generic job title": "title",
    "job team function": "function",
    "job function": "function",
    "parent department": "parent",
    "organisation": "org",
    "organization": "org",
    "unit": "unit",
    "reports to senior post": "reports_to",
    "reporting senior post": "reports_to",
    "reports to": "reports_to",
    "reports to senior post reference": "reports_to",
    "salary cost of reports": "cost_of_reports",
    "fte": "fte",
    "number of posts in fte": "fte",
    "number of posts fte": "fte",
    "actual pay floor": "pay_min",
    "payscale minimum": "pay_min",
    "pay scale minimum": "pay_min",
    "actual pay ceiling": "pay_max",
    "payscale maximum": "pay_max",
    "pay scale maximum": "pay_max",
    "professional occupational group": "profession",
    "profession": "profession",
    "contact phone": "phone",
    "contact e mail": "email",
    "contact email": "email",
    "notes": "notes",
    "valid": "valid",
    "uri": "uri",
}


def header_field(header: str) -> str | None:
    """The canonical field for a column heading, whatever its drift, or None."""
    text = _BRACKETS.sub(" ", header.lower())
    text = _NON_WORD.sub(" ", text).strip()
    if text in _ALIASES:
        return _ALIASES[text]
    # mis-decoded pound signs leave stray letters: "payscale minimum a"
    words = text.split()
    while words and len(words[-1]) == 1:
        words.pop()
        if " ".join(words) in _ALIASES:
            return _ALIASES[" ".join(words)]
    return None


# --- decoding ------------------------------------------------------------------------

ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding that read it."""
    if b"\x00" in data[:4096]:
        raise OrganogramError("it is a binary file, not a CSV")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")


@dataclass
class Table:
    path: str
    encoding: str
    kind: str  # "senior" | "junior"
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]


def read_table(path: str | Path) -> Table:
    """Read a CSV and recognise it as a senior or junior organogram file."""
    name = Path(path).name
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise OrganogramError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        text, encoding = decode(data)
    except OrganogramError as error:
        raise OrganogramError(f"{name} is not an organogram CSV: {error}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        raise OrganogramError(f"{name} is not a readable CSV: {error}") from None
    header_at = None
    columns: dict[str, int] = {}
    for index, (_, row) in enumerate(rows[:10]):
        found: dict[str, int] = {}
        for position, heading in enumerate(row):
            canonical = header_field(heading)
            if canonical is not None and canonical not in found:
                found[canonical] = position
        if "reports_to" in found and ("ref" in found or "fte" in found):
            header_at, columns = index, found
            break
    if header_at is None:
        first = rows[0][1] if rows else []
        shown = ", ".join(repr(clean(h)) for h in first[:6]) or "no header row"
        raise OrganogramError(
            f"{name} is not an organogram CSV: no 'Post Unique Reference' / 'Reports to Senior "
            f"Post' columns (found {shown})"
        )
    kind = "senior" if "ref" in columns else "junior"
    body = [(line, row) for line, row in rows[header_at + 1 :] if any(c.strip() for c in row)]
    return Table(str(path), encoding, kind, columns, body)


# --- the release ---------------------------------------------------------------------


@dataclass
class Holder:
    name: str  # as displayed
    key: str  # normalised (order-free) name
    fte: Decimal
    undisclosed: bool
    line: int


@dataclass
class SeniorPost:
    ref: str
    title: str
    grade: str
    organisation: str
    unit: str
    reports_to: str | None
    function: str
    profession: str
    pay_floor: Decimal | None
    pay_ceiling: Decimal | None
    fte: Decimal
    holders: list[Holder]
    line: int
    #: The file said this post reports to itself / to nothing / to an unknown post.
    repaired: str | None = None
    raw_reports_to: str = ""


@dataclass
class JuniorPost:
    senior: str | None
    organisation: str
    unit: str
    grade: str
    title: str
    profession: str
    fte: Decimal
    pay_min: Decimal | None
    pay_max: Decimal | None
    line: int

    def key(self) -> tuple[str, str, str, str, str]:
        return (
            self.senior or "",
            slug(self.unit, ""),
            compact_key(self.grade),
            slug(self.profession, ""),
            slug(self.title, ""),
        )


@dataclass
class Release:
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

    @property
    def roots(self) -> list[str]:
        return [ref for ref, post in self.posts.items() if post.reports_to is None]

    def holders(self) -> int:
        return sum(len(p.holders) for p in self.posts.values())


# --- cell parsing --------------------------------------------------------------------

_BLANKS = {"", "na", "nd", "n/a", "n/d", "-", "not applicable", "not disclosed", "nil"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_number(text: str) -> tuple[Decimal | None, bool]:
    """(value, ok): blank-like values give (None, True); garbage gives (None, False)."""
    value = clean(text).replace(",", "").replace("£", "").replace("\u00a3", "").strip()
    if value.lower() in _BLANKS:
        return None, True
    if not _NUMBER.match(value):
        return None, False
    try:
        return Decimal(value), True
    except InvalidOperation:
        return None, False


def normalise_ref(text: str) -> str:
    """A post reference as the file means it: ``4.0`` (a spreadsheet float) is ``4``."""
    ref = clean(text)
    if re.fullmatch(r"\d+\.0+", ref):
        ref = ref.split(".")[0]
    return ref


_VALID_REF = re.compile(r"[^A-Za-z0-9-]+")


def safe_ref(ref: str) -> str:
    """The reference with only the characters the schema allows (A-Z a-z 0-9 -)."""
    return _VALID_REF.sub("-", ref).strip("-") or "x"


def name_class(raw: str) -> str:
    """``vacant``, ``undisclosed``, ``eliminated``, ``blank`` or ``name``."""
    key = compact_key(raw)
    if not key:
        return "blank"
    if key in {"vacant", "vacancy", "vacantpost", "postvacant", "na", "notapplicable", "none"}:
        return "vacant"
    if key in {"nd", "notdisclosed", "undisclosed", "withheld", "namewithheld"}:
        return "undisclosed"
    if key in {"eliminated", "posteliminated"}:
        return "eliminated"
    return "name"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Reader:
    def __init__(self, advance: Callable[[int], None] | None) -> None:
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.grades: dict[str, GradeInfo] = {}
        self.advance = advance or (lambda n: None)

    def warn(self, table: Table, line: int, message: str) -> None:
        self.warnings.append(f"{Path(table.path).name}:{line}: {message}")

    def grade(self, label: str, senior: bool, low: Decimal | None, high: Decimal | None) -> str:
        key = compact_key(label)
        info = self.grades.get(key)
        if info is None:
            info = self.grades[key] = GradeInfo(label, senior)
        info.widen(low, high)
        return info.label

    # --- senior --------------------------------------------------------------------

    def senior(self, table: Table) -> tuple[dict[str, SeniorPost], dict[str, int], str, list[str]]:
        cols = table.columns
        for needed, heading in (
            ("name", "Name"),
            ("grade", "Grade"),
            ("title", "Job Title"),
            ("fte", "FTE"),
        ):
            if needed not in cols:
                self.warn(table, 1, f"no '{heading}' column")
        posts: dict[str, SeniorPost] = {}
        eliminated: dict[str, int] = {}
        seen_rows: dict[tuple[str, ...], int] = {}
        zero = 0
        orgs: Counter[str] = Counter()
        parents: Counter[str] = Counter()
        pending_org: list[SeniorPost] = []

        for done, (line, row) in enumerate(table.rows, start=1):
            if done % 500 == 0:
                self.advance(500)

            def get(name: str) -> str:
                index = cols.get(name)
                return clean(row[index]) if index is not None and index < len(row) else ""

            raw_ref = normalise_ref(get("ref"))
            if not raw_ref:
                self.warn(table, line, "no Post Unique Reference: row skipped")
                continue
            if raw_ref == "0":
                zero += 1
                continue
            if raw_ref.upper() == "XX":
                self.warn(table, line, "'XX' is not a post reference: row skipped")
                continue
            ref = safe_ref(raw_ref)
            if ref != raw_ref:
                self.warn(
                    table,
                    line,
                    f"post reference {raw_ref!r} has characters outside "
                    f"A-Z a-z 0-9 -: read as {ref!r}",
                )
            signature = tuple(clean(c) for c in row)
            if signature in seen_rows:
                self.warn(
                    table,
                    line,
                    f"duplicate row for post {ref} (same as line {seen_rows[signature]}): ignored",
                )
                continue
            seen_rows[signature] = line

            raw_name = get("name")
            kind = name_class(raw_name)
            if kind == "blank":
                self.warn(table, line, f"post {ref} has no name: taken as not disclosed (N/D)")
                kind = "undisclosed"
            if kind == "eliminated":
                eliminated.setdefault(ref, line)
                continue
            existing = posts.get(ref)
            name = display_name(raw_name) if kind == "name" else "N/D"
            if (
                existing is not None
                and kind == "name"
                and any(h.key == name_key(name) for h in existing.holders)
            ):
                self.warn(
                    table,
                    line,
                    f"duplicate row for post {ref}: {name} again "
                    f"(first on line {existing.line}): ignored",
                )
                continue
            fte, ok = parse_number(get("fte"))
            if not ok or fte is None:
                if "fte" in cols:
                    self.warn(
                        table,
                        line,
                        f"post {ref}: FTE {_short(get('fte'))!r} is not a number: taken as 1",
                    )
                fte = Decimal(1)
            elif fte <= 0:
                self.warn(table, line, f"post {ref}: FTE {fte} is not positive: taken as 1")
                fte = Decimal(1)
            elif fte > 1:
                self.warn(table, line, f"post {ref}: FTE {fte} is over 1 for one row: taken as 1")
                fte = Decimal(1)

            holder = None
            if kind == "name":
                holder = Holder(name, name_key(name), fte, False, line)
            elif kind == "undisclosed":
                holder = Holder("N/D", "", fte, True, line)

            if existing is not None:
                differs = [
                    label
                    for label, value, first in (
                        ("title", get("title"), existing.title),
                        ("grade", get("grade"), existing.grade),
                        ("reports to", normalise_ref(get("reports_to")), existing.raw_reports_to),
                    )
                    if value and compact_key(value) != compact_key(first)
                ]
                if differs:
                    self.warn(
                        table,
                        line,
                        f"job share row for post {ref} differs from line "
                        f"{existing.line} in {', '.join(differs)}: kept line "
                        f"{existing.line}'s",
                    )
                existing.fte += fte
                if holder is not None:
                    existing.holders.append(holder)
                continue

            grade = get("grade")
            floor, ok_floor = parse_number(get("pay_min"))
            ceiling, ok_ceiling = parse_number(get("pay_max"))
            if not (ok_floor and ok_ceiling):
                self.warn(
                    table,
                    line,
                    f"post {ref}: pay {_short(get('pay_min'))!r}-"
                    f"{_short(get('pay_max'))!r} is not a number: ignored",
                )
            if not grade:
                self.warn(table, line, f"post {ref} has no grade: recorded as {NOT_KNOWN_GRADE!r}")
                grade = NOT_KNOWN_GRADE
            grade = self.grade(grade, True, floor, ceiling)
            title = get("title")
            if not title:
                self.warn(table, line, f"post {ref} has no job title: titled 'Post {ref}'")
                title = f"Post {ref}"
            org = get("org")
            if org.lower() in {"n/a", "na", "n/d", "nd"}:
                org = ""
            post = SeniorPost(
                ref=ref,
                title=title,
                grade=grade,
                organisation=org,
                unit=get("unit"),
                reports_to=None,
                function=get("function"),
                profession=get("profession"),
                pay_floor=floor,
                pay_ceiling=ceiling,
                fte=fte,
                holders=[holder] if holder is not None else [],
                line=line,
                raw_reports_to=normalise_ref(get("reports_to")),
            )
            posts[ref] = post
            if org:
                orgs[org] += 1
            else:
                pending_org.append(post)
            if get("parent"):
                parents[get("parent")] += 1

        if zero:
            self.notes.append(
                f"{zero} row(s) with Post Unique Reference 0 (paid, not in post) skipped"
            )
        main_org = orgs.most_common(1)[0][0] if orgs else ""
        parent = parents.most_common(1)[0][0] if parents else main_org
        if not main_org:
            main_org = parent or Path(table.path).stem
        for post in pending_org:
            self.warn(
                table, post.line, f"post {post.ref} has no Organisation: taken as {main_org!r}"
            )
            post.organisation = main_org
        organisations = list(dict.fromkeys(p.organisation for p in posts.values()))
        for ref in list(eliminated):
            if ref in posts:
                self.warn(
                    table,
                    eliminated[ref],
                    f"post {ref} is both Eliminated and listed "
                    f"(line {posts[ref].line}): kept as listed",
                )
                del eliminated[ref]
        self._resolve_reports(table, posts, eliminated)
        return posts, eliminated, parent, organisations

    @staticmethod
    def _case_fix(target: str, posts: dict[str, SeniorPost]) -> str | None:
        """The one post reference equal to ``target`` but for case, if any."""
        found = [ref for ref in posts if ref.casefold() == target.casefold()]
        return found[0] if len(found) == 1 else None

    def _resolve_reports(
        self, table: Table, posts: dict[str, SeniorPost], eliminated: dict[str, int]
    ) -> None:
        for ref, post in posts.items():
            target = safe_ref(post.raw_reports_to) if post.raw_reports_to else ""
            if target and target not in posts and target.upper() != "XX":
                fixed = self._case_fix(target, posts)
                if fixed is not None:
                    self.warn(table, post.line, f"post {ref} reports to {target}: read as {fixed}")
                    target = fixed
            if post.raw_reports_to.upper() == "XX":
                post.reports_to = None
            elif not target:
                self.warn(
                    table,
                    post.line,
                    f"post {ref} has no Reports to Senior Post: treated as a top post",
                )
                post.repaired = "none"
            elif target == ref:
                self.warn(table, post.line, f"post {ref} reports to itself: treated as a top post")
                post.repaired = "self"
            elif target in posts:
                post.reports_to = target
            else:
                what = "Eliminated post" if target in eliminated else "unknown post"
                self.warn(
                    table,
                    post.line,
                    f"post {ref} reports to {what} {target}: treated as a top post",
                )
                post.repaired = "dangling"
        # circles: break each at its first post in file order
        state: dict[str, int] = {}
        for start in posts:
            chain: list[str] = []
            current: str | None = start
            while current is not None and state.get(current, 0) == 0:
                state[current] = 1
                chain.append(current)
                current = posts[current].reports_to
            if current is not None and state.get(current) == 1:
                circle = chain[chain.index(current) :]
                first = min(circle, key=lambda r: posts[r].line)
                self.warn(
                    table,
                    posts[first].line,
                    f"posts {' -> '.join([*circle, circle[0]])} report in a circle: "
                    f"{first} treated as a top post",
                )
                posts[first].reports_to = None
                posts[first].repaired = "circle"
            for ref in chain:
                state[ref] = 2
        roots = [ref for ref, p in posts.items() if p.reports_to is None]
        if len(roots) > 1:
            shown = ", ".join(roots[:8]) + (", ..." if len(roots) > 8 else "")
            self.warn(
                table,
                posts[roots[1]].line,
                f"{len(roots)} top posts ({shown}): the structure has several roots",
            )

    # --- junior --------------------------------------------------------------------

    def junior(
        self,
        table: Table,
        posts: dict[str, SeniorPost],
        eliminated: dict[str, int],
        default_org: str,
    ) -> list[JuniorPost]:
        cols = table.columns
        groups: dict[tuple[str, ...], JuniorPost] = {}
        seen_rows: dict[tuple[str, ...], int] = {}
        for done, (line, row) in enumerate(table.rows, start=1):
            if done % 500 == 0:
                self.advance(500)

            def get(name: str) -> str:
                index = cols.get(name)
                return clean(row[index]) if index is not None and index < len(row) else ""

            signature = tuple(c.strip() for c in row)
            if signature in seen_rows:
                self.warn(
                    table, line, f"duplicate row (same as line {seen_rows[signature]}): ignored"
                )
                continue
            seen_rows[signature] = line
            raw = normalise_ref(get("reports_to"))
            if not raw:
                self.warn(table, line, "no Reporting Senior Post: row skipped")
                continue
            senior: str | None = None if raw.upper() == "XX" else safe_ref(raw)
            fte, ok = parse_number(get("fte"))
            if fte is None or not ok or fte <= 0:
                self.warn(
                    table,
                    line,
                    f"Number of Posts in FTE {_short(get('fte'))!r} is not a "
                    "positive number: row skipped",
                )
                continue
            low, ok_low = parse_number(get("pay_min"))
            high, ok_high = parse_number(get("pay_max"))
            if not (ok_low and ok_high):
                self.warn(
                    table,
                    line,
                    f"payscale {_short(get('pay_min'))!r}-"
                    f"{_short(get('pay_max'))!r} is not a number: ignored",
                )
            grade = get("grade")
            if not grade:
                self.warn(table, line, f"no grade: recorded as {NOT_KNOWN_GRADE!r}")
                grade = NOT_KNOWN_GRADE
            grade = self.grade(grade, False, low, high)
            title = get("title")
            if not title:
                self.warn(table, line, f"no Generic Job Title: titled '{grade} staff'")
                title = f"{grade} staff"
            if senior is not None and senior not in posts and self._case_fix(senior, posts):
                fixed = self._case_fix(senior, posts)
                self.warn(table, line, f"reports to senior post {senior}: read as {fixed}")
                senior = fixed
            if senior is not None and senior not in posts:
                what = "Eliminated senior post" if senior in eliminated else "unknown senior post"
                self.warn(table, line, f"reports to {what} {senior}: kept without a manager")
            org = get("org") or default_org
            group = JuniorPost(
                senior, org, get("unit"), grade, title, get("profession"), fte, low, high, line
            )
            key = group.key()
            if key in groups:
                first = groups[key]
                self.warn(
                    table,
                    line,
                    f"repeats the group of line {first.line} (same senior post, "
                    "unit, grade, profession and title): FTEs added",
                )
                first.fte += fte
                continue
            groups[key] = group
        return list(groups.values())


def _depths(
    posts: dict[str, SeniorPost], groups: list[JuniorPost], grades: dict[str, GradeInfo]
) -> None:
    """Record how deep in the reporting lines each grade sits (to order unknown grades)."""
    depth: dict[str, int] = {}
    for ref in posts:
        chain, current = [], ref
        while current is not None and current not in depth and len(chain) <= len(posts):
            chain.append(current)
            current = posts[current].reports_to
        base = depth.get(current, -1) if current is not None else -1
        for offset, item in enumerate(reversed(chain), start=1):
            depth[item] = base + offset
    for ref, post in posts.items():
        grades[compact_key(post.grade)].seen_at(depth[ref])
    for group in groups:
        above = depth.get(group.senior, -1) if group.senior else -1
        grades[compact_key(group.grade)].seen_at(above + 1)


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
    reader = _Reader(advance)
    posts, eliminated, parent, organisations = reader.senior(seniors[0])
    if not posts:
        raise OrganogramError(f"{Path(seniors[0].path).name} lists no senior posts")
    groups: list[JuniorPost] = []
    if juniors:
        groups = reader.junior(juniors[0], posts, eliminated, organisations[0])
        for group in groups:
            if group.organisation not in organisations:
                organisations.append(group.organisation)
    _depths(posts, groups, reader.grades)
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
