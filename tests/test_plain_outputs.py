"""Plain English in the human output of ``slot`` and ``audit`` (issue 12): posts named by
the title and grade the scenario gives them, never by id; the engine's "then by id"
tie-break said as the policy's fixed order of post reference numbers; a revised match
said in words. ``--json`` keeps the machine reasons, with ids (SPEC section 7).

Every expected phrase below is read off the scenario (its titles, grades and match
figures) or off SPEC section 5, not off the engine's output."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

from orgsim.domain.structure import PostView, Structure

ORG = """\
scenario: base
effective: 2020-01-01
grades: [GR1, GR2, GR3]
steps:
  - create_unit: {id: org, name: Example Borough, kind: organisation}
  - create_unit: {id: res, name: Resources, kind: directorate, parent: org}
  - create_post: {id: ceo, title: Chief Executive, grade: GR3, unit: org}
  - create_post: {id: old-fin, title: Head of Finance, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: old-pay, title: Head of Payroll, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: old-aud, title: Head of Audit, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: old-ppl, title: Head of People, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: old-adm, title: Admin Officer, grade: GR1, unit: res, reports_to: old-fin}
  - join: {id: p1, name: Avery Fictional, grade: GR2}
  - join: {id: p2, name: Blair Notreal, grade: GR2}
  - join: {id: p3, name: Corin Madeup, grade: GR2}
  - join: {id: p4, name: Dale Pretend, grade: GR2}
  - join: {id: p5, name: Emery Invented, grade: GR1}
  - assign: {person: p1, post: old-fin}
  - assign: {person: p2, post: old-pay}
  - assign: {person: p3, post: old-aud}
  - assign: {person: p4, post: old-ppl}
  - assign: {person: p5, post: old-adm}
"""

RESTRUCTURE = """\
scenario: option
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - create_post: {id: new-fin, title: Finance Lead, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: new-rev, title: Revenue Lead, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: new-pay, title: Pay and Pensions Lead, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: new-ppl, title: People Lead, grade: GR2, unit: res, reports_to: ceo}
  - create_post: {id: new-ast, title: Assurance Lead, grade: GR3, unit: res, reports_to: ceo}
  - match: {old: old-fin, new: new-fin, percent: 80, assessor: HR panel}
  - match: {old: old-fin, new: new-rev, percent: 80, assessor: HR panel}
  - match: {old: old-pay, new: new-pay, percent: 75, assessor: HR panel}
  - match: {old: old-aud, new: new-ppl, percent: 85, assessor: HR panel}
  - match: {old: old-aud, new: new-ast, percent: 90, assessor: HR panel}
  - match: {old: old-ppl, new: new-ppl, percent: 90, assessor: HR panel}
  - delete_post: {id: old-fin}
  - delete_post: {id: old-pay}
  - delete_post: {id: old-aud}
  - delete_post: {id: old-ppl}
  - delete_post: {id: old-adm}
"""

POST_IDS = [
    "ceo",
    "old-fin",
    "old-pay",
    "old-aud",
    "old-ppl",
    "old-adm",
    "new-fin",
    "new-rev",
    "new-pay",
    "new-ppl",
    "new-ast",
]
NAMES = ["Avery", "Blair", "Corin", "Dale", "Emery"]


def rows(stdout: str) -> list[list[str]]:
    """The cells of a Rich table as printed, a wrapped cell joined back into one line.

    A row's first line has its first cell filled; the lines after it (until the next
    such line) continue that row's cells."""
    out: list[list[str]] = []
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            out.append(cells)
        elif out:
            out[-1] = [f"{a} {b}".strip() for a, b in zip(out[-1], cells, strict=True)]
    return out


def ids_in(text: str) -> list[str]:
    return [p for p in POST_IDS if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)]


def test_slot_human_output_names_posts_by_title_and_grade(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))
    result = cli.ok("slot", "--branch", "option", "--at", "2021-04-01")
    table = {r[0]: r for r in rows(result.stdout)}
    assert sorted(table) == ["p1", "p2", "p3", "p4", "p5"]

    # p1: two 80% GR2 posts; SPEC 5's last tie-break (by id) picks new-fin over new-rev
    _, outcome, where, why = table["p1"]
    assert (outcome, where) == ("slotted", "Finance Lead (grade GR2)")
    assert "80% match to Finance Lead (grade GR2)" in why
    assert "Revenue Lead (grade GR2) 80%" in why
    assert "fixed order of post reference numbers" in why and "then by id" not in why
    assert table["p2"][1:3] == ["slotted", "Pay and Pensions Lead (grade GR2)"]
    assert "75% match to Pay and Pensions Lead (grade GR2)" in table["p2"][3]
    # p3 and p4 both clear 75% for the one People Lead post: a ring-fenced pool
    for p in ("p3", "p4"):
        assert table[p][1:3] == ["ring-fenced", "People Lead (grade GR2) (2 candidates)"]
    assert "85% match to People Lead (grade GR2)" in table["p3"][3]
    assert "90% match to People Lead (grade GR2)" in table["p4"][3]
    # p5 has no match at all
    assert table["p5"][1] == "at risk"
    assert "from Admin Officer (grade GR1)" in table["p5"][3]
    left = [line for line in result.stdout.splitlines() if line.startswith("Vacant posts")]
    assert left == [
        "Vacant posts left to appointment: Chief Executive (grade GR3); "
        "Assurance Lead (grade GR3); Revenue Lead (grade GR2)"
    ]

    assert ids_in(" ".join(" ".join(r) for r in table.values())) == []
    assert ids_in(result.stdout) == []
    assert not [n for n in NAMES if n in result.stdout]  # people by id only, no names


def test_slot_json_keeps_the_machine_reasons(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))
    doc = cli.json("slot", "--branch", "option", "--at", "2021-04-01")
    outcomes = {o["person"]: o for o in doc["outcomes"]}
    assert outcomes["p1"]["post"] == "new-fin"
    assert outcomes["p3"]["pool"]["posts"] == ["new-ppl"]
    assert sorted(doc["unfilled"]) == ["ceo", "new-ast", "new-rev"]
    why = " ".join(outcomes["p1"]["reasons"])
    assert "80% match to new-fin" in why and "then by id" in why
    assert "Finance Lead" not in json.dumps(doc)


AUDITED = RESTRUCTURE + "  - slot: {}\n"
REVISED = """\
scenario: option
effective: 2021-05-01
steps:
  - match: {old: old-fin, new: new-fin, percent: 70, assessor: appeal panel}
"""


def test_audit_human_output_names_posts_and_says_a_revision_in_words(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(AUDITED))
    cli.ok("run", write(REVISED))
    doc = cli.json("audit", "--branch", "option")
    revised = {d["person"]: d for d in doc["decisions"]}["p1"]["revised"]
    first = dt.datetime.fromisoformat(revised["recorded_at_decision"]).date().isoformat()
    later = dt.datetime.fromisoformat(revised["recorded_revised"]).date().isoformat()

    result = cli("audit", "--branch", "option")
    assert result.returncode == 0  # a revision is for review, not a violation
    table = {r[1]: r for r in rows(result.stdout)}
    assert sorted(table) == ["p1", "p2"]
    _, _, post, by, verdict, reasons = table["p1"]
    assert (post, by, verdict) == ("Finance Lead (grade GR2)", "engine", "review")
    assert "80% match to Finance Lead (grade GR2)" in reasons
    assert (
        "match from Head of Finance (grade GR2) to Finance Lead (grade GR2) revised from "
        f"80% (recorded {first}) to 70% (recorded {later}) after the decision: review"
    ) in reasons
    assert "version" not in reasons  # the machine wording is said once, in words
    assert table["p2"][2:5] == ["Pay and Pensions Lead (grade GR2)", "engine", "compliant"]
    assert ids_in(result.stdout) == []
    assert not [n for n in NAMES if n in result.stdout]


def test_audit_json_keeps_the_machine_reasons(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(AUDITED))
    cli.ok("run", write(REVISED))
    p1 = {d["person"]: d for d in cli.json("audit", "--branch", "option")["decisions"]}["p1"]
    assert p1["post"] == "new-fin" and p1["verdict"] == "basis_revised"
    assert p1["revised"]["old_post"] == "old-fin" and p1["revised"]["post"] == "new-fin"
    text = " ".join(p1["reasons"])
    assert "match to new-fin" in text and "from old-fin to new-fin" in text
    assert "Finance Lead" not in text


def test_a_violation_names_posts_in_words(cli, write):
    cli.ok("run", write(ORG))
    # p3's old post is GR2: a GR3 post is a promotion the policy never slots
    cli.ok("run", write(RESTRUCTURE + "  - slot_person: {person: p3, post: new-ast}\n"))
    result = cli("audit", "--branch", "option")
    assert result.returncode == 1
    (row,) = rows(result.stdout)
    assert row[2] == "Assurance Lead (grade GR3)" and row[4] == "violation"
    assert ids_in(result.stdout) == []


def test_an_unknown_id_stays_as_it_is():
    from orgsim.views.plain import Plain

    post = PostView("hd-1", "Head of Things", "GR2", "u", None, Decimal(1), (), (), None, ())
    s = Structure("b", dt.date(2020, 1, 1), {}, {"hd-1": post}, {}, (), None)
    plain = Plain([s])
    assert plain.name("hd-1") == "Head of Things (grade GR2)"
    assert plain.name("hd-2") == "hd-2"
    assert plain("hd-1 and hd-10 and xhd-1") == "Head of Things (grade GR2) and hd-10 and xhd-1"
