"""The pack's privacy: nobody identified by subtraction, and no confidential fact about a
single identifiable person in the collective version (issue 12, "Private").

Expected values come from the rule the pack states: counts from 1 to 4 are withheld, and
so is any count that would let a withheld one be worked out by subtraction across the
workforce, affected, not-affected and outcome columns together.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import CLI, SCENARIOS
from test_pack import council, council_store, pack, pdf_text, tables, visible_text  # noqa: F401

from orgsim.pack.equality import suppress

FICTIONAL = [
    "Albertine Quarrie",
    "Benedick Oakhampton",
    "Cordelia Vantongeren",
    "Dorian Fenwhistle",
    "Eudora Marchbanks",
    "Florizel Upjohn",
    "Griselda Ashbourne",
    "Horatio Wedgwood",
    "Imogen Tattersall",
    "Jasper Coldicott",
    "Katharina Pellow",
    "Lucan Drinkwater",
]


def twelve() -> str:
    """12 staff, 6 disabled (p01..p06); p01 holds off-12, the one post that survives."""
    lines = [
        "scenario: twelve",
        "effective: 2020-01-01",
        "grades: [G1, G2]",
        "steps:",
        "  - create_unit: {id: org, name: Example Parish Council, kind: organisation}",
        "  - create_post: {id: boss, title: Clerk, grade: G2, unit: org}",
    ]
    for i in range(1, 13):
        lines.append(
            f"  - create_post: {{id: off-{i:02d}, title: Officer {i:02d}, grade: G1, "
            f"unit: org, reports_to: boss}}"
        )
    for n, name in enumerate(FICTIONAL, start=1):
        disabled = "yes" if n <= 6 else "no"
        lines.append(
            f"  - join: {{id: p{n:02d}, name: {name}, grade: G1, "
            f"characteristics: {{disability: '{disabled}'}}}}"
        )
        post = 12 if n == 1 else n - 1  # p01 holds off-12, the post that survives
        lines.append(f"  - assign: {{person: p{n:02d}, post: off-{post:02d}}}")
    return "\n".join(lines) + "\n"


def cut(deleted: int = 11) -> str:
    lines = [
        "scenario: cut",
        "based_on: twelve",
        "fork_at: 2020-06-01",
        "effective: 2021-04-01",
        "steps:",
    ]
    for i in range(1, deleted + 1):
        lines.append(f"  - delete_post: {{id: off-{i:02d}}}")
    lines.append("  - slot: {}")
    return "\n".join(lines) + "\n"


def test_suppress_never_leaves_one_hidden_cell_in_a_sum():
    """The issue's case as a table: workforce 6 = not affected 1 + affected 5 (disabled);
    6 = 0 + 6 (not disabled)."""
    counts = {
        ("W", "y"): 6,
        ("U", "y"): 1,
        ("G", "y"): 5,
        ("W", "n"): 6,
        ("U", "n"): 0,
        ("G", "n"): 6,
    }
    relations = [
        [("W", "y"), ("U", "y"), ("G", "y")],
        [("W", "n"), ("U", "n"), ("G", "n")],
        [("W", "y"), ("W", "n")],
        [("U", "y"), ("U", "n")],
        [("G", "y"), ("G", "n")],
    ]
    hidden = suppress(counts, relations)
    assert ("U", "y") in hidden  # 1 person: primary
    assert ("G", "y") in hidden  # else 6 - 5 gives the 1 away
    for relation in relations:
        assert sum(c in hidden for c in relation) != 1
    # nothing from 1 to 4 is left showing
    assert all(c in hidden for c, n in counts.items() if 0 < n < 5)


EQUALITY_HEAD = ["", "Workforce", "%", "Affected", "%", "Difference", "Not affected"]


def assert_no_disclosure(rows: list[list[str]], workforce: int, group: int) -> None:
    """Every published count is 0 or at least 5, and no sum the table implies has exactly
    one withheld figure: workforce = not affected + affected in each row, affected = the
    outcome columns, and each column adds up to its total."""
    head, body = rows[0], rows[1:]
    assert head[:7] == EQUALITY_HEAD
    outcome_cols = list(range(7, len(head)))
    for row in body:
        for i in (1, 3, 6, *outcome_cols):
            assert row[i] == "*" or row[i] == "no data" or not 0 < int(row[i]) < 5, row
        assert [row[1], row[6], row[3]].count("*") != 1, row
        if outcome_cols:
            assert [row[3], *(row[i] for i in outcome_cols)].count("*") != 1, row
    for i in (1, 3, 6, *outcome_cols):
        assert [r[i] for r in body].count("*") != 1, (head[i], body)


def test_the_one_person_not_affected_is_not_identified_by_subtraction(lite: CLI, write, tmp_path):
    """12 staff, 6 disabled; 11 affected, 5 of them disabled: showing both "6 disabled in
    the workforce" and "5 disabled among the affected" would say the one person left is
    disabled. The affected count (or the workforce count) must be withheld."""
    lite.ok("run", write(twelve()))
    lite.ok("run", write(cut()))
    _doc, files = pack(lite, tmp_path, "--branch", "cut", "--format", "html")
    found = tables(files["html"].read_text(encoding="utf-8"))
    disability = found["Disability"]
    assert_no_disclosure(disability, 12, 11)
    rows = {r[0]: r for r in disability[1:]}
    assert "*" in (rows["yes"][1], rows["yes"][3])
    assert rows["yes"][6] == "*"  # 1 person: never shown


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> CLI:
    return CLI(sqlite_url, tmp_path)


def test_council_equality_tables_disclose_nothing_by_subtraction(council: CLI, tmp_path: Path):  # noqa: F811
    _doc, files = pack(council, tmp_path, "--branch", "short", "--format", "html")
    found = tables(files["html"].read_text(encoding="utf-8"))
    for name in ("Sex", "Age band", "Disability", "Ethnicity"):
        rows = found[name]
        assert rows[0][7:] == ["Slotted", "Ring-fenced", "At risk"]  # by outcome
        assert_no_disclosure(rows, 30, 22)


def outcome_rows(html: str) -> list[list[str]]:
    found = tables(html)
    by_header = {tuple(rows[0]): rows[1:] for rows in found.values() if rows}
    return (
        by_header.get(("Post deleted", "Grade", "Outcome", "Reasons"))
        or by_header[("Person and post", "Grade", "Outcome", "Reasons")]
    )


def test_collective_version_never_attributes_confidential_outcomes(lite: CLI, tmp_path: Path):
    """Kent (scenario kcc-2014-top-tier, lines 476-486): two directors applied for
    voluntary redundancy, one corporate director was unsuccessful in a ring-fenced
    competition and left, two more left by redundancy; four were appointed. In the
    collective version none of that is attributed to a post; only counts, withheld
    under 5 (2 and 3 leavers by cause, 4 appointed), while the total of 5 leavers shows."""
    for script in ("kcc-2013-baseline", "kcc-2014-top-tier"):
        lite.ok("run", str(SCENARIOS / f"{script}.yaml"))
    doc, files = pack(lite, tmp_path, "--branch", "top-tier-2014")
    assert doc["version"] == "collective" and doc["names"] is False
    html = files["html"].read_text(encoding="utf-8")
    text = visible_text(html)
    pdf = " ".join(pdf_text(files["pdf"]).split())
    for confidential in (
        "applied for voluntary redundancy",
        "unsuccessful in ring-fenced competition",
        "no suitable alternative",
        "Left: redundancy",
        "Left: voluntary redundancy,",
        "Appointed to Director",
    ):
        assert confidential not in text and confidential not in pdf, confidential
    for row in outcome_rows(html):
        assert "Left" not in row[2] and "Appointed" not in row[2], row
    later = {r[0]: r[1] for r in tables(html)["Outcomes after the slotting stage"][1:]}
    assert later["Left the organisation (all causes)"] == "5"
    assert later["— Left: voluntary redundancy"] == "fewer than 5"
    assert later["— Left: compulsory redundancy"] == "fewer than 5"
    assert later["Appointed to a post (all routes)"] == "fewer than 5"
    assert "collective version" in text and "Collective version" in pdf
    # page 1 defines its own numbers, on the same page
    flow = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(files["pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    page1 = " ".join(flow.split()).replace("- ", "-")
    assert "26 proposed redundancies" in page1
    assert "The legal count for collective consultation (TULRCA 1992 s188)" in page1
    assert "of them 17 slotted into a new post, 6 in a ring" in page1
    assert "3 at risk of redundancy" in page1 and "5 left the organisation" in page1
    # reasons in plain English: titles and grades, never a post id; the tie-break stated
    (comms,) = [r for r in outcome_rows(html) if "Director of Communication" in r[0]]
    assert "no match recorded from Director of Communication (grade D)" in comms[3]
    assert "90% match to Director Economic Development (grade D)" in text
    assert "80% match to cd-" not in text and "then by id" not in text
    assert "policy's stated fixed order of post reference numbers" in text

    doc, files = pack(lite, tmp_path, "--branch", "top-tier-2014", "--internal", "--format", "html")
    assert doc["version"] == "internal" and doc["names"] is True  # --internal implies --names
    html = files["html"].read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Internal version" in text and "Confidential" in text
    (comms,) = [r for r in outcome_rows(html) if "Director of Communication" in r[0]]
    assert "Then: Left: redundancy, 1 April 2014" in comms[2]
    later = {r[0]: r[1] for r in tables(html)["Outcomes after the slotting stage"][1:]}
    assert later["— Left: voluntary redundancy"] == "2"
    assert later["— Left: compulsory redundancy"] == "3"
    assert later["Appointed to a post (all routes)"] == "4"


def test_one_names_rule_for_diff_and_history(lite: CLI, write):
    """Names in human output only with --names; protected characteristics in history
    (human or --json) only with --characteristics."""
    lite.ok("run", write(twelve()))
    lite.ok("run", write(cut()))
    span = ("--from", "2021-03-31", "--to", "2021-04-01")
    plain = lite.ok("diff", "--branch", "cut", *span).stdout
    assert "p05" in plain  # people are still listed, by id
    assert not any(name in plain for name in FICTIONAL)
    named = lite.ok("diff", "--branch", "cut", *span, "--names").stdout
    assert FICTIONAL[4] in named  # p05 holds off-04, deleted

    doc = lite.json("history", "--branch", "twelve")
    joined = [e for e in doc["events"] if e["type"] == "PersonJoined"]
    assert len(joined) == 12
    assert all(e["characteristics"] == "withheld" for e in joined)
    assert "disability" not in lite.ok("history", "--branch", "twelve", "--json").stdout
    doc = lite.json("history", "--branch", "twelve", "--characteristics")
    first = next(e for e in doc["events"] if e["type"] == "PersonJoined")
    assert first["characteristics"] == {"disability": "yes"}  # p01, disabled in twelve()
    human = lite.ok("history", "--branch", "twelve").stdout
    assert not any(name in human for name in FICTIONAL) and "disability" not in human
    human = lite.ok("history", "--branch", "twelve", "--names").stdout
    assert FICTIONAL[0] in human and "disability" not in human


def test_a_verdict_other_than_compliant_or_violation_is_flagged_for_review(
    lite: CLI, write, monkeypatch
):
    """Until the audit gives its third verdict in this tree, the decision is constructed:
    the hand decision of test_pack.HAND, as the audit reports it, re-labelled
    ``basis_revised`` with the issue's figures. The pack shows it flagged for review with
    the audit's reasons, counts it on page 1, and never as an ordinary slot."""
    import dataclasses

    from test_pack import HAND, base_script

    import orgsim
    from orgsim.pack import build, render_html

    lite.ok("run", write(base_script()))
    lite.ok("run", write(HAND))
    real = build.audit_branch
    why = "match revised from 80% (recorded 2020-07-01) to 70% (recorded 2020-09-01)"

    def revised(log):
        return [dataclasses.replace(d, verdict="basis_revised", reasons=[why]) for d in real(log)]

    monkeypatch.setattr(build, "audit_branch", revised)
    store = orgsim.open_store(lite.store)
    try:
        data = build.build_pack(store.backend, "hand", charts=False)
    finally:
        store.close()
    assert data.reviews == 1 and data.violations == 0
    html = render_html(data)
    text = visible_text(html)
    assert "1 slotting decision is flagged for review." in text
    assert "Filled by slotting" not in text
    people = outcome_rows(html)
    (officer,) = [r for r in people if r[0].startswith("Officer 01")]
    assert officer[2].startswith("Flagged for review") and officer[3] == why
    summary = {r[0]: r for r in tables(html)["People"][1:]}
    assert summary["— slotted, flagged for review"][2] == "1"
