"""``orgsim import table`` (SPEC section 10) through the CLI, on the committed fixtures in
tests/fixtures/table/ (a fictional council). Expected values are read off the fixture
files themselves: the rows say which posts, holders and changes there are."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parent / "fixtures" / "table"
MAP = str(FIX / "map.yaml")


def table(cli, name, branch="fdc", effective="2024-04-01", *extra, map_file=MAP):
    return cli(
        "import",
        "table",
        str(FIX / name),
        "--map",
        map_file,
        "--branch",
        branch,
        "--effective",
        effective,
        *extra,
    )


def imported(cli, name, *extra, **kw):
    result = table(cli, name, *extra, **kw)
    assert result.returncode == 0, result.stderr
    return result


def show(cli, at, branch="fdc"):
    doc = cli.json("show", "--branch", branch, "--at", at)
    return doc, {p["id"]: p for p in doc["posts"]}, {p["id"]: p for p in doc["people"]}


def history(cli, branch="fdc"):
    return cli.json("history", "--branch", branch)["events"]


def test_a_path_column_gives_the_unit_tree_and_ids_are_kept(cli):
    out = imported(cli, "extract-2024.csv")
    assert "wrote 31 events" in out.stdout  # 6 units + 8 posts + 8 people + 8 holdings + scheme
    doc, posts, people = show(cli, "2024-04-01")
    assert set(posts) == {"P100", "P200", "P210", "P211", "P212", "P300", "P310", "P311"}
    units = {u["id"]: u for u in doc["units"]}
    assert units["fenbrook-district-council"]["kind"] == "organisation"
    team = units["place/planning/team-a"]
    assert team["name"] == "Team A" and team["parent"] == "place/planning"
    assert units["place/planning"]["parent"] == "place"
    assert units["place"]["parent"] == "fenbrook-district-council"
    assert posts["P211"]["unit"] == "place/planning/team-a"
    assert posts["P210"]["reports_to"] == "P200" and posts["P100"]["reports_to"] is None
    # the job share: two rows of P211, each 0.5, Permanent and Fixed Term both substantive
    assert posts["P211"]["holders"] == ["E004", "E005"] and posts["P211"]["fte"] == 1.0
    assert posts["P212"]["holders"] == []  # VACANT
    assert posts["P311"]["fte"] == 0.8 and posts["P311"]["cost"] == 30000
    # Acting Up maps to acting: the post stays vacant, the person holds it acting
    assert posts["P310"]["holders"] == [] and posts["P310"]["acting"] == ["E007"]
    assert people["E008"]["grade"] == "Grade 6"
    scheme = next(e for e in history(cli) if e["type"] == "GradeSchemeDefined")
    assert scheme["grades"] == ["Grade 5", "Grade 6", "Grade 7", "Grade 8", "Director"]
    # a first scenario can name the file's ids directly
    assign = next(
        e for e in history(cli) if e["type"] == "PersonAssigned" and e["person"] == "E004"
    )
    assert assign["post"] == "P211" and assign["fte"] == 0.5


def test_the_same_extract_twice_writes_nothing(cli):
    imported(cli, "extract-2024.csv")
    before = history(cli)
    again = json.loads(imported(cli, "extract-2024.csv", "fdc", "2024-04-01", "--json").stdout)
    assert again["events"] == 0 and again["counts"] == {}
    assert history(cli) == before


def test_a_later_extract_records_each_change_as_its_event(cli):
    imported(cli, "extract-2024.csv")
    version = len(history(cli))
    report = json.loads(imported(cli, "extract-2025.csv", "fdc", "2025-04-01", "--json").stdout)
    # read off the two files: P211 1 -> 0.8 FTE; costs of P210, P211, P311; P311 Grade 6 -> 7;
    # P212 retitled; P310 now under P100; P213 new; E005 gone; E004 0.5 -> 0.8; E009 new in
    # P212; E002 renamed; E008's grade follows P311
    assert report["counts"] == {
        "PersonAssigned": 2,
        "PersonJoined": 1,
        "PersonLeft": 1,
        "PersonRegraded": 1,
        "PersonRenamed": 1,
        "PersonUnassigned": 1,
        "PostCostChanged": 3,
        "PostCreated": 1,
        "PostFteChanged": 1,
        "PostMoved": 1,
        "PostRegraded": 1,
        "PostRetitled": 1,
    }
    new = history(cli)[version:]
    assert all(e["effective"] == "2025-04-01" for e in new)
    by = lambda t: [e for e in new if e["type"] == t]  # noqa: E731
    assert [(e["post"], e["fte"]) for e in by("PostFteChanged")] == [("P211", 0.8)]
    assert {e["post"]: e["cost"] for e in by("PostCostChanged")} == {
        "P210": 58000,
        "P211": 28800,
        "P311": 33000,
    }
    assert [(e["post"], e["reports_to"]) for e in by("PostMoved")] == [("P310", "P100")]
    assert [e["person"] for e in by("PersonLeft")] == ["E005"]
    _, before, _ = show(cli, "2025-03-31")
    _, posts, people = show(cli, "2025-04-01")
    assert before["P211"]["fte"] == 1.0 and posts["P211"]["fte"] == 0.8
    assert posts["P211"]["holders"] == ["E004"] and posts["P212"]["holders"] == ["E009"]
    assert (
        posts["P212"]["title"] == "Planning Support Officer" and posts["P311"]["grade"] == "Grade 7"
    )
    assert people["E002"]["name"] == "Blair Sample-Jones" and people["E008"]["grade"] == "Grade 7"
    assert "E005" not in people
    # and the later extract imported again writes nothing
    again = json.loads(imported(cli, "extract-2025.csv", "fdc", "2025-04-01", "--json").stdout)
    assert again["events"] == 0


def test_a_units_file_gives_the_tree_and_a_unit_column_names_units_by_id_or_name(cli):
    result = imported(cli, "extract-units.csv", map_file=str(FIX / "map-units.yaml"))
    doc, posts, _ = show(cli, "2024-04-01")
    units = {u["id"]: u for u in doc["units"]}
    assert units["FDC"]["kind"] == "organisation" and units["PLN"]["parent"] == "PLC"
    assert units["PPL"]["name"] == "People"
    assert posts["P200"]["unit"] == "PLC" and posts["P210"]["unit"] == "PLN"  # by name
    assert "P400" not in posts
    assert "extract-units.csv:6: post P400: unknown unit 'NOPE': row left out" in result.stderr


def test_an_xlsx_sheet_imports_as_its_csv_does(cli, tmp_path):
    imported(cli, "extract-2024.xlsx", "fdc", "2024-04-01", "--sheet", "Posts")
    _, from_xlsx, _ = show(cli, "2024-04-01")
    imported(cli, "extract-2024.csv", "csv")
    _, from_csv, _ = show(cli, "2024-04-01", branch="csv")
    assert from_xlsx == from_csv
    missing = table(cli, "extract-2024.xlsx", "x", "2024-04-01", "--sheet", "Nope")
    assert missing.returncode == 2 and "has no sheet 'Nope'" in missing.stderr


def test_bad_rows_are_warned_with_file_and_row_and_left_out(cli):
    result = imported(cli, "bad-2024.csv")
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    for expected in (
        "bad-2024.csv:3: no post id: row left out",
        "bad-2024.csv:4: post P500: manager P999 does not exist: left out",
        "bad-2024.csv:5: post P600: reports in a circle",
        "bad-2024.csv:6: post P601: reports in a circle",
        "bad-2024.csv:7: post P602: reports to P600, which is left out: left out",
        "bad-2024.csv:8: FTE 'abc' is not a positive number: ignored",
        "bad-2024.csv:9: post P700: title 'Renamed Officer' disagrees with row 8",
        "bad-2024.csv:10: post P800: grade 'Grade 99' is not in the map's grades: row left out",
    ):
        assert any(expected in w for w in warnings), (expected, warnings)
    _, posts, _ = show(cli, "2024-04-01")
    assert set(posts) == {"P100", "P700"} and posts["P700"]["title"] == "Odd Officer"


def test_strict_refuses_with_exit_2_and_writes_nothing(cli):
    result = table(cli, "bad-2024.csv", "fdc", "2024-04-01", "--strict")
    assert result.returncode == 2
    assert (
        result.stderr.strip().splitlines()[-1].startswith("orgsim: error: --strict: 8 warning(s)")
    )
    assert "fdc" not in cli("branches").stdout


def test_dry_run_writes_nothing(cli):
    result = imported(cli, "extract-2024.csv", "fdc", "2024-04-01", "--dry-run")
    assert "would write 31 events" in result.stdout
    assert "fdc" not in cli("branches").stdout


@pytest.mark.parametrize(
    "map_text, cause",
    [
        ("columns: {post: Position ID}\n", "columns.title: missing field"),
        ("columns: {post: Position ID, title: Nope}\n", "no column 'Nope' (map field title)"),
        ("columns: {post: Position ID, title: Position Title, colour: X}\n", "unknown field"),
        ("columns: [\n", "malformed YAML"),
    ],
)
def test_a_bad_map_is_one_line_exit_2(cli, tmp_path, map_text, cause):
    path = tmp_path / "m.yaml"
    path.write_text(map_text)
    result = table(cli, "extract-2024.csv", "fdc", "2024-04-01", map_file=str(path))
    assert result.returncode == 2 and cause in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_extract_out_of_date_order_is_refused(cli):
    imported(cli, "extract-2025.csv", "fdc", "2025-04-01")
    result = table(cli, "extract-2024.csv", "fdc", "2024-04-01")
    assert result.returncode == 2 and "import extracts in date order" in result.stderr


def test_the_shipped_example_imports(cli, tmp_path):
    root = FIX.parent.parent.parent / "examples" / "hr-extract"
    if not (root / "extract.csv").exists():
        pytest.fail("examples/hr-extract is missing: run scripts/make_example_extract.py")
    shutil.copy(root / "map.yaml", tmp_path / "map.yaml")
    result = cli(
        "import",
        "table",
        str(root / "extract.csv"),
        "--map",
        str(root / "map.yaml"),
        "--branch",
        "example",
        "--effective",
        "2024-04-01",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["structure"]["posts"] >= 2000 and report["warnings"] == []
