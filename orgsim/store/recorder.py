"""The event store: branches as streams in the ``eventsourcing`` library's recorders.

Layout: one stream per branch (``uuid5(name)``), holding only that branch's own events;
one registry stream listing the branches with their parent and fork point. Forking copies
no events: a branch's full log is assembled on read (see :mod:`orgsim.services`).

Every write is one ``insert_events`` call, hence one transaction: a run is all or
nothing. Positions are the library's ``originator_version``, whose uniqueness gives
optimistic concurrency: of two writers appending at the same position, one fails with
:class:`ConflictError` and writes nothing.

With a key, every row's state is encrypted (the library's ``AESCipher``, AES-GCM). A store
is either wholly encrypted or wholly plain: :func:`open_store` checks the key against the
stored rows, so a missing, wrong or needless key is a one-line :class:`StoreError`, and a
store is never written with a mix of keys.

Test hooks (environment variables, used only by the test suite to make races and crashes
deterministic): ``ORGSIM_TEST_BARRIER=DIR:N`` makes :meth:`Store.write` wait until N
processes reach it; ``ORGSIM_TEST_PAUSE_BEFORE_WRITE=SECONDS`` sleeps before writing;
``ORGSIM_TEST_PAUSE_IN_WRITE=SECONDS`` sleeps inside the open transaction, after the rows
are inserted and before the commit; ``ORGSIM_TEST_MARKER=FILE`` is created when a pause
starts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
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

from orgsim.store.mapper import GENESIS, Decoded, Mapper, MappingError

DEFAULT_STORE = "orgsim.sqlite"
_NS = uuid5(NAMESPACE_URL, "https://orgsim.invalid/")
REGISTRY_ID = uuid5(_NS, "registry")


class StoreError(RuntimeError):
    """The store cannot be opened or read: a one-line message for the user."""


class ConflictError(StoreError):
    """Another writer got there first; nothing was written."""


CONFLICT_MESSAGE = (
    "conflict: another process wrote to this branch at the same time; "
    "nothing was written, run the command again"
)


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

    def __init__(
        self,
        url: str,
        recorder: AggregateRecorder | None,
        mapper: Mapper,
        factory: InfrastructureFactory | None,
        lazy_path: Path | None = None,
    ) -> None:
        self.url = url
        self._recorder = recorder
        self._factory = factory
        self._lazy_path = lazy_path
        self.mapper = mapper
        self.registry_mapper = Mapper(
            {"BranchRegistered": BranchRegistered}, mapper.cipher, mapper.compressor
        )

    # --- reading -------------------------------------------------------------------

    def select(self, stream: UUID, gt: int | None = None) -> Sequence[StoredEvent]:
        if self._recorder is None:
            return []
        try:
            return self._recorder.select_events(stream, gt=gt)
        except PersistenceError as error:
            raise StoreError(
                f"cannot read the store {self.url}: {error}".splitlines()[0]
            ) from error
        except (TypeError, ValueError) as error:  # a damaged row (e.g. a NULL state)
            raise StoreError(
                f"cannot read the store {self.url}: a stored event is damaged "
                f"({error})".splitlines()[0]
            ) from error

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

    # --- raw access: integrity checks, key checks, re-keying -------------------------

    def stream_ids(self, recorder: AggregateRecorder | None = None) -> list[str]:
        """Every stream id present in the events table (or ``recorder``'s), as text."""
        recorder = recorder or self._recorder
        if recorder is None:
            return []
        try:
            if _is_popo(recorder):
                return sorted({str(s.originator_id) for s in recorder._stored_events})  # type: ignore[attr-defined]
            table = _qualified_table(recorder)
            with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
                cursor.execute(f"SELECT DISTINCT originator_id FROM {table}")
                rows = cursor.fetchall()
        except PersistenceError as error:
            raise StoreError(
                f"cannot read the store {self.url}: {error}".splitlines()[0]
            ) from error
        except Exception as error:  # a damaged SQLite file raises sqlite3 errors here
            raise StoreError(
                f"cannot read the store {self.url}: {error}".splitlines()[0]
            ) from error
        return sorted(_stream_text(row) for row in rows)

    def check_key(self) -> None:
        """Raise :class:`StoreError` unless the key (or its absence) fits the stored rows.

        Samples the registry's rows, then the first row of other streams, until one row
        settles it: a row that decrypts with the key, or a plain row when there is no key.
        Only when no sampled row is readable is the key judged wrong (one damaged row is
        left to ``orgsim verify``).
        """
        samples = 0
        plain_seen = False
        try:
            for stored in self._sample_rows():  # lazily: the first readable row decides
                samples += 1
                state = stored.state
                if not isinstance(state, (bytes, bytearray, memoryview)):
                    continue
                state = bytes(state)
                if self.mapper.cipher is None:
                    if self._plain(state):
                        return
                else:
                    try:
                        self.mapper.cipher.decrypt(state)
                        return
                    except Exception:
                        plain_seen = plain_seen or self._plain(state, decompress=False)
        except StoreError:  # unreadable rows: left to the command (verify reports them)
            return
        if samples == 0:
            return
        if self.mapper.cipher is None:
            raise StoreError(
                "the store is encrypted: give its key with --key-file FILE or "
                "the ORGSIM_KEY environment variable"
            )
        if plain_seen:
            raise StoreError(
                "the store is not encrypted, but a key was given (--key-file or "
                "ORGSIM_KEY): drop the key, or encrypt the store with 'orgsim rekey'"
            )
        raise StoreError(
            "wrong encryption key: it cannot decrypt this store's events (check "
            "--key-file or ORGSIM_KEY)"
        )

    def _plain(self, state: bytes, decompress: bool = True) -> bool:
        if decompress and self.mapper.compressor is not None:
            try:
                state = self.mapper.compressor.decompress(state)
            except Exception:
                return False
        return _PLAIN_STATE.match(state) is not None

    def _sample_rows(self, streams: int = 20) -> Iterable[StoredEvent]:
        """The registry's rows, then the first row of up to ``streams`` other streams."""
        registry = self.select(REGISTRY_ID)
        yield from registry
        others = [s for s in self.stream_ids() if s not in (REGISTRY_ID.hex, str(REGISTRY_ID))]
        for stream in others[:streams]:
            try:
                rows = self._recorder.select_events(_as_id(stream), limit=1)  # type: ignore[union-attr]
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
            if _is_popo(recorder):
                stored = recorder._stored_events  # type: ignore[attr-defined]
                index = recorder._stored_events_index  # type: ignore[attr-defined]
                for row in rows:
                    at = index[str(row.originator_id)][row.originator_version]
                    stored[at] = row
                return len(rows)
            table = _qualified_table(recorder)
            mark = "%s" if _is_postgres(recorder) else "?"
            statement = (
                f"UPDATE {table} SET state={mark} "
                f"WHERE originator_id={mark} AND originator_version={mark}"
            )
            params = [
                (row.state, _id_param(recorder, row.originator_id), row.originator_version)
                for row in rows
            ]
            with recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
                cursor.executemany(statement, params)
        except PersistenceError as error:
            raise StoreError(
                f"cannot write to the store {self.url}: {error}".splitlines()[0]
            ) from error
        return len(rows)

    def compact(self, recorder: AggregateRecorder | None = None) -> None:
        """Rebuild the table's storage so no overwritten state lingers in free pages or
        dead tuples (after re-keying): SQLite ``VACUUM``, PostgreSQL ``VACUUM FULL``."""
        recorder = recorder or self._recorder
        if recorder is None or _is_popo(recorder):
            return
        try:
            if _is_postgres(recorder):
                with recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                    conn.execute(f"VACUUM FULL {_qualified_table(recorder)}")
            else:
                with recorder.datastore.get_connection(commit=True) as conn:  # type: ignore[attr-defined]
                    raw = conn._sqlite_conn  # autocommit: VACUUM cannot run in a transaction
                    raw.execute("VACUUM")
                    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception as error:
            raise StoreError(
                f"cannot compact the store {self.url}: {error}".splitlines()[0]
            ) from error

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
        _test_barrier()
        _test_pause("ORGSIM_TEST_PAUSE_BEFORE_WRITE")
        try:
            if os.environ.get("ORGSIM_TEST_PAUSE_IN_WRITE") and not _is_popo(recorder):
                self._insert_then_pause(recorder, rows)
            else:
                recorder.insert_events(rows)
        except (IntegrityError, RecordConflictError) as error:
            raise ConflictError(CONFLICT_MESSAGE) from error
        except PersistenceError as error:
            raise StoreError(
                f"cannot write to the store {self.url}: {error}".splitlines()[0]
            ) from error
        return len(rows)

    @staticmethod
    def _insert_then_pause(recorder: AggregateRecorder, rows: Sequence[StoredEvent]) -> None:
        """The test hook's write: the same insert, with a pause before the commit."""
        with recorder.datastore.transaction(commit=True) as cursor:  # type: ignore[attr-defined]
            if _is_postgres(recorder):
                recorder._insert_stored_events(cursor, rows)  # type: ignore[attr-defined]
            else:
                recorder._insert_events(cursor, rows)  # type: ignore[attr-defined]
            _test_pause("ORGSIM_TEST_PAUSE_IN_WRITE")

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


#: A plain stored state: 64 hex digits of chain, then a JSON object.
_PLAIN_STATE = re.compile(rb"[0-9a-f]{64}\{")


def _is_popo(recorder: AggregateRecorder) -> bool:
    return type(recorder).__module__ == "eventsourcing.popo"


def _is_postgres(recorder: AggregateRecorder) -> bool:
    return type(recorder).__module__ == "eventsourcing.postgres"


def _qualified_table(recorder: AggregateRecorder) -> str:
    table = recorder.events_table_name  # type: ignore[attr-defined]
    if _is_postgres(recorder):
        from psycopg.sql import Identifier

        schema = recorder.datastore.schema  # type: ignore[attr-defined]
        quote = lambda name: Identifier(name).as_string(None)  # noqa: E731
        return f"{quote(schema)}.{quote(table)}"
    return f'"{table}"'


def _stream_text(row: object) -> str:
    value = row["originator_id"] if not isinstance(row, (tuple, list)) else row[0]  # type: ignore[index]
    if isinstance(value, UUID):
        return value.hex
    return str(value)


def _as_id(text: str) -> UUID | str:
    try:
        return UUID(text)
    except ValueError:
        return text


def _id_param(recorder: AggregateRecorder, originator_id: UUID | str) -> object:
    if isinstance(originator_id, UUID) and not _is_postgres(recorder):
        return originator_id.hex
    return originator_id


def _test_pause(variable: str) -> None:
    seconds = os.environ.get(variable)
    if not seconds:
        return
    marker = os.environ.get("ORGSIM_TEST_MARKER")
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(seconds))


def _test_barrier(timeout: float = 60.0) -> None:
    spec = os.environ.get("ORGSIM_TEST_BARRIER")
    if not spec:
        return
    folder, _, count = spec.rpartition(":")
    here = Path(folder)
    (here / f"{os.getpid()}.ready").write_text("", encoding="utf-8")
    deadline = time.monotonic() + timeout
    while len(list(here.glob("*.ready"))) < int(count) and time.monotonic() < deadline:
        time.sleep(0.01)


def _sqlite_recorder(path: Path, create: bool) -> tuple[AggregateRecorder, InfrastructureFactory]:
    from eventsourcing.sqlite import SQLiteFactory

    factory = SQLiteFactory(
        Environment(
            env={
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "10",
                "CREATE_TABLE": "y" if create else "n",
                # Stream ids are stored as hex text either way; "text" skips building a UUID
                # object for every row read, a third of the cost of loading a long branch.
                "ORIGINATOR_ID_TYPE": "text",
            }
        )
    )
    return factory.aggregate_recorder("events"), factory


KEY_HELP = (
    'create one with: python -c "from eventsourcing.cipher import AESCipher; '
    'print(AESCipher.create_key(32))"'
)


def make_cipher(key: str | None):
    """The library's AES cipher for a base64 key of 16, 24 or 32 bytes (None: no key)."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        raise StoreError(f"the encryption key is empty; {KEY_HELP}")
    from eventsourcing.cipher import AESCipher

    try:
        return AESCipher(Environment(env={"CIPHER_KEY": key}))
    except Exception:
        raise StoreError(
            "the encryption key is not valid: it must be 16, 24 or 32 random bytes "
            f"in base64; {KEY_HELP}"
        ) from None


_cipher = make_cipher


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("ORGSIM_STORE") or DEFAULT_STORE


def open_store(url: str | None = None, key: str | None = None) -> Store:
    """Open a store by URL: a SQLite path (default), ``memory``, or ``postgresql://``.

    A SQLite file that does not exist yet is created only on the first write, so a
    failed or read-only command leaves nothing behind.
    """
    url = resolve_url(url)
    if key is None:
        key = os.environ.get("ORGSIM_KEY") or None  # an empty variable means no key
    mapper = Mapper(cipher=make_cipher(key))
    if url in ("memory", ":memory:"):
        from eventsourcing.popo import POPOAggregateRecorder

        return Store(url, POPOAggregateRecorder(), mapper, None)
    if url.startswith(("postgresql://", "postgres://")):
        recorder, factory = _postgres_recorder(url)
        return _checked(Store(url, recorder, mapper, factory))
    path = Path(url.removeprefix("sqlite://"))
    if path.exists():
        if path.is_dir():
            raise StoreError(f"the store {url} is a directory, not a SQLite file")
        try:
            recorder, factory = _sqlite_recorder(path, create=True)
        except Exception as error:
            raise StoreError(f"cannot open the store {url}: {error}".splitlines()[0]) from error
        return _checked(Store(url, recorder, mapper, factory))
    if not path.parent.exists():
        raise StoreError(f"cannot create the store {url}: folder {path.parent} does not exist")
    return Store(url, None, mapper, None, lazy_path=path)


def _checked(store: Store) -> Store:
    try:
        store.check_key()
    except StoreError:
        store.close()
        raise
    return store


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
        raise StoreError(
            f"cannot open the store {parsed.scheme}://{parsed.hostname}: {error}".splitlines()[0]
        ) from error
