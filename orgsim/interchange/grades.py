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
from bisect import bisect_right
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


SortKey = tuple[int, float, int, Decimal | float, str]


def _sort_keys(infos: list[GradeInfo]) -> dict[int, SortKey]:
    """Each grade's place (by ``id`` of its info), computed in one pass.

    A grade the table knows sits at its rank; one it does not know, with pay, just above
    the highest known grade of its tier paid no more than it; without pay, after the
    known ones, deepest in the lines first. The known (rank, pay) pairs of each tier are
    gathered once, so ordering n labels costs O(n log n), not the O(n^3) of asking
    every pair again (84 s of a 146 s Ministry of Defence release).
    """
    ranks = {id(i): table_rank(i.label) for i in infos}
    known: dict[bool, list[tuple[float, Decimal]]] = {True: [], False: []}
    for info in infos:
        rank, mid = ranks[id(info)], info.pay_mid
        if rank is not None and mid is not None:
            known[rank >= SENIOR_FLOOR].append((rank, mid))
    # per tier: pays sorted, the highest rank paid up to each, and the lowest rank
    by_pay: dict[bool, tuple[list[Decimal], list[float], float | None]] = {}
    for tier_senior, pairs in known.items():
        pairs.sort(key=lambda p: p[1])
        best: list[float] = []
        for rank, _ in pairs:
            best.append(max(rank, best[-1]) if best else rank)
        lowest = min((r for r, _ in pairs), default=None)
        by_pay[tier_senior] = ([m for _, m in pairs], best, lowest)
    keys: dict[int, SortKey] = {}
    for info in infos:
        tier = 1 if info.senior else 0
        rank = ranks[id(info)]
        if rank is not None:
            keys[id(info)] = (1 if rank >= SENIOR_FLOOR else 0, rank, 0, 0, info.label)
            continue
        mid = info.pay_mid
        if mid is not None:
            mids, best, lowest = by_pay[info.senior]
            at = bisect_right(mids, mid)
            placed = (best[at - 1] if at else (lowest - 1 if lowest is not None else 0)) + 0.25
            keys[id(info)] = (tier, placed, 1, mid, info.label)
            continue
        keys[id(info)] = (tier, 99, 2, -info.mean_depth, info.label)
    return keys


def order_grades(infos: list[GradeInfo]) -> list[str]:
    """All labels, lowest first."""
    keys = _sort_keys(infos)
    return [i.label for i in sorted(infos, key=lambda i: keys[id(i)])]


def extend_scheme(
    existing: list[str],
    infos: list[GradeInfo],
    pay: dict[str, tuple[Decimal, Decimal]] | None = None,
) -> list[str]:
    """The existing scheme with new grades inserted at their rank; existing order kept.

    A grade scheme event replaces the whole scheme, so the importer writes this superset:
    every earlier event still names a grade in it. Each new grade goes after the last
    grade of the scheme (as it grows) whose place is not above its own.
    """
    known = {compact_key(g) for g in existing}
    new: list[GradeInfo] = []
    for info in infos:
        label_key = compact_key(info.label)
        if label_key not in known:
            known.add(label_key)
            new.append(info)
    if not new:
        return list(existing)
    pay = pay or {}
    everything = [
        GradeInfo(g, (table_rank(g) or 0) >= SENIOR_FLOOR, *(pay.get(g) or (None, None)))
        for g in existing
    ] + new
    keys = _sort_keys(everything)
    key_of = {info.label: keys[id(info)] for info in everything}
    # the last existing grade whose place is not above k is the last i with
    # min(places[i:]) <= k; those suffix minima rise with i, so it is a bisection
    suffix_min: list[SortKey] = []
    for label in reversed(existing):
        key = key_of[label]
        suffix_min.append(min(key, suffix_min[-1]) if suffix_min else key)
    suffix_min.reverse()
    after: dict[int, list[str]] = {}
    for info in sorted(new, key=lambda i: keys[id(i)]):
        anchor = bisect_right(suffix_min, keys[id(info)]) - 1
        after.setdefault(anchor, []).append(info.label)
    result = list(after.get(-1, []))
    for index, label in enumerate(existing):
        result.append(label)
        result.extend(after.get(index, []))
    return result
