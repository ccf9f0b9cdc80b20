"""Slotting through the scenario format and the command line: slot, audit, match suggest."""

from __future__ import annotations

import json

import yaml

ORG = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: a, name: Directorate A, kind: directorate, parent: org}
  - create_post: {id: ceo, title: Chief Executive, grade: G3, unit: org}
  - create_post: {id: old-1, title: Head of Finance, grade: G2, unit: a, reports_to: ceo, accountabilities: [budget setting, treasury management, audit liaison]}
  - create_post: {id: old-2, title: Head of Payroll, grade: G2, unit: a, reports_to: ceo, accountabilities: [payroll processing, pensions]}
  - create_post: {id: old-3, title: Head of Audit, grade: G2, unit: a, reports_to: ceo, fte: 1.0}
  - create_post: {id: old-4, title: Admin Officer, grade: G1, unit: a, reports_to: old-1}
  - join: {id: p1, name: Avery Fictional, grade: G2}
  - join: {id: p2, name: Blair Notreal, grade: G2}
  - join: {id: p3, name: Corin Madeup, grade: G2}
  - join: {id: p4, name: Dale Pretend, grade: G1}
  - assign: {person: p1, post: old-1}
  - assign: {person: p2, post: old-2}
  - assign: {person: p3, post: old-3}
  - assign: {person: p4, post: old-4}
"""

RESTRUCTURE = """\
scenario: option
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - create_post: {id: new-fin, title: Head of Finance and Treasury, grade: G2, unit: a, reports_to: ceo, accountabilities: [budget setting, treasury management]}
  - create_post: {id: new-pay, title: Head of Pay and Pensions, grade: G2, unit: a, reports_to: ceo, accountabilities: [payroll processing, pensions administration]}
  - create_post: {id: new-up, title: Head of Assurance, grade: G3, unit: a, reports_to: ceo}
  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}
  - match: {old: old-2, new: new-pay, percent: 75, assessor: HR panel}
  - match: {old: old-3, new: new-fin, percent: 74.9, assessor: HR panel}
  - match: {old: old-3, new: new-up, percent: 90, assessor: HR panel}
  - delete_post: {id: old-4}
  - delete_post: {id: old-1}
  - delete_post: {id: old-2}
  - delete_post: {id: old-3}
"""


def versions(cli) -> dict[str, int]:
    return {b["name"]: b["version"] for b in cli.json("branches")["branches"]}


def test_slot_shows_outcomes_and_records_nothing(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))
    before = versions(cli)
    doc = cli.json("slot", "--branch", "option", "--at", "2021-04-01")
    assert versions(cli) == before
    outcomes = {o["person"]: o for o in doc["outcomes"]}
    assert outcomes["p1"]["outcome"] == "slotted" and outcomes["p1"]["post"] == "new-fin"
    assert (
        outcomes["p2"]["outcome"] == "slotted" and outcomes["p2"]["post"] == "new-pay"
    )  # 75 inclusive
    assert outcomes["p3"]["outcome"] == "at_risk"  # 74.9 and a higher grade: neither counts
    assert "post" not in outcomes["p3"]
    assert outcomes["p4"]["outcome"] == "at_risk"  # no match at all
    for outcome in doc["outcomes"]:
        assert outcome["reasons"] and all(isinstance(r, str) for r in outcome["reasons"])
    assert "80%" in " ".join(outcomes["p1"]["reasons"]) and "G2" in " ".join(
        outcomes["p1"]["reasons"]
    )
    # the default date is the latest effective date on the branch
    assert cli.json("slot", "--branch", "option")["outcomes"] == doc["outcomes"]


def test_two_people_for_one_post_form_a_pool_and_slot_step_records_it(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE.replace("percent: 75, assessor", "percent: 60, assessor").replace(
                "  - delete_post: {id: old-4}\n",
                "  - match: {old: old-2, new: new-fin, percent: 85}\n  - delete_post: {id: old-4}\n",
            )
            + "  - slot: {}\n"
        ),
    )
    events = cli.json("history", "--branch", "option")["events"]
    pools = [e for e in events if e["type"] == "PoolFormed"]
    assert len(pools) == 1
    assert pools[0]["candidates"] == ["p1", "p2"] and pools[0]["posts"] == ["new-fin"]
    assert pools[0]["reasons"]
    assert not [e for e in events if e["type"] == "PersonSlotted"]
    at_risk = sorted(e["person"] for e in events if e["type"] == "PersonPlacedAtRisk")
    assert at_risk == ["p3", "p4"]
    shown = cli.json("show", "--branch", "option", "--at", "2021-04-01")
    assert shown["displaced"] == ["p1", "p2", "p3", "p4"]  # pools and at-risk stay displaced
    status = {p["id"]: p["status"] for p in shown["people"]}
    assert status["p1"] == status["p2"] == "ring_fenced" and status["p3"] == "at_risk"


def test_engine_decisions_audit_compliant_and_appointments_resolve(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE
            + """\
  - slot: {}
  - appoint: {person: p3, post: new-up, basis: member panel}
  - leave: {person: p4, cause: redundancy}
"""
        ),
    )
    doc = cli.json("audit", "--branch", "option")
    assert [(d["person"], d["post"], d["verdict"]) for d in doc["decisions"]] == [
        ("p1", "new-fin", "compliant"),
        ("p2", "new-pay", "compliant"),
    ]
    shown = cli.json("show", "--branch", "option", "--at", "2021-04-01")
    assert shown["displaced"] == []
    holders = {p["id"]: p["holders"] for p in shown["posts"]}
    assert holders["new-fin"] == ["p1"] and holders["new-up"] == ["p3"]


def test_hand_decision_against_policy_is_recorded_with_warning_and_fails_audit(cli, write):
    cli.ok("run", write(ORG))
    result = cli(
        "run",
        write(
            RESTRUCTURE
            + """\
  - slot_person: {person: p3, post: new-up, basis: chief executive's decision}
"""
        ),
    )
    assert result.returncode == 0
    assert "warning" in result.stderr and "breaks the policy" in result.stderr
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 1
    decision = json.loads(audit.stdout)["decisions"][0]
    assert decision["verdict"] == "violation" and decision["person"] == "p3"
    assert any("grade" in r for r in decision["reasons"])
    human = cli("audit", "--branch", "option")
    assert human.returncode == 1 and "violation" in human.stdout


def test_a_match_recorded_after_the_decision_is_a_violation(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE.replace(
                "  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}\n", ""
            )
            + "  - slot_person: {person: p1, post: new-fin}\n"
        ),
    )
    cli.ok(
        "run",
        write(
            "scenario: option\neffective: 2021-04-01\nsteps:\n"
            "  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}\n"
        ),
    )
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 1
    reasons = json.loads(audit.stdout)["decisions"][0]["reasons"]
    assert any("recorded after the decision" in r for r in reasons)


def test_named_preset_changes_the_outcome(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE.replace(
                "effective: 2021-04-01\n", "effective: 2021-04-01\npolicy: london-65-50\n", 1
            ).replace("percent: 80", "percent: 66")
        ),
    )
    outcomes = {o["person"]: o for o in cli.json("slot", "--branch", "option")["outcomes"]}
    # 66 and 74.9 both reach 65 under the London preset: p1 and p3 now compete
    assert outcomes["p1"]["outcome"] == outcomes["p3"]["outcome"] == "ring_fenced"
    assert outcomes["p1"]["pool"] == {"posts": ["new-fin"], "candidates": ["p1", "p3"]}
    assert cli.json("slot", "--branch", "option")["policy"]["match_threshold"] == 65


def test_job_share_under_heads_and_fte(cli, write):
    base = """\
scenario: js
effective: 2020-01-01
grades: [G1, G2]
policy: {count: COUNT}
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_post: {id: top, title: Top, grade: G2, unit: org}
  - create_post: {id: old, title: Officer, grade: G1, unit: org, reports_to: top}
  - create_post: {id: new, title: Senior Officer, grade: G1, unit: org, reports_to: top, effective: 2021-01-01}
  - join: {id: a, name: Jamie Sharer}
  - join: {id: b, name: Kit Sharer}
  - assign: {person: a, post: old, fte: 0.5}
  - assign: {person: b, post: old, fte: 0.5}
  - match: {old: old, new: new, percent: 90}
  - delete_post: {id: old, effective: 2021-01-01}
"""
    cli.ok("run", write(base.replace("COUNT", "heads")))
    heads = cli.json("slot", "--branch", "js")["outcomes"]
    assert {o["outcome"] for o in heads} == {"ring_fenced"}
    cli.ok("run", write(base.replace("COUNT", "fte").replace("scenario: js", "scenario: js-fte")))
    fte = cli.json("slot", "--branch", "js-fte")["outcomes"]
    assert [(o["person"], o["outcome"], o.get("post")) for o in fte] == [
        ("a", "slotted", "new"),
        ("b", "slotted", "new"),
    ]


def test_match_suggest_prints_steps_that_run(cli, write, tmp_path):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE.replace("  - match:", "  # - match:")))
    out = cli.ok("match", "suggest", "--branch", "option").stdout
    fragment = yaml.safe_load(out)
    steps = fragment["steps"]
    pairs = {(s["match"]["old"], s["match"]["new"]): s["match"]["percent"] for s in steps}
    assert pairs[("old-1", "new-fin")] == 100  # both new accountabilities are in the old job
    assert pairs[("old-2", "new-pay")] == 75  # payroll 1.0 + pensions 0.5 over 2 accountabilities
    assert ("old-1", "new-up") not in pairs  # no accountabilities on new-up: nothing to suggest
    script = write("scenario: option\neffective: 2021-04-01\n" + out.split("\n", 1)[1])
    cli.ok("run", script)
    assert {o["person"]: o["outcome"] for o in cli.json("slot", "--branch", "option")["outcomes"]}[
        "p1"
    ] == "slotted"


def test_slot_and_audit_bad_input(cli, write):
    cli.ok("run", write(ORG))
    for args in (
        ("slot", "--branch", "nope"),
        ("audit", "--branch", "nope"),
        ("slot", "--branch", "base", "--at", "tomorrow"),
        ("match", "suggest", "--branch", "nope"),
    ):
        result = cli(*args)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, args
    bad_policy = cli("run", write("scenario: p\nbased_on: base\npolicy: nonsense\nsteps: []\n"))
    assert bad_policy.returncode == 2 and "policy" in bad_policy.stderr


def test_compare_counts_ring_fenced_and_at_risk_people_among_the_displaced(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE.replace(
                "  - delete_post: {id: old-4}\n",
                "  - match: {old: old-2, new: new-fin, percent: 85}\n  - delete_post: {id: old-4}\n",
            ).replace("percent: 75, assessor", "percent: 60, assessor")
            + "  - slot: {}\n"
        ),
    )
    doc = cli.json("compare", "base", "option", "--at", "2021-04-01")
    people = {b["branch"]: b["people"] for b in doc["branches"]}
    assert people["option"]["displaced"] == 4
    assert people["option"]["ring_fenced"] == 2 and people["option"]["at_risk"] == 2
    assert people["base"]["displaced"] == people["base"]["ring_fenced"] == 0


def test_compare_counts_people_transferred_to_an_external_body_apart(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            "scenario: spun-out\nbased_on: base\neffective: 2021-04-01\nsteps:\n"
            "  - transfer_unit: {id: a, to: {id: co, name: Trading Co, kind: external}}\n"
        ),
    )
    doc = cli.json("compare", "base", "spun-out", "--at", "2021-04-01")
    people = {b["branch"]: b["people"] for b in doc["branches"]}
    posts = {b["branch"]: b["posts"] for b in doc["branches"]}
    assert people["base"]["current"] == 4 and people["base"]["transferred_out"] == 0
    assert people["spun-out"]["current"] == 0 and people["spun-out"]["transferred_out"] == 4
    assert posts["spun-out"]["external"] == 4 and posts["spun-out"]["total"] == 1


def test_job_share_slotted_by_the_engine_under_fte_audits_compliant(cli, write):
    cli.ok(
        "run",
        write("""\
scenario: js
effective: 2020-01-01
grades: [G1, G2]
policy: {count: fte}
steps:
  - create_unit: {id: org, name: Org, kind: organisation}
  - create_post: {id: top, title: Top, grade: G2, unit: org}
  - create_post: {id: h8, title: H8, grade: G2, unit: org, reports_to: top}
  - create_post: {id: h9, title: H9, grade: G2, unit: org, reports_to: top}
  - create_post: {id: part, title: Part-time Post, grade: G2, unit: org, reports_to: top}
  - create_post: {id: js, title: Job Share, grade: G2, unit: org, reports_to: top, effective: 2021-01-01}
  - join: {id: p8, name: Pat Eight}
  - join: {id: p9, name: Pat Nine}
  - join: {id: p7, name: Pat Seven}
  - assign: {person: p8, post: h8, fte: 0.5}
  - assign: {person: p9, post: h9, fte: 0.5}
  - assign: {person: p7, post: part, fte: 0.5}
  - match: {old: h8, new: js, percent: 80}
  - match: {old: h9, new: js, percent: 80}
  - match: {old: h9, new: part, percent: 90}
  - delete_post: {id: h8, effective: 2021-01-01}
  - delete_post: {id: h9, effective: 2021-01-01}
  - slot: {effective: 2021-01-01}
"""),
    )
    audit = cli.json("audit", "--branch", "js")
    assert [(d["person"], d["post"], d["verdict"]) for d in audit["decisions"]] == [
        ("p8", "js", "compliant"),
        ("p9", "js", "compliant"),
    ]
    shown = cli.json("show", "--branch", "js", "--at", "2021-01-01")
    assert {p["id"]: p["holders"] for p in shown["posts"]}["js"] == ["p8", "p9"]


def test_a_match_recorded_earlier_but_effective_later_counts(cli, write):
    """SPEC 5: the assessments recorded before a decision, whatever their effective dates."""
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            RESTRUCTURE.replace(
                "  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel}\n",
                "  - match: {old: old-1, new: new-fin, percent: 80, assessor: HR panel, effective: 2022-01-01}\n",
            )
            + "  - slot_person: {person: p1, post: new-fin}\n"
        ),
    )
    outcomes = {
        o["person"]: o
        for o in cli.json("slot", "--branch", "option", "--at", "2021-04-01")["outcomes"]
    }
    assert "p1" not in outcomes  # already slotted by hand
    audit = cli.json("audit", "--branch", "option")
    assert [(d["person"], d["verdict"]) for d in audit["decisions"]] == [("p1", "compliant")]
