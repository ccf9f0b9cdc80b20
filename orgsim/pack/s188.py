"""What TULRCA 1992 s188(4) says the employer must disclose in writing to the
representatives, item by item, from the branch's own records.

(a) the reasons for the proposals; (b) the numbers and descriptions of employees it is
proposed to dismiss as redundant (as s195 counts them: :mod:`orgsim.domain.dismissals`); (c) the total number of employees of each such
description employed at the establishment; (d) the proposed method of selection; (e) the
proposed method of carrying out the dismissals, including the period over which they are
to take effect; (f) the proposed method of calculating any redundancy payments other than
statutory ones. Descriptions are grades (the grade of the post deleted): numbers of posts
by grade identify nobody beyond the posts the proposal already lists. Item (f) states the
statutory method; the figures come from ``orgsim cost`` when a cost section is added.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from orgsim.domain import events as ev
from orgsim.domain.slotting import SlottingError
from orgsim.domain.slotting.scope import policy_of
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Logged
from orgsim.pack.context import Context
from orgsim.pack.document import StatutoryCheck
from orgsim.pack.text import capital, long_date, plural
from orgsim.pack.walk import Walk


@dataclass
class DisclosureItem:
    ref: str  #: "(a)"...
    heading: str
    lines: list[str]


def _who(check: StatutoryCheck) -> str:
    """Who the number counts: everyone whose post is deleted, and anyone else s195
    counts (new terms imposed), as the statutory section breaks it down."""
    if all(d.reason == "post_deleted" for d in check.counted):
        return "everyone whose post is deleted"
    return "; ".join(f"{what[:1].lower()}{what[1:]}: {n}" for what, n in check.breakdown)


def _percent(value: object) -> str:
    return f"{value}".rstrip("0").rstrip(".") + "%"


def disclosure(
    ctx: Context, walk: Walk, window: list[Logged], state: OrgState, check: StatutoryCheck
) -> list[DisclosureItem]:
    reasons: list[str] = []
    for item in window:
        e = item.event
        if isinstance(e, (ev.PostDeleted, ev.DecisionRecorded, ev.ConsultationOpened)):
            text = e.what if isinstance(e, ev.DecisionRecorded) else e.reason
            said = ctx.redact(text)
            said = capital(said)
            if said and said not in reasons:
                reasons.append(said)
    if not reasons:
        reasons = ["No reason is recorded on the events of this proposal."]

    grades = Counter(d.grade or "no grade" for d in check.counted)  # as held before
    rank = ctx.before.grade_rank()
    order = sorted(grades, key=lambda g: (-rank.get(g, -1), g))
    employed: Counter[str] = Counter()
    for post in ctx.before.posts.values():
        if not post.external:
            employed[post.grade or "no grade"] += len(post.holders)
    numbers = [f"Grade {g}: {plural(grades[g], 'post holder')}" for g in order]
    totals = [f"Grade {g}: {employed.get(g, 0)} employed" for g in order]

    try:
        policy = policy_of(state)
        method = [
            "Slotting: a person whose post is deleted is slotted into a new post "
            + ("of the same grade " if policy.same_grade else "")
            + f"whose job matches theirs by at least {_percent(policy.match_threshold)}, "
            "where nobody else has an equal claim; a match is a recorded job-match "
            "assessment of the old job against the new one.",
            "Where more people than posts have such a claim, they form a ring-fenced pool "
            "and the posts are filled by competitive selection among them.",
        ]
        if policy.ring_fence_threshold is not None:
            method.append(
                f"A match of at least {_percent(policy.ring_fence_threshold)} but below "
                f"{_percent(policy.match_threshold)} also gives a place in a ring-fenced pool."
            )
        method.append(
            "Anyone else is at risk of redundancy; posts left vacant are filled by "
            "appointment, for which people at risk may apply."
        )
    except SlottingError:
        method = ["The slotting policy recorded on this branch could not be read."]

    dates = sorted(d.on for d in check.counted)
    period = (
        [
            f"Dismissals would take effect from {long_date(dates[0])}"
            + (f" to {long_date(dates[-1])}" if dates[-1] != dates[0] else "")
            + ", with notice given after consultation ends"
            + (f" ({long_date(check.consultation_end)})" if check.consultation_end else "")
            + ", and never before the statutory minimum period has run.",
        ]
        if dates
        else ["No dismissal is proposed."]
    )
    payments = [
        "Statutory redundancy pay (Employment Rights Act 1996 s162): for each complete year "
        "of continuous service, up to 20, half a week's pay for each year under age 22, one "
        "week's pay for each year aged 22 to 40, and one and a half weeks' pay for each year "
        "aged 41 or over, a week's pay capped at the statutory limit; nothing below two "
        "years' service.",
        "Any enhancement under the employer's policy (for local government, the "
        "Discretionary Compensation Regulations 2006 allow up to 104 weeks) is stated in "
        "the employer's redundancy policy"
        + (
            ": see the cost section."
            if ctx.internal
            else "; totals are given with the cost figures."
        ),
    ]
    return [
        DisclosureItem("(a)", "Reasons for the proposals", reasons),
        DisclosureItem(
            "(b)",
            "Numbers and descriptions of employees proposed to be dismissed",
            [f"{check.proposed} in all ({_who(check)})", *numbers],
        ),
        DisclosureItem("(c)", "Total employed of each description at the establishment", totals),
        DisclosureItem("(d)", "Proposed method of selection", method),
        DisclosureItem("(e)", "Proposed method and period of carrying out dismissals", period),
        DisclosureItem("(f)", "Method of calculating redundancy payments", payments),
    ]
