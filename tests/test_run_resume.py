"""A run on an existing branch may start from its snapshot: the outcome must be the
full fold's, whatever the script (orgsim.scenario.resume).

Every script is run twice on the same store, recorded at the same time: as the runner
chooses (from the snapshot when it can) and with resuming turned off (the whole log read
and folded). The report or the error, the events stored and the snapshot and checkpoint
rows must be the same, byte for byte; a failed run writes nothing either way. The scripts
that may resume must actually have resumed, and the others must have fallen back.
"""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.app import run as run_module
from orgsim.app.run import RunError, ScenarioRunner, run_script
from orgsim.scenario.load import parse_scenario
from orgsim.scenario.resume import Resumed
from orgsim.store import checkpoints, snapshots
from orgsim.store.branches import BranchReader
from orgsim.store.integrity import verify
from orgsim.store.recorder import branch_stream, open_store

BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_unit: {id: a, name: A, kind: directorate, parent: org}
  - create_post: {id: top, title: Top, grade: G2, unit: org}
  - create_post: {id: x, title: X, grade: G1, unit: a, reports_to: top}
  - create_post: {id: z, title: Z, grade: G1, unit: a, reports_to: top}
  - join: {id: p1, name: Sky Fictional}
  - assign: {person: p1, post: x}
  - join: {id: p2, name: Ash Fictional}
  - delete_post: {id: x, effective: 2021-01-01}
"""
# recorded after the snapshot (snapshots only every 1,000 events then): the tail
TAIL = """\
scenario: base
effective: 2021-06-01
steps:
  - retitle_post: {id: top, title: Chief}
  - retitle_post: {id: z, title: Zed, effective: 2022-03-01}
"""


def _script(body: str, effective: str = "2022-06-01") -> str:
    return f"scenario: base\neffective: {effective}\nsteps:\n{body}"


RESUMING = {
    "retitles": _script(
        "  - retitle_post: {id: top, title: Boss}\n"
        "  - create_post: {id: w, title: W, grade: G1, unit: a}\n"
        "  - assign: {person: p2, post: w}\n"
        "  - match: {old: z, new: w, percent: 50}\n"
    ),
    "unknown post": _script(
        "  - retitle_post: {id: top, title: Boss}\n  - retitle_post: {id: nope, title: No}\n"
    ),
    "match of an unknown post": _script("  - match: {old: z, new: nope, percent: 50}\n"),
    "a deleted post": _script("  - assign: {person: p2, post: x}\n"),
    # on or after the horizon, before the tail's retitle of z: that existing event breaks
    "breaks a later event": _script("  - delete_post: {id: z}\n", "2021-09-01"),
}
FALLING_BACK = {
    "back-dated": _script("  - retitle_post: {id: top, title: Early}\n", "2020-06-01"),
    "slot": _script("  - retitle_post: {id: top, title: Boss}\n  - slot: {}\n"),
    "consult": _script("  - consult: {opens: 2022-06-01, closes: 2022-07-01, scope: [a]}\n"),
    "consult of an unknown unit": _script(
        "  - consult: {opens: 2022-06-01, closes: 2022-07-01, scope: [nope]}\n"
    ),
    "grades": "scenario: base\neffective: 2022-06-01\ngrades: [G1, G2]\n"
    "steps:\n  - retitle_post: {id: top, title: Boss}\n",
}
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def small(monkeypatch):
    """A snapshot after the first run, checkpoints every 4 versions."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 4)


def _build(url: str):
    store = open_store(url)
    run_script(store, parse_scenario(BASE, "base.yaml"), now=NOW)
    snapshots.SNAPSHOT_EVERY = 1000  # (restored by the fixture) the next run is a tail
    run_script(store, parse_scenario(TAIL, "tail.yaml"), now=NOW + dt.timedelta(minutes=1))
    snapshots.SNAPSHOT_EVERY = 1  # the script's run takes a snapshot and checkpoints
    return store


def _outcome(store, text: str) -> object:
    try:
        report = run_script(
            store, parse_scenario(text, "s.yaml"), now=NOW + dt.timedelta(minutes=2)
        )
    except RunError as error:
        return str(error)
    return (report.version, report.steps, report.counts(), report.warnings)


def _stored(store) -> dict[str, list[tuple[int, str, bytes]]]:
    out = {}
    for stream, recorder in (
        (branch_stream("base"), store.recorder),
        (snapshots.snapshot_stream("base"), store.snapshot_recorder()),
        (checkpoints.meta_stream("base"), store.snapshot_recorder()),
        (checkpoints.state_stream("base"), store.snapshot_recorder()),
    ):
        rows = recorder.select_events(stream)
        out[str(stream)] = [(r.originator_version, r.topic, r.state) for r in rows]
    return out


def _both(tmp_path, monkeypatch, name: str, text: str):
    used: list[str] = []
    apply = ScenarioRunner._apply

    def spy(self, branch, base, so_far, *args):
        used.append(type(so_far).__name__)
        return apply(self, branch, base, so_far, *args)

    monkeypatch.setattr(ScenarioRunner, "_apply", spy)
    fast = _build(str(tmp_path / f"fast-{name}.sqlite"))
    used.clear()
    got = (_outcome(fast, text), _stored(fast))
    chosen = list(used)
    with monkeypatch.context() as m:
        m.setattr(run_module, "resume", lambda *args: None)
        full = _build(str(tmp_path / f"full-{name}.sqlite"))
        used.clear()
        want = (_outcome(full, text), _stored(full))
        assert used == ["Progress"]
    assert verify(fast).ok
    return got, want, chosen


@pytest.mark.parametrize("name", sorted(RESUMING))
def test_a_resumed_run_is_the_full_runs(tmp_path, small, monkeypatch, name):
    got, want, chosen = _both(tmp_path, monkeypatch, name, RESUMING[name])
    assert chosen == [Resumed.__name__]  # resumed, and did not need the whole log
    assert got == want


@pytest.mark.parametrize("name", sorted(FALLING_BACK))
def test_a_run_that_needs_the_whole_log_falls_back_to_it(tmp_path, small, monkeypatch, name):
    got, want, chosen = _both(tmp_path, monkeypatch, name, FALLING_BACK[name])
    assert chosen[-1] == "Progress"  # ended on the whole log
    assert got == want


def test_the_scripts_do_what_they_are_named_for(tmp_path, small):
    """The cases are what they claim: which succeed, which fail and why (independent of
    the path taken: these expectations come from the scripts themselves)."""
    outcomes = {}
    for name, text in {**RESUMING, **FALLING_BACK}.items():
        outcomes[name] = _outcome(_build(str(tmp_path / f"{len(outcomes)}.sqlite")), text)
    assert isinstance(outcomes["retitles"], tuple)
    assert "unknown post 'nope'" in outcomes["unknown post"]
    assert "nope" in outcomes["match of an unknown post"]
    assert "'x'" in outcomes["a deleted post"]
    assert "breaks an existing event" in outcomes["breaks a later event"]
    assert "PostRetitled effective 2022-03-01" in outcomes["breaks a later event"]
    assert "nope" in outcomes["consult of an unknown unit"]
    for name in ("back-dated", "slot", "consult", "grades"):
        assert isinstance(outcomes[name], tuple), (name, outcomes[name])
    # the tail was there to be folded: the snapshot stops before it
    store = _build(str(tmp_path / "tail.sqlite"))
    assert snapshots.latest(store, "base")[0] < BranchReader(store).load("base").version
