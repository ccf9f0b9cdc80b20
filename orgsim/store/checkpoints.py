"""Checkpoints: the folded state at every :data:`EVERY`-th log version, with a zone map.

Why: a snapshot answers only dates at or after its horizon, so ``show --at`` a past date
or ``--as-known-at`` a past time replayed the whole log. A checkpoint at version V holds
the state after folding events 1..V (all of them, in timeline order) and a summary of
the stretch of log it closes — the least effective date, dated and overall, the least
and greatest recorded time, how many job matches. A query "at D, as known at T" then

1. picks the newest checkpoint whose events all count (horizon <= D, recorded by T),
2. skips every later stretch none of whose events count (all effective after D and no
   match in it, or all recorded after T) — the zone map, as column stores skip blocks,
3. reads only the rest, checks that none of what counts takes effect before the
   checkpoint's horizon (else an older checkpoint, or none, is tried), and folds it on.

Recorded order is log order, so "as known at T" is a prefix of the log: a checkpoint
serves it directly. With effective dates that mostly grow with the log, "at D" reads at
most two stretches plus the unsummarised tail: the cost and the memory of a query depend
on :data:`EVERY` and on the size of the organisation, not on the length of the history.
When effective dates are scattered the zone map skips less and the answer is the same.

Evidence-bound like snapshots: a checkpoint names the chain value of the last event of
each stream it folded; one whose chain no longer matches is ignored. Its content is
checked by ``verify`` (:func:`orgsim.store.checkpoint_check.check`). A cache: without
checkpoints, or when none can answer, the caller replays the full log. Only branches
forked by version share their parent's checkpoints; a date fork renumbers what it
inherits and replays in full.

This module holds the stored rows and the query; the records (:class:`Meta`,
:class:`Zone`, :class:`Piece`) are in :mod:`orgsim.store.checkpoint_records`, where each
log version is stored in :mod:`orgsim.store.log_pieces`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, StoredEvent

from orgsim.domain import events as ev
from orgsim.domain.snapshot import load_state
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, fold, gc_paused
from orgsim.domain.timeline import timeline_key as _key
from orgsim.store import backends
from orgsim.store.checkpoint_records import (
    EMPTY,
    META_TOPIC,
    STATE_TOPIC,
    Meta,
    Piece,
    Zone,
    _date,
    _iso,
    _Unusable,
    meta_stream,
    state_stream,
    summarise,
)
from orgsim.store.log_pieces import _anchors, _is_date_fork, _layout, _lineage, _read
from orgsim.store.recorder import Store

#: Log versions between checkpoints: a query reads at most about twice this many events.
EVERY = int(os.environ.get("ORGSIM_CHECKPOINT_EVERY", "25000"))
#: Zones per checkpoint: the zone map is finer than the checkpoints (it costs no state).
PARTS = 25

#: what the upkeep and the check read from here (``cp.NAME``), wherever it is defined
__all__ = [
    "EMPTY",
    "EVERY",
    "META_TOPIC",
    "PARTS",
    "STATE_TOPIC",
    "Meta",
    "Piece",
    "Zone",
    "_Unusable",
    "_anchors",
    "_bound",
    "_context",
    "_date",
    "_is_date_fork",
    "_iso",
    "_key",
    "_lineage",
    "_load",
    "_raw_rows",
    "_read",
    "_rows",
    "cache_table_exists",
    "fold_stretch",
    "meta_stream",
    "metas",
    "state_at",
    "state_stream",
    "summarise",
]


# --- stored rows -------------------------------------------------------------------


def _rows(store: Store, stream: UUID, position: int | None = None, parse: bool = True) -> list[Any]:
    if position is None:
        rows = _raw_rows(store, stream)
    else:
        rows = _raw_rows(store, stream, position - 1, limit=1)
    out = []
    for row in rows:
        try:
            state = row.state
            if store.mapper.cipher is not None:
                state = store.mapper.cipher.decrypt(state)
            out.append((row.originator_version, json.loads(state) if parse else state))
        except Exception:  # a cache: an unreadable row is no checkpoint
            continue
    return out


def _raw_rows(
    store: Store,
    stream: UUID,
    after: int | None = None,
    upto: int | None = None,
    limit: int | None = None,
) -> Sequence[StoredEvent]:
    """The stored rows of ``stream`` at positions after ``after`` up to ``upto``, as read
    (encrypted with a key): none without a cache table; a table there but unreadable
    raises (a finding for ``verify``)."""
    recorder = store.snapshot_recorder()
    if recorder is None:
        return []
    try:
        return recorder.select_events(stream, gt=after, lte=upto, limit=limit)
    except Exception:
        if cache_table_exists(recorder):
            raise  # a cache table that is there but cannot be read: a finding for verify
        return []  # no cache table (a store written only through ``Store.write``): no rows


def cache_table_exists(recorder: AggregateRecorder) -> bool:
    """Whether the cache's table (``stored_snapshots``) exists. A store written only
    through ``Store.write`` has none, which means no snapshot and no checkpoints — not
    a damaged cache (the events' own table is checked by the chain walk, never here)."""
    if backends.is_popo(recorder):
        return True
    if backends._postgres(recorder) is not None:
        return backends.postgres_table_exists(recorder)
    with backends._sqlite(recorder).datastore.transaction(commit=False) as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
            [backends._sqlite(recorder).events_table_name],
        )
        return bool(cursor.fetchall())


def metas(store: Store, name: str) -> list[Meta]:
    out = []
    for position, data in _rows(store, meta_stream(name)):
        try:
            out.append(
                Meta(
                    name,
                    position,
                    int(data["version"]),
                    _date(data["horizon"]),
                    dt.datetime.fromisoformat(data["max_recorded"]),
                    tuple((str(b), int(p), str(c)) for b, p, c in data["bound"]),
                    Zone.from_json(data["zone"]),
                    tuple(Zone.from_json(z) for z in data.get("parts", [])),
                    tuple((str(b), int(k)) for b, k in data.get("forks", {}).items()),
                )
            )
        except Exception:
            continue
    return out


def _bound(
    store: Store,
    meta: Meta,
    pieces: Sequence[Piece],
    chains: dict[tuple[str, int], str | None],
) -> bool:
    """Whether the checkpoint binds exactly the streams that hold versions 1..V of this
    log, and each still carries, at its position, the chain value it recorded: rewritten
    events (or a parent's, under a fork) unbind it."""
    from orgsim.store.snapshots import own_chain

    if [(b, p) for b, p, _chain in meta.bound] != _anchors(pieces, meta.version):
        return False
    for branch, position, chain in meta.bound:
        key = (branch, position)
        if key not in chains:
            chains[key] = own_chain(store, branch, position)
        if chains[key] != chain:
            return False
    return bool(meta.bound)


def _context(
    store: Store, name: str, forks: dict[str, int] | None = None
) -> tuple[list[Piece], list[Meta], list[tuple[int, int, Zone | None]], dict[str, int]]:
    """The layout of ``name``'s log, the bound checkpoints that hold a prefix of it
    (newest first), and its zone map: ``(after, upto, zone or None)`` stretches in
    order. A checkpoint of an ancestor serves up to where a version fork left it."""
    registry = store.branches()
    lineage = _lineage(registry, name)
    stored = {branch: metas(store, branch) for branch in lineage}
    known: dict[str, int] = {}
    for branch in lineage:
        for meta in stored[branch]:
            known.update(meta.forks)
    known.update(forks or {})
    pieces = _layout(store, registry, name, known)
    head = pieces[-1].last
    chains: dict[tuple[str, int], str | None] = {}
    candidates: list[Meta] = []
    zones: list[tuple[int, int, Zone]] = []
    for branch in lineage:
        holding = [p.last for p in pieces if p.branch == branch]
        if not holding:
            continue  # behind a date fork: numbered otherwise
        limit = head if branch == name else max(holding)
        for meta in stored[branch]:
            if meta.zone is None or meta.version > head:
                continue
            if not _bound(store, meta, pieces, chains):
                continue
            if meta.version <= limit:
                candidates.append(meta)
            for zone in meta.parts or (meta.zone,):
                upto = min(zone.last, limit)
                if zone.first < upto:
                    zones.append((zone.first, upto, zone))
    candidates.sort(key=lambda m: m.version, reverse=True)
    covered: list[tuple[int, int, Zone | None]] = []
    done = 0
    for after, upto, zone in sorted(zones, key=lambda z: (z[0], -z[1])):
        if after > done:
            covered.append((done, after, None))
        if upto > done:
            covered.append((max(done, after), upto, zone))
            done = upto
    if done < head:
        covered.append((done, head, None))
    dated = {b: known[b] for b in lineage if _is_date_fork(registry[b]) and b in known}
    return pieces, candidates, covered, dated


def _load(store: Store, meta: Meta) -> tuple[OrgState, dict[tuple[str, str], Match]]:
    if meta is EMPTY:
        return OrgState(), {}
    rows = _rows(store, state_stream(meta.branch), meta.position)
    if not rows or rows[0][0] != meta.position:
        raise _Unusable("no state")
    data = rows[0][1]
    if data.get("version") != meta.version:
        raise _Unusable("state of another version")
    matches = {}
    for old, new, percent, assessor, basis, version, recorded in data["matches"]:
        when = dt.datetime.fromisoformat(recorded)
        matches[(old, new)] = Match(old, new, Decimal(percent), assessor, basis, version, when)
    return load_state(data["state"]), matches


# --- answering a query -------------------------------------------------------------


def state_at(
    store: Store,
    name: str,
    at: dt.date,
    known_at: dt.datetime | None = None,
    covered: list[Piece] | None = None,
) -> OrgState | None:
    """The state of ``name`` at ``at`` as known at ``known_at``, equal to
    ``Timeline.state_at(at, known_at)`` of the full log, from a checkpoint and the
    stretches of log that count; None when the checkpoints cannot answer. ``covered``,
    when given, receives the layout of the log the answer holds (what
    :func:`orgsim.store.fork_states.each_state_at` folds on from)."""
    if store.snapshot_recorder() is None or store.recorder is None:
        return None
    try:
        with gc_paused():
            return _state_at(store, name, at, known_at, covered)
    except _Unusable:
        return None


def _state_at(
    store: Store,
    name: str,
    at: dt.date,
    known_at: dt.datetime | None,
    covered: list[Piece] | None = None,
) -> OrgState | None:
    pieces, candidates, zones, _forks = _context(store, name)
    if not candidates:
        return None  # nothing to gain over a plain replay
    for meta in [*candidates, EMPTY]:
        if meta.version:
            if meta.horizon is not None and meta.horizon > at:
                continue
            if known_at is not None and meta.max_recorded and meta.max_recorded > known_at:
                continue
        entries: list[Logged] = []
        try:
            for after, upto, zone in zones:
                if upto <= meta.version or (zone is not None and zone.counts_nothing(at, known_at)):
                    continue
                entries.extend(_read(store, pieces, max(after, meta.version), upto))
        except _Unusable:
            continue  # it would need what a date fork inherited: an older one cannot help
        counted = [
            i
            for i in entries
            if i.event.effective <= at and (known_at is None or i.event.recorded <= known_at)
        ]
        horizon = meta.horizon
        # undated events (grade scheme, policy) replace what they set: order-free
        if horizon is not None and any(ev.UNDATED < i.event.effective < horizon for i in counted):
            continue
        state, matches = _load(store, meta)
        fold_stretch(state, matches, entries, counted, at, known_at)
        if covered is not None:
            covered[:] = pieces
        return state
    return None


def fold_stretch(
    state: OrgState,
    matches: dict[tuple[str, str], Match],
    entries: Sequence[Logged],
    counted: Sequence[Logged],
    at: dt.date,
    known_at: dt.datetime | None,
) -> None:
    """Fold onto ``state`` a stretch of log read after what it holds (``entries``; of
    them ``counted`` count at ``at`` as known at ``known_at``), and set its matches:
    ``matches`` (what it held, in the order recorded) with the stretch's recorded by
    ``known_at``. Matches count from when they are recorded, whatever their dates (as
    :class:`~orgsim.domain.timeline.Timeline` rebuilds them), so the fold's own, made in
    date order, are replaced."""
    for item in entries:
        if type(item.event) is ev.PostCreated:
            state.known_posts.add(item.event.post)
    fold(state, sorted(counted, key=_key), at)
    for item in entries:
        event = item.event
        if type(event) is ev.JobMatchAssessed and (known_at is None or event.recorded <= known_at):
            matches[(event.old, event.new)] = Match.from_event(event, item.version, event.recorded)
    state.matches = matches
