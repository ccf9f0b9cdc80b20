"""Checking checkpoints for ``verify`` (see :mod:`orgsim.store.checkpoints`).

Fold the branch's log once, and at each bound checkpoint compare its zones, clocks and
state with the fresh fold — and the snapshot's, in the same pass. Taking them is
:mod:`orgsim.store.checkpoint_upkeep`'s.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from orgsim.domain import events as ev
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, Timeline, fold, in_timeline_order
from orgsim.store import bulk
from orgsim.store import checkpoints as cp
from orgsim.store.checkpoint_upkeep import _listed, _parts
from orgsim.store.recorder import Store
from orgsim.store.state_text import ENCODE, dump_text

if TYPE_CHECKING:
    from orgsim.store.branches import BranchLog


def check(
    store: Store,
    name: str,
    load: Callable[[str], BranchLog],
    also: tuple[int, Callable[[bytes], str | None]] | None = None,
) -> str | None:
    """``verify``'s question for every bound checkpoint of ``name``: do its state and
    its zones equal a fresh fold and summary of the log it claims? The first problem in
    one line, or None (also when it has none: unbound ones are stale, never used).
    ``also``: a version and a check of the state folded up to it (the snapshot's), given
    the text of its dump (:func:`state_text`), made in the same pass so the log is
    folded once, and the state dumped once when a checkpoint has the same version."""
    own = cp.metas(store, name)
    stored: list[cp.Meta] = []
    if own:
        registry = store.branches()
        lineage = cp._lineage(registry, name)
        forks = {b: load(b).fork_length for b in lineage if cp._is_date_fork(registry[b])}
        try:
            pieces = cp._context(store, name, forks)[0]
            chains: dict[tuple[str, int], str | None] = {}
            stored = [m for m in own if cp._bound(store, m, pieces, chains)]
        except cp._Unusable:
            stored = []
        for meta in stored:
            if dict(meta.forks) != forks:
                return f"its checkpoint at version {meta.version} misstates its forks (edited?)"
    if not stored and also is None:
        return None
    log = load(name).log
    stops: dict[int, list[cp.Meta | None]] = {}
    for meta in stored:
        stops.setdefault(meta.version, []).append(meta)
    if also is not None:
        stops.setdefault(also[0], []).append(None)
    states = _States(store, cp.state_stream(name))
    try:
        return _fold_and_compare(store, name, log, stops, also, states)
    finally:
        states.close()


def _fold_and_compare(
    store: Store,
    name: str,
    log: Sequence[Logged],
    stops: dict[int, list[cp.Meta | None]],
    also: tuple[int, Callable[[bytes], str | None]] | None,
    states: _States,
) -> str | None:
    """Fold ``log`` once, comparing each stop's checkpoint (None: ``also``) on the way."""
    state = OrgState()
    matches: dict[tuple[str, str], Match] = {}
    folded: int = 0
    horizon: dt.date | None = None
    recorded: dt.datetime | None = None
    for version in sorted(stops):
        if version > len(log):
            return f"its checkpoint at version {version} claims events the branch lacks"
        part = log[folded:version]
        dated = [i.event.effective for i in part if i.event.effective != ev.UNDATED]
        if horizon is not None and dated and min(dated) < horizon:
            state = Timeline(log[:version]).state_at()
        else:
            fold(state, in_timeline_order(part))
        for item in part:
            if type(item.event) is ev.JobMatchAssessed:
                e = item.event
                matches[(e.old, e.new)] = Match.from_event(e, item.version, e.recorded)
        if dated and (horizon is None or max(dated) > horizon):
            horizon = max(dated)
        folded = version
        latest = max(i.event.recorded for i in part) if part else None
        if latest is not None and (recorded is None or latest > recorded):
            recorded = latest
        text: list[bytes] = []  # the state's text, made once for every stop at this version
        for stop in stops[version]:
            if stop is None:
                assert also is not None
                problem = also[1](_text(state, text))
            else:
                problem = _check_one(
                    store, name, log, stop, (horizon, recorded), state, matches, text, states
                )
            if problem is not None:
                return problem
    return None


def _text(state: OrgState, made: list[bytes]) -> bytes:
    if not made:
        made.append(dump_text(state))
    return made[0]


def _check_one(
    store: Store,
    name: str,
    log: Sequence[Logged],
    meta: cp.Meta,
    clocks: tuple[dt.date | None, dt.datetime | None],
    state: OrgState,
    matches: dict[tuple[str, str], Match],
    text: list[bytes],
    states: _States,
) -> str | None:
    """One checkpoint against the fresh fold of the log up to its version (``text``:
    the state's, if already made; ``states``: where its stored state is read)."""
    version = meta.version
    if meta.zone is None or meta.zone.last != version or meta.zone.first >= version:
        return f"its checkpoint at version {version} misdescribes its events (edited?)"
    first = meta.zone.first
    parts = _parts(log[first:version], first, version)
    if (
        _whole(parts) != meta.zone
        or list(meta.parts) != parts
        or (meta.horizon, meta.max_recorded) != clocks
    ):
        return f"its checkpoint at version {version} misdescribes its events (edited?)"
    row = states.first_from(meta.position)
    # the body's text as the upkeep writes it (its state encoded apart)
    expected = b"".join(
        (
            b'{"version":%d,"state":' % version,
            _text(state, text),
            b',"matches":',
            ENCODE(_listed(matches)).encode("utf-8"),
            b"}",
        )
    )
    # as written, byte for byte; else (written another way) equal as JSON
    if row is None or (row != expected and _parsed(row) != json.loads(expected)):
        return (
            f"its checkpoint at version {version} does not match its events (edited?): "
            "delete it; until then it is trusted by show"
        )
    return None


def _whole(parts: Sequence[cp.Zone]) -> cp.Zone:
    """The zone of the whole stretch ``parts`` cut (consecutive, not empty): what
    :func:`~orgsim.store.checkpoints.summarise` gives for it, without a second pass over
    its events — least, greatest and count compose over the parts."""
    dated = [p.min_dated for p in parts if p.min_dated is not None]
    latest = [p.max_dated for p in parts if p.max_dated is not None]
    return cp.Zone(
        parts[0].first,
        parts[-1].last,
        min(p.min_effective for p in parts),
        min(dated) if dated else None,
        max(latest) if latest else None,
        min(p.min_recorded for p in parts),
        max(p.max_recorded for p in parts),
        sum(p.matches for p in parts),
    )


def _parsed(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None


class _States:
    """The checkpoints' stored states, for positions asked in rising order, read from
    one query stepped through (:func:`~orgsim.store.bulk.stream_states`: one query per
    row read several states for each, 1.15 s of CPU at 500,000 events against 0.25 s).
    Each is the row :func:`~orgsim.store.checkpoints._rows` finds for a position, the
    first at or after it (None: none, or undecryptable); a position behind the last one
    asked, another backend, or a read that fails, goes to that one-row query instead."""

    def __init__(self, store: Store, stream: UUID) -> None:
        self.store = store
        self.stream = stream
        self._rows: Iterator[tuple[int, Any]] | None = None
        self._asked = 0  # the last position asked of the stream
        self._next: tuple[int, Any] | None = None  # the first row not yet passed

    def first_from(self, position: int) -> Any:
        found = self._streamed(position)
        if found is not None:
            return self._state(found[1])
        rows = cp._raw_rows(self.store, self.stream, position - 1, limit=1)
        return self._state(rows[0].state) if rows else None

    def _streamed(self, position: int) -> tuple[int, Any] | None:
        """The row from the stream, or None to ask the one-row query (None is also what
        the stream gives when it holds no such row: that query then says so)."""
        recorder = self.store.snapshot_recorder()
        if recorder is None or position < self._asked:
            return None
        try:
            if self._rows is None:
                self._rows = bulk.stream_states(recorder, self.stream, position - 1)
            self._asked = position
            while self._next is None or self._next[0] < position:
                self._next = next(self._rows, None)
                if self._next is None:
                    self.close()
                    return None
            return self._next
        except Exception:  # the one-row query reads it, or reports it as before
            self.close()
            return None

    def close(self) -> None:
        """End the stream's read transaction (nothing more is streamed after this)."""
        rows, self._rows, self._next = self._rows, None, None
        self._asked = 1 << 62  # every later position goes to the one-row query
        if isinstance(rows, Generator):
            rows.close()

    def _state(self, state: Any) -> Any:
        try:
            if self.store.mapper.cipher is not None:
                state = self.store.mapper.cipher.decrypt(state)
            return state
        except Exception:  # as checkpoints._rows: an unreadable row is no checkpoint
            return None
