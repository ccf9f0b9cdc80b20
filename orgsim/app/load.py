"""Loading a branch: the list of branches, and the read model of a branch at a date
(from a snapshot when one can answer, else by replaying the branch's log)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orgsim.domain.structure import Structure
from orgsim.domain.timeline import gc_paused
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store


def list_branches(store: Store) -> list[dict[str, Any]]:
    reader = BranchReader(store)
    out = []
    for name, info in sorted(reader.registry.items()):
        branch = reader.load(name)
        out.append(
            {
                "name": name,
                "parent": info.parent,
                "fork_version": info.fork_version if info.parent else None,
                "fork_date": info.fork_date.isoformat() if info.fork_date else None,
                "version": branch.version,
                "own_events": len(branch.own),
                "created": info.created.isoformat(),
                "latest_effective": _iso(branch.timeline.latest_effective()),
            }
        )
    return out


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def structure(
    store: Store,
    name: str,
    at: dt.date,
    known_at: dt.datetime | None = None,
    reader: BranchReader | None = None,
) -> Structure:
    from orgsim.store import checkpoints
    from orgsim.store.snapshots import structure_from_snapshot

    with gc_paused():  # the read model of a large state is as many objects again
        # checkpoints answer any date and time; the newest snapshot only its horizon on
        state = checkpoints.state_at(store, name, at, known_at)
        if state is not None:
            return Structure.from_state(name, at, state)
        fast = structure_from_snapshot(store, name, at, known_at)
        if fast is not None:
            return fast
        branch = (reader or BranchReader(store)).load(name)
        return Structure.from_state(name, at, branch.timeline.state_at(at, known_at))
