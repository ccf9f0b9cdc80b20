"""The fact-changing steps reach every change view: ``diff --json`` (new rows only, with
the event behind each), the ``diff`` table and change charts.

Expected values are the script's own figures: the post was 1 FTE costing 30,000 with the
profile [rotas]; on 2022-06-01 it becomes 0.6 FTE costing 18,000 with [budgets, rotas x2];
its holder is renamed and regraded G1 to G2. Names are fictional.
"""

from __future__ import annotations

import datetime as dt

from orgsim.app.run import run_script
from orgsim.charts.model import build_tree
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

BASE = """\
scenario: facts
effective: 2022-01-01
grades: [G1, G2, G3]
steps:
  - create_unit: {id: org, name: Fictional Borough, kind: organisation}
  - create_post: {id: boss, title: Chief Executive, grade: G3, unit: org}
  - create_post: {id: off, title: Officer, grade: G1, unit: org, reports_to: boss, cost: 30000, accountabilities: [rotas]}
  - join: {id: x1, name: Robin Example, grade: G1}
  - assign: {person: x1, post: off}
"""

LATER = """\
scenario: facts
effective: 2022-06-01
steps:
  - change_post_fte: {id: off, fte: 0.6, reason: budget}
  - change_post_cost: {id: off, cost: 18000}
  - change_accountabilities: {id: off, accountabilities: [budgets, {text: rotas, weight: 2}]}
  - rename_person: {id: x1, name: Robin Renamed}
  - regrade_person: {id: x1, grade: G2}
"""

DIFF = ("diff", "--branch", "facts", "--from", "2022-05-31", "--to", "2022-06-01")


def test_diff_json_has_a_row_per_new_change_with_its_event(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(LATER))
    doc = cli.json(*DIFF)
    posts = [(r["id"], r["change"], r["before"], r["after"], r["event"]) for r in doc["posts"]]
    assert posts == [
        ("off", "fte", {"fte": 1.0}, {"fte": 0.6}, "PostFteChanged"),
        ("off", "cost", {"cost": 30000.0}, {"cost": 18000.0}, "PostCostChanged"),
        (
            "off",
            "accountabilities",
            {"accountabilities": [{"text": "rotas", "weight": 1.0}]},
            {
                "accountabilities": [
                    {"text": "budgets", "weight": 1.0},
                    {"text": "rotas", "weight": 2.0},
                ]
            },
            "PostAccountabilitiesChanged",
        ),
    ]
    assert doc["posts"][0]["reason"] == "budget"
    people = [(r["id"], r["change"], r["before"], r["after"], r["event"]) for r in doc["people"]]
    assert people == [
        ("x1", "renamed", {"name": "Robin Example"}, {"name": "Robin Renamed"}, "PersonRenamed"),
        ("x1", "regraded", {"grade": "G1"}, {"grade": "G2"}, "PersonRegraded"),
    ]
    assert doc["summary"] == {
        "people_regraded": 1,
        "people_renamed": 1,
        "posts_accountabilities": 1,
        "posts_cost": 1,
        "posts_fte": 1,
    }
    # the rows every consumer already knew keep their shape
    assert set(doc["posts"][0]) >= {"id", "change", "title", "before", "after", "event"}


def test_diff_table_says_what_changed_and_hides_names(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(LATER))
    out = cli.ok(*DIFF).stdout
    assert "FTE 1 -> 0.6" in out
    assert "cost 30000 -> 18000" in out
    assert "rotas -> budgets; rotas x2" in out
    assert "grade G1 -> G2" in out
    assert "Robin" not in out  # personal data only with --names
    assert "Robin Example -> Robin Renamed" in cli.ok(*DIFF, "--names").stdout


def _views() -> tuple[Structure, Structure]:
    store = open_store("memory")
    run_script(store, parse_scenario(BASE, "base.yaml"))
    run_script(store, parse_scenario(LATER, "later.yaml"))
    log = BranchReader(store).load("facts")
    return tuple(  # type: ignore[return-value]
        Structure.from_state("facts", day, log.timeline.state_at(day))
        for day in (dt.date(2022, 5, 31), dt.date(2022, 6, 1))
    )


def test_change_chart_marks_fte_cost_and_profile_changes():
    before, after = _views()
    tree = build_tree(after, before=before)
    node = tree.nodes["p:off"]
    assert node.status == "changed"
    assert node.changes == ("fte", "cost", "accountabilities")
    assert node.notes == ("FTE 1 → 0.6", "cost £30,000 → £18,000", "accountabilities changed")
    # the person's new name and grade change no box
    assert tree.nodes["p:boss"].status == "unchanged"


def test_the_pack_describes_fte_and_cost_changes(tmp_path):
    """A post whose only change is its FTE and cost is a changed post in the pack, with
    the figures from the script before and after (not an empty row)."""
    import html as htmllib
    import re

    from conftest import CLI

    store = str(tmp_path / "p.sqlite")
    script = tmp_path / "s.yaml"
    script.write_text(
        """\
scenario: b
effective: 2020-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: boss, title: Director, grade: G2, unit: org}
  - create_post: {id: clerk, title: Records Clerk, grade: G1, unit: org, reports_to: boss, cost: 30000}
  - change_post_fte: {id: clerk, fte: 0.6, effective: 2021-04-01, reason: hours reduced}
  - change_post_cost: {id: clerk, cost: 18000, effective: 2021-04-01}
""",
        encoding="utf-8",
    )
    cli = CLI(store, tmp_path)
    cli.ok("run", str(script))
    out = tmp_path / "pack"
    cli.ok("pack", "--branch", "b", "--before", "2021-03-31", "--at", "2021-04-01",
           "-o", str(out), "--format", "html")  # fmt: skip
    (page,) = out.glob("*.html")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", htmllib.unescape(page.read_text())))
    assert "Records Clerk" in text and "hours reduced" in text
    assert "FTE 1" in text and "FTE 0.6" in text
    assert "£30,000" in text and "£18,000" in text
