"""The slotting outcome for each person displaced and each post to fill, and the pools.

Recorded outcomes come from the :mod:`walk <orgsim.pack.walk>` over the window; people
still displaced at the proposed date get the engine's proposal
(:func:`orgsim.domain.slotting.scope.propose`), marked as pending. Every slotting
decision's verdict comes from :func:`orgsim.views.audit.audit_branch` — the ``audit``
command's own code — so a decision the audit calls a violation is shown as one, with the
audit's reasons, never as an ordinary slot: pack and audit agree by construction.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from orgsim.domain.slotting import SlottingError
from orgsim.domain.slotting.scope import propose
from orgsim.domain.slotting.text import is_priority_reason
from orgsim.domain.state import OrgState
from orgsim.pack import text
from orgsim.pack.context import Context
from orgsim.pack.document import PersonRow, PoolRow
from orgsim.pack.walk import Affected, Walk
from orgsim.views.audit import AuditedDecision
from orgsim.views.redeployment import offer_text, protection_text

_MATCH_TEXT = re.compile(r"(\d+(?:\.\d+)?)% match to ([\w.-]+)")
#: How an outcome that breaks the slotting policy is flagged.
AGAINST_POLICY = "breaks the slotting policy (orgsim audit)"


def _own_reasons(reasons: list[str], old_post: str, state: OrgState) -> list[str]:
    """A pool's reasons speak for every candidate; keep the lines about this person's
    own matches (and those about no match at all)."""
    # READ-MODEL-CANDIDATE: the recorded match assessments (old, new) -> percent are not
    # in Structure; read from the folded state at the proposed date.
    out = []
    for line in reasons:
        pairs = _MATCH_TEXT.findall(line)
        mine = all(
            (old_post, post.rstrip(".")) in state.matches
            and state.matches[(old_post, post.rstrip("."))].percent == Decimal(pct)
            for pct, post in pairs
        )
        if mine:
            out.append(line)
    return out or list(reasons)


def breach(verdicts: dict[int, AuditedDecision], version: int | None) -> AuditedDecision | None:
    """The audit's verdict on the decision recorded at ``version`` when it is anything but
    compliant: a violation, or any other verdict the audit gives (such as a decision whose
    basis was revised after it was made), which the pack flags for review."""
    found = verdicts.get(version) if version is not None else None
    return found if found is not None and found.verdict != "compliant" else None


def flag(decision: AuditedDecision) -> tuple[str, str]:
    """(outcome key, words) for a decision the audit does not call compliant."""
    if decision.verdict == "violation":
        return "violation", AGAINST_POLICY
    words = decision.verdict.replace("_", " ")
    return "review", f"flagged for review by orgsim audit ({words})"


class Outcomes:
    """Builds the people and pools tables and holds what the posts table
    (:mod:`orgsim.pack.post_outcomes`) shares with them: the engine's proposal for the
    people still pending and each post's pool; ``verdicts`` are the audit's, by log
    version."""

    def __init__(
        self, ctx: Context, walk: Walk, verdicts: dict[int, AuditedDecision], state: OrgState
    ) -> None:
        self.ctx, self.walk, self.verdicts = ctx, walk, verdicts
        after = ctx.after
        self.pending_people = [
            pid
            for pid, a in walk.affected.items()
            if a.result is None
            and a.stage is None
            and pid in after.people
            and after.people[pid].displaced_from is not None
        ]
        self.proposal: Any = None
        if self.pending_people or after.vacant_posts():
            try:
                self.proposal = propose(state)
            except SlottingError:  # e.g. a policy the engine rejects: recorded facts stand
                self.proposal = None
        self.proposed_for = {o.person: o for o in self.proposal.outcomes} if self.proposal else {}
        self.pool_of_post: dict[str, str] = {}
        self.pool_text: dict[str, str] = {}

    # --- pools -----------------------------------------------------------------------

    def pools(self) -> list[PoolRow]:
        ctx, walk = self.ctx, self.walk
        rows: list[PoolRow] = []
        for pool_id, pool in walk.pools.items():
            count = (
                f"{text.plural(len(pool.candidates), 'candidate')} for "
                f"{text.plural(len(pool.posts), 'post')}"
            )
            results = []
            for post in pool.posts:
                self.pool_of_post[post] = pool_id
                winners = [p for p, _ in walk.appointed_to.get(post, []) if p in pool.candidates]
                winners += [p for p in walk.slotted_into.get(post, []) if p in pool.candidates]
                if winners and ctx.internal:
                    results.append(
                        f"{ctx.title(post)}: appointed {', '.join(ctx.who(p) for p in winners)}"
                    )
                elif winners:  # who won would say who lost: never in the collective version
                    results.append(f"{ctx.title(post)}: filled from the pool")
                else:
                    results.append(f"{ctx.title(post)}: competition pending")
            self.pool_text[pool_id] = count
            rows.append(
                PoolRow(
                    pool_id,
                    [ctx.post_text(p) for p in pool.posts],
                    [ctx.who(p) for p in pool.candidates],
                    count,
                    [ctx.reason(r) for r in pool.reasons if not is_priority_reason(r)],
                    "; ".join(results),
                )
            )
        if self.proposal is not None:
            for proposed in self.proposal.pools:
                if not any(p in self.pending_people for p in proposed.candidates):
                    continue
                count = (
                    f"{text.plural(len(proposed.candidates), 'candidate')} for "
                    f"{text.plural(len(proposed.posts), 'post')}"
                )
                reasons: list[str] = []
                for pid in proposed.candidates:
                    for r in self.proposed_for[pid].reasons:
                        if r not in reasons:
                            reasons.append(r)
                rows.append(
                    PoolRow(
                        "proposed",
                        [ctx.post_text(p) for p in proposed.posts],
                        [ctx.who(p) for p in proposed.candidates],
                        count,
                        [ctx.reason(r) for r in reasons if not is_priority_reason(r)],
                        "not yet recorded",
                        proposed_only=True,
                    )
                )
        return rows

    # --- people ----------------------------------------------------------------------

    def _pending_text(self, pid: str) -> tuple[str, list[str] | None]:
        ctx = self.ctx
        proposed = self.proposed_for.get(pid)
        if proposed is None:
            return "Pending: no outcome recorded", None
        if proposed.outcome == "slotted":
            text_ = f"Pending: the slotting policy would slot into {ctx.post_text(proposed.post)}"
        elif proposed.outcome == "ring_fenced" and proposed.pool is not None:
            text_ = (
                f"Pending: the slotting policy would ring-fence ("
                f"{text.plural(len(proposed.pool.candidates), 'candidate')} for "
                f"{text.plural(len(proposed.pool.posts), 'post')}: "
                + ", ".join(ctx.title(p) for p in proposed.pool.posts)
                + ")"
            )
        else:
            text_ = "Pending: the slotting policy would place at risk"
        return text_, list(proposed.reasons)

    def _person(self, pid: str, a: Affected) -> PersonRow:
        ctx, walk = self.ctx, self.walk
        old = ctx.before.post(a.old_post) or ctx.after.post(a.old_post)
        grade = old.grade if old else ""
        unit = ctx.unit_name(old.unit) if old else ""
        reasons = list(a.stage_reasons)
        pending = False
        stage_breach = breach(self.verdicts, a.stage_version) if a.stage == "slotted" else None
        result_breach = breach(self.verdicts, a.result_version) if a.result == "slotted" else None
        stage = a.stage or ("pending" if a.result is None else "none")
        if a.stage == "slotted":
            outcome = "slotted"
            text_ = f"Slotted into {ctx.post_text(a.stage_post)}"
            if a.stage_basis and a.stage_basis != "slotting policy":
                text_ += f" (decided {a.stage_basis})"
            if stage_breach is not None:
                stage, words = flag(stage_breach)
                outcome = stage
                text_ += f": {words}"
                reasons = list(stage_breach.reasons)
        elif a.stage == "ring_fenced":
            outcome = "ring_fenced"
            reasons = _own_reasons(reasons, a.old_post, walk.state)
            pool = walk.pools.get(a.stage_pool or "")
            where = ", ".join(ctx.title(p) for p in pool.posts) if pool else ""
            text_ = f"Ring-fenced pool: {self.pool_text.get(a.stage_pool or '', '')}" + (
                f" ({where})" if where else ""
            )
        elif a.stage == "at_risk":
            outcome = "at_risk"
            text_ = "At risk of redundancy"
        elif a.result == "redeployed" and a.result_offer is not None:
            outcome = a.result
            text_ = "Not slotted: offered suitable alternative employment (ERA 1996 s138)"
        elif a.result is not None:
            outcome = a.result
            text_ = "No slotting step recorded"
        else:
            outcome = "pending"
            pending = True
            text_, proposed_reasons = self._pending_text(pid)
            if proposed_reasons is not None:
                reasons = proposed_reasons
        then = ""
        if a.result == "appointed":
            then = f"Appointed to {ctx.post_text(a.result_post)}" + (
                f" ({a.result_detail})" if a.result_detail else ""
            )
            if a.stage is not None:
                outcome = "appointed"
        elif a.result == "left":
            then = f"Left: {a.left_cause}"
            if a.stage is not None:
                outcome = "left"
        elif a.result == "redeployed":
            then = f"Redeployed to {ctx.post_text(a.result_post)}"
            if a.result_offer is not None:  # an accepted offer: a redeployment, not a slot
                then = offer_text(a.result_offer, ctx.post_text(a.result_post))
                outcome = "redeployed"
            if a.stage is not None:
                outcome = "redeployed"
        elif a.result == "slotted":
            then = f"Slotted into {ctx.post_text(a.result_post)} ({a.result_detail})"
            outcome = "slotted"
            if result_breach is not None:
                outcome, words = flag(result_breach)
                then += f", which is {words}" if outcome == "review" else f", which {words}"
                reasons = [*reasons, *(r for r in result_breach.reasons if r not in reasons)]
        elif a.stage in ("ring_fenced", "at_risk"):
            then = "Outcome pending"
            pending = True
        if a.result_on is not None and then:
            then += f", {text.long_date(a.result_on)}"
        if a.result_reason and then:
            then += f" — {ctx.redact(a.result_reason)}"
        viewed = ctx.after.person(pid)
        if ctx.internal and then and viewed is not None and viewed.pay_protection is not None:
            then += f"; {protection_text(viewed.pay_protection)}"  # confidential: internal
        if not ctx.internal and a.result in ("appointed", "left", "redeployed"):
            # confidential to the person: counted in section 4.4, never attributed
            then = ""
            if a.stage is not None:
                outcome = a.stage if stage not in ("violation", "review") else stage
            else:
                outcome = "none"
                text_ = "Outcome withheld in this version (counted in section 4.4)"
        elif not ctx.internal and a.stage in ("ring_fenced", "at_risk") and a.result is None:
            then = ""  # "pending" next to a withheld outcome would say there is one
        breaches = (stage_breach, result_breach)
        return PersonRow(
            ctx.who(pid),
            old.title if old else a.old_post,
            a.old_post,
            grade,
            unit,
            stage,
            outcome,
            text_,
            then,
            [ctx.reason(r) for r in reasons if not is_priority_reason(r)],
            pending,
            violation=any(b is not None and b.verdict == "violation" for b in breaches),
            review=any(b is not None and b.verdict != "violation" for b in breaches),
            person_id=pid,
            displaced_on=a.displaced_on,
            result_on=a.result_on if then else None,
        )

    def people(self) -> list[PersonRow]:
        """One row per person displaced, by unit, grade (highest first) and old post."""
        rows = [self._person(pid, a) for pid, a in self.walk.affected.items()]
        rank = self.ctx.before.grade_rank() or self.ctx.after.grade_rank()
        rows.sort(
            key=lambda r: (r.unit.casefold(), -rank.get(r.grade, -1), r.old_post.casefold(), r.who)
        )
        return rows
