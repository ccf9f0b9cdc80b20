"""Shared fixtures: every store-backed test runs on SQLite and on PostgreSQL.

PostgreSQL is required, not optional: CI has a server at 127.0.0.1:5432 (user postgres,
trust auth, database ``test``). Each test gets its own schema, dropped afterwards.
Set ORGSIM_TEST_POSTGRES to another URL to point elsewhere.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
POSTGRES = os.environ.get("ORGSIM_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema() -> Iterator[str]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES.split("?")[0], autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES}?schema={schema}"
    finally:
        with psycopg.connect(POSTGRES.split("?")[0], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store URL, once per backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite")
    else:
        yield from _postgres_schema()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "store.sqlite")


def _import_cli_as_if_piped():
    """Import the CLI with stdout and stderr not terminals, as a piped subprocess sees them.

    ``orgsim.cli.app`` builds its Rich consoles at import and fixes their width (160) and
    colour system there. They write to whatever ``sys.stdout``/``sys.stderr`` is current at
    print time, so redirecting per call is enough, but their width and colours must be
    decided as they are for ``orgsim ... | cat`` even under ``pytest -s`` on a terminal.
    """
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import orgsim.cli.commands  # noqa: F401 - registers the commands once, up front
    # by module name: the package attribute orgsim.cli.app is the Click group, not the module
    return importlib.import_module("orgsim.cli.app"), importlib.import_module(
        "orgsim.store.snapshots"
    )


_app, _snapshots = _import_cli_as_if_piped()


@contextlib.contextmanager
def _process_state(env: dict[str, str], cwd: Path) -> Iterator[None]:
    """For one in-process call: exactly ``env`` as the environment, ``cwd`` as working
    directory, and the settings read at import re-read from ``env``; all restored after."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_every = _snapshots.SNAPSHOT_EVERY
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    if "ORGSIM_SNAPSHOT_EVERY" in env:  # read once at import by orgsim.store.snapshots
        _snapshots.SNAPSHOT_EVERY = int(env["ORGSIM_SNAPSHOT_EVERY"])
    _app._settings = None  # a fresh process has none; a stale one would be closed again
    try:
        yield
    finally:
        _app._settings = None
        _snapshots.SNAPSHOT_EVERY = saved_every
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


class CLI:
    """Runs the ``orgsim`` command against one store and returns what a shell would see.

    By default it calls ``orgsim.cli.main`` in this process: a subprocess per call costs
    about a second of imports, which made the suite take many minutes. The call sees its own
    environment, working directory, stdin, stdout and stderr, and its exit status is caught,
    so a test reads the same ``CompletedProcess`` either way. ``subprocess=True`` runs the
    real ``python -m orgsim`` instead, for the end-to-end tests that must prove the command
    works as installed (tests/test_end_to_end.py, tests/test_concurrency.py).
    """

    def __init__(
        self,
        store: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        subprocess: bool = False,
    ) -> None:
        self.store = store
        self.cwd = cwd
        self.env = {**os.environ, **(env or {})}
        self.env.pop("ORGSIM_STORE", None)
        self.subprocess = subprocess

    def __call__(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = ["--store", self.store, *args]
        if self.subprocess:
            return subprocess.run(
                [sys.executable, "-m", "orgsim", *argv],
                capture_output=True,
                text=True,
                cwd=self.cwd,
                env=self.env,
                input=input,
                timeout=300,
            )
        return self._in_process(argv, input)

    def _in_process(self, argv: list[str], input: str | None) -> subprocess.CompletedProcess[str]:
        """``orgsim ARGV`` in this process, mapped to what the subprocess would return.

        An unexpected exception prints its traceback to stderr with exit 1, as Python does,
        so tests asserting "no traceback" fail the same way they would in a subprocess.
        """
        out, err = io.StringIO(), io.StringIO()
        stdin = io.TextIOWrapper(io.BytesIO((input or "").encode("utf-8")), encoding="utf-8")
        saved_stdin = sys.stdin
        code: int | str | None = 0
        with _process_state(self.env, self.cwd):
            sys.stdin = stdin
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        _app.main(argv)
                    except SystemExit as done:
                        code = done.code
                    except Exception:
                        traceback.print_exc()
                        code = 1
            finally:
                sys.stdin = saved_stdin
        if code is None:
            code = 0
        elif not isinstance(code, int):  # sys.exit("message"): printed, exit 1
            err.write(f"{code}\n")
            code = 1
        return subprocess.CompletedProcess(["orgsim", *argv], code, out.getvalue(), err.getvalue())

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self(*args)
        assert result.returncode == 0, f"orgsim {' '.join(args)} failed:\n{result.stderr}"
        return result

    def json(self, *args: str) -> dict:
        import json

        return json.loads(self.ok(*args, "--json").stdout)


@pytest.fixture
def cli(store_url: str, tmp_path: Path) -> CLI:
    return CLI(store_url, tmp_path)


@pytest.fixture
def cli_process(store_url: str, tmp_path: Path) -> CLI:
    """Like ``cli`` but every call is a real ``python -m orgsim`` subprocess (slow)."""
    return CLI(store_url, tmp_path, subprocess=True)


@pytest.fixture
def write(tmp_path: Path):
    """Write a scenario file and return its path."""
    counter = {"n": 0}

    def _write(text: str, name: str | None = None) -> str:
        counter["n"] += 1
        path = tmp_path / (name or f"script{counter['n']}.yaml")
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


@pytest.fixture
def cli_for(tmp_path: Path):
    """A CLI on a store of your choosing (for tests that need several stores)."""

    def _make(store: str) -> CLI:
        return CLI(store, tmp_path)

    return _make
