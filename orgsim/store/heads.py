"""Head hashes: export every stream's length and last chain value, and compare later.

``orgsim verify --export-heads FILE`` writes them once every chain holds, to keep
elsewhere (e.g. in a consultation pack); ``--heads FILE`` later checks that no stream is
shorter than it was and that the chain value at each exported head is unchanged. This
catches what a chain alone cannot: a truncated stream, or a stream rewritten with freshly
computed hashes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgsim.store.chains import HEX64, Break, StreamCheck, keep_first

if TYPE_CHECKING:
    from orgsim.store.integrity import Report

HEADS_FORMAT = "orgsim-heads"
HEADS_VERSION = 1


class HeadsError(ValueError):
    """A heads file that cannot be read: bad input, one line."""


def heads_document(streams: Iterable[StreamCheck]) -> dict[str, Any]:
    """The heads document of checked streams (only meaningful when none is broken)."""
    return {
        "format": HEADS_FORMAT,
        "version": HEADS_VERSION,
        "exported": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "streams": [
            {
                "stream": s.kind,
                "branch": s.branch,
                "id": s.stream,
                "events": s.length,
                "head": s.head,
            }
            for s in streams
            if s.kind != "unknown"
        ],
    }


def read_heads(path: str) -> dict[str, Any]:
    """A heads file, checked entry by entry; :class:`HeadsError` says what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise HeadsError(f"cannot read heads file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise HeadsError(f"heads file {path} is not text") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise HeadsError(
            f"heads file {path} is not JSON (line {error.lineno}: {error.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != HEADS_FORMAT:
        raise HeadsError(
            f"{path} is not an orgsim heads file (make one with "
            "'orgsim verify --export-heads FILE')"
        )
    if document.get("version") != HEADS_VERSION:
        raise HeadsError(
            f"heads file {path} has version {document.get('version')!r}; "
            f"this orgsim reads version {HEADS_VERSION}"
        )
    try:
        head_entries(document)
    except HeadsError as error:
        raise HeadsError(f"heads file {path}: {error}") from None
    return document


def head_entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream entries of a heads document, normalised; :class:`HeadsError` if bad."""
    entries = document.get("streams")
    if not isinstance(entries, list):
        raise HeadsError("'streams' must be a list")
    out = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise HeadsError(f"stream {n} is not an object")
        kind, name = entry.get("stream"), entry.get("branch")
        events, head = entry.get("events"), entry.get("head")
        if kind not in ("registry", "branch") or (kind == "branch" and not isinstance(name, str)):
            raise HeadsError(f"stream {n}: 'stream' must be 'registry' or 'branch' with a 'branch'")
        if not isinstance(events, int) or isinstance(events, bool) or events < 0:
            raise HeadsError(f"stream {n}: 'events' must be a whole number")
        if not isinstance(head, str) or not HEX64.fullmatch(head):
            raise HeadsError(f"stream {n}: 'head' must be 64 hex digits")
        out.append(
            {
                "stream": kind,
                "branch": name if kind == "branch" else None,
                "events": events,
                "head": head,
            }
        )
    return out


def check_heads(ordered: Iterable[StreamCheck], entries: list[dict[str, Any]]) -> int:
    """Mark every checked stream that is shorter than its exported head, or whose chain
    value there differs. Returns how many exported heads were compared (those outside
    ``--branch`` are skipped)."""
    by_key = {(c.kind, c.branch): c for c in ordered}
    checked = 0
    for entry in entries:
        key = (entry["stream"], entry["branch"])
        check = by_key.get(key)
        if check is None:
            continue  # outside --branch
        checked += 1
        events, head = entry["events"], entry["head"]
        if check.length < events:
            keep_first(
                check,
                Break(
                    check.kind,
                    check.branch,
                    check.stream,
                    check.length + 1,
                    None,
                    f"the stream was truncated: the heads file records {events} "
                    f"event(s), the store now holds {check.length}",
                ),
            )
            continue
        if events == 0:
            continue
        if len(check.chains) >= events and check.chains[events - 1] != head:
            keep_first(
                check,
                Break(
                    check.kind,
                    check.branch,
                    check.stream,
                    events,
                    None,
                    f"the chain value at event {events} differs from the exported "
                    "head: events up to here were rewritten",
                ),
            )
    return checked


def write_heads(report: Report, path: str) -> None:
    """Write the heads document atomically (a temporary file, then a rename)."""
    from orgsim.output import OutputError, write_text

    try:
        write_text(Path(path), json.dumps(heads_document(report.streams), indent=2) + "\n")
    except OutputError as error:
        raise HeadsError(f"cannot write heads file {path}: {error}") from None
