"""``verify`` on a store without a cache table.

A store written only through ``Store.write`` has no ``stored_snapshots`` table: that
means no snapshot and no checkpoints, never "its snapshot cannot be checked". A cache
table that exists but cannot be read, and a damaged event, are still findings.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orgsim.store.integrity import verify
from orgsim.store.recorder import open_store as open_backend
from tests.test_verify_fast import _flip, _store


def _plain_store(tmp_path: Path) -> str:
    url = _store(tmp_path)
    conn = sqlite3.connect(url)
    with conn:
        conn.execute("DROP TABLE stored_snapshots")  # as Store.write alone leaves it
    conn.close()
    return url


def _problems(url: str) -> list[tuple[str | None, int, str]]:
    store = open_backend(url)
    try:
        return [(b.branch, b.position, b.problem) for b in verify(store).breaks]
    finally:
        store.close()


def _tables(url: str) -> set[str]:
    conn = sqlite3.connect(url)
    try:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_a_store_without_a_cache_table_verifies_clean(tmp_path):
    url = _plain_store(tmp_path)
    assert "stored_snapshots" not in _tables(url)
    assert _problems(url) == []


def test_a_damaged_event_is_still_found_without_a_cache_table(tmp_path):
    url = _plain_store(tmp_path)
    _flip(url, "orig", 7)
    problems = _problems(url)
    assert [(b, p) for b, p, _ in problems] == [("orig", 7)]  # copy has its own rows


def test_a_cache_table_that_cannot_be_read_is_still_reported(tmp_path):
    url = _plain_store(tmp_path)
    conn = sqlite3.connect(url)
    with conn:  # there, but not a table the recorder can read
        conn.execute("CREATE TABLE stored_snapshots (junk TEXT)")
    conn.close()
    problems = _problems(url)
    assert {b for b, _, _ in problems} == {"orig", "copy"}
    assert all("cannot be checked" in problem for _, _, problem in problems)
