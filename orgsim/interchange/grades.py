"""Ordering organogram grades lowest first, for the branch's grade scheme.

Known Civil Service grades are ranked from a table, wherever they appear in the label
(DFID writes ``A2 (G7)``, ``B1D (Faststream)``); the military OF ranks sit level with
the SCS pay bands. A grade the table does not know is placed by its pay (the midpoint
of its pay range) among the known grades of its tier (junior or senior); without pay,
after them, the deepest in the reporting lines first (a manager's grade is usually above
their reports'). Labels are compared by :func:`compact_key`, so ``A2L (SEO)`` and
``A2(L) (SEO)`` are one grade and the label already in the scheme is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from orgsim.interchange.names import compact_key, fold_text

_WORDS = re.compile(r"[a-z0-9]+")

#: Words found in grade labels -> rank (higher is more senior).
_TABLE: dict[str, float] = {
    "aa": 1,
    "ao": 2,
    "ea": 2,
    "eo": 3,
    "heo": 4,
    "faststream": 4.5,
    "fs": 4.5,
    "seo": 5,
    "g7": 6,
    "grade7": 6,
    "g6": 7,
    "grade6": 7,
    "scs1": 10,
    "scspb1": 10,
    "scs1a": 10.5,
    "scs2": 11,
    "scspb2": 11,
    "scs3": 12,
    "scspb3": 12,
    "scs4": 13,
    "of6": 10,
    "of7": 11,
    "of8": 12,
    "of9": 13,
    "permanentsecretary": 13,
}
SENIOR_FLOOR = 10.0


def table_rank(label: str) -> float | None:
    """The table rank of a grade label, or None when it names no known grade."""
    text = fold_text(label)
    whole = compact_key(label)
    if whole in _TABLE:
        return _TABLE[whole]
    words = _WORDS.findall(text.replace("-", ""))
    ranks = [_TABLE[w] for w in words if w in _TABLE]
    # "B1 (HEO/SEO)" names two grades: take the lower
    return min(ranks) if ranks else None


@dataclass
class GradeInfo:
    label: str
    senior: bool
    pay_min: Decimal | None = None
    pay_max: Decimal | None = None
    depth_total: int = 0
    depth_count: int = 0

    def seen_at(self, depth: int) -> None:
        self.depth_total += depth
        self.depth_count += 1

    @property
    def mean_depth(self) -> float:
        return self.depth_total / self.depth_count if self.depth_count else 0.0

    def widen(self, low: Decimal | None, high: Decimal | None) -> None:
        if low is not None and low > 0:
            self.pay_min = low if self.pay_min is None else min(self.pay_min, low)
        if high is not None and high > 0:
            self.pay_max = high if self.pay_max is None else max(self.pay_max, high)

    @property
    def pay_mid(self) -> Decimal | None:
        if self.pay_min is None or self.pay_max is None:
            return None
        return (self.pay_min + self.pay_max) / 2


def _sort_key(
    info: GradeInfo, infos: list[GradeInfo]
) -> tuple[int, float, int, Decimal | float, str]:
    tier = 1 if info.senior else 0
    rank = table_rank(info.label)
    if rank is not None:
        tier = 1 if rank >= SENIOR_FLOOR else 0
        return (tier, rank, 0, 0, info.label)
    mid = info.pay_mid
    if mid is not None:
        known: list[tuple[float, Decimal]] = []
        for other in infos:
            other_rank, other_mid = table_rank(other.label), other.pay_mid
            if (
                other is not info
                and other_rank is not None
                and other_mid is not None
                and (other_rank >= SENIOR_FLOOR) == info.senior
            ):
                known.append((other_rank, other_mid))
        known.sort()
        below = [r for r, m in known if m <= mid]
        placed = (max(below) if below else (known[0][0] - 1 if known else 0)) + 0.25
        return (tier, placed, 1, mid, info.label)
    return (tier, 99, 2, -info.mean_depth, info.label)


def order_grades(infos: list[GradeInfo]) -> list[str]:
    """All labels, lowest first."""
    return [i.label for i in sorted(infos, key=lambda i: _sort_key(i, infos))]


def extend_scheme(
    existing: list[str],
    infos: list[GradeInfo],
    pay: dict[str, tuple[Decimal, Decimal]] | None = None,
) -> list[str]:
    """The existing scheme with new grades inserted at their rank; existing order kept.

    A grade scheme event replaces the whole scheme, so the importer writes this superset:
    every earlier event still names a grade in it.
    """
    known = {compact_key(g) for g in existing}
    new = [i for i in infos if compact_key(i.label) not in known]
    if not new:
        return list(existing)
    pay = pay or {}
    everything = [
        GradeInfo(g, (table_rank(g) or 0) >= SENIOR_FLOOR, *(pay.get(g) or (None, None)))
        for g in existing
    ] + new
    result = list(existing)
    for info in sorted(new, key=lambda i: _sort_key(i, everything)):
        key = _sort_key(info, everything)
        position = 0
        for index, label in enumerate(result):
            other = next(e for e in everything if e.label == label)
            if _sort_key(other, everything) <= key:
                position = index + 1
        result.insert(position, info.label)
    return result
