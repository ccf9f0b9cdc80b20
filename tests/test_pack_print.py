"""The printed pack on A4 (issue 12): chart text never under 7 pt, charts drawn with the
font Graphviz measured them with, table headers unbroken.

Measured on the PDF itself: ``pdftotext -bbox`` gives each word's box, and the running
footer is set at 7 pt (pack.css), so a chart word whose box is lower than the footer's
words prints smaller than 7 pt.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import CLI
from test_pack import council, council_store, pack  # noqa: F401

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<')
PAGE = re.compile(r"<page\b.*?</page>", re.S)


def pages(pdf: Path) -> list[list[tuple[float, str]]]:
    """Per page: (word height in pt, word)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [(float(m[3]) - float(m[1]), m[4]) for m in WORD.findall(page)]
        for page in PAGE.findall(out)
    ]


def test_chart_text_prints_at_7pt_or_more_in_the_font_it_was_measured_with(
    council: CLI,  # noqa: F811
    tmp_path: Path,
):
    _doc, files = pack(council, tmp_path, "--branch", "short")
    html = files["html"].read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    assert charts
    fonts = {f for svg in charts for f in re.findall(r'font-family="([^"]+)"', svg)}
    assert fonts == {"DejaVu Sans"}  # what Graphviz measured with (fc-match finds it)
    assert '"DejaVu Sans"' in html.split("</style>")[0]  # and the page's own font
    printed = pages(files["pdf"])
    footer = [h for h, w in printed[0] if w == "consultation"]  # in the 7pt running footer
    seven = min(footer)
    chart_pages = [p for p in printed if any(w == "Figure" for _, w in p)]
    assert chart_pages
    for page in chart_pages:
        for height, word in page:
            assert height >= seven - 0.05, (word, height, seven)


def test_table_headers_do_not_break_mid_word(council: CLI, tmp_path: Path):  # noqa: F811
    _doc, files = pack(council, tmp_path, "--branch", "short")
    words = {w for page in pages(files["pdf"]) for _, w in page}
    assert "Grade" in words
    assert not {"Grad", "Gra", "Differenc", "Workforc"} & words
