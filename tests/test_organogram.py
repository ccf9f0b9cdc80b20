"""Importing and exporting UK government organograms (issue 8).

Real data: ``../shared/data/organograms`` (DFID 2013 releases, the Human Tissue Authority
2011 releases), always through copies in a temporary directory. Messy cases are small
synthetic files written here. CLI tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import CLI, _postgres_schema

from orgsim.domain import events as ev
from orgsim.domain.structure import Structure
from orgsim.interchange import import_organogram, read_organogram
from orgsim.interchange.export import organogram_rows, popolo
from orgsim.interchange.names import compact_key, display_name, name_key, same_person, slug
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "organograms"
DFID = "department_for_international_development-{date}-{kind}.csv"
HTA = "human_tissue_authority-{date}-senior.csv"
MARCH, SEPT = "2013-03-31", "2013-09-30"


def copy_data(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for source in DATA.glob("*.csv"):
        shutil.copy(source, target / source.name)
    return target


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def senior_refs(path: Path) -> dict[str, dict[str, str]]:
    """First row per post reference, as the file has it."""
    out: dict[str, dict[str, str]] = {}
    for row in rows(path):
        out.setdefault(row["Post Unique Reference"], row)
    return out


# --- a shared store with both DFID releases, once per backend ---------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def dfid(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Both DFID releases imported onto branch ``dfid`` (March, then September)."""
    base = tmp_path_factory.mktemp(f"dfid-{request.param}")
    data = copy_data(base / "data")
    if request.param == "sqlite":
        schemas = None
        url = str(base / "store.sqlite")
    else:
        schemas = _postgres_schema()
        url = next(schemas)
    try:
        cli = CLI(url, base)
        first = cli(
            "import",
            "organogram",
            str(data / DFID.format(date=MARCH, kind="senior")),
            str(data / DFID.format(date=MARCH, kind="junior")),
            "--branch",
            "dfid",
            "--json",
        )
        second = cli(
            "import",
            "organogram",
            str(data / DFID.format(date=SEPT, kind="senior")),
            str(data / DFID.format(date=SEPT, kind="junior")),
            "--branch",
            "dfid",
            "--effective",
            SEPT,
            "--json",
        )
        assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
        yield {
            "cli": cli,
            "url": url,
            "data": data,
            "first": first,
            "second": second,
            "base": base,
            "history": cli.json("history", "--branch", "dfid"),
            "show": {
                date: cli.json("show", "--branch", "dfid", "--at", date) for date in (MARCH, SEPT)
            },
        }
    finally:
        if schemas is not None:
            next(schemas, None)


def test_both_dfid_releases_import(dfid):
    first, second = dfid["first"], dfid["second"]
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert one["created"] is True and two["created"] is False
    assert one["effective"] == MARCH  # taken from the file name
    assert two["version"] == one["version"] + two["events"]
    # the second release is a difference, not a second copy of the organisation
    assert one["counts"]["UnitCreated"] == 6 and two["counts"]["UnitCreated"] == 2  # ICAI, TMG
    assert two["counts"]["PostRetitled"] == 47 and "GradeSchemeDefined" not in two["counts"]
    assert one["encodings"] == {
        DFID.format(date=MARCH, kind=k): "utf-8-sig" for k in ("senior", "junior")
    }


def test_show_counts_match_the_files(dfid):
    _cli, data = dfid["cli"], dfid["data"]
    for date in (MARCH, SEPT):
        senior = senior_refs(data / DFID.format(date=date, kind="senior"))
        junior = rows(data / DFID.format(date=date, kind="junior"))
        groups = {
            (
                r["Reporting Senior Post"],
                slug(r["Unit"]),
                r["Grade"],
                r["Professional/Occupational Group"],
                r["Generic Job Title"],
            )
            for r in junior
        }
        units = {slug(r["Unit"]) for r in senior.values()} | {slug(r["Unit"]) for r in junior}
        doc = dfid["show"][date]
        assert len(doc["posts"]) == len(senior) + len(groups)
        assert len(doc["units"]) == len(units) + 1  # and the organisation itself
        # every senior post is filled (names or N/D) and each holder is one person
        assert len(doc["people"]) == len(senior)
        held = [p for p in doc["posts"] if p["holders"]]
        assert len(held) == len(senior)
        junior_fte = sum(p["fte"] for p in doc["posts"] if "." in p["id"])
        if date == MARCH:  # FTE changes of an existing post have no event (see report)
            unique = {tuple(r.items()) for r in junior}  # exact duplicate rows count once
            expected = sum(float(dict(r)["Number of Posts in FTE"]) for r in unique)
            assert junior_fte == pytest.approx(expected)


def test_difference_appears_as_events_in_history(dfid):
    _cli, data = dfid["cli"], dfid["data"]
    march = senior_refs(data / DFID.format(date=MARCH, kind="senior"))
    sept = senior_refs(data / DFID.format(date=SEPT, kind="senior"))
    events = [e for e in dfid["history"]["events"] if e["effective"] == SEPT]
    senior = [e for e in events if "post" in e and "." not in e["post"]]

    def refs(kind: str, **where) -> set[str]:
        return {
            e["post"].removeprefix("dfid-")
            for e in senior
            if e["type"] == kind and all(e.get(k) is not None for k in where)
        }

    assert refs("PostCreated") == set(sept) - set(march)
    assert refs("PostDeleted") == set(march) - set(sept)
    assert len(refs("PostCreated")) == 40 and len(refs("PostDeleted")) == 26  # the README
    both = set(march) & set(sept)
    retitled = {r for r in both if march[r]["Job Title"] != sept[r]["Job Title"]}
    assert refs("PostRetitled") == retitled and len(retitled) == 47
    reparented = {
        r for r in both if march[r]["Reports to Senior Post"] != sept[r]["Reports to Senior Post"]
    }
    assert len(reparented) == 39  # the README, self-loops included
    self_loops = {r for r in both if sept[r]["Reports to Senior Post"] == r}
    assert self_loops == {"B52", "B41"}
    assert refs("PostMoved", reports_to=True) == reparented - self_loops
    raw_unit_moves = {r for r in both if march[r]["Unit"] != sept[r]["Unit"]}
    assert len(raw_unit_moves) == 33  # the README counts "programmes" -> "Programmes" too
    assert refs("PostMoved", unit=True) == {
        r for r in raw_unit_moves if slug(march[r]["Unit"]) != slug(sept[r]["Unit"])
    }
    renamed = [e for e in events if e["type"] == "UnitRenamed"]
    assert [(e["unit"], e["name"]) for e in renamed] == [
        ("country-programmes", "Country Programmes")
    ]
    regraded = {e["post"]: e["grade"] for e in senior if e["type"] == "PostRegraded"}
    assert regraded == {"dfid-A7": "SCS3", "dfid-A10": "SCS3"}
    # provenance a person can read: why, and which line of which file
    deleted = next(e for e in senior if e["type"] == "PostDeleted")
    assert deleted["reason"] == f"not in the organogram of {SEPT}"
    created = next(e for e in senior if e["type"] == "PostCreated")
    assert created["source"].startswith(DFID.format(date=SEPT, kind="senior") + ":")
    # holders: one post changed hands (B89), the holders of deleted posts left
    left = {e["person"] for e in events if e["type"] == "PersonLeft"}
    assert "dfid-B89-holder" in left and len(left) == 27
    assert all(e["cause"] == "other" for e in events if e["type"] == "PersonLeft")


def test_messy_dfid_data_is_flagged_and_repaired(dfid):
    one, two = json.loads(dfid["first"].stdout), json.loads(dfid["second"].stdout)
    march_senior = DFID.format(date=MARCH, kind="senior")
    assert f"{march_senior}:71: duplicate row for post B72: Montgomery Richard again" in " ".join(
        one["warnings"]
    )
    assert any("2 top posts (A1, A11)" in w for w in one["warnings"])
    assert sum("junior.csv" in w and "duplicate row" in w for w in one["warnings"]) == 57
    warnings = " | ".join(two["warnings"])
    for ref in ("B52", "B130", "B41"):
        assert f"post {ref} reports to itself: treated as a top post" in warnings
    # B130 is new: a top post; B52 had a manager, and the file now puts it at the top
    assert "cannot detach" not in warnings
    assert "orgsim: warning: " in dfid["second"].stderr
    posts = {p["id"]: p for p in dfid["show"][SEPT]["posts"]}
    assert posts["dfid-B130"]["reports_to"] is None
    assert posts["dfid-B52"]["reports_to"] is None  # as a fresh import of September has it
    cleared = {e["post"] for e in dfid["history"]["events"] if e["type"] == "PostReportingCleared"}
    assert "dfid-B52" in cleared
    # name order flips and short forms do not change the holder
    matched = {m["post"]: m["file"] for m in two["name_matches"]}
    assert len(two["name_matches"]) >= 2
    assert matched["dfid-B91"] == "Timothy Wheeler" and matched["dfid-B105"] == "Kevin Mallett"
    assert "dfid-B102" not in posts  # deleted in September
    assert posts["dfid-A1"]["holders"] == ["dfid-A1-holder"]


def test_reimporting_the_same_release_writes_nothing(dfid):
    cli, data = dfid["cli"], dfid["data"]
    before = dfid["history"]["version"]
    again = cli.json(
        "import",
        "organogram",
        str(data / DFID.format(date=SEPT, kind="senior")),
        str(data / DFID.format(date=SEPT, kind="junior")),
        "--branch",
        "dfid",
    )
    assert again["events"] == 0 and again["counts"] == {} and again["version"] == before
    older = cli(
        "import",
        "organogram",
        str(data / DFID.format(date=MARCH, kind="senior")),
        "--branch",
        "dfid",
    )
    assert older.returncode == 2 and "import releases in date order" in older.stderr


def test_export_round_trip_gives_the_same_structure(dfid, tmp_path):
    cli = dfid["cli"]
    senior = tmp_path / f"dfid-{MARCH}-senior.csv"
    cli.ok("export", "--branch", "dfid", "--at", MARCH, "--format", "organogram", "-o", str(senior))
    junior = tmp_path / f"dfid-{MARCH}-junior.csv"
    assert junior.exists()
    report = cli.json("import", "organogram", str(senior), str(junior), "--branch", "rt")
    assert report["effective"] == MARCH and report["warnings"] == [
        f"{senior.name}:4: 2 top posts (A1, A11): the structure has several roots"
    ]
    copy = cli.json("show", "--branch", "rt", "--at", MARCH)
    original = dfid["show"][MARCH]
    for key in ("units", "posts", "people", "displaced"):
        assert copy[key] == original[key], key


def test_round_trip_of_a_branch_with_two_releases(dfid, tmp_path):
    """Through the public API: export September from the shared store, import it afresh."""
    store = open_store(dfid["url"])
    try:
        branch = BranchReader(store).load("dfid")
        senior, junior = organogram_rows(branch, dt.date(2013, 9, 30))
    finally:
        store.close()
    # B91 is 0.8 FTE in the September file, held by "Timothy Wheeler" (PostFteChanged, PersonRenamed)
    wheeler = [r for r in senior if r[0] == "B91"]
    assert sorted((r[1], r[12]) for r in wheeler) == [("Timothy Wheeler", "0.8")]  # as in Sept
    paths = [
        write_csv(tmp_path / f"x-{SEPT}-{kind}.csv", table[0], table[1:])
        for kind, table in (("senior", senior), ("junior", junior))
    ]
    memory = open_store("memory")
    import_organogram(memory, "copy", *paths)
    copy = Structure.from_state(
        "copy", dt.date(2013, 9, 30), BranchReader(memory).load("copy").timeline.state_at()
    ).to_json()
    original = dfid["show"][SEPT]
    # a person keeps the id of the release they first appeared in (identity across
    # releases); a fresh import names them from the latest file: compare holders by name
    assert as_named(copy) == as_named(original)
    # a holder takes their post's grade (PersonRegraded): A10 is SCS3 in the September file
    assert {p["id"]: p["grade"] for p in original["people"]}["dfid-A10-holder"] == "SCS3"


def as_named(doc: dict, grade=lambda g: g) -> dict:
    """A ``show --json`` document with holders as names (ids depend on the first release)."""
    names = {p["id"]: p["name"] for p in doc["people"]}
    posts = sorted(
        (
            {
                **p,
                # a junior group keeps the id it first had when relabelled (stable
                # identity); a fresh import names it from the latest file
                "id": None if "." in p["id"] else p["id"],
                "grade": grade(p["grade"]),
                "holders": sorted(names[h] for h in p["holders"]),
                "acting": sorted(names[h] for h in p["acting"]),
            }
            for p in doc["posts"]
        ),
        key=lambda p: json.dumps(p, sort_keys=True),
    )
    people = sorted(
        (p["name"], grade(p["grade"] or ""), p["status"] or "", len(p["posts"]))
        for p in doc["people"]
    )
    return {"units": doc["units"], "posts": posts, "people": people, "displaced": doc["displaced"]}


def test_a_series_ends_equal_to_a_fresh_import_of_its_last_release(dfid, tmp_path):
    """Issue 14: after March then September, the branch is what September alone gives:
    units, posts, titles, grades, lines, FTE, pay, holders (FTE and pay changes of kept
    posts are events now, and a post the file puts at the top is detached)."""
    cli, data = dfid["cli"], dfid["data"]
    cli.ok(
        "import",
        "organogram",
        str(data / DFID.format(date=SEPT, kind="senior")),
        str(data / DFID.format(date=SEPT, kind="junior")),
        "--branch",
        "dfid-fresh",
    )
    fresh = cli.json("show", "--branch", "dfid-fresh", "--at", SEPT)
    series = dfid["show"][SEPT]
    # grade labels: the branch keeps the spelling its scheme first had (A2L (SEO) for
    # A2(L) (SEO)); they are one grade by the importer's key
    key = compact_key
    assert as_named(series, key) == as_named(fresh, key)
    counts = json.loads(dfid["second"].stdout)["counts"]
    assert counts["PostFteChanged"] > 0 and counts["PostCostChanged"] > 0
    assert "unrecorded_changes" not in counts


def test_popolo_and_flat_csv_exports(dfid, tmp_path):
    cli = dfid["cli"]
    target = tmp_path / "dfid.json"
    cli.ok("export", "--branch", "dfid", "--at", "2013-12-31", "-o", str(target))
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert set(doc) >= {"organizations", "persons", "posts", "memberships"}
    orgs = {o["id"]: o for o in doc["organizations"]}
    assert orgs["dfid"]["classification"] == "organisation" and orgs["dfid"]["parent_id"] is None
    assert orgs["icai"]["founding_date"] == SEPT
    post = next(p for p in doc["posts"] if p["id"] == "dfid-B102")
    assert post["organization_id"] in orgs and post["end_date"] == SEPT  # deleted in September
    ended = [m for m in doc["memberships"] if m["end_date"] == SEPT]
    assert {"id", "person_id", "post_id", "organization_id", "start_date", "end_date"} <= set(
        ended[0]
    )
    assert any(m["person_id"] == "dfid-B89-holder" for m in ended)
    persons = {p["id"] for p in doc["persons"]}
    assert all(m["person_id"] in persons for m in doc["memberships"])
    current = [m for m in doc["memberships"] if m["end_date"] is None]
    assert len(current) == 89  # one per holder in the September senior file
    flat = cli.ok("export", "--branch", "dfid", "--at", SEPT, "--format", "csv", "-o", "-")
    table = list(csv.DictReader(flat.stdout.splitlines()))
    assert len(table) == len(dfid["show"][SEPT]["posts"])
    lowcock = next(r for r in table if r["post_id"] == "dfid-A1")
    assert lowcock["holder_names"] == "Mark Lowcock" and lowcock["reports_to"] == ""


# --- the small authority, on both stores -----------------------------------------------


def test_hta_imports_cleanly_with_one_holder_change(cli, tmp_path):
    data = copy_data(tmp_path / "data")
    first = cli(
        "import",
        "organogram",
        str(data / HTA.format(date="2011-03-31")),
        "--branch",
        "hta",
        "--json",
    )
    assert first.returncode == 0 and "warning" not in first.stderr
    assert json.loads(first.stdout)["warnings"] == []
    dry = cli.json(
        "import",
        "organogram",
        str(data / HTA.format(date="2011-09-30")),
        "--branch",
        "hta",
        "--dry-run",
    )
    # one holder changed (post 2), and the Job/Team Function text of posts 2 and 4 changed
    assert dry["dry_run"] and dry["events"] == 5
    assert dry["version"] == json.loads(first.stdout)["version"] + 5
    second = cli(
        "import",
        "organogram",
        str(data / HTA.format(date="2011-09-30")),
        "--branch",
        "hta",
        "--strict",
        "--json",
    )
    assert second.returncode == 0 and "warning" not in second.stderr
    report = json.loads(second.stdout)
    assert report["counts"] == {
        "PersonAssigned": 1,
        "PersonJoined": 1,
        "PersonLeft": 1,
        "PostAccountabilitiesChanged": 2,
    }
    assert report["version"] == dry["version"]  # the dry run wrote nothing
    history = cli.json("history", "--branch", "hta")["events"]
    changes = [e for e in history if e["effective"] == "2011-09-30"]
    assert {(e["type"], e.get("person") or e.get("post")) for e in changes} == {
        ("PersonLeft", "hta-2-holder"),
        ("PersonJoined", "hta-2-holder-2"),
        ("PersonAssigned", "hta-2-holder-2"),
        ("PostAccountabilitiesChanged", "hta-2"),
        ("PostAccountabilitiesChanged", "hta-4"),
    }
    function = next(e for e in changes if e.get("post") == "hta-2")["accountabilities"][0]
    assert function["text"] == (
        "Responsible for Financial management, Information Technology and Legal support for the HTA."
    )
    doc = cli.json("show", "--branch", "hta", "--at", "2011-09-30")
    assert len(doc["units"]) == 6 and len(doc["posts"]) == 5 and len(doc["people"]) == 5
    posts = {p["id"]: p for p in doc["posts"]}
    assert posts["hta-2"]["holders"] == ["hta-2-holder-2"]
    assert posts["hta-1"]["reports_to"] is None
    assert {p["reports_to"] for i, p in posts.items() if i != "hta-1"} == {"hta-1"}


def test_strict_fails_with_exit_2_and_writes_nothing(cli, tmp_path):
    data = copy_data(tmp_path / "data")
    version = cli.json(
        "import", "organogram", str(data / HTA.format(date="2011-03-31")), "--branch", "hta"
    )["version"]
    messy = cli(
        "import",
        "organogram",
        str(data / DFID.format(date=SEPT, kind="senior")),
        "--branch",
        "hta",
        "--strict",
    )
    assert messy.returncode == 2
    lines = messy.stderr.strip().splitlines()
    assert lines[-1].startswith("orgsim: error: --strict: 4 warning(s), nothing written")
    assert all(line.startswith("orgsim: warning: ") for line in lines[:-1]) and len(lines) == 5
    fresh = cli(
        "import",
        "organogram",
        str(data / DFID.format(date=SEPT, kind="senior")),
        "--branch",
        "dfid",
        "--strict",
    )
    assert fresh.returncode == 2 and "--strict" in fresh.stderr
    assert [(b["name"], b["version"]) for b in cli.json("branches")["branches"]] == [
        ("hta", version)
    ]


def test_a_file_that_is_not_an_organogram_exits_2(cli, tmp_path):
    other = tmp_path / "payments-2013-09-30.csv"
    other.write_text("Date,Supplier,Amount\n2013-09-01,ACME Ltd,1200\n", encoding="utf-8")
    result = cli("import", "organogram", str(other), "--branch", "x")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("orgsim: error: ")
    assert "is not an organogram CSV" in result.stderr and "'Date'" in result.stderr
    binary = tmp_path / "organogram.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00 an xlsx file")
    result = cli("import", "organogram", str(binary), "--branch", "x", "--effective", "2013-01-01")
    assert result.returncode == 2 and "not an organogram CSV" in result.stderr
    assert cli.json("branches")["branches"] == []
    assert not (tmp_path / "store.sqlite").exists()


# --- synthetic messy releases, through the public API ----------------------------------

SENIOR_HEADER = [
    "POST UNIQUE REFERENCE",
    "Name",
    "Grade",
    "Job Title",
    "Job/Team Function",
    "Parent Department",
    "Organisation",
    "Unit",
    "Contact Phone",
    "Contact E-mail",
    "Reports to Senior Post",
    "Salary Cost of Reports (£)",
    "FTE",
    "Actual Pay Floor (£)",
    "Actual Pay Ceiling (£)",
    "Professional/Occupational Group",
    "Notes",
    "Valid?",
]
JUNIOR_HEADER = [
    "Parent Department",
    "Organisation",
    "Unit",
    "Reporting Senior Post",
    "Grade",
    "Payscale Minimum (£)",
    "Payscale Maximum (£)",
    "Generic Job Title",
    "Number of Posts in FTE",
    "Professional/Occupational Group",
]
ORG = "Agency for Examples"


def senior_row(ref, name, grade, title, unit, reports, fte="1", floor="70000", ceiling="74999"):
    return [
        ref,
        name,
        grade,
        title,
        f"Runs {title}",
        ORG,
        ORG,
        unit,
        "",
        "",
        reports,
        "0",
        fte,
        floor,
        ceiling,
        "Policy",
        "",
        "",
    ]


def write_csv(path: Path, header, body, encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body)
    return path


RELEASE_1 = [
    senior_row("T1", "Smith, Jane", "SCS3", "Chief Executive", "Office", "XX"),
    senior_row("T2", "Doe John", "SCS2", "Director of Delivery", "Delivery", "T1"),
    senior_row("T3", "Ann Lee", "SCS1", "Head of Casework", "Delivery", "T2", fte="0.5"),
    senior_row("T3", "Bo Chan", "SCS1", "Head of Casework", "Delivery", "T2", fte="0.5"),
    senior_row("T4", "Vacant", "SCS1", "Head of Archives", "Delivery", "T2"),
    senior_row("T5", "N/D", "SCS1", "Head of Security", "Delivery", "T2"),
    senior_row("0", "N/D", "SCS1", "Not in post", "Delivery", "T2"),
    senior_row("T6", "Sam Ray", "SCS1", "Head of Loops", "Delivery", "T6"),
    senior_row("T7", "Kim Park", "SCS1", "Head of Elsewhere", "Delivery", "ZZ"),
    senior_row("T8", "Lou Tan", "SCS1", "Head of Circles", "Old Unit", "T9"),
    senior_row("T9", "Max Fox", "SCS1", "Head of Rings", "Old Unit", "T8"),
    senior_row("T11", "Ola Ng", "SCS1", "Head of Policy", "Delivery", "T2"),
    senior_row("T2", "Doe John", "SCS2", "Director of Delivery", "Delivery", "T1"),
]
OPS = "Operational Delivery"
JUNIOR_1 = [
    [ORG, ORG, "Delivery", "T2", "EO", "25000", "30000", "Caseworker", "3.5", OPS],
    [ORG, ORG, "Delivery", "T2", "EO", "25000", "30000", "Caseworker", "3.5", OPS],
    [ORG, ORG, "Delivery", "T3", "HEO", "31000", "36000", "Case manager", "x", OPS],
    [ORG, ORG, "Delivery", "T99", "AO", "19000", "23000", "Clerk", "2", OPS],
]


def release_2() -> list[list[str]]:
    return [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        # T2 and T11 swap places: T11 now manages T2
        senior_row("T2", "Vacant", "SCS1A", "Deputy Director of Delivery", "Delivery", "T11"),
        senior_row("T11", "Ola Ng", "SCS2", "Director of Policy and Delivery", "Delivery", "T1"),
        senior_row("T3", "Lee Ann", "SCS1", "Head of Casework", "Delivery", "T11"),
        senior_row("T4", "Eliminated", "SCS1", "Head of Archives", "Delivery", "T2"),
        senior_row("T5", "Pat Kim", "SCS1", "Head of Security", "Delivery", "T2"),
        senior_row("T6", "Sam Ray", "SCS1", "Head of Loops", "Delivery", "T1"),
        senior_row("T7", "Kim Park", "SCS1", "Head of Elsewhere", "Delivery", "T1"),
        senior_row("T10", "John Doe", "SCS2", "Director of Change", "Change", "T1"),
    ]


@pytest.fixture
def memory_store():
    return open_store("memory")


def test_messy_release_warnings_and_repairs(tmp_path):
    senior = write_csv(tmp_path / "ex-2020-03-31-senior.csv", SENIOR_HEADER, RELEASE_1, "cp1252")
    junior = write_csv(tmp_path / "ex-2020-03-31-junior.csv", JUNIOR_HEADER, JUNIOR_1, "cp1252")
    release = read_organogram(senior, junior)
    assert release.encodings == {senior.name: "cp1252", junior.name: "cp1252"}
    text = "\n".join(release.warnings)
    expected = [
        ":14: duplicate row for post T2 (same as line 3): ignored",
        ":9: post T6 reports to itself: treated as a top post",
        ":10: post T7 reports to unknown post ZZ: treated as a top post",
        "posts T8 -> T9 -> T8 report in a circle: T8 treated as a top post",
        "top posts (T1, T6, T7, T8): the structure has several roots",
        "junior.csv:3: duplicate row (same as line 2): ignored",
        "junior.csv:4: Number of Posts in FTE 'x' is not a positive number: row skipped",
        "junior.csv:5: reports to unknown senior post T99: kept without a manager",
    ]
    for message in expected:
        assert message in text
    assert len(release.warnings) == len(expected)
    assert release.notes == ["1 row(s) with Post Unique Reference 0 (paid, not in post) skipped"]
    assert [h.name for h in release.posts["T3"].holders] == ["Ann Lee", "Bo Chan"]  # a job share
    assert release.posts["T3"].fte == 1
    assert release.posts["T4"].holders == [] and release.posts["T5"].holders[0].undisclosed
    assert release.posts["T1"].holders[0].name == "Jane Smith"  # "Smith, Jane" turned round
    assert release.posts["T1"].pay_floor == 70000  # the £ header read from cp1252


def test_later_release_becomes_events_and_is_idempotent(tmp_path, memory_store):
    store = memory_store
    senior1 = write_csv(tmp_path / "ex-2020-03-31-senior.csv", SENIOR_HEADER, RELEASE_1, "cp1252")
    junior1 = write_csv(tmp_path / "ex-2020-03-31-junior.csv", JUNIOR_HEADER, JUNIOR_1)
    first = import_organogram(store, "ex", senior1, junior1)
    assert first.created and first.effective == dt.date(2020, 3, 31)
    state = BranchReader(store).load("ex").timeline.state_at()
    assert state.grades == ["AO", "EO", "SCS1", "SCS2", "SCS3"]
    assert state.pay_ranges["EO"] == (25000, 30000)
    assert {a.person: a.fte for a in state.holders["afe-T3"].values()} == {
        "afe-T3-holder": 0.5,
        "afe-T3-holder-2": 0.5,
    }
    assert state.people["afe-T5-nd"].name == "N/D"
    for pid, person in state.people.items():  # ids never carry a name
        for part in person.name.casefold().replace(",", " ").split():
            assert len(part) < 3 or part not in pid.casefold(), (pid, person.name)
    group = "afe-T2.delivery.eo.operational-delivery.caseworker"
    assert state.posts[group].fte == 3.5 and state.posts[group].reports_to == "afe-T2"
    assert state.posts["afe-T99.delivery.ao.operational-delivery.clerk"].reports_to is None

    header = [
        h.replace("Grade", "Grade (or equivalent)").replace(
            "POST UNIQUE REFERENCE", "Post Unique Reference"
        )
        for h in SENIOR_HEADER
    ]
    senior2 = write_csv(tmp_path / "ex-2020-09-30-senior.csv", header, release_2(), "utf-8-sig")
    second = import_organogram(store, "ex", senior2)
    events = second.events
    kinds = Counter(type(e).__name__ for e in events)
    # the grade scheme grows (it is replaced by a superset, lowest first)
    scheme = next(e for e in events if isinstance(e, ev.GradeSchemeDefined))
    assert scheme.grades == ["AO", "EO", "SCS1", "SCS1A", "SCS2", "SCS3"]
    by = lambda kind: [e for e in events if type(e).__name__ == kind]  # noqa: E731
    assert {e.post for e in by("PostDeleted")} == {
        "afe-T4",
        "afe-T8",
        "afe-T9",
        "afe-T2.delivery.eo.operational-delivery.caseworker",
        "afe-T99.delivery.ao.operational-delivery.clerk",
    }
    eliminated = next(e for e in by("PostDeleted") if e.post == "afe-T4")
    assert eliminated.reason == "Eliminated in the organogram of 2020-09-30"
    assert {e.post: (e.unit, e.reports_to) for e in by("PostMoved")} == {
        "afe-T2": (None, "afe-T11"),
        "afe-T11": (None, "afe-T1"),
        "afe-T3": (None, "afe-T11"),
        "afe-T6": (None, "afe-T1"),
        "afe-T7": (None, "afe-T1"),
    }
    assert {e.post: e.grade for e in by("PostRegraded")} == {"afe-T2": "SCS1A", "afe-T11": "SCS2"}
    # John Doe moved from T2 to the new T10: same person, not a leaver and a joiner
    assert ("afe-T2-holder", "afe-T2") in {(e.person, e.post) for e in by("PersonUnassigned")}
    assert ("afe-T2-holder", "afe-T10") in {(e.person, e.post) for e in by("PersonAssigned")}
    # the job share ended: Bo Chan left; Ann Lee (name flipped) now holds the whole post
    assert {e.person for e in by("PersonLeft")} == {
        "afe-T3-holder-2",
        "afe-T5-nd",
        "afe-T8-holder",
        "afe-T9-holder",
    }
    assert {e.person for e in by("PersonJoined")} == {"afe-T5-holder"}
    assert [e.unit for e in by("UnitCreated")] == ["change"]
    assert [e.unit for e in by("UnitClosed")] == ["old-unit"]
    assert kinds["PostCreated"] == 1
    view = Structure.from_state(
        "ex", dt.date(2020, 9, 30), BranchReader(store).load("ex").timeline.state_at()
    )
    assert view.posts["afe-T3"].holders == ("afe-T3-holder",)
    assert view.posts["afe-T10"].holders == ("afe-T2-holder",)
    assert view.posts["afe-T2"].reports_to == "afe-T11"
    assert view.posts["afe-T11"].reports_to == "afe-T1"
    assert view.displaced == ()
    again = import_organogram(store, "ex", senior2)
    assert again.events == [] and again.version == second.version


def test_a_deleted_post_that_comes_back_gets_a_new_id(tmp_path, memory_store):
    body = [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        senior_row("T2", "John Doe", "SCS2", "Director", "Office", "T1"),
    ]
    import_organogram(
        memory_store, "ex", write_csv(tmp_path / "a-2020-03-31.csv", SENIOR_HEADER, body)
    )
    import_organogram(
        memory_store, "ex", write_csv(tmp_path / "b-2020-09-30.csv", SENIOR_HEADER, body[:1])
    )
    third = import_organogram(
        memory_store, "ex", write_csv(tmp_path / "c-2021-03-31.csv", SENIOR_HEADER, body)
    )
    assert [(type(e).__name__, getattr(e, "post", None)) for e in third.events] == [
        ("PostCreated", "afe-T2-2"),
        ("PersonJoined", None),
        ("PersonAssigned", "afe-T2-2"),
    ]
    assert third.events[1].person == "afe-T2-holder-2"  # the earlier John Doe left


def test_export_writes_job_shares_and_vacancies(tmp_path, memory_store):
    senior = write_csv(tmp_path / "ex-2020-03-31-senior.csv", SENIOR_HEADER, RELEASE_1)
    import_organogram(memory_store, "ex", senior)
    senior_out, junior_out = organogram_rows(
        BranchReader(memory_store).load("ex"), dt.date(2020, 3, 31)
    )
    table = [dict(zip(senior_out[0], row)) for row in senior_out[1:]]
    t3 = [(r["Name"], r["FTE"]) for r in table if r["Post Unique Reference"] == "T3"]
    assert sorted(t3) == [("Ann Lee", "0.5"), ("Bo Chan", "0.5")]
    t4 = next(r for r in table if r["Post Unique Reference"] == "T4")
    assert t4["Name"] == "Vacant" and t4["Reports to Senior Post"] == "T2"
    t1 = next(r for r in table if r["Post Unique Reference"] == "T1")
    assert t1["Reports to Senior Post"] == "XX"
    assert (t1["Actual Pay Floor (£)"], t1["Actual Pay Ceiling (£)"]) == ("70000", "74999")
    assert t1["Organisation"] == ORG and t1["Unit"] == "Office"
    assert junior_out == [junior_out[0]]  # no junior file was imported
    doc = popolo(BranchReader(memory_store).load("ex"), dt.date(2020, 3, 31))
    shares = [m for m in doc["memberships"] if m["post_id"] == "afe-T3"]
    assert len(shares) == 2 and all(m["start_date"] == "2020-03-31" for m in shares)


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("Montgomery Richard", "Richard Montgomery", True),
        ("Sharpe, Sam", "Samuel Sharpe", True),
        ("Gnanendran Vel", "Velavan Gnanendran", True),
        ("Mallet Kevin", "Kevin Mallett", True),
        ("O'Neil Dominic", "Dominic O'Neill", True),
        ("Hammond Mike", "Michael Hammond", True),
        ("Dr Jane Smith CBE", "Jane Smith", True),
        ("Sue Martin", "Sue Gallone", False),
        ("Turkington George", "William Turkington", False),
        ("Smith", "John Smith", False),
        # issue 14: rank words must not carry a match on an initial
        ("Air Vice Marshal Morrison", "Air Vice Marshal M Brecht", False),
        ("Air Vice Marshal Morrison", "M Brecht", False),
        ("Major General J Smith", "Maj Gen John Smith", True),
    ],
)
def test_holder_names_are_matched_after_normalising(a, b, same):
    assert same_person(a, b) is same
    assert same_person(b, a) is same


def test_name_keys_ignore_order_and_punctuation():
    assert name_key("Montgomery Richard") == name_key("Richard Montgomery") == "montgomery-richard"
    assert name_key("O'Neil, Dominic") == "dominic-oneil"
    assert display_name("Wardell, Sue") == "Sue Wardell"
    assert slug("Chief Executive's Office") == "chief-executives-office"


@pytest.mark.parametrize(
    "heading, field",
    [
        ("Grade", "grade"),
        ("Grade (or equivalent)", "grade"),
        ("GRADE (OR EQUIVALENT)", "grade"),
        ("Actual Pay Floor (£)", "pay_min"),
        ("Actual Pay Floor (Â£)", "pay_min"),
        ("Payscale Minimum £", "pay_min"),
        ("Payscale Minimum Â£", "pay_min"),
        ("Job / Team Function", "function"),
        ("Reporting Senior Post", "reports_to"),
        ("Number of Posts in FTE", "fte"),
        ("Organization", "org"),
        ("Supplier", None),
    ],
)
def test_header_drift_is_absorbed(heading, field):
    from orgsim.interchange.organogram import header_field

    assert header_field(heading) == field


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("Vacant", "vacant"),
        ("VACANT POST", "vacant"),
        ("N/A", "vacant"),
        ("N/D", "undisclosed"),
        ("ND", "undisclosed"),
        ("Not disclosed", "undisclosed"),
        ("Eliminated", "eliminated"),
        ("", "blank"),
        ("Nadia Ndlovu", "name"),
    ],
)
def test_special_names(raw, kind):
    from orgsim.interchange.organogram import name_class

    assert name_class(raw) == kind


def test_files_in_either_order_and_a_junior_file_alone(tmp_path):
    from orgsim.interchange import OrganogramError

    senior = write_csv(tmp_path / "s.csv", SENIOR_HEADER, RELEASE_1[:2])
    junior = write_csv(tmp_path / "j.csv", JUNIOR_HEADER, JUNIOR_1[:1])
    release = read_organogram(junior, senior)
    assert list(release.posts) == ["T1", "T2"] and len(release.juniors) == 1
    with pytest.raises(OrganogramError, match="is a junior staff file"):
        read_organogram(junior)


def test_placeholder_references_and_junk_grades_are_warned_not_posts(tmp_path):
    """Issue 14: 'Deleted', 'Eliminated', 'Awaiting_Recruitment_Action' in the Post Unique
    Reference column name no post (12 'Deleted' rows once merged into one post of 11.83
    FTE); a grade of '?' is no grade."""
    rows = [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        senior_row("T2", "Ola Ng", "?", "Director of Delivery", "Delivery", "T1"),
        *[
            senior_row("Deleted", f"Person {n}", "SCS1", f"Old post {n}", "Delivery", "T2")
            for n in range(3)
        ],
        senior_row("Eliminated", "Eliminated", "SCS1", "Gone", "Delivery", "T2"),
        senior_row("Awaiting_Recruitment_Action", "Vacant", "SCS1", "To fill", "Delivery", "T2"),
    ]
    senior = write_csv(tmp_path / "ex-2021-03-31-senior.csv", SENIOR_HEADER, rows)
    release = read_organogram(senior)
    assert set(release.posts) == {"T1", "T2"}
    text = "\n".join(release.warnings)
    for line, ref in ((4, "Deleted"), (5, "Deleted"), (6, "Deleted"), (7, "Eliminated")):
        assert f":{line}: post reference {ref!r} is a placeholder, not a post: row skipped" in text
    assert "'Awaiting_Recruitment_Action' is a placeholder" in text
    assert ":3: post T2 has no grade '?': recorded as 'Not known'" in text
    assert release.posts["T2"].grade == "Not known"


def test_grades_order_by_the_civil_service_table_and_extend_in_place():
    """The table's order (AA lowest ... SCS3): a new grade goes in at its rank, the
    existing scheme's order is kept, and a label already there (by key) is not added."""
    from orgsim.interchange.grades import GradeInfo, extend_scheme, order_grades

    labels = ["SCS2", "G7", "AA", "SCS1", "HEO", "EO", "G6", "SEO", "AO", "SCS3"]
    assert order_grades([GradeInfo(g, g.startswith("SCS")) for g in labels]) == [
        "AA", "AO", "EO", "HEO", "SEO", "G7", "G6", "SCS1", "SCS2", "SCS3"
    ]  # fmt: skip
    existing = ["AO", "HEO", "G7", "SCS1", "SCS3"]
    new = [GradeInfo(g, g.startswith("SCS")) for g in ("SCS2", "EO", "g 7", "AA")]
    assert extend_scheme(existing, new) == ["AA", "AO", "EO", "HEO", "G7", "SCS1", "SCS2", "SCS3"]


def test_looser_name_matches_are_reported_in_the_human_output(cli, tmp_path):
    data = copy_data(tmp_path / "data")
    files = [str(data / DFID.format(date=d, kind="senior")) for d in (MARCH, SEPT)]
    cli.ok("import", "organogram", files[0], "--branch", "d")
    plain = cli.ok("import", "organogram", files[1], "--branch", "d", "--dry-run")
    # B91: "Wheeler Tim" in March, "Timothy Wheeler" in September (the files)
    assert "post dfid-B91: holder dfid-B91-holder kept by a looser name match" in plain.stderr
    assert "Timothy" not in plain.stderr  # names are personal data: only with --names
    named = cli.ok("import", "organogram", files[1], "--branch", "d", "--dry-run", "--names")
    assert "'Wheeler Tim' taken as 'Timothy Wheeler'" in named.stderr


def test_export_then_reimport_writes_nothing(tmp_path, memory_store):
    """Issue 14: a senior post of three 0.5 FTE holders (1.5 FTE) stays a senior post with
    its holders, and a junior group under an unknown senior post (T99) keeps its id."""
    rows = [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        *[
            senior_row("T3", name, "SCS1", "Head of Casework", "Delivery", "T1", fte="0.5")
            for name in ("Ann Lee", "Bo Chan", "Cy Dunn")
        ],
        senior_row("T4", "Vacant", "SCS1", "Head of Archives", "Delivery", "T1", fte="1"),
    ]
    junior = [[ORG, ORG, "Delivery", "T99", "AO", "19000", "23000", "Clerk", "2", OPS]]
    s1 = write_csv(tmp_path / "ex-2020-03-31-senior.csv", SENIOR_HEADER, rows)
    j1 = write_csv(tmp_path / "ex-2020-03-31-junior.csv", JUNIOR_HEADER, junior)
    import_organogram(memory_store, "ex", s1, j1)
    branch = BranchReader(memory_store).load("ex")
    state = branch.timeline.state_at()
    assert state.posts["afe-T3"].fte == Decimal("1.5") and len(state.holders["afe-T3"]) == 3
    senior_out, junior_out = organogram_rows(branch, dt.date(2020, 3, 31))
    assert sorted(r[1] for r in senior_out[1:] if r[0] == "T3") == ["Ann Lee", "Bo Chan", "Cy Dunn"]
    assert [r[3] for r in junior_out[1:]] == ["T99"]
    out = tmp_path / "out"
    out.mkdir()
    s2 = write_csv(out / "ex-2020-03-31-senior.csv", senior_out[0], senior_out[1:])
    j2 = write_csv(out / "ex-2020-03-31-junior.csv", junior_out[0], junior_out[1:])
    again = import_organogram(memory_store, "ex", s2, j2)
    assert again.events == []


def test_a_unit_renamed_from_and_to_ampersand_is_a_rename(tmp_path, memory_store):
    """Issue 14: 'and' -> '&' used to close the unit and create another."""
    first = [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        senior_row("T2", "Ola Ng", "SCS2", "Director", "Policy and International", "T1"),
    ]
    second = [
        first[0],
        senior_row("T2", "Ola Ng", "SCS2", "Director", "Policy & International", "T1"),
    ]
    s1 = write_csv(tmp_path / "ex-2020-03-31-senior.csv", SENIOR_HEADER, first)
    s2 = write_csv(tmp_path / "ex-2020-09-30-senior.csv", SENIOR_HEADER, second)
    import_organogram(memory_store, "ex", s1)
    report = import_organogram(memory_store, "ex", s2)
    assert [type(e).__name__ for e in report.events] == ["UnitRenamed"]
    renamed = report.events[0]
    assert renamed.unit == "policy-and-international" and renamed.name == "Policy & International"


def test_a_relabelled_junior_group_keeps_its_id(tmp_path, memory_store):
    """Issue 14: a junior group whose title (or grade, or unit) changes is the same group
    retitled, not a deletion and a creation; a group changed in two ways is new."""
    senior = [senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX")]
    j1 = [
        [ORG, ORG, "Delivery", "T1", "EO", "25000", "30000", "Caseworker", "3", OPS],
        [ORG, ORG, "Delivery", "T1", "AO", "19000", "23000", "Clerk", "2", OPS],
    ]
    j2 = [
        [ORG, ORG, "Delivery", "T1", "EO", "25000", "30000", "Case Officer", "3", OPS],
        [ORG, ORG, "Records", "T1", "EO", "25000", "30000", "Records Clerk", "2", OPS],
    ]
    for date, rows in (("2020-03-31", j1), ("2020-09-30", j2)):
        s = write_csv(tmp_path / f"ex-{date}-senior.csv", SENIOR_HEADER, senior)
        j = write_csv(tmp_path / f"ex-{date}-junior.csv", JUNIOR_HEADER, rows)
        report = import_organogram(memory_store, "ex", s, j)
    by = Counter(type(e).__name__ for e in report.events if getattr(e, "post", "").count("."))
    assert by == {"PostRetitled": 1, "PostCreated": 1, "PostDeleted": 1}
    retitled = next(e for e in report.events if isinstance(e, ev.PostRetitled))
    assert retitled.post == "afe-T1.delivery.eo.operational-delivery.caseworker"
    assert retitled.title == "Case Officer"


def test_a_duplicated_nd_row_does_not_double_a_post(tmp_path):
    rows = [
        senior_row("T1", "Jane Smith", "SCS3", "Chief Executive", "Office", "XX"),
        senior_row("T5", "N/D", "SCS1", "Head of Security", "Delivery", "T1"),
        [*senior_row("T5", "N/D", "SCS1", "Head of Security", "Delivery", "T1")[:17], "note"],
        senior_row("T6", "N/D", "SCS1", "Head of Rotas", "Delivery", "T1", fte="0.5"),
        senior_row("T6", "N/D", "SCS1", "Head of Rotas", "Delivery", "T1", fte="0.4"),
    ]
    release = read_organogram(write_csv(tmp_path / "ex-2021-03-31-senior.csv", SENIOR_HEADER, rows))
    assert release.posts["T5"].fte == 1 and len(release.posts["T5"].holders) == 1
    assert ":4: duplicate N/D row for post T5 (first on line 3): ignored" in "\n".join(
        release.warnings
    )
    # two withheld holders sharing 0.9 FTE remain a job share
    assert release.posts["T6"].fte == Decimal("0.9") and len(release.posts["T6"].holders) == 2
