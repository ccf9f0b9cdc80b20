"""Audit replay: re-check every slotting decision against what was known when it was made.

For each ``PersonSlotted`` in a branch's log (the engine's or one taken by hand) the
state is the fold of the events recorded *before* it (earlier log positions, whatever
their effective dates) up to the decision's effective date, plus every match assessment
recorded before it; the policy in force then is applied again. This is evidence for a
tribunal, so it reads only the log: the same log gives the same report, always.

Why one pass: re-folding the whole log for every decision made an audit of 5,000
decisions on a 500,000-event branch take hours. :class:`_Replay` walks the log once in
recorded order and keeps the state folded incrementally: events wait in a list kept in
the timeline's order, ``(effective, version)`` (sorted again only when an event recorded
later is effective before one waiting), and are folded when a decision's effective date
reaches them. Only when that cannot give the timeline's order — an event recorded later
but effective before what is already folded, or a decision effective before an earlier
one — is the state rebuilt from the log prefix (the old, exact path). Either way the
state is exactly ``Timeline.state_at(date, up_to_version=v - 1)``.

Why not the read model per decision: building :class:`~orgsim.domain.structure.Structure`
of 50,000 posts for each decision was most of the remaining time. The engine judges a
decision on the connected part of the scope around it (see
:func:`~orgsim.domain.slotting.scope.scope_around`), so each decision reads only the
people and posts linked to it by recorded matches, through the same view builders the
read model uses. :class:`~orgsim.domain.slotting.scope.ScopeIndex` is what finds them:
the matches as recorded, and who each folded ``PostDeleted`` displaced.

A decision whose match assessment was revised after it (say 80 % on the day, 70 % on
appeal) stays as made: it is judged on what was known. When it is otherwise compliant it
is reported as ``basis_revised`` with both figures and both recorded dates, for review;
only violations make the audit fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.record_builders import external_bodies
from orgsim.domain.slotting import Policy, check_decision
from orgsim.domain.slotting.scope import ScopeIndex, policy_of, scope_around
from orgsim.domain.slotting.text import percent_text
from orgsim.domain.state import DomainError, Match, OrgState
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged, ReplayError, fold, gc_paused, timeline_key
from orgsim.store.branches import BranchLog

COMPLIANT, VIOLATION, BASIS_REVISED = "compliant", "violation", "basis_revised"


@dataclass(frozen=True)
class Revision:
    """A later assessment of the pair a decision relied on, with a different figure."""

    old_post: str
    post: str
    percent_at_decision: Decimal
    recorded_at_decision: dt.datetime
    version_at_decision: int
    percent_revised: Decimal
    recorded_revised: dt.datetime
    version_revised: int

    def to_json(self) -> dict[str, Any]:
        return {
            "old_post": self.old_post,
            "post": self.post,
            "percent_at_decision": float(self.percent_at_decision),
            "recorded_at_decision": self.recorded_at_decision.isoformat(),
            "version_at_decision": self.version_at_decision,
            "percent_revised": float(self.percent_revised),
            "recorded_revised": self.recorded_revised.isoformat(),
            "version_revised": self.version_revised,
        }

    def reason(self) -> str:
        return (
            f"match from {self.old_post} to {self.post} was "
            f"{percent_text(self.percent_at_decision)} when decided (recorded "
            f"{self.recorded_at_decision.date().isoformat()}, version "
            f"{self.version_at_decision}), revised to {percent_text(self.percent_revised)} "
            f"after the decision (recorded {self.recorded_revised.date().isoformat()}, "
            f"version {self.version_revised}): review"
        )


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
    revised: Revision | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
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
        if self.revised is not None:
            out["revised"] = self.revised.to_json()
        return out


class _Replay:
    """The state folded from a growing prefix of the log, at a moving effective date."""

    def __init__(self, known_posts: set[str]) -> None:
        self.known_posts = known_posts
        self.prefix: list[Logged] = []
        self.state = OrgState(set(known_posts))
        self.horizon = ev.UNDATED
        #: events added but not folded yet, from ``head`` on; in (effective, version)
        #: order unless ``unsorted``
        self.pending: list[tuple[dt.date, int, ev.Event]] = []
        self.head = 0
        self.unsorted = False
        self.dirty = False
        self.rebuilds = 0
        #: the neighbourhoods of decisions (matches are added by the caller, as recorded)
        self.index = ScopeIndex()
        self._bodies: dict[str, str] | None = None
        self._policy: tuple[dict[str, Any], Policy] | None = None

    def add(self, item: Logged) -> None:
        self.prefix.append(item)
        if self.dirty:
            return
        effective = item.event.effective
        if effective < self.horizon:
            self.dirty = True  # it sorts before what is folded: rebuild when next asked
            return
        pending = self.pending
        if pending and effective < pending[-1][0]:
            self.unsorted = True  # recorded after, effective before: sort when next asked
        pending.append((effective, item.version, item.event))

    def state_at(self, at: dt.date) -> OrgState:
        """The fold of every event added so far that is effective on or before ``at``."""
        if self.dirty or at < self.horizon:
            self._rebuild(at)
            return self.state
        if self.unsorted:  # (effective, version): the timeline's order; nearly sorted
            self.pending = sorted(self.pending[self.head :])
            self.head, self.unsorted = 0, False
        pending, head, end = self.pending, self.head, len(self.pending)
        state, index = self.state, self.index
        apply, holders = state.apply, state.holders
        version = 0
        try:
            while head < end and pending[head][0] <= at:
                _effective, version, event = pending[head]
                head += 1
                kind = type(event)
                if kind is ev.PostDeleted:
                    assert isinstance(event, ev.PostDeleted)
                    held = list(holders.get(event.post, ()))
                    apply(event, version)
                    index.post_deleted(event.post, held)
                    continue
                if kind in _UNIT_EVENTS:
                    self._bodies = None
                apply(event, version)
        except DomainError as error:  # as timeline.fold words it
            raise ReplayError(str(error), version) from None
        finally:
            self.head = head
        if head > 4096 and head * 2 > end:  # drop what is folded, now and then
            del pending[:head]
            self.head = 0
        self.horizon = at
        return self.state

    @property
    def bodies(self) -> dict[str, str]:
        """External bodies of the state (SPEC 6: TUPE), kept until a unit changes."""
        if self._bodies is None:
            self._bodies = external_bodies(self.state)
        return self._bodies

    def policy(self) -> Policy:
        """The policy in force in the state (resolved again only when it changes)."""
        stored = self.state.policy
        if self._policy is None or self._policy[0] is not stored:
            self._policy = (stored, policy_of(self.state))
        return self._policy[1]

    def _rebuild(self, at: dt.date) -> None:
        self.rebuilds += 1
        self.state = OrgState(set(self.known_posts))
        now = [i for i in self.prefix if i.event.effective <= at]
        now.sort(key=timeline_key)
        fold(self.state, now)
        self.pending = sorted(
            (i.event.effective, i.version, i.event) for i in self.prefix if i.event.effective > at
        )
        self.head, self.unsorted = 0, False
        self.horizon = at
        self.dirty = False
        self._bodies = None
        self.index.displaced_from = {}
        for person in self.state.people.values():
            if person.displaced_from is not None:
                self.index.post_deleted(person.displaced_from, [person.id])
        # A person redeployed on trial is not displaced now, but ending the trial puts
        # them back in the displacement of the post deleted under them (ERA 1996 s138(2),
        # orgsim.domain.people_rules): keep that link, or a later refusal would
        # leave them out of every decision's scope.
        for pid, offers in self.state.redeployment.offers.items():
            for offer in offers:
                if offer.from_post is not None:
                    self.index.post_deleted(offer.from_post, [pid])


#: Events that can change which units are external bodies.
_UNIT_EVENTS = frozenset(t for t in ev.EVENT_TYPES.values() if t.__name__.startswith("Unit"))


def audit_branch(branch: BranchLog) -> list[AuditedDecision]:
    """Every slotting decision of the branch with its verdict, in log order."""
    with gc_paused():  # the walk allocates millions of small objects and frees few
        return _audit(branch)[0]


def audit_with_structure(branch: BranchLog) -> tuple[list[AuditedDecision], Structure]:
    """:func:`audit_branch`, and the read model at the branch's latest effective date
    (what the audit's other sections read: offers, interests, protections).

    The walk has folded the log up to its last decision already; folding the rest onto
    that state gives the read model a fresh replay at that date gives, without the second
    and third full folds the audit of a 500,000-event branch used to make (one per
    section). Match assessments, which the walk folds by effective date rather than as
    recorded, are not part of the read model.
    """
    with gc_paused():
        decisions, replay = _audit(branch)
        last = branch.timeline.latest_effective() or dt.date.min  # UNDATED is date.min
        return decisions, Structure.from_state(branch.name, last, replay.state_at(last))


def _audit(branch: BranchLog) -> tuple[list[AuditedDecision], _Replay]:
    log = branch.log
    #: every assessment recorded on the branch, by (old, new), in log order
    assessed: dict[tuple[str, str], list[Logged]] = {}
    known_posts: set[str] = set()
    for item in log:
        kind = type(item.event)
        if kind is ev.JobMatchAssessed:
            e = item.event
            assert isinstance(e, ev.JobMatchAssessed)
            assessed.setdefault((e.old, e.new), []).append(item)
        elif kind is ev.PostCreated:
            assert isinstance(item.event, ev.PostCreated)
            known_posts.add(item.event.post)
    inherited = len(branch.inherited)
    replay = _Replay(known_posts)
    #: the assessments recorded so far, whatever their effective dates (SPEC 5)
    recorded: dict[tuple[str, str], Match] = {}
    out: list[AuditedDecision] = []
    for item in log:
        event = item.event
        if type(event) is ev.PersonSlotted:
            assert isinstance(event, ev.PersonSlotted)
            state = replay.state_at(event.effective)
            out.append(_judge(replay, state, recorded, assessed, item, event, inherited))
        elif type(event) is ev.JobMatchAssessed:
            assert isinstance(event, ev.JobMatchAssessed)
            recorded[(event.old, event.new)] = Match.from_event(event, item.version, event.recorded)
            replay.index.match_recorded(event.old, event.new)
        replay.add(item)
    return out, replay


def _judge(
    replay: _Replay,
    state: OrgState,
    recorded: dict[tuple[str, str], Match],
    assessed: dict[tuple[str, str], list[Logged]],
    item: Logged,
    event: ev.PersonSlotted,
    inherited: int,
) -> AuditedDecision:
    policy = replay.policy()
    # matches count from when they are recorded, whatever their effective dates; only
    # the decision's neighbourhood of the scope can bear on it (see scope_around)
    candidates, vacancies, matches = scope_around(
        state, replay.index, replay.bodies, recorded, policy, event.person, event.post
    )
    verdict = check_decision(
        candidates, vacancies, matches, policy, event.person, event.post, grades=state.grades
    )
    reasons = list(verdict.reasons)
    compliant = verdict.compliant
    person = state.people.get(event.person)
    old_post = person.displaced_from if person is not None else None
    revised: Revision | None = None
    if old_post is not None:
        key = (old_post, event.post)
        used = recorded.get(key)
        later = [i for i in assessed.get(key, ()) if i.version > item.version]
        if used is None and later:
            compliant = False
            reasons.append(
                f"relied on a match assessment recorded after the decision "
                f"(version {later[0].version}, decision version {item.version})"
            )
        elif used is not None and later:
            revised = _revision(used, later)
    if not compliant:
        result = VIOLATION
    elif revised is not None:
        result = BASIS_REVISED
        reasons.append(revised.reason())
    else:
        result = COMPLIANT
    return AuditedDecision(
        item.version,
        event.person,
        event.post,
        event.effective.isoformat(),
        event.by_engine,
        event.basis,
        result,
        reasons,
        item.version <= inherited,
        revised,
    )


def _revision(used: Match, later: list[Logged]) -> Revision | None:
    """The latest later assessment of the pair, when its figure differs."""
    last = later[-1].event
    assert isinstance(last, ev.JobMatchAssessed)
    if last.percent == used.percent:
        return None
    return Revision(
        used.old,
        used.new,
        used.percent,
        used.recorded,
        used.version,
        last.percent,
        last.recorded,
        later[-1].version,
    )
