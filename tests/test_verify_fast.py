"""``verify``'s fast paths find everything the careful ones find.

- A stream read as plain rows (:func:`orgsim.store.chains.intact_rows`) gives the chain
  values :func:`~orgsim.store.chains.check_rows` recomputes, and gives up (None) at any
  change; a stream that starts as a copy of one already checked is compared with it, not
  hashed again, so a changed byte anywhere in the copy, inside or after the shared
  stretch, must still be reported, at its position.
- The zone of a checkpoint's whole stretch, composed from its parts, equals
  :func:`~orgsim.store.checkpoints.summarise` over the events (an independent pass).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged
from orgsim.store import checkpoints as cp
from orgsim.store.branches import BranchReader
from orgsim.store.chains import check_rows, intact_rows
from orgsim.store.checkpoint_check import _whole
from orgsim.store.checkpoint_upkeep import _parts
from orgsim.store.integrity import verify
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import REGISTRY_ID, BranchRegistered, StreamWrite, branch_stream
from orgsim.store.recorder import open_store as open_backend

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SHARED = 30  # events of "orig" that "copy" repeats in its own stream


def _events(n: int, start: int = 0) -> list[ev.Event]:
    out: list[ev.Event] = [
        ev.UnitCreated(
            recorded=NOW, effective=dt.date(2020, 1, 1), unit="org", name="Org", kind="organisation"
        )
    ]
    for i in range(start, start + n - 1):
        out.append(
            ev.PostCreated(
                recorded=NOW + dt.timedelta(seconds=i),
                effective=dt.date(2020, 1, 1) + dt.timedelta(days=i),
                post=f"p{i}",
                title=f"Post {i}",
                grade="G1",
                unit="org",
                fte=Decimal(1),
            )
        )
    return out


def _store(tmp_path: Path, extra: int = 10) -> str:
    """Branch ``orig``, and branch ``copy`` whose stream repeats orig's events and adds
    ``extra`` of its own (as ``benchmarks/perf.py`` writes its ``audited`` branch)."""
    url = str(tmp_path / "store.sqlite")
    store = open_backend(url)
    events = _events(SHARED)
    more = [
        ev.PostRetitled(recorded=NOW, effective=dt.date(2021, 1, 1), post="p1", title=f"T{n}")
        for n in range(extra)
    ]
    store.write(
        [
            StreamWrite(
                REGISTRY_ID,
                0,
                GENESIS,
                [
                    BranchRegistered(name="orig", created=NOW),
                    BranchRegistered(name="copy", created=NOW),
                ],
            ),
            StreamWrite(branch_stream("orig"), 0, GENESIS, events),
            StreamWrite(branch_stream("copy"), 0, GENESIS, [*events, *more]),
        ]
    )
    _snapshot_table(store)
    store.close()
    return url


def _snapshot_table(store: Any) -> None:
    """The snapshot table a run makes (verify reads it; an empty one holds nothing)."""
    recorder = store.snapshot_recorder()
    recorder.create_table()


def _flip(url: str, branch: str, position: int, at: int = 100) -> None:
    conn = sqlite3.connect(url)
    with conn:
        ((state,),) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
            (branch_stream(branch).hex, position),
        )
        changed = bytearray(state)
        changed[at] ^= 0x01
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            (bytes(changed), branch_stream(branch).hex, position),
        )
    conn.close()


def _rows(url: str, branch: str) -> list[tuple[int, str, bytes]]:
    conn = sqlite3.connect(url)
    rows = conn.execute(
        "SELECT originator_version, topic, state FROM stored_events WHERE originator_id=? "
        "ORDER BY originator_version",
        (branch_stream(branch).hex,),
    ).fetchall()
    conn.close()
    return rows


def _breaks(url: str) -> list[tuple[str | None, int]]:
    store = open_backend(url)
    try:
        return [(b.branch, b.position) for b in verify(store).breaks]
    finally:
        store.close()


def test_the_plain_row_walk_gives_the_careful_walks_chain_values(tmp_path):
    url = _store(tmp_path)
    store = open_backend(url)
    try:
        for branch in ("orig", "copy"):
            stored = store.select(branch_stream(branch), check=False)
            rows = _rows(url, branch)
            chains, position, problem = check_rows(stored, store.mapper)
            assert (position, problem) == (None, None)
            assert intact_rows(rows, store.mapper) == chains
        # compared with the stream it copies: the same values, fewer hashes
        orig, copy = _rows(url, "orig"), _rows(url, "copy")
        same = (orig, intact_rows(orig, store.mapper) or [])
        assert intact_rows(copy, store.mapper, same) == intact_rows(copy, store.mapper)
        # any change, gap or reorder: None (the careful walk then says what)
        assert intact_rows(copy[:5] + copy[6:], store.mapper, same) is None
        assert intact_rows([copy[1], copy[0], *copy[2:]], store.mapper, same) is None
        renumbered = [(row[0] + 1, *row[1:]) for row in copy[1:]]  # a gap at 2
        assert intact_rows([copy[0], *renumbered], store.mapper, same) is None
        for n in (3, SHARED - 1, SHARED, SHARED + 4):
            changed = bytearray(copy[n][2])
            changed[90] ^= 0x01
            tampered = [*copy[:n], (copy[n][0], copy[n][1], bytes(changed)), *copy[n + 1 :]]
            assert intact_rows(tampered, store.mapper, same) is None
            assert intact_rows(tampered, store.mapper) is None
    finally:
        store.close()


def test_an_untouched_copy_verifies(tmp_path):
    assert _breaks(_store(tmp_path)) == []


@pytest.mark.parametrize("position", [1, 2, SHARED // 2, SHARED, SHARED + 1, SHARED + 10])
def test_a_changed_byte_in_a_copied_stream_is_found_where_it_is(tmp_path, position):
    url = _store(tmp_path)
    _flip(url, "copy", position)
    assert _breaks(url) == [("copy", position)]


@pytest.mark.parametrize("position", [1, SHARED // 2, SHARED])
def test_a_changed_byte_in_the_stream_copied_is_found_and_the_copy_still_checks(tmp_path, position):
    url = _store(tmp_path)
    _flip(url, "orig", position)
    assert _breaks(url) == [("orig", position)]


def test_the_same_byte_changed_in_both_streams_is_found_in_both(tmp_path):
    url = _store(tmp_path)
    _flip(url, "orig", 7)
    _flip(url, "copy", 7)
    assert _breaks(url) == [("orig", 7), ("copy", 7)]


def test_a_copy_shorter_than_what_it_copies_verifies(tmp_path):
    url = str(tmp_path / "store.sqlite")
    store = open_backend(url)
    events = _events(SHARED)
    store.write(
        [
            StreamWrite(
                REGISTRY_ID,
                0,
                GENESIS,
                [
                    BranchRegistered(name="orig", created=NOW),
                    BranchRegistered(name="copy", created=NOW),
                ],
            ),
            StreamWrite(branch_stream("orig"), 0, GENESIS, events),
            StreamWrite(branch_stream("copy"), 0, GENESIS, events[:10]),
        ]
    )
    _snapshot_table(store)
    store.close()
    assert _breaks(url) == []
    _flip(url, "copy", 10)
    assert _breaks(url) == [("copy", 10)]


def test_a_whole_zone_composed_from_its_parts_is_the_zone_of_its_events(tmp_path):
    url = _store(tmp_path, extra=40)
    store = open_backend(url)
    try:
        log = BranchReader(store).load("copy").log
    finally:
        store.close()
    # undated, dated, and a match in some stretches only
    match = ev.JobMatchAssessed(
        recorded=NOW, effective=dt.date(2019, 5, 5), old="p1", new="p2", percent=Decimal(70)
    )
    log = [*log[:20], Logged(21, match), *log[20:]]
    for first, last in [(0, len(log)), (3, 17), (19, 22), (5, 6), (0, 40)]:
        parts = _parts(log[first:last], first, last)
        assert _whole(parts) == cp.summarise(log[first:last], first, last)
