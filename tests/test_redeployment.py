"""Redeployment and bumping are not slotting (issue 15), through scripts and the CLI.

The statute the expected values come from:

- ERA 1996 s138(3)(b)(i): the trial period is "the period of four weeks beginning with
  the date on which the employee starts work under the contract as renewed, or the new
  contract". "Beginning with" counts the first day, so a trial starting on Thursday
  1 May 2014 runs to Wednesday 28 May 2014.
- s138(2): an employee who ends the new contract during the trial is treated as
  dismissed on the date the previous contract ended (back at risk from the old post).
- s141(2): an employee who unreasonably refuses an offer of suitable employment "is not
  entitled to a redundancy payment"; a reasonable refusal keeps it.
- s162 (for the figures): half a week's pay a year under 22, one week 22-40, one and a
  half weeks for a year "in the whole of which" the employee was 41 or over; at most 20
  years; a week's pay capped at £450 from 1 February 2013 (SI 2012/3007) and £464 from
  6 April 2014 (SI 2014/382).
"""

from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import pytest

BASE = """\
scenario: base
effective: 2014-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: ops, name: Operations, kind: directorate, parent: org}
  - create_post: {id: old-a, title: Finance Officer, grade: G2, unit: ops}
  - create_post: {id: keep-b, title: Payroll Officer, grade: G2, unit: ops}
  - create_post: {id: lower-c, title: Income Assistant, grade: G1, unit: ops}
  - join: {id: p1, name: Avery Fictional, grade: G2}
  - join: {id: v1, name: Blair Volunteer, grade: G2}
  - assign: {person: p1, post: old-a}
  - assign: {person: v1, post: keep-b}
  - record_person: {person: p1, born: 1970-06-01, service_start: 2000-01-01, weekly_pay: 500}
  - record_person: {person: v1, born: 1960-06-01, service_start: 1990-01-01, weekly_pay: 450}
"""

OPTION = """\
scenario: option
based_on: base
effective: 2014-05-01
steps:
  - delete_post: {{id: old-a, effective: 2014-04-01}}
{steps}"""

BUMP = """\
  - express_interest: {person: v1, effective: 2014-03-01}
  - express_interest: {person: v1, outcome: accepted, effective: 2014-03-15}
  - leave: {person: v1, cause: voluntary redundancy, effective: 2014-04-30}
  - offer: {person: p1, post: keep-b, bumps: v1}
  - accept_offer: {person: p1, post: keep-b}
"""


def option(cli, write, steps: str) -> None:
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION.format(steps=steps)))


def person(cli, pid: str, at: str) -> dict:
    doc = cli.json("show", "--branch", "option", "--at", at)
    return next(p for p in doc["people"] if p["id"] == pid)


def cost_of(cli, at: str = "2014-06-01") -> dict:
    doc = cli.json("cost", "--branch", "option", "--at", at)
    return {p["person"]: p for p in doc["people"]}


def text_of(path: Path) -> str:
    raw = re.sub(r"<(style|svg)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


# --- a bump -----------------------------------------------------------------------


def test_a_bump_is_a_redeployment_with_its_link_to_the_voluntary_redundancy(cli, write):
    option(cli, write, BUMP)
    p1 = person(cli, "p1", "2014-05-01")
    assert p1["status"] == "redeployed" and p1["posts"] == ["keep-b"]
    assert "p1" not in cli.json("show", "--branch", "option", "--at", "2014-05-01")["displaced"]

    audit = cli.json("audit", "--branch", "option")
    assert audit["decisions"] == []  # not a slotting decision
    (row,) = audit["redeployments"]
    assert row["kind"] == "redeployment" and row["verdict"] == "redeployed"
    assert row["bumps"] == "v1" and row["from_post"] == "old-a" and row["post"] == "keep-b"
    # s138(3)(b)(i): four weeks beginning with 1 May 2014
    assert (row["trial_start"], row["trial_end"]) == ("2014-05-01", "2014-05-28")

    diff = cli.json("diff", "--branch", "option", "--from", "2014-03-31", "--to", "2014-06-01")
    row = next(r for r in diff["people"] if r["id"] == "p1")
    assert row["event"] == "RedeploymentAccepted"
    assert row["after"]["status"] == "redeployed"
    assert row["after"]["redeployment"]["bumps"] == "v1"
    human = cli.ok("diff", "--branch", "option", "--from", "2014-03-31", "--to", "2014-06-01")
    assert "slotted" not in human.stdout
    words = human.stdout.replace("│", " ").split()  # the table wraps long cells
    assert "(redeployed:" in words and "2014-05-28," in words and "bump)" in words

    v1 = next(r for r in diff["people"] if r["id"] == "v1")
    assert v1["change"] == "left" and v1["after"]["cause"] == "voluntary redundancy"
    assert v1["after"]["vr_interest"] == {
        "outcome": "accepted",
        "expressed": "2014-03-01",
        "answered": "2014-03-15",
    }

    history = cli.json("history", "--branch", "option")
    kinds = [e["type"] for e in history["events"]]
    assert "PersonSlotted" not in kinds
    offered = next(e for e in history["events"] if e["type"] == "RedeploymentOffered")
    assert offered["bumps"] == "v1" and offered["trial_end"] == "2014-05-28"
    interest = [e for e in history["events"] if e["type"] == "VoluntaryRedundancyInterestExpressed"]
    assert [e["outcome"] for e in interest] == ["pending", "accepted"]


def test_the_bumped_volunteer_is_costed_and_the_redeployed_person_is_not(cli, write):
    option(cli, write, BUMP)
    people = cost_of(cli)
    assert "p1" not in people  # redeployed: no redundancy pay
    v1 = people["v1"]
    assert v1["outcome"] == "voluntary redundancy"
    # v1, born 1 June 1960, service from 1 January 1990, leaves 30 April 2014: 24 complete
    # years, 20 counted back: 12 whole years at 41+ (from 30 April 2002) x 1.5 = 18 weeks,
    # 8 years at 22-40 x 1 = 8 weeks; 26 weeks x £450 (below the £464 cap) = £11,700.
    assert v1["statutory"] == 11700.00


def test_the_pack_says_redeployed_with_the_trial_end_and_the_bump(cli, write, tmp_path):
    option(cli, write, BUMP)
    window = ("--before", "2014-03-31", "--at", "2014-05-01", "--format", "html")
    internal = tmp_path / "internal"
    cli.ok("pack", "--branch", "option", "-o", str(internal), "--internal", *window)
    text = text_of(next(internal.glob("*.html")))
    assert "Redeployed (suitable alternative employment, trial ends 2014-05-28)" in text
    assert "bumped into the post vacated by a voluntary redundancy" in text
    assert "Filled by redeployment" in text
    collective = tmp_path / "collective"
    cli.ok("pack", "--branch", "option", "-o", str(collective), *window)
    text = text_of(next(collective.glob("*.html")))
    # no names by default, and the bump (which would say who left) is not attributed
    assert "Avery" not in text and "Blair" not in text
    assert "vacated by a voluntary redundancy" not in text


# --- the trial period (s138) ---------------------------------------------------------


def test_a_trial_period_ending_with_the_person_in_post_stands(cli, write):
    steps = """\
  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops, effective: 2014-04-01}
  - offer: {person: p1, post: new-d}
  - accept_offer: {person: p1, post: new-d}
"""
    option(cli, write, steps)
    # a refusal on the last day of the trial is still within it...
    late = OPTION.format(steps=steps).replace("scenario: option", "scenario: late")
    late += "  - refuse_offer: {person: p1, post: new-d, reasonable: true, effective: 2014-05-28}\n"
    cli.ok("run", write(late))
    # ...one the day after is not: the redeployment stands (s138(2) is for the trial)
    after = OPTION.format(steps=steps).replace("scenario: option", "scenario: after")
    after += (
        "  - refuse_offer: {person: p1, post: new-d, reasonable: true, effective: 2014-05-29}\n"
    )
    run = cli("run", write(after))
    assert run.returncode == 2
    assert "the trial period in 'new-d' ended on 2014-05-28" in run.stderr
    assert run.stderr.count("\n") == 1 and "step 5 (refuse_offer)" in run.stderr
    assert person(cli, "p1", "2014-06-30")["status"] == "redeployed"


def test_ending_the_trial_puts_the_person_back_at_risk_from_the_old_post(cli, write):
    steps = """\
  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops, effective: 2014-04-01}
  - offer: {person: p1, post: new-d}
  - accept_offer: {person: p1, post: new-d}
  - refuse_offer: {person: p1, post: new-d, reasonable: true, effective: 2014-05-20}
"""
    option(cli, write, steps)
    show = cli.json("show", "--branch", "option", "--at", "2014-05-21")
    p1 = next(p for p in show["people"] if p["id"] == "p1")
    assert p1["status"] == "at_risk" and p1["posts"] == []
    assert "p1" in show["displaced"]
    assert next(p for p in show["posts"] if p["id"] == "new-d")["holders"] == []
    # a reasonable refusal keeps statutory pay: relevant date 1 April 2014 (post deleted),
    # p1 aged 43 with 14 complete years: 2 whole years at 41+ x 1.5 = 3 weeks, 12 years at
    # 22-40 = 12 weeks; 15 weeks x £450 (the cap until 5 April 2014; pay £500) = £6,750.
    line = cost_of(cli)["p1"]
    assert line["statutory"] == 6750.00 and "statutory_note" not in line


# --- refusals (s141) ----------------------------------------------------------------


REFUSE = """\
  - create_post: {{id: new-d, title: Revenues Officer, grade: G2, unit: ops, effective: 2014-04-01}}
  - offer: {{person: p1, post: new-d}}
  - refuse_offer: {{person: p1, post: new-d, reasonable: {reasonable}, effective: 2014-05-05}}
"""


def test_an_unreasonable_refusal_loses_statutory_redundancy_pay(cli, write):
    option(cli, write, REFUSE.format(reasonable="false"))
    line = cost_of(cli)["p1"]
    assert line["outcome"] == "at_risk"
    assert line["statutory"] == 0.0  # s141(2): not entitled to a redundancy payment
    assert "s141(2)" in line["statutory_note"]
    # notice is still due (ERA s86: one week a complete year, 12 at most: 12 x £500)
    assert line["notice"] == 6000.00
    human = cli.ok("cost", "--branch", "option", "--at", "2014-06-01")
    assert "no statutory redundancy pay (ERA 1996 s141(2))" in human.stdout
    audit = cli.json("audit", "--branch", "option")
    assert [r["verdict"] for r in audit["redeployments"]] == ["refused"]
    assert audit["redeployments"][0]["reasonable"] is False


def test_a_reasonable_refusal_keeps_statutory_redundancy_pay(cli, write):
    option(cli, write, REFUSE.format(reasonable="true"))
    line = cost_of(cli)["p1"]
    assert line["statutory"] == 6750.00  # the s162 figure above, unchanged
    assert "statutory_note" not in line


# --- pay protection -------------------------------------------------------------------


def test_pay_protection_for_the_policy_period(cli, write):
    steps = (
        BUMP
        + "  - protect_pay: {person: p1}\n  - protect_pay: {person: p1, months: 6, effective: 2014-06-01}\n"
    )
    option(cli, write, steps)
    events = [
        e
        for e in cli.json("history", "--branch", "option")["events"]
        if e["type"] == "PayProtected"
    ]
    # the Kent preset's illustrative 12 months from 1 May 2014 run to 30 April 2015
    assert (events[0]["start"], events[0]["until"], events[0]["months"]) == (
        "2014-05-01",
        "2015-04-30",
        12,
    )
    assert (events[1]["start"], events[1]["until"]) == ("2014-06-01", "2014-11-30")
    diff = cli.json("diff", "--branch", "option", "--from", "2014-04-30", "--to", "2014-05-01")
    row = next(r for r in diff["people"] if r["change"] == "pay protected")
    assert row["after"]["pay_protection"] == {
        "from": "2014-05-01",
        "until": "2015-04-30",
        "months": 12,
    }


def test_pay_protection_without_a_period_needs_one_from_the_policy(cli, write):
    cli.ok("run", write(BASE))
    script = OPTION.format(steps=BUMP + "  - protect_pay: {person: p1}\n").replace(
        "effective: 2014-05-01\n",
        "effective: 2014-05-01\npolicy: {preset: kent, pay_protection_months: null}\n",
        1,
    )
    run = cli("run", write(script))
    assert run.returncode == 2
    assert "the policy sets no pay_protection_months" in run.stderr


# --- bad input: one line, exit 2, nothing written ------------------------------------


@pytest.mark.parametrize(
    ("steps", "step", "message"),
    [
        (
            "  - offer: {person: p1, post: keep-b}\n",
            "step 2 (offer)",
            "cannot offer 'keep-b': it is not vacant (held by v1)",
        ),
        (
            "  - accept_offer: {person: p1, post: keep-b}\n",
            "step 2 (accept_offer)",
            "'p1' has no offer of 'keep-b' to accept",
        ),
        (
            REFUSE.format(reasonable="true")
            + "  - refuse_offer: {person: p1, post: new-d, reasonable: false, effective: 2014-05-06}\n",
            "step 5 (refuse_offer)",
            "'p1' already refused the offer of 'new-d' (on 2014-05-05)",
        ),
        (
            "  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops}\n"
            "  - offer: {person: p1, post: new-d, trial_start: 2014-05-10, trial_end: 2014-05-05}\n",
            "step 3 (offer)",
            "trial_end 2014-05-05 is before trial_start 2014-05-10",
        ),
        (
            "  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops}\n"
            "  - offer: {person: p1, post: new-d, trial_end: 2014-05-20}\n",
            "step 3 (offer)",
            "before the end of the statutory four weeks (2014-05-28",
        ),
        (
            "  - express_interest: {person: v1, outcome: declined}\n"
            "  - leave: {person: v1, cause: voluntary redundancy}\n",
            "step 3 (leave)",
            "interest is declined, not accepted",
        ),
        (
            "  - leave: {person: v1, cause: resignation, effective: 2014-04-30}\n"
            "  - offer: {person: p1, post: keep-b, bumps: v1}\n",
            "step 3 (offer)",
            "bumps: 'v1' has not left by voluntary redundancy",
        ),
        (
            "  - protect_pay: {person: p1, until: 2014-06-01, months: 3}\n",
            "step 2 (protect_pay)",
            "give until or months, not both",
        ),
        (
            "  - refuse_offer: {person: p1, post: keep-b, reasonable: maybe}\n",
            "step 2 (refuse_offer)",
            "reasonable must be true or false",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(cli, write, steps, step, message):
    cli.ok("run", write(BASE))
    path = write(OPTION.format(steps=steps), "bad.yaml")
    run = cli("run", path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert "bad.yaml:" in run.stderr and step in run.stderr and message in run.stderr
    branches = json.loads(cli.ok("branches", "--json").stdout)["branches"]
    assert [b["name"] for b in branches] == ["base"]  # all or nothing: no branch written


def test_an_open_offer_and_an_interest_show_in_diff_and_history(cli, write):
    steps = """\
  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops, effective: 2014-04-01}
  - offer: {person: p1, post: new-d, trial_start: 2014-05-06, trial_end: 2014-07-31}
  - express_interest: {person: v1}
"""
    option(cli, write, steps)
    diff = cli.json("diff", "--branch", "option", "--from", "2014-04-30", "--to", "2014-05-01")
    rows = {(r["id"], r["change"]): r for r in diff["people"]}
    offer = rows[("p1", "offered")]["after"]["offer"]
    # a trial longer than four weeks is recorded as extended (s138(6): by agreement)
    assert (offer["trial_start"], offer["trial_end"], offer["trial_extended"]) == (
        "2014-05-06",
        "2014-07-31",
        True,
    )
    assert rows[("v1", "voluntary redundancy interest")]["after"]["vr_interest"]["outcome"] == (
        "pending"
    )
    human = cli.ok("diff", "--branch", "option", "--from", "2014-04-30", "--to", "2014-05-01")
    assert "offered new-d" in human.stdout and "Avery" not in human.stdout
    table = cli.ok("history", "--branch", "option").stdout
    assert "RedeploymentOffered" in table and "VoluntaryRedundancyInterestExpr" in table


def test_a_redeployed_person_displaced_again_can_be_offered_another_post(cli, write):
    steps = BUMP + (
        "  - create_post: {id: new-d, title: Revenues Officer, grade: G2, unit: ops}\n"
        "  - delete_post: {id: keep-b, effective: 2014-09-01}\n"
        "  - offer: {person: p1, post: new-d, effective: 2014-09-01}\n"
        "  - accept_offer: {person: p1, post: new-d, effective: 2014-09-01}\n"
    )
    option(cli, write, steps)
    audit = cli.json("audit", "--branch", "option")
    assert [(r["post"], r["from_post"], r["verdict"]) for r in audit["redeployments"]] == [
        ("keep-b", "old-a", "redeployed"),
        ("new-d", "keep-b", "redeployed"),
    ]
