"""The redeployment records in the read model, in-process: the trial at each date, the
volunteer linked to a bump, snapshots, and the calendar arithmetic of the periods.

Expected dates come from ERA 1996 s138(3)(b)(i) ("the period of four weeks beginning
with the date on which the employee starts work") and from calendar months as a pay
protection period is written ("12 months from 1 May 2014" ends on 30 April 2015).
"""

from __future__ import annotations

import datetime as dt

from orgsim.app.run import run_script
from orgsim.domain.redeployment import add_months, statutory_trial_end
from orgsim.domain.snapshot import dump_state, load_state
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store
from tests.test_redeployment import BASE, BUMP, OPTION

D = dt.date


def load(steps: str):
    store = open_store("memory")
    run_script(store, parse_scenario(BASE, "base.yaml"))
    run_script(store, parse_scenario(OPTION.format(steps=steps), "option.yaml"))
    return BranchReader(store).load("option")


def view(log, at: dt.date, pid: str):
    structure = Structure.from_state("option", at, log.timeline.state_at(at))
    return structure, structure.person(pid)


def test_four_weeks_beginning_with_the_first_day():
    # Thursday 1 May 2014 + four weeks counting that day = Wednesday 28 May 2014
    assert statutory_trial_end(D(2014, 5, 1)) == D(2014, 5, 28)
    assert statutory_trial_end(D(2014, 5, 1)).weekday() == (D(2014, 5, 1).weekday() - 1) % 7


def test_calendar_months_clamp_to_the_month_end():
    assert add_months(D(2014, 5, 1), 12) == D(2015, 5, 1)
    assert add_months(D(2014, 1, 31), 1) == D(2014, 2, 28)
    assert add_months(D(2016, 1, 31), 1) == D(2016, 2, 29)  # leap year
    assert add_months(D(2014, 11, 30), 3) == D(2015, 2, 28)


def test_the_trial_runs_to_its_last_day_and_the_bump_keeps_the_volunteer():
    log = load(BUMP)
    _, p1 = view(log, D(2014, 5, 28), "p1")
    assert p1.status == "redeployed" and p1.on_trial
    assert p1.redeployment is not None and p1.redeployment.bumps == "v1"
    assert p1.displaced_from is None
    _, p1 = view(log, D(2014, 5, 29), "p1")
    assert not p1.on_trial and p1.redeployment is not None  # the trial ended in post
    structure, _ = view(log, D(2014, 5, 29), "v1")
    volunteer = structure.leavers["v1"]
    assert volunteer.left == "voluntary redundancy" and volunteer.left_from == "keep-b"
    assert volunteer.vr_interest is not None and volunteer.vr_interest.outcome == "accepted"


def test_an_open_offer_leaves_the_person_displaced():
    steps = """\
  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops, effective: 2014-04-01}
  - offer: {person: p1, post: new-d}
"""
    structure, p1 = view(load(steps), D(2014, 5, 2), "p1")
    assert "p1" in structure.displaced and p1.offer is not None and p1.offer.state == "open"
    assert p1.redeployment is None and structure.posts["new-d"].vacant


def test_a_snapshot_keeps_offers_interests_and_protection():
    log = load(BUMP + "  - protect_pay: {person: p1, months: 6}\n")
    state = log.timeline.state_at(D(2014, 6, 1))
    again = load_state(dump_state(state))
    assert again.redeployment == state.redeployment
    before = Structure.from_state("option", D(2014, 6, 1), state).person("p1")
    after = Structure.from_state("option", D(2014, 6, 1), again).person("p1")
    assert before == after and after is not None and after.pay_protected
    assert after.pay_protection is not None and after.pay_protection.until == D(2014, 10, 31)
