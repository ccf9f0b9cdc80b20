"""The audit in one pass: same verdicts as replaying each decision on its own, and
decisions whose match assessment was revised afterwards flagged for review."""

from __future__ import annotations

import json

from orgsim.domain import events as ev
from orgsim.domain.slotting import check_decision
from orgsim.domain.slotting.scope import policy_of, scope
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.recorder import open_store
from orgsim.views.audit import audit_branch
from tests.test_slotting_cli import ORG, RESTRUCTURE

SLOT = RESTRUCTURE + "  - slot: {}\n"


def reference_verdicts(branch: BranchLog) -> list[tuple[int, str, str, bool, list[str]]]:
    """SPEC 5 read literally: for each decision, fold the log before it up to its
    effective date from scratch (one replay per decision) and re-apply the policy."""
    out = []
    for item in branch.log:
        event = item.event
        if type(event) is not ev.PersonSlotted:
            continue
        state = branch.timeline.state_at(event.effective, up_to_version=item.version - 1)
        candidates, vacancies, matches = scope(state)
        verdict = check_decision(
            candidates, vacancies, matches, policy_of(state), event.person, event.post,
            grades=state.grades,
        )  # fmt: skip
        out.append((item.version, event.person, event.post, verdict.compliant, verdict.reasons))
    return out


def test_a_revised_match_flags_the_decision_for_review_without_failing(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(SLOT))
    cli.ok(
        "run",
        write(
            "scenario: option\neffective: 2021-05-01\nsteps:\n"
            "  - match: {old: old-1, new: new-fin, percent: 70, assessor: appeal panel}\n"
        ),
    )
    result = cli("audit", "--branch", "option", "--json")
    assert result.returncode == 0  # only violations fail the audit
    decisions = {d["person"]: d for d in json.loads(result.stdout)["decisions"]}
    p1 = decisions["p1"]
    assert p1["verdict"] == "basis_revised" and p1["post"] == "new-fin"
    revised = p1["revised"]
    assert (revised["percent_at_decision"], revised["percent_revised"]) == (80, 70)
    assert revised["version_revised"] > p1["version"] > revised["version_at_decision"]
    assert revised["recorded_revised"] >= revised["recorded_at_decision"]
    assert any("80%" in r and "70%" in r for r in p1["reasons"])
    assert decisions["p2"]["verdict"] == "compliant" and "revised" not in decisions["p2"]
    human = cli("audit", "--branch", "option")
    assert human.returncode == 0 and "basis_revised" in human.stdout


def test_the_same_figure_recorded_again_is_no_revision(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(SLOT))
    cli.ok(
        "run",
        write(
            "scenario: option\neffective: 2021-05-01\nsteps:\n"
            "  - match: {old: old-1, new: new-fin, percent: 80, assessor: appeal panel}\n"
        ),
    )
    doc = cli.json("audit", "--branch", "option")
    assert [d["verdict"] for d in doc["decisions"]] == ["compliant", "compliant"]


def test_one_pass_equals_one_replay_per_decision_with_dates_out_of_order(cli, write, store_url):
    """Later scripts record decisions effective before ones already recorded, and
    events effective before the decisions folded so far: the one-pass walk must then
    rebuild, and still agree with a fresh replay for every decision."""
    cli.ok("run", write(ORG))
    cli.ok("run", write(SLOT))
    cli.ok(
        "run",
        write(
            "scenario: option\neffective: 2021-09-01\nsteps:\n"
            "  - create_post: {id: new-x, title: Head of Risk, grade: G2, unit: a, reports_to: ceo}\n"
            "  - match: {old: old-3, new: new-x, percent: 80, assessor: HR panel}\n"
            "  - slot_person: {person: p3, post: new-x}\n"
        ),
    )
    cli.ok(
        "run",
        write(
            "scenario: option\neffective: 2021-05-01\nsteps:\n"
            "  - create_post: {id: new-y, title: Head of Control, grade: G2, unit: a, reports_to: ceo}\n"
            "  - match: {old: old-3, new: new-y, percent: 60, assessor: HR panel}\n"
            "  - slot_person: {person: p3, post: new-y, basis: director}\n"
        ),
    )
    store = open_store(store_url)
    try:
        branch = BranchReader(store).load("option")
        got = [
            (d.version, d.person, d.post, d.verdict != "violation", d.reasons)
            for d in audit_branch(branch)
        ]
        assert got == reference_verdicts(branch)
    finally:
        store.close()
    result = cli("audit", "--branch", "option", "--json")
    assert result.returncode == 1
    verdicts = [d["verdict"] for d in json.loads(result.stdout)["decisions"]]
    # p1, p2 by the engine; p3 into new-x at 80 % (compliant); p3 into new-y at 60 %
    assert verdicts == ["compliant", "compliant", "compliant", "violation"]
