"""The six fact-changing steps (README "Scenario scripts"): each records its own event,
moves exactly one fact of the read model at its effective date, and is refused with a
one-line error (exit 2, nothing written) when it would break an invariant."""

from __future__ import annotations

import pytest

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
  - change_post_fte: {id: off, fte: 0.6}
  - change_post_cost: {id: off, cost: 18000}
  - change_accountabilities: {id: off, accountabilities: [budgets, {text: rotas, weight: 2}]}
  - clear_reports_to: {id: off}
  - rename_person: {id: x1, name: Robin Renamed}
  - regrade_person: {id: x1, grade: G2}
"""


def _post(doc, pid):
    return next(p for p in doc["posts"] if p["id"] == pid)


def _person(doc, pid):
    return next(p for p in doc["people"] if p["id"] == pid)


def test_each_step_changes_its_fact_from_its_date(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(LATER))
    before = cli.json("show", "--branch", "facts", "--at", "2022-05-31")
    after = cli.json("show", "--branch", "facts", "--at", "2022-06-01")
    assert _post(before, "off")["fte"] == 1.0 and _post(after, "off")["fte"] == 0.6
    assert _post(before, "off")["cost"] == 30000 and _post(after, "off")["cost"] == 18000
    assert (
        _post(before, "off")["reports_to"] == "boss" and _post(after, "off")["reports_to"] is None
    )
    assert _person(before, "x1")["grade"] == "G1" and _person(after, "x1")["grade"] == "G2"
    assert _person(before, "x1")["name"] == "Robin Example"
    assert _person(after, "x1")["name"] == "Robin Renamed"
    assert _post(after, "off")["holders"] == ["x1"]  # nothing else moved
    types = [e["type"] for e in cli.json("history", "--branch", "facts")["events"]]
    assert types[-6:] == [
        "PostFteChanged",
        "PostCostChanged",
        "PostAccountabilitiesChanged",
        "PostReportingCleared",
        "PersonRenamed",
        "PersonRegraded",
    ]
    events = cli.json("history", "--branch", "facts")["events"]
    profile = next(e for e in events if e["type"] == "PostAccountabilitiesChanged")
    assert [a["text"] for a in profile["accountabilities"]] == ["budgets", "rotas"]


@pytest.mark.parametrize(
    "step, cause",
    [
        ("change_post_fte: {id: off, fte: 0}", "fte"),
        ("change_post_fte: {id: nope, fte: 0.5}", "unknown post 'nope'"),
        ("change_post_cost: {id: off, cost: -1}", "cost"),
        ("clear_reports_to: {id: boss}", "reports to no post already"),
        ("rename_person: {id: x1, name: ''}", "name"),
        ("regrade_person: {id: x1, grade: G9}", "not in the grade scheme"),
        ("regrade_person: {id: ghost, grade: G1}", "unknown person 'ghost'"),
    ],
)
def test_a_step_that_breaks_an_invariant_is_refused(cli, write, step, cause):
    cli.ok("run", write(BASE))
    before = cli.json("history", "--branch", "facts")["events"]
    result = cli("run", write(f"scenario: facts\neffective: 2022-06-01\nsteps:\n  - {step}\n"))
    assert result.returncode == 2
    assert cause in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cli.json("history", "--branch", "facts")["events"] == before


def test_a_deleted_post_or_a_leaver_cannot_be_changed(cli, write):
    cli.ok("run", write(BASE))
    cli.ok(
        "run",
        write(
            "scenario: facts\neffective: 2022-03-01\nsteps:\n"
            "  - delete_post: {id: boss}\n  - leave: {person: x1, cause: resignation}\n"
        ),
    )
    for step in ("change_post_cost: {id: boss, cost: 1}", "rename_person: {id: x1, name: Z}"):
        result = cli("run", write(f"scenario: facts\neffective: 2022-06-01\nsteps:\n  - {step}\n"))
        assert result.returncode == 2
        assert "deleted" in result.stderr or "has left" in result.stderr


def test_a_cleared_line_shows_in_diff_with_its_event(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(LATER))
    diff = cli.json("diff", "--branch", "facts", "--from", "2022-05-31", "--to", "2022-06-01")
    row = next(p for p in diff["posts"] if p["id"] == "off")
    assert row["change"] == "moved" and row["after"]["reports_to"] is None
    assert row["event"] == "PostReportingCleared"


def test_every_step_kind_has_a_translator_whichever_module_is_imported_first():
    """The people steps live in their own module pair (parse_people, steps_people), which
    import the core modules they extend; importing either first must still register
    every step and every translator (a fresh interpreter each time)."""
    import subprocess
    import sys

    check = (
        "from orgsim.scenario.parse import STEP_TYPES; "
        "from orgsim.scenario.steps import TRANSLATORS; "
        "assert set(TRANSLATORS) == set(STEP_TYPES.values()), 'a step kind has no translator'; "
        "assert {'leave_status', 'offer', 'record_person'} <= set(STEP_TYPES)"
    )
    for first in ("parse_people", "steps_people", "steps", "parse"):
        run = subprocess.run(
            [sys.executable, "-c", f"import orgsim.scenario.{first}; {check}"],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, f"{first} first: {run.stderr.strip().splitlines()[-1:]}"
