"""``orgsim pack --against``: "What changed as a result of consultation" in the Kent pack.

KCC paper 001, 8.3-8.5: after consultation Virtual Schools Kent stayed in Specialist
Children's Services (the October proposal had moved it to Education), and the Director of
Communication post, kept in the proposal, was deleted. The expected reasons, sources and
unit names are read from the shipped scenario scripts, not from the engine.
"""

from __future__ import annotations

import html as htmllib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CLI, SCENARIOS

KENT = ("kcc-2013-baseline", "kcc-2013-people-data", "kcc-2013-proposal", "kcc-2014-top-tier")


def steps(script: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((SCENARIOS / f"{script}.yaml").read_text(encoding="utf-8"))
    return list(data["steps"])


def step(script: str, kind: str, **match: str) -> dict[str, Any]:
    found = [
        s[kind]
        for s in steps(script)
        if kind in s and all(s[kind].get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (script, kind, match)
    return dict(found[0])


def unit_name(unit_id: str) -> str:
    return str(step("kcc-2013-baseline", "create_unit", id=unit_id)["name"])


def people_names() -> list[str]:
    return [s["join"]["name"] for s in steps("kcc-2013-baseline") if "join" in s]


@pytest.fixture(scope="module")
def kent_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kent")
    store = folder / "store.sqlite"
    cli = CLI(str(store), folder)
    for script in KENT:
        cli.ok("run", str(SCENARIOS / f"{script}.yaml"))
    return store


@pytest.fixture
def kent(kent_store: Path, tmp_path: Path) -> CLI:
    store = tmp_path / "kent.sqlite"
    shutil.copyfile(kent_store, store)
    return CLI(str(store), tmp_path)


def section(html: str) -> str:
    match = re.search(r'<section id="against">(.*?)</section>', html, re.S)
    assert match, "no 'what changed as a result of consultation' section"
    return match.group(1)


def rows(part: str) -> dict[str, list[str]]:
    """Each table row's cell texts (tags dropped, entities decoded), keyed by the id."""
    out: dict[str, list[str]] = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", part, re.S):
        cells = [
            " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td>(.*?)</td>", tr, re.S)
        ]
        ident = re.search(r"<code>([^<]+)</code>", tr)
        if cells and ident:
            out[ident.group(1)] = cells
    return out


def test_pack_shows_what_changed_as_a_result_of_consultation(kent: CLI, tmp_path: Path):
    out = tmp_path / "pack"
    doc = kent.json(
        "pack", "--branch", "top-tier-2014", "--against", "proposal-2013-10", "-o", str(out)
    )
    assert doc["against"]["branch"] == "proposal-2013-10"
    html = (out / "top-tier-2014-consultation-pack.html").read_text(encoding="utf-8")
    # after the summary, before the charts
    assert html.index('id="summary"') < html.index('id="against"') < html.index('id="charts"')
    part = section(html)
    assert "What changed as a result of consultation" in part
    found = rows(part)

    # 8.4: the Director of Communication post, kept in the proposal, deleted by the decision
    deleted = step("kcc-2014-top-tier", "delete_post", id="dir-comms")
    title = step("kcc-2013-baseline", "create_post", id="dir-comms")["title"]
    cells = found["dir-comms"]
    assert cells[0].startswith(title)
    assert cells[1] == "deleted"
    assert cells[3] == "deleted"
    assert deleted["reason"] == "deleted after consultation"
    assert deleted["reason"] in cells[4] and deleted["source"] in cells[4]

    # 8.3: Virtual Schools Kent placed differently: Education in the proposal, still in
    # Specialist Children's Services in the decision; the difference is the proposal's move
    moved = step("kcc-2013-proposal", "move_unit", id="vsk")
    home = step("kcc-2013-baseline", "create_unit", id="vsk")["parent"]
    cells = found["vsk"]
    assert cells[0].startswith(unit_name("vsk"))
    assert "placed differently" in cells[1]
    assert cells[2] == f"in {unit_name(moved['parent'])}"
    assert cells[3] == f"in {unit_name(home)}"
    assert "proposed, not made (proposal-2013-10)" in cells[4]
    assert moved["reason"] in cells[4] and moved["source"] in cells[4]

    # the section lists what `orgsim diff --against` lists, units and posts alike
    diff = kent.json(
        "diff", "--branch", "top-tier-2014", "--against", "proposal-2013-10",
        "--at", doc["proposed"], "--json",
    )  # fmt: skip
    listed = {r["id"] for r in diff["units"]} | {r["id"] for r in diff["posts"]}
    assert set(found) == listed
    assert doc["against"]["units"] == len({r["id"] for r in diff["units"]})

    # collective version: no names, no person ids, in the section or anywhere in the pack
    text = htmllib.unescape(html)
    for name in people_names():
        assert name not in text
    assert not re.search(r"(?<![\w-])p0\d\d(?![\w-])", text)
    # the rebuild command in the footer gives the same pack
    assert "--against proposal-2013-10" in text

    pdf = subprocess.run(
        ["pdftotext", "-layout", str(out / "top-tier-2014-consultation-pack.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    flat = " ".join(pdf.split())
    assert "What changed as a result of consultation" in flat
    assert "deleted after consultation" in flat


def test_without_against_there_is_no_such_section(kent: CLI, tmp_path: Path):
    out = tmp_path / "plain"
    kent.json("pack", "--branch", "top-tier-2014", "--format", "html", "-o", str(out))
    html = (out / "top-tier-2014-consultation-pack.html").read_text(encoding="utf-8")
    assert 'id="against"' not in html
    assert "What changed as a result of consultation" not in html


@pytest.mark.parametrize(
    "other, message",
    [
        ("no-such-branch", "unknown branch 'no-such-branch'"),
        ("top-tier-2014", "--against top-tier-2014: give a branch other than the pack's own"),
    ],
)
def test_bad_against_writes_nothing(kent: CLI, tmp_path: Path, other: str, message: str):
    out = tmp_path / "nope"
    result = kent("pack", "--branch", "top-tier-2014", "--against", other, "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
