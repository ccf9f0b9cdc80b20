"""The store's fast reads give what the plain reads they replace give.

``verify`` reads the checkpoints' states from one query stepped through
(:class:`orgsim.store.checkpoint_check._States`), lists the streams of a SQLite table by
index seeks (:func:`orgsim.store.backends.stream_ids`), asks the cache table for every
stream's last position in one pass (:func:`orgsim.store.bulk.last_positions`), and reads
rows as SQLite's own tuples (:func:`orgsim.store.bulk.select_rows`). Each is checked
against the straightforward read, kept here as the reference: the library's
one-row-per-query select, ``SELECT DISTINCT``, one ``MAX`` per stream, and the library's
``select_events``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from orgsim.app.run import run_script
from orgsim.scenario.load import parse_scenario
from orgsim.store import backends, checkpoints, snapshots
from orgsim.store.bulk import last_position, last_positions, select_rows
from orgsim.store.checkpoint_check import _States
from orgsim.store.integrity import verify
from orgsim.store.recorder import branch_stream, open_store

SCRIPT = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
pay_ranges: {G1: [20000, 30000], G2: [40000, 50000]}
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_post: {id: top, title: Top, grade: G2, unit: org}
  - create_post: {id: x, title: X, grade: G1, unit: org, reports_to: top}
  - retitle_post: {id: x, title: X2, effective: 2020-02-01}
  - retitle_post: {id: x, title: X3, effective: 2020-03-01}
  - retitle_post: {id: top, title: Top2, effective: 2020-04-01}
  - create_post: {id: y, title: Y, grade: G1, unit: org, reports_to: top}
  - retitle_post: {id: y, title: Y2, effective: 2020-05-01}
  - retitle_post: {id: y, title: Y3, effective: 2020-06-01}
  - retitle_post: {id: y, title: Y4, effective: 2020-07-01}
  - retitle_post: {id: top, title: Top3, effective: 2020-08-01}
"""
FORK = """\
scenario: fork
based_on: base
effective: 2021-01-01
steps:
  - retitle_post: {id: top, title: Forked}
  - retitle_post: {id: x, title: Fx}
  - retitle_post: {id: y, title: Fy}
"""


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A SQLite store with a checkpoint every 2 versions (many state rows) and a fork."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 2)
    path = tmp_path / "store.sqlite"
    store = open_store(str(path))
    run_script(store, parse_scenario(SCRIPT, "base.yaml"))
    run_script(store, parse_scenario(FORK, "fork.yaml"))
    return store, path


def _one_by_one(store, stream, position: int):
    """The reference: the first row at or after ``position``, one query for it."""
    rows = store.snapshot_recorder().select_events(stream, gt=position - 1, limit=1)
    return rows[0].state if rows else None


@pytest.mark.parametrize(
    "asked",
    [
        "rising",  # as verify asks: every position once, in order (deleted ones too)
        "sparse",  # skipping rows, then past the end
        "back",  # rising, then going back: the one-row query answers those
    ],
)
def test_state_rows_streamed_are_those_read_one_by_one(built, asked):
    store, path = built
    stream = checkpoints.state_stream("base")
    positions = [m.position for m in checkpoints.metas(store, "base")]
    assert len(positions) >= 5, "enough checkpoints to step over several rows"
    # gaps: a deleted row is answered by the next one, as the one-row query answers it
    with sqlite3.connect(path) as raw:
        for gone in (2, 3, positions[-1]):
            raw.execute(
                "DELETE FROM stored_snapshots WHERE originator_id = ? AND originator_version = ?",
                [stream.hex, gone],
            )
    last = positions[-1]
    order = {
        "rising": list(range(1, last + 3)),
        "sparse": [2, 5, last - 1, last + 1],
        "back": [1, 4, 5, 4, 1, last, 2],
    }[asked]
    states = _States(store, stream)
    try:
        for position in order:
            assert states.first_from(position) == _one_by_one(store, stream, position), position
    finally:
        states.close()


def test_verify_finds_the_same_edited_checkpoint_when_read_in_batches(built, monkeypatch):
    store, path = built
    stream = checkpoints.state_stream("base")
    assert verify(store).ok
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE stored_snapshots SET state = CAST(REPLACE(CAST(state AS TEXT), "
            "'Top2', 'Boss') AS BLOB) WHERE originator_id = ? AND originator_version = 4",
            [stream.hex],
        )
    for streamed in (True, False):
        if not streamed:  # the one-row query for every checkpoint, as before
            monkeypatch.setattr(_States, "_streamed", lambda self, position: None)
        problems = [b.problem for b in verify(store).breaks]
        assert problems == [
            "its checkpoint at version 8 does not match its events (edited?): "
            "delete it; until then it is trusted by show"
        ]


def test_stream_ids_by_index_seeks_equal_select_distinct(built):
    store, path = built
    with sqlite3.connect(path) as raw:
        columns = "(originator_id, originator_version, topic, state)"
        for odd in ("", "zz-not-a-uuid", "0", b"\x00blob", b"\xffblob", "A"):
            raw.execute(f"INSERT INTO stored_events {columns} VALUES (?, 1, 't', x'00')", [odd])
        reference = sorted(
            str(row[0]) for row in raw.execute("SELECT DISTINCT originator_id FROM stored_events")
        )
    assert len(reference) == 3 + 6  # registry, two branches, the odd ones
    assert backends.stream_ids(store.recorder) == reference


def test_last_positions_in_one_pass_equal_one_max_per_stream(built):
    store, _path = built
    cache = store.snapshot_recorder()
    heads = last_positions(cache)
    assert heads is not None
    streams = [
        f(name)
        for name in ("base", "fork", "nobody")
        for f in (snapshots.snapshot_stream, checkpoints.meta_stream, checkpoints.state_stream)
    ]
    for stream in streams:
        assert int(heads.get(stream.hex) or 0) == last_position(cache, stream)
    assert heads.get(checkpoints.meta_stream("base").hex, 0) > 1


def test_bulk_rows_are_the_librarys_rows_as_tuples(built):
    store, _path = built
    stream = branch_stream("base")
    rows = select_rows(store.recorder, stream)
    assert all(type(row) is tuple for row in rows)
    assert rows == [
        (s.originator_version, s.topic, s.state) for s in store.recorder.select_events(stream)
    ]


def test_a_snapshot_from_the_writers_kept_state_is_the_dump_of_a_fresh_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A snapshot at a version where the writer's fold kept the state for a checkpoint
    is stored from that text (orgsim.store.snapshots.take): byte for byte the row a
    dump of a fresh replay of the log gives (the reference, made here)."""
    from orgsim.domain.snapshot import dump_state
    from orgsim.domain.timeline import Timeline
    from orgsim.store.branches import BranchReader
    from orgsim.store.state_text import state_text
    from tests.test_checkpoint_handover import _build

    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 3)
    reused: list[int] = []
    take = snapshots.take

    def spying(store, name, version, own, horizon, state, log=None, marks=None):
        if marks and version in marks:
            reused.append(version)
        return take(store, name, version, own, horizon, state, log, marks)

    monkeypatch.setattr(snapshots, "take", spying)
    store = _build(str(tmp_path / "s.sqlite"))
    assert reused, "some snapshot was taken where the fold kept its state"
    recorder = store.snapshot_recorder()
    for name in BranchReader(store).registry:
        rows = recorder.select_events(snapshots.snapshot_stream(name))
        assert rows
        for row in rows:
            stored = json.loads(row.state)
            log = BranchReader(store).load(name).log[: stored["version"]]
            fields = {k: stored[k] for k in ("version", "own", "chain", "recorded", "horizon")}
            fresh = state_text(dump_state(Timeline(log).state_at()))
            assert row.state == snapshots._row(fields, fresh), (name, row.originator_version)
