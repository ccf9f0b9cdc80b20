"""``verify``'s check of the caches beside the events: each branch's snapshot and
checkpoints against a fresh fold of the rows the chain walk has just checked.

Split from :mod:`orgsim.store.integrity`, which walks the hash chains: which branches
have a cache (only their rows, and their ancestors', are kept after the walk), and the
check itself (:func:`orgsim.store.snapshots.check`, which folds each branch once for
its snapshot and every checkpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from orgsim.store.branches import BranchReader
from orgsim.store.bulk import Row, last_position, last_positions
from orgsim.store.chains import Break, StreamCheck, keep_first
from orgsim.store.recorder import BranchRegistered, Store, branch_stream


def ancestry(registry: dict[str, BranchRegistered], name: str) -> list[str]:
    """``name`` and the branches it was forked from, the root first."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current in registry and current not in chain:
        chain.append(current)
        current = registry[current].parent
    return list(reversed(chain))


def cached_branches(store: Store, registry: dict[str, BranchRegistered]) -> set[str]:
    """The branches the cache check will fold: those with a snapshot or checkpoints,
    and their ancestors. No cache table (a store written only through ``Store.write``)
    means none; an unreadable one keeps every branch, for the check to report."""
    from orgsim.store import checkpoints, snapshots

    folded: set[str] = set()
    cache = store.snapshot_recorder()
    if cache is None:
        return folded
    try:
        if not checkpoints.cache_table_exists(cache):
            return folded
    except Exception:  # cannot even tell: keep the rows, the check will say
        pass
    try:
        heads = last_positions(cache)
    except Exception:  # unreadable: keep the rows, the check will say
        return set(registry)

    def last(stream: UUID) -> int:
        if heads is None:
            return last_position(cache, stream)
        return int(heads.get(stream.hex) or 0)  # as last_position reads the maximum

    for name in registry:
        try:
            cached = (
                last(snapshots.snapshot_stream(name)) > 0 or last(checkpoints.meta_stream(name)) > 0
            )
        except Exception:  # unreadable: keep the rows, the check will say
            cached = True
        if cached:
            folded.update(ancestry(registry, name))
    return folded


def check_caches(
    store: Store,
    registry: dict[str, BranchRegistered],
    rows: dict[str, Sequence[Row]],
    checks: Callable[[str], StreamCheck],
    names: Sequence[str],
) -> None:
    """Snapshots are a cache, but show reads them: one that disagrees with its events is
    a finding (only on branches whose own events check out), kept on the branch's
    check (``checks``: by name). ``rows``: the walk's rows by stream, each handed over
    once and then dropped."""
    from orgsim.store import snapshots

    reader = _Reader(store, registry, rows)
    for name in names:
        check = checks(name)
        if check.broken is not None:
            continue
        try:
            problem = snapshots.check(store, name, reader.load)
        except Exception as error:  # anything unreadable is a finding, never raised
            problem = f"its snapshot cannot be checked: {error}".splitlines()[0]
        if problem is not None:
            keep_first(check, Break("branch", name, check.stream, check.length, None, problem))


class _Reader(BranchReader):
    """Reads each branch from the rows the chain walk has just checked (each handed
    over once, then dropped), the store only for any other."""

    def __init__(
        self,
        store: Store,
        registry: dict[str, BranchRegistered],
        rows: dict[str, Sequence[Row]],
    ) -> None:
        super().__init__(store, registry)
        self._held = rows

    def _rows(self, stream: UUID) -> Sequence[Row]:
        held = self._held.pop(stream.hex, None)
        return held if held is not None else super()._rows(stream)


__all__ = ["ancestry", "branch_stream", "cached_branches", "check_caches"]
