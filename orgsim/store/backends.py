"""What differs between the library's recorders: SQLite, PostgreSQL and in-memory (POPO).

The library's recorders only append and select. Verifying, re-keying and compacting a store
need a little more (every stream id, overwriting a row's state, ``VACUUM``), so this module
reaches under the recorders for their datastore and table, and is the one place that knows
each backend's SQL dialect and private attributes. Library errors pass through unwrapped:
:class:`orgsim.store.recorder.Store` turns them into one-line messages naming the store.

The backend modules are imported lazily (``eventsourcing.postgres`` pulls in psycopg), so a
recorder's kind is told by its class's module, then cast for the type checker.

Test hooks (environment variables, used only by the test suite to make races and crashes
deterministic): ``ORGSIM_TEST_BARRIER=DIR:N`` makes a write wait until N processes reach
it; ``ORGSIM_TEST_PAUSE_BEFORE_WRITE=SECONDS`` sleeps before writing;
``ORGSIM_TEST_PAUSE_IN_WRITE=SECONDS`` sleeps inside the open transaction, after the rows
are inserted and before the commit; ``ORGSIM_TEST_MARKER=FILE`` is created when a pause
starts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.utils import Environment, retry

if TYPE_CHECKING:
    from eventsourcing.popo import POPOAggregateRecorder
    from eventsourcing.postgres import PostgresAggregateRecorder
    from eventsourcing.sqlite import SQLiteAggregateRecorder

    from orgsim.store.mapper import Row


class Factory(Protocol):
    """What the store needs of a library infrastructure factory (any backend)."""

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder: ...

    def close(self) -> None: ...


def _popo(recorder: AggregateRecorder) -> POPOAggregateRecorder | None:
    if type(recorder).__module__ == "eventsourcing.popo":
        return cast("POPOAggregateRecorder", recorder)
    return None


def _postgres(recorder: AggregateRecorder) -> PostgresAggregateRecorder | None:
    if type(recorder).__module__ == "eventsourcing.postgres":
        return cast("PostgresAggregateRecorder", recorder)
    return None


def _sqlite(recorder: AggregateRecorder) -> SQLiteAggregateRecorder:
    """The recorder as SQLite's: what remains once POPO and PostgreSQL are ruled out."""
    return cast("SQLiteAggregateRecorder", recorder)


def is_popo(recorder: AggregateRecorder) -> bool:
    return _popo(recorder) is not None


def qualified_table(recorder: AggregateRecorder) -> str:
    """The events table's name, quoted (and schema-qualified on PostgreSQL)."""
    postgres = _postgres(recorder)
    if postgres is not None:
        from psycopg.sql import Identifier

        def quote(name: str) -> str:
            return Identifier(name).as_string(None)

        return f"{quote(postgres.datastore.schema)}.{quote(postgres.events_table_name)}"
    return f'"{_sqlite(recorder).events_table_name}"'


def stream_ids(recorder: AggregateRecorder) -> list[str]:
    """Every stream id present in the recorder's table, as text (hex for UUIDs), sorted."""
    popo = _popo(recorder)
    if popo is not None:
        return sorted({str(s.originator_id) for s in popo._stored_events})
    query = f"SELECT DISTINCT originator_id FROM {qualified_table(recorder)}"
    values: list[object]
    postgres = _postgres(recorder)
    if postgres is not None:
        with postgres.datastore.transaction(commit=False) as cursor:
            cursor.execute(query.encode())
            values = [row["originator_id"] for row in cursor.fetchall()]  # dict rows
    else:
        values = _sqlite_stream_ids(_sqlite(recorder), query)
    return sorted(value.hex if isinstance(value, UUID) else str(value) for value in values)


def _sqlite_stream_ids(recorder: SQLiteAggregateRecorder, distinct: str) -> list[object]:
    """The distinct stream ids of a SQLite table, one index seek per stream: ``SELECT
    DISTINCT`` walked every row of the table (0.15 s of ``verify`` at 1,000,000 rows for
    its five streams). Each seek asks for the least id above the last one found, in the
    order and the comparison ``DISTINCT`` uses; a NULL id (which compares with nothing)
    sends it back to ``distinct``, the plain query."""
    table = qualified_table(recorder)
    first = f"SELECT originator_id FROM {table} ORDER BY originator_id LIMIT 1"
    after = (
        f"SELECT originator_id FROM {table} WHERE originator_id > ? ORDER BY originator_id LIMIT 1"
    )
    values: list[object] = []
    with recorder.datastore.transaction(commit=False) as sqlite_cursor:
        sqlite_cursor.execute(first)
        row = sqlite_cursor.fetchone()
        while row is not None:
            if row[0] is None:
                sqlite_cursor.execute(distinct)
                return [found[0] for found in sqlite_cursor.fetchall()]
            values.append(row[0])
            sqlite_cursor.execute(after, [row[0]])
            row = sqlite_cursor.fetchone()
    return values


def as_id(text: str) -> UUID | str:
    """A stream id as :func:`stream_ids` lists it, ready for a select."""
    try:
        return UUID(text)
    except ValueError:
        return text


def update_states(recorder: AggregateRecorder, rows: Sequence[StoredEvent]) -> None:
    """Overwrite the state of existing rows, all in one transaction."""
    popo = _popo(recorder)
    if popo is not None:
        for row in rows:
            at = popo._stored_events_index[str(row.originator_id)][row.originator_version]
            popo._stored_events[at] = row
        return
    postgres = _postgres(recorder)
    mark = "%s" if postgres is not None else "?"
    statement = (
        f"UPDATE {qualified_table(recorder)} SET state={mark} "
        f"WHERE originator_id={mark} AND originator_version={mark}"
    )
    if postgres is not None:
        params = [(row.state, row.originator_id, row.originator_version) for row in rows]
        with postgres.datastore.transaction(commit=True) as cursor:
            cursor.executemany(statement.encode(), params)
        return
    sqlite_params = [
        (row.state, _hex_id(row.originator_id), row.originator_version) for row in rows
    ]
    with _sqlite(recorder).datastore.transaction(commit=True) as sqlite_cursor:
        sqlite_cursor.executemany(statement, sqlite_params)


def _hex_id(originator_id: UUID | str) -> str:
    """SQLite stores stream ids as hex text (see :func:`sqlite_recorder`)."""
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


def vacuum(recorder: AggregateRecorder) -> None:
    """Rebuild the table's storage so no overwritten state lingers in free pages or dead
    tuples: SQLite ``VACUUM``, PostgreSQL ``VACUUM FULL``; nothing in memory."""
    if is_popo(recorder):
        return
    postgres = _postgres(recorder)
    if postgres is not None:
        with postgres.datastore.get_connection() as conn:
            conn.execute(f"VACUUM FULL {qualified_table(recorder)}".encode())
        return
    with _sqlite(recorder).datastore.get_connection(commit=True) as sqlite_conn:
        raw = sqlite_conn._sqlite_conn  # autocommit: VACUUM cannot run in a transaction
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def insert(recorder: AggregateRecorder, streams: Sequence[tuple[UUID, Sequence[Row]]]) -> None:
    """Append ``(position, topic, state)`` rows to streams, all in one transaction.

    The library's tables and transaction, without its ``StoredEvent`` per row: on SQLite
    one ``executemany`` of plain tuples (the library's own insert statement), on
    PostgreSQL a ``COPY`` in one transaction (see :func:`_insert_postgres`). The unique key
    ``(originator_id, originator_version)`` still refuses a row already taken, and the
    library's error classes come out as they would from its own insert. With the in-write
    test hook set, a pause sits between the insert and the commit.
    """
    test_barrier()
    test_pause("ORGSIM_TEST_PAUSE_BEFORE_WRITE")
    popo = _popo(recorder)
    if popo is not None:
        popo.insert_events(
            [
                StoredEvent(stream, n, topic, state)
                for stream, rows in streams
                for n, topic, state in rows
            ]
        )
        return
    pause = bool(os.environ.get("ORGSIM_TEST_PAUSE_IN_WRITE"))
    postgres = _postgres(recorder)
    if postgres is not None:
        _insert_postgres(postgres, streams, pause)
        return
    sqlite = _sqlite(recorder)
    params = [
        (key, n, topic, state)
        for key, rows in ((stream.hex, rows) for stream, rows in streams)
        for n, topic, state in rows
    ]
    with sqlite.datastore.transaction(commit=True) as sqlite_cursor:
        sqlite_cursor.executemany(sqlite.insert_events_statement, params)
        if pause:
            test_pause("ORGSIM_TEST_PAUSE_IN_WRITE")


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def _insert_postgres(
    postgres: PostgresAggregateRecorder,
    streams: Sequence[tuple[UUID, Sequence[Row]]],
    pause: bool,
) -> None:
    """``COPY`` the rows into the library's table in one transaction: the bulk path
    PostgreSQL offers, with the same unique key and constraints as an INSERT (the
    library's own ``INSERT … FROM unnest`` of a composite type made psycopg adapt every
    row in Python: twice the raw ``executemany``). A connection the server dropped (an
    idle pooled one) is retried, as the library's own ``insert_events`` retries it."""
    from psycopg.sql import SQL

    statement = SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN").format(
        SQL(qualified_table(postgres))
    )
    with postgres.datastore.transaction(commit=True) as cursor:
        with cursor.copy(statement) as copy:
            write = copy.write_row
            for stream, rows in streams:
                for n, topic, state in rows:
                    write((stream, n, topic, state))
        if pause:
            test_pause("ORGSIM_TEST_PAUSE_IN_WRITE")


def test_pause(variable: str) -> None:
    seconds = os.environ.get(variable)
    if not seconds:
        return
    marker = os.environ.get("ORGSIM_TEST_MARKER")
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(float(seconds))


def test_barrier(timeout: float = 60.0) -> None:
    spec = os.environ.get("ORGSIM_TEST_BARRIER")
    if not spec:
        return
    folder, _, count = spec.rpartition(":")
    here = Path(folder)
    (here / f"{os.getpid()}.ready").write_text("", encoding="utf-8")
    deadline = time.monotonic() + timeout
    while len(list(here.glob("*.ready"))) < int(count) and time.monotonic() < deadline:
        time.sleep(0.01)


def sqlite_recorder(path: Path | str, create: bool = True) -> tuple[AggregateRecorder, Factory]:
    """The events recorder of a SQLite file (a path, or a ``file:`` URI such as a
    read-only one), creating its table if ``create``."""
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


def postgres_recorder(env: dict[str, str]) -> tuple[AggregateRecorder, Factory]:
    """The events recorder of a PostgreSQL database (settings as the library's variables).
    The driver is an extra: without it, the error says how to install it."""
    try:
        from eventsourcing.postgres import PostgresFactory
    except ImportError:
        raise ImportError(
            "PostgreSQL support is not installed: pip install 'orgsim[postgres]'"
        ) from None

    factory = PostgresFactory(Environment(env=env))
    return factory.aggregate_recorder("events"), factory


def postgres_table_exists(recorder: AggregateRecorder) -> bool:
    """Whether the recorder's events table exists (a read must not create it)."""
    postgres = _postgres(recorder)
    assert postgres is not None
    name = qualified_table(recorder)
    with postgres.datastore.transaction(commit=False) as cursor:
        cursor.execute(b"SELECT to_regclass(%s) AS found", (name,))
        row = cursor.fetchone()
    return row is not None and row["found"] is not None
