"""Opening a store URL so that reading never creates or alters anything.

Why a module of its own: a store holds evidence. A command that only reads (``branches``,
``show``, ``verify``…) must leave the store byte for byte as it found it, must work on an
archived copy on read-only media, and must not add orgsim's tables to some other
application's SQLite file. Only the first write opens the store for writing, creating the
SQLite file (mode 0600: it holds personal data) or the PostgreSQL tables then.

- :func:`postgres_settings` turns a ``postgresql://`` URL into the library's settings, or
  refuses it in one line (no host, no database, a bad port, an unknown option): a
  malformed URL never falls back to a default database.
- :class:`SqliteOpener` and :class:`PostgresOpener` give a store its reading recorder
  (``None`` while the store is empty) and, on demand, its writing one.

SQLite reads use ``mode=ro``; where even that cannot work (read-only media, which cannot
hold the ``-shm`` file a WAL store needs) and no write-ahead log is pending, the file is
opened ``immutable``. The ``-wal``/``-shm`` files a read-only connection leaves behind are
removed on close by one ordinary connection, which SQLite itself does only when no other
connection uses them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, quote, unquote, urlparse

from eventsourcing.persistence import AggregateRecorder, IntegrityError

from orgsim.store import backends
from orgsim.store.backends import Factory
from orgsim.store.errors import StoreError

#: The columns of the library's events table: a SQLite file without them is not a store.
EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
#: The tables orgsim makes; a file holding any other table belongs to something else.
ORGSIM_TABLES = {"stored_events", "stored_snapshots"}
POSTGRES_OPTIONS = {"schema", "connect_timeout"}


class Opener(Protocol):
    """How a store on disk or on a server gets its recorders."""

    def read(self) -> tuple[AggregateRecorder | None, Factory | None]: ...

    def write(self) -> tuple[AggregateRecorder, Factory]: ...

    def failed_write(self) -> None: ...

    def closed(self) -> None: ...


def _probe(recorder: AggregateRecorder) -> None:
    """Open the recorder's connection and read one row of its table, so that a store that
    cannot be read fails on opening. One row, not every stream id: ``SELECT DISTINCT``
    scans the whole table (0.2 s at 1,000,000 rows), and every command opens the store."""
    datastore = recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT originator_id FROM {backends.qualified_table(recorder)} LIMIT 1")
        cursor.fetchall()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


# --- SQLite -------------------------------------------------------------------------------


class SqliteOpener:
    """A SQLite file: read-only until the first write; created 0600 by that write."""

    def __init__(self, url: str, path: Path) -> None:
        self.url = url
        self.path = path
        self.created = False  # this process created the file (remove it if the write fails)
        self._side = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        self._side_before = [p.exists() for p in self._side]

    def read(self) -> tuple[AggregateRecorder | None, Factory | None]:
        if not self.path.exists():
            if not self.path.parent.is_dir():
                raise StoreError(
                    f"cannot open the store {self.url}: folder {self.path.parent} does not exist"
                )
            return None, None
        if self.path.is_dir():
            raise StoreError(f"the store {self.url} is a directory, not a SQLite file")
        wal = self._side[0]
        pending = wal.exists() and wal.stat().st_size > 0
        if not self._has_events_table(pending):
            return None, None
        modes = ["mode=ro"] if pending else ["mode=ro", "mode=ro&immutable=1"]
        last: BaseException | None = None
        for mode in modes:
            factory: Factory | None = None
            try:
                recorder, factory = backends.sqlite_recorder(self._uri(mode), create=False)
                _probe(recorder)  # opens a connection: fails here, not later
                return recorder, factory
            except Exception as error:
                last = error
                if factory is not None:
                    with contextlib.suppress(Exception):
                        factory.close()
        assert last is not None
        raise StoreError(f"cannot read the store {self.url}: {_first_line(last)}")

    def _uri(self, mode: str) -> str:
        return f"file:{quote(str(self.path.resolve()))}?{mode}"

    def _has_events_table(self, pending: bool) -> bool:
        """True for an orgsim store, False for an empty file or database; otherwise the
        file belongs to something else and is refused. (With a write-ahead log pending,
        the tables may still be in it: then not ``immutable``, which would not see them.)"""
        if self.path.stat().st_size == 0 and not pending:
            return False
        try:
            conn = sqlite3.connect(
                self._uri("mode=ro" if pending else "mode=ro&immutable=1"), uri=True
            )
            try:
                tables = {
                    row[0]
                    for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                columns = (
                    {row[1] for row in conn.execute('PRAGMA table_info("stored_events")')}
                    if "stored_events" in tables
                    else set()
                )
            finally:
                conn.close()
        except sqlite3.Error as error:
            raise StoreError(f"{self.url} is not an orgsim store ({_first_line(error)})") from None
        others = sorted(tables - ORGSIM_TABLES)
        if others or ("stored_events" in tables and not columns >= EVENT_COLUMNS):
            shown = ", ".join(others[:3]) + ("…" if len(others) > 3 else "")
            raise StoreError(
                f"{self.url} is not an orgsim store (it holds other tables: {shown or 'none'}); "
                "give another --store"
            )
        return "stored_events" in tables

    def write(self) -> tuple[AggregateRecorder, Factory]:
        if not self.path.parent.is_dir():
            raise StoreError(
                f"cannot create the store {self.url}: folder {self.path.parent} does not exist"
            )
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        except OSError as error:
            raise StoreError(f"cannot create the store {self.url}: {error.strerror}") from None
        else:
            os.close(fd)
            self.created = True
        try:
            return backends.sqlite_recorder(self.path, create=True)
        except Exception as error:
            self.failed_write()
            raise StoreError(
                f"cannot write to the store {self.url}: {_first_line(error)}"
            ) from None

    def failed_write(self) -> None:
        """Remove the file this process created if no event made it in."""
        if not self.created or not self.path.exists():
            return
        try:
            conn = sqlite3.connect(self.path, timeout=1)
            try:
                tables = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                rows = (
                    conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
                    if "stored_events" in tables
                    else 0
                )
            finally:
                conn.close()
        except sqlite3.Error:
            rows = 0 if self.path.stat().st_size == 0 else 1
        if rows == 0:
            for path in (self.path, *self._side):
                with contextlib.suppress(OSError):
                    path.unlink()
            self.created = False

    def closed(self) -> None:
        """Remove the ``-wal``/``-shm`` files a read-only connection left behind."""
        if not self.path.exists():
            return
        if all(before or not side.exists() for before, side in zip(self._side_before, self._side)):
            return
        with contextlib.suppress(sqlite3.Error, OSError):
            conn = sqlite3.connect(self.path, timeout=1)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
            finally:
                conn.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def postgres_settings(url: str) -> dict[str, str]:
    """The library's settings for a ``postgresql://USER@HOST[:PORT]/DB[?schema=S]`` URL.

    Host and database are required: ``postgresql://`` alone used to mean "the local
    ``postgres`` database as ``postgres``", which put orgsim's tables where nobody meant.
    """
    parsed = urlparse(url)
    shown = f"{parsed.scheme}://{parsed.hostname or ''}"
    try:
        port = parsed.port
    except ValueError:
        raise StoreError(f"--store {shown}: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise StoreError(f"--store {shown}: the port must be a number from 1 to 65535")
    database = unquote(parsed.path.lstrip("/"))
    if not parsed.hostname or not database or "/" in database:
        raise StoreError(
            f"--store {url.split('@')[-1] if '@' in url else url}: a PostgreSQL store needs a "
            "host and a database, like postgresql://USER@HOST:5432/DATABASE"
        )
    query = parse_qs(parsed.query, keep_blank_values=True)
    unknown = sorted(set(query) - POSTGRES_OPTIONS)
    if unknown:
        raise StoreError(
            f"--store {shown}/{database}: unknown option {unknown[0]!r} (known: schema)"
        )
    env = {
        "POSTGRES_DBNAME": database,
        "POSTGRES_HOST": parsed.hostname,
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", ["5"])[0] or "5",
    }
    if "schema" in query:
        schema = query["schema"][0]
        if not schema:
            raise StoreError(f"--store {shown}/{database}: schema= needs a name")
        env["POSTGRES_SCHEMA"] = schema
    return env


class PostgresOpener:
    """A PostgreSQL database: its tables are created by the first write, not by a read."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.env = postgres_settings(url)
        parsed = urlparse(url)
        self.shown = f"{parsed.scheme}://{parsed.hostname}/{self.env['POSTGRES_DBNAME']}"

    def read(self) -> tuple[AggregateRecorder | None, Factory | None]:
        recorder, factory = self._open(create=False)
        try:
            exists = backends.postgres_table_exists(recorder)
        except Exception as error:
            factory.close()
            raise StoreError(f"cannot open the store {self.shown}: {_first_line(error)}") from None
        if not exists:
            factory.close()
            return None, None
        return recorder, factory

    def write(self) -> tuple[AggregateRecorder, Factory]:
        # Two first writers creating the tables at once: PostgreSQL refuses the second
        # CREATE with a unique violation on its catalogue (IF NOT EXISTS does not cover a
        # concurrent creation). The tables exist then, so opening again succeeds.
        for _attempt in range(4):
            try:
                return self._open(create=True, raw=True)
            except IntegrityError:
                time.sleep(0.1)
        return self._open(create=True)

    def _open(self, create: bool, raw: bool = False) -> tuple[AggregateRecorder, Factory]:
        try:
            return backends.postgres_recorder({**self.env, "CREATE_TABLE": "y" if create else "n"})
        except IntegrityError:
            if raw:
                raise
            raise StoreError(f"cannot open the store {self.shown}: tables being created") from None
        except Exception as error:
            raise StoreError(f"cannot open the store {self.shown}: {_first_line(error)}") from None

    def failed_write(self) -> None:
        """Tables created by a failed first write are empty and harmless; nothing to undo."""

    def closed(self) -> None:
        pass
