"""One stream's hash chain: recompute it row by row and say where, and why, it breaks.

Every stored row is ``CHAIN || BODY`` where ``CHAIN = sha256(previous chain, topic,
position, body)`` (see :mod:`orgsim.store.mapper`). :func:`check_rows` checks that
positions run 1, 2, 3 ... without a gap (a deleted row leaves one), and that every row
decrypts (with a key; AES-GCM rejects any changed byte) and carries the chain value
recomputed from the previous row (a changed byte, topic or position, or a reordered or
swapped row, breaks it). :class:`Break` and :class:`StreamCheck` are the findings that
:mod:`orgsim.store.integrity` and :mod:`orgsim.store.heads` report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import StoredEvent

from orgsim.store.mapper import CHAIN_LEN, GENESIS, Mapper, Row, chain_hash

#: How far after a break to look for the event that belongs there (reorder detection).
REORDER_WINDOW = 64
HEX64 = re.compile(r"[0-9a-f]{64}")


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


def keep_first(check: StreamCheck, candidate: Break) -> None:
    """Record ``candidate`` unless ``check`` already breaks earlier; the chain values
    from the break on no longer count as intact."""
    if check.broken is None or candidate.position < check.broken.position:
        check.broken = candidate
        del check.chains[candidate.position - 1 :]


@dataclass
class _Row:
    position: object  # as stored: a damaged row may hold anything
    topic: object
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
    if not HEX64.fullmatch(chain):
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
    intact = _intact(rows, mapper)
    if intact is not None:
        return intact, None, None
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


def _intact(rows: Sequence[StoredEvent], mapper: Mapper) -> list[str] | None:
    """The usual case, a whole stream in place and linked, in one tight loop: the same
    hash as :func:`~orgsim.store.mapper.chain_hash` (its four parts in one update), no
    record per row. None at the first irregularity of any kind: :func:`check_rows` then
    walks the rows the careful way, which finds and words it (half of ``verify``'s
    chain time at 1,000,000 rows went to that per-row care)."""
    try:
        if mapper.cipher is None and mapper.compressor is None:
            return _linked([(s.originator_version, s.topic, s.state) for s in rows], 0, GENESIS)
        unwrap = mapper.unwrap
        wrapped = [(s.originator_version, s.topic, unwrap(s)) for s in rows]
        return _linked(wrapped, 0, GENESIS, split=False)
    except Exception:  # anything odd about a row: the careful walk says what
        return None


def _linked(
    rows: Sequence[tuple[Any, Any, Any]], done: int, previous: str, split: bool = True
) -> list[str] | None:
    """The chain values of ``rows`` (``(position, topic, state)``; with ``split`` False
    the state is already ``(chain, body)``), which continue a stream after ``done`` rows
    whose last chain value is ``previous``; None at the first row out of place or whose
    hash does not link."""
    chains: list[str] = []
    sha256 = hashlib.sha256
    try:
        for expected, (position, topic, state) in enumerate(rows, start=done + 1):
            if type(position) is not int or position != expected or type(topic) is not str:
                return None
            if split:
                chain, body = state[:CHAIN_LEN].decode("ascii"), state[CHAIN_LEN:]
            else:
                chain, body = state
            digest = sha256(f"{previous}\n{topic}\n{expected}\n".encode())
            digest.update(body)
            if digest.hexdigest() != chain:
                return None
            chains.append(chain)
            previous = chain
    except Exception:  # anything odd about a row: the careful walk says what
        return None
    return chains


def intact_rows(
    rows: Sequence[Row], mapper: Mapper, same: tuple[Sequence[Row], Sequence[str]] = ((), ())
) -> list[str] | None:
    """:func:`check_rows`'s usual case on bulk rows (``(position, topic, state)``, see
    :mod:`orgsim.store.bulk`): the chain values of a whole stream in place and linked,
    or None at the first irregularity of any kind (then the caller reads the stream the
    library's way and :func:`check_rows` finds and words it). Without a key only.

    ``same``: the rows of a stream already found intact, and their chain values. While
    this stream's rows are byte for byte the same (topic and stored bytes, chain value
    included) at the same positions from the first, each carries the value the other's
    hash proved, so it is not hashed again: a stream copied from another (a branch
    written as a copy of another's log) costs a comparison per shared row."""
    if mapper.cipher is not None or mapper.compressor is not None:
        return None
    other, proved = same
    try:
        shared = 0
        for (position, topic, state), (_p, other_topic, other_state) in zip(rows, other):
            if other_state != state or other_topic != topic:
                break
            shared += 1
            if type(position) is not int or position != shared or type(topic) is not str:
                return None
    except Exception:  # anything odd about a row: the careful walk says what
        return None
    chains: list[str] = list(proved[:shared])
    rest = _linked(rows[shared:], shared, chains[-1] if chains else GENESIS)
    return None if rest is None else chains + rest


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
