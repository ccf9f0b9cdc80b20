"""A cut in hours is not a slot (policy ``no_hours_cut``, on in every preset).

Slotting puts a person into a job that is substantially the same on the same terms; a
post with fewer hours changes the contract, so at most it is suitable alternative
employment, offered with a statutory trial period (ERA 1996 s138), which the person may
refuse. The expected outcomes below follow from that rule, not from the engine.
"""

from __future__ import annotations

import json

from orgsim.domain.slotting.policy import PRESETS, resolve_policy
from orgsim.domain.slotting.scope import policy_of
from orgsim.domain.state import OrgState

ORG = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: old-full, title: Finance Officer, grade: G1, unit: org}
  - create_post: {id: old-part, title: Payroll Officer, grade: G1, unit: org, fte: 0.6}
  - join: {id: p1, name: Avery Fictional, grade: G1}
  - join: {id: p2, name: Blair Notreal, grade: G1}
  - assign: {person: p1, post: old-full, fte: 1.0}
  - assign: {person: p2, post: old-part, fte: 0.6}
"""

OPTION = """\
scenario: option
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
{policy}
steps:
  - create_post: {{id: new-half, title: Finance Officer (part time), grade: G1, unit: org, fte: 0.5}}
  - create_post: {{id: new-full, title: Payroll and Pensions Officer, grade: G1, unit: org, fte: 1.0}}
  - match: {{old: old-full, new: new-half, percent: 90, assessor: HR panel}}
  - match: {{old: old-part, new: new-full, percent: 90, assessor: HR panel}}
  - delete_post: {{id: old-full}}
  - delete_post: {{id: old-part}}
"""


def outcomes(doc):
    return {o["person"]: o for o in doc["outcomes"]}


def test_full_time_person_is_not_slotted_into_a_half_time_post(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(OPTION.format(policy="")))
    doc = outcomes(cli.json("slot", "--branch", "option", "--at", "2021-04-01"))
    p1 = doc["p1"]
    assert p1["outcome"] == "at_risk"
    assert any("fewer hours" in r and "suitable alternative employment" in r for r in p1["reasons"])
    # More hours on offer is no cut: the 0.6 FTE person is slotted into the 1.0 FTE post.
    assert doc["p2"]["outcome"] == "slotted" and doc["p2"]["post"] == "new-full"


def test_slotting_by_hand_into_fewer_hours_is_a_violation(cli, write):
    cli.ok("run", write(ORG))
    option = OPTION.format(policy="") + "  - slot_person: {person: p1, post: new-half}\n"
    run = cli("run", write(option))
    assert run.returncode == 0 and "breaks the policy" in run.stderr
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 1
    decision = json.loads(audit.stdout)["decisions"][0]
    assert decision["verdict"] == "violation"
    assert any("fewer hours" in r for r in decision["reasons"])


def test_the_rule_can_be_turned_off(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(OPTION.format(policy="policy: {preset: kent, no_hours_cut: false}")))
    doc = outcomes(cli.json("slot", "--branch", "option", "--at", "2021-04-01"))
    assert doc["p1"]["outcome"] == "slotted" and doc["p1"]["post"] == "new-half"


def test_on_in_every_preset_and_off_for_a_policy_stored_before_it():
    assert all(p.no_hours_cut for p in PRESETS.values())
    assert resolve_policy(None).no_hours_cut
    state = OrgState()
    state.policy = {"match_threshold": "75", "same_grade": True, "count": "heads"}
    assert policy_of(state).no_hours_cut is False  # the rule of its day
    state.policy = {**state.policy, "no_hours_cut": True}
    assert policy_of(state).no_hours_cut is True
