"""Where each version of a branch's full log is stored, and reading a stretch of it.

A branch's full log is its ancestors' events up to where it forked, then its own: a
version fork reads its parent's stream up to the fork, a date fork holds what it
inherited renumbered in its own stream. Checkpoints name log versions, so their query,
their upkeep and their check (:mod:`orgsim.store.checkpoints`,
:mod:`~orgsim.store.checkpoint_upkeep`, :mod:`~orgsim.store.checkpoint_check`) all map
versions to ``(stream, position)`` here and read by range.
"""

from __future__ import annotations

from collections.abc import Sequence

from orgsim.domain.timeline import Logged
from orgsim.store.bulk import last_position, select_range
from orgsim.store.checkpoint_records import Piece, _Unusable
from orgsim.store.mapper import MappingError
from orgsim.store.recorder import BranchRegistered, Store, StoreError, branch_stream


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
