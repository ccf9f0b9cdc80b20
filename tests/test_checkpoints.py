"""Checkpoints are a cache: at any date, as known at any time, they must equal a replay.

SPEC 8: "the structure at any effective date, as known at any recorded time, in under a
second" — checkpoints keyed by log version with a zone map of the stretches between
them (orgsim.store.checkpoints). Whatever they hold, the answer must be the full
replay's (``Timeline.state_at``), and a checkpoint that does not match its events is
reported by ``verify`` or ignored.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from eventsourcing.persistence import StoredEvent

from orgsim.app.load import structure
from orgsim.app.run import run_script
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store import checkpoints, snapshots
from orgsim.store.branches import BranchReader
from orgsim.store.integrity import verify
from orgsim.store.recorder import open_store

BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
pay_ranges: {G1: [20000, 30000], G2: [40000, 50000]}
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_unit: {id: a, name: A, kind: directorate, parent: org}
  - create_post: {id: top, title: Top, grade: G2, unit: org}
  - create_post: {id: x, title: X, grade: G1, unit: a, reports_to: top, fte: 0.5}
  - create_post: {id: y, title: Y, grade: G1, unit: a, reports_to: top, effective: 2021-01-01}
  - join: {id: p1, name: Sky Fictional}
  - assign: {person: p1, post: x, fte: 0.5}
  - match: {old: x, new: y, percent: 80}
  - delete_post: {id: x, effective: 2021-01-01}
  - slot: {effective: 2021-01-01}
"""
LATER = """\
scenario: base
effective: 2021-06-01
steps:
  - retitle_post: {id: top, title: Chief}
  - create_post: {id: z, title: Z, grade: G1, unit: a, reports_to: top}
  - join: {id: p2, name: Ash Fictional}
  - assign: {person: p2, post: z}
  - retitle_post: {id: z, title: Zed, effective: 2021-09-01}
"""
# recorded last, effective before most of what is folded: a zone map cannot skip it
BACKDATED = """\
scenario: base
effective: 2020-06-01
steps:
  - retitle_post: {id: top, title: Boss}
  - create_unit: {id: b, name: B, kind: directorate, parent: org}
"""
FORK = """\
scenario: fork
based_on: base
effective: 2022-01-01
steps:
  - retitle_post: {id: top, title: Forked}
  - create_post: {id: w, title: W, grade: G1, unit: a, reports_to: top}
"""


@pytest.fixture
def small(monkeypatch):
    """A checkpoint every 3 versions, taken after every run."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 3)


def _build(store_url):
    store = open_store(store_url)
    for n, text in enumerate((BASE, LATER, BACKDATED, FORK)):
        run_script(store, parse_scenario(text, f"s{n}.yaml"))
    return store


def _probes(store, name):
    log = BranchReader(store).load(name).log
    days = sorted({i.event.effective for i in log} - {dt.date(1, 1, 1)})
    dates = [days[0] - dt.timedelta(days=1), *days, days[-1] + dt.timedelta(days=1)]
    times = sorted({i.event.recorded for i in log})
    known = [None, times[0] - dt.timedelta(seconds=1), *times]
    return dates, known


@pytest.mark.parametrize("name", ["base", "fork"])
def test_any_date_as_known_at_any_time_equals_a_full_replay(store_url, small, name):
    store = _build(store_url)
    assert checkpoints.metas(store, "base"), "the runs left checkpoints"
    dates, known = _probes(store, name)
    answered = 0
    for at in dates:
        for when in known:
            timeline = BranchReader(store).load(name).timeline
            want = timeline.state_at(at, when)
            fast = checkpoints.state_at(store, name, at, when)
            if fast is not None:
                answered += 1
                assert Structure.from_state(name, at, fast).to_json() == (
                    Structure.from_state(name, at, want).to_json()
                ), (at, when)
                assert fast.matches == want.matches
            assert structure(store, name, at, when).to_json() == (
                Structure.from_state(name, at, want).to_json()
            )
    assert answered == len(dates) * len(known)  # the checkpoints answered every probe


def test_a_backdated_change_is_never_skipped(store_url, small):
    store = _build(store_url)
    at = dt.date(2020, 7, 1)
    fast = checkpoints.state_at(store, "base", at)
    assert fast is not None
    # BACKDATED took effect on 2020-06-01, recorded after checkpoints past that date
    assert fast.posts["top"].title == "Boss" and "b" in fast.units


def _edit(store, name: str, stream, change) -> None:
    recorder = store.snapshot_recorder()
    row = recorder.select_events(stream(name), desc=True, limit=1)[0]  # the newest
    payload = json.loads(row.state)
    change(payload)
    edited = StoredEvent(
        row.originator_id, row.originator_version, row.topic, json.dumps(payload).encode()
    )
    store.replace_states([edited], recorder)


def test_an_edited_checkpoint_state_fails_verify(store_url, small):
    store = _build(store_url)
    assert verify(store).ok

    def retitle(payload):
        post = next(p for p in payload["state"]["posts"] if p[0] == "top")
        post[1] = "Supreme Leader"

    _edit(store, "base", checkpoints.state_stream, retitle)
    report = verify(store)
    assert not report.ok
    assert any(b.branch == "base" and "checkpoint" in b.problem for b in report.breaks)


def test_an_edited_zone_map_fails_verify(store_url, small):
    store = _build(store_url)

    def hide(payload):
        payload["parts"][0]["min_effective"] = "2999-01-01"  # would skip the stretch

    _edit(store, "base", checkpoints.meta_stream, hide)
    report = verify(store)
    assert not report.ok
    assert any("checkpoint" in b.problem for b in report.breaks)


def test_a_checkpoint_not_bound_to_the_current_chain_is_ignored(store_url, small):
    store = _build(store_url)
    before = len(checkpoints.metas(store, "base"))

    def unbind(payload):
        payload["bound"][0][2] = "f" * 64  # as if the events under it had been rewritten

    _edit(store, "base", checkpoints.meta_stream, unbind)
    at = dt.date(2021, 6, 1)
    want = BranchReader(store).load("base").timeline.state_at(at)
    fast = checkpoints.state_at(store, "base", at)
    # ignored, never trusted: the others (or a plain replay) answer
    if fast is not None:
        assert Structure.from_state("base", at, fast).to_json() == (
            Structure.from_state("base", at, want).to_json()
        )
    assert before > 1
    assert verify(store).ok  # an unbound cache row is stale, not evidence of tampering


def test_without_checkpoints_nothing_answers_and_show_replays(store_url, monkeypatch):
    monkeypatch.setattr(checkpoints, "EVERY", 10_000)
    store = _build(store_url)
    at = dt.date(2020, 7, 1)
    assert checkpoints.metas(store, "base") == []
    assert checkpoints.state_at(store, "base", at) is None
    want = BranchReader(store).load("base").timeline.state_at(at)
    assert (
        structure(store, "base", at).to_json() == Structure.from_state("base", at, want).to_json()
    )


def test_kent_branches_at_any_date_from_checkpoints_equal_a_full_replay(tmp_path, small):
    """The shipped Kent scripts: forks of forks, backdated and future-dated steps."""
    from conftest import SCENARIOS
    from test_kent_scenarios import SCRIPTS

    import orgsim

    checkpoints.EVERY = 40
    with orgsim.open_store(str(tmp_path / "kent.sqlite")) as api:
        for script in SCRIPTS:
            api.run(str(SCENARIOS / f"{script}.yaml"))
        store = api.backend
        names = [b["name"] for b in api.branches()]
        answered = {name: 0 for name in names}
        for name in names:
            timeline = BranchReader(store).load(name).timeline
            days = sorted({i.event.effective for i in timeline.log} - {dt.date(1, 1, 1)})
            times = sorted({i.event.recorded for i in timeline.log})
            for at in [*days, days[-1] + dt.timedelta(days=365)]:
                for when in [None, times[len(times) // 2]]:
                    fast = checkpoints.state_at(store, name, at, when)
                    if fast is None:
                        continue
                    answered[name] += 1
                    want = timeline.state_at(at, when)
                    assert Structure.from_state(name, at, fast).to_json() == (
                        Structure.from_state(name, at, want).to_json()
                    ), (name, at, when)
                    assert fast.matches == want.matches
        # every branch (date forks, version forks of date forks) is served from them
        assert all(answered.values()), answered


def test_compare_from_checkpoints_equals_compare_from_a_full_replay(store_url, small, monkeypatch):
    from orgsim.views.metrics import compare_branches

    store = _build(store_url)
    probes = [(dt.date(2020, 7, 1), None), (dt.date(2022, 6, 1), None)]
    times = sorted({i.event.recorded for i in BranchReader(store).load("fork").log})
    probes.append((dt.date(2022, 6, 1), times[len(times) // 2]))
    fast = [compare_branches(store, ["base", "fork"], at, when) for at, when in probes]
    monkeypatch.setattr(checkpoints, "state_at", lambda *args: None)
    slow = [compare_branches(store, ["base", "fork"], at, when) for at, when in probes]
    assert fast == slow
    assert fast[1]["difference"]  # the fork differs from its parent


def test_checkpoints_of_an_encrypted_store_hold_no_name_in_clear(sqlite_url, small):
    """SPEC: personal data never appears outside the encrypted store; checkpoints hold
    the people's names, so they are encrypted with the events' key."""
    from eventsourcing.cipher import AESCipher

    store = open_store(sqlite_url, AESCipher.create_key(32))
    for n, text in enumerate((BASE, LATER, BACKDATED)):
        run_script(store, parse_scenario(text, f"s{n}.yaml"))
    assert checkpoints.metas(store, "base")
    at = dt.date(2021, 7, 1)
    fast = checkpoints.state_at(store, "base", at)
    assert fast is not None and {p.name for p in fast.people.values()} == {
        "Sky Fictional",
        "Ash Fictional",
    }
    assert verify(store).ok
    store.close()
    from pathlib import Path

    data = b"".join(p.read_bytes() for p in Path(sqlite_url).parent.glob("*.sqlite*"))
    assert b"Sky Fictional" not in data and b"Ash Fictional" not in data
