"""The event store: branches as streams in the ``eventsourcing`` library's recorders.

Layout: one stream per branch (``uuid5(name)``), holding only that branch's own events;
one registry stream listing the branches with their parent and fork point. Forking copies
no events: a branch's full log is assembled on read (see :mod:`orgsim.store.branches`).

Every write is one ``insert_events`` call, hence one transaction: a run is all or
nothing. Positions are the library's ``originator_version``, whose uniqueness gives
optimistic concurrency: of two writers appending at the same position, one fails with
:class:`ConflictError` and writes nothing.

With a key, every row's state is encrypted; :func:`open_store` checks the key against the
stored rows (see :mod:`orgsim.store.keys`). What differs between SQLite, PostgreSQL and
memory, and the test hooks that make races deterministic, live in
:mod:`orgsim.store.backends`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import (
    AggregateRecorder,
    IntegrityError,
    PersistenceError,
    RecordConflictError,
    StoredEvent,
)
from pydantic import BaseModel, ConfigDict

from orgsim.domain.timeline import gc_paused
from orgsim.store import backends
from orgsim.store.backends import Factory
from orgsim.store.errors import CONFLICT_MESSAGE, ConflictError, StoreDamaged, StoreError
from orgsim.store.keys import KEY_HELP, check_key, make_cipher
from orgsim.store.mapper import GENESIS, Decoded, Mapper, MappingError, Row
from orgsim.store.opening import Opener, PostgresOpener, SqliteOpener

__all__ = [
    "CONFLICT_MESSAGE",
    "DEFAULT_STORE",
    "KEY_HELP",
    "REGISTRY_ID",
    "BranchRegistered",
    "ConflictError",
    "Store",
    "StoreDamaged",
    "StoreError",
    "StreamWrite",
    "branch_stream",
    "make_cipher",
    "open_store",
    "resolve_url",
]

DEFAULT_STORE = "orgsim.sqlite"
_NS = uuid5(NAMESPACE_URL, "https://orgsim.invalid/")
REGISTRY_ID = uuid5(_NS, "registry")


class BranchRegistered(BaseModel):
    """A branch's entry in the registry stream."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: ClassVar[int] = 1

    name: str
    parent: str | None = None
    #: How many of the parent's log entries (its full log) the branch inherits.
    fork_version: int | None = None
    #: With a date fork, only inherited events effective on or before this date count.
    fork_date: dt.date | None = None
    created: dt.datetime
    actor: str | None = None


def branch_stream(name: str) -> UUID:
    return uuid5(_NS, f"branch:{name}")


@dataclass(frozen=True)
class StreamWrite:
    """Events to append to one stream, starting after ``after`` (its current length)."""

    stream: UUID
    after: int
    previous_chain: str
    models: Sequence[BaseModel]


class Store:
    """Branches and their own events, over one library recorder.

    With an ``opener`` (a SQLite file, a PostgreSQL database) the store reads through a
    read-only recorder and opens a writing one only for the first write: reading never
    creates or alters anything (see :mod:`orgsim.store.opening`).
    """

    def __init__(
        self,
        url: str,
        recorder: AggregateRecorder | None,
        mapper: Mapper,
        factory: Factory | None,
        opener: Opener | None = None,
    ) -> None:
        self.url = url
        self._recorder = recorder
        self._factory = factory
        self._opener = opener
        self._writing = opener is None
        self._snapshots: AggregateRecorder | None = None
        self.mapper = mapper
        self.registry_mapper = Mapper(
            {"BranchRegistered": BranchRegistered}, mapper.cipher, mapper.compressor
        )

    # --- reading -------------------------------------------------------------------

    def select(
        self, stream: UUID | str, gt: int | None = None, check: bool = True
    ) -> Sequence[StoredEvent]:
        """The stream's rows after position ``gt``. With ``check`` (all but ``verify``,
        which reports damage itself), a damaged row raises :class:`StoreDamaged`."""
        if self._recorder is None:
            return []
        try:
            rows = self._recorder.select_events(stream, gt=gt)
        except PersistenceError as error:
            raise self._error("cannot read the store", error) from error
        except (TypeError, ValueError) as error:  # a damaged row (e.g. a NULL state)
            if not check:
                raise StoreError(f"a stored event is damaged ({error})") from error
            raise self._damaged(stream, self._first_unreadable(stream, gt)) from error
        if check:
            expected = (gt or 0) + 1
            for row in rows:
                if not isinstance(row.state, bytes) or row.originator_version != expected:
                    raise self._damaged(stream, expected)
                expected += 1
        return rows

    def _first_unreadable(self, stream: UUID | str, gt: int | None) -> int | None:
        """The position of the first row the recorder cannot read, one row at a time."""
        assert self._recorder is not None
        last = gt or 0
        while True:
            try:
                rows = self._recorder.select_events(stream, gt=last, limit=1)
            except Exception:
                return last + 1
            if not rows or not isinstance(rows[0].originator_version, int):
                return None
            last = rows[0].originator_version

    def check_rows(self, stream: UUID, rows: Sequence[tuple[int, str, Any]], start: int) -> None:
        """Raise :class:`StoreDamaged` unless ``(position, topic, state)`` rows read in bulk
        are whole and numbered from ``start`` on (the same check :meth:`select` makes)."""
        for expected, (position, _topic, state) in enumerate(rows, start=start):
            if position != expected or not isinstance(state, bytes | bytearray | memoryview):
                raise self._damaged(stream, expected)

    def _damaged(self, stream: UUID | str, position: int | None) -> StoreDamaged:
        """ "The store is damaged at BRANCH version N": where, as far as it can be told."""
        where = "the branch registry" if str(stream) in (str(REGISTRY_ID), REGISTRY_ID.hex) else ""
        if not where:
            where = f"stream {stream}"
            try:
                registry = self.branches()
            except StoreError:
                registry = {}
            for name, info in registry.items():
                if branch_stream(name).hex == str(stream).replace("-", ""):
                    offset = info.fork_version or 0
                    where = f"{name}" + (
                        f" version {offset + position}" if position is not None else ""
                    )
                    break
        elif position is not None:
            where += f" entry {position}"
        return StoreDamaged(f"the store is damaged at {where}; run orgsim verify")

    def branches(self) -> dict[str, BranchRegistered]:
        out: dict[str, BranchRegistered] = {}
        for stored in self.select(REGISTRY_ID):
            record = self._decode(self.registry_mapper, stored).model
            assert isinstance(record, BranchRegistered)
            out[record.name] = record
        return out

    def registry_head(self) -> tuple[int, str]:
        rows = self.select(REGISTRY_ID)
        if not rows:
            return 0, GENESIS
        last = self._decode(self.registry_mapper, rows[-1])
        return last.position, last.chain

    def own_events(self, name: str) -> list[Decoded]:
        return [self._decode(self.mapper, s) for s in self.select(branch_stream(name))]

    def _decode(self, mapper: Mapper, stored: StoredEvent) -> Decoded:
        try:
            return mapper.to_model(stored)
        except MappingError as error:
            if "wrong or missing key" in str(error) or "unknown stored" in str(error):
                raise StoreError(str(error)) from error
            raise self._damaged(stored.originator_id, stored.originator_version) from error
        except Exception as error:  # bytes that do not decode at all
            raise self._damaged(stored.originator_id, stored.originator_version) from error

    def _error(self, doing: str, error: Exception) -> StoreError:
        return StoreError(f"{doing} {self.url}: {error}".splitlines()[0])

    # --- raw access: integrity checks, key checks, re-keying -------------------------

    def stream_ids(self, recorder: AggregateRecorder | None = None) -> list[str]:
        """Every stream id present in the events table (or ``recorder``'s), as text."""
        recorder = recorder or self._recorder
        if recorder is None:
            return []
        try:
            return backends.stream_ids(recorder)
        except Exception as error:  # a damaged SQLite file raises sqlite3 errors here
            raise self._error("cannot read the store", error) from error

    def check_key(self) -> None:
        """Raise :class:`StoreError` unless the key (or its absence) fits the stored rows
        (see :func:`orgsim.store.keys.check_key`)."""
        check_key(self)

    def sample_rows(self, streams: int = 20) -> Iterator[StoredEvent]:
        """The registry's rows, then the first row of up to ``streams`` other streams:
        enough to tell which key the store was written with."""
        yield from (r for r in self.select(REGISTRY_ID, check=False) if isinstance(r.state, bytes))
        if self._recorder is None:
            return
        others = [s for s in self.stream_ids() if s not in (REGISTRY_ID.hex, str(REGISTRY_ID))]
        for stream in others[:streams]:
            try:
                rows = self._recorder.select_events(backends.as_id(stream), limit=1)
            except Exception:
                continue
            yield from rows

    def replace_states(
        self, rows: Sequence[StoredEvent], recorder: AggregateRecorder | None = None
    ) -> int:
        """Overwrite the state of existing rows, all in one transaction (re-keying).

        The events table unless ``recorder`` is given. The caller makes sure nobody else
        writes meanwhile.
        """
        recorder = recorder or self._writable()
        if not rows:
            return 0
        try:
            backends.update_states(recorder, rows)
        except PersistenceError as error:
            raise self._error("cannot write to the store", error) from error
        return len(rows)

    def compact(self, recorder: AggregateRecorder | None = None) -> None:
        """Rebuild the table's storage so no overwritten state lingers in free pages or
        dead tuples (after re-keying): SQLite ``VACUUM``, PostgreSQL ``VACUUM FULL``."""
        if recorder is None:
            if self._recorder is None:
                return
            recorder = self.writable()
        try:
            backends.vacuum(recorder)
        except Exception as error:
            raise self._error("cannot compact the store", error) from error

    # --- writing -------------------------------------------------------------------

    def write(self, writes: Iterable[StreamWrite]) -> int:
        """Append to several streams in one transaction. Returns rows written."""
        rows: list[tuple[UUID, list[Row]]] = []
        with gc_paused():  # a row per event, all kept until the insert
            for write in writes:
                mapper = self.registry_mapper if write.stream == REGISTRY_ID else self.mapper
                encoded, _chain = mapper.encode(write.after, write.models, write.previous_chain)
                if encoded:
                    rows.append((write.stream, encoded))
        if not rows:
            return 0
        recorder = self.writable()
        try:
            backends.insert(recorder, rows)
        except (IntegrityError, RecordConflictError) as error:
            raise ConflictError(CONFLICT_MESSAGE) from error
        except Exception as error:  # a full disk, a read-only file, a lost connection
            if self._opener is not None:
                self._opener.failed_write()
            raise self._error("cannot write to the store", error) from error
        return sum(len(encoded) for _stream, encoded in rows)

    def writable(self) -> AggregateRecorder:
        """The writing recorder, opened (creating the file or tables) on first use."""
        if not self._writing:
            assert self._opener is not None
            recorder, factory = self._opener.write()
            if self._factory is not None:
                self._factory.close()
            self._recorder, self._factory = recorder, factory
            self._snapshots = None
            self._writing = True
        assert self._recorder is not None
        return self._recorder

    _writable = writable

    def snapshot_recorder(self) -> AggregateRecorder | None:
        """The snapshot table (``stored_snapshots``): a cache beside the events, never
        evidence. None until the store exists."""
        if self._snapshots is None:
            if self._factory is not None:
                self._snapshots = self._factory.aggregate_recorder("snapshots")
            elif self._recorder is not None:
                from eventsourcing.popo import POPOAggregateRecorder

                self._snapshots = POPOAggregateRecorder()
            else:
                return None
        return self._snapshots

    def close(self) -> None:
        if self._factory is not None:
            self._factory.close()
            self._factory = None
        if self._opener is not None:
            self._opener.closed()

    @property
    def recorder(self) -> AggregateRecorder | None:
        return self._recorder


_cipher = make_cipher


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("ORGSIM_STORE") or DEFAULT_STORE


def open_store(url: str | None = None, key: str | None = None) -> Store:
    """Open a store by URL: a SQLite path (default), ``memory``, or ``postgresql://``.

    Nothing is created or changed until the first write: a SQLite file that does not exist
    yet is created (mode 0600) by it, a PostgreSQL database gets its tables then, and a
    read-only command leaves the store as it was (see :mod:`orgsim.store.opening`).
    """
    url = resolve_url(url)
    if key is None:
        key = os.environ.get("ORGSIM_KEY") or None  # an empty variable means no key
    mapper = Mapper(cipher=make_cipher(key))
    if url in ("memory", ":memory:"):
        from eventsourcing.popo import POPOAggregateRecorder

        return Store(url, POPOAggregateRecorder(), mapper, None)
    opener: Opener
    if url.startswith(("postgresql:", "postgres:")):
        opener = PostgresOpener(url)
    else:
        opener = SqliteOpener(url, Path(url.removeprefix("sqlite://")))
    recorder, factory = opener.read()
    store = Store(url, recorder, mapper, factory, opener)
    if recorder is None:
        return store
    return _checked(store)


def _checked(store: Store) -> Store:
    try:
        store.check_key()
    except StoreError:
        store.close()
        raise
    return store
