"""Checkpoints taken from the log the writer holds equal those taken by reading it back.

After a run (or ``append_events``) the checkpoint upkeep folds the events just written.
The writer hands it the log it already holds instead of letting it read and decode the
rows again (orgsim.store.checkpoint_upkeep). The stored cache must not change by a byte:
the same runs, with the same recorded times, are made twice — once handing the log
over, once with the hand-over refused so that every stretch is read back from the store
(the path that existed before) — and every snapshot and checkpoint row is compared, on
logs with a late back-dated change, a version fork and a date fork. ``verify`` passes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.app.run import append_events, run_script
from orgsim.domain import events as ev
from orgsim.scenario.load import parse_scenario
from orgsim.store import checkpoint_upkeep, checkpoints, snapshots
from orgsim.store.branches import BranchReader
from orgsim.store.integrity import verify
from orgsim.store.recorder import open_store
from tests.test_checkpoints import BASE, LATER

# the same base organisation and later changes as the checkpoint tests
# recorded last, effective before most of what is folded: the upkeep refolds the prefix
BACKDATED = """\
scenario: base
effective: 2020-06-01
steps:
  - retitle_post: {id: top, title: Boss}
  - create_unit: {id: b, name: B, kind: directorate, parent: org}
  - match: {old: top, new: z, percent: 60}
"""
VERSION_FORK = """\
scenario: vfork
based_on: base
fork_at: 12
effective: 2022-01-01
steps:
  - retitle_post: {id: top, title: Forked}
  - create_post: {id: w, title: W, grade: G1, unit: a, reports_to: top}
  - create_post: {id: v, title: V, grade: G1, unit: a, reports_to: top}
  - retitle_post: {id: w, title: Double}
"""
DATE_FORK = """\
scenario: dfork
based_on: base
fork_at: 2021-03-01
effective: 2021-04-01
steps:
  - retitle_post: {id: top, title: Dated}
  - create_post: {id: d, title: D, grade: G1, unit: a, reports_to: top}
  - create_post: {id: e, title: E, grade: G1, unit: a, reports_to: top}
  - retitle_post: {id: top, title: Earlier, effective: 2021-03-15}
"""
# a new organisation in date order: the run's own fold passes every checkpoint's state
DATED = """\
scenario: dated
effective: 2020-01-01
grades: [G1]
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_post: {id: p1, title: One, grade: G1, unit: org}
  - join: {id: e1, name: Sky Fictional}
  - assign: {person: e1, post: p1}
  - create_post: {id: p2, title: Two, grade: G1, unit: org, effective: 2020-02-01}
  - match: {old: p1, new: p2, percent: 70, effective: 2020-02-01}
  - retitle_post: {id: p1, title: Uno, effective: 2020-03-01}
  - create_post: {id: p3, title: Three, grade: G1, unit: org, effective: 2020-03-01}
  - join: {id: e2, name: Ash Fictional, effective: 2020-04-01}
  - assign: {person: e2, post: p3, effective: 2020-04-01}
  - retitle_post: {id: p3, title: Tres, effective: 2020-05-01}
"""
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
BRANCHES = ("base", "vfork", "dfork", "dated")


@pytest.fixture
def small(monkeypatch):
    """A snapshot after every run and a checkpoint every 3 versions."""
    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 3)


def _build(url: str):
    """The same store every time: the same runs, recorded at the same times."""
    store = open_store(url)
    texts = (BASE, LATER, BACKDATED, VERSION_FORK, DATE_FORK, DATED)
    for n, text in enumerate(texts):
        now = NOW + dt.timedelta(minutes=n)
        run_script(store, parse_scenario(text, f"s{n}.yaml"), now=now)
    # a ready-made event appended (an importer's path), dated before the fork's horizon
    late = ev.PostRetitled(
        effective=dt.date(2021, 3, 10),
        recorded=NOW + dt.timedelta(hours=1),
        actor="importer",
        post="top",
        title="Late",
    )
    append_events(store, "dfork", [late])
    more = [
        ev.PostRetitled(
            effective=dt.date(2020, 6, n),
            recorded=NOW + dt.timedelta(hours=2),
            actor="importer",
            post="p2",
            title=f"Two {n}",
        )
        for n in range(1, 8)
    ]
    append_events(store, "dated", more)  # folds on from its checkpoints
    return store


def _cache(store) -> dict[str, list[tuple[int, str, bytes]]]:
    """Every snapshot and checkpoint row of every branch, as stored."""
    recorder = store.snapshot_recorder()
    out = {}
    for name in BranchReader(store).registry:
        for kind, stream in (
            ("snapshot", snapshots.snapshot_stream),
            ("meta", checkpoints.meta_stream),
            ("state", checkpoints.state_stream),
        ):
            rows = recorder.select_events(stream(name))
            out[f"{name} {kind}"] = [(r.originator_version, r.topic, r.state) for r in rows]
    return out


def test_handed_over_checkpoints_are_byte_identical_to_read_back_ones(tmp_path, small, monkeypatch):
    folded: list[int] = []
    advance = checkpoint_upkeep._advance

    def counting(state, stretch, *args):
        folded.append(len(stretch))
        return advance(state, stretch, *args)

    monkeypatch.setattr(checkpoint_upkeep, "_advance", counting)
    handed = _build(str(tmp_path / "handed.sqlite"))
    handed_folds = len(folded)
    calls: list[int] = []
    real = checkpoint_upkeep._held

    def refuse(log):
        calls.append(len(real(log)))
        return ()  # as before: every stretch read back from the store

    monkeypatch.setattr(checkpoint_upkeep, "_held", refuse)
    read_back = _build(str(tmp_path / "read.sqlite"))
    assert calls and all(calls), "every run handed its log over (and it was refused)"
    # the states kept by the runs' own folds stood in for some of the upkeep's folds
    assert handed_folds < len(folded)

    ours, theirs = _cache(handed), _cache(read_back)
    assert set(ours) == {f"{b} {k}" for b in BRANCHES for k in ("snapshot", "meta", "state")}
    for name in BRANCHES:
        assert ours[f"{name} meta"], f"{name} has checkpoints"
    assert ours == theirs
    for store in (handed, read_back):
        assert verify(store).ok


def test_a_handed_over_log_is_what_the_stretches_hold(tmp_path, small):
    """Each checkpoint's state is the fold of the log up to its version (a full replay
    of that prefix), whichever way the stretches were obtained."""
    store = _build(str(tmp_path / "s.sqlite"))
    from orgsim.domain.snapshot import dump_state
    from orgsim.domain.timeline import Timeline

    for name in BRANCHES:
        log = BranchReader(store).load(name).log
        for meta in checkpoints.metas(store, name):
            state, _matches = checkpoints._load(store, meta)
            fresh = Timeline(log[: meta.version]).state_at()
            got, want = dump_state(state), dump_state(fresh)
            for key in ("units", "posts", "people", "assignments", "known_posts"):
                assert sorted(map(str, got[key])) == sorted(map(str, want[key])), (name, key)


def test_each_zone_is_the_summary_of_its_stretch(tmp_path, small):
    """A checkpoint's zone (now merged from its parts) is what summarising its stretch
    of the log, read back from the store, gives."""
    store = _build(str(tmp_path / "s.sqlite"))
    seen = 0
    for name in BRANCHES:
        log = BranchReader(store).load(name).log
        for meta in checkpoints.metas(store, name):
            assert meta.zone is not None
            first = meta.zone.first
            assert meta.zone == checkpoints.summarise(
                log[first : meta.version], first, meta.version
            )
            seen += 1
    assert seen >= 12
