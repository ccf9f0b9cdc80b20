"""Near misses: first consideration for a post left to appointment (issue 15).

Most schemes give at-risk staff first consideration ("prior consideration") for vacant
posts they do not qualify to be slotted into: the policy field ``first_consideration``
(on by default) lists, for each at-risk person, the posts left to appointment to which
a match below the bar was recorded from their old post, of the same grade when the
policy asks for the same grade. A 74.9% match does not meet a 75% threshold (SPEC 5),
so it is a near miss, not a slot.
"""

from __future__ import annotations

import re
from html import unescape

from orgsim.domain.slotting import Policy
from orgsim.domain.slotting.scope import policy_of
from orgsim.domain.state import OrgState

ORG = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: old-a, title: Finance Officer, grade: G1, unit: org}
  - create_post: {id: old-b, title: Payroll Officer, grade: G1, unit: org}
  - join: {id: p1, name: Avery Fictional, grade: G1}
  - join: {id: p2, name: Blair Notreal, grade: G1}
  - assign: {person: p1, post: old-a}
  - assign: {person: p2, post: old-b}
"""

OPTION = """\
scenario: option
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
{policy}
steps:
  - create_post: {{id: acct, title: Accountant, grade: G1, unit: org}}
  - create_post: {{id: lead, title: Finance Lead, grade: G2, unit: org}}
  - create_post: {{id: pay, title: Payroll Lead, grade: G1, unit: org}}
  - match: {{old: old-a, new: acct, percent: 74.9, assessor: HR panel}}
  - match: {{old: old-a, new: lead, percent: 60, assessor: HR panel}}
  - match: {{old: old-a, new: pay, percent: 0, assessor: HR panel}}
  - match: {{old: old-b, new: pay, percent: 75, assessor: HR panel}}
  - delete_post: {{id: old-a}}
  - delete_post: {{id: old-b}}
"""


def slot(cli, write, policy=""):
    cli.ok("run", write(ORG))
    cli.ok("run", write(OPTION.format(policy=policy)))
    doc = cli.json("slot", "--branch", "option", "--at", "2021-04-01")
    return {o["person"]: o for o in doc["outcomes"]}, doc["unfilled"]


def test_a_74_9_percent_match_gives_first_consideration(cli, write):
    got, unfilled = slot(cli, write)
    assert got["p1"]["outcome"] == "at_risk"  # 74.9 is not 75
    # acct: 74.9%, same grade, left to appointment. Not lead (grade G2, not the old
    # post's G1), nor pay (0%: nothing in common, and p2 is slotted into it at 75%).
    assert got["p1"]["first_consideration"] == ["acct"]
    assert got["p2"] == {
        "person": "p2",
        "outcome": "slotted",
        "post": "pay",
        "reasons": got["p2"]["reasons"],
    }
    assert set(unfilled) == {"acct", "lead"}


def test_without_same_grade_a_higher_grade_near_miss_counts_too(cli, write):
    got, _ = slot(cli, write, policy="policy: {preset: kent, same_grade: false}")
    assert got["p1"]["first_consideration"] == ["acct", "lead"]


def test_the_policy_can_turn_it_off(cli, write):
    got, _ = slot(cli, write, policy="policy: {preset: kent, first_consideration: false}")
    assert got["p1"]["outcome"] == "at_risk" and "first_consideration" not in got["p1"]


def test_a_policy_stored_before_the_field_gives_none():
    state = OrgState()
    state.policy = {k: v for k, v in Policy().model_dump(mode="json").items()}
    del state.policy["first_consideration"]
    assert policy_of(state).first_consideration is False
    assert Policy().first_consideration is True


def test_human_slot_output_and_the_pack_show_it_without_names(cli, write, tmp_path):
    slot(cli, write)
    shown = cli.ok("slot", "--branch", "option", "--at", "2021-04-01").stdout
    assert "first consideration: Accountant" in " ".join(shown.split())
    out = tmp_path / "pack"
    cli.ok("pack", "--branch", "option", "-o", str(out), "--format", "html")
    (page,) = out.glob("*.html")
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))).split())
    section = text[text.index("4.2 New and vacant posts") :]
    row = section[section.index("Accountant") : section.index("Payroll Lead")]
    assert "First consideration: 1 at-risk candidate" in row
    assert "Avery" not in text and "Fictional" not in text
