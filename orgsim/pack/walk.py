"""Who the change displaces and every outcome recorded for them, in the order it happened.

The read model says where things stand at one date; a pack also needs the *path*: the
first outcome recorded for each displaced person (slotted, ring-fenced pool, at risk) and
what followed (appointed, left, redeployed, slotted after a pool). :func:`walk` reads the
window's events in timeline order for that; every fact about the organisation itself
(who held a deleted post, who is displaced, from which post, with what FTE) it takes from
:class:`~orgsim.domain.structure.Structure` snapshots of the replayed state, taken only
where such a fact is needed: after each run of post deletions and before a substantive
assignment of a displaced person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from orgsim.domain import events as ev
from orgsim.domain.redeployment import Offer, refusal_text
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged


@dataclass
class Affected:
    person: str
    old_post: str
    fte: Decimal
    displaced_on: dt.date
    stage: str | None = None  # slotted | ring_fenced | at_risk
    stage_post: str | None = None
    stage_pool: str | None = None
    stage_reasons: list[str] = field(default_factory=list)
    stage_basis: str = ""
    #: log version of the slotting decision behind ``stage`` (slotted), for the audit
    stage_version: int | None = None
    result: str | None = None  # slotted | appointed | left | redeployed
    result_post: str | None = None
    result_detail: str = ""
    result_on: dt.date | None = None
    result_reason: str = ""
    #: log version of the slotting decision behind ``result`` (slotted)
    result_version: int | None = None
    left_cause: str | None = None
    #: redeployed by an accepted offer (issue 15): the offer, with its trial and bump
    result_offer: Offer | None = None


@dataclass
class Walk:
    affected: dict[str, Affected]
    pools: dict[str, ev.PoolFormed]
    slotted_into: dict[str, list[str]]  # post -> people slotted
    #: (person, post) -> log version of the (latest) slotting decision
    decisions: dict[tuple[str, str], int]
    appointed_to: dict[str, list[tuple[str, str]]]  # post -> (person, basis)
    assigned_to: dict[str, list[str]]
    #: the state at the proposed date (the recorded match assessments are read from it)
    state: OrgState
    #: post -> people redeployed into it by an accepted offer (issue 15)
    redeployed_into: dict[str, list[str]] = field(default_factory=dict)


def walk(branch: str, current: Structure, state: OrgState, window: list[Logged]) -> Walk:
    """Replays ``window`` on ``state`` (a fresh state at the current date, which this
    consumes), noting who is displaced by which deletion and every outcome recorded for
    them. ``current`` is the read model of ``state`` before the window."""
    affected: dict[str, Affected] = {}
    first_day = window[0].event.effective if window else current.at
    for person in current.displaced_people():
        who = affected[person.id] = Affected(
            person.id, person.displaced_from or "", person.displaced_fte, first_day
        )
        if person.status in ("ring_fenced", "at_risk"):
            who.stage = person.status
            who.stage_reasons = list(person.status_reasons)
    pools: dict[str, ev.PoolFormed] = {}
    slotted_into: dict[str, list[str]] = {}
    decisions: dict[tuple[str, str], int] = {}
    appointed_to: dict[str, list[tuple[str, str]]] = {}
    assigned_to: dict[str, list[str]] = {}
    redeployed_into: dict[str, list[str]] = {}
    deleted: list[ev.PostDeleted] = []  # a run of deletions not yet read back
    #: a snapshot for assignments, valid while only assignments are applied
    snapshot: Structure | None = None
    # READ-MODEL-CANDIDATE: "was this person displaced just before log version v" — the
    # read model answers it per date only, so a snapshot serves a run of assignments and
    # ``placed`` notes who that run has already placed (no longer displaced).
    placed: set[str] = set()  # people assigned substantively since the snapshot

    def read_deletions() -> None:
        if not deleted:
            return
        after = Structure.from_state(branch, deleted[-1].effective, state)
        by_post = after.displaced_by_post()
        for e in deleted:
            for pid in by_post.get(e.post, []):
                affected[pid] = Affected(pid, e.post, after.people[pid].displaced_fte, e.effective)
        deleted.clear()

    for item in window:
        e = item.event
        if not isinstance(e, ev.PostDeleted):
            read_deletions()
        if not isinstance(e, ev.PersonAssigned):
            snapshot, placed = None, set()
        if isinstance(e, ev.PostDeleted):
            deleted.append(e)
        elif isinstance(e, ev.PersonSlotted) and e.person in affected:
            who = affected[e.person]
            basis = "slotting policy" if e.by_engine else (e.basis or "by hand")
            if who.stage is None:
                who.stage, who.stage_post, who.stage_reasons = "slotted", e.post, list(e.reasons)
                who.stage_basis, who.stage_version = basis, item.version
            else:
                who.result, who.result_post, who.result_detail = "slotted", e.post, basis
                who.result_on, who.result_version = e.effective, item.version
                who.result_reason = e.reason or ""
            slotted_into.setdefault(e.post, []).append(e.person)
            decisions[(e.person, e.post)] = item.version
        elif isinstance(e, ev.PoolFormed):
            pools[e.pool] = e
            for pid in e.candidates:
                if pid in affected and affected[pid].stage is None:
                    affected[pid].stage, affected[pid].stage_pool = "ring_fenced", e.pool
                    affected[pid].stage_reasons = list(e.reasons)
        elif isinstance(e, ev.PersonPlacedAtRisk) and e.person in affected:
            who = affected[e.person]
            if who.stage is None:
                who.stage, who.stage_reasons = "at_risk", list(e.reasons)
        elif isinstance(e, ev.PersonAppointed):
            appointed_to.setdefault(e.post, []).append((e.person, e.basis or ""))
            if e.person in affected:
                who = affected[e.person]
                who.result, who.result_post = "appointed", e.post
                who.result_detail, who.result_on = e.basis or "", e.effective
                who.result_reason = e.reason or ""
        elif isinstance(e, ev.PersonAssigned) and e.kind == "substantive":
            assigned_to.setdefault(e.post, []).append(e.person)
            if e.person in affected:
                if snapshot is None:
                    snapshot = Structure.from_state(branch, e.effective, state)
                held = snapshot.person(e.person)
                if e.person not in placed and held is not None and held.displaced_from is not None:
                    who = affected[e.person]
                    who.result, who.result_post, who.result_on = "redeployed", e.post, e.effective
                    who.result_reason = e.reason or ""
                placed.add(e.person)
        elif isinstance(e, ev.RedeploymentAccepted):
            redeployed_into.setdefault(e.post, []).append(e.person)
            if e.person in affected:
                who = affected[e.person]
                who.result, who.result_post, who.result_on = "redeployed", e.post, e.effective
                who.result_reason = e.reason or ""
        elif isinstance(e, ev.RedeploymentRefused) and e.person in affected:
            who = affected[e.person]
            offer = state.redeployment.offer_of(e.person, e.post)
            if who.result == "redeployed" and who.result_post == e.post:
                who.result, who.result_post, who.result_offer = None, None, None
            if who.stage is None or who.stage == "at_risk":
                who.stage = "at_risk"
                who.stage_reasons = [
                    refusal_text(e.reasonable, offer is not None and offer.state == "accepted")
                ]
        elif isinstance(e, ev.PersonLeft) and e.person in affected:
            who = affected[e.person]
            who.result, who.left_cause, who.result_on = "left", e.cause, e.effective
            who.result_reason = e.reason or ""
        state.apply(e, item.version)
        if isinstance(e, ev.RedeploymentAccepted) and e.person in affected:
            # the offer as accepted (with its trial and bump), from the state's book
            affected[e.person].result_offer = state.redeployment.offer_of(e.person, e.post)
    read_deletions()
    return Walk(
        affected, pools, slotted_into, decisions, appointed_to, assigned_to, state, redeployed_into
    )
