"""Charts of imported organisations at scale: a manager with thousands of direct reports.

Graphviz refuses a quoted string longer than 16,384 characters ("syntax error ... longer
than 16384?"); the default chart of the Ministry of Defence's 2011 organogram failed on a
list box's tooltip naming every junior post under one manager. The organisation here is
generated (fictional posts, no people).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest

from orgsim.app.run import run_script
from orgsim.charts import build_tree, draw, find_dot, heading_for, to_dot
from orgsim.charts.dot import TOOLTIP_CHARS, tooltip
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store

GRAPHVIZ_LIMIT = 16_384
REPORTS = 3_001
AT = dt.date(2022, 1, 1)


def _wide() -> Structure:
    lines = [
        "scenario: wide",
        "effective: 2022-01-01",
        "grades: [G1, G2]",
        "steps:",
        "  - create_unit: {id: org, name: Fictional Agency, kind: organisation}",
        "  - create_post: {id: boss, title: Director, grade: G2, unit: org}",
    ]
    lines += [
        f"  - create_post: {{id: officer-{i:05d}, title: Officer {i}, grade: G1, unit: org,"
        " reports_to: boss}"
        for i in range(REPORTS)
    ]
    store = open_store("memory")
    run_script(store, parse_scenario("\n".join(lines) + "\n", "wide.yaml"))
    log = BranchReader(store).load("wide")
    return Structure.from_state("wide", AT, log.timeline.state_at(AT))


@pytest.fixture(scope="module")
def wide_dot() -> str:
    structure = _wide()
    tree = build_tree(structure)
    assert len(tree.children["p:boss"]) == REPORTS
    return to_dot(draw(tree), heading_for(tree, "wide", AT, structure=structure))


def test_no_quoted_string_reaches_graphviz_limit(wide_dot):
    strings = re.findall(r'"(?:[^"\\]|\\.)*"', wide_dot)
    assert strings
    assert max(len(s) for s in strings) <= TOOLTIP_CHARS + 2  # the quotes
    assert max(len(s) for s in strings) < GRAPHVIZ_LIMIT
    # the list box's tooltip counts the reports past the first few
    assert f"and {REPORTS - 8:,} more" in wide_dot


def test_dot_renders_the_wide_chart(wide_dot, tmp_path):
    source = tmp_path / "wide.dot"
    source.write_text(wide_dot, encoding="utf-8")
    done = subprocess.run(
        [find_dot(), "-Tsvg", "-o", str(tmp_path / "wide.svg"), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "wide.svg").read_text(encoding="utf-8")
    assert "Officer 3000" in svg  # the last report is drawn, not dropped


def test_tooltip_names_a_few_then_counts():
    assert tooltip(["a", "b"]) == "a b"
    ids = [f"p{i}" for i in range(20)]
    assert tooltip(ids) == "p0 p1 p2 p3 p4 p5 p6 p7 and 12 more"
    assert tooltip(["x" * 20_000, "y"]) == "x" * (TOOLTIP_CHARS - 1) + "…"
    many = tooltip(["z" * 1_000] * 5_000)
    assert len(many) == TOOLTIP_CHARS and many.endswith("… and 4,992 more")
