"""decide(): one outcome per displaced person, with its reasons (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from .analysis import Analysis
from .index import Index
from .model import Candidate, Outcome, SlottingResult, Vacancy
from .policy import Policy, format_decimal, resolve_policy
from .text import (
    count_text,
    grade_direction,
    grade_text,
    hours_cut_text,
    matches_text,
    percent_text,
    priority_ceded_text,
    priority_placed_text,
)

__all__ = ["decide"]


def decide(
    candidates: Sequence[Candidate],
    vacancies: Sequence[Vacancy],
    matches: Mapping[tuple[str, str], Decimal],
    policy: Policy | None = None,
    *,
    grades: Sequence[str] | None = None,
) -> SlottingResult:
    """Decide slotted / ring-fenced / at risk for every displaced person (SPEC 5).

    ``matches`` maps (old post, new post) to the recorded percentage; only pairs whose
    new post is vacant matter.  ``grades`` (the grade scheme, lowest first) is optional
    and only lets reasons say "higher"/"lower" grade.

    * ``count: heads``: see :mod:`.analysis` (maximum matching, Dulmage–Mendelsohn,
      optimal placement with id tie-break).
    * ``count: fte``: per connected group of eligible pairs, everyone is slotted when
      all can be placed within the posts' FTE capacities, else the group is one pool
      with all its posts.
    * ``ring_fence_threshold``: people neither slotted nor pooled, with a match at
      least that high (and the same grade, with ``same_grade``) to a post neither
      slotted into nor pooled, form one pool per connected group with those posts.
    * Everyone else is at risk; vacant posts neither slotted into nor pooled are
      ``unfilled`` (left to appointment).
    """
    policy = resolve_policy(policy)
    ix = Index(candidates, vacancies, matches, policy)
    analysis = Analysis(ix)
    unfilled = analysis.unfilled
    outcomes = [_outcome(analysis, c, grades) for c in ix.cands]
    if policy.first_consideration:
        outcomes = [_first_consideration(ix, o, set(unfilled)) for o in outcomes]
    return SlottingResult(outcomes=outcomes, unfilled=unfilled)


def _first_consideration(ix: Index, outcome: Outcome, unfilled: set[str]) -> Outcome:
    """Near misses: an at-risk person has first consideration for each post left to
    appointment to which a match above 0% was recorded from their old post — below the
    bar, or at it but refused as a cut in hours — of their old post's grade when the
    policy asks for the same grade. A 0% assessment says the jobs have nothing in
    common, so it gives nothing. A field of the outcome, not a reason line: the
    reasons say why the person is at risk, and stay as they were."""
    if outcome.outcome != "at_risk":
        return outcome
    c = ix.cand[outcome.person]
    policy = ix.policy
    pairs = [
        (q, pct)
        for q, pct in ix.by_old.get(c.old_post, ())
        if q in unfilled and pct > 0 and (not policy.same_grade or ix.grade_of[q] == c.grade)
    ]
    if not pairs:
        return outcome
    return replace(outcome, first_consideration=tuple(q for q, _ in pairs))


def _outcome(an: Analysis, c: Candidate, grades: Sequence[str] | None) -> Outcome:
    ix = an.ix
    policy = ix.policy
    person = c.person
    group = an.group_of.get(person)
    if person in an.slotted:
        assert group is not None
        post = an.slotted[person]
        pct = dict(ix.eligible[person])[post]
        count = group.count_text(ix)
        reasons = [
            f"{grade_text(c.grade, ix.grade_of[post])}, {percent_text(pct)} match to {post}, {count}"
        ]
        posts = group.post_set
        choices = [(q, p) for q, p in ix.eligible[person] if q in posts]
        if len(choices) > 1:
            listed = ", ".join(f"{q} {percent_text(p)}" for q, p in choices)
            reasons.append(
                f"chosen from {len(choices)} eligible posts ({listed}) so that every candidate "
                f"in the group is slotted, then by highest total match, then by id"
            )
        holders = an.holders[post]
        if len(holders) > 1:
            reasons.append(
                f"job share: {post} ({format_decimal(ix.vac[post].fte)} FTE) holds "
                + " + ".join(f"{p} ({format_decimal(ix.cand[p].fte)} FTE)" for p in holders)
            )
        if person in an.placed_first:
            reasons.append(priority_placed_text())
        return Outcome(person, "slotted", post=post, reasons=reasons)

    if group is not None:
        pool = group.pool
        if group.kind == "ring_fence":
            reasons = [_no_eligible_text(c, policy)]
            pairs = an.rf_pairs[person]
            threshold = policy.ring_fence_threshold
            assert threshold is not None  # ring-fence pools exist only with a threshold
            reasons.append(
                f"{matches_text(c, pairs, ix.grade_of)}: at least the "
                f"{percent_text(threshold)} ring-fence threshold"
            )
            reasons.append(
                f"{count_text(len(group.people), len(group.posts))}: ring-fenced competition"
            )
        elif group.kind == "fte":
            reasons = [
                f"{group.count_text(ix)} cannot all be placed: ring-fenced competition",
                matches_text(c, ix.eligible[person], ix.grade_of),
            ]
        else:
            reasons = [
                f"{count_text(len(group.people), len(group.posts))}: ring-fenced competition",
                matches_text(c, ix.eligible[person], ix.grade_of),
            ]
        return Outcome(person, "ring_fenced", pool=pool, reasons=reasons)

    return Outcome(person, "at_risk", reasons=_at_risk_reasons(an, c, grades))


def _no_eligible_text(c: Candidate, policy: Policy) -> str:
    where = f"of grade {c.grade} " if policy.same_grade else ""
    return f"no vacant post {where}matches {policy.threshold_text()}"


def _at_risk_reasons(an: Analysis, c: Candidate, grades: Sequence[str] | None) -> list[str]:
    ix = an.ix
    policy = ix.policy
    reasons = [_no_eligible_text(c, policy)]
    if c.person in an.ceded:
        reasons = [
            f"{reasons[0]} that is not placed first with a candidate with priority status",
            priority_ceded_text(an.ceded[c.person]),
        ]
    recorded = ix.by_old.get(c.old_post, [])
    same = [(q, p) for q, p in recorded if not policy.same_grade or ix.grade_of[q] == c.grade]
    if not recorded:
        reasons.append(f"no match recorded from {c.old_post} to any vacant post")
    elif same:
        q, p = min(same, key=lambda pair: (-pair[1], pair[0]))
        reasons.append(f"best recorded match: {percent_text(p)} to {q}")
    else:
        reasons.append(f"no match recorded from {c.old_post} to a vacant post of grade {c.grade}")
    if policy.same_grade:
        for q, p in recorded:
            if ix.grade_of[q] != c.grade and policy.meets_threshold(p):
                direction = grade_direction(ix.grade_of[q], c.grade, grades)
                kind = f"a {direction} grade" if direction else "a different grade"
                reasons.append(
                    f"{q} matches {percent_text(p)} but is grade {ix.grade_of[q]}, {kind}"
                )
    for q, p in recorded:
        same_grade = not policy.same_grade or ix.grade_of[q] == c.grade
        if same_grade and policy.meets_threshold(p) and ix.cuts_hours(c, q):
            reasons.append(hours_cut_text(q, ix.vac[q].fte, c))
    if policy.ring_fence_threshold is not None:
        where = f"of grade {c.grade} " if policy.same_grade else ""
        reasons.append(
            f"no unclaimed vacant post {where}matches at least the "
            f"{percent_text(policy.ring_fence_threshold)} ring-fence threshold"
        )
    return reasons
