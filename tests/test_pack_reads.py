"""One pack reads the branch once and folds each date once.

The pack's sections, its charts and its comparison with another branch are given the
read models :func:`orgsim.pack.build.build_pack` builds (the structure before and after,
the other branch's), instead of each reading the branch or folding it again. These tests
count the reads and folds of one pack of the Kent decision against the October proposal,
and check that what the pack draws and compares from its own read models is what the
store-reading code (``orgsim chart`` and ``orgsim diff --against``) finds on its own.
"""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, SCENARIOS

from orgsim.charts import chart_tree
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Timeline
from orgsim.pack import build_pack
from orgsim.pack.charts import _tree
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store, open_store
from orgsim.views.changes import diff_branch_logs, diff_branches

KENT = ("kcc-2013-baseline", "kcc-2013-people-data", "kcc-2013-proposal", "kcc-2014-top-tier")
CURRENT, PROPOSED = dt.date(2014, 3, 31), dt.date(2014, 4, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("kent-reads")
    path = folder / "store.sqlite"
    cli = CLI(str(path), folder)
    for script in KENT:
        cli.ok("run", str(SCENARIOS / f"{script}.yaml"))
    return open_store(str(path))


def test_one_pack_reads_each_branch_once_and_folds_each_date_once(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folds: list[tuple[int, Any]] = []
    loads: collections.Counter[str] = collections.Counter()
    registry_reads: list[int] = []
    stream_reads: list[str] = []
    state_at, load = Timeline.state_at, BranchReader._load
    branches, own_events = Store.branches, Store.own_events

    def counted_state_at(self: Timeline, at: Any = None, *args: Any, **kw: Any) -> Any:
        folds.append((id(self), at))
        return state_at(self, at, *args, **kw)

    def counted_load(self: BranchReader, name: str) -> Any:
        loads[name] += 1
        return load(self, name)

    def counted_branches(self: Store) -> Any:
        registry_reads.append(1)
        return branches(self)

    def counted_own_events(self: Store, name: str) -> Any:
        stream_reads.append(name)
        return own_events(self, name)

    monkeypatch.setattr(Timeline, "state_at", counted_state_at)
    monkeypatch.setattr(BranchReader, "_load", counted_load)
    monkeypatch.setattr(Store, "branches", counted_branches)
    monkeypatch.setattr(Store, "own_events", counted_own_events)
    pack = build_pack(store, "top-tier-2014", against="proposal-2013-10")

    assert (pack.current, pack.proposed) == (CURRENT, PROPOSED)
    assert pack.against is not None and pack.charts  # the comparison and the charts ran
    # the current and proposed dates of this branch, the proposed date of the other
    assert sorted((at for _, at in folds), key=str) == [CURRENT, PROPOSED, PROPOSED]
    assert len(set(folds)) == len(folds), "a date of a branch was folded twice"
    # both branches and their common parent, each read from the store once
    assert loads == {"top-tier-2014": 1, "proposal-2013-10": 1, "baseline": 1}
    assert len(registry_reads) == 1
    # both forks took the parent's whole stream: its head chain came with its read
    assert stream_reads == []


def test_the_pack_charts_what_orgsim_chart_draws(store: Store) -> None:
    """The pack's trees from its own read models equal the trees ``orgsim chart`` builds
    by reading and folding the branch itself, for the current, proposed and change
    charts, at post and unit level."""
    reader = BranchReader(store)
    timeline = reader.load("top-tier-2014").timeline
    before = Structure.from_state("top-tier-2014", CURRENT, timeline.state_at(CURRENT))
    after = Structure.from_state("top-tier-2014", PROPOSED, timeline.state_at(PROPOSED))
    for level in ("posts", "units"):
        for structure, since in ((before, None), (after, None), (after, before)):
            mine = _tree(structure, since, names=False, level=level)
            theirs = chart_tree(
                BranchReader(store),
                "top-tier-2014",
                structure.at,
                since=since.at if since is not None else None,
                level=level,
            )
            assert mine == theirs, (level, structure.at, since is not None)


def test_the_pack_compares_branches_as_orgsim_diff_does(store: Store) -> None:
    """Given the read models already built, the comparison is the one ``diff --against``
    makes reading and folding both branches itself (a shared prefix folded once)."""
    reader = BranchReader(store)
    mine, theirs = reader.load("top-tier-2014"), reader.load("proposal-2013-10")
    after = Structure.from_state("top-tier-2014", PROPOSED, mine.timeline.state_at(PROPOSED))
    other = Structure.from_state("proposal-2013-10", PROPOSED, theirs.timeline.state_at(PROPOSED))
    found = diff_branch_logs(mine, theirs, after, other)
    expected = diff_branches(store, "top-tier-2014", "proposal-2013-10", PROPOSED)
    assert found == expected
    assert found["posts"] and found["units"]  # the two branches do differ (KCC 001, 8.3-8.5)
