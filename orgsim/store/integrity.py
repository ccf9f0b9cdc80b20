"""Tamper evidence: recompute every hash chain in a store and report the first break.

Every stored row is ``CHAIN || BODY`` where ``CHAIN = sha256(previous chain, topic,
position, body)`` (see :mod:`orgsim.mapper`). :func:`verify` reads every stream — the
branch registry first, then each branch in the order it was created — and checks that

- positions run 1, 2, 3 ... without a gap (a deleted row leaves one);
- every row decrypts (with a key; AES-GCM rejects any changed byte) and carries a chain
  value equal to the one recomputed from the previous row (a changed byte, topic or
  position, or a reordered or swapped row, breaks it);
- every branch's parent still holds the events the branch was forked from, and no stream
  holds rows that no registered branch owns (a truncated registry leaves one);
- against a heads file exported earlier (``orgsim verify --export-heads``), no stream is
  shorter than it was and the chain value at each exported head is unchanged (this is what
  catches a truncated stream, or a stream rewritten with freshly computed hashes).

Anything unreadable is reported as a break, never raised: a damaged store is a finding.
Only a wrong or missing key is an error (the store cannot be checked at all), and
:func:`orgsim.store.open_store` raises it before we get here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from orgsim.store.mapper import GENESIS, Mapper, chain_hash
from orgsim.store.recorder import REGISTRY_ID, BranchRegistered, Store, StoreError, branch_stream

HEADS_FORMAT = "orgsim-heads"
HEADS_VERSION = 1
#: How far after a break to look for the event that belongs there (reorder detection).
REORDER_WINDOW = 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


class HeadsError(ValueError):
    """A heads file that cannot be read: bad input, one line."""


@dataclass(frozen=True)
class Break:
    """The first place where one stream stops being provably as written."""

    kind: str  # "registry", "branch" or "unknown"
    branch: str | None
    stream: str  # the stream id, hex
    position: int  # 1-based position in the stream (a branch's own event number)
    version: int | None  # a branch's full-log version (fork + own), when known
    problem: str

    def where(self) -> str:
        if self.kind == "registry":
            return f"the branch registry, entry {self.position}"
        if self.kind == "unknown":
            return f"stream {self.stream}"
        if self.version is None:
            return f"branch {self.branch}, own event {self.position}"
        if self.version == self.position:
            return f"branch {self.branch}, version {self.version}"
        return f"branch {self.branch}, version {self.version} (own event {self.position})"

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.kind,
            "branch": self.branch,
            "id": self.stream,
            "version": self.version,
            "position": self.position,
            "problem": self.problem,
        }


@dataclass
class StreamCheck:
    """One stream's result: its rows, its intact chain values, its first break."""

    kind: str
    branch: str | None
    stream: str
    length: int = 0
    chains: list[str] = field(default_factory=list)  # chain values of the intact prefix
    broken: Break | None = None

    @property
    def head(self) -> str | None:
        if self.broken is not None:
            return None
        return self.chains[-1] if self.chains else GENESIS

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.kind,
            "branch": self.branch,
            "id": self.stream,
            "events": self.length,
            "head": self.head,
            "ok": self.broken is None,
        }


@dataclass
class Report:
    streams: list[StreamCheck]
    heads_file: str | None = None
    heads_streams: int = 0

    @property
    def breaks(self) -> list[Break]:
        return [s.broken for s in self.streams if s.broken is not None]

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def events(self) -> int:
        return sum(s.length for s in self.streams)

    def heads(self) -> dict[str, Any]:
        """The heads document for ``--export-heads`` (only meaningful when ``ok``)."""
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
                for s in self.streams
                if s.kind != "unknown"
            ],
        }

    def to_json(self) -> dict[str, Any]:
        breaks = self.breaks
        return {
            "ok": self.ok,
            "events": self.events,
            "streams": [s.to_json() for s in self.streams],
            "breaks": [b.to_json() for b in breaks],
            "first_break": breaks[0].to_json() if breaks else None,
            "heads": (
                {"file": self.heads_file, "streams": self.heads_streams}
                if self.heads_file
                else None
            ),
        }


# --- one stream ----------------------------------------------------------------------------


@dataclass
class _Row:
    position: Any
    topic: Any
    chain: str | None
    body: bytes | None
    problem: str | None  # why the row could not be unwrapped


def _unwrap(mapper: Mapper, stored: StoredEvent) -> _Row:
    try:
        chain, body = mapper.unwrap(stored)
    except Exception:
        cause = (
            "cannot be decrypted: its stored bytes were changed"
            if mapper.cipher is not None
            else "cannot be read: its stored bytes were changed"
        )
        return _Row(stored.originator_version, stored.topic, None, None, cause)
    if not _HEX64.fullmatch(chain):
        return _Row(
            stored.originator_version,
            stored.topic,
            None,
            body,
            "carries no chain value: its stored bytes were changed",
        )
    return _Row(stored.originator_version, stored.topic, chain, body, None)


def _link(previous: str, row: _Row, position: int) -> str | None:
    """The chain value ``row`` should carry at ``position`` after ``previous``."""
    if not isinstance(row.topic, str) or row.body is None:
        return None
    try:
        return chain_hash(previous, row.topic, position, bytes(row.body))
    except Exception:
        return None


def check_rows(
    rows: Sequence[StoredEvent], mapper: Mapper
) -> tuple[list[str], int | None, str | None]:
    """Walk one stream's rows: (intact chain values, first broken position, problem)."""
    chains: list[str] = []
    previous = GENESIS
    unwrapped: list[_Row] = []
    for index, stored in enumerate(rows):
        expected = index + 1
        row = _unwrap(mapper, stored)
        unwrapped.append(row)
        if not isinstance(row.position, int) or isinstance(row.position, bool):
            return chains, expected, f"its position is damaged (stored as {row.position!r})"
        if row.position != expected:
            if row.position > expected:
                missing = (
                    f"event {expected} is missing"
                    if row.position == expected + 1
                    else f"events {expected} to {row.position - 1} are missing"
                )
                return chains, expected, f"{missing} (deleted from the store)"
            return chains, expected, f"its position is damaged (stored as {row.position})"
        if row.problem is not None:
            return chains, expected, row.problem
        if _link(previous, row, expected) != row.chain:
            return chains, expected, _mismatch(rows, mapper, unwrapped, index, previous)
        assert row.chain is not None
        chains.append(row.chain)
        previous = row.chain
    return chains, None, None


def _mismatch(
    rows: Sequence[StoredEvent], mapper: Mapper, unwrapped: list[_Row], index: int, previous: str
) -> str:
    """Why the chain breaks at ``index``: a reordered row, or changed bytes."""
    expected = index + 1
    for later in range(index + 1, min(len(rows), index + 1 + REORDER_WINDOW)):
        row = _unwrap(mapper, rows[later])
        if row.chain is not None and _link(previous, row, expected) == row.chain:
            return (
                f"events were reordered or swapped: the event that belongs here is stored "
                f"at position {later + 1}"
            )
    return (
        "the hash chain breaks here: this event's stored bytes were changed, or events "
        "before it were removed and the rest renumbered"
    )


# --- the whole store -----------------------------------------------------------------------


class _Checker:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.registry: dict[str, BranchRegistered] = {}
        self.checks: dict[str, StreamCheck] = {}  # by stream hex
        self._inherited: dict[str, int | None] = {}

    def stream(
        self, kind: str, branch: str | None, stream: UUID, mapper: Mapper
    ) -> tuple[StreamCheck, Sequence[StoredEvent]]:
        check = StreamCheck(kind, branch, stream.hex)
        unreadable: Break | None = None
        try:
            rows = self.store.select(stream)
        except StoreError as error:
            rows, cause = self._read_one_by_one(stream)
            unreadable = Break(
                kind,
                branch,
                stream.hex,
                len(rows) + 1,
                None,
                f"it cannot be read: the row is damaged ({cause or error})",
            )
        check.length = len(rows)
        chains, position, problem = check_rows(rows, mapper)
        check.chains = chains
        if position is not None:
            assert problem is not None
            check.broken = Break(kind, branch, stream.hex, position, None, problem)
        elif unreadable is not None:
            check.broken = unreadable
        self.checks[stream.hex] = check
        return check, rows

    def _read_one_by_one(self, stream: UUID) -> tuple[list[StoredEvent], str | None]:
        """The rows before the first one the recorder cannot read, and why it cannot."""
        recorder = self.store.recorder
        rows: list[StoredEvent] = []
        if recorder is None:
            return rows, None
        last = 0
        while True:
            try:
                found = recorder.select_events(stream, gt=last, limit=1)
            except Exception as error:
                return rows, f"{type(error).__name__}: {error}".splitlines()[0]
            if not found:
                return rows, None
            rows.append(found[0])
            if not isinstance(found[0].originator_version, int):
                return rows, None
            last = found[0].originator_version

    def read_registry(self) -> StreamCheck:
        check, rows = self.stream("registry", None, REGISTRY_ID, self.store.registry_mapper)
        intact = len(check.chains)
        for n, stored in enumerate(rows):
            try:
                record = self.store.registry_mapper.to_model(stored).model
            except Exception:
                if n < intact and check.broken is None:
                    check.broken = Break(
                        "registry", None, REGISTRY_ID.hex, n + 1, None, "its entry cannot be read"
                    )
                continue
            if isinstance(record, BranchRegistered) and record.name not in self.registry:
                self.registry[record.name] = record
        return check

    def inherited(self, name: str) -> int | None:
        """How many log entries ``name`` inherits (its fork length), None if unknowable."""
        if name in self._inherited:
            return self._inherited[name]
        self._inherited[name] = None  # a cycle in a damaged registry stops here
        info = self.registry.get(name)
        result: int | None = None
        if info is not None:
            if info.parent is None:
                result = 0
            elif info.fork_date is None:
                result = info.fork_version
            else:
                result = self._date_fork_length(info)
        self._inherited[name] = result
        return result

    def _date_fork_length(self, info: BranchRegistered) -> int | None:
        from orgsim.store.branches import BranchReader

        try:
            reader = BranchReader(self.store)
            reader._registry = dict(self.registry)
            log = reader.load(info.parent).log  # type: ignore[arg-type]
        except Exception:
            return None
        if info.fork_version is not None:
            log = log[: info.fork_version]
        return sum(1 for item in log if item.event.effective <= info.fork_date)  # type: ignore[operator]

    def full_length(self, name: str) -> int | None:
        fork = self.inherited(name)
        check = self.checks.get(branch_stream(name).hex)
        if fork is None or check is None:
            return None
        return fork + check.length

    def with_version(self, broken: Break) -> Break:
        if broken.kind != "branch" or broken.branch is None:
            return broken
        fork = self.inherited(broken.branch)
        if fork is None:
            return broken
        return Break(
            broken.kind,
            broken.branch,
            broken.stream,
            broken.position,
            fork + broken.position,
            broken.problem,
        )


def _ancestry(registry: dict[str, BranchRegistered], name: str) -> list[str]:
    chain: list[str] = []
    current: str | None = name
    while current is not None and current in registry and current not in chain:
        chain.append(current)
        current = registry[current].parent
    return list(reversed(chain))


def verify(
    store: Store,
    branch: str | None = None,
    heads: dict[str, Any] | None = None,
    heads_file: str | None = None,
) -> Report:
    """Check the store (or one branch and its ancestors, plus the registry)."""
    checker = _Checker(store)
    registry_check = checker.read_registry()
    if branch is not None and branch not in checker.registry:
        from orgsim.store.branches import UnknownBranch

        known = ", ".join(sorted(checker.registry)) or "none yet"
        raise UnknownBranch(f"unknown branch {branch!r} (branches: {known})")
    names = list(checker.registry) if branch is None else _ancestry(checker.registry, branch)
    head_entries = _head_entries(heads) if heads is not None else []
    extra = [
        e["branch"]
        for e in head_entries
        if e["stream"] == "branch"
        and e["branch"] not in checker.registry
        and (branch is None or e["branch"] == branch)
    ]

    ordered: list[StreamCheck] = [registry_check]
    for name in names:
        ordered.append(checker.stream("branch", name, branch_stream(name), store.mapper)[0])
    for name in dict.fromkeys(extra):
        check = checker.stream("branch", name, branch_stream(name), store.mapper)[0]
        _first(
            check,
            Break(
                "branch",
                name,
                check.stream,
                1,
                None,
                "the branch is missing from the registry (it is in the heads file)",
            ),
        )
        ordered.append(check)

    # A parent must still hold every event a branch was forked from.
    for name in names:
        info = checker.registry[name]
        if info.parent is None or info.fork_version is None or info.parent not in names:
            continue
        parent = checker.checks[branch_stream(info.parent).hex]
        length = checker.full_length(info.parent)
        if length is not None and length < info.fork_version:
            position = parent.length + 1
            _first(
                parent,
                Break(
                    "branch",
                    info.parent,
                    parent.stream,
                    position,
                    None,
                    f"events were deleted from its end: branch {name!r} was forked from it at "
                    f"version {info.fork_version}, but it now ends at version {length}",
                ),
            )

    # Rows in streams nobody owns: a truncated registry, or rows moved between streams.
    if branch is None:
        known = {c.stream for c in ordered}
        for stream in store.stream_ids():
            hex_id = _hex(stream)
            if hex_id in known:
                continue
            try:
                count = len(store.select(stream_key(stream)))  # type: ignore[arg-type]
            except StoreError:
                count = 0
            check = StreamCheck("unknown", None, hex_id, count)
            check.broken = Break(
                "unknown",
                None,
                hex_id,
                1,
                None,
                f"{count or 'its'} event(s) in a stream that no registered "
                "branch owns: registry entries were deleted, or rows moved",
            )
            ordered.append(check)

    report = Report(ordered, heads_file)
    if heads is not None:
        report.heads_streams = _check_heads(checker, ordered, head_entries, branch)
    for check in ordered:
        if check.broken is not None:
            check.broken = checker.with_version(check.broken)
    return report


def _first(check: StreamCheck, candidate: Break) -> None:
    if check.broken is None or candidate.position < check.broken.position:
        check.broken = candidate
        del check.chains[candidate.position - 1 :]


def _hex(stream: str) -> str:
    try:
        return UUID(stream).hex
    except ValueError:
        return stream


def stream_key(stream: str) -> UUID | str:
    """A stream id as :meth:`Store.stream_ids` lists it, ready for a select."""
    try:
        return UUID(stream)
    except ValueError:
        return stream


# --- heads ---------------------------------------------------------------------------------


def read_heads(path: str) -> dict[str, Any]:
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
        _head_entries(document)
    except HeadsError as error:
        raise HeadsError(f"heads file {path}: {error}") from None
    return document


def _head_entries(document: dict[str, Any]) -> list[dict[str, Any]]:
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
        if not isinstance(head, str) or not _HEX64.fullmatch(head):
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


def _check_heads(
    checker: _Checker,
    ordered: Iterable[StreamCheck],
    entries: list[dict[str, Any]],
    branch: str | None,
) -> int:
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
            _first(
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
            _first(
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
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_text(json.dumps(report.heads(), indent=2) + "\n", encoding="utf-8")
        temporary.replace(target)
    except OSError as error:
        raise HeadsError(f"cannot write heads file {path}: {error.strerror}") from None
