"""Priority status: pregnancy and family leave come before competition (issue 15).

The rule under test, from the statute, not from the engine's output:

* Maternity and Parental Leave etc. Regulations 1999 reg 10(2): where during her
  maternity leave it is not practicable by reason of redundancy to continue to employ
  her, she "is entitled to be offered ... a suitable available vacancy" — before anyone
  else competes for it. Adoption leave (PAL Regulations 2002 reg 23) and shared parental
  leave (SPL Regulations 2014 reg 39) are the same.
* From 6 April 2024 (Protection from Redundancy (Pregnancy and Family Leave) Act 2023,
  SI 2024/310) the protected period runs from the notification of pregnancy, and for
  maternity and adoption leave ending on or after that date until 18 months after the
  birth or placement; shared parental leave only when six weeks or more were taken.
* A policy stored before the rule existed is judged by the rule of its day (no priority).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest

from orgsim.domain.leave import add_months, protects
from orgsim.domain.slotting import Candidate, Policy, Vacancy, check_decision, decide
from orgsim.domain.slotting.scope import policy_of
from orgsim.domain.snapshot import dump_state, load_state
from orgsim.domain.state import LeaveRecord, OrgState, Person

D = dt.date

#: p1 and p2 hold the two Finance Officer posts; p2 is on maternity leave.
ORG = """\
scenario: base
effective: 2024-01-01
grades: [G1, G2]
steps:
  - create_unit: {{id: org, name: Example Council, kind: organisation}}
  - create_post: {{id: old-a, title: Finance Officer, grade: G1, unit: org}}
  - create_post: {{id: old-b, title: Finance Officer, grade: G1, unit: org}}
  - join: {{id: p1, name: Avery Fictional, grade: G1}}
  - join: {{id: p2, name: Blair Notreal, grade: G1}}
  - assign: {{person: p1, post: old-a}}
  - assign: {{person: p2, post: old-b}}
  - leave_status: {{person: p2, {leave}}}
"""

#: One new post both are eligible for (same grade, 75% or more): an ordinary pool of
#: two for one post, were it not for priority. p1's match is the HIGHER one, so only
#: priority can explain p2 getting it.
OPTION = """\
scenario: option
based_on: base
fork_at: 2024-12-01
effective: 2025-04-01
{policy}
steps:
  - create_post: {{id: new, title: Senior Finance Officer, grade: G1, unit: org}}
  - match: {{old: old-a, new: new, percent: 90, assessor: HR panel}}
  - match: {{old: old-b, new: new, percent: 80, assessor: HR panel}}
  - delete_post: {{id: old-a}}
  - delete_post: {{id: old-b}}
"""

ON_LEAVE = "status: maternity, from: 2024-09-01, to: 2025-06-30, birth: 2024-09-10"
#: Maternity leave that ended in 2021: before the 2024 extension, and long over.
LONG_AGO = "status: maternity, from: 2021-01-01, to: 2021-09-30, birth: 2021-01-10"


def setup(cli, write, leave=ON_LEAVE, policy=""):
    cli.ok("run", write(ORG.format(leave=leave)))
    cli.ok("run", write(OPTION.format(policy=policy)))


def outcomes(cli):
    doc = cli.json("slot", "--branch", "option", "--at", "2025-04-01")
    return {o["person"]: o for o in doc["outcomes"]}


def test_the_person_on_maternity_leave_is_placed_and_the_other_is_at_risk(cli, write):
    setup(cli, write)
    got = outcomes(cli)
    assert got["p2"]["outcome"] == "slotted" and got["p2"]["post"] == "new"
    assert got["p1"]["outcome"] == "at_risk"
    assert any("priority status" in r for r in got["p2"]["reasons"])
    assert any("new (90%)" in r and "priority status" in r for r in got["p1"]["reasons"])


def test_leave_that_ended_more_than_18_months_ago_gives_no_priority(cli, write):
    setup(cli, write, leave=LONG_AGO)
    got = outcomes(cli)
    # Two eligible people for one post: the ordinary ring-fenced pool (SPEC 5).
    for person in ("p1", "p2"):
        assert got[person]["outcome"] == "ring_fenced"
        assert got[person]["pool"] == {"posts": ["new"], "candidates": ["p1", "p2"]}


def test_the_policy_can_turn_priority_off(cli, write):
    setup(cli, write, policy="policy: {preset: kent, priority_status: false}")
    got = outcomes(cli)
    assert got["p1"]["outcome"] == got["p2"]["outcome"] == "ring_fenced"


def test_a_policy_stored_before_the_field_gives_no_priority():
    state = OrgState()
    state.policy = {k: v for k, v in Policy().model_dump(mode="json").items()}
    del state.policy["priority_status"]
    assert policy_of(state).priority_status is False  # the rule of its day
    # ...and the engine under that policy pools them, as before the rule.
    people = [Candidate("p1", "old-a", "G1"), Candidate("p2", "old-b", "G1", priority=True)]
    result = decide(
        people,
        [Vacancy("new", "G1")],
        {("old-a", "new"): 90, ("old-b", "new"): 80},
        policy_of(state),
    )
    assert [o.outcome for o in result.outcomes] == ["ring_fenced", "ring_fenced"]
    assert Policy().priority_status is True  # on by default in every preset


def test_the_engine_decision_is_recorded_and_the_audit_finds_it_compliant(cli, write):
    setup(cli, write)
    cli.ok("run", write("scenario: option\neffective: 2025-04-01\nsteps:\n  - slot: {}\n"))
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 0
    decisions = json.loads(audit.stdout)["decisions"]
    assert [(d["person"], d["post"], d["verdict"]) for d in decisions] == [
        ("p2", "new", "compliant")
    ]


def test_a_hand_slot_that_bypasses_priority_is_a_violation(cli, write):
    setup(cli, write)
    script = "scenario: option\neffective: 2025-04-01\nsteps:\n"
    run = cli("run", write(script + "  - slot_person: {person: p1, post: new}\n"))
    assert run.returncode == 0 and "breaks the policy" in run.stderr  # recorded, warned
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 1
    (decision,) = json.loads(audit.stdout)["decisions"]
    assert decision["verdict"] == "violation"
    (reason,) = decision["reasons"]
    assert "priority" in reason
    # The reason never names the person with priority, nor their kind of leave.
    assert "p2" not in reason and "maternity" not in reason


def test_two_people_with_priority_for_one_post_compete_only_with_each_other():
    people = [
        Candidate("p1", "a", "G1", priority=True),
        Candidate("p2", "b", "G1", priority=True),
        Candidate("p3", "c", "G1"),
    ]
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "x"): 95}
    result = decide(people, [Vacancy("x", "G1")], matches, Policy())
    assert result.outcome_for("p1").pool is not None
    assert result.outcome_for("p1").pool.candidates == ("p1", "p2")
    assert result.outcome_for("p3").outcome == "at_risk"


def test_priority_takes_the_post_nobody_else_needs_when_it_has_a_choice():
    # p1 (priority) is eligible for x and y; p2 only for x. Offering p1 y and slotting
    # p2 into x honours the priority and deprives nobody: both are slotted.
    people = [Candidate("p1", "a", "G1", priority=True), Candidate("p2", "b", "G1")]
    matches = {("a", "x"): 90, ("a", "y"): 80, ("b", "x"): 90}
    result = decide(people, [Vacancy("x", "G1"), Vacancy("y", "G1")], matches, Policy())
    assert result.outcome_for("p1").post == "y"
    assert result.outcome_for("p2").post == "x"


def test_a_post_below_the_bar_is_not_suitable_for_priority():
    # "Suitable" is the policy's eligible pair: 74.9% is below the 75% threshold.
    people = [Candidate("p1", "a", "G1", priority=True), Candidate("p2", "b", "G1")]
    matches = {("a", "x"): "74.9", ("b", "x"): 80}
    result = decide(people, [Vacancy("x", "G1")], matches, Policy())
    assert result.outcome_for("p2").post == "x"
    assert result.outcome_for("p1").outcome == "at_risk"


# --- the protected period, straight from the regulations ------------------------------


@pytest.mark.parametrize(
    ("record", "at", "expected"),
    [
        # during maternity leave: reg 10 as made in 1999
        (("maternity", D(2019, 1, 1), D(2019, 9, 30), None), D(2019, 6, 1), True),
        # after maternity leave that ended before 6 April 2024: no extension
        (("maternity", D(2023, 1, 1), D(2023, 9, 30), D(2023, 1, 10)), D(2023, 10, 1), False),
        # leave ending on or after 6 April 2024: until 18 months after the birth
        (("maternity", D(2024, 1, 1), D(2024, 9, 30), D(2024, 1, 10)), D(2025, 7, 10), True),
        (("maternity", D(2024, 1, 1), D(2024, 9, 30), D(2024, 1, 10)), D(2025, 7, 11), False),
        # adoption: 18 months after placement
        (("adoption", D(2024, 5, 1), D(2024, 11, 1), D(2024, 5, 1)), D(2025, 11, 1), True),
        (("adoption", D(2024, 5, 1), D(2024, 11, 1), D(2024, 5, 1)), D(2025, 11, 2), False),
        # pregnancy notified on or after 6 April 2024: protected from the notification
        (("pregnancy", D(2024, 6, 1), None, None), D(2024, 8, 1), True),
        (("pregnancy", D(2024, 6, 1), None, None), D(2024, 5, 31), False),
        # pregnancy notified before 6 April 2024: reg 10 did not cover pregnancy then
        (("pregnancy", D(2024, 1, 1), None, None), D(2024, 5, 1), False),
        # shared parental leave under six weeks: only during the leave
        (("shared_parental", D(2024, 6, 1), D(2024, 6, 28), D(2024, 3, 1)), D(2024, 7, 1), False),
        # six weeks or more: until 18 months after the birth
        (("shared_parental", D(2024, 6, 1), D(2024, 7, 12), D(2024, 3, 1)), D(2025, 9, 1), True),
        (("shared_parental", D(2024, 6, 1), D(2024, 7, 12), D(2024, 3, 1)), D(2025, 9, 2), False),
    ],
)
def test_the_protected_period(record, at, expected):
    assert protects(*record, at) is expected


def test_eighteen_months_after_the_end_of_august_is_the_end_of_february():
    assert add_months(D(2024, 8, 31), 18) == D(2026, 2, 28)


# --- bad input, and privacy -------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "cause"),
    [
        ("{person: ghost, status: maternity, from: 2024-09-01}", "unknown person 'ghost'"),
        ("{person: p1, status: maternity, from: 2024-09-01, to: 2024-08-01}", "before"),
        ("{person: p1, status: holiday, from: 2024-09-01}", "status"),
        ("{person: p1, status: maternity}", "from"),
    ],
)
def test_bad_leave_status_is_refused_in_one_line_and_nothing_is_written(cli, write, step, cause):
    setup(cli, write)
    before = cli.json("history", "--branch", "base")["events"]
    result = cli(
        "run", write(f"scenario: base\neffective: 2024-10-01\nsteps:\n  - leave_status: {step}\n")
    )
    assert result.returncode == 2
    assert cause in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "leave_status" in result.stderr
    assert cli.json("history", "--branch", "base")["events"] == before


def test_history_says_a_leave_was_recorded_not_what(cli, write):
    setup(cli, write)
    events = cli.json("history", "--branch", "base")["events"]
    (leave,) = [e for e in events if e["type"] == "PersonLeaveStatusRecorded"]
    assert leave["person"] == "p2"
    assert {leave[k] for k in ("status", "start", "end", "birth")} == {"withheld"}
    assert "maternity" not in json.dumps(events) and "2024-09-10" not in json.dumps(events)


def test_history_of_a_leave_without_end_or_birth_looks_the_same(cli, write):
    """A pregnancy has no birth date yet and maybe no end: had history shown the missing
    fields as null, the shape of the record would say which kind of leave it is."""
    cli.ok("run", write(ORG.format(leave="status: pregnancy, from: 2024-09-01")))
    events = cli.json("history", "--branch", "base")["events"]
    (leave,) = [e for e in events if e["type"] == "PersonLeaveStatusRecorded"]
    assert {leave[k] for k in ("status", "start", "end", "birth")} == {"withheld"}
    assert "pregnancy" not in json.dumps(events)


def _visible(path: Path) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))))


@pytest.mark.parametrize("internal", [False, True])
def test_leave_status_is_never_in_the_pack_or_human_output(cli, write, tmp_path, internal):
    setup(cli, write)
    out = tmp_path / "pack"
    args = ["pack", "--branch", "option", "-o", str(out), "--format", "html"]
    cli.ok(*args, *(["--internal"] if internal else []))
    (page,) = out.glob("*.html")
    text = page.read_text("utf-8")
    for word in ("maternity", "pregnan", "adoption", "shared_parental", "2024-09-01", "priority"):
        assert word not in text.casefold()
    assert "Senior Finance Officer" in _visible(page)  # the pack does describe the post
    for command in (("show", "--branch", "base"), ("history", "--branch", "base")):
        shown = cli.ok(*command).stdout.casefold()
        assert "maternity" not in shown and "2024-09-10" not in shown


# --- the rule with the policy's other options --------------------------------------------


def test_a_ring_fence_match_is_not_suitable_and_does_not_pre_empt_an_eligible_person():
    # london-65-50: 60% is only a ring-fence match. Priority is for a suitable vacancy
    # (an eligible pair), so p2's 80% slot stands and p1 has nothing to be offered first.
    people = [Candidate("p1", "a", "G1", priority=True), Candidate("p2", "b", "G1")]
    policy = Policy(match_threshold=65, ring_fence_threshold=50)
    result = decide(people, [Vacancy("x", "G1")], {("a", "x"): 60, ("b", "x"): 80}, policy)
    assert result.outcome_for("p2").post == "x"
    assert result.outcome_for("p1").outcome == "at_risk"


def test_under_count_fte_what_a_priority_placement_leaves_of_a_post_stays_available():
    # A 1.0 FTE post: p1 (0.5 FTE, priority) is placed first; the 0.5 FTE left is a job
    # share for p2 (0.5). p3 (1.0 FTE) would need more hours than are left (no_hours_cut).
    half = Decimal("0.5")
    people = [
        Candidate("p1", "a", "G1", half, priority=True),
        Candidate("p2", "b", "G1", half),
        Candidate("p3", "c", "G1", Decimal(1)),
    ]
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "x"): 90}
    result = decide(people, [Vacancy("x", "G1")], matches, Policy(count="fte"))
    assert (result.outcome_for("p1").post, result.outcome_for("p2").post) == ("x", "x")
    assert result.outcome_for("p3").outcome == "at_risk"


def test_the_audit_names_priority_when_a_hand_slot_takes_a_post_placed_first():
    # p1 (priority) needs x; p2 and p3 then compete for y. Slotting p2 into x by hand
    # takes the post p1 is entitled to be offered.
    people = [
        Candidate("p1", "a", "G1", priority=True),
        Candidate("p2", "b", "G1"),
        Candidate("p3", "c", "G1"),
    ]
    matches = {("a", "x"): 80, ("b", "x"): 90, ("b", "y"): 90, ("c", "y"): 90}
    vacancies = [Vacancy("x", "G1"), Vacancy("y", "G1")]
    result = decide(people, vacancies, matches, Policy())
    assert result.outcome_for("p1").post == "x"
    assert result.outcome_for("p2").pool.candidates == ("p2", "p3")
    verdict = check_decision(people, vacancies, matches, Policy(), "p2", "x")
    assert not verdict.compliant and "priority" in verdict.reasons[0]
    assert check_decision(people, vacancies, matches, Policy(), "p1", "x").compliant


def test_leave_records_survive_a_snapshot():
    state = OrgState()
    state.people["p1"] = Person("p1", "A", "G1", {}, D(2020, 1, 1))
    state.people["p1"].leave = [LeaveRecord("adoption", D(2024, 5, 1), None, D(2024, 5, 1))]
    again = load_state(json.loads(json.dumps(dump_state(state))))
    assert again.people["p1"].leave == state.people["p1"].leave
