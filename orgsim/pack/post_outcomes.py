"""The posts table of the pack: each new or vacant post at the proposed date, and every
post a recorded outcome touched, with how it is (or would be) filled.

Split from :mod:`orgsim.pack.outcomes` (the people and pools tables) because it reads
those tables' work — the engine's proposal for the people still pending, each post's
pool — and adds a post's-eye view of it; the verdicts are the same audit's, so a post
filled against the policy says so here as its holder's row does there.
"""

from __future__ import annotations

from orgsim.domain.slotting.text import is_priority_reason
from orgsim.pack import text
from orgsim.pack.document import PostRow
from orgsim.pack.outcomes import Outcomes, breach
from orgsim.views.redeployment import offer_text


def _first_text(outcomes: Outcomes, people: list[str]) -> str:
    """Near misses (policy ``first_consideration``): counted, named only internally."""
    words = f"First consideration: {text.plural(len(people), 'at-risk candidate')}"
    if outcomes.ctx.internal:
        words += " (" + ", ".join(outcomes.ctx.who(p) for p in people) + ")"
    return words + " with a match below the bar, before the post is advertised"


def post_rows(outcomes: Outcomes, new_posts: set[str]) -> list[PostRow]:
    """New and vacant posts of the employer at the proposed date, and every post a
    recorded outcome touched: how each is filled. Call after
    :meth:`Outcomes.pools <orgsim.pack.outcomes.Outcomes.pools>`, which notes each post's pool."""
    ctx, walk = outcomes.ctx, outcomes.walk
    touched = set(walk.slotted_into) | set(walk.appointed_to) | set(outcomes.pool_of_post)
    if ctx.internal:
        # a post filled by redeployment; in the collective version it would say its
        # former holder left (a bump), so it is listed only in the internal one
        touched |= set(walk.redeployed_into)
    unfilled = set(outcomes.proposal.unfilled) if outcomes.proposal is not None else set()
    proposed_slots: dict[str, list[str]] = {}
    proposed_pool: dict[str, tuple[int, int]] = {}
    if outcomes.proposal is not None:
        for o in outcomes.proposal.outcomes:
            if o.person not in outcomes.pending_people:
                continue
            if o.outcome == "slotted" and o.post:
                proposed_slots.setdefault(o.post, []).append(o.person)
            elif o.outcome == "ring_fenced" and o.pool is not None:
                for p in o.pool.posts:
                    proposed_pool[p] = (len(o.pool.candidates), len(o.pool.posts))
    first = outcomes.proposal.first_consideration_by_post() if outcomes.proposal else {}
    rows: list[PostRow] = []
    for post in ctx.after.posts.values():
        pid = post.id
        if post.external or (pid not in new_posts and not post.vacant and pid not in touched):
            continue
        reasons: list[str] = []
        then = ""
        if pid in walk.slotted_into:
            people = walk.slotted_into[pid]
            breaches = [
                b
                for p in people
                if (b := breach(outcomes.verdicts, walk.decisions.get((p, pid)))) is not None
            ]
            if breaches:
                against = any(b.verdict == "violation" for b in breaches)
                outcome = "violation" if against else "review"
                text_ = (
                    "Slotted against the slotting policy: "
                    if against
                    else "Slotted, flagged for review by orgsim audit: "
                ) + ", ".join(ctx.who(p) for p in people)
                for b in breaches:
                    reasons.extend(b.reasons)
            else:
                outcome = "slotted"
                text_ = "Filled by slotting: " + ", ".join(ctx.who(p) for p in people)
                for p in people:
                    a = walk.affected.get(p)
                    if a is not None and a.stage == "slotted":
                        reasons.extend(a.stage_reasons)
        elif pid in walk.redeployed_into and pid in touched:
            outcome = "redeployed"
            offers = [
                a.result_offer
                for p in walk.redeployed_into[pid]
                if (a := walk.affected.get(p)) is not None and a.result_offer is not None
            ]
            text_ = (
                offer_text(offers[-1]).replace("Redeployed", "Filled by redeployment", 1)
                if offers
                else "Filled by redeployment"
            )
            then = "Redeployed: " + ", ".join(ctx.who(p) for p in walk.redeployed_into[pid])
        elif pid in outcomes.pool_of_post:
            outcome = "ring_fenced"
            text_ = f"Ring-fenced pool: {outcomes.pool_text[outcomes.pool_of_post[pid]]}"
            pool = walk.pools[outcomes.pool_of_post[pid]]
            reasons.extend(pool.reasons)
            winners = [p for p, _ in walk.appointed_to.get(pid, [])]
            if winners and not ctx.internal:
                then = "Filled by appointment from the pool"
            elif winners:
                then = "Appointed: " + ", ".join(ctx.who(p) for p in winners)
                basis = [b for _, b in walk.appointed_to.get(pid, []) if b]
                if basis:
                    then += f" ({basis[0]})"
            elif post.vacant:
                then = "Competition pending"
        elif pid in walk.appointed_to:
            outcome = "appointed"
            basis = [b for _, b in walk.appointed_to[pid] if b]
            text_ = "Filled by appointment"
            if ctx.internal:
                text_ += ": " + ", ".join(ctx.who(p) for p, _ in walk.appointed_to[pid])
            if basis:
                text_ += f" ({basis[0]})"
        elif pid in proposed_slots:
            outcome = "pending"
            text_ = "Pending: the slotting policy would slot " + ", ".join(
                ctx.who(p) for p in proposed_slots[pid]
            )
        elif pid in proposed_pool:
            outcome = "pending"
            n, m = proposed_pool[pid]
            text_ = (
                f"Pending: the slotting policy would ring-fence "
                f"{text.plural(n, 'candidate')} for {text.plural(m, 'post')}"
            )
        elif post.vacant:
            outcome = "vacancy"
            text_ = "Vacancy to be filled by appointment"
            if pid in unfilled or outcomes.proposal is None:
                reasons.append("no displaced person is eligible to be slotted into it")
            if pid in first:
                then = _first_text(outcomes, first[pid])
        else:
            outcome = "filled"
            text_ = "Filled: " + ", ".join(ctx.who(p) for p in post.holders)
        unique: list[str] = []
        for r in reasons:
            if r not in unique:
                unique.append(r)
        rows.append(
            PostRow(
                post.title,
                pid,
                post.grade,
                ctx.unit_name(post.unit),
                pid in new_posts,
                outcome,
                text_,
                then,
                [ctx.reason(r) for r in unique if not is_priority_reason(r)],
            )
        )
    rank = ctx.after.grade_rank()
    rows.sort(
        key=lambda r: (r.unit.casefold(), -rank.get(r.grade, -1), r.post.casefold(), r.post_id)
    )
    return rows


__all__ = ["post_rows"]
