"""``diff`` and ``compare``: every change with its provenance; figures side by side."""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.app.run import run_script
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store
from orgsim.views.changes import Provenance, diff_structures
from orgsim.views.metrics import metrics

BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3, G4]
pay_ranges: {G1: [20000, 30000], G2: [30000, 40000], G3: [50000, 70000], G4: [90000, 110000]}
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: people, name: People, kind: directorate, parent: org}
  - create_unit: {id: place, name: Place, kind: directorate, parent: org}
  - create_unit: {id: care, name: Adult Care, kind: division, parent: people}
  - create_unit: {id: roads, name: Roads, kind: division, parent: place}
  - create_unit: {id: depot, name: Depot, kind: service, parent: place}
  - create_post: {id: ceo, title: Chief Executive, grade: G4, unit: org}
  - create_post: {id: dir-people, title: Director of People, grade: G3, unit: people, reports_to: ceo}
  - create_post: {id: dir-place, title: Director of Place, grade: G3, unit: place, reports_to: ceo}
  - create_post: {id: head-care, title: Head of Adult Care, grade: G2, unit: care, reports_to: dir-people}
  - create_post: {id: sw1, title: Social Worker A, grade: G1, unit: care, reports_to: head-care}
  - create_post: {id: sw2, title: Social Worker B, grade: G1, unit: care, reports_to: head-care}
  - create_post: {id: sw3, title: Social Worker C, grade: G1, unit: care, reports_to: head-care}
  - create_post: {id: head-roads, title: Head of Roads, grade: G2, unit: roads, reports_to: dir-place}
  - create_post: {id: eng1, title: Engineer One, grade: G1, unit: roads, reports_to: head-roads}
  - create_post: {id: eng2, title: Engineer Two, grade: G1, unit: roads, reports_to: head-roads, fte: 0.5}
  - create_post: {id: depot-mgr, title: Depot Manager, grade: G2, unit: depot, reports_to: dir-place, cost: 55000}
  - join: {id: p1, name: Robin Fictional}
  - join: {id: p2, name: Sam Imaginary}
  - join: {id: p3, name: Alex Invented}
  - join: {id: p4, name: Jo Madeup}
  - join: {id: p5, name: Kim Notreal, grade: G1}
  - join: {id: p6, name: Lee Pretend}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: dir-people}
  - assign: {person: p3, post: sw1}
  - assign: {person: p4, post: eng1}
  - assign: {person: p5, post: eng2, fte: 0.5}
  - assign: {person: p6, post: depot-mgr}
"""

OPTION = """\
scenario: option
based_on: base
fork_at: 2021-01-01
effective: 2021-04-01
steps:
  - transfer_unit: {id: depot, to: {id: latco, name: Depot Company, kind: external}, reason: market review, source: "Cabinet 2 Feb 2021, 3"}
  - create_post: {id: dir-comm, title: Director of Commissioning, grade: G3, unit: people, reports_to: ceo, reason: new role, source: "Council 1 Mar 2021, 4.2"}
  - create_post: {id: sw4, title: Senior Social Worker, grade: G1, unit: care, reports_to: head-care}
  - regrade_post: {id: sw2, grade: G2, source: "job evaluation 17"}
  - retitle_post: {id: head-roads, title: Head of Highways}
  - move_post: {id: sw3, unit: roads, reports_to: head-roads, reason: realigned}
  - delete_post: {id: eng2, reason: deleted after consultation, source: "Council 1 Mar 2021, 6.3"}
  - delete_post: {id: sw1, reason: replaced by senior post}
  - slot_person: {person: p3, post: sw4, basis: manual, reason: "80% match", source: "HR panel 12 Mar 2021"}
"""

BEFORE, AFTER = "2021-01-01", "2021-06-01"


def _setup(cli, write) -> None:
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION))


def by_key(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["id"], r["change"]): r for r in rows}


def test_diff_between_dates_lists_every_change_with_its_provenance(cli, write):
    _setup(cli, write)
    doc = cli.json("diff", "--branch", "option", "--from", BEFORE, "--to", AFTER)
    assert doc["branch"] == "option" and doc["from"] == BEFORE and doc["to"] == AFTER
    posts = by_key(doc["posts"])
    assert set(posts) == {
        ("dir-comm", "created"),
        ("sw4", "created"),
        ("eng2", "deleted"),
        ("sw1", "deleted"),
        ("sw3", "moved"),
        ("head-roads", "retitled"),
        ("sw2", "regraded"),
        ("depot-mgr", "moved"),
    }
    # the transfer cut the depot manager's line to the council's director
    cut = posts[("depot-mgr", "moved")]
    assert cut["after"] == {"unit": "depot", "reports_to": None}
    assert (cut["event"], cut["reason"]) == ("UnitTransferredOut", "market review")
    created = posts[("dir-comm", "created")]
    assert (created["event"], created["reason"], created["source"]) == (
        "PostCreated",
        "new role",
        "Council 1 Mar 2021, 4.2",
    )
    assert created["after"]["reports_to"] == "ceo" and created["before"] is None
    assert created["effective"] == "2021-04-01" and isinstance(created["version"], int)
    deleted = posts[("eng2", "deleted")]
    assert (deleted["event"], deleted["reason"], deleted["source"]) == (
        "PostDeleted",
        "deleted after consultation",
        "Council 1 Mar 2021, 6.3",
    )
    moved = posts[("sw3", "moved")]
    assert moved["before"] == {"unit": "care", "reports_to": "head-care"}
    assert moved["after"] == {"unit": "roads", "reports_to": "head-roads"}
    assert (moved["event"], moved["reason"]) == ("PostMoved", "realigned")
    assert posts[("sw2", "regraded")]["source"] == "job evaluation 17"
    assert posts[("head-roads", "retitled")]["after"] == {"title": "Head of Highways"}

    units = by_key(doc["units"])
    assert set(units) == {("depot", "moved"), ("latco", "created")}
    assert units[("depot", "moved")]["event"] == "UnitTransferredOut"
    assert units[("depot", "moved")]["source"] == "Cabinet 2 Feb 2021, 3"

    people = by_key(doc["people"])
    assert set(people) == {("p3", "post and status"), ("p5", "post and status")}
    slotted = people[("p3", "post and status")]
    assert slotted["before"] == {"posts": ["sw1"], "status": None}
    assert slotted["after"] == {"posts": ["sw4"], "status": "slotted"}
    assert (slotted["event"], slotted["reason"], slotted["source"]) == (
        "PersonSlotted",
        "80% match",
        "HR panel 12 Mar 2021",
    )
    displaced = people[("p5", "post and status")]
    assert displaced["after"] == {"posts": [], "status": "displaced"}
    assert (displaced["event"], displaced["reason"]) == (
        "PostDeleted",
        "deleted after consultation",
    )
    assert doc["summary"]["posts_created"] == 2 and doc["summary"]["people_post_and_status"] == 2

    # nothing changes inside the window before the option takes effect
    quiet = cli.json("diff", "--branch", "option", "--from", BEFORE, "--to", "2021-03-31")
    assert quiet["posts"] == quiet["units"] == quiet["people"] == []


def test_diff_against_another_branch_and_as_a_table(cli, write):
    _setup(cli, write)
    doc = cli.json("diff", "--branch", "option", "--against", "base", "--at", AFTER)
    assert doc["against"] == "base" and doc["at"] == AFTER
    posts = by_key(doc["posts"])
    assert posts[("dir-comm", "created")]["branch"] == "option"
    assert posts[("eng2", "deleted")]["source"] == "Council 1 Mar 2021, 6.3"
    back = cli.json("diff", "--branch", "base", "--against", "option", "--at", AFTER)
    ghost = by_key(back["posts"])[("dir-comm", "deleted")]
    assert ghost["event"] == "PostCreated" and ghost["branch"] == "option"  # traced to the other
    cli.env["COLUMNS"] = "220"  # wide enough that no cell wraps
    table = cli.ok("diff", "-b", "option", "--from", BEFORE, "--to", AFTER).stdout
    assert "deleted after consultation / Council 1 Mar 2021, 6.3" in table
    assert "posts created: 2" in table


def test_compare_figures_side_by_side(cli, write):
    _setup(cli, write)
    doc = cli.json("compare", "base", "option", "--at", AFTER)
    base, option = doc["branches"]
    assert (base["branch"], option["branch"]) == ("base", "option")
    assert base["units"]["by_kind"] == {
        "organisation": 1,
        "directorate": 2,
        "division": 2,
        "service": 1,
    }
    assert option["units"]["by_kind"] == {"organisation": 1, "directorate": 2, "division": 2}
    assert option["units"]["external"] == 2  # the company and the depot in it
    assert base["posts"]["total"] == 11 and base["posts"]["fte"] == 10.5
    grades = {r["grade"]: r for r in base["posts"]["by_grade"]}
    assert [r["grade"] for r in base["posts"]["by_grade"]] == ["G1", "G2", "G3", "G4"]
    assert grades["G1"]["posts"] == 5 and grades["G1"]["fte"] == 4.5
    assert grades["G1"]["cost"] == 112500  # 4.5 FTE x midpoint 25,000
    assert grades["G2"]["cost"] == 35000 * 2 + 55000  # a post's own cost wins
    assert base["cost"]["total"] == 457500 and base["cost"]["complete"] is True
    assert base["vacancies"] == {"posts": 5, "fte": 5}
    # the transferred depot manager is no longer establishment; two deleted, two created
    assert option["posts"]["total"] == 10 and option["posts"]["external"] == 1
    assert option["people"]["displaced"] == 1 and option["people"]["slotted"] == 1
    assert base["people"]["displaced"] == 0
    assert base["layers"]["top"] == "ceo" and base["layers"]["layers"] == 4
    assert base["layers"]["posts_by_layer"] == [1, 2, 3, 5]
    assert base["layers"]["management_layers"] == 3
    spans = base["spans"]
    assert (spans["managers"], spans["median"], spans["max"]) == (5, 2, 3)
    assert [(m["post"], m["span"]) for m in spans["narrow"]] == [
        ("dir-people", 1),
        ("ceo", 2),
        ("dir-place", 2),
        ("head-roads", 2),
    ]
    assert doc["difference"]["posts"] == -1 and doc["difference"]["units.service"] == -1
    cli.env["COLUMNS"] = "220"
    table = cli.ok("compare", "base", "option", "--at", AFTER).stdout
    assert "establishment cost" in table and "457,500" in table and "span of control" in table
    assert "managers with one or two direct reports" in " ".join(table.split())


def test_diff_and_compare_refuse_bad_input(cli, write, tmp_path):
    _setup(cli, write)
    for args, message in [
        (["compare", "base"], "two branches"),
        (["compare", "base", "nope"], "unknown branch 'nope'"),
        (["compare", "base", "option", "--at", "2021-13-01"], "is not a date"),
        (["diff", "-b", "option", "--from", AFTER, "--to", BEFORE], "is after --to"),
        (["diff", "-b", "option"], "needs --from"),
        (["diff", "-b", "option", "--against", "base", "--from", BEFORE], "not both"),
        (["diff", "-b", "nope", "--from", BEFORE], "unknown branch 'nope'"),
    ]:
        result = cli(*args)
        assert result.returncode == 2, (args, result.stdout)
        assert result.stderr.startswith("orgsim: error: ") and result.stderr.count("\n") == 1
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""


@pytest.fixture(scope="module")
def reader() -> BranchReader:
    store = open_store("memory")
    run_script(store, parse_scenario(BASE, "base.yaml"))
    run_script(store, parse_scenario(OPTION, "option.yaml"))
    return BranchReader(store)


def test_metrics_of_an_empty_structure_and_without_pay_ranges(reader):
    state = reader.load("base").timeline.state_at(dt.date(2019, 1, 1))
    empty = metrics(Structure.from_state("base", dt.date(2019, 1, 1), state))
    assert empty["posts"]["total"] == 0 and empty["layers"]["layers"] == 0
    assert empty["spans"]["median"] is None and empty["cost"]["complete"] is False
    state = reader.load("base").timeline.state_at(dt.date(2020, 6, 1))
    state.pay_ranges = {}
    bare = metrics(Structure.from_state("base", dt.date(2020, 6, 1), state))
    assert bare["cost"]["total"] == 55000 and bare["cost"]["posts_without_cost"] == 10


def test_diff_states_finds_the_latest_event_when_there_are_several(reader):
    log = reader.load("option")
    before = Structure.from_state(
        "option", dt.date(2020, 6, 1), log.timeline.state_at(dt.date(2020, 6, 1))
    )
    after = Structure.from_state(
        "option", dt.date(2021, 6, 1), log.timeline.state_at(dt.date(2021, 6, 1))
    )
    window = [i for i in log.log if dt.date(2020, 6, 1) < i.event.effective <= dt.date(2021, 6, 1)]
    doc = diff_structures(before, after, Provenance([("option", window)]))
    assert {(r["id"], r["change"]) for r in doc["posts"]} >= {
        ("sw1", "deleted"),
        ("sw4", "created"),
    }
    sw1 = next(r for r in doc["posts"] if r["id"] == "sw1")
    assert sw1["reason"] == "replaced by senior post" and sw1["source"] is None
    # no candidate event: the entry still lists the change, with empty provenance
    bare = diff_structures(before, after, Provenance([]))
    assert next(r for r in bare["posts"] if r["id"] == "sw1")["event"] is None
