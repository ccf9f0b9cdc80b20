"""Applying a scenario script to a branch: steps become events, all or nothing.

The runner translates every step into events (:mod:`orgsim.scenario.steps`), then folds
the branch's whole timeline with them to check every invariant at every effective date
(a step may take effect before an earlier-recorded change and break it). Only when
everything holds are the events written, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from orgsim.app.caches import keep_snapshot, marks_for
from orgsim.app.fork import ForkRefused, fork
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import ReplayError, Timeline, gc_paused
from orgsim.scenario import parse as sc
from orgsim.scenario.progress import Progress, fold_marked
from orgsim.scenario.resume import NeedsFullLog, resume
from orgsim.scenario.steps import Context, StepFailed, translate
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
        self._created = False
        self._first_new = 1

    # --- helpers -------------------------------------------------------------------

    def fail(
        self, message: str, step: sc.ParsedStep | None = None, line: int | None = None
    ) -> RunError:
        if self.new_organisation and any(
            f"unknown {what} " in message for what in ("post", "unit", "person")
        ):
            message += (
                " (this script has no 'based_on:', so it starts a new organisation; "
                "add 'based_on: BRANCH' to change an existing branch)"
            )
        if step is not None:
            return RunError(f"{step.where(self.script.file)}: {message}")
        return RunError(f"{self.script.file}:{line or 1}: {message}")

    @property
    def new_organisation(self) -> bool:
        """The script starts a new organisation (no ``based_on``, no existing branch)."""
        return self.script.based_on is None and self._created

    # --- the run -------------------------------------------------------------------

    def prepare(self) -> tuple[BranchLog, bool]:
        script = self.script
        if self.reader.exists(script.scenario):
            if script.based_on is not None:
                raise self.fail(
                    f"branch {script.scenario!r} already exists; omit 'based_on' to append to it",
                    line=script.line_of("based_on"),
                )
            if script.fork_at is not None:
                raise self.fail(
                    f"branch {script.scenario!r} already exists; 'fork_at' only applies "
                    "when a branch is created",
                    line=script.line_of("fork_at"),
                )
            return self.reader.load(script.scenario), False
        if script.based_on is None:
            if script.fork_at is not None:
                raise self.fail(
                    "fork_at: a fork point needs 'based_on' (the branch to fork from)",
                    line=script.line_of("fork_at"),
                )
            info = BranchRegistered(name=script.scenario, created=self.recorded, actor=self.actor)
            return BranchLog(info, [], []), True
        if not self.reader.exists(script.based_on):
            raise self.fail(
                f"based_on: unknown branch {script.based_on!r}"
                f" (branches: {', '.join(sorted(self.reader.registry)) or 'none yet'})",
                line=script.line_of("based_on"),
            )
        parent = self.reader.load(script.based_on)
        try:
            return fork(parent, script, created=self.recorded, actor=self.actor), True
        except ForkRefused as error:
            raise self.fail(str(error), line=script.line_of("fork_at")) from None

    def run(self, dry_run: bool = False, allow_empty: bool = False) -> RunReport:
        # Every step's events stay alive until the write: collecting in between would walk
        # them all again and again (a 100,000-step script spent half its time there).
        with gc_paused():
            return self._run(dry_run, allow_empty)

    def _run(self, dry_run: bool, allow_empty: bool) -> RunReport:
        resumed = self._resume()
        if resumed is not None:
            try:
                branch, so_far = resumed  # (no header: the base is never looked up)
                return self._apply(branch, so_far, so_far, False, dry_run, allow_empty)
            except NeedsFullLog:  # nothing written: the run again, from the whole log
                self.pending = _Pending()
                self.warnings.clear()
        branch, created = self.prepare()
        self._created = created and branch.info.parent is None
        so_far = Progress(branch.timeline)
        if not dry_run:
            so_far.marks = marks_for(self.store, self.reader, branch)
        return self._apply(branch, branch.timeline, so_far, created, dry_run, allow_empty)

    def _resume(self) -> tuple[BranchLog, Progress] | None:
        """An existing branch from its snapshot, when the script cannot need more (no
        header to check against the whole log); see :mod:`orgsim.scenario.resume`."""
        script = self.script
        if (
            script.based_on is not None
            or script.fork_at is not None
            or script.grades is not None
            or script.policy is not None
            or not self.reader.exists(script.scenario)
        ):
            return None
        return resume(self.store, self.reader.info(script.scenario))

    def _apply(
        self,
        branch: BranchLog,
        base: Timeline,
        so_far: Progress,
        created: bool,
        dry_run: bool,
        allow_empty: bool,
    ) -> RunReport:
        self._first_new = base.version + 1
        self._header_events(branch, base, created)
        if not self.script.steps and not allow_empty:
            raise self.fail(
                "the script has no steps, so it would change nothing "
                "(run it with --allow-empty to record just its branch, grades and policy)",
                line=self.script.line_of("steps"),
            )
        so_far.append(self.pending.events)
        for step in self.script.steps:
            context = Context(
                self.script.effective,
                self.recorded,
                self.actor,
                so_far,
                step.where(self.script.file),
                self.warnings,
            )
            try:
                events = translate(step.body, context)
            except StepFailed as error:
                # an earlier step may already be wrong (found only when folded): that first
                self._validate(so_far)
                raise self.fail(str(error), step) from None
            except ReplayError as error:
                raise self._blame(so_far, error) from None
            for event in events:
                if branch.fork_date is not None and ev.UNDATED < event.effective < branch.fork_date:
                    raise self.fail(
                        f"effective date {event.effective} is before the branch's "
                        f"fork date {branch.fork_date}",
                        step,
                    )
            self.pending.add(step, *events)
            so_far.append(events)
        state = self._validate(so_far)
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
            marks = so_far.marks.states if so_far.marks is not None else None
            keep_snapshot(self.store, branch, so_far, state, len(self.pending.events), marks)
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
                    "grades: a grade scheme is set only when a new organisation is created",
                    line=script.line_of("grades"),
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
                raise self.fail(f"policy: {error}", line=script.line_of("policy")) from None
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

    def _validate(self, timeline: Timeline) -> OrgState:
        """Fold everything, base and new events, to the end (raises RunError)."""
        try:
            return timeline.state_at()
        except ReplayError as error:
            raise self._blame(timeline, error) from None

    def _blame(self, timeline: Timeline, error: ReplayError) -> RunError:
        first_new = self._first_new
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
        writes: list[StreamWrite] = []
        if created:
            after, chain = self.store.registry_head()
            writes.append(StreamWrite(REGISTRY_ID, after, chain, [branch.info]))
        writes.append(
            StreamWrite(
                branch_stream(branch.name), branch.own_length, branch.own_chain, self.pending.events
            )
        )
        self.store.write(writes)


def run_script(
    store: Store,
    script: sc.Scenario,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    actor: str | None = None,
    allow_empty: bool = False,
) -> RunReport:
    return ScenarioRunner(store, script, now=now, actor=actor).run(
        dry_run=dry_run, allow_empty=allow_empty
    )


def append_events(
    store: Store,
    branch_name: str,
    events: Sequence[ev.Event],
    *,
    create: bool = False,
    actor: str | None = None,
    dry_run: bool = False,
    loaded: BranchLog | None = None,
) -> int:
    """Append ready-made events (an importer's) to a branch, all or nothing.

    ``create`` starts a new organisation branch when it does not exist yet. Every
    invariant is checked by folding the whole timeline first; returns the new version.
    ``loaded`` is the branch as the caller just read it (saves reading it twice; the
    store's optimistic write still refuses it if another writer got there first).
    """
    with gc_paused():  # the events, the fold and the rows all stay alive until the end
        return _append_events(store, branch_name, events, create, actor, dry_run, loaded)


def _append_events(
    store: Store,
    branch_name: str,
    events: Sequence[ev.Event],
    create: bool,
    actor: str | None,
    dry_run: bool,
    loaded: BranchLog | None,
) -> int:
    reader = BranchReader(store)
    if loaded is not None:
        branch, created = loaded, False
    elif reader.exists(branch_name):
        branch = reader.load(branch_name)
        created = False
    elif create:
        info = BranchRegistered(name=branch_name, created=_now(), actor=actor)
        branch, created = BranchLog(info, [], []), True
    else:
        reader.info(branch_name)  # raises UnknownBranch with the known names
        raise AssertionError
    fork_date = branch.fork_date  # (a property: not looked up again for every event)
    early = [e.effective for e in events if fork_date and ev.UNDATED < e.effective < fork_date]
    if early:
        raise RunError(f"effective date {early[0]} is before the branch's fork date {fork_date}")
    timeline = branch.timeline.with_appended(events)
    marks = None if dry_run else marks_for(store, reader, branch)
    try:
        state = timeline.state_at() if marks is None else fold_marked(timeline, marks)
    except ReplayError as error:
        index = error.version - branch.version - 1
        what = type(events[index]).__name__ if 0 <= index < len(events) else "an existing event"
        raise RunError(f"{what} (event {error.version}): {error}") from None
    if not dry_run:
        writes: list[StreamWrite] = []
        if created:
            after, chain = store.registry_head()
            writes.append(StreamWrite(REGISTRY_ID, after, chain, [branch.info]))
        writes.append(
            StreamWrite(
                branch_stream(branch_name), branch.own_length, branch.own_chain, list(events)
            )
        )
        store.write(writes)
        keep_snapshot(store, branch, timeline, state, len(events), marks.states if marks else None)
    return timeline.version
