"""``append_events`` on a date fork refuses an event dated before the fork date, as a
script's step is refused (the message the code had before its check was hoisted out of
the per-event loop), writes nothing then, and accepts undated events and the fork date."""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.app.run import RunError, append_events, run_script
from orgsim.domain import events as ev
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store
from tests.test_checkpoint_handover import DATE_FORK
from tests.test_checkpoints import BASE

RECORDED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def retitle(effective: dt.date, title: str) -> ev.PostRetitled:
    return ev.PostRetitled(effective=effective, recorded=RECORDED, post="top", title=title)


def store_with_date_fork(tmp_path):
    store = open_store(str(tmp_path / "s.sqlite"))
    for n, text in enumerate((BASE, DATE_FORK)):
        run_script(store, parse_scenario(text, f"s{n}.yaml"))
    return store


def own_events(store) -> int:
    return len(BranchReader(store).load("dfork").own)


def test_an_event_before_the_fork_date_is_refused_and_nothing_written(tmp_path):
    store = store_with_date_fork(tmp_path)
    before = own_events(store)
    events = [
        retitle(dt.date(2021, 5, 1), "Fine"),
        retitle(dt.date(2021, 2, 1), "Too early"),
        retitle(dt.date(2020, 1, 1), "Earlier still"),
    ]
    with pytest.raises(RunError) as refused:
        append_events(store, "dfork", events)
    # the first offending event in the order given is named
    assert str(refused.value) == (
        "effective date 2021-02-01 is before the branch's fork date 2021-03-01"
    )
    assert own_events(store) == before


def test_undated_events_and_the_fork_date_itself_are_accepted(tmp_path):
    store = store_with_date_fork(tmp_path)
    before = own_events(store)
    undated = ev.PolicySet(effective=ev.UNDATED, recorded=RECORDED, policy={})
    version = append_events(store, "dfork", [undated, retitle(dt.date(2021, 3, 1), "On it")])
    assert own_events(store) == before + 2
    assert version == BranchReader(store).load("dfork").version


def test_a_branch_without_a_fork_date_takes_any_date(tmp_path):
    store = store_with_date_fork(tmp_path)
    base = BranchReader(store).load("base").version
    assert append_events(store, "base", [retitle(dt.date(2021, 2, 1), "Old")]) == base + 1
