"""Suggested job matches from posts' weighted accountabilities.

A panel decides how far a new job is the same as an old one; this only proposes a
starting figure. The denominator is the **new job**: the Kent rule asks whether the job a
person would be slotted into is at least 75% the same as theirs, so the question is how
much of the new job's weighted accountabilities the old job already covers. Each new
accountability counts by its weight times its best word-overlap (Jaccard) with any old
accountability. Suggestions are never used by the engine until recorded as ``match``.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orgsim.domain.records import PostView
from orgsim.domain.structure import Structure

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    ["a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "by", "its", "their", "our"]
)


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def similarity(old: PostView, new: PostView) -> Decimal:
    """Percent of the new job's weighted accountabilities found in the old job."""
    if not new.accountabilities or not old.accountabilities:
        return Decimal(0)
    old_sets = [_words(text) for text, _weight in old.accountabilities]
    total = sum((weight for _text, weight in new.accountabilities), Decimal(0))
    covered = Decimal(0)
    for text, weight in new.accountabilities:
        words = _words(text)
        best = Decimal(0)
        for other in old_sets:
            union = words | other
            if union:
                best = max(best, Decimal(len(words & other)) / Decimal(len(union)))
        covered += weight * best
    return (covered / total * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Suggestion:
    old: str
    new: str
    percent: Decimal
    same_grade: bool

    def as_step(self) -> str:
        return (
            f"  - match: {{old: {self.old}, new: {self.new}, percent: {self.percent}, "
            f'assessor: "suggested from accountabilities", basis: "share of the new job"}}'
        )


def suggest(
    structure: Structure,
    recorded: Container[tuple[str, str]],
    *,
    minimum: Decimal = Decimal(1),
    per_post: int = 5,
) -> list[Suggestion]:
    """Deleted posts (those displaced people held among them) against vacant live posts,
    as the read model sees them; pairs already in ``recorded`` are not suggested."""
    new_posts = [p for p in structure.posts.values() if p.vacant]
    out: list[Suggestion] = []
    for old_id in sorted(structure.former_posts):
        old = structure.former_posts[old_id]
        scored = [
            Suggestion(old_id, new.id, similarity(old, new), new.grade == old.grade)
            for new in new_posts
        ]
        scored = [s for s in scored if s.percent >= minimum and (old_id, s.new) not in recorded]
        scored.sort(key=lambda s: (-s.percent, s.new))
        out.extend(scored[:per_post])
    return out
