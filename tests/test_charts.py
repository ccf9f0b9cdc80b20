"""Org charts: structure of the DOT/SVG, layouts, change charts, pages, bad input.

Most checks run through the public API on an in-memory store (fast); the command line is
exercised on both stores for what users see: files written or not, exit codes, messages.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from orgsim.app.run import run_script
from orgsim.charts import (
    ChartError,
    ChartOptions,
    build_tree,
    chart_bytes,
    chart_tree,
    dot_source,
    draw,
    heading_for,
    render,
    split_pages,
    to_dot,
)
from orgsim.charts import pdf as pdfmod
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import open_store


def needs_dot(test):
    """Marks tests that run Graphviz. They never skip: scripts/setup.sh installs it, and a
    missing ``dot`` must fail the suite, not hide it."""
    return test


BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3, G4]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: people, name: People, kind: directorate, parent: org}
  - create_unit: {id: place, name: Place, kind: directorate, parent: org}
  - create_unit: {id: care, name: Adult Care, kind: division, parent: people}
  - create_unit: {id: roads, name: Roads, kind: division, parent: place}
  - create_post: {id: ceo, title: Chief Executive, grade: G4, unit: org}
  - create_post: {id: pa, title: Executive Assistant, grade: G1, unit: org, reports_to: ceo}
  - create_post: {id: dir-people, title: Director of People, grade: G3, unit: people, reports_to: ceo}
  - create_post: {id: dir-place, title: Director of Place, grade: G3, unit: place, reports_to: ceo}
  - create_post: {id: head-care, title: Head of Adult Care, grade: G2, unit: care, reports_to: dir-people}
  - create_post: {id: sw1, title: Social Worker A, grade: G1, unit: care, reports_to: head-care}
  - create_post: {id: sw2, title: Social Worker B, grade: G1, unit: care, reports_to: head-care}
  - create_post: {id: sw3, title: Social Worker C, grade: G1, unit: care, reports_to: head-care, fte: 0.5}
  - create_post: {id: head-roads, title: Head of Roads, grade: G2, unit: roads, reports_to: dir-place}
  - create_post: {id: eng1, title: Engineer One, grade: G1, unit: roads, reports_to: head-roads}
  - create_post: {id: eng2, title: Engineer Two, grade: G1, unit: roads, reports_to: head-roads}
  - join: {id: p1, name: Robin Fictional, grade: G4}
  - join: {id: p2, name: Sam Imaginary, grade: G3}
  - join: {id: p3, name: Alex Invented, grade: G1}
  - join: {id: p4, name: Jo Madeup, grade: G1}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: dir-people}
  - assign: {person: p3, post: eng2}
  - assign: {person: p4, post: sw1}
"""

CHANGE = """\
scenario: option
based_on: base
fork_at: 2021-01-01
effective: 2021-04-01
steps:
  - create_unit: {id: comm, name: Commissioning, kind: division, parent: people}
  - create_post: {id: dir-comm, title: Director of Commissioning, grade: G3, unit: people, reports_to: ceo, reason: new directorate role, source: "Council 1 Mar 2021, 4.2"}
  - retitle_post: {id: head-roads, title: Head of Highways, source: "Council 1 Mar 2021, 5.1"}
  - regrade_post: {id: eng1, grade: G2}
  - move_post: {id: sw2, unit: roads, reports_to: head-roads, reason: realigned}
  - delete_post: {id: eng2, reason: deleted after consultation, source: "Council 1 Mar 2021, 6.3"}
  - rename_unit: {id: care, name: Adult Social Care}
"""

AT = dt.date(2021, 6, 1)


@pytest.fixture(scope="module")
def reader() -> BranchReader:
    store = open_store("memory")
    run_script(store, parse_scenario(BASE, "base.yaml"))
    run_script(store, parse_scenario(CHANGE, "change.yaml"))
    return BranchReader(store)


def source(
    reader: BranchReader, branch: str = "base", options: ChartOptions | None = None, **kw
) -> str:
    tree, heading = chart_tree(reader, branch, kw.pop("at", AT), **kw)
    return dot_source(tree, heading, options or ChartOptions())


def node_ids(dot: str) -> set[str]:
    return set(re.findall(r'^  "([^"]+)" \[', dot, re.M))


def edges(dot: str) -> set[tuple[str, str]]:
    return set(re.findall(r'^  "([^"]+)" -> "([^"]+)"', dot, re.M))


def node_line(dot: str, node: str) -> str:
    return next(line for line in dot.splitlines() if line.startswith(f'  "{node}" ['))


# --- structure -------------------------------------------------------------------------


def test_post_chart_has_every_post_and_reporting_line(reader):
    dot = source(reader, options=ChartOptions(layout="naive"))
    posts = {
        "ceo",
        "pa",
        "dir-people",
        "dir-place",
        "head-care",
        "sw1",
        "sw2",
        "sw3",
        "head-roads",
        "eng1",
        "eng2",
    }
    assert node_ids(dot) == {f"n:p:{p}" for p in posts}
    assert edges(dot) == {
        ("n:p:ceo", "n:p:pa"),
        ("n:p:ceo", "n:p:dir-people"),
        ("n:p:ceo", "n:p:dir-place"),
        ("n:p:dir-people", "n:p:head-care"),
        ("n:p:dir-place", "n:p:head-roads"),
        ("n:p:head-care", "n:p:sw1"),
        ("n:p:head-care", "n:p:sw2"),
        ("n:p:head-care", "n:p:sw3"),
        ("n:p:head-roads", "n:p:eng1"),
        ("n:p:head-roads", "n:p:eng2"),
    }
    ceo = node_line(dot, "n:p:ceo")
    assert "<B>Chief Executive</B>" in ceo and "G4 · 1 holder" in ceo
    assert "Example Council" in ceo  # the head of a unit names it
    sw3 = node_line(dot, "n:p:sw3")
    assert "G1 · 0.5 FTE · vacant" in sw3
    assert "Adult Care" not in sw3  # not the head of its unit
    # children ordered by grade (highest first), then title: directors before the assistant
    order = [b for a, b in re.findall(r'^  "(n:p:ceo)" -> "([^"]+)"', dot, re.M)]
    assert order == ["n:p:dir-people", "n:p:dir-place", "n:p:pa"]


def test_no_names_unless_asked(reader):
    plain = source(reader)
    for name in ("Robin Fictional", "Sam Imaginary", "Alex Invented", "Jo Madeup"):
        assert name not in plain
    named = source(reader, names=True)
    assert "<I>Robin Fictional</I>" in node_line(named, "n:p:ceo")
    assert "Jo Madeup" in named


def test_stacked_hangs_leaves_from_a_line_beside_them(reader):
    dot = source(reader)  # default layout: stacked
    # head-care's three leaves hang from points s:...:0..2, each on the rank of its leaf
    assert ("n:p:head-care", "s:p:head-care:0") in edges(dot)
    assert ("s:p:head-care:0", "s:p:head-care:1") in edges(dot)
    assert ("s:p:head-care:2", "n:p:sw3") in edges(dot)
    assert ("n:p:head-care", "n:p:sw1") not in edges(dot)
    assert '{rank=same; "s:p:head-care:1"; "n:p:sw2"}' in dot
    # a manager with one leaf keeps a plain line
    assert ("n:p:dir-people", "n:p:head-care") in edges(dot)


def test_stacked_large_charts_use_one_list_box_per_manager(reader):
    tree, heading = chart_tree(reader, "base", AT)
    dot = to_dot(draw(tree, "stacked", spine_limit=0), heading)
    assert ("n:p:head-care", "l:p:head-care") in edges(dot)
    box = node_line(dot, "l:p:head-care")
    assert [t for t in ("Social Worker A", "Social Worker B", "Social Worker C") if t in box] == [
        "Social Worker A",
        "Social Worker B",
        "Social Worker C",
    ]
    assert "n:p:sw1" not in node_ids(dot)


def test_hanging_folds_the_bottom_two_levels_into_an_indented_list(reader):
    dot = source(reader, options=ChartOptions(layout="hanging"))
    assert ("n:p:dir-people", "h:p:dir-people") in edges(dot)
    box = node_line(dot, "h:p:dir-people")
    assert "Head of Adult Care" in box and "Social Worker C" in box
    assert box.count('<TD WIDTH="14"></TD>') == 3  # the three social workers, indented
    assert "n:p:head-care" not in node_ids(dot)


def test_depth_and_collapse(reader):
    two = source(reader, options=ChartOptions(depth=2), depth=2)
    assert {n for n in node_ids(two) if n.startswith("n:")} == {
        "n:p:ceo",
        "n:p:pa",
        "n:p:dir-people",
        "n:p:dir-place",
    }
    assert ("s:p:ceo:0", "n:p:dir-people") in edges(two)  # all leaves now: stacked
    assert "2 levels" in two
    folded = source(reader, options=ChartOptions(collapse_below=2), collapse_below=2)
    assert ("n:p:dir-people", "m:p:dir-people") in edges(folded)
    assert "<B>+4 posts</B>" in node_line(folded, "m:p:dir-people")
    assert "<B>+3 posts</B>" in node_line(folded, "m:p:dir-place")
    assert "n:p:head-care" not in node_ids(folded)


def test_root_unit_and_unit_level(reader):
    dot = source(reader, root="care", options=ChartOptions(layout="naive"))
    assert node_ids(dot) == {"n:p:head-care", "n:p:sw1", "n:p:sw2", "n:p:sw3"}
    units = source(reader, level="units", options=ChartOptions(layout="naive"))
    assert node_ids(units) == {"n:u:org", "n:u:people", "n:u:place", "n:u:care", "n:u:roads"}
    assert ("n:u:people", "n:u:care") in edges(units)
    care = node_line(units, "n:u:care")
    assert "division · 4 posts · 3 vacant" in care and "head: Head of Adult Care" in care


def test_chart_of_an_earlier_date_and_as_known_at(reader):
    before = source(reader, "option", at=dt.date(2021, 1, 1))
    assert "n:p:dir-comm" not in node_ids(before)
    assert "n:p:dir-comm" in node_ids(source(reader, "option"))
    log = reader.load("option")
    first = log.own[0].event.recorded
    known = source(reader, "option", known_at=first - dt.timedelta(microseconds=1))
    assert "n:p:dir-comm" not in node_ids(known)
    assert "as known at" in known


# --- change charts ---------------------------------------------------------------------


def test_change_chart_marks_every_kind_of_change_with_line_and_shape(reader):
    dot = source(reader, "option", since=dt.date(2021, 1, 1), options=ChartOptions(layout="naive"))
    new = node_line(dot, "n:p:dir-comm")
    assert 'class="post new"' in new and 'BORDER="3"' in new and 'STYLE="rounded"' in new
    assert ">NEW<" in new
    moved = node_line(dot, "n:p:sw2")
    assert 'class="post moved"' in moved and 'STYLE="dashed"' in moved and ">MOVED<" in moved
    assert "moved from Adult Care" in moved
    changed = node_line(dot, "n:p:head-roads")
    assert 'class="post changed"' in changed and ">CHANGED<" in changed
    assert changed.count("<TABLE") == 2  # the double frame
    assert "was: Head of Roads" in changed
    assert "was grade G1" in node_line(dot, "n:p:eng1")
    ghost = node_line(dot, "n:p:eng2")
    assert 'class="post deleted"' in ghost and 'STYLE="dotted"' in ghost and ">DELETED<" in ghost
    assert "<S>Engineer Two</S>" in ghost and "1 displaced" in ghost
    # the ghost is where it was, under its old manager, on a dotted line
    assert re.search(r'"n:p:head-roads" -> "n:p:eng2" \[style=dotted', dot)
    assert re.search(r'"n:p:ceo" -> "n:p:dir-comm" \[penwidth=2.5', dot)
    assert re.search(r'"n:p:head-roads" -> "n:p:sw2" \[style=dashed', dot)
    assert 'class="post unchanged"' in node_line(dot, "n:p:sw1")
    # the legend: one sample per status, in the title block
    title = next(line for line in dot.splitlines() if line.startswith("  graph ["))
    for marker in ("NEW", "MOVED", "CHANGED", "DELETED"):
        assert f"<B>{marker}</B>" in title
    assert (
        "changes since 2021-01-01" in title and "1 new · 1 moved · 2 changed · 1 deleted" in title
    )


def test_change_chart_against_a_branch_and_of_units(reader):
    dot = source(reader, "option", against="base", options=ChartOptions(layout="naive"))
    assert 'class="post new"' in node_line(dot, "n:p:dir-comm")
    assert "changes against branch base" in dot
    units = source(
        reader, "option", against="base", level="units", options=ChartOptions(layout="naive")
    )
    assert 'class="unit new"' in node_line(units, "n:u:comm")
    renamed = node_line(units, "n:u:care")
    assert 'class="unit changed"' in renamed and "was: Adult Care" in renamed
    # the other way round, the new post is a ghost
    back = source(reader, "base", against="option", options=ChartOptions(layout="naive"))
    assert 'class="post deleted"' in node_line(back, "n:p:dir-comm")


def test_deleted_units_and_posts_hang_under_their_old_parents():
    def at(**kw):
        return {
            "effective": dt.date(2020, 1, 1),
            "recorded": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            **kw,
        }

    before = OrgState()
    events = [
        ev.UnitCreated(**at(unit="o", name="Org", kind="organisation")),
        ev.UnitCreated(**at(unit="d", name="Old Directorate", kind="directorate", parent="o")),
        ev.PostCreated(**at(post="top", title="Top", grade="A", unit="o")),
        ev.PostCreated(
            **at(post="dd", title="Old Director", grade="A", unit="d", reports_to="top")
        ),
        ev.PostCreated(**at(post="dm", title="Old Manager", grade="A", unit="d", reports_to="dd")),
    ]
    for n, e in enumerate(events, 1):
        before.apply(e, n)
    after = OrgState()
    later = [
        ev.PostDeleted(**{**at(post="dm"), "effective": dt.date(2021, 1, 1)}),
        ev.PostDeleted(**{**at(post="dd"), "effective": dt.date(2021, 1, 1)}),
        ev.UnitClosed(**{**at(unit="d"), "effective": dt.date(2021, 1, 1)}),
    ]
    for n, e in enumerate(events + later, 1):
        after.apply(e, n)
    old = Structure.from_state("b", dt.date(2020, 1, 1), before)
    new = Structure.from_state("b", dt.date(2021, 1, 1), after)
    tree = build_tree(new, before=old)
    assert tree.parent["p:dm"] == "p:dd" and tree.parent["p:dd"] == "p:top"
    assert tree.nodes["p:dd"].status == "deleted" and tree.nodes["p:dm"].status == "deleted"
    units = build_tree(new, before=old, level="units")
    assert units.nodes["u:d"].status == "deleted" and units.parent["u:d"] == "u:o"


# --- pages -------------------------------------------------------------------------------


def test_split_by_directorate_writes_an_index_and_a_file_each(reader, tmp_path):
    tree, heading = chart_tree(reader, "base", AT)
    files = render(tree, heading, tmp_path / "org.dot", ChartOptions(split="directorate"))
    assert sorted(p.name for p in files) == ["org-people.dot", "org-place.dot", "org.dot"]
    index = files[tmp_path / "org.dot"].decode()
    assert {"n:p:ceo", "n:p:pa", "n:s:people", "n:s:place"} <= node_ids(index)
    assert "n:p:dir-people" not in node_ids(index)
    assert 'HREF="org-people.dot"' in node_line(index, "n:s:people")
    # each directorate page links back up to the chief executive on the index file
    assert 'HREF="org.dot"' in node_line(
        people_page := files[tmp_path / "org-people.dot"].decode(), "n:s:above:p:ceo"
    )
    assert ("n:s:above:p:ceo", "n:p:dir-people") in edges(people_page)
    assert "4 posts" in node_line(index, "n:s:place") and "5 posts" in node_line(
        index, "n:s:people"
    )
    people = files[tmp_path / "org-people.dot"].decode()
    assert node_ids(people) >= {"n:p:dir-people", "n:p:head-care", "n:p:sw1"}
    assert not any("place" in n or "roads" in n or n == "n:p:ceo" for n in node_ids(people))
    assert "Example Council: People" in people


def test_split_pages_keep_every_line_ghosts_where_they_were():
    """A post whose manager is on another page hangs from an "above" stub naming it (the
    Director of Public Health, in another directorate's unit, reporting to the chief
    executive); a deleted post goes on its old manager's page, under that manager."""

    def at(day: dt.date, **kw):
        return {"effective": day, "recorded": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), **kw}

    then, now = dt.date(2020, 1, 1), dt.date(2021, 1, 1)
    events: list[ev.Event] = [
        ev.UnitCreated(**at(then, unit="o", name="Org", kind="organisation")),
        ev.UnitCreated(**at(then, unit="a", name="Adults", kind="directorate", parent="o")),
        ev.UnitCreated(**at(then, unit="b", name="Borough", kind="directorate", parent="o")),
        ev.UnitCreated(**at(then, unit="ph", name="Public Health", kind="division", parent="b")),
        ev.PostCreated(**at(then, post="ceo", title="Chief", grade="A", unit="o")),
        ev.PostCreated(**at(then, post="da", title="Dir A", grade="A", unit="a", reports_to="ceo")),
        ev.PostCreated(**at(then, post="db", title="Dir B", grade="A", unit="b", reports_to="ceo")),
        ev.PostCreated(**at(then, post="dph", title="DPH", grade="A", unit="ph", reports_to="ceo")),
        ev.PostCreated(**at(then, post="x", title="Old X", grade="B", unit="ph", reports_to="da")),
        ev.PostDeleted(**at(now, post="x")),
    ]
    state = OrgState()
    for n, e in enumerate(events, 1):
        state.apply(e, n)
    before = Structure.from_state("b", then, _fold(events, then))
    after = Structure.from_state("b", now, state)
    tree = build_tree(after, before=before)
    index, *pages = split_pages(tree, ["a", "b"], "number")
    by_name = {page.heading: page.tree for page in pages}
    adults, borough = by_name["Adults"], by_name["Borough"]
    assert adults.parent["p:x"] == "p:da" and "p:x" not in borough.nodes
    above = borough.nodes["s:above:p:ceo"]
    assert above.kind == "stub" and above.above and above.link == "chart page 1"
    assert borough.parent["p:dph"] == "s:above:p:ceo" == borough.parent["p:db"]
    assert borough.roots == ["s:above:p:ceo"]
    stub = index.tree.nodes["s:b"]
    assert stub.link == "chart page 3" and stub.href is None
    dot = to_dot(draw(borough), heading_for(borough, "b", now))
    assert "reports to" in node_line(dot, "n:s:above:p:ceo") and "on chart page 1" in dot


def _fold(events: list[ev.Event], day: dt.date) -> OrgState:
    state = OrgState()
    for n, e in enumerate(events, 1):
        if e.effective <= day:
            state.apply(e, n)
    return state


@needs_dot
def test_a_big_pdf_is_paginated_below_200_inches(tmp_path):
    def at(**kw):
        return {
            "effective": dt.date(2020, 1, 1),
            "recorded": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            **kw,
        }

    state = OrgState()
    events: list[ev.Event] = [
        ev.UnitCreated(**at(unit="o", name="Org", kind="organisation")),
        ev.PostCreated(**at(post="top", title="Top", grade="A", unit="o")),
    ]
    for d in range(2):
        events.append(
            ev.UnitCreated(**at(unit=f"d{d}", name=f"Dir {d}", kind="directorate", parent="o"))
        )
        events.append(
            ev.PostCreated(
                **at(post=f"h{d}", title=f"Head {d}", grade="A", unit=f"d{d}", reports_to="top")
            )
        )
        for i in range(90):
            events.append(
                ev.PostCreated(
                    **at(
                        post=f"h{d}-{i}",
                        title=f"Officer {d}.{i}",
                        grade="A",
                        unit=f"d{d}",
                        reports_to=f"h{d}",
                    )
                )
            )
    for n, e in enumerate(events, 1):
        state.apply(e, n)
    tree = build_tree(Structure.from_state("b", dt.date(2020, 1, 1), state))
    heading = heading_for(tree, "b", dt.date(2020, 1, 1))
    out = tmp_path / "big.pdf"
    data = render(tree, heading, out, ChartOptions(layout="naive"))[out]
    boxes = [
        tuple(float(v) for v in m)
        for m in re.findall(rb"/MediaBox \[ ?([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) ?\]", data)
    ]
    assert len(boxes) == 3 and b"/Count 3" in data  # index + one per directorate
    assert all(max(b[2] - b[0], b[3] - b[1]) <= 200 * 72 for b in boxes)
    assert b"CreationDate" not in data
    assert render(tree, heading, out, ChartOptions(layout="naive"))[out] == data  # reproducible
    # a small chart stays one page
    small = render(tree, heading, out, ChartOptions(layout="stacked", depth=2))[out]
    assert small.count(b"/Type /Page ") == 1 and pdfmod.page_size(small)[0] < 200 * 72


def test_chart_bytes_renders_read_models_in_memory(reader, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = reader.load("option")
    then = dt.date(2021, 1, 1)
    after = Structure.from_state("option", AT, log.timeline.state_at(AT, None))
    before = Structure.from_state("option", then, log.timeline.state_at(then, None))
    # the same DOT as the store-backed pipeline the CLI uses
    assert chart_bytes(after, fmt="dot", before=before).decode() == source(
        reader, "option", since=then
    )
    svg = chart_bytes(after, before=before, layout="hanging", depth=2)
    assert b"<svg" in svg and svg == chart_bytes(after, before=before, layout="hanging", depth=2)
    assert chart_bytes(after, fmt="png").startswith(b"\x89PNG")
    base = Structure.from_state("base", AT, reader.load("base").timeline.state_at(AT, None))
    against = chart_bytes(after, fmt="dot", before=base, level="units", root="people").decode()
    assert "changes against branch base" in against and "under People" in against
    assert list(tmp_path.iterdir()) == []  # nothing written
    with pytest.raises(ChartError, match="unknown chart format 'gif'"):
        chart_bytes(after, fmt="gif")


def test_chart_errors_name_no_command_line_flags(reader):
    for kw in (
        {"since": dt.date(2021, 1, 1), "against": "base"},
        {"since": dt.date(2022, 1, 1)},
    ):
        with pytest.raises(ChartError) as refused:
            chart_tree(reader, "option", AT, **kw)  # type: ignore[arg-type]
        assert "--" not in str(refused.value)
    tree, heading = chart_tree(reader, "base", AT, root="care")
    with pytest.raises(ChartError) as refused:
        render(tree, heading, Path("x.svg"), ChartOptions(split="directorate"))
    assert "--" not in str(refused.value) and "cannot split by directorate" in str(refused.value)


# --- through the command line ----------------------------------------------------------


def _setup(cli, write) -> None:
    cli.ok("run", write(BASE))
    cli.ok("run", write(CHANGE))


@needs_dot
def test_cli_svg_is_deterministic_and_has_the_structure(cli, write, tmp_path):
    _setup(cli, write)
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    args = ["chart", "--branch", "option", "--at", "2021-06-01", "--since", "2021-01-01"]
    out = cli.ok(*args, "-o", str(first))
    assert "wrote" in out.stdout and first.exists()
    cli.ok(*args, "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    svg = first.read_text()
    assert "<title>n:p:dir&#45;comm</title>" in svg or "<title>n:p:dir-comm</title>" in svg
    assert 'class="node post new"' in svg and 'class="node post deleted"' in svg
    assert 'stroke-dasharray="5,2"' in svg  # dashed: moved
    assert 'stroke-dasharray="1,5"' in svg  # dotted: deleted
    assert "Robin Fictional" not in svg
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:", svg) is None  # no timestamps inside
    dot1, dot2 = tmp_path / "a.dot", tmp_path / "b.dot"
    cli.ok(*args, "--names", "-o", str(dot1))
    cli.ok(*args, "--names", "-o", str(dot2))
    assert dot1.read_bytes() == dot2.read_bytes() and b"Robin Fictional" in dot1.read_bytes()


@needs_dot
def test_cli_png_pdf_split_and_json(cli, write, tmp_path):
    _setup(cli, write)
    png = tmp_path / "org.png"
    cli.ok("chart", "-b", "base", "--at", "2021-06-01", "-o", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = tmp_path / "org.pdf"
    cli.ok("chart", "-b", "base", "--at", "2021-06-01", "--level", "units", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-") and b"/Count 1" in pdf.read_bytes()
    doc = cli.json(
        "chart",
        "-b",
        "base",
        "--at",
        "2021-06-01",
        "--split",
        "directorate",
        "--layout",
        "hanging",
        "-o",
        str(tmp_path / "split.svg"),
    )
    assert sorted(Path(f).name for f in doc["files"]) == [
        "split-people.svg",
        "split-place.svg",
        "split.svg",
    ]
    assert all(Path(f).read_bytes().startswith(b"<?xml") for f in doc["files"])
    assert 'xlink:href="split-people.svg"' in (tmp_path / "split.svg").read_text()


def _assert_refused(result_code: int, stderr: str, message: str, tmp_path: Path) -> None:
    assert result_code == 2, stderr
    assert stderr.startswith("orgsim: error: ") and stderr.count("\n") == 1, stderr
    assert message in stderr, stderr
    assert not list(tmp_path.glob("x*"))


def test_cli_bad_input_exits_2_with_one_line_and_writes_nothing(cli, write, tmp_path):
    _setup(cli, write)
    out = tmp_path / "x.svg"
    for args, message in [
        (["-b", "nope"], "unknown branch 'nope'"),
        (["-b", "base", "--root", "nowhere"], "unknown unit 'nowhere'"),
        (["-b", "base", "--at", "1999-01-01"], "nothing to chart"),
        (["-b", "option", "--against", "nope"], "unknown branch 'nope'"),
        (["-b", "base", "--root", "care", "--split", "directorate"], "no directorate"),
    ]:
        result = cli("chart", *args, "-o", str(out))
        _assert_refused(result.returncode, result.stderr, message, tmp_path)


def test_bad_options_are_refused_before_anything_is_written(sqlite_url, write, tmp_path, capsys):
    from orgsim.cli.app import main

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main(["--store", sqlite_url, *argv])
        return done.value.code, capsys.readouterr().err

    assert run("run", write(BASE))[0] == 0
    assert run("run", write(CHANGE))[0] == 0
    out = str(tmp_path / "x.svg")
    for args, message in [
        (["-b", "base", "--at", "2021-02-30", "-o", out], "--at: '2021-02-30' is not a date"),
        (["-b", "option", "--since", "2021-01-01", "--against", "base", "-o", out], "not both"),
        (
            ["-b", "option", "--at", "2021-01-01", "--since", "2021-06-01", "-o", out],
            "is after --at",
        ),
        (["-b", "base", "--depth", "0", "-o", out], "--depth must be at least 1"),
        (
            ["-b", "base", "--collapse-below", "-2", "-o", out],
            "--collapse-below must be at least 1",
        ),
        (["-b", "base", "--layout", "tall", "-o", out], "'tall' is not one of"),
        (["-b", "base", "-o", str(tmp_path / "x.txt")], "unknown chart format '.txt'"),
        (["-b", "base", "-o", str(tmp_path / "x" / "y.svg")], "does not exist"),
    ]:
        code, err = run("chart", *args)
        _assert_refused(code, err, message, tmp_path)


def test_cli_without_graphviz_says_how_to_install_it(cli, write, tmp_path):
    _setup(cli, write)
    bare = tmp_path / "bin"
    bare.mkdir()  # a PATH with no dot on it (the CLI runs as sys.executable -m orgsim)
    cli.env["PATH"] = str(bare)
    out = tmp_path / "x.svg"
    result = cli("chart", "-b", "base", "--at", "2021-06-01", "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (
        "Graphviz 'dot' was not found" in result.stderr
        and "apt-get install graphviz" in result.stderr
    )
    assert not out.exists()
    # DOT needs no Graphviz
    cli.ok("chart", "-b", "base", "--at", "2021-06-01", "-o", str(tmp_path / "x.dot"))
    assert (tmp_path / "x.dot").read_text().startswith("digraph orgchart {")
    assert os.environ.get("PATH") != cli.env["PATH"]
