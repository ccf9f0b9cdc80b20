"""Running a script on a long branch from its snapshot instead of its whole log.

The runner checks new steps by folding the branch's whole timeline with them. A run of
100 steps on a 50,000-event branch spent nearly all its time reading, decoding and
folding the 50,000 events it was not changing. The snapshot (:mod:`orgsim.store.snapshots`)
holds the fold of the log's first V events; its horizon is the latest date among them.
When every later event — those recorded since the snapshot and the run's own — is dated
on or after that horizon, each of them sorts after every event the snapshot holds
(``(effective, version)`` order: later versions on the same date come after), so the
full fold is the snapshot's fold followed by the rest, event for event. The state is
then the full fold's, and so is the first event that fails, with its message. The
snapshot stands for the fold of its events exactly as ``show`` relies on it: bound to
the chain value of its last event (:func:`orgsim.store.snapshots.latest`), its content
checked by ``verify``.

Whatever only the whole log can answer raises :class:`NeedsFullLog`, and the runner
starts the run again from the whole log — nothing has been written, so the result is the
full path's own: an undated event or one dated before the horizon, a dated state (a
``slot``), the units and consultations a ``consult`` looks up (the state's units also
hold the external units transfers create, which a ``consult`` may not name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from orgsim.domain import events as ev
from orgsim.domain.snapshot import load_state
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Logged, Timeline
from orgsim.scenario.progress import Progress
from orgsim.store.branches import BranchLog
from orgsim.store.bulk import last_position, select_range
from orgsim.store.mapper import MappingError
from orgsim.store.recorder import BranchRegistered, Store, StoreError, branch_stream


class NeedsFullLog(Exception):
    """Only the branch's whole log can answer: run again from it."""


class Resumed(Progress):
    """A :class:`Progress` whose log starts after a snapshot's ``start`` versions: its
    fold starts from the snapshot's state (once: a refold would need the whole log)."""

    def __init__(
        self, state: OrgState, start: int, horizon: dt.date | None, tail: list[Logged]
    ) -> None:
        self.start = start
        self.horizon = horizon
        self._spare: OrgState | None = state
        self._units: set[str] = set()
        self._consultations = 0
        self._check(i.event for i in tail)
        super().__init__(Timeline(tail))
        self.known_posts |= state.known_posts  # every post the snapshot's events create

    @property
    def version(self) -> int:
        return self.log[-1].version if self.log else self.start

    # units and consultations are not known from a snapshot: only the whole log tells
    @property
    def units(self) -> set[str]:
        raise NeedsFullLog("units")

    @units.setter
    def units(self, value: set[str]) -> None:
        self._units = value

    @property
    def consultations(self) -> int:
        raise NeedsFullLog("consultations")

    @consultations.setter
    def consultations(self, value: int) -> None:
        self._consultations = value

    def _note(self, event: ev.Event) -> None:
        pass  # (units and consultations: see above)

    def _check(self, events: Iterable[ev.Event]) -> None:
        horizon = self.horizon
        for event in events:
            if event.effective == ev.UNDATED or (horizon is not None and event.effective < horizon):
                raise NeedsFullLog("an event before the snapshot's horizon")

    def append(self, events: Iterable[ev.Event]) -> None:
        events = list(events)
        self._check(events)
        super().append(events)

    def latest_effective(self) -> dt.date | None:
        mine = super().latest_effective()
        if self.horizon is None or (mine is not None and mine > self.horizon):
            return mine
        return self.horizon

    def state_at(
        self,
        at: dt.date | None = None,
        known_at: dt.datetime | None = None,
        up_to_version: int | None = None,
    ) -> OrgState:
        if at is not None or known_at is not None or up_to_version is not None:
            raise NeedsFullLog("a dated state")
        return super().state_at()

    def _running(self) -> OrgState:
        if self._state is None:
            if self._spare is None:
                raise NeedsFullLog("a refold")
            self._state, self._spare = self._spare, None
            self._folded = 0
        return super()._running()


class ResumedBranch(BranchLog):
    """The branch as :func:`resume` reads it: its registry entry, the events recorded
    after its snapshot (``own``, numbered in the full log) and how many come before."""

    start: int = 0

    @property
    def version(self) -> int:
        return self.start + len(self.own)

    @property
    def fork_length(self) -> int:
        raise NeedsFullLog("the fork length")


def resume(store: Store, info: BranchRegistered) -> tuple[ResumedBranch, Resumed] | None:
    """The branch ``info`` from its newest snapshot and the events after it, or None when
    there is none or it cannot stand for them (see the module's docstring)."""
    from orgsim.store.snapshots import latest, own_chain

    snap = latest(store, info.name)
    recorder = store.recorder
    if snap is None or recorder is None:
        return None
    version, own, horizon, data = snap
    stream = branch_stream(info.name)
    rows = select_range(recorder, stream, own, last_position(recorder, stream))
    chain = own_chain(store, info.name, own)
    if chain is None:
        return None
    if rows:
        try:
            models, chain = store.mapper.to_events(stream, rows, start=own + 1)
        except Exception as error:  # reported as by a full read
            store.check_rows(stream, rows, own + 1)
            if isinstance(error, MappingError):
                raise StoreError(str(error)) from error
            raise
    else:
        models = []
    tail = [Logged(version + n, m) for n, m in enumerate(models, start=1)]
    try:
        so_far = Resumed(load_state(data), version, horizon, tail)
    except (NeedsFullLog, ValueError, KeyError, TypeError):
        return None
    branch = ResumedBranch(info, [], tail, own + len(models), chain)
    branch.start = version
    return branch, so_far
