"""compare and diff fold a fork's shared prefix once: the structures must equal those
of a full replay of each branch, whatever the date and clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orgsim
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import fold_each
from orgsim.store.branches import BranchReader

ROOT = Path(__file__).resolve().parent.parent


def test_fold_each_equals_one_replay_per_branch() -> None:
    store = orgsim.open_store("memory")
    for name in ["kcc-2013-baseline", "kcc-2014-top-tier", "kcc-2014-option-three-directorates"]:
        store.run(str(ROOT / "scenarios" / f"{name}.yaml"))
    store.run(
        {"scenario": "tail", "based_on": "top-tier-2014", "effective": "2015-01-01",
         "steps": [{"retitle_post": {"id": "hops", "title": "Head of Paid Service"}}]}
    )  # fmt: skip
    reader = BranchReader(store.backend)
    names = [b["name"] for b in store.branches()]
    assert len(names) >= 4
    logs = [reader.load(n) for n in names]
    reused = 0
    for at in [dt.date(2013, 6, 1), dt.date(2014, 4, 1), dt.date(2016, 1, 1), None]:
        for known in [None, logs[0].log[len(logs[0].log) // 2].event.recorded]:
            for pair in [(a, b) for a in range(len(logs)) for b in range(len(logs)) if a != b]:
                timelines = [logs[i].timeline for i in pair]
                got = fold_each(timelines, at, known, lambda i, s: _view(s, at))
                want = [_view(t.state_at(at, known), at) for t in timelines]
                assert got == want, (pair, at, known)
                reused += logs[pair[1]].info.parent == names[pair[0]]
    assert reused  # some pairs are parent and fork


def _view(state, at):
    day = at or dt.date(2100, 1, 1)
    matches = sorted((k, m.percent, m.version) for k, m in state.matches.items())
    return Structure.from_state("x", day, state).to_json(), matches, state.version
