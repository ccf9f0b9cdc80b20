"""Golden event logs and the event catalogue, kept in ``events/`` at the top level.

A golden log is a branch's stored events as JSON lines (topic and body, exactly as the
store keeps them). Every release must replay every golden log ever committed: that is
the proof that old stores stay readable after a schema change (old shapes are upcast).
The catalogue is the JSON Schema of every current event type, so a reviewer sees any
change to a stored shape in the diff.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged, Timeline


def catalogue() -> dict[str, Any]:
    """Every event type's stored name and JSON Schema."""
    return {
        f"{name}.v{cls.schema_version}": cls.model_json_schema()
        for name, cls in sorted(ev.EVENT_TYPES.items())
    }


def fingerprint() -> str:
    """A short hash of the catalogue: changes whenever any stored shape changes."""
    text = json.dumps(catalogue(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def dump_log(events: Iterable[ev.Event]) -> str:
    lines = []
    for event in events:
        body = json.loads(event.model_dump_json())
        lines.append(json.dumps({"topic": ev.topic_for(event), "body": body}, sort_keys=True))
    return "\n".join(lines) + "\n"


def load_log(path: Path) -> list[ev.Event]:
    """Read a golden log, upcasting old shapes to the current models."""
    out: list[ev.Event] = []
    for _number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        cls, version = ev.resolve_topic(record["topic"])
        body = ev.upcast(cls, version, record["body"])
        out.append(cls.model_validate(body))
    return out


def replay(events: list[ev.Event]) -> Timeline:
    return Timeline(Logged(n, e) for n, e in enumerate(events, start=1))
