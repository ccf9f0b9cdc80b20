"""Shared fixtures: every store-backed test runs on SQLite and on PostgreSQL.

PostgreSQL is required, not optional: CI has a server at 127.0.0.1:5432 (user postgres,
trust auth, database ``test``). Each test gets its own schema, dropped afterwards.
Set ORGSIM_TEST_POSTGRES to another URL to point elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


class CLI:
    """Runs the real ``orgsim`` command in a subprocess against one store."""

    def __init__(self, store: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.store = store
        self.cwd = cwd
        self.env = {**os.environ, **(env or {})}
        self.env.pop("ORGSIM_STORE", None)

    def __call__(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orgsim", "--store", self.store, *args],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.env,
            input=input,
            timeout=300,
        )

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
