"""Taking and checking checkpoints (see :mod:`orgsim.store.checkpoints`).

Taking: after a snapshot, fold on from the newest checkpoint a branch has (or an
ancestor's it may use) and store one at every multiple of the spacing, one stretch of
log read at a time. Checking (``verify``): fold the branch's log once, and at each bound
checkpoint compare its zones, clocks and state with the fresh fold — and the snapshot's,
in the same pass.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent

from orgsim.domain import events as ev
from orgsim.domain.snapshot import dump_state
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, Timeline, fold, gc_paused
from orgsim.store import checkpoints as cp
from orgsim.store.recorder import Store

if TYPE_CHECKING:
    from orgsim.store.branches import BranchLog


def extend(store: Store, name: str, every: int | None = None, length: int | None = None) -> int:
    """Store a checkpoint at every multiple of ``every`` versions of ``name``'s log not
    yet covered, folding on from the newest checkpoint it has (or an ancestor's).
    Reads one stretch at a time (the whole log only when a stretch was inherited by a
    date fork, or a late change predates what is folded). Returns how many it stored."""
    every = every or cp.EVERY
    recorder = store.snapshot_recorder()
    if recorder is None or store.recorder is None:
        return 0
    if length is not None and length < every:
        return 0  # (``length``: the log's, when known) too short for any
    try:
        with gc_paused():
            return _extend(store, name, every)
    except cp._Unusable:
        return 0


def _extend(store: Store, name: str, every: int) -> int:
    from orgsim.store.branches import BranchReader

    reader = BranchReader(store)
    try:
        pieces, candidates, _zones, forks = cp._context(store, name)
    except cp._Unusable:  # a date fork none of whose checkpoints tell what it inherited
        registry = reader.registry
        forks = {
            b: reader.load(b).fork_length
            for b in cp._lineage(registry, name)
            if cp._is_date_fork(registry[b])
        }
        pieces, candidates, _zones, forks = cp._context(store, name, forks)
    head = pieces[-1].last
    start = candidates[0] if candidates else cp.EMPTY
    boundaries = list(range((start.version // every + 1) * every, head + 1, every))
    if not boundaries:
        return 0

    def entries(after: int, upto: int) -> list[Logged]:
        try:
            return cp._read(store, pieces, after, upto)
        except cp._Unusable:
            return reader.load(name).log[after:upto]

    state, matches = cp._load(store, start)
    horizon, max_recorded = start.horizon, start.max_recorded
    position = max((m.position for m in cp.metas(store, name)), default=0)
    previous = start.version
    for boundary in boundaries:
        stretch = entries(previous, boundary)
        zone = cp.summarise(stretch, previous, boundary)
        if horizon is not None and zone.min_dated is not None and zone.min_dated < horizon:
            # a late change dated before what is folded: fold this prefix afresh
            state = Timeline(entries(0, boundary)).state_at()
        else:
            fold(state, sorted(stretch, key=cp._key))
        for item in stretch:
            if type(item.event) is ev.JobMatchAssessed:
                e = item.event
                matches[(e.old, e.new)] = Match.from_event(e, item.version, e.recorded)
        if zone.max_dated is not None and (horizon is None or zone.max_dated > horizon):
            horizon = zone.max_dated
        if max_recorded is None or zone.max_recorded > max_recorded:
            max_recorded = zone.max_recorded
        position += 1
        meta = {
            "version": boundary,
            "bound": _bind(store, pieces, boundary),
            "horizon": cp._iso(horizon),
            "max_recorded": max_recorded.isoformat(),
            "zone": zone.to_json(),
            "parts": [z.to_json() for z in _parts(stretch, previous, boundary)],
            "forks": forks,
        }
        _write(store, name, position, meta, _body(boundary, state, matches))
        previous = boundary
    return len(boundaries)


def _parts(entries: Sequence[Logged], first: int, last: int) -> list[cp.Zone]:
    """The zones of :data:`~orgsim.store.checkpoints.PARTS` consecutive stretches of ``entries``."""
    size = max(1, -(-(last - first) // cp.PARTS))
    return [
        cp.summarise(entries[n : n + size], first + n, min(first + n + size, last))
        for n in range(0, last - first, size)
    ]


def _bind(store: Store, pieces: Sequence[cp.Piece], version: int) -> list[list[Any]]:
    from orgsim.store.snapshots import own_chain

    out: list[list[Any]] = []
    for branch, position in cp._anchors(pieces, version):
        chain = own_chain(store, branch, position)
        if chain is None:
            raise cp._Unusable("cannot bind")
        out.append([branch, position, chain])
    return out


def _body(version: int, state: OrgState, matches: dict[tuple[str, str], Match]) -> dict[str, Any]:
    listed = [
        [m.old, m.new, str(m.percent), m.assessor, m.basis, m.version, m.recorded.isoformat()]
        for m in matches.values()
    ]
    return {"version": version, "state": dump_state(state), "matches": listed}


def _write(
    store: Store, name: str, position: int, meta: dict[str, Any], body: dict[str, Any]
) -> None:
    recorder = store.snapshot_recorder()
    assert recorder is not None
    rows = []
    for stream, topic, data in (
        (cp.state_stream(name), cp.STATE_TOPIC, body),
        (cp.meta_stream(name), cp.META_TOPIC, meta),
    ):
        encoded = json.dumps(data, separators=(",", ":")).encode("utf-8")
        if store.mapper.cipher is not None:
            encoded = store.mapper.cipher.encrypt(encoded)
        rows.append(StoredEvent(stream, position, topic, encoded))
    recorder.insert_events(rows)


# --- verify ------------------------------------------------------------------------


def check(
    store: Store,
    name: str,
    load: Callable[[str], BranchLog],
    also: tuple[int, Callable[[OrgState], str | None]] | None = None,
) -> str | None:
    """``verify``'s question for every bound checkpoint of ``name``: do its state and
    its zones equal a fresh fold and summary of the log it claims? The first problem in
    one line, or None (also when it has none: unbound ones are stale, never used).
    ``also``: a version and a check of the state folded up to it (the snapshot's), made
    in the same pass so the log is folded once."""
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
            fold(state, sorted(part, key=cp._key))
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
        for stop in stops[version]:
            if stop is None:
                assert also is not None
                problem = also[1](state)
            else:
                problem = _check_one(store, name, log, stop, (horizon, recorded), state, matches)
            if problem is not None:
                return problem
    return None


def _check_one(
    store: Store,
    name: str,
    log: Sequence[Logged],
    meta: cp.Meta,
    clocks: tuple[dt.date | None, dt.datetime | None],
    state: OrgState,
    matches: dict[tuple[str, str], Match],
) -> str | None:
    """One checkpoint against the fresh fold of the log up to its version."""
    version = meta.version
    if meta.zone is None or meta.zone.last != version or meta.zone.first >= version:
        return f"its checkpoint at version {version} misdescribes its events (edited?)"
    first = meta.zone.first
    if (
        cp.summarise(log[first:version], first, version) != meta.zone
        or list(meta.parts) != _parts(log[first:version], first, version)
        or (meta.horizon, meta.max_recorded) != clocks
    ):
        return f"its checkpoint at version {version} misdescribes its events (edited?)"
    rows = cp._rows(store, cp.state_stream(name), meta.position, parse=False)
    expected = json.dumps(_body(version, state, matches), separators=(",", ":"))
    # as written, byte for byte; else (written another way) equal as JSON
    if not rows or (
        rows[0][1] != expected.encode("utf-8") and _parsed(rows[0][1]) != json.loads(expected)
    ):
        return (
            f"its checkpoint at version {version} does not match its events (edited?): "
            "delete it; until then it is trusted by show"
        )
    return None


def _parsed(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return None
