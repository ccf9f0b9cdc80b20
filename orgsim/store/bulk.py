"""Reading a whole stream fast: ``(position, topic, state)`` tuples straight from SQL.

Why not the library's ``select_events``: it builds a ``StoredEvent`` per row through
named-column access, which on a 500,000-event branch cost as much as reading and
JSON-decoding the rows themselves. A replay needs only the topic and the state, in
position order; the positions are returned so the caller can check there are no gaps.
The in-memory store (tests, ``memory``) goes through the library as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder

from orgsim.store import backends

Row = tuple[int, str, bytes]
#: Rows per page when streaming a stream.
PAGE = 2000


def select_rows(recorder: AggregateRecorder, stream: UUID) -> list[Row]:
    """Every row of ``stream`` in position order."""
    if backends.is_popo(recorder):
        return [(s.originator_version, s.topic, s.state) for s in recorder.select_events(stream)]
    return _fetch(
        recorder,
        "SELECT originator_version, topic, state FROM {table} "
        "WHERE originator_id = {p} ORDER BY originator_version",
        stream,
    )


def _fetch(recorder: AggregateRecorder, query: str, stream: UUID, *args: int) -> list[Any]:
    """``query`` (``{table}`` the events table, ``{p}`` each parameter: the stream, then
    ``args``) on a SQL store, its rows as plain tuples; a PostgreSQL ``bytea`` as bytes."""
    table = backends.qualified_table(recorder)
    postgres = backends._postgres(recorder)
    if postgres is not None:
        with postgres.datastore.get_connection() as conn, conn.cursor() as cursor:
            cursor.execute(query.format(table=table, p="%s").encode(), [stream, *args])
            return [
                tuple(_bytes(v) if isinstance(v, memoryview) else v for v in row.values())
                for row in cursor.fetchall()
            ]
    with backends._sqlite(recorder).datastore.transaction(commit=False) as sqlite_cursor:
        # plain tuples straight from SQLite: the library's connections make a
        # ``sqlite3.Row`` of every row, which then had to be copied into a tuple (0.75 s
        # against 0.46 s for a 500,000-row stream; this cursor is the transaction's own)
        sqlite_cursor.sqlite_cursor.row_factory = None
        sqlite_cursor.execute(query.format(table=table, p="?"), [stream.hex, *args])
        rows: list[Any] = sqlite_cursor.fetchall()
        return rows


def iter_rows(
    recorder: AggregateRecorder | None, stream: UUID, batch: int | None = None
) -> Iterator[list[Row]]:
    """The rows of ``stream`` in position order, ``batch`` at a time: memory stays
    constant however long the stream (streamed ``history --json`` and exports)."""
    batch = batch or PAGE
    if recorder is None:
        return
    if backends.is_popo(recorder):
        rows = select_rows(recorder, stream)
        for start in range(0, len(rows), batch):
            yield rows[start : start + batch]
        return
    after = 0
    while True:
        rows = _page(recorder, stream, after, batch)
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _page(recorder: AggregateRecorder, stream: UUID, after: int, limit: int) -> list[Row]:
    return _fetch(
        recorder,
        "SELECT originator_version, topic, state FROM {table} WHERE originator_id = {p} "
        "AND originator_version > {p} ORDER BY originator_version LIMIT {p}",
        stream,
        after,
        limit,
    )


def select_range(
    recorder: AggregateRecorder | None, stream: UUID, after: int, upto: int
) -> list[Row]:
    """The rows of ``stream`` at positions ``after + 1 .. upto``, in order: a checkpoint
    reads only the stretch of a log it needs (:mod:`orgsim.store.checkpoints`)."""
    if recorder is None or upto <= after:
        return []
    if backends.is_popo(recorder):
        return [row for row in select_rows(recorder, stream) if after < row[0] <= upto]
    return _page(recorder, stream, after, upto - after)


def count_rows(recorder: AggregateRecorder | None, stream: UUID) -> int:
    """How many rows ``stream`` holds, without reading them."""
    if recorder is None:
        return 0
    if backends.is_popo(recorder):
        return len(select_rows(recorder, stream))
    query = "SELECT COUNT(*) AS n FROM {table} WHERE originator_id = {p}"
    return int(_fetch(recorder, query, stream)[0][0])


def last_position(recorder: AggregateRecorder | None, stream: UUID) -> int:
    """The highest position in ``stream`` (0 when empty), from the primary key's index
    without counting rows: positions run 1..N, so this is N; a gap is found when the
    rows are read."""
    if recorder is None:
        return 0
    if backends.is_popo(recorder):
        rows = select_rows(recorder, stream)
        return rows[-1][0] if rows else 0
    query = "SELECT MAX(originator_version) AS n FROM {table} WHERE originator_id = {p}"
    return int(_fetch(recorder, query, stream)[0][0] or 0)


def last_positions(recorder: AggregateRecorder) -> dict[str, Any] | None:
    """:func:`last_position` of every stream of a SQLite table at once, by stream id (hex),
    the maximum as stored; None on other backends (ask :func:`last_position` per stream).

    Why: in a ``WITHOUT ROWID`` table whose rows hold whole states (the cache table's,
    10 MB each at 500,000 events), each per-stream lookup reads states' pages to compare
    keys (up to 0.03 s each), while one pass over the table reads only the keys."""
    if backends.is_popo(recorder) or backends._postgres(recorder) is not None:
        return None
    table = backends.qualified_table(recorder)
    query = f"SELECT originator_id, MAX(originator_version) FROM {table} GROUP BY originator_id"
    with backends._sqlite(recorder).datastore.transaction(commit=False) as sqlite_cursor:
        sqlite_cursor.execute(query)
        return {str(row[0]): row[1] for row in sqlite_cursor.fetchall()}


def stream_states(
    recorder: AggregateRecorder, stream: UUID, after: int
) -> Iterator[tuple[int, Any]]:
    """``(position, state)`` of the rows of ``stream`` after ``after``, in order, one at a
    time from one query on a SQLite table (the caller closes the iterator when done: its
    read transaction stays open until then); nothing on other backends.

    Why: in a ``WITHOUT ROWID`` table whose rows hold whole states (the cache table's,
    10 MB each at 500,000 events), finding a row compares keys whose records are read
    whole, so a query per row read several states for each (20 checkpoints' states: 1.15 s
    of CPU one query each, 0.25 s in one), and reading many rows per query held far more
    memory than the rows. Stepping through one query holds one row."""
    if backends.is_popo(recorder) or backends._postgres(recorder) is not None:
        return
    table = backends.qualified_table(recorder)
    query = (
        f"SELECT originator_version, state FROM {table} WHERE originator_id = ? "
        "AND originator_version > ? ORDER BY originator_version"
    )
    with backends._sqlite(recorder).datastore.transaction(commit=False) as sqlite_cursor:
        sqlite_cursor.sqlite_cursor.row_factory = None
        sqlite_cursor.execute(query, [stream.hex, after])
        while (row := sqlite_cursor.fetchone()) is not None:
            yield row


def _bytes(state: bytes | memoryview | None) -> bytes:
    """A PostgreSQL ``bytea`` as bytes; a damaged row's NULL passes through as None, for
    :meth:`orgsim.store.recorder.Store.check_rows` to report where the damage is."""
    return bytes(state) if state is not None else state  # type: ignore[return-value]
