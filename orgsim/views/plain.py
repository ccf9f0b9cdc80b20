"""Reasons in plain English, from one place: post titles and grades instead of ids, and
the slotting engine's tie-break said as the policy states it.

The engine and the audit word reasons with post ids (``80% match to cd-sacs``): exact,
and what ``slot --json`` and ``audit --json`` carry (SPEC section 7). A union
representative or a tribunal reads "80% match to Corporate Director Strategic and
Corporate Services (grade CD)". Every reason the pack prints goes through :class:`Plain`
after people are redacted, and so does the human output of ``slot`` and ``audit``; the
titles and grades come from the read model :class:`~orgsim.domain.structure.Structure`,
never from the state.

The tie-break: among placements that slot everyone the policy would slot with the highest
total match, the engine takes the one that comes first in the order of post references
(SPEC section 5, "then breaks ties by id"). It never decides *whether* anyone is slotted,
only which of two equally good posts a person is slotted into, so the pack states it as
the policy's stated, fixed tie-break rather than as "by id".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from orgsim.domain.slotting.text import percent_text
from orgsim.domain.structure import PostView, Structure
from orgsim.textkeys import KeyScanner
from orgsim.views.audit import Revision

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
        self.scanner = KeyScanner(self.posts)

    def name(self, post_id: str) -> str:
        """The post as "Title (grade G)"; an id the read models do not know stays as is."""
        post = self.posts.get(post_id)
        if post is None:
            return post_id
        return f"{post.title} (grade {post.grade})" if post.grade else post.title

    def names(self, post_ids: Iterable[str]) -> str:
        return "; ".join(self.name(p) for p in post_ids)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = text.replace(TIE_BREAK, TIE_BREAK_PLAIN)
        return self.scanner.sub(text, self.name)


def _recorded(value: str) -> str:
    return dt.datetime.fromisoformat(value).date().isoformat()


def _percent(value: float) -> str:
    return percent_text(Decimal(str(value)))


def revision_text(revised: Mapping[str, Any], plain: Plain) -> str:
    """The ``basis_revised`` finding in plain words, from the ``revised`` object that
    ``audit --json`` carries: "match from A (grade G) to B (grade G) revised from 80%
    (recorded 2021-03-01) to 70% (recorded 2021-05-01) after the decision: review"."""
    return (
        f"match from {plain.name(revised['old_post'])} to {plain.name(revised['post'])} "
        f"revised from {_percent(revised['percent_at_decision'])} (recorded "
        f"{_recorded(revised['recorded_at_decision'])}) to "
        f"{_percent(revised['percent_revised'])} (recorded "
        f"{_recorded(revised['recorded_revised'])}) after the decision: review"
    )


def machine_revision_reason(revised: Mapping[str, Any]) -> str:
    """The audit's own reason for the same revision (``audit --json``), rebuilt from the
    ``revised`` object, so the human output can say it once, in plain words."""
    return Revision(
        revised["old_post"],
        revised["post"],
        Decimal(str(revised["percent_at_decision"])),
        dt.datetime.fromisoformat(revised["recorded_at_decision"]),
        revised["version_at_decision"],
        Decimal(str(revised["percent_revised"])),
        dt.datetime.fromisoformat(revised["recorded_revised"]),
        revised["version_revised"],
    ).reason()


def decision_reasons(decision: Mapping[str, Any], plain: Plain) -> list[str]:
    """An audited decision's reasons as a person reads them: posts by title and grade,
    and a revised match said in plain words instead of the machine's version numbers."""
    reasons: list[str] = list(decision["reasons"])
    revised = decision.get("revised")
    if revised is None:
        return [plain(r) for r in reasons]
    machine = machine_revision_reason(revised)
    return [plain(r) for r in reasons if r != machine] + [revision_text(revised, plain)]


def outcome_text(outcome: str) -> str:
    """``at_risk`` -> "at risk", ``ring_fenced`` -> "ring-fenced"."""
    return {"ring_fenced": "ring-fenced"}.get(outcome, outcome.replace("_", " "))
