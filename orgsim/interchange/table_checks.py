"""The checks an HR extract gets once all its rows are read: reporting lines (a manager
that does not exist, a circle), who holds what, and the grade scheme.

Kept apart from :mod:`~orgsim.interchange.table_extract`'s row reading; the reader mixes
these in and each problem is one warning ``FILE:ROW: cause``, never an exception.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from orgsim.interchange.table_map import TableMap

UNGRADED = "Ungraded"


@dataclass
class Holder:
    person: str
    name: str
    fte: Decimal | None
    kind: str
    grade: str | None
    row: int


@dataclass
class WantedPost:
    id: str
    title: str
    grade: str
    unit: str
    reports_to: str | None
    fte: Decimal | None
    cost: Decimal | None
    accountabilities: list[str] | None
    row: int
    holders: list[Holder] = field(default_factory=list)
    depth: int = 0


class ExtractChecks:
    """Checks over the posts read from an extract (mixed into the reader)."""

    map: TableMap
    columns: dict[str, int]
    warnings: list[str]
    name: str

    def warn(self, row: int, cause: str) -> None:
        raise NotImplementedError

    def check_lines(self, posts: dict[str, WantedPost]) -> None:
        """Leave out posts whose manager does not exist or that report in a circle (and
        every post under them), with one warning each."""
        bad: set[str] = set()
        depth: dict[str, int] = {}
        for pid in posts:
            chain: list[str] = []
            seen: set[str] = set()
            current: str | None = pid
            verdict = ""
            while current is not None:
                if current in depth:
                    break
                if current in bad:
                    verdict = "under"
                    break
                if current in seen:
                    verdict = "circle"
                    break
                if current not in posts:
                    verdict = "missing"
                    break
                seen.add(current)
                chain.append(current)
                current = posts[current].reports_to
            if not verdict:
                base = depth[current] if current is not None else -1
                for offset, item in enumerate(reversed(chain), start=1):
                    depth[item] = base + offset
                continue
            for item in chain:
                bad.add(item)
                post = posts[item]
                if verdict == "missing" and post.reports_to == current:
                    cause = f"manager {current} does not exist"
                elif verdict == "circle" and item in seen:
                    cause = f"reports in a circle ({item} -> {post.reports_to})"
                else:
                    cause = f"reports to {post.reports_to}, which is left out"
                self.warn(post.row, f"post {item}: {cause}: left out")
        for pid in bad:
            del posts[pid]
        for pid, post in posts.items():
            post.depth = depth[pid]

    def people(self, posts: dict[str, WantedPost]) -> dict[str, tuple[str, str | None]]:
        people: dict[str, tuple[str, str | None]] = {}
        total: dict[str, Decimal] = defaultdict(Decimal)
        for post in sorted(posts.values(), key=lambda p: p.row):
            n = len(post.holders)
            keep: list[Holder] = []
            for holder in post.holders:
                if holder.fte is None:
                    share = (post.fte or Decimal(1)) / n if n else Decimal(1)
                    holder.fte = min(Decimal(1), share.quantize(Decimal("0.0001")))
                if holder.kind == "substantive":
                    if total[holder.person] + holder.fte > 1:
                        self.warn(
                            holder.row,
                            f"{holder.person} would hold {total[holder.person] + holder.fte} "
                            f"substantive FTE with post {post.id} (over 1.0): left out",
                        )
                        continue
                    total[holder.person] += holder.fte
                known = people.get(holder.person)
                grade = holder.grade or (post.grade if holder.kind == "substantive" else None)
                if known is None:
                    people[holder.person] = (holder.name, grade)
                else:
                    if known[0] != holder.name:
                        self.warn(
                            holder.row,
                            f"{holder.person}: name differs from an earlier row: the first kept",
                        )
                    if known[1] is None and grade is not None:
                        people[holder.person] = (known[0], grade)
                keep.append(holder)
            post.holders = keep
            if post.fte is None:
                held = sum((h.fte or Decimal(0) for h in keep), Decimal(0))
                post.fte = held if "person_fte" in self.columns and held > 0 else Decimal(1)
        return people

    def scheme(self, posts: dict[str, WantedPost]) -> tuple[list[str] | None, bool]:
        if self.map.grades is not None:
            return list(self.map.grades), False
        if "grade" not in self.columns:
            return None, False
        # Lowest first, taken from the file: by median cost per FTE where every grade has
        # one, else by how deep in the lines its posts sit (deeper is lower).
        costs: dict[str, list[Decimal]] = defaultdict(list)
        depths: dict[str, list[int]] = defaultdict(list)
        for post in posts.values():
            depths[post.grade].append(post.depth)
            if post.cost is not None and post.fte:
                costs[post.grade].append(post.cost / post.fte)
        labels = sorted(depths)
        if labels and all(costs.get(g) for g in labels):

            def by_cost(g: str) -> tuple[Decimal, str]:
                values = sorted(costs[g])
                return values[len(values) // 2], g

            order = sorted(labels, key=by_cost)
            how = "median cost per FTE"
        else:
            order = sorted(labels, key=lambda g: (-sum(depths[g]) / len(depths[g]), g))
            how = "depth in the reporting lines"
        if order:
            self.warnings.append(
                f"{self.name}: no grades: in the map; the scheme is taken from the file by "
                f"{how} (lowest first): {', '.join(order)}"
            )
        return order, True
