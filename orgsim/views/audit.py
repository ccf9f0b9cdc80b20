"""Audit replay: re-check every slotting decision against what was known when it was made.

For each ``PersonSlotted`` in a branch's log (the engine's or one taken by hand) the
state is rebuilt from the events recorded *before* it (earlier log positions, whatever
their effective dates) at the decision's effective date, and the policy in force then is
applied again. This is evidence for a tribunal, so it reads only the log: the same log
gives the same report, always.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.slotting import check_decision
from orgsim.domain.slotting.scope import policy_of, scope
from orgsim.store.branches import BranchLog


@dataclass(frozen=True)
class AuditedDecision:
    version: int
    person: str
    post: str
    effective: str
    by_engine: bool
    basis: str
    verdict: str
    reasons: list[str] = field(default_factory=list)
    inherited: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "post": self.post,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "version": self.version,
            "effective": self.effective,
            "by_engine": self.by_engine,
            "basis": self.basis,
            "inherited": self.inherited,
        }


def audit_branch(branch: BranchLog) -> list[AuditedDecision]:
    timeline = branch.timeline
    #: every assessment ever recorded on the branch, by (old, new): the first log position
    assessed: dict[tuple[str, str], int] = {}
    for item in branch.log:
        if type(item.event) is ev.JobMatchAssessed:
            assessed.setdefault((item.event.old, item.event.new), item.version)
    inherited = len(branch.inherited)
    out: list[AuditedDecision] = []
    for item in branch.log:
        event = item.event
        if type(event) is not ev.PersonSlotted:
            continue
        state = timeline.state_at(event.effective, up_to_version=item.version - 1)
        candidates, vacancies, matches = scope(state)
        verdict = check_decision(
            candidates,
            vacancies,
            matches,
            policy_of(state),
            event.person,
            event.post,
            grades=state.grades,
        )
        reasons = list(verdict.reasons)
        compliant = verdict.compliant
        person = state.people.get(event.person)
        old_post = person.displaced_from if person is not None else None
        if old_post is not None and (old_post, event.post) not in state.matches:
            later = assessed.get((old_post, event.post))
            if later is not None and later > item.version:
                compliant = False
                reasons.append(
                    f"relied on a match assessment recorded after the decision "
                    f"(version {later}, decision version {item.version})"
                )
        out.append(
            AuditedDecision(
                item.version,
                event.person,
                event.post,
                event.effective.isoformat(),
                event.by_engine,
                event.basis,
                "compliant" if compliant else "violation",
                reasons,
                item.version <= inherited,
            )
        )
    return out
