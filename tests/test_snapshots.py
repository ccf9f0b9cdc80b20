"""Snapshots are a cache: whatever they hold, `show` must equal a full replay."""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.app.load import structure
from orgsim.app.run import run_script
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store import snapshots
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
pay_ranges: {G1: [20000, 30000], G2: [40000, 50000]}
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_unit: {id: a, name: A, kind: directorate, parent: org}
  - create_post: {id: top, title: Top, grade: G2, unit: org, accountabilities: [lead]}
  - create_post: {id: x, title: X, grade: G1, unit: a, reports_to: top, fte: 0.5}
  - create_post: {id: y, title: Y, grade: G1, unit: a, reports_to: top, effective: 2021-01-01}
  - join: {id: p1, name: Sky Fictional, characteristics: {age_band: 35-44}}
  - assign: {person: p1, post: x, fte: 0.5}
  - match: {old: x, new: y, percent: 80}
  - delete_post: {id: x, effective: 2021-01-01}
  - consult: {opens: 2020-10-01, closes: 2020-11-30, scope: [x]}
  - decide: {by: Board, on: 2020-12-01, what: approve}
"""


def full(store, name: str, at: dt.date) -> dict:
    branch = BranchReader(store).load(name)
    return Structure.from_state(name, at, branch.timeline.state_at(at)).to_json()


@pytest.fixture
def every_run(monkeypatch):
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)


def test_show_from_a_snapshot_equals_full_replay(store_url, every_run):
    store = open_store(store_url)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    assert snapshots.latest(store, "base") is not None
    run_script(
        store,
        parse_scenario(
            "scenario: base\neffective: 2021-06-01\nsteps:\n"
            "  - slot: {}\n  - retitle_post: {id: top, title: Chief}\n",
            "more.yaml",
        ),
    )
    version, own, horizon, _ = snapshots.latest(store, "base")
    head = BranchReader(store).load("base").version
    assert head > 13 and (version, own, horizon) == (head, head, dt.date(2021, 6, 1))
    for day in ("2021-06-01", "2022-01-01"):
        at = dt.date.fromisoformat(day)
        fast = snapshots.structure_from_snapshot(store, "base", at)
        assert fast is not None and fast.to_json() == full(store, "base", at)
    # before the horizon the snapshot cannot answer: a full replay does
    assert snapshots.structure_from_snapshot(store, "base", dt.date(2020, 6, 1)) is None
    assert structure(store, "base", dt.date(2020, 6, 1)).to_json() == full(
        store, "base", dt.date(2020, 6, 1)
    )


def test_a_late_recorded_change_effective_before_the_horizon_bypasses_the_snapshot(
    store_url, monkeypatch
):
    store = open_store(store_url)
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 10_000)
    run_script(
        store,
        parse_scenario(
            "scenario: base\neffective: 2020-06-01\nsteps:\n  - retitle_post: {id: top, title: Boss}\n",
            "late.yaml",
        ),
    )
    at = dt.date(2022, 1, 1)
    assert snapshots.structure_from_snapshot(store, "base", at) is None
    shown = structure(store, "base", at).to_json()
    assert shown == full(store, "base", at)
    assert {p["id"]: p["title"] for p in shown["posts"]}["top"] == "Boss"


def test_forked_branch_snapshot_counts_inherited_events(store_url, every_run):
    store = open_store(store_url)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    run_script(
        store,
        parse_scenario(
            "scenario: fork\nbased_on: base\nfork_at: 2020-06-01\neffective: 2021-02-01\nsteps:\n"
            "  - create_post: {id: z, title: Z, grade: G1, unit: a, reports_to: top}\n",
            "fork.yaml",
        ),
    )
    run_script(
        store,
        parse_scenario(
            "scenario: fork\neffective: 2021-03-01\nsteps:\n  - retitle_post: {id: z, title: Zed}\n",
            "fork2.yaml",
        ),
    )
    at = dt.date(2021, 3, 1)
    fast = snapshots.structure_from_snapshot(store, "fork", at)
    assert fast is not None and fast.to_json() == full(store, "fork", at)
    assert {p["id"]: p["title"] for p in fast.to_json()["posts"]}["z"] == "Zed"


def _edit_snapshot(store, name: str, change) -> None:
    """Overwrite the newest snapshot row of ``name`` with ``change(payload)``."""
    import json as _json

    from eventsourcing.persistence import StoredEvent

    recorder = store.snapshot_recorder()
    row = recorder.select_events(snapshots.snapshot_stream(name), desc=True, limit=1)[0]
    payload = _json.loads(row.state)
    change(payload)
    edited = StoredEvent(row.originator_id, row.originator_version, row.topic,
                         _json.dumps(payload).encode())  # fmt: skip
    store.replace_states([edited], recorder)


def test_an_edited_snapshot_fails_verify(store_url, every_run):
    from orgsim.store.integrity import verify

    store = open_store(store_url)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    assert verify(store).ok

    def retitle(payload):
        post = next(p for p in payload["state"]["posts"] if p[0] == "top")
        post[1] = "Supreme Leader"

    _edit_snapshot(store, "base", retitle)
    report = verify(store)
    assert not report.ok
    (broken,) = report.breaks
    assert broken.branch == "base" and "snapshot" in broken.problem


def test_a_snapshot_not_bound_to_the_current_chain_is_ignored(store_url, every_run):
    store = open_store(store_url)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    at = dt.date(2021, 6, 1)
    assert snapshots.structure_from_snapshot(store, "base", at) is not None

    def unbind(payload):
        payload["chain"] = "f" * 64  # as if the events under it had been rewritten

    _edit_snapshot(store, "base", unbind)
    assert snapshots.latest(store, "base") is None
    assert snapshots.structure_from_snapshot(store, "base", at) is None
    assert structure(store, "base", at).to_json() == full(store, "base", at)


def test_as_known_at_from_a_snapshot_equals_full_replay(store_url, every_run):
    store = open_store(store_url)
    run_script(store, parse_scenario(BASE, "base.yaml"))
    first = snapshots.latest(store, "base")
    run_script(
        store,
        parse_scenario(
            "scenario: base\neffective: 2021-06-01\nsteps:\n"
            "  - retitle_post: {id: top, title: Chief}\n",
            "more.yaml",
        ),
    )
    assert first is not None
    log = BranchReader(store).load("base").log
    times = sorted({i.event.recorded for i in log})
    probes = [times[0] - dt.timedelta(seconds=1), *times, times[-1] + dt.timedelta(days=1)]
    answered = 0
    for known in probes:
        for at in [dt.date(2021, 6, 1), dt.date(2022, 1, 1)]:
            branch = BranchReader(store).load("base")
            want = Structure.from_state("base", at, branch.timeline.state_at(at, known))
            assert structure(store, "base", at, known).to_json() == want.to_json()
            answered += snapshots.structure_from_snapshot(store, "base", at, known) is not None
    assert answered  # the snapshot answered some of them
    # known before the snapshot's events were recorded: it cannot answer
    assert snapshots.structure_from_snapshot(store, "base", dt.date(2022, 1, 1), probes[0]) is None
