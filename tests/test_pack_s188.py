"""The pack's s188 section covers what TULRCA 1992 s188(4) lists (issue 12)."""

from __future__ import annotations

from pathlib import Path

from conftest import CLI
from test_pack import council, council_store, pack, tables  # noqa: F401


def test_s188_disclosure_covers_what_the_statute_lists(council: CLI, tmp_path: Path):  # noqa: F811
    """TULRCA 1992 s188(4)(a)-(f). The "short" restructure deletes 22 grade G1 officer
    posts of the 24 G1 posts held (test_pack.restructure_script), under the Kent policy
    (75%, same grade), taking effect on 1 April 2021."""
    _doc, files = pack(council, tmp_path, "--branch", "short", "--format", "html")
    found = tables(files["html"].read_text(encoding="utf-8"))
    rows = {r[0]: r for r in found["TULRCA 1992 s188(4): information for the representatives"][1:]}
    assert list(rows) == ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)"]
    assert "Reasons" in rows["(a)"][1]
    assert "22 in all" in rows["(b)"][2] and "Grade G1: 22 post holders" in rows["(b)"][2]
    assert "Grade G1: 24 employed" in rows["(c)"][2]
    assert "at least 75%" in rows["(d)"][2] and "same grade" in rows["(d)"][2]
    assert "from 1 April 2021" in rows["(e)"][2]
    assert "Employment Rights Act 1996 s162" in rows["(f)"][2]
