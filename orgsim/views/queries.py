"""Read-side services: branches, the structure at a date, a branch's history.

Each answers with plain data (dicts and dataclasses) so that the CLI's JSON and tables,
charts and packs all read the same thing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.structure import Structure
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
    if known_at is None:
        from orgsim.store.snapshots import structure_from_snapshot

        fast = structure_from_snapshot(store, name, at)
        if fast is not None:
            return fast
    branch = (reader or BranchReader(store)).load(name)
    return Structure.from_state(name, at, branch.timeline.state_at(at, known_at))


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def event_record(version: int, event: ev.Event, inherited: bool = False) -> dict[str, Any]:
    """SPEC section 7 history entry: both clocks, provenance, then the event's fields."""
    fields = event.model_dump(exclude={"effective", "recorded", "reason", "source", "actor"})
    record: dict[str, Any] = {
        "version": version,
        "type": type(event).__name__,
        "effective": None if event.effective == ev.UNDATED else event.effective.isoformat(),
        "recorded": event.recorded.isoformat(),
        "reason": event.reason,
        "source": event.source,
        "actor": event.actor,
    }
    if inherited:
        record["inherited"] = True
    for key, value in fields.items():
        record.setdefault(key, jsonable(value))
    return record


def history(store: Store, name: str, include_inherited: bool = False) -> dict[str, Any]:
    branch = BranchReader(store).load(name)
    events: list[dict[str, Any]] = []
    if include_inherited:
        events.extend(event_record(i.version, i.event, True) for i in branch.inherited)
    events.extend(event_record(i.version, i.event) for i in branch.own)
    return {
        "branch": name,
        "parent": branch.info.parent,
        "fork_version": branch.fork_length if branch.info.parent else None,
        "version": branch.version,
        "events": events,
    }
