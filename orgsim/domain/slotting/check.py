"""check_decision(): the audit's question for one recorded slotting decision.

Kept apart from :mod:`.decide` because it asks a different question: not "what would
the engine do" but "does this pair belong to SOME placement as good as the engine's".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from .analysis import Analysis
from .fte import solve_fte_group
from .index import Index
from .matching import maximum_matching
from .model import Candidate, Vacancy, Verdict
from .policy import Policy, format_decimal, resolve_policy
from .text import (
    count_text,
    grade_direction,
    grade_text,
    hours_cut_text,
    percent_text,
    plural,
    priority_ceded_text,
    priority_placed_text,
)

__all__ = ["check_decision"]


def check_decision(
    candidates: Sequence[Candidate],
    vacancies: Sequence[Vacancy],
    matches: Mapping[tuple[str, str], Decimal],
    policy: Policy | None,
    person: str,
    post: str,
    *,
    grades: Sequence[str] | None = None,
) -> Verdict:
    """Would slotting ``person`` into ``post`` comply with the policy, given what was known?

    Compliant when the engine would slot the person AND the post belongs to SOME
    placement that still slots everyone the engine would slot — not necessarily the
    engine's own pick among equals.  With ``count: heads`` that is "the pair lies on a
    maximum matching of the eligible graph": force it (remove both vertices) and check
    a maximum matching of the rest is still one smaller than the full one.  With
    ``count: fte`` the person's group must be placeable with the pair forced.

    The caller (the audit) adds the violation "assessment recorded after the decision";
    it passes only the assessments recorded before the decision.
    """
    policy = resolve_policy(policy)
    ix = Index(candidates, vacancies, matches, policy)
    cand = ix.cand.get(person)
    vac = ix.vac.get(post)
    reasons: list[str] = []
    if cand is None:
        reasons.append(
            f"{person} is not displaced at this point (no deleted substantive post awaiting an outcome)"
        )
    if vac is None:
        reasons.append(f"post {post} is not vacant at this point")
    if cand is None or vac is None:
        return Verdict(False, reasons)

    if policy.same_grade and vac.grade != cand.grade:
        direction = grade_direction(vac.grade, cand.grade, grades)
        if direction:
            reasons.append(
                f"post {post} is grade {vac.grade}, {direction} than grade {cand.grade} "
                f"of old post {cand.old_post}: a {direction} grade is never slotted"
            )
        else:
            reasons.append(
                f"post {post} is grade {vac.grade}, not grade {cand.grade} "
                f"of old post {cand.old_post}"
            )
    pct = dict(ix.by_old.get(cand.old_post, ())).get(post)
    if pct is None:
        reasons.append(f"no match recorded from {cand.old_post} to {post}")
    elif not policy.meets_threshold(pct):
        word = "not more than" if policy.match_strict else "below"
        reasons.append(
            f"{percent_text(pct)} match from {cand.old_post} to {post} is {word} the "
            f"{percent_text(policy.match_threshold)} threshold"
        )
    if ix.cuts_hours(cand, post):
        reasons.append(hours_cut_text(post, vac.fte, cand))
    if reasons:
        return Verdict(False, reasons)
    assert pct is not None

    an = Analysis(ix)
    if an.by_priority:
        return check_with_priority(ix, an, cand, post, pct)
    group = an.group_of.get(person)
    assert group is not None  # an eligible pair puts the person in a group
    if person not in an.slotted:
        if group.kind == "fte":
            reasons.append(
                f"the group of {group.count_text(ix)} cannot all be placed: "
                f"should have been a ring-fenced pool"
            )
        else:
            reasons.append(
                f"{plural(len(group.people), 'eligible candidate')} for "
                f"{plural(len(group.posts), 'post')}: should have been a ring-fenced pool"
            )
        return Verdict(False, reasons)

    if policy.count == "fte":
        ok = (
            solve_fte_group(ix, group.people, group.posts, forced=(person, post), optimise=False)
            is not None
        )
        if not ok:
            if cand.fte > vac.fte:
                reasons.append(
                    f"{person}'s {format_decimal(cand.fte)} FTE does not fit post {post} "
                    f"({format_decimal(vac.fte)} FTE)"
                )
            else:
                reasons.append(
                    f"placing {person} in {post} leaves no room for everyone else "
                    f"in the group of {group.count_text(ix)}"
                )
            return Verdict(False, reasons)
    else:
        graph = an.graph
        assert graph is not None
        rest = graph.copy()
        rest.remove_nodes_from([an.node[person], an.post_node[post]])
        top = [i for i in range(len(ix.cands)) if i != an.node[person]]
        mate = maximum_matching(rest, top)
        size = sum(1 for i in top if i in mate)
        if size + 1 < an.size:
            left_out = [p for p in sorted(an.slotted) if p != person and an.node[p] not in mate]
            if left_out:
                reasons.append(
                    f"giving {post} to {person} would leave {left_out[0]}, who is "
                    f"slotted, without an eligible post"
                )
            else:
                pool = next((g for g in an.pools if post in g.posts), None)
                who = (
                    f" ({count_text(len(pool.people), len(pool.posts))})"
                    if pool is not None
                    else ""
                )
                reasons.append(
                    f"post {post} is needed by a ring-fenced pool{who}: giving it "
                    f"to {person} deprives eligible candidates"
                )
            return Verdict(False, reasons)

    count = group.count_text(ix)
    reasons.append(
        f"{grade_text(cand.grade, vac.grade)}, {percent_text(pct)} match to {post}, {count}: "
        f"{person} would be slotted"
    )
    engine_post = an.slotted[person]
    if engine_post != post:
        reasons.append(
            f"the engine would pick {engine_post}; {post} also lets everyone eligible be slotted"
        )
    return Verdict(True, reasons)


def check_with_priority(
    ix: Index, an: Analysis, cand: Candidate, post: str, pct: Decimal
) -> Verdict:
    """The audit's question when people with priority status are in scope (issue 15).

    Violations: the person would not be slotted because the post (or every post they
    are eligible for) goes first to someone with priority status, or because they
    should have been in a pool; or placing them in ``post`` leaves someone the engine
    would slot without a post. Asked by deciding again without the person and the post:
    everyone else the engine slots must still be slotted.
    """
    person = cand.person
    if person not in an.slotted:
        if post in an.first_posts or person in an.ceded:
            lost = [(q, p) for q, p in ix.eligible[person] if q in an.first_posts]
            reasons = [
                f"{priority_ceded_text(lost)}: slotting {person} into {post} "
                f"bypasses the policy's priority rule"
            ]
        else:
            reasons = [f"{person} would not be slotted: should have been a ring-fenced pool"]
        return Verdict(False, reasons)
    if an.slotted[person] != post:
        rest = Analysis(
            ix.subset(
                [c for c in ix.cands if c.person != person],
                [v for v in ix.vacs if v.post != post],
                ix.policy,
            )
        )
        left_out = [p for p in sorted(an.slotted) if p != person and p not in rest.slotted]
        if left_out:
            return Verdict(
                False,
                [
                    f"giving {post} to {person} would leave {left_out[0]}, who is "
                    f"slotted, without an eligible post"
                ],
            )
    reasons = [
        f"{grade_text(cand.grade, ix.vac[post].grade)}, {percent_text(pct)} match to {post}: "
        f"{person} would be slotted"
    ]
    if person in an.placed_first:
        reasons.append(priority_placed_text())
    if an.slotted[person] != post:
        reasons.append(
            f"the engine would pick {an.slotted[person]}; {post} also lets everyone eligible "
            f"be slotted"
        )
    return Verdict(True, reasons)
