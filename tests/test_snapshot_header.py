"""``verify`` checks every field of a snapshot that ``show`` trusts, reading its header only
when the row is exactly what the writer wrote.

A snapshot row is ``{"version", "own", "chain", "recorded", "horizon", "state"}``. ``show``
uses all of them: ``own`` to find the events after it, ``horizon`` for the dates it may
answer, ``recorded`` for ``--as-known-at``. The edits here are made to the row's compact
text, byte for byte, as someone with the database file would make them (the edits in
``test_snapshots`` re-write the row as pretty JSON, which takes the whole-row path).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from eventsourcing.persistence import StoredEvent

from orgsim.app.run import run_script
from orgsim.scenario.load import parse_scenario
from orgsim.store import snapshots
from orgsim.store.integrity import verify
from orgsim.store.recorder import open_store
from tests.test_snapshots import BASE, full

#: the latest effective date among BASE's steps (post y created, post x deleted)
BASE_HORIZON = "2021-01-01"


@pytest.fixture
def store(store_url, monkeypatch):
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    opened = open_store(store_url)
    run_script(opened, parse_scenario(BASE, "base.yaml"))
    return opened


def _row(store) -> StoredEvent:
    recorder = store.snapshot_recorder()
    return recorder.select_events(snapshots.snapshot_stream("base"), desc=True, limit=1)[0]


def _rewrite(store, change) -> None:
    """Replace the newest snapshot row's text with ``change(text)``."""
    row = _row(store)
    text = change(bytes(row.state))
    assert text != row.state
    edited = StoredEvent(row.originator_id, row.originator_version, row.topic, text)
    store.replace_states([edited], store.snapshot_recorder())


def _snapshot_problem(store) -> str | None:
    report = verify(store)
    problems = [b.problem for b in report.breaks if "snapshot" in b.problem]
    assert len(problems) == len(report.breaks), report.breaks  # nothing else is broken
    return problems[0] if problems else None


def test_the_header_read_alone_is_the_rows_own_fields(store):
    text = bytes(_row(store).state)
    whole = json.loads(text)
    assert snapshots._head(text) == {k: whole[k] for k in snapshots._FIELDS}
    assert whole["horizon"] == BASE_HORIZON
    assert _snapshot_problem(store) is None


def test_an_edited_state_in_the_compact_text_is_found(store):
    _rewrite(store, lambda t: t.replace(b'"Top"', b'"Tip"', 1))
    problem = _snapshot_problem(store)
    assert problem is not None and "does not match its events" in problem


def test_an_earlier_horizon_is_found_show_would_answer_wrong_dates_from_it(store):
    at = dt.date(2020, 7, 1)  # before post y exists and while post x still does
    assert snapshots.structure_from_snapshot(store, "base", at) is None
    _rewrite(store, lambda t: t.replace(b'"horizon":"2021-01-01"', b'"horizon":"2020-06-01"'))
    wrong = snapshots.structure_from_snapshot(store, "base", at)
    assert wrong is not None and wrong.to_json() != full(store, "base", at)  # trusted, wrong
    problem = _snapshot_problem(store)
    assert problem is not None and "horizon" in problem


def test_an_edited_recorded_time_is_found(store):
    recorded = json.loads(bytes(_row(store).state))["recorded"]
    later = b'"recorded":"2999-01-01T00:00:00+00:00"'
    _rewrite(store, lambda t: t.replace(b'"recorded":"%s"' % recorded.encode(), later))
    problem = _snapshot_problem(store)
    assert problem is not None and "recorded" in problem


def test_an_own_position_moved_with_its_chain_is_found(store):
    whole = json.loads(bytes(_row(store).state))
    own, chain = whole["own"], whole["chain"]
    earlier = snapshots.own_chain(store, "base", own - 1)
    assert earlier is not None

    def move(text: bytes) -> bytes:
        text = text.replace(b'"own":%d,' % own, b'"own":%d,' % (own - 1))
        return text.replace(chain.encode(), earlier.encode())

    _rewrite(store, move)
    assert snapshots.latest(store, "base") is not None  # bound, so show would use it
    problem = _snapshot_problem(store)
    assert problem is not None and "own events" in problem


def _with_second_chain(text: bytes, first: str, last: str) -> bytes:
    """The row with its header's chain ``first`` and the same key again, ``last``, at the
    end: JSON readers keep the last, so ``show`` goes by ``last``."""
    whole = json.loads(text)
    text = text.replace(whole["chain"].encode(), first.encode(), 1)
    return text[:-1] + b',"chain":"%s"}' % last.encode()


def test_a_header_that_disagrees_with_the_whole_row_is_checked_as_show_reads_it(store):
    real = json.loads(bytes(_row(store).state))["chain"]

    def hide(text: bytes) -> bytes:  # the header looks stale; show trusts the row
        return _with_second_chain(text, "f" * 64, real).replace(b'"Top"', b'"Tip"', 1)

    _rewrite(store, hide)
    assert snapshots.latest(store, "base") is not None
    problem = _snapshot_problem(store)
    assert problem is not None and "does not match its events" in problem


def test_a_row_show_ignores_is_not_a_finding(store):
    real = json.loads(bytes(_row(store).state))["chain"]
    _rewrite(store, lambda t: _with_second_chain(t, real, "f" * 64))
    assert snapshots.latest(store, "base") is None  # unbound: replayed in full instead
    assert _snapshot_problem(store) is None


def test_a_row_written_another_way_with_the_same_content_passes(store):
    whole = json.loads(bytes(_row(store).state))
    pretty = json.dumps(whole, indent=1).encode()
    _rewrite(store, lambda _t: pretty)
    assert snapshots.latest(store, "base") is not None
    assert _snapshot_problem(store) is None


def _replace_fields(store, **fields) -> None:
    """The row rewritten with ``fields`` changed (None: the field removed), compact."""
    whole = json.loads(bytes(_row(store).state))
    for key, value in fields.items():
        if value is None:
            del whole[key]
        else:
            whole[key] = value
    _rewrite(store, lambda _t: json.dumps(whole, separators=(",", ":")).encode())


def test_a_position_before_the_first_binds_nothing(store):
    # a chain of null matched a position that does not exist: show trusted the row and
    # then failed on it ("damaged ... run orgsim verify"), while verify found nothing
    at = dt.date(2021, 6, 1)
    whole = {**json.loads(bytes(_row(store).state)), "version": -1, "own": -1, "chain": None}
    _rewrite(store, lambda _t: json.dumps(whole, separators=(",", ":")).encode())
    assert snapshots.latest(store, "base") is None
    assert snapshots.structure_from_snapshot(store, "base", at) is None
    assert _snapshot_problem(store) is None  # ignored by show, so not a finding


def test_a_snapshot_without_a_recorded_time_answers_dates_but_no_known_at_time(store):
    # as rows written before the recorded time was kept: not a finding
    _replace_fields(store, recorded=None)
    at = dt.date(2021, 6, 1)
    fast = snapshots.structure_from_snapshot(store, "base", at)
    assert fast is not None and fast.to_json() == full(store, "base", at)
    later = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    assert snapshots.structure_from_snapshot(store, "base", at, later) is None
    assert _snapshot_problem(store) is None


def test_a_version_that_is_not_a_number_is_a_finding(store):
    _replace_fields(store, version=1.0)
    problem = _snapshot_problem(store)
    assert problem is not None and "not a number" in problem
