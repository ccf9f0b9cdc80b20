"""Tamper evidence: recompute every hash chain in a store and report the first break.

:func:`verify` reads every stream — the branch registry first, then each branch in the
order it was created — and checks each one's hash chain (see :mod:`orgsim.store.chains`),
that every branch's parent still holds the events the branch was forked from, that no
stream holds rows that no registered branch owns (a truncated registry leaves one), and,
given a heads file exported earlier, that no stream was truncated or rewritten since (see
:mod:`orgsim.store.heads`), and then that each branch's snapshot and checkpoints equal a
fresh fold of its events (see :mod:`orgsim.store.cache_check`).

Anything unreadable is reported as a break, never raised: a damaged store is a finding.
Only a wrong or missing key is an error (the store cannot be checked at all), and
:func:`orgsim.store.recorder.open_store` raises it before we get here.

The names of :mod:`orgsim.store.chains` and :mod:`orgsim.store.heads` that callers used
from here before the split are re-exported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from orgsim.domain.timeline import Logged, gc_paused
from orgsim.store.backends import as_id
from orgsim.store.branches import BranchReader, UnknownBranch, fork_length
from orgsim.store.bulk import Row, select_rows
from orgsim.store.cache_check import ancestry, cached_branches, check_caches
from orgsim.store.chains import (
    REORDER_WINDOW,
    Break,
    StreamCheck,
    check_rows,
    intact_rows,
    keep_first,
)
from orgsim.store.heads import (
    HEADS_FORMAT,
    HEADS_VERSION,
    HeadsError,
    check_heads,
    head_entries,
    heads_document,
    read_heads,
    write_heads,
)
from orgsim.store.mapper import Mapper
from orgsim.store.recorder import REGISTRY_ID, BranchRegistered, Store, StoreError, branch_stream

__all__ = [
    "HEADS_FORMAT",
    "HEADS_VERSION",
    "REORDER_WINDOW",
    "Break",
    "HeadsError",
    "Report",
    "StreamCheck",
    "check_rows",
    "read_heads",
    "stream_key",
    "verify",
    "write_heads",
]


@dataclass
class Report:
    """Every checked stream, in order, with its first break if any."""

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
        return heads_document(self.streams)

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


# --- the whole store -----------------------------------------------------------------------


class _Checker:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.registry: dict[str, BranchRegistered] = {}
        self.checks: dict[str, StreamCheck] = {}  # by stream hex
        self._inherited: dict[str, int | None] = {}
        #: rows of intact streams, by stream hex, until a fold takes them
        self.rows: dict[str, Sequence[Row]] = {}
        self._firsts: dict[bytes, tuple[Sequence[Row], Sequence[str]]] = {}
        self._folded: set[str] | None = None

    def stream(
        self, kind: str, branch: str | None, stream: UUID, mapper: Mapper
    ) -> tuple[StreamCheck, Sequence[StoredEvent]]:
        check = StreamCheck(kind, branch, stream.hex)
        if kind == "branch" and self._bulk(check, stream, mapper):
            return check, []
        unreadable: Break | None = None
        try:
            rows = self.store.select(stream, check=False)
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

    def _bulk(self, check: StreamCheck, stream: UUID, mapper: Mapper) -> bool:
        """The usual case, read fast: the stream's rows as plain tuples, all in place and
        linked (:func:`~orgsim.store.chains.intact_rows`; a stream that starts as one
        already checked is compared with it rather than hashed again). They are kept
        for the snapshot and checkpoint checks, which fold them. False at anything
        irregular: :meth:`stream` then reads and walks the rows the careful way."""
        try:
            rows = select_rows(self.store.recorder, stream) if self.store.recorder else []
            same = self._firsts.get(rows[0][2], ((), ())) if rows else ((), ())
            chains = intact_rows(rows, mapper, same)
        except Exception:
            return False
        if chains is None:
            return False
        check.length, check.chains = len(rows), chains
        self.checks[stream.hex] = check
        if check.branch in self.folded():
            self.rows[stream.hex] = rows
        if rows:
            self._firsts.setdefault(rows[0][2], (rows, chains))
        return True

    def folded(self) -> set[str]:
        """The branches whose rows the cache check will fold (kept after the walk)."""
        if self._folded is None:
            self._folded = cached_branches(self.store, self.registry)
        return self._folded

    def done_reading(self) -> None:
        """Every stream is read: no later one can be compared with an earlier one."""
        self._firsts.clear()

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
            try:
                result = fork_length(info, self._parent_log)
            except Exception:  # a damaged parent: its own check reports it
                result = None
        self._inherited[name] = result
        return result

    def _parent_log(self, name: str) -> list[Logged]:
        return BranchReader(self.store, dict(self.registry)).load(name).log

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


def verify(
    store: Store,
    branch: str | None = None,
    heads: dict[str, Any] | None = None,
    heads_file: str | None = None,
) -> Report:
    """Check the store (or one branch and its ancestors, plus the registry)."""
    # a million rows decoded and hashed, each branch folded: every object stays alive
    # to the end of its check, so the collector's full passes found nothing to free
    with gc_paused():
        return _verify(store, branch, heads, heads_file)


def _verify(
    store: Store, branch: str | None, heads: dict[str, Any] | None, heads_file: str | None
) -> Report:
    checker = _Checker(store)
    registry_check = checker.read_registry()
    if branch is not None and branch not in checker.registry:
        known = ", ".join(sorted(checker.registry)) or "none yet"
        raise UnknownBranch(f"unknown branch {branch!r} (branches: {known})")
    names = list(checker.registry) if branch is None else ancestry(checker.registry, branch)
    entries = head_entries(heads) if heads is not None else []
    extra = [
        e["branch"]
        for e in entries
        if e["stream"] == "branch"
        and e["branch"] not in checker.registry
        and (branch is None or e["branch"] == branch)
    ]

    ordered: list[StreamCheck] = [registry_check]
    for name in names:
        ordered.append(checker.stream("branch", name, branch_stream(name), store.mapper)[0])
    for name in dict.fromkeys(extra):
        check = checker.stream("branch", name, branch_stream(name), store.mapper)[0]
        keep_first(
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
            keep_first(
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
        owned = {c.stream for c in ordered}
        for stream in store.stream_ids():
            hex_id = _hex(stream)
            if hex_id in owned:
                continue
            try:
                count = len(store.select(stream_key(stream), check=False))
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

    # The snapshots and checkpoints beside the events (:mod:`orgsim.store.cache_check`).
    checker.done_reading()
    check_caches(
        store,
        checker.registry,
        checker.rows,
        lambda name: checker.checks[branch_stream(name).hex],
        names,
    )

    report = Report(ordered, heads_file)
    if heads is not None:
        report.heads_streams = check_heads(ordered, entries)
    for check in ordered:
        if check.broken is not None:
            check.broken = checker.with_version(check.broken)
    return report


def _hex(stream: str) -> str:
    try:
        return UUID(stream).hex
    except ValueError:
        return stream


#: A stream id as :meth:`Store.stream_ids` lists it, ready for a select.
stream_key = as_id
