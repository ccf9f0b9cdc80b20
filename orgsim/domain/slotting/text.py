"""Text helpers for reasons: every reason is one line a pack can print as is.

Shared by :mod:`.decide` and :mod:`.check` so that the engine and the audit word the
same facts the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from .model import Candidate
from .policy import format_decimal

__all__ = [
    "count_text",
    "grade_direction",
    "grade_text",
    "matches_text",
    "percent_text",
    "plural",
]


def percent_text(value: Decimal) -> str:
    return f"{format_decimal(value)}%"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def count_text(people: int, posts: int) -> str:
    return f"{plural(people, 'candidate')} for {plural(posts, 'post')}"


def grade_text(old_grade: str, post_grade: str) -> str:
    if old_grade == post_grade:
        return f"same grade {old_grade}"
    return f"grade {post_grade} (old post grade {old_grade})"


def grade_direction(post_grade: str, old_grade: str, grades: Sequence[str] | None) -> str | None:
    """'higher' / 'lower' when a grade scheme (lowest first) ranks both grades."""
    if grades is None or post_grade not in grades or old_grade not in grades:
        return None
    return "higher" if list(grades).index(post_grade) > list(grades).index(old_grade) else "lower"


def matches_text(
    cand: Candidate, pairs: Iterable[tuple[str, Decimal]], grade_of: Mapping[str, str]
) -> str:
    """'same grade D, 80% match to a, 76% match to b' (grades spelled out if they differ)."""
    pairs = list(pairs)
    if all(grade_of[q] == cand.grade for q, _ in pairs):
        return f"same grade {cand.grade}, " + ", ".join(
            f"{percent_text(p)} match to {q}" for q, p in pairs
        )
    return ", ".join(
        f"{percent_text(p)} match to {q} ({grade_text(cand.grade, grade_of[q])})" for q, p in pairs
    )


def hours_cut_text(post: str, post_fte: Decimal, cand: Candidate) -> str:
    """Why a post with fewer hours is not a slot (policy ``no_hours_cut``)."""
    return (
        f"post {post} is {format_decimal(post_fte)} FTE, fewer hours than the "
        f"{format_decimal(cand.fte)} FTE of old post {cand.old_post}: a cut in hours is at "
        f"most suitable alternative employment (an offer with a trial period), not a slot"
    )


# --- priority status and first consideration (issue 15) --------------------------------

#: The policy field every reason about priority status names.
PRIORITY_MARK = "policy priority_status"


def priority_placed_text() -> str:
    """Why a person with priority status was placed. Worded without the kind of status
    (pregnancy, maternity, adoption, shared parental) or its dates: those are special
    category personal data, and slot output carries person ids."""
    return (
        f"priority status ({PRIORITY_MARK}): placed in a suitable vacancy before other "
        f"candidates, without competition"
    )


def priority_ceded_text(pairs: Iterable[tuple[str, Decimal]]) -> str:
    listed = ", ".join(f"{q} ({percent_text(p)})" for q, p in pairs)
    return f"{listed} placed first with a candidate with priority status ({PRIORITY_MARK})"


def is_priority_reason(line: str) -> bool:
    """Whether a reason line speaks of priority status (packs leave such lines out)."""
    return "priority status" in line
