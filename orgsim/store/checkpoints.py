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
checked by ``verify`` (:func:`orgsim.store.checkpoint_check.check`). A cache: without checkpoints, or when none can
answer, the caller replays the full log. Only branches forked by version share their
parent's checkpoints; a date fork renumbers what it inherits and replays in full.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from orgsim.domain import events as ev
from orgsim.domain.snapshot import load_state
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, fold, gc_paused
from orgsim.store.bulk import last_position, select_range
from orgsim.store.mapper import MappingError
from orgsim.store.recorder import _NS, BranchRegistered, Store, StoreError, branch_stream

if TYPE_CHECKING:
    pass

#: Log versions between checkpoints: a query reads at most about twice this many events.
EVERY = int(os.environ.get("ORGSIM_CHECKPOINT_EVERY", "25000"))
#: Zones per checkpoint: the zone map is finer than the checkpoints (it costs no state).
PARTS = 25
META_TOPIC = "CheckpointMeta.v1"
STATE_TOPIC = "CheckpointState.v1"


class _Unusable(Exception):
    """This checkpoint (or the whole cache) cannot answer: replay instead."""


def meta_stream(name: str) -> UUID:
    return uuid5(_NS, f"checkpoint-meta:{name}")


def state_stream(name: str) -> UUID:
    return uuid5(_NS, f"checkpoint-state:{name}")


@dataclass(frozen=True, slots=True)
class Piece:
    """Log versions ``first + 1 .. last`` of a branch's full log, stored in ``branch``'s
    own stream at positions ``version - offset``; or, with ``branch`` empty, what a date
    fork inherited: its parent's events up to the fork, filtered and renumbered, so not
    readable by version. ``anchors`` are the ``(stream, position)`` whose chain values
    bind what such a stretch was filtered from."""

    branch: str
    first: int
    last: int
    offset: int
    anchors: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Zone:
    """What the events at versions ``first + 1 .. last`` have in common."""

    first: int
    last: int
    min_effective: dt.date
    min_dated: dt.date | None
    max_dated: dt.date | None
    min_recorded: dt.datetime
    max_recorded: dt.datetime
    matches: int

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "min_effective": self.min_effective.isoformat(),
            "min_dated": _iso(self.min_dated),
            "max_dated": _iso(self.max_dated),
            "min_recorded": self.min_recorded.isoformat(),
            "max_recorded": self.max_recorded.isoformat(),
            "matches": self.matches,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Zone:
        return cls(
            int(data["first"]),
            int(data["last"]),
            dt.date.fromisoformat(data["min_effective"]),
            _date(data["min_dated"]),
            _date(data["max_dated"]),
            dt.datetime.fromisoformat(data["min_recorded"]),
            dt.datetime.fromisoformat(data["max_recorded"]),
            int(data["matches"]),
        )

    def counts_nothing(self, at: dt.date, known_at: dt.datetime | None) -> bool:
        """No event here changes the state at ``at`` as known at ``known_at``."""
        if known_at is not None and self.min_recorded > known_at:
            return True
        return self.min_effective > at and self.matches == 0


@dataclass(frozen=True, slots=True)
class Meta:
    """One stored checkpoint, without its state."""

    branch: str
    position: int
    version: int
    horizon: dt.date | None
    max_recorded: dt.datetime | None
    bound: tuple[tuple[str, int, str], ...]
    zone: Zone | None
    #: the zone cut into :data:`PARTS` consecutive zones
    parts: tuple[Zone, ...] = ()
    #: how many events each date fork of the lineage inherited
    forks: tuple[tuple[str, int], ...] = ()


EMPTY = Meta("", 0, 0, None, None, (), None)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _key(item: Logged) -> tuple[dt.date, int]:
    return (item.event.effective, item.version)


# --- the log, piece by piece -------------------------------------------------------


def _lineage(registry: dict[str, BranchRegistered], name: str) -> list[str]:
    """``name`` and its ancestors, root first."""
    out: list[str] = []
    branch: str | None = name
    while branch is not None:
        if branch not in registry or branch in out:
            raise _Unusable(branch)
        out.insert(0, branch)
        branch = registry[branch].parent
    return out


def _is_date_fork(info: BranchRegistered) -> bool:
    return info.parent is not None and (info.fork_date is not None or info.fork_version is None)


def _layout(
    store: Store, registry: dict[str, BranchRegistered], name: str, forks: dict[str, int]
) -> list[Piece]:
    """Where each version of ``name``'s full log is stored (``forks``: how many events
    each date fork inherited, which only reading its parent could tell otherwise)."""
    info = registry[name]
    own = last_position(store.recorder, branch_stream(name))
    if info.parent is None:
        return [Piece(name, 0, own, 0)]
    parent = _layout(store, registry, info.parent, forks)
    if not _is_date_fork(info):
        fork = info.fork_version or 0
        clipped = [
            Piece(p.branch, p.first, min(p.last, fork), p.offset, p.anchors)
            for p in parent
            if p.first < fork
        ]
        if not clipped or clipped[-1].last != fork:
            raise _Unusable("the parent is shorter than the fork")
        return [*clipped, Piece(name, fork, fork + own, fork)]
    inherited = forks.get(name)
    if inherited is None:
        raise _Unusable("unknown fork length")
    upto = info.fork_version if info.fork_version is not None else parent[-1].last
    opaque = Piece("", 0, inherited, 0, tuple(_anchors(parent, upto)))
    return [opaque, Piece(name, inherited, inherited + own, inherited)]


def _anchors(pieces: Sequence[Piece], upto: int) -> list[tuple[str, int]]:
    """The stream positions whose chain values bind the log's versions 1..``upto``."""
    out: list[tuple[str, int]] = []
    for piece in pieces:
        if piece.first >= upto:
            continue
        if piece.branch:
            out.append((piece.branch, min(upto, piece.last) - piece.offset))
        else:
            out.extend(piece.anchors)
    return out


def _read(store: Store, pieces: Sequence[Piece], after: int, upto: int) -> list[Logged]:
    """The full log's entries ``after + 1 .. upto``, read by range from each stream."""
    out: list[Logged] = []
    for piece in pieces:
        low, high = max(after, piece.first), min(upto, piece.last)
        if low >= high:
            continue
        if not piece.branch:
            raise _Unusable("inherited by a date fork")
        stream = branch_stream(piece.branch)
        rows = select_range(store.recorder, stream, low - piece.offset, high - piece.offset)
        if len(rows) != high - low:
            raise _Unusable("rows missing")
        start = low - piece.offset + 1
        try:
            models, _chain = store.mapper.to_events(stream, rows, start=start)
        except Exception as error:
            store.check_rows(stream, rows, start)  # damage is reported as by a replay
            if isinstance(error, MappingError):
                raise StoreError(str(error)) from error
            raise
        out.extend(Logged(n + piece.offset, m) for n, m in enumerate(models, start=start))
    return out


def summarise(entries: Sequence[Logged], first: int, last: int) -> Zone:
    """The zone of ``entries`` (the log's versions ``first + 1 .. last``, not empty)."""
    effective = [i.event.effective for i in entries]
    dated = [d for d in effective if d != ev.UNDATED]
    recorded = [i.event.recorded for i in entries]
    return Zone(
        first,
        last,
        min(effective),
        min(dated) if dated else None,
        max(dated) if dated else None,
        min(recorded),
        max(recorded),
        sum(1 for i in entries if type(i.event) is ev.JobMatchAssessed),
    )


# --- stored rows -------------------------------------------------------------------


def _rows(store: Store, stream: UUID, position: int | None = None, parse: bool = True) -> list[Any]:
    recorder = store.snapshot_recorder()
    if recorder is None:
        return []
    if position is None:
        rows = recorder.select_events(stream)
    else:
        rows = recorder.select_events(stream, gt=position - 1, limit=1)
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
    store: Store, name: str, at: dt.date, known_at: dt.datetime | None = None
) -> OrgState | None:
    """The state of ``name`` at ``at`` as known at ``known_at``, equal to
    ``Timeline.state_at(at, known_at)`` of the full log, from a checkpoint and the
    stretches of log that count; None when the checkpoints cannot answer."""
    if store.snapshot_recorder() is None or store.recorder is None:
        return None
    try:
        with gc_paused():
            return _state_at(store, name, at, known_at)
    except _Unusable:
        return None


def _state_at(
    store: Store, name: str, at: dt.date, known_at: dt.datetime | None
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
        for item in entries:
            if type(item.event) is ev.PostCreated:
                state.known_posts.add(item.event.post)
        fold(state, sorted(counted, key=_key), at)
        # matches count from when they are recorded, whatever their dates (Timeline)
        for item in entries:
            event = item.event
            if type(event) is ev.JobMatchAssessed and (
                known_at is None or event.recorded <= known_at
            ):
                matches[(event.old, event.new)] = Match.from_event(
                    event, item.version, event.recorded
                )
        state.matches = matches
        return state
    return None
