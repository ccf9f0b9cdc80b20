"""Reasons in plain English: post titles and grades instead of ids, and the slotting
engine's tie-break said as the policy states it.

The engine and the audit word reasons with post ids (``80% match to cd-sacs``): exact,
and what ``slot --json`` and ``audit --json`` carry. A union representative reads
"80% match to Corporate Director Strategic and Corporate Services (grade CD)". Every reason
the pack prints goes through :class:`Plain` after people are redacted.

The tie-break: among placements that slot everyone the policy would slot with the highest
total match, the engine takes the one that comes first in the order of post references
(SPEC section 5, "then breaks ties by id"). It never decides *whether* anyone is slotted,
only which of two equally good posts a person is slotted into, so the pack states it as
the policy's stated, fixed tie-break rather than as "by id".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orgsim.domain.structure import PostView, Structure

#: What the engine writes, and what the pack says instead.
TIE_BREAK = "then by id"
TIE_BREAK_PLAIN = (
    "then, where two placements are still equal, by the policy's stated fixed order of "
    "post reference numbers (a tie-break that never decides whether anyone is slotted, "
    "only which of equally matched posts)"
)


class Plain:
    """Rewrites reason text: each known post id becomes "Title (grade G)"."""

    def __init__(self, structures: Iterable[Structure]) -> None:
        self.posts: dict[str, PostView] = {}
        for structure in structures:
            for view in (*structure.posts.values(), *structure.former_posts.values()):
                self.posts.setdefault(view.id, view)
        keys = sorted(self.posts, key=len, reverse=True)
        self.pattern = (
            re.compile("(?<![\\w-])(" + "|".join(re.escape(k) for k in keys) + ")(?![\\w-])")
            if keys
            else None
        )

    def name(self, post_id: str) -> str:
        post = self.posts[post_id]
        return f"{post.title} (grade {post.grade})" if post.grade else post.title

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = text.replace(TIE_BREAK, TIE_BREAK_PLAIN)
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.name(m.group(1)), text)
