"""Assembling a branch's full log from its own stream and its ancestors', without copies.

What a fork inherits (SPEC section 4, ``fork_at``) is written once, in
:func:`inherited_part`; the reader, the runner creating a branch and ``verify`` all use it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged, Timeline, gc_paused
from orgsim.store.bulk import Row, iter_rows, select_rows
from orgsim.store.mapper import GENESIS, MappingError
from orgsim.store.recorder import BranchRegistered, Store, StoreError, branch_stream


class UnknownBranch(StoreError):
    pass


def inherited_part(parent_log: Sequence[Logged], info: BranchRegistered) -> list[Logged]:
    """The entries of ``parent_log`` (the parent's full log) that the branch ``info``
    inherits, renumbered 1..k so the branch's own events are numbered from the fork.

    The fork rule: the registry entry's ``fork_version`` N keeps the parent's first N
    entries, whatever their dates (what the parent had recorded when the fork was made;
    the runner records the parent's version for a date fork and for no ``fork_at``). A
    ``fork_date`` then drops the inherited events effective after it. A root branch
    inherits nothing.
    """
    return list(iter_inherited(parent_log, info))


def iter_inherited(parent_log: Iterable[Logged], info: BranchRegistered) -> Iterator[Logged]:
    """:func:`inherited_part` one entry at a time, for streamed reads of long logs."""
    if info.parent is None:
        return
    part: Iterable[Logged] = parent_log
    if info.fork_version is not None:
        part = itertools.islice(part, info.fork_version)
    limit = info.fork_date
    number = 0
    for item in part:
        if limit is None or item.event.effective <= limit:
            number += 1
            yield Logged(number, item.event)


def fork_length(info: BranchRegistered, parent_log: Callable[[str], Iterable[Logged]]) -> int:
    """How many log entries the branch ``info`` inherits, by :func:`inherited_part`.

    A version fork's length is its recorded ``fork_version``, so the parent is read (by
    calling ``parent_log`` with its name) only for a date fork, whose count depends on the
    parent events' dates. ``verify`` relies on the recorded length: a parent that has since
    lost events does not renumber the branch, it is reported as broken.
    """
    if info.parent is None:
        return 0
    if info.fork_date is None and info.fork_version is not None:
        return info.fork_version
    return sum(1 for _ in iter_inherited(parent_log(info.parent), info))


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

    def __init__(self, store: Store, registry: dict[str, BranchRegistered] | None = None) -> None:
        """``registry``: the branches as already read (``verify`` reads them its own way,
        tolerating damaged entries); by default read from the store on first use."""
        self.store = store
        self._registry = registry
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
        with gc_paused():
            return self._load(name)

    def _rows(self, stream: UUID) -> Sequence[Row]:
        """A stream's rows (``verify`` hands over the rows it has just read)."""
        recorder = self.store.recorder
        return select_rows(recorder, stream) if recorder is not None else []

    def _load(self, name: str) -> BranchLog:
        info = self.info(name)
        inherited: list[Logged] = []
        if info.parent is not None:
            inherited = inherited_part(self.load(info.parent).log, info)
        stream = branch_stream(name)
        try:
            rows = self._rows(stream)
        except Exception as error:  # as Store.select reports an unreadable store
            raise StoreError(
                f"cannot read the store {self.store.url}: {error}".splitlines()[0]
            ) from error
        try:
            models, chain = self.store.mapper.to_events(stream, rows)
        except Exception as error:
            # a missing or NULL row is reported as damage (checked only on failure: the
            # decode proves whole, gap-free rows by decoding them)
            self.store.check_rows(stream, rows, 1)
            if isinstance(error, MappingError):
                raise StoreError(str(error)) from error
            raise
        start = len(inherited)
        own = list(map(Logged, range(start + 1, start + len(models) + 1), models))
        branch = BranchLog(info, inherited, own, len(models), chain)
        self._cache[name] = branch
        return branch


def stream_own(store: Store, name: str, after: int = 0) -> Iterator[tuple[int, ev.Event]]:
    """A branch's own events, ``(position, event)`` from ``after + 1``, read in pages:
    constant memory however long the branch."""
    stream = branch_stream(name)
    for rows in iter_rows(store.recorder, stream):
        if rows[-1][0] <= after:
            continue
        rows = [row for row in rows if row[0] > after]
        try:
            models, _chain = store.mapper.to_events(stream, rows, start=rows[0][0])
        except Exception as error:
            store.check_rows(stream, rows, rows[0][0])
            if isinstance(error, MappingError):
                raise StoreError(str(error)) from error
            raise
        yield from zip((row[0] for row in rows), models, strict=True)


def stream_log(store: Store, registry: dict[str, BranchRegistered], name: str) -> Iterator[Logged]:
    """A branch's full log (inherited entries by the fork rule, then its own), streamed:
    the same entries as :attr:`BranchLog.log` without holding them."""
    info = registry[name]
    number = 0
    if info.parent is not None:
        for item in iter_inherited(stream_log(store, registry, info.parent), info):
            number = item.version
            yield item
    for _position, event in stream_own(store, name):
        number += 1
        yield Logged(number, event)


def count_inherited(store: Store, registry: dict[str, BranchRegistered], name: str) -> int:
    """How many entries a branch inherits (:func:`fork_length`), counted while streaming."""
    info = registry[name]
    return fork_length(info, lambda parent: stream_log(store, registry, parent))
