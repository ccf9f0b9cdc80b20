"""A branch's history: its events with both clocks and provenance (``history --json``).

Each event's own fields follow the SPEC's common ones; values are made JSON-ready here.
A person's protected characteristics (``PersonJoined.characteristics``) are special
category data: they are left out unless asked for (``characteristics=True``, the
``--characteristics`` flag); the event then shows ``"characteristics": "withheld"``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TextIO

from orgsim.domain import events as ev
from orgsim.store.branches import (
    BranchReader,
    count_inherited,
    iter_inherited,
    stream_log,
    stream_own,
)
from orgsim.store.bulk import count_rows
from orgsim.store.recorder import Store, branch_stream


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
    if isinstance(event, ev.PersonLeaveStatusRecorded):
        # Special category personal data (issue 15): that it was recorded, not what.
        # Every field reads "withheld", given or not: which dates a record has (a birth,
        # an end) would hint at the kind of leave.
        fields = {k: "withheld" if k in ev.LEAVE_FIELDS else v for k, v in fields.items()}
        for key in ("reason", "source"):  # free text beside it may say what it was
            record[key] = "withheld" if record[key] else None
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


def write_history_json(
    store: Store,
    name: str,
    out: TextIO,
    include_inherited: bool = False,
    since: int = 0,
    limit: int | None = None,
    characteristics: bool = False,
) -> int:
    """Write ``history --json`` to ``out`` event by event; returns characters written.

    The same document as :func:`history` builds (the tests compare them), with one
    event a line: memory stays constant (rows are read a page at a time and each page
    is written as soon as it is made). The text of the events is made by
    :mod:`orgsim.views.history_text` (records by plan, orjson), byte for byte what
    :func:`event_record` and the standard encoder write. ``since`` keeps
    entries after that version, ``limit`` at most that many (paging: pass the last
    version printed as the next ``since``).
    """
    reader = BranchReader(store)
    info = reader.info(name)
    registry = reader.registry
    inherited = count_inherited(store, registry, name)
    version = inherited + count_rows(store.recorder, branch_stream(name))
    head = {
        "branch": name,
        "parent": info.parent,
        "fork_version": inherited if info.parent else None,
        "version": version,
    }
    from orgsim.views.history_text import HistoryText  # it builds on this module

    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    written = out.write(encode(head)[:-1] + ', "events": [')
    entries = _entries(store, registry, name, include_inherited, inherited, since)
    first = True
    for page in HistoryText(characteristics).pages(itertools.islice(entries, limit)):
        written += out.write(("\n  " if first else ",\n  ") + page)
        first = False
    written += out.write("]}\n" if first else "\n]}\n")
    return written


def _entries(
    store: Store,
    registry: dict[str, Any],
    name: str,
    include_inherited: bool,
    inherited: int,
    since: int,
) -> Iterator[tuple[int, ev.Event, bool]]:
    """``(version, event, inherited)`` of the history's entries after ``since``."""
    if include_inherited and since < inherited:
        info = registry[name]
        parent = stream_log(store, registry, info.parent)
        for item in iter_inherited(parent, info):
            if item.version > since:
                yield item.version, item.event, True
    for position, event in stream_own(store, name, after=max(0, since - inherited)):
        yield inherited + position, event, False
