"""The core through the real command line: run, branches, show, history, on both stores."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

ORG = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3, G4]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: people, name: People, kind: directorate, parent: org}
  - create_unit: {id: place, name: Place, kind: directorate, parent: org}
  - create_unit: {id: care, name: Adult Care, kind: division, parent: people}
  - create_post: {id: ceo, title: Chief Executive, grade: G4, unit: org}
  - create_post: {id: dir-people, title: Director of People, grade: G3, unit: people, reports_to: ceo}
  - create_post: {id: dir-place, title: Director of Place, grade: G3, unit: place, reports_to: ceo}
  - create_post: {id: head-care, title: Head of Adult Care, grade: G2, unit: care, reports_to: dir-people}
  - join: {id: p1, name: Robin Fictional, grade: G4}
  - join: {id: p2, name: Sam Imaginary, grade: G3}
  - join: {id: p3, name: Alex Invented, grade: G3}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: dir-people}
  - assign: {person: p3, post: dir-place, fte: 0.5}
"""


def count_events(cli) -> dict[str, int]:
    result = cli("branches", "--json")
    if result.returncode != 0:
        return {}
    return {b["name"]: b["version"] for b in json.loads(result.stdout)["branches"]}


def test_run_then_show_matches_spec_shape(cli, write):
    out = cli.ok("run", write(ORG))
    assert "wrote 15 events" in out.stdout
    doc = cli.json("show", "--branch", "base", "--at", "2020-06-01")
    assert doc["branch"] == "base" and doc["at"] == "2020-06-01"
    assert {u["id"] for u in doc["units"]} == {"org", "people", "place", "care"}
    unit = next(u for u in doc["units"] if u["id"] == "care")
    assert {"id", "name", "kind", "parent"} <= set(unit) and unit["parent"] == "people"
    post = next(p for p in doc["posts"] if p["id"] == "dir-place")
    assert {"id", "title", "grade", "unit", "reports_to", "fte", "holders"} <= set(post)
    assert post["holders"] == ["p3"] and post["reports_to"] == "ceo" and post["fte"] == 1.0
    assert {p["id"] for p in doc["people"]} == {"p1", "p2", "p3"}
    assert {"id", "name", "grade"} <= set(doc["people"][0])
    assert doc["displaced"] == []


def test_effective_dates_and_displacement(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write("""\
scenario: base
effective: 2021-04-01
steps:
  - create_unit: {id: comms, name: Communications, kind: division, parent: people}
  - delete_post: {id: dir-place, reason: merged into People, source: "Cabinet 1 Mar 2021, 4.2"}
  - retitle_post: {id: dir-people, title: Director of People and Place, effective: 2021-05-01}
"""),
    )
    before = cli.json("show", "--branch", "base", "--at", "2021-03-31")
    after = cli.json("show", "--branch", "base", "--at", "2021-04-01")
    later = cli.json("show", "--branch", "base", "--at", "2021-05-01")
    assert "dir-place" in {p["id"] for p in before["posts"]}
    assert "dir-place" not in {p["id"] for p in after["posts"]}
    assert "comms" not in {u["id"] for u in before["units"]}
    assert "comms" in {u["id"] for u in after["units"]}
    assert before["displaced"] == [] and after["displaced"] == ["p3"]
    titles = {p["id"]: p["title"] for p in later["posts"]}
    assert titles["dir-people"] == "Director of People and Place"
    assert {p["id"]: p["title"] for p in after["posts"]}["dir-people"] == "Director of People"
    history = cli.json("history", "--branch", "base")
    deleted = next(e for e in history["events"] if e["type"] == "PostDeleted")
    assert deleted["reason"] == "merged into People"
    assert deleted["source"] == "Cabinet 1 Mar 2021, 4.2"
    assert deleted["effective"] == "2021-04-01"
    assert dt.datetime.fromisoformat(deleted["recorded"]).tzinfo is not None
    assert deleted["post"] == "dir-place"


def test_as_known_at_ignores_later_records(cli, write):
    cli.ok("run", write(ORG))
    first = cli.json("history", "--branch", "base")["events"][-1]["recorded"]
    time.sleep(0.05)
    cli.ok(
        "run",
        write("""\
scenario: base
effective: 2020-01-01
steps:
  - create_post: {id: dir-corp, title: Director of Corporate Services, grade: G3, unit: org, reports_to: ceo}
"""),
    )
    now = cli.json("show", "--branch", "base", "--at", "2020-06-01")
    then = cli.json("show", "--branch", "base", "--at", "2020-06-01", "--as-known-at", first)
    assert "dir-corp" in {p["id"] for p in now["posts"]}
    assert "dir-corp" not in {p["id"] for p in then["posts"]}
    assert then["as_known_at"].startswith(first[:19])


def test_fork_by_date_copies_nothing_and_leaves_parent_alone(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write("""\
scenario: base
effective: 2022-01-01
steps:
  - create_post: {id: late, title: Later Post, grade: G1, unit: place, reports_to: dir-place}
"""),
    )
    cli.ok(
        "run",
        write("""\
scenario: option-a
based_on: base
fork_at: 2021-01-01
effective: 2021-06-01
steps:
  - create_unit: {id: corp, name: Corporate, kind: directorate, parent: org}
  - move_unit: {id: care, parent: place}
"""),
    )
    rows = {b["name"]: b for b in cli.json("branches")["branches"]}
    assert rows["option-a"]["parent"] == "base"
    assert rows["option-a"]["fork_date"] == "2021-01-01"
    assert rows["option-a"]["own_events"] == 2
    assert rows["option-a"]["version"] == 15 + 2  # the parent's 2022 post is not inherited
    child = cli.json("show", "--branch", "option-a", "--at", "2023-01-01")
    parent = cli.json("show", "--branch", "base", "--at", "2023-01-01")
    assert "late" not in {p["id"] for p in child["posts"]}
    assert "late" in {p["id"] for p in parent["posts"]}
    assert {u["id"]: u["parent"] for u in child["units"]}["care"] == "place"
    assert {u["id"]: u["parent"] for u in parent["units"]}["care"] == "people"
    assert "corp" not in {u["id"] for u in parent["units"]}
    own = cli.json("history", "--branch", "option-a")
    assert [e["version"] for e in own["events"]] == [16, 17]
    everything = cli.json("history", "--branch", "option-a", "--all")
    assert [e["version"] for e in everything["events"]] == list(range(1, 18))


def test_fork_by_version_inherits_first_n(cli, write):
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write("""\
scenario: v-fork
based_on: base
fork_at: 9
effective: 2020-02-01
steps:
  - create_unit: {id: extra, name: Extra, kind: team, parent: care}
"""),
    )
    doc = cli.json("show", "--branch", "v-fork", "--at", "2020-03-01")
    assert {p["id"] for p in doc["posts"]} == {"ceo", "dir-people", "dir-place", "head-care"}
    assert doc["people"] == []  # joins were events 10.. of the parent
    assert cli.json("history", "--branch", "v-fork")["events"][0]["version"] == 10


def test_append_and_dry_run(cli, write):
    cli.ok("run", write(ORG))
    script = write("""\
scenario: base
effective: 2020-02-01
steps:
  - create_unit: {id: ops, name: Operations, kind: division, parent: place}
""")
    dry = cli.ok("run", script, "--dry-run")
    assert "would write 1 events" in dry.stdout
    assert count_events(cli) == {"base": 15}
    cli.ok("run", script)
    assert count_events(cli) == {"base": 16}


def test_same_script_on_two_new_stores_gives_same_structure(tmp_path, write, cli_for):
    script = write(ORG)
    docs = []
    for name in ("one.sqlite", "two.sqlite"):
        cli = cli_for(str(tmp_path / name))
        cli.ok("run", script)
        docs.append(cli.json("show", "--branch", "base", "--at", "2020-06-01"))
    assert docs[0] == docs[1]


def test_every_step_kind_runs_and_records_events(cli, write):
    cli.ok("run", write(ORG))
    out = cli.ok(
        "run",
        write("""\
scenario: all-steps
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
policy: {match_threshold: 75, same_grade: true, count: heads, ring_fence_threshold: null}
steps:
  - consult: {opens: 2020-10-01, closes: 2020-11-15, scope: [dir-people, dir-place]}
  - decide: {by: Full Council, on: 2020-12-10, what: approve the new structure}
  - create_unit: {id: corp, name: Corporate, kind: directorate, parent: org}
  - create_unit: {id: old, name: Old Team, kind: team, parent: place}
  - rename_unit: {id: place, name: Growth and Place}
  - move_unit: {id: care, parent: place}
  - close_unit: {id: old}
  - create_post: {id: dir-corp, title: Director of Corporate, grade: G3, unit: corp, reports_to: ceo, accountabilities: [finance, {text: people, weight: 2}]}
  - create_post: {id: dir-new, title: Director of Communities, grade: G3, unit: people, reports_to: ceo}
  - retitle_post: {id: head-care, title: Head of Care}
  - regrade_post: {id: head-care, grade: G3}
  - move_post: {id: head-care, unit: place, reports_to: dir-place}
  - join: {id: p4, name: Jo Madeup, grade: G1}
  - assign: {person: p4, post: head-care, fte: 0.5, kind: acting}
  - unassign: {person: p4, post: head-care}
  - leave: {person: p4, cause: resignation}
  - match: {old: dir-people, new: dir-new, percent: 80, assessor: HR panel}
  - match: {old: dir-place, new: dir-corp, percent: 60, assessor: HR panel}
  - delete_post: {id: dir-people}
  - delete_post: {id: dir-place, effective: 2021-04-02}
  - slot: {effective: 2021-04-02}
  - slot_person: {person: p3, post: dir-corp, basis: manual, effective: 2021-04-03}
  - create_post: {id: care-lead, title: Care Lead, grade: G2, unit: care, reports_to: ceo, effective: 2021-04-20}
  - transfer_unit: {id: care, to: {id: trust, name: Care Trust, kind: external}, effective: 2021-05-01}
  - create_post: {id: dir-x, title: Director X, grade: G3, unit: people, reports_to: ceo, effective: 2021-05-01}
  - appoint: {person: p1, post: dir-x, basis: member panel, effective: 2021-05-01}
"""),
    )
    assert "warning" in out.stderr and "p3" in out.stderr  # 60% is below the threshold
    events = cli.json("history", "--branch", "all-steps")["events"]
    types = {e["type"] for e in events}
    assert types >= {
        "PolicySet",
        "ConsultationOpened",
        "ConsultationClosed",
        "DecisionRecorded",
        "UnitCreated",
        "UnitRenamed",
        "UnitMoved",
        "UnitClosed",
        "UnitTransferredOut",
        "PostCreated",
        "PostRetitled",
        "PostRegraded",
        "PostMoved",
        "PostDeleted",
        "PersonJoined",
        "PersonAssigned",
        "PersonUnassigned",
        "PersonLeft",
        "JobMatchAssessed",
        "PersonSlotted",
        "PersonPlacedAtRisk",
        "PersonAppointed",
    }
    match = next(e for e in events if e["type"] == "JobMatchAssessed")
    assert match["percent"] == 80 and match["assessor"] == "HR panel"
    slotted = [e for e in events if e["type"] == "PersonSlotted"]
    assert [(e["person"], e["post"], e["by_engine"]) for e in slotted] == [
        ("p2", "dir-new", True),
        ("p3", "dir-corp", False),
    ]
    doc = cli.json("show", "--branch", "all-steps", "--at", "2021-06-01")
    posts = {p["id"]: p for p in doc["posts"]}
    assert posts["dir-new"]["holders"] == ["p2"]
    assert posts["dir-corp"]["holders"] == ["p3"]
    assert posts["dir-corp"]["fte"] == 1.0
    assert posts["dir-x"]["holders"] == ["p1"] and posts["ceo"]["holders"] == []
    assert posts["head-care"]["title"] == "Head of Care" and posts["head-care"]["grade"] == "G3"
    units = {u["id"]: u for u in doc["units"]}
    assert units["place"]["name"] == "Growth and Place"
    assert units["care"]["parent"] == "trust" and units["trust"]["kind"] == "external"
    assert units["care"]["external"] is True and units["people"]["external"] is False
    assert posts["care-lead"]["reports_to"] is None  # the line to the council is cut
    assert "old" not in units
    assert "p4" not in {p["id"] for p in doc["people"]}
    assert doc["displaced"] == []
    # a slotted person keeps the FTE of their old substantive assignment (0.5)
    state = cli.json("show", "--branch", "all-steps", "--at", "2021-04-03")
    assert next(p for p in state["people"] if p["id"] == "p3")["posts"] == ["dir-corp"]


BAD = {
    "malformed yaml": ("scenario: x\nsteps: [\n", "malformed YAML"),
    "unknown step": (
        "scenario: base\neffective: 2020-01-01\nsteps:\n  - hire: {id: x}\n",
        "unknown step 'hire'",
    ),
    "unknown field": (
        "scenario: base\neffective: 2020-01-01\nsteps:\n"
        "  - create_unit: {id: x, name: X, kind: team, parent: care, colour: red}\n",
        "unknown field",
    ),
    "unknown id": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n  - assign: {person: nobody, post: ceo}\n",
        "unknown person 'nobody'",
    ),
    "duplicate id": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - create_post: {id: ceo, title: Again, grade: G4, unit: org}\n",
        "duplicate post id 'ceo'",
    ),
    "unit cycle": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - move_unit: {id: people, parent: care}\n",
        "cycle",
    ),
    "post cycle": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - move_post: {id: ceo, reports_to: head-care}\n",
        "cycle",
    ),
    "grade not in scheme": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n  - regrade_post: {id: ceo, grade: G9}\n",
        "not in the grade scheme",
    ),
    "over 1.0 FTE": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - assign: {person: p3, post: head-care, fte: 0.75}\n",
        "over 1.0",
    ),
    "closed unit": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - create_unit: {id: t1, name: T, kind: team, parent: care}\n"
        "  - close_unit: {id: t1}\n"
        "  - create_post: {id: x1, title: X, grade: G1, unit: t1, reports_to: ceo}\n",
        "closed",
    ),
    "close unit with posts": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n  - close_unit: {id: care}\n",
        "still has 1 post",
    ),
    "no parent": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - create_unit: {id: t2, name: T, kind: team}\n",
        "needs a parent",
    ),
    "effective before the organisation": (
        "scenario: base\neffective: 2019-01-01\nsteps:\n"
        "  - create_post: {id: early, title: Early, grade: G1, unit: care}\n",
        "unknown unit",
    ),
    "bad percent": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - match: {old: ceo, new: dir-place, percent: 120}\n",
        "percent",
    ),
    "match names an unknown post": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - match: {old: ceo, new: nowhere, percent: 80}\n",
        "unknown post 'nowhere'",
    ),
    "consultation closes before it opens": (
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - consult: {opens: 2020-07-01, closes: 2020-06-01, scope: [ceo]}\n",
        "closes (2020-06-01) before it opens",
    ),
    "fork_at without based_on": (
        "scenario: other\nfork_at: 2020-01-01\nsteps: []\n",
        "needs 'based_on'",
    ),
    "grades on a fork": (
        "scenario: f\nbased_on: base\ngrades: [G1]\nsteps: []\n",
        "a grade scheme is set only when a new organisation is created",
    ),
    "bad date": ("scenario: base\neffective: 2020-02-31\nsteps: []\n", "effective"),
    "based_on unknown": ("scenario: other\nbased_on: nowhere\nsteps: []\n", "unknown branch"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, write, case):
    cli.ok("run", write(ORG))
    before = count_events(cli)
    text, expected = BAD[case]
    path = write(text)
    result = cli("run", path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orgsim: error: "), result.stderr
    assert expected in lines[0]
    assert path in lines[0]
    assert "Traceback" not in result.stderr
    assert count_events(cli) == before


def test_error_names_file_line_and_step(cli, write):
    cli.ok("run", write(ORG))
    path = write(
        "scenario: base\neffective: 2020-02-01\nsteps:\n"
        "  - create_unit: {id: t1, name: T, kind: team, parent: care}\n"
        "  - create_post: {id: x1, title: X, grade: G1, unit: nowhere}\n"
    )
    result = cli("run", path)
    assert result.returncode == 2
    assert f"{path}:5: step 2 (create_post): unknown unit 'nowhere'" in result.stderr


def test_date_before_fork_is_refused(cli, write):
    cli.ok("run", write(ORG))
    result = cli(
        "run",
        write(
            "scenario: f\nbased_on: base\nfork_at: 2020-06-01\n"
            "effective: 2020-05-01\nsteps:\n"
            "  - create_unit: {id: t, name: T, kind: team, parent: care}\n"
        ),
    )
    assert result.returncode == 2
    assert "before the branch's fork date 2020-06-01" in result.stderr
    assert count_events(cli) == {"base": 15}


def test_a_later_change_that_breaks_history_is_refused(cli, write):
    """A step effective earlier than existing events must not break them."""
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            "scenario: base\neffective: 2020-03-01\nsteps:\n"
            "  - create_post: {id: x1, title: X, grade: G1, unit: care, reports_to: head-care}\n"
        ),
    )
    result = cli(
        "run",
        write("scenario: base\neffective: 2020-02-01\nsteps:\n  - delete_post: {id: head-care}\n"),
    )
    assert result.returncode == 2
    assert "breaks an existing event" in result.stderr
    assert count_events(cli) == {"base": 16}


def test_failed_first_run_creates_no_store_file(tmp_path, write, cli_for):
    store = tmp_path / "new.sqlite"
    cli = cli_for(str(store))
    result = cli(
        "run",
        write(
            "scenario: base\neffective: 2020-01-01\nsteps:\n"
            "  - create_unit: {id: t, name: T, kind: team}\n"
        ),
    )
    assert result.returncode == 2
    assert not store.exists()
    assert cli("show", "--branch", "base").returncode == 2
    assert not store.exists()


def test_unknown_branch_and_bad_dates_on_queries(cli, write):
    cli.ok("run", write(ORG))
    for args, expected in [
        (("show", "--branch", "nope"), "unknown branch 'nope'"),
        (("show", "--branch", "base", "--at", "31/03/2014"), "not a date"),
        (("show", "--branch", "base", "--as-known-at", "yesterday"), "not a date or time"),
        (("history", "--branch", "nope"), "unknown branch"),
        (("show",), "Missing option"),
    ]:
        result = cli(*args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1
        assert expected in result.stderr


def test_help_everywhere(cli):
    for command in ("run", "branches", "show", "history"):
        result = cli(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout
