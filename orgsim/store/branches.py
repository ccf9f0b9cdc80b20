"""Assembling a branch's full log from its own stream and its ancestors', without copies.

A branch forked at version N inherits the parent's first N log entries; forked at a date,
it inherits what the parent had recorded when the fork was made, less the events
effective after the fork date. Positions in the full log are renumbered 1..k for the
inherited part, so the branch's own events are numbered from the fork.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged, Timeline
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import BranchRegistered, Store, StoreError


class UnknownBranch(StoreError):
    pass


@dataclass
class BranchLog:
    """One branch: its registry entry, its inherited log and its own events."""

    info: BranchRegistered
    inherited: list[Logged]
    own: list[Logged]
    own_length: int = 0
    own_chain: str = GENESIS
    _timeline: Timeline | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def fork_length(self) -> int:
        return len(self.inherited)

    @property
    def version(self) -> int:
        return len(self.inherited) + len(self.own)

    @property
    def log(self) -> list[Logged]:
        return [*self.inherited, *self.own]

    @property
    def timeline(self) -> Timeline:
        if self._timeline is None:
            self._timeline = Timeline(self.log)
        return self._timeline

    @property
    def fork_date(self) -> dt.date | None:
        return self.info.fork_date


class BranchReader:
    """Reads branches from a store, each stream once per command."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._registry: dict[str, BranchRegistered] | None = None
        self._cache: dict[str, BranchLog] = {}

    @property
    def registry(self) -> dict[str, BranchRegistered]:
        if self._registry is None:
            self._registry = self.store.branches()
        return self._registry

    def exists(self, name: str) -> bool:
        return name in self.registry

    def info(self, name: str) -> BranchRegistered:
        try:
            return self.registry[name]
        except KeyError:
            known = ", ".join(sorted(self.registry)) or "none yet"
            raise UnknownBranch(f"unknown branch {name!r} (branches: {known})") from None

    def load(self, name: str) -> BranchLog:
        if name in self._cache:
            return self._cache[name]
        info = self.info(name)
        inherited: list[Logged] = []
        if info.parent is not None:
            parent = self.load(info.parent).log
            if info.fork_version is not None:
                parent = parent[: info.fork_version]
            if info.fork_date is not None:
                limit = info.fork_date
                parent = [i for i in parent if i.event.effective <= limit]
            inherited = [Logged(n, item.event) for n, item in enumerate(parent, start=1)]
        decoded = self.store.own_events(name)
        start = len(inherited)
        own = []
        for n, row in enumerate(decoded, start=1):
            assert isinstance(row.model, ev.Event)
            own.append(Logged(start + n, row.model))
        branch = BranchLog(
            info, inherited, own, len(decoded), decoded[-1].chain if decoded else GENESIS
        )
        self._cache[name] = branch
        return branch
