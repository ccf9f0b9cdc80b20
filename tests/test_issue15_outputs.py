"""Each issue-15 step is shown in ``diff`` (human and --json), issue 15's "Done when":
"each shown in history, diff, the pack and the audit".

Leave status is special category personal data (UK GDPR art. 9: data concerning health,
pregnancy), so every output says only that it was recorded: never its kind or dates, and
the free text beside it (reason, source) is withheld as ``history`` withholds it.
"""

from __future__ import annotations

import json
import re

BASE = """\
scenario: base
effective: 2014-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: old-a, title: Finance Officer, grade: G2, unit: org}
  - create_post: {id: old-b, title: Payroll Officer, grade: G2, unit: org}
  - create_post: {id: keep-c, title: Income Assistant, grade: G1, unit: org}
  - join: {id: pa, name: Avery Fictional, grade: G2}
  - join: {id: pb, name: Blair Notreal, grade: G2}
  - join: {id: pm, name: Morgan Notreal, grade: G1}
  - assign: {person: pa, post: old-a}
  - assign: {person: pb, post: old-b}
  - assign: {person: pm, post: keep-c}
"""

OPTION = """\
scenario: option
based_on: base
effective: 2014-05-01
steps:
  - create_post: {id: new-x, title: Revenues Officer, grade: G2, unit: org, effective: 2014-04-01}
  - delete_post: {id: old-a, effective: 2014-04-01}
  - slot: {effective: 2014-04-02}
  - leave_status: {person: pm, status: maternity, from: 2014-02-01, to: 2014-11-30, effective: 2014-03-10, reason: maternity leave from 1 Feb, source: HR note}
  - express_interest: {person: pb, effective: 2014-03-01}
  - express_interest: {person: pb, outcome: declined, effective: 2014-03-20}
  - offer: {person: pa, post: new-x, effective: 2014-05-01}
  - refuse_offer: {person: pa, post: new-x, reasonable: false, effective: 2014-05-06}
"""

WINDOW = ("--from", "2014-01-01", "--to", "2014-12-31")


def test_each_step_is_a_row_of_diff(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION))
    # pa was placed at risk by the slot step of 2 April (no match recorded), so from
    # 15 April the refusal changes no status: it has its own row, with the s141 view
    later = cli.json("diff", "--branch", "option", "--from", "2014-04-15", "--to", "2014-12-31")
    (refused,) = [r for r in later["people"] if r["change"] == "offer refused"]
    assert refused["id"] == "pa"
    assert refused["event"] == "RedeploymentRefused"
    assert refused["after"]["offer"]["post"] == "new-x"
    assert refused["after"]["offer"]["reasonable"] is False
    human = cli.ok("diff", "--branch", "option", "--from", "2014-04-15", "--to", "2014-12-31")
    assert "refused new-x unreasonably" in " ".join(human.stdout.replace("│", " ").split())

    doc = cli.json("diff", "--branch", "option", *WINDOW)
    rows = {(r["id"], r["change"]): r for r in doc["people"]}
    assert rows[("pb", "voluntary redundancy interest")]["after"]["vr_interest"]["outcome"] == (
        "declined"
    )
    leave = rows[("pm", "leave status recorded")]
    assert leave["event"] == "PersonLeaveStatusRecorded"
    assert (leave["before"], leave["after"]) == (
        {"leave_status": None},
        {"leave_status": "recorded"},
    )
    assert (leave["reason"], leave["source"]) == ("withheld", "withheld")
    text = json.dumps(doc)
    for secret in ("maternity", "2014-02-01", "2014-11-30", "1 Feb", "HR note"):
        assert secret not in text

    human = cli.ok("diff", "--branch", "option", *WINDOW).stdout
    words = " ".join(human.replace("│", " ").split())
    assert "leave status recorded" in words and "refused new-x unreasonably" in words
    assert "withheld / withheld" in words
    assert "voluntary redundancy interest declined" in words
    for secret in ("maternity", "2014-02-01", "2014-11-30", "Morgan", "Avery", "HR note"):
        assert secret not in human


def test_an_open_offer_that_is_refused_within_the_window_shows_once(cli, write):
    """A displaced person (no slot step) refusing an offer: their status row (displaced
    -> at risk) already says so; no second row."""
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION.replace("  - slot: {effective: 2014-04-02}\n", "")))
    doc = cli.json("diff", "--branch", "option", *WINDOW)
    changes = [r["change"] for r in doc["people"] if r["id"] == "pa"]
    assert changes == ["post and status"]
    assert doc["people"][0]["after"]["refused_offer"]["reasonable"] is False


def test_the_audit_lists_interests_and_pay_protection_apart_from_decisions(cli, write):
    cli.ok("run", write(BASE))
    steps = OPTION + "  - protect_pay: {person: pm, months: 6, effective: 2014-06-01}\n"
    cli.ok("run", write(steps))
    doc = cli.json("audit", "--branch", "option")
    (interest,) = doc["voluntary_redundancy"]
    assert (interest["person"], interest["verdict"], interest["left_by_it"]) == (
        "pb",
        "declined",
        False,
    )
    (protection,) = doc["pay_protection"]
    # six calendar months beginning 1 June 2014 end on 30 November 2014 (inclusive)
    assert (protection["person"], protection["from"], protection["until"]) == (
        "pm",
        "2014-06-01",
        "2014-11-30",
    )
    (refusal,) = doc["redeployments"]
    assert refusal["text"].startswith("Refused suitable alternative employment unreasonably")
    assert "s141(2)" in refusal["text"]
    human = " ".join(cli("audit", "--branch", "option").stdout.replace("│", " ").split())
    assert "voluntary redundancy interest declined on 2014-03-20" in human
    assert "pay protected 2014-06-01 to 2014-11-30" in human
    assert "maternity" not in human and "Morgan" not in human


# --- cost, compare and the pack: one computation (SPEC 13) -------------------------

COST_BASE = BASE.replace(
    "  - assign: {person: pm, post: keep-c}\n",
    "  - assign: {person: pm, post: keep-c}\n"
    "  - record_person: {person: pa, born: 1970-06-01, service_start: 2000-01-01,"
    " weekly_pay: 500}\n",
)

REFUSED = """\
scenario: option
based_on: base
effective: 2014-05-01
steps:
  - create_post: {id: new-x, title: Revenues Officer, grade: G2, unit: org, effective: 2014-04-01}
  - delete_post: {id: old-a, effective: 2014-04-01}
  - offer: {person: pa, post: new-x}
  - refuse_offer: {person: pa, post: new-x, reasonable: false, effective: 2014-05-05}
"""


def test_an_unreasonable_refusal_costs_the_same_in_cost_compare_and_the_pack(cli, write, tmp_path):
    """ERA 1996 s141(2): no statutory redundancy payment after an unreasonable refusal.
    Notice is still due: s86(1)(c), one week for each complete year up to 12 — pa has
    14 years from 1 January 2000 to 1 April 2014, so 12 weeks x £500 (actual pay; the
    s227 cap is for the redundancy payment only) = £6,000."""
    cli.ok("run", write(COST_BASE))
    cli.ok("run", write(REFUSED))
    cost = cli.json("cost", "--branch", "option", "--at", "2014-06-01")
    (line,) = cost["people"]
    assert (line["person"], line["statutory"], line["notice"]) == ("pa", 0.0, 6000.0)
    assert "s141(2)" in line["statutory_note"]
    compared = cli.json("compare", "base", "option", "--at", "2014-06-01")
    option = next(b for b in compared["branches"] if b["branch"] == "option")
    figures = option["redundancy_cost"]
    assert (figures["statutory"], figures["notice"], figures["total"]) == (0.0, 6000.0, 6000.0)
    out = tmp_path / "pack"
    cli.ok("pack", "--branch", "option", "-o", str(out), "--format", "html", "--at", "2014-06-01")
    (page,) = out.glob("*.html")
    words = " ".join(
        re.sub(
            r"<[^>]+>", " ", re.sub(r"<(style|svg)\b.*?</\1>", " ", page.read_text(), flags=re.S)
        ).split()
    )
    assert "Statutory redundancy pay (ERA 1996 s162) £0 " in words
    assert "Notice pay £6,000 Total £6,000" in words


# --- the pack -------------------------------------------------------------------------

BUMPED = """\
scenario: option
based_on: base
effective: 2014-05-01
steps:
  - delete_post: {id: old-a, effective: 2014-04-01}
  - leave_status: {person: pm, status: maternity, from: 2014-02-01, to: 2014-11-30, effective: 2014-03-10}
  - express_interest: {person: pb, effective: 2014-03-01}
  - express_interest: {person: pb, outcome: accepted, effective: 2014-03-15}
  - leave: {person: pb, cause: voluntary redundancy, effective: 2014-04-30}
  - offer: {person: pa, post: old-b, bumps: pb}
  - accept_offer: {person: pa, post: old-b}
  - protect_pay: {person: pa, months: 6, effective: 2014-06-01}
"""


def _pack_text(cli, tmp_path, *args: str) -> str:
    out = tmp_path / ("pack" + "".join(args).replace("-", "_"))
    cli.ok("pack", "--branch", "option", "-o", str(out), "--format", "html", *args)
    (page,) = out.glob("*.html")
    raw = re.sub(r"<(style|svg)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", raw).replace("&#39;", "'").split())


def test_the_pack_counts_pay_protection_and_vr_interest_and_withholds_them_under_5(
    cli, write, tmp_path
):
    """Pay protection and an expression of interest in voluntary redundancy are facts
    about one person: the collective pack gives them only as counts, withheld from 1 to
    4 (section 4.4's rule); the internal pack gives exact counts and, for the person
    displaced, the protection in their row. Leave status never appears in either."""
    cli.ok("run", write(BASE))
    cli.ok("run", write(BUMPED))
    collective = _pack_text(cli, tmp_path)
    assert "Pay protected (of the people displaced) fewer than 5" in collective
    assert (
        "Expressed interest in voluntary redundancy (anyone, whatever the answer) fewer than 5"
        in (collective)
    )
    assert "2014-11-30" not in collective and "6 months" not in collective
    internal = _pack_text(cli, tmp_path, "--internal")
    assert "Pay protected (of the people displaced) 1" in internal
    assert "Expressed interest in voluntary redundancy (anyone, whatever the answer) 1" in internal
    assert "pay protected 2014-06-01 to 2014-11-30 (6 months)" in internal
    for text in (collective, internal):
        assert "maternity" not in text.casefold() and "Then: pay protected" not in text
