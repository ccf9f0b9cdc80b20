"""The consultation pack through the command line: ``orgsim pack``.

A small test council (30 staff with protected characteristics) and the Kent scenarios.
The pack must be self-contained (nothing fetched when opened), hold every section and
three inline charts, leave out every name, person id and individual characteristic unless
``--names`` is given, suppress equality cells under 5, check the statutory minimum
period, open in headless Chromium without console errors, and print to PDF.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CLI, SCENARIOS

FIRST = [
    "Quillon",
    "Ysolde",
    "Bramwell",
    "Ottoline",
    "Thaddeus",
    "Marisol",
    "Leofric",
    "Peregrine",
    "Isaura",
    "Caspian",
    "Rosalind",
    "Evander",
    "Philippa",
    "Ignatius",
    "Seraphina",
    "Lysander",
    "Octavia",
    "Barnaby",
    "Clementine",
    "Ambrose",
    "Henrietta",
    "Fitzroy",
    "Winifred",
    "Crispin",
    "Araminta",
    "Jocelyn",
    "Tarquin",
    "Honoria",
    "Ptolemy",
    "Drusilla",
]
LAST = [
    "Quenby",
    "Yardley",
    "Brackenbury",
    "Ormerod",
    "Thistlewood",
    "Merriweather",
    "Loxley",
    "Pemberton",
    "Ingleby",
    "Cattermole",
    "Rushworth",
    "Entwistle",
    "Pickering",
    "Illingworth",
    "Satterthwaite",
    "Lambourne",
    "Oddington",
    "Blenkinsop",
    "Chudleigh",
    "Ashcombe",
    "Hawtrey",
    "Fenwright",
    "Wetherall",
    "Crowhurst",
    "Arbuthnot",
    "Jessop",
    "Tollemache",
    "Huxtable",
    "Pennefather",
    "Dymoke",
]
NAMES = [f"{f} {s}" for f, s in zip(FIRST, LAST)]
PEOPLE = [f"p{n:03d}" for n in range(1, 31)]
#: One person (affected) has a characteristic value nobody else has: it must never show.
RARE = "Cornish"
DISABLED = {"p003", "p007", "p011", "p019", "p023", "p024"}  # 4 of them affected


def _characteristics(n: int) -> str:
    pid = f"p{n:03d}"
    parts = [
        f"sex: {'female' if n % 2 else 'male'}",
        f"age_band: '{'16-24' if n <= 3 else ('25-49' if n <= 20 else '50+')}'",
    ]
    if n <= 24:  # 25-30 have no disability recorded
        parts.append(f"disability: '{'yes' if pid in DISABLED else 'no'}'")
    if n == 9:
        parts.append(f"ethnicity: {RARE}")
    elif n <= 20:
        parts.append("ethnicity: White British")
    elif n <= 27:
        parts.append("ethnicity: Asian")
    return "{" + ", ".join(parts) + "}"


def base_script() -> str:
    lines = [
        "scenario: base",
        "effective: 2020-01-01",
        "grades: [G1, G2, G3, G4]",
        "pay_ranges: {G1: [24000, 30000], G2: [36000, 44000], G3: [60000, 70000], G4: [100000, 120000]}",
        "steps:",
        "  - create_unit: {id: org, name: Example Borough Council, kind: organisation}",
        "  - create_unit: {id: res, name: Resident Services, kind: directorate, parent: org}",
        "  - create_unit: {id: corp, name: Corporate Services, kind: directorate, parent: org}",
        "  - create_unit: {id: help, name: Helpdesk, kind: team, parent: res}",
        "  - create_unit: {id: fin, name: Finance Team, kind: team, parent: corp}",
        "  - create_post: {id: ceo, title: Chief Executive, grade: G4, unit: org}",
        "  - create_post: {id: dir-res, title: Director of Resident Services, grade: G3, unit: res, reports_to: ceo}",
        "  - create_post: {id: dir-corp, title: Director of Corporate Services, grade: G3, unit: corp, reports_to: ceo}",
        "  - create_post: {id: mgr-help, title: Helpdesk Manager, grade: G2, unit: help, reports_to: dir-res}",
        "  - create_post: {id: mgr-fin, title: Finance Manager, grade: G2, unit: fin, reports_to: dir-corp}",
    ]
    for i in range(1, 25):
        unit, mgr = ("help", "mgr-help") if i <= 12 else ("fin", "mgr-fin")
        lines.append(
            f"  - create_post: {{id: off-{i:02d}, title: Officer {i:02d}, grade: G1, "
            f"unit: {unit}, reports_to: {mgr}}}"
        )
    holds = [f"off-{i:02d}" for i in range(1, 25)] + [
        "mgr-help",
        "mgr-fin",
        "dir-res",
        "dir-corp",
        "ceo",
        None,
    ]
    for n, (pid, name, post) in enumerate(zip(PEOPLE, NAMES, holds), start=1):
        grade = {
            "mgr-help": "G2",
            "mgr-fin": "G2",
            "dir-res": "G3",
            "dir-corp": "G3",
            "ceo": "G4",
        }.get(post or "", "G1")
        lines.append(
            f"  - join: {{id: {pid}, name: {name}, grade: {grade}, "
            f"characteristics: {_characteristics(n)}}}"
        )
        if post:
            lines.append(f"  - assign: {{person: {pid}, post: {post}}}")
    return "\n".join(lines) + "\n"


def restructure_script(branch: str, opens: str, closes: str, decided: str) -> str:
    """Deletes 22 officer posts (22 proposed redundancies: 30-day minimum), creates 16,
    slots 12, forms one pool of 2 for 1, leaves 8 at risk and 3 vacancies."""
    lines = [
        f"scenario: {branch}",
        "based_on: base",
        "fork_at: 2020-06-01",
        "effective: 2021-04-01",
        "steps:",
        f"  - consult: {{opens: {opens}, closes: {closes}, effective: {opens}, scope: [help, fin],"
        f" reason: consultation on the new officer structure, source: Cabinet report 4}}",
        f'  - decide: {{by: Cabinet, "on": {decided}, what: approve the officer restructure,'
        f" effective: {decided}, source: Cabinet minutes 7.1}}",
    ]
    for i in range(1, 17):
        unit, mgr = ("help", "mgr-help") if i <= 8 else ("fin", "mgr-fin")
        lines.append(
            f"  - create_post: {{id: new-{i:02d}, title: Advisor {i:02d}, grade: G1, "
            f"unit: {unit}, reports_to: {mgr}, reason: new advisor role, source: Cabinet report 4.2}}"
        )
    lines.append(
        "  - retitle_post: {id: mgr-fin, title: Finance and Payroll Manager, "
        "reason: payroll added, source: Cabinet report 4.3}"
    )
    for i in range(1, 23):
        extra = ""
        if i == 5:
            extra = f', reason: "post held by {NAMES[4]} (p005) deleted"'
        lines.append(f"  - delete_post: {{id: off-{i:02d}{extra}, source: Cabinet report 4.1}}")
    for i in range(1, 13):
        lines.append(
            f"  - match: {{old: off-{i:02d}, new: new-{i:02d}, percent: 80, assessor: HR panel}}"
        )
    lines.append("  - match: {old: off-13, new: new-13, percent: 80, assessor: HR panel}")
    lines.append("  - match: {old: off-14, new: new-13, percent: 85, assessor: HR panel}")
    lines.append("  - slot: {source: slotting policy}")
    return "\n".join(lines) + "\n"


SMALL = """\
scenario: small
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - consult: {opens: 2021-01-04, closes: 2021-02-04, effective: 2021-01-04}
  - create_post: {id: new-lead, title: Team Lead, grade: G1, unit: help, reports_to: mgr-help}
  - match: {old: off-01, new: new-lead, percent: 90, assessor: HR panel}
  - delete_post: {id: off-01, reason: merged into the team lead role}
  - delete_post: {id: off-02}
"""


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> CLI:
    """One backend is enough for most pack tests (the store tests cover both)."""
    return CLI(sqlite_url, tmp_path)


@pytest.fixture(scope="module")
def council_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test council and its three restructures, built once per module."""
    folder = tmp_path_factory.mktemp("council")
    store = folder / "store.sqlite"
    cli = CLI(str(store), folder)
    scripts = [
        base_script(),
        restructure_script("short", "2021-03-15", "2021-03-31", "2021-03-20"),
        restructure_script("proper", "2020-12-01", "2021-01-15", "2021-02-10"),
        SMALL,
    ]
    for n, text in enumerate(scripts):
        path = folder / f"script{n}.yaml"
        path.write_text(text, encoding="utf-8")
        cli.ok("run", str(path))
    return store


@pytest.fixture
def council(council_store: Path, tmp_path: Path) -> CLI:
    """A CLI on a copy of the council's store (a test may not change the shared one)."""
    store = tmp_path / "council.sqlite"
    shutil.copyfile(council_store, store)
    return CLI(str(store), tmp_path)


def pack(cli: CLI, tmp_path: Path, *args: str) -> tuple[dict, dict[str, Path]]:
    out = tmp_path / f"pack-{abs(hash(args))}"
    tmp_path.mkdir(parents=True, exist_ok=True)  # the folder holding an output must exist
    doc = cli.json("pack", "-o", str(out), *args)
    files = {Path(f).suffix[1:]: Path(f) for f in doc["files"]}
    return doc, files


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def visible_text(html: str) -> str:
    """The HTML's text and attribute values, entities decoded (what a reader could see)."""
    return htmllib.unescape(html)


class Tables(HTMLParser):
    """Rows of cell texts of every table, keyed by the table's caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self._rows = []
            self._name = f"table{len(self.tables)}"
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._name = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def assert_self_contained(html: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"<img\b|<iframe\b|<object\b|<embed\b", html, re.I)
    assert not re.search(r"@import|@font-face|url\(\s*['\"]?(?:https?:|//)", html, re.I)
    assert "<!DOCTYPE svg" not in html and "<?xml" not in html


def assert_no_people(text: str) -> None:
    for name in NAMES:
        assert name not in text, f"name {name!r} leaked"
        assert name.split()[-1] not in text, f"surname of {name!r} leaked"
    assert not re.search(r"(?<![\w-])p0\d\d(?![\w-])", text), "a person id leaked"
    assert RARE not in text, "an individual's characteristic leaked"


# --- the pack of a small council ----------------------------------------------------------


def test_pack_is_self_contained_complete_and_anonymous(council: CLI, tmp_path: Path):
    doc, files = pack(council, tmp_path, "--branch", "short")
    assert set(files) == {"html", "pdf"}
    assert files["html"].name == "short-consultation-pack.html"
    assert doc["current"] == "2021-03-31" and doc["proposed"] == "2021-04-01"
    assert doc["posts"] == {"new": 16, "deleted": 22, "changed": 1} and doc["people"] == 22
    html = files["html"].read_text(encoding="utf-8")
    assert_self_contained(html)
    for section in ("summary", "charts", "changes", "slotting", "timetable", "equality", "about"):
        assert f'id="{section}"' in html
    assert len(re.findall(r"<svg\b[^>]*class=\"chart\"", html)) >= 3
    assert re.search(r'<svg\b[^>]*viewBox="', html)
    text = visible_text(html)
    assert_no_people(text)
    assert "the post holder of Officer 05" in text
    # free text naming someone is scrubbed: the reason of off-05's deletion named them
    assert (
        "post held by the post holder of Officer 05 (the post holder of Officer 05) deleted" in text
    )
    # the engine's outcomes, per post, with one-line reasons
    assert "Slotted into Advisor 01 (G1)" in text
    assert "Ring-fenced pool: 2 candidates for 1 post" in text
    assert "At risk of redundancy" in text
    assert "Vacancy to be filled by appointment" in text
    assert "same grade G1, 80% match to Advisor 01 (grade G1), 1 candidate for 1 post" in text
    # changed posts with reason and source
    assert "Finance and Payroll Manager" in text and "payroll added" in text
    assert "Cabinet report 4.1" in text
    # footer: branch, version, head of the event chain
    head = doc["head_chain"]
    assert re.fullmatch(r"[0-9a-f]{64}", head) and head in html
    pdf = pdf_text(files["pdf"])
    assert_no_people(pdf)
    assert "Every changed post" in pdf and "Equality summary" in pdf
    assert "Officer 05" in pdf


def test_names_only_with_names(council: CLI, tmp_path: Path):
    _doc, files = pack(council, tmp_path, "--branch", "short", "--names")
    text = visible_text(files["html"].read_text(encoding="utf-8"))
    for name in NAMES[:22]:  # everyone whose post is deleted
        assert name in text
    assert "collective version with names" in text
    assert RARE not in text  # characteristics are only ever aggregated
    pdf = pdf_text(files["pdf"])
    assert NAMES[0] in " ".join(pdf.split()) and RARE not in pdf


def test_statutory_minimum_falls_short_and_hr1_date(council: CLI, tmp_path: Path):
    doc, files = pack(council, tmp_path, "--branch", "short", "--format", "html")
    st = doc["statutory"]
    assert st["verdict"] == "falls_short" and st["proposed_redundancies"] == 22
    assert st["required_days"] == 30 and st["first_dismissal"] == "2021-04-01"
    assert st["hr1_due"] == "2021-03-02" and st["consultation_start"] == "2021-03-15"
    text = visible_text(files["html"].read_text(encoding="utf-8"))
    assert "falls short" in text
    assert "only 17 days before" in text and "by 13 days" in text
    assert "HR1" in text and "2 March 2021" in text
    assert "taken before consultation closes" in text  # decided on 20 March
    out = council("pack", "--branch", "short", "-o", str(tmp_path / "plain"), "--format", "html")
    assert "FALLS SHORT" in out.stdout


def test_statutory_minimum_met_and_not_required(council: CLI, tmp_path: Path):
    doc, files = pack(council, tmp_path, "--branch", "proper", "--format", "html")
    assert doc["statutory"]["verdict"] == "meets"
    text = visible_text(files["html"].read_text(encoding="utf-8"))
    assert "meets the statutory minimum" in text and "falls short" not in text
    assert "121 days before" in text
    doc, files = pack(council, tmp_path, "--branch", "small", "--format", "html")
    assert doc["statutory"]["verdict"] == "not_required"
    assert doc["statutory"]["proposed_redundancies"] == 2 and doc["statutory"]["hr1_due"] is None
    text = visible_text(files["html"].read_text(encoding="utf-8"))
    assert "does not apply" in text and "No HR1 notification is needed" in text


def test_pending_outcomes_use_the_engine_proposal(council: CLI, tmp_path: Path):
    _doc, files = pack(council, tmp_path, "--branch", "small", "--format", "html")
    text = visible_text(files["html"].read_text(encoding="utf-8"))
    assert "Pending: the slotting policy would slot into Team Lead (G1)" in text
    assert "Pending: the slotting policy would place at risk" in text
    assert "merged into the team lead role" in text
    assert_no_people(text)


def test_equality_cells_under_five_suppressed(council: CLI, tmp_path: Path):
    _, files = pack(council, tmp_path, "--branch", "short", "--format", "html")
    html = files["html"].read_text(encoding="utf-8")
    found = tables(html)
    disability = found["Disability"]
    assert disability[0][:4] == ["", "Workforce", "%", "Affected"]
    rows = {r[0]: r for r in disability[1:]}
    assert rows["yes"][1] == "6"  # 6 in the workforce: shown
    assert rows["yes"][3] == "*"  # 4 of the affected: suppressed
    # 2 of the 6 are not affected: withheld, and so is every figure that would give the
    # 2 or the 4 away by subtraction (see tests/test_pack_privacy.py for the rule itself)
    assert rows["yes"][6] == "*"
    for table in ("Sex", "Age band", "Disability", "Ethnicity"):
        for row in found[table][1:]:
            for cell in (row[1], row[3], *row[6:]):
                assert (
                    cell in ("*", "no data")
                    or not cell.isdigit()
                    or int(cell) == 0
                    or int(cell) >= 5
                )
    ethnicity = {r[0]: r for r in found["Ethnicity"][1:]}
    assert "Other values (fewer than 5 people each)" in ethnicity  # Cornish grouped
    assert ethnicity["White British"][1] == "19"
    age = {r[0]: r for r in found["Age band"][1:]}
    assert age["25-49"][1] == "17"
    assert "16-24" not in age  # 3 people: grouped
    assert age["Other values (fewer than 5 people each)"][1:4:2] == ["*", "*"]


HAND = """\
scenario: hand
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - create_post: {id: new-lead, title: Team Lead, grade: G1, unit: help, reports_to: mgr-help}
  - match: {old: off-01, new: new-lead, percent: 30, assessor: HR panel}
  - delete_post: {id: off-01}
  - slot_person: {person: p001, post: new-lead, basis: chief executive's decision}
"""


def test_a_decision_the_audit_calls_a_violation_is_shown_as_one(lite: CLI, write, tmp_path):
    """The kent policy (the default) slots at a 75% match or more: a hand decision at 30%
    breaks it. ``audit`` says so, and the pack shows that decision as a violation with the
    audit's own reason, never as an ordinary "Filled by slotting"."""
    lite.ok("run", write(base_script()))
    lite.ok("run", write(HAND))
    audit = lite("audit", "--branch", "hand", "--json")
    assert audit.returncode == 1
    (decision,) = json.loads(audit.stdout)["decisions"]
    assert (decision["person"], decision["post"]) == ("p001", "new-lead")
    assert decision["verdict"] == "violation"
    (reason,) = decision["reasons"]
    assert "30%" in reason and "75%" in reason  # the match against the policy's threshold

    _doc, files = pack(lite, tmp_path, "--branch", "hand", "--format", "html")
    html = files["html"].read_text(encoding="utf-8")
    text = visible_text(html)
    assert "Filled by slotting" not in text
    found = tables(html)
    by_header = {tuple(rows[0]): rows[1:] for rows in found.values() if rows}
    people = by_header[("Post deleted", "Grade", "Outcome", "Reasons")]
    (officer,) = [r for r in people if r[0].startswith("Officer 01")]
    assert officer[2].startswith("Against policy") and "breaks the slotting policy" in officer[2]
    # the audit's reason, in plain English: posts by title and grade, not by id
    plain = reason.replace("off-01", "Officer 01 (grade G1)").replace(
        "new-lead", "Team Lead (grade G1)"
    )
    assert "Team Lead (grade G1)" in plain
    assert officer[3] == plain
    posts = by_header[("Post", "Grade", "How it is filled", "Reasons")]
    (lead,) = [r for r in posts if r[0].startswith("Team Lead")]
    assert lead[2].startswith("Against policy") and lead[3] == plain
    summary = {r[0]: r for r in found["People"][1:]}
    assert summary["— slotted against the slotting policy"][2] == "1"
    assert summary["— slotted into a new post"][2] == "0"
    assert "1 slotting decision breaks the policy." in text
    assert_no_people(text)


# --- Kent ----------------------------------------------------------------------------------


def kent_names() -> list[str]:
    text = (SCENARIOS / "kcc-2013-baseline.yaml").read_text(encoding="utf-8")
    return re.findall(r"- join: \{id: p\d+, name: ([^,]+),", text)


def test_kent_pack(lite: CLI, write, tmp_path: Path):
    for script in ("kcc-2013-baseline", "kcc-2014-top-tier"):
        lite.ok("run", str(SCENARIOS / f"{script}.yaml"))
    doc, files = pack(lite, tmp_path, "--branch", "top-tier-2014")
    assert doc["current"] == "2014-03-31" and doc["proposed"] == "2014-04-01"
    assert doc["posts"] == {"new": 21, "deleted": 26, "changed": 7} and doc["people"] == 26
    st = doc["statutory"]
    assert st["verdict"] == "meets" and st["proposed_redundancies"] == 26
    assert st["consultation_start"] == "2013-10-15" and st["hr1_due"] == "2014-03-02"
    html = files["html"].read_text(encoding="utf-8")
    assert_self_contained(html)
    names = kent_names()
    assert len(names) == 38
    text = visible_text(html)
    pdf = " ".join(pdf_text(files["pdf"]).split())
    for name in names:
        assert name not in text and name not in pdf
    assert not re.search(r"(?<![\w-])p0\d\d(?![\w-])", text)
    assert "Director of Communication" in text and "deleted after consultation" in text
    assert "County Council 12 Dec 2013, KCC paper 001, 8.4" in text
    assert "Ring-fenced pool: 2 candidates for 1 post" in text
    assert "Kent County Council" in pdf and "Statutory minimum" in pdf
    # The baseline records fictional characteristics for the senior group (issue 18: an
    # equality section with content), so the section compares the 26 consulted (001, 5.2)
    # with the 38 people of the baseline, and small cells are visibly suppressed;
    # tests/test_kent_scenarios.py checks the figures.
    assert "No data: no protected characteristics are recorded" not in text
    assert "Compares the 26 people whose posts are deleted with the whole workforce of 38" in text
    assert "Other values (fewer than 5 people each)" in text and "* withheld" in text
    # the same store gives the same pack, byte for byte
    _again, files2 = pack(lite, tmp_path, "--branch", "top-tier-2014", "--format", "html")
    assert files2["html"].read_bytes() == files["html"].read_bytes()
    _named, files3 = pack(
        lite, tmp_path, "--branch", "top-tier-2014", "--names", "--format", "html"
    )
    text3 = visible_text(files3["html"].read_text(encoding="utf-8"))
    assert "Imogen Sallow" in text3  # Director of Communication's holder


# --- in a browser -----------------------------------------------------------------------


def test_pack_opens_in_headless_chromium(council: CLI, tmp_path: Path):
    from orgsim.pack.pdf import chromium_command, find_chromium

    _, files = pack(council, tmp_path, "--branch", "short", "--format", "html")
    chromium = find_chromium()
    profile = tmp_path / "profile"
    command = chromium_command(
        chromium,
        profile,
        [
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,4000",
            f"--screenshot={tmp_path / 'pack.png'}",
            files["html"].as_uri(),
        ],
    )
    shot = subprocess.run(command, capture_output=True, text=True, timeout=180)
    png = tmp_path / "pack.png"
    assert png.exists() and png.stat().st_size > 20_000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = subprocess.run(
        chromium_command(
            chromium,
            tmp_path / "profile2",
            ["--enable-logging=stderr", "--v=0", "--dump-dom", files["html"].as_uri()],
        ),
        capture_output=True,
        text=True,
        timeout=180,
    )
    for log in (shot.stderr, dom.stderr):
        console = [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
        assert not console, console
    svgs = re.findall(r"<svg\b[^>]*>", dom.stdout)
    charts = [s for s in svgs if 'class="chart"' in s]
    assert len(charts) >= 3
    assert dom.stdout.count("<g ") > 50  # the charts have their drawings
    for figure in ("Figure 1", "Figure 2", "Figure 3"):
        assert figure in dom.stdout


# --- bad input ------------------------------------------------------------------------------


def test_unknown_branch_writes_nothing(council: CLI, tmp_path: Path):
    out = tmp_path / "nope"
    result = council("pack", "--branch", "no-such-branch", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("orgsim: error: unknown branch 'no-such-branch'")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--at", "2021-03-01", "--before", "2021-03-05"], "must be before"),
        (["--at", "not-a-date"], "--at: 'not-a-date' is not a date"),
        (["--format", "docx"], "--format 'docx': use html, pdf or html,pdf"),
    ],
)
def test_bad_options_write_nothing(council: CLI, tmp_path: Path, args: list[str], message: str):
    out = tmp_path / "bad"
    result = council("pack", "--branch", "short", "-o", str(out), *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_without_chromium_html_works_and_pdf_fails(sqlite_url: str, tmp_path: Path, write):
    cli = CLI(sqlite_url, tmp_path, env={"ORGSIM_CHROMIUM": str(tmp_path / "no-chromium")})
    cli.ok("run", write(base_script()))
    cli.ok("run", write(SMALL))
    result = cli("pack", "--branch", "small", "-o", str(tmp_path / "pdf"))
    assert result.returncode == 2
    assert "cannot print the PDF" in result.stderr and "--format html" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pdf").exists()
    ok = cli.ok("pack", "--branch", "small", "-o", str(tmp_path / "html"), "--format", "html")
    assert (tmp_path / "html" / "small-consultation-pack.html").exists()
    assert "wrote" in ok.stdout


def test_pack_on_both_stores(cli: CLI, write, tmp_path: Path):
    """SQLite and PostgreSQL give the same pack (the store fixture runs both)."""
    cli.ok("run", write(base_script()))
    cli.ok("run", write(SMALL))
    doc, files = pack(cli, tmp_path, "--branch", "small", "--format", "html")
    html = files["html"].read_text(encoding="utf-8")
    assert doc["statutory"]["verdict"] == "not_required"
    assert "Team Lead" in html and 'id="equality"' in html
    assert shutil.which("dot") is not None and "<svg" in html
    assert json.loads(json.dumps(doc))["posts"] == {"new": 1, "deleted": 2, "changed": 0}
