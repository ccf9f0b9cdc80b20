"""The event store: branches as streams in the ``eventsourcing`` library's recorders.

Layout: one stream per branch (``uuid5(name)``), holding only that branch's own events;
one registry stream listing the branches with their parent and fork point. Forking copies
no events: a branch's full log is assembled on read (see :mod:`orgsim.services`).

Every write is one ``insert_events`` call, hence one transaction: a run is all or
nothing. Positions are the library's ``originator_version``, whose uniqueness gives
optimistic concurrency: of two writers appending at the same position, one fails with
:class:`ConflictError` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterable, Sequence
from urllib.parse import parse_qs, unquote, urlparse
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import (
    AggregateRecorder,
    InfrastructureFactory,
    IntegrityError,
    PersistenceError,
    RecordConflictError,
    StoredEvent,
)
from eventsourcing.utils import Environment
from pydantic import BaseModel, ConfigDict

from orgsim import events as ev
from orgsim.mapper import GENESIS, Decoded, Mapper, MappingError

DEFAULT_STORE = "orgsim.sqlite"
_NS = uuid5(NAMESPACE_URL, "https://orgsim.invalid/")
REGISTRY_ID = uuid5(_NS, "registry")


class StoreError(RuntimeError):
    """The store cannot be opened or read: a one-line message for the user."""


class ConflictError(StoreError):
    """Another writer got there first; nothing was written."""


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
    """Branches and their own events, over one library recorder."""

    def __init__(self, url: str, recorder: AggregateRecorder | None, mapper: Mapper,
                 factory: InfrastructureFactory | None, lazy_path: Path | None = None) -> None:
        self.url = url
        self._recorder = recorder
        self._factory = factory
        self._lazy_path = lazy_path
        self.mapper = mapper
        self.registry_mapper = Mapper({"BranchRegistered": BranchRegistered},
                                      mapper.cipher, mapper.compressor)

    # --- reading -------------------------------------------------------------------

    def select(self, stream: UUID, gt: int | None = None) -> Sequence[StoredEvent]:
        if self._recorder is None:
            return []
        try:
            return self._recorder.select_events(stream, gt=gt)
        except PersistenceError as error:
            raise StoreError(f"cannot read the store {self.url}: {error}".splitlines()[0]) from error

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
            raise StoreError(str(error)) from error

    # --- writing -------------------------------------------------------------------

    def write(self, writes: Iterable[StreamWrite]) -> int:
        """Append to several streams in one transaction. Returns rows written."""
        rows: list[StoredEvent] = []
        for write in writes:
            mapper = self.registry_mapper if write.stream == REGISTRY_ID else self.mapper
            chain = write.previous_chain
            for offset, model in enumerate(write.models, start=1):
                stored, chain = mapper.to_stored(write.stream, write.after + offset, model, chain)
                rows.append(stored)
        if not rows:
            return 0
        recorder = self._writable()
        try:
            recorder.insert_events(rows)
        except (IntegrityError, RecordConflictError) as error:
            raise ConflictError(
                "another process wrote to this branch at the same time; nothing was written, "
                "run the command again"
            ) from error
        except PersistenceError as error:
            raise StoreError(f"cannot write to the store {self.url}: {error}".splitlines()[0]) from error
        return len(rows)

    def _writable(self) -> AggregateRecorder:
        if self._recorder is None:
            assert self._lazy_path is not None
            self._recorder, self._factory = _sqlite_recorder(self._lazy_path, create=True)
        return self._recorder

    def snapshot_recorder(self) -> AggregateRecorder | None:
        """The snapshot table (``stored_snapshots``): a cache beside the events, never
        evidence. None until the store exists."""
        if getattr(self, "_snapshots", None) is None:
            self._writable_if_exists()
            if self._factory is not None:
                self._snapshots = self._factory.aggregate_recorder("snapshots")
            elif self._recorder is not None:
                from eventsourcing.popo import POPOAggregateRecorder

                self._snapshots = POPOAggregateRecorder()
            else:
                return None
        return self._snapshots

    def _writable_if_exists(self) -> None:
        if self._recorder is None and self._lazy_path is not None and self._lazy_path.exists():
            self._recorder, self._factory = _sqlite_recorder(self._lazy_path, create=True)

    def close(self) -> None:
        if self._factory is not None:
            self._factory.close()

    @property
    def recorder(self) -> AggregateRecorder | None:
        return self._recorder


def _sqlite_recorder(path: Path, create: bool) -> tuple[AggregateRecorder, InfrastructureFactory]:
    from eventsourcing.sqlite import SQLiteFactory

    factory = SQLiteFactory(Environment(env={
        "SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "10", "CREATE_TABLE": "y" if create else "n",
        # Stream ids are stored as hex text either way; "text" skips building a UUID
        # object for every row read, a third of the cost of loading a long branch.
        "ORIGINATOR_ID_TYPE": "text",
    }))
    return factory.aggregate_recorder("events"), factory


def _cipher(key: str | None):  # noqa: ANN202 - the library's Cipher
    if not key:
        return None
    from eventsourcing.cipher import AESCipher

    try:
        return AESCipher(Environment(env={"CIPHER_KEY": key}))
    except Exception as error:
        raise StoreError(f"the encryption key is not valid: {error}") from error


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("ORGSIM_STORE") or DEFAULT_STORE


def open_store(url: str | None = None, key: str | None = None) -> Store:
    """Open a store by URL: a SQLite path (default), ``memory``, or ``postgresql://``.

    A SQLite file that does not exist yet is created only on the first write, so a
    failed or read-only command leaves nothing behind.
    """
    url = resolve_url(url)
    key = key if key is not None else os.environ.get("ORGSIM_KEY")
    mapper = Mapper(cipher=_cipher(key))
    if url in ("memory", ":memory:"):
        from eventsourcing.popo import POPOAggregateRecorder

        return Store(url, POPOAggregateRecorder(), mapper, None)
    if url.startswith(("postgresql://", "postgres://")):
        recorder, factory = _postgres_recorder(url)
        return Store(url, recorder, mapper, factory)
    path = Path(url.removeprefix("sqlite://"))
    if path.exists():
        if path.is_dir():
            raise StoreError(f"the store {url} is a directory, not a SQLite file")
        try:
            recorder, factory = _sqlite_recorder(path, create=True)
        except Exception as error:
            raise StoreError(f"cannot open the store {url}: {error}".splitlines()[0]) from error
        return Store(url, recorder, mapper, factory)
    if not path.parent.exists():
        raise StoreError(f"cannot create the store {url}: folder {path.parent} does not exist")
    return Store(url, None, mapper, None, lazy_path=path)


def _postgres_recorder(url: str) -> tuple[AggregateRecorder, InfrastructureFactory]:
    from eventsourcing.postgres import PostgresFactory

    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    env = {
        "POSTGRES_DBNAME": (parsed.path or "/postgres").lstrip("/") or "postgres",
        "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "CREATE_TABLE": "y",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    try:
        factory = PostgresFactory(Environment(env=env))
        return factory.aggregate_recorder("events"), factory
    except Exception as error:
        raise StoreError(f"cannot open the store {parsed.scheme}://{parsed.hostname}: {error}"
                         .splitlines()[0]) from error
