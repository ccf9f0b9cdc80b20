"""A branch's history: its events with both clocks and provenance (``history --json``).

Each event's own fields follow the SPEC's common ones; values are made JSON-ready here.
A person's protected characteristics (``PersonJoined.characteristics``) are special
category data: they are left out unless asked for (``characteristics=True``, the
``--characteristics`` flag); the event then shows ``"characteristics": "withheld"``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store


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


#: What an event shows in place of protected characteristics left out.
WITHHELD = "withheld"


def event_record(
    version: int, event: ev.Event, inherited: bool = False, characteristics: bool = False
) -> dict[str, Any]:
    """SPEC section 7 history entry: both clocks, provenance, then the event's fields
    (protected characteristics only with ``characteristics``)."""
    fields = event.model_dump(exclude={"effective", "recorded", "reason", "source", "actor"})
    if not characteristics and fields.get("characteristics"):
        fields["characteristics"] = WITHHELD
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
    if isinstance(event, ev.PersonDetailsRecorded):
        # Personal data (SPEC 13): history says which fields were recorded, not values.
        fields = {
            k: ("recorded" if v is not None else None) if k in ev.PERSONAL_FIELDS else v
            for k, v in fields.items()
        }
    for key, value in fields.items():
        record.setdefault(key, jsonable(value))
    return record


def history(
    store: Store, name: str, include_inherited: bool = False, characteristics: bool = False
) -> dict[str, Any]:
    branch = BranchReader(store).load(name)
    events: list[dict[str, Any]] = []
    if include_inherited:
        events.extend(
            event_record(i.version, i.event, True, characteristics) for i in branch.inherited
        )
    events.extend(event_record(i.version, i.event, False, characteristics) for i in branch.own)
    return {
        "branch": name,
        "parent": branch.info.parent,
        "fork_version": branch.fork_length if branch.info.parent else None,
        "version": branch.version,
        "events": events,
    }
