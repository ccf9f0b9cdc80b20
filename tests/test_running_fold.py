"""The runner folds a script's timeline once, on from each ``slot`` to the final check
(:mod:`orgsim.scenario.progress`). Its states must be exactly what a fresh replay of
the same log gives — the fold is defined by :meth:`Timeline.state_at`, so that is the
expected value here, never the running state's own output."""

from __future__ import annotations

import datetime as dt
import json

from test_slotting_cli import ORG

from orgsim.app.run import run_script
from orgsim.domain.snapshot import dump_state
from orgsim.domain.timeline import Logged, Timeline
from orgsim.scenario.load import parse_scenario
from orgsim.scenario.progress import Progress
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

# Two reorganisations, each slotted at its own date, steps in date order.
TWO_ROUNDS = """\
scenario: rounds
based_on: base
effective: 2021-04-01
steps:
  - create_post: {id: new-fin, title: Head of Finance and Treasury, grade: G2, unit: a, reports_to: ceo}
  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}
  - delete_post: {id: old-1}
  - slot: {}
  - create_post: {id: new-pay, title: Head of Pay, grade: G2, unit: a, reports_to: ceo, effective: 2022-04-01}
  - match: {old: old-2, new: new-pay, percent: 90, effective: 2022-04-01}
  - delete_post: {id: old-2, effective: 2022-04-01}
  - slot: {effective: 2022-04-01}
  - retitle_post: {id: new-pay, title: Head of Payroll, effective: 2022-05-01}
"""


def dumped(state) -> str:
    return json.dumps(dump_state(state), sort_keys=False, default=str)


def branch_log(tmp_path, *scripts: str) -> list[Logged]:
    store = open_store(str(tmp_path / "s.sqlite"))
    for text in scripts:
        run_script(store, parse_scenario(text, "t.yaml"))
    name = parse_scenario(scripts[-1], "t.yaml").scenario
    return BranchReader(store).load(name).log


def test_slot_steps_record_what_a_fresh_fold_decides(tmp_path):
    log = branch_log(tmp_path, ORG, TWO_ROUNDS)
    slotted = [i.event for i in log if type(i.event).__name__ == "PersonSlotted"]
    # old-1 (p1) is matched 80% to a post of the same grade, old-2 (p2) 90% (SPEC 5:
    # 75% or more at the same grade is a slot-in), each at its own round's date.
    assert [(e.person, e.post, e.effective) for e in slotted] == [
        ("p1", "new-fin", dt.date(2021, 4, 1)),
        ("p2", "new-pay", dt.date(2022, 4, 1)),
    ]


def test_running_state_equals_a_fresh_fold_at_every_request(tmp_path):
    log = branch_log(tmp_path, ORG, TWO_ROUNDS)
    dates = [*sorted({i.event.effective for i in log}), None]
    split = len(log) // 3
    progress = Progress(Timeline(log[:split]))
    for n, item in enumerate(log[split:], start=split + 1):
        progress.append([item.event])
        # ask at a date on or after everything so far, as a slot in date order does
        at = dates[min(n % len(dates), len(dates) - 1)]
        fresh = Timeline(log[:n])
        if at is None or all(i.event.effective <= at for i in log[:n]):
            assert dumped(progress.state_at(at)) == dumped(fresh.state_at(at))
    assert dumped(progress.state_at()) == dumped(Timeline(log).state_at())


def test_an_event_dated_before_the_fold_makes_it_replay(tmp_path):
    log = branch_log(tmp_path, ORG, TWO_ROUNDS)
    late = dt.date(2022, 5, 1)
    early = [i for i in log if i.event.effective < late]
    after = [i for i in log if i.event.effective >= late]
    progress = Progress(Timeline(early))
    progress.state_at(dt.date(2022, 4, 1))
    progress.append([i.event for i in after])
    progress.state_at()  # folded to the end
    # a change dated before everything folded, appended last (a back-dated step)
    backdated = log[-1].event.model_copy(update={"effective": dt.date(2021, 1, 1), "post": "ceo"})
    progress.append([backdated])
    expected = Timeline([*progress.log]).state_at()
    assert dumped(progress.state_at()) == dumped(expected)
    assert dumped(progress.state_at(dt.date(2021, 6, 1))) == dumped(
        Timeline([*progress.log]).state_at(dt.date(2021, 6, 1))
    )
    # and an earlier date than the fold reached is a fresh fold too
    assert dumped(progress.state_at(dt.date(2020, 1, 1))) == dumped(
        Timeline([*progress.log]).state_at(dt.date(2020, 1, 1))
    )


BACKDATED_LEAVE = """\
scenario: late
based_on: base
effective: 2021-04-01
steps:
  - create_post: {id: new-fin, title: Head of Finance and Treasury, grade: G2, unit: a, reports_to: ceo}
  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}
  - delete_post: {id: old-1}
  - slot: {}
  - leave: {person: p1, cause: resignation, effective: 2021-01-01}
"""


def test_a_step_dated_before_a_slot_is_checked_against_it(cli, write):
    # p1 is slotted on 2021-04-01; a later step makes p1 leave on 2021-01-01, before the
    # slotting: the whole timeline is replayed and the slotting of a leaver refused.
    cli.ok("run", write(ORG))
    out = cli("run", write(BACKDATED_LEAVE))
    assert out.returncode == 2, out.stderr
    assert "step 4 (slot)" in out.stderr, out.stderr
