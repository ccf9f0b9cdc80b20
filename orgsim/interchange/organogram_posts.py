"""Building one release's posts from its rows: senior posts and their holders, junior
groups.

The second job of the reader (:mod:`orgsim.interchange.organogram`): a senior row is a
post and (unless ``Vacant``) one holder; a repeated reference with another name is a job
share, with the same name a duplicate row; ``Eliminated`` rows record posts that no
longer exist. Junior rows are grouped by (senior post, unit, grade, profession, title).
Every doubtful cell becomes a warning and a repair, never an exception; the reporting
lines are then repaired by :mod:`orgsim.interchange.organogram_lines`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from orgsim.interchange.grades import GradeInfo
from orgsim.interchange.names import clean, compact_key, display_name, name_key, slug
from orgsim.interchange.organogram_csv import (
    Table,
    name_class,
    normalise_ref,
    parse_number,
    safe_ref,
    short,
)
from orgsim.interchange.organogram_lines import case_fix, resolve_reports

NOT_KNOWN_GRADE = "Not known"
#: Words found in the Post Unique Reference column that name no post (compact keys).
PLACEHOLDER_REFS = frozenset(
    {
        "deleted",
        "eliminated",
        "awaitingrecruitmentaction",
        "vacant",
        "vacancy",
        "nd",
        "na",
        "notknown",
        "none",
        "tbc",
    }
)


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


class RowReader:
    """Reads the rows of a senior and a junior table, collecting warnings, notes and the
    grades seen (with the pay ranges the rows give them)."""

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
            if compact_key(raw_ref) in PLACEHOLDER_REFS:
                # "Deleted", "Eliminated", "Awaiting_Recruitment_Action": words, not posts;
                # merging such rows would make one post of many unrelated ones
                self.warn(
                    table,
                    line,
                    f"post reference {raw_ref!r} is a placeholder, not a post: row skipped",
                )
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
                        f"post {ref}: FTE {short(get('fte'))!r} is not a number: taken as 1",
                    )
                fte = Decimal(1)
            elif fte <= 0:
                self.warn(table, line, f"post {ref}: FTE {fte} is not positive: taken as 1")
                fte = Decimal(1)
            elif fte > 1:
                self.warn(table, line, f"post {ref}: FTE {fte} is over 1 for one row: taken as 1")
                fte = Decimal(1)

            if (
                existing is not None
                and kind == "undisclosed"
                and any(h.undisclosed for h in existing.holders)
                and existing.fte + fte > 1
                and compact_key(get("title")) == compact_key(existing.title)
            ):
                # a second N/D row of one post that would take it over 1 FTE is the same
                # withheld holder listed twice, not a job share (it doubled posts' FTE)
                self.warn(
                    table,
                    line,
                    f"duplicate N/D row for post {ref} (first on line {existing.line}): ignored",
                )
                continue
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
                    f"post {ref}: pay {short(get('pay_min'))!r}-"
                    f"{short(get('pay_max'))!r} is not a number: ignored",
                )
            if not compact_key(grade):  # blank, or junk such as "?" or "-"
                self.warn(
                    table,
                    line,
                    f"post {ref} has no grade {short(grade)!r}: recorded as {NOT_KNOWN_GRADE!r}",
                )
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
        resolve_reports(posts, eliminated, lambda line, message: self.warn(table, line, message))
        return posts, eliminated, parent, organisations

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
                    f"Number of Posts in FTE {short(get('fte'))!r} is not a "
                    "positive number: row skipped",
                )
                continue
            low, ok_low = parse_number(get("pay_min"))
            high, ok_high = parse_number(get("pay_max"))
            if not (ok_low and ok_high):
                self.warn(
                    table,
                    line,
                    f"payscale {short(get('pay_min'))!r}-"
                    f"{short(get('pay_max'))!r} is not a number: ignored",
                )
            grade = get("grade")
            if not compact_key(grade):  # blank, or junk such as "?" or "-"
                self.warn(
                    table, line, f"no grade {short(grade)!r}: recorded as {NOT_KNOWN_GRADE!r}"
                )
                grade = NOT_KNOWN_GRADE
            grade = self.grade(grade, False, low, high)
            title = get("title")
            if not title:
                self.warn(table, line, f"no Generic Job Title: titled '{grade} staff'")
                title = f"{grade} staff"
            if senior is not None and senior not in posts and case_fix(senior, posts):
                fixed = case_fix(senior, posts)
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
