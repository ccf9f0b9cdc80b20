"""Applying a scenario script to a branch: steps become events, all or nothing.

The runner translates every step into events, then folds the branch's whole timeline
with them to check every invariant at every effective date (a step may take effect
before an earlier-recorded change and break it). Only when everything holds are the
events written, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Logged, ReplayError, Timeline
from orgsim.scenario import parse as sc
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.recorder import REGISTRY_ID, BranchRegistered, Store, StreamWrite, branch_stream


class RunError(ValueError):
    """The script cannot be applied; one line naming file, line and step."""


@dataclass
class RunReport:
    branch: str
    created: bool
    parent: str | None
    events: list[ev.Event]
    steps: int
    version: int
    dry_run: bool
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for event in self.events:
            out[type(event).__name__] = out.get(type(event).__name__, 0) + 1
        return dict(sorted(out.items()))


@dataclass
class _Pending:
    """New events with the step each came from (None for header events)."""

    events: list[ev.Event] = field(default_factory=list)
    steps: list[sc.ParsedStep | None] = field(default_factory=list)

    def add(self, step: sc.ParsedStep | None, *events: ev.Event) -> None:
        self.events.extend(events)
        self.steps.extend([step] * len(events))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ScenarioRunner:
    """Runs one parsed script against a store."""

    def __init__(
        self,
        store: Store,
        script: sc.Scenario,
        *,
        now: dt.datetime | None = None,
        actor: str | None = None,
    ) -> None:
        self.store = store
        self.script = script
        self.reader = BranchReader(store)
        self.recorded = now or _now()
        self.actor = actor or script.actor
        self.pending = _Pending()
        self.warnings: list[str] = []

    # --- helpers -------------------------------------------------------------------

    def fail(
        self, message: str, step: sc.ParsedStep | None = None, line: int | None = None
    ) -> RunError:
        if step is not None:
            return RunError(f"{step.where(self.script.file)}: {message}")
        return RunError(f"{self.script.file}:{line or 1}: {message}")

    def _meta(self, step: sc.Step, effective: dt.date) -> dict:
        return {
            "effective": effective,
            "recorded": self.recorded,
            "reason": step.reason,
            "source": step.source,
            "actor": step.actor or self.actor,
        }

    # --- the run -------------------------------------------------------------------

    def prepare(self) -> tuple[BranchLog, bool]:
        script = self.script
        if self.reader.exists(script.scenario):
            if script.based_on is not None:
                raise self.fail(
                    f"branch {script.scenario!r} already exists; omit 'based_on' to append to it"
                )
            if script.fork_at is not None:
                raise self.fail(
                    f"branch {script.scenario!r} already exists; 'fork_at' only applies "
                    "when a branch is created"
                )
            return self.reader.load(script.scenario), False
        if script.based_on is None:
            if script.fork_at is not None:
                raise self.fail("fork_at: a fork point needs 'based_on' (the branch to fork from)")
            info = BranchRegistered(name=script.scenario, created=self.recorded, actor=self.actor)
            return BranchLog(info, [], []), True
        if not self.reader.exists(script.based_on):
            raise self.fail(
                f"based_on: unknown branch {script.based_on!r}"
                f" (branches: {', '.join(sorted(self.reader.registry)) or 'none yet'})"
            )
        parent = self.reader.load(script.based_on)
        fork_at = script.fork_at
        fork_version, fork_date = parent.version, None
        if isinstance(fork_at, int) and not isinstance(fork_at, bool):
            if fork_at > parent.version:
                raise self.fail(
                    f"fork_at: version {fork_at} is past the end of "
                    f"{script.based_on!r} (version {parent.version})"
                )
            fork_version = fork_at
        elif isinstance(fork_at, dt.date):
            fork_date = fork_at
        info = BranchRegistered(
            name=script.scenario,
            parent=script.based_on,
            fork_version=fork_version,
            fork_date=fork_date,
            created=self.recorded,
            actor=self.actor,
        )
        inherited = parent.log[:fork_version]
        if fork_date is not None:
            inherited = [i for i in inherited if i.event.effective <= fork_date]
        inherited = [Logged(n, i.event) for n, i in enumerate(inherited, start=1)]
        return BranchLog(info, inherited, []), True

    def run(self, dry_run: bool = False) -> RunReport:
        branch, created = self.prepare()
        base = branch.timeline
        self._header_events(branch, base, created)
        for step in self.script.steps:
            effective = step.body.effective or self.script.effective
            if effective is None and not isinstance(step.body, (sc.Consult, sc.Decide)):
                raise self.fail(
                    "no effective date: give 'effective:' at the top of the script or on the step",
                    step,
                )
            translate = _TRANSLATORS[type(step.body)]
            events = translate(self, step, effective, base)
            for event in events:
                if branch.fork_date is not None and ev.UNDATED < event.effective < branch.fork_date:
                    raise self.fail(
                        f"effective date {event.effective} is before the branch's "
                        f"fork date {branch.fork_date}",
                        step,
                    )
            self.pending.add(step, *events)
        timeline, state = self._validate(base)
        report = RunReport(
            branch.name,
            created,
            branch.info.parent,
            list(self.pending.events),
            len(self.script.steps),
            branch.version + len(self.pending.events),
            dry_run,
            self.warnings,
        )
        if not dry_run:
            self._write(branch, created)
            _snapshot(self.store, branch, timeline, state, len(self.pending.events))
        return report

    def _header_events(self, branch: BranchLog, base: Timeline, created: bool) -> None:
        script = self.script
        state: OrgState | None = None
        if script.grades is not None:
            state = base.state_at()
            if branch.inherited or (
                not created and state.grades is not None and state.grades != script.grades
            ):
                raise self.fail(
                    "grades: a grade scheme is set only when a new organisation is created"
                )
            if state.grades != script.grades:
                self.pending.add(
                    None,
                    ev.GradeSchemeDefined(
                        effective=ev.UNDATED,
                        recorded=self.recorded,
                        actor=self.actor,
                        grades=list(script.grades),
                        pay_ranges=dict(script.pay_ranges),
                    ),
                )
        if script.policy is not None:
            from orgsim.domain.slotting.scope import resolve_policy_or_error

            try:
                policy = resolve_policy_or_error(script.policy)
            except ValueError as error:
                raise self.fail(f"policy: {error}") from None
            state = state or base.state_at()
            if state.policy != policy:
                self.pending.add(
                    None,
                    ev.PolicySet(
                        effective=ev.UNDATED,
                        recorded=self.recorded,
                        actor=self.actor,
                        policy=policy,
                    ),
                )

    def timeline_with_pending(self, base: Timeline) -> Timeline:
        return base.with_appended(self.pending.events)

    def _validate(self, base: Timeline) -> tuple[Timeline, OrgState]:
        timeline = self.timeline_with_pending(base)
        try:
            return timeline, timeline.state_at()
        except ReplayError as error:
            raise self._blame(base, timeline, error) from None

    def _blame(self, base: Timeline, timeline: Timeline, error: ReplayError) -> RunError:
        first_new = base.version + 1
        if error.version >= first_new:
            step = self.pending.steps[error.version - first_new]
            if step is None:
                return self.fail(str(error))
            return self.fail(str(error), step)
        # An earlier-recorded event no longer holds: blame the last new event before it.
        failing = next(i for i in timeline.log if i.version == error.version)
        key = (failing.event.effective, failing.version)
        culprit = None
        for item in timeline.ordered:
            if (item.event.effective, item.version) >= key:
                break
            if item.version >= first_new:
                culprit = self.pending.steps[item.version - first_new]
        message = (
            f"breaks an existing event (version {error.version}, "
            f"{type(failing.event).__name__} effective {failing.event.effective}): {error}"
        )
        return self.fail(message, culprit) if culprit is not None else self.fail(message)

    def _write(self, branch: BranchLog, created: bool) -> None:
        writes = []
        if created:
            after, chain = self.store.registry_head()
            writes.append(StreamWrite(REGISTRY_ID, after, chain, [branch.info]))
        writes.append(
            StreamWrite(
                branch_stream(branch.name), branch.own_length, branch.own_chain, self.pending.events
            )
        )
        self.store.write(writes)


def _snapshot(
    store: Store, branch: BranchLog, timeline: Timeline, state: OrgState, added: int
) -> None:
    """Keep the state just folded as a snapshot when the branch has grown enough."""
    from orgsim.store.snapshots import maybe_take

    maybe_take(
        store,
        branch.name,
        timeline.version,
        branch.own_length + added,
        timeline.latest_effective(),
        state,
    )


# --- step translators: step -> events -------------------------------------------------

Translator = Callable[[ScenarioRunner, sc.ParsedStep, dt.date, Timeline], Sequence[ev.Event]]


def _simple(build: Callable[[sc.Step], tuple[type[ev.Event], dict]]) -> Translator:
    def translate(
        runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date, base: Timeline
    ) -> Sequence[ev.Event]:
        cls, fields = build(step.body)
        return [cls(**runner._meta(step.body, effective), **fields)]

    return translate


def _match(
    runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date, base: Timeline
) -> Sequence[ev.Event]:
    body = step.body
    assert isinstance(body, sc.MatchStep)
    known = runner.timeline_with_pending(base).known_posts
    for post in (body.old, body.new):
        if post not in known:
            raise runner.fail(
                f"unknown post {post!r} (a match may name any post the branch "
                "creates, at any date)",
                step,
            )
    return [
        ev.JobMatchAssessed(
            **runner._meta(body, effective),
            old=body.old,
            new=body.new,
            percent=body.percent,
            assessor=body.assessor,
            basis=body.basis,
        )
    ]


def _consult(
    runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date | None, base: Timeline
) -> Sequence[ev.Event]:
    body = step.body
    assert isinstance(body, sc.Consult)
    if body.closes < body.opens:
        raise runner.fail(
            f"the consultation closes ({body.closes}) before it opens ({body.opens})", step
        )
    timeline = runner.timeline_with_pending(base)
    units = {i.event.unit for i in timeline.log if type(i.event) is ev.UnitCreated}
    for item in body.scope:
        if item not in timeline.known_posts and item not in units:
            raise runner.fail(f"scope: unknown post or unit {item!r}", step)
    existing = sum(1 for i in timeline.log if type(i.event) is ev.ConsultationOpened)
    consultation = body.id or f"consultation-{existing + 1}"
    meta = runner._meta(body, body.opens)
    return [
        ev.ConsultationOpened(
            **meta,
            consultation=consultation,
            opens=body.opens,
            closes=body.closes,
            scope=list(body.scope),
        ),
        ev.ConsultationClosed(**{**meta, "effective": body.closes}, consultation=consultation),
    ]


def _decide(
    runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date | None, base: Timeline
) -> Sequence[ev.Event]:
    body = step.body
    assert isinstance(body, sc.Decide)
    return [
        ev.DecisionRecorded(**runner._meta(body, body.on), by=body.by, on=body.on, what=body.what)
    ]


def _slot(
    runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date, base: Timeline
) -> Sequence[ev.Event]:
    from orgsim.domain.slotting.scope import outcome_events, propose

    timeline = runner.timeline_with_pending(base)
    try:
        state = timeline.state_at(effective)
    except ReplayError as error:
        raise runner._blame(base, timeline, error) from None
    result = propose(state)
    return outcome_events(result, state, runner._meta(step.body, effective))


def _slot_person(
    runner: ScenarioRunner, step: sc.ParsedStep, effective: dt.date, base: Timeline
) -> Sequence[ev.Event]:
    from orgsim.domain.slotting.scope import check_by_hand

    body = step.body
    assert isinstance(body, sc.SlotPerson)
    timeline = runner.timeline_with_pending(base)
    try:
        state = timeline.state_at(effective)
    except ReplayError as error:
        raise runner._blame(base, timeline, error) from None
    verdict = check_by_hand(state, body.person, body.post)
    if verdict is not None and not verdict.compliant:
        runner.warnings.append(
            f"{step.where(runner.script.file)}: slotting {body.person} into {body.post} breaks "
            f"the policy: {'; '.join(verdict.reasons)} (recorded as decided)"
        )
    return [
        ev.PersonSlotted(
            **runner._meta(body, effective),
            person=body.person,
            post=body.post,
            basis=body.basis,
            by_engine=False,
            reasons=list(verdict.reasons) if verdict else [],
        )
    ]


_TRANSLATORS: dict[type[sc.Step], Translator] = {
    sc.CreateUnit: _simple(
        lambda s: (ev.UnitCreated, dict(unit=s.id, name=s.name, kind=s.kind, parent=s.parent))
    ),
    sc.RenameUnit: _simple(lambda s: (ev.UnitRenamed, dict(unit=s.id, name=s.name))),
    sc.MoveUnit: _simple(lambda s: (ev.UnitMoved, dict(unit=s.id, parent=s.parent))),
    sc.CloseUnit: _simple(lambda s: (ev.UnitClosed, dict(unit=s.id))),
    sc.TransferUnit: _simple(
        lambda s: (ev.UnitTransferredOut, dict(unit=s.id, to=s.to.id, to_name=s.to.name))
    ),
    sc.CreatePost: _simple(
        lambda s: (
            ev.PostCreated,
            dict(
                post=s.id,
                title=s.title,
                grade=s.grade,
                unit=s.unit,
                reports_to=s.reports_to,
                fte=s.fte,
                accountabilities=[
                    ev.Accountability(text=a.text, weight=a.weight) for a in s.accountabilities
                ],
                cost=s.cost,
            ),
        )
    ),
    sc.RetitlePost: _simple(lambda s: (ev.PostRetitled, dict(post=s.id, title=s.title))),
    sc.RegradePost: _simple(lambda s: (ev.PostRegraded, dict(post=s.id, grade=s.grade))),
    sc.MovePost: _simple(
        lambda s: (ev.PostMoved, dict(post=s.id, unit=s.unit, reports_to=s.reports_to))
    ),
    sc.DeletePost: _simple(lambda s: (ev.PostDeleted, dict(post=s.id))),
    sc.Join: _simple(
        lambda s: (
            ev.PersonJoined,
            dict(person=s.id, name=s.name, grade=s.grade, characteristics=dict(s.characteristics)),
        )
    ),
    sc.Assign: _simple(
        lambda s: (ev.PersonAssigned, dict(person=s.person, post=s.post, fte=s.fte, kind=s.kind))
    ),
    sc.Unassign: _simple(lambda s: (ev.PersonUnassigned, dict(person=s.person, post=s.post))),
    sc.Leave: _simple(lambda s: (ev.PersonLeft, dict(person=s.person, cause=s.cause))),
    sc.MatchStep: _match,
    sc.Slot: _slot,
    sc.SlotPerson: _slot_person,
    sc.Appoint: _simple(
        lambda s: (ev.PersonAppointed, dict(person=s.person, post=s.post, basis=s.basis, fte=s.fte))
    ),
    sc.Consult: _consult,
    sc.Decide: _decide,
}
assert set(_TRANSLATORS) == set(sc.STEP_TYPES.values())


def run_script(
    store: Store,
    script: sc.Scenario,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    actor: str | None = None,
) -> RunReport:
    return ScenarioRunner(store, script, now=now, actor=actor).run(dry_run=dry_run)


def append_events(
    store: Store,
    branch_name: str,
    events: Sequence[ev.Event],
    *,
    create: bool = False,
    actor: str | None = None,
    dry_run: bool = False,
) -> int:
    """Append ready-made events (an importer's) to a branch, all or nothing.

    ``create`` starts a new organisation branch when it does not exist yet. Every
    invariant is checked by folding the whole timeline first; returns the new version.
    """
    reader = BranchReader(store)
    if reader.exists(branch_name):
        branch = reader.load(branch_name)
        created = False
    elif create:
        info = BranchRegistered(name=branch_name, created=_now(), actor=actor)
        branch, created = BranchLog(info, [], []), True
    else:
        reader.info(branch_name)  # raises UnknownBranch with the known names
        raise AssertionError
    for event in events:
        if branch.fork_date is not None and ev.UNDATED < event.effective < branch.fork_date:
            raise RunError(
                f"effective date {event.effective} is before the branch's fork "
                f"date {branch.fork_date}"
            )
    timeline = branch.timeline.with_appended(events)
    try:
        state = timeline.state_at()
    except ReplayError as error:
        index = error.version - branch.version - 1
        what = type(events[index]).__name__ if 0 <= index < len(events) else "an existing event"
        raise RunError(f"{what} (event {error.version}): {error}") from None
    if not dry_run:
        writes = []
        if created:
            after, chain = store.registry_head()
            writes.append(StreamWrite(REGISTRY_ID, after, chain, [branch.info]))
        writes.append(
            StreamWrite(
                branch_stream(branch_name), branch.own_length, branch.own_chain, list(events)
            )
        )
        store.write(writes)
        _snapshot(store, branch, timeline, state, len(events))
    return timeline.version
