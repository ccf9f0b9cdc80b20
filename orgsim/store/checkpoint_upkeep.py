"""Taking checkpoints (see :mod:`orgsim.store.checkpoints`).

After a snapshot, fold on from the newest checkpoint a branch has (or an ancestor's it
may use) and store one at every multiple of the spacing, one stretch of log read at a
time. Checking them for ``verify`` is :mod:`orgsim.store.checkpoint_check`'s.

The writer that just stored a branch's events already holds its whole log, decoded: it
folded it to check every invariant before writing. It hands that log over (``log``) and
the stretches are sliced from it instead of read back and decoded again — the same
events as the store's rows (the write succeeded at exactly those positions, a version
fork's parent prefix is fixed by its fork version, and the snapshot just taken already
stands on the same in-memory events). Anything past what was handed over (another
writer's events since) is read from the store as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent

from orgsim.domain import events as ev
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, Timeline, fold, gc_paused, in_timeline_order
from orgsim.store import checkpoints as cp
from orgsim.store.recorder import Store
from orgsim.store.state_text import dump_text

if TYPE_CHECKING:
    pass


def extend(
    store: Store,
    name: str,
    every: int | None = None,
    length: int | None = None,
    log: Sequence[Logged] | None = None,
    inherited: int | None = None,
    marks: Mapping[int, str] | None = None,
) -> int:
    """Store a checkpoint at every multiple of ``every`` versions of ``name``'s log not
    yet covered, folding on from the newest checkpoint it has (or an ancestor's).
    Reads one stretch at a time (the whole log only when a stretch was inherited by a
    date fork, or a late change predates what is folded). Returns how many it stored.

    ``log``: the branch's full log as the caller just wrote it (versions 1..n in order,
    inherited entries first; ``inherited`` of them), or its versions k..n, used instead
    of reading those back. ``marks``: the encoded states at versions its fold kept on the way
    (:class:`orgsim.scenario.progress.Marks`), used for the checkpoints there when the
    upkeep folds from the empty state: they are what it would fold, event for event."""
    every = every or cp.EVERY
    recorder = store.snapshot_recorder()
    if recorder is None or store.recorder is None:
        return 0
    if length is not None and length < every:
        return 0  # (``length``: the log's, when known) too short for any
    try:
        with gc_paused():
            return _extend(store, name, every, _held(log), inherited, marks)
    except cp._Unusable:
        return 0


def marks_every(store: Store, lineage: Sequence[str]) -> int:
    """The spacing at which a writer's fold should keep states for :func:`extend`
    (``lineage``: the branch and its ancestors), or 0 when they could not be used: no
    cache, or a checkpoint already stored that the upkeep would fold on from."""
    if store.recorder is None:
        return cp.EVERY  # no store yet (the write makes it), so no checkpoint either
    try:
        if store.snapshot_recorder() is None or any(cp.metas(store, b) for b in lineage):
            return 0
    except Exception:  # a cache (e.g. its table not made yet): keep nothing
        return 0
    return cp.EVERY


def _held(log: Sequence[Logged] | None) -> Sequence[Logged]:
    """The handed-over log, or none when it is not numbered on from one version in
    order (it may start after a snapshot: versions ``log[0].version`` on)."""
    if not log or log[-1].version - log[0].version + 1 != len(log):
        return ()
    return log


def _extend(
    store: Store,
    name: str,
    every: int,
    held: Sequence[Logged],
    inherited: int | None,
    marks: Mapping[int, str] | None,
) -> int:
    from orgsim.store.branches import BranchReader

    reader = BranchReader(store)
    try:
        pieces, candidates, _zones, forks = cp._context(store, name)
    except cp._Unusable:  # a date fork none of whose checkpoints tell what it inherited
        registry = reader.registry
        forks = {
            b: inherited
            if b == name and held and held[0].version == 1 and inherited is not None
            else reader.load(b).fork_length
            for b in cp._lineage(registry, name)
            if cp._is_date_fork(registry[b])
        }
        pieces, candidates, _zones, forks = cp._context(store, name, forks)
    head = pieces[-1].last
    skipped = held[0].version - 1 if held else 0  # versions before what was handed over
    if skipped + len(held) > head:
        held, skipped = (), 0  # not the log stored (cannot happen after a write): read it
    start = candidates[0] if candidates else cp.EMPTY
    boundaries = list(range((start.version // every + 1) * every, head + 1, every))
    if not boundaries:
        return 0

    def entries(after: int, upto: int) -> list[Logged]:
        if skipped <= after and upto <= skipped + len(held):
            return list(held[after - skipped : upto - skipped])
        try:
            return cp._read(store, pieces, after, upto)
        except cp._Unusable:
            return reader.load(name).log[after:upto]

    state, matches = cp._load(store, start)
    horizon, max_recorded = start.horizon, start.max_recorded
    position = max((m.position for m in cp.metas(store, name)), default=0)
    previous = start.version
    # The writer's states (see extend): only from the start of the log it handed over,
    # and only while every earlier one was kept too; past the first gap, fold.
    kept = dict(marks or {}) if held and not skipped and start is cp.EMPTY else {}
    behind: list[tuple[list[Logged], cp.Zone, date | None, int]] = []
    for boundary in boundaries:
        stretch = entries(previous, boundary)
        parts = _parts(stretch, previous, boundary)
        zone = _whole(parts, previous, boundary)
        encoded = kept.get(boundary)
        if encoded is None:
            kept = {}
            for args in [*behind, (stretch, zone, horizon, boundary)]:
                state = _advance(state, *args, entries)
            behind.clear()
        else:
            behind.append((stretch, zone, horizon, boundary))
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
            "parts": [z.to_json() for z in parts],
            "forks": forks,
        }
        if encoded is None:
            encoded = dump_text(state).decode("ascii")
        # the text json.dumps would give {version, state, matches}, the state encoded apart
        listed = json.dumps(_listed(matches), separators=(",", ":"))
        body = f'{{"version":{boundary},"state":{encoded},"matches":{listed}}}'
        _write(store, name, position, meta, body)
        previous = boundary
    return len(boundaries)


def _advance(
    state: OrgState,
    stretch: list[Logged],
    zone: cp.Zone,
    horizon: date | None,
    boundary: int,
    entries: Callable[[int, int], list[Logged]],
) -> OrgState:
    """The state at ``boundary``: the one at the stretch's start with it folded on."""
    if horizon is not None and zone.min_dated is not None and zone.min_dated < horizon:
        # a late change dated before what is folded: fold this prefix afresh
        return Timeline(entries(0, boundary)).state_at()
    return fold(state, in_timeline_order(stretch))


def _parts(entries: Sequence[Logged], first: int, last: int) -> list[cp.Zone]:
    """The zones of :data:`~orgsim.store.checkpoints.PARTS` consecutive stretches of ``entries``."""
    size = max(1, -(-(last - first) // cp.PARTS))
    return [
        cp.summarise(entries[n : n + size], first + n, min(first + n + size, last))
        for n in range(0, last - first, size)
    ]


def _whole(parts: Sequence[cp.Zone], first: int, last: int) -> cp.Zone:
    """The zone of the stretch its consecutive ``parts`` cover: what
    :func:`~orgsim.store.checkpoints.summarise` of it gives, without a second pass."""
    dated = [z for z in parts if z.min_dated is not None]
    return cp.Zone(
        first,
        last,
        min(z.min_effective for z in parts),
        min(z.min_dated for z in dated if z.min_dated is not None) if dated else None,
        max(z.max_dated for z in dated if z.max_dated is not None) if dated else None,
        min(z.min_recorded for z in parts),
        max(z.max_recorded for z in parts),
        sum(z.matches for z in parts),
    )


def _bind(store: Store, pieces: Sequence[cp.Piece], version: int) -> list[list[Any]]:
    from orgsim.store.snapshots import own_chain

    out: list[list[Any]] = []
    for branch, position in cp._anchors(pieces, version):
        chain = own_chain(store, branch, position)
        if chain is None:
            raise cp._Unusable("cannot bind")
        out.append([branch, position, chain])
    return out


def _listed(matches: dict[tuple[str, str], Match]) -> list[list[Any]]:
    return [
        [m.old, m.new, str(m.percent), m.assessor, m.basis, m.version, m.recorded.isoformat()]
        for m in matches.values()
    ]


def _write(store: Store, name: str, position: int, meta: dict[str, Any], body: str) -> None:
    recorder = store.snapshot_recorder()
    assert recorder is not None
    rows = []
    for stream, topic, data in (
        (cp.state_stream(name), cp.STATE_TOPIC, body),
        (cp.meta_stream(name), cp.META_TOPIC, meta),
    ):
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
        encoded = text.encode("utf-8")
        if store.mapper.cipher is not None:
            encoded = store.mapper.cipher.encrypt(encoded)
        rows.append(StoredEvent(stream, position, topic, encoded))
    recorder.insert_events(rows)
