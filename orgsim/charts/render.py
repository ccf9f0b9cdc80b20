"""Running Graphviz: the output format from the file's suffix, pages, split files.

``dot`` is a system program (Debian package ``graphviz``). When it is missing, rendering
fails with :class:`GraphvizMissing`, one line telling how to install it; writing ``.dot``
never needs it. Every output is built in memory first, so a failure writes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from orgsim.charts import pdf
from orgsim.charts.dot import Heading, to_dot
from orgsim.charts.layouts import Layout, draw, file_slugs, split_pages, split_units
from orgsim.charts.tree import ChartError, ChartTree

FORMATS = {".svg": "svg", ".pdf": "pdf", ".png": "png", ".dot": "dot", ".gv": "dot"}
#: PDF readers refuse pages over 200 inches; 1 inch is 72 points.
PDF_MAX_POINTS = 200 * 72
PDF_PAGE_CAP = "195,195"
#: Past this many boxes a PDF is paginated without first trying one page.
PDF_TRY_ONE_PAGE = 1500

INSTALL_HINT = (
    "install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS), or see graphviz.org/download; "
    "a .dot file is written without it"
)


class GraphvizMissing(ChartError):
    pass


@dataclass(frozen=True)
class ChartOptions:
    layout: Layout = "stacked"
    depth: int | None = None
    collapse_below: int | None = None
    split: str | None = None


def output_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ChartError(
            f"unknown chart format {path.suffix or '(no suffix)'!r} (use .svg, .pdf, .png or .dot)"
        ) from None


def find_dot() -> str:
    found = shutil.which("dot")
    if found is None:
        raise GraphvizMissing(f"Graphviz 'dot' was not found on PATH: {INSTALL_HINT}")
    return found


def run_dot(source: str, fmt: str, program: str | None = None) -> bytes:
    """Lay out and render DOT text with Graphviz ``dot``; return the output bytes."""
    program = program or find_dot()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError as error:
        raise GraphvizMissing(
            f"cannot run Graphviz 'dot' ({error.strerror}): {INSTALL_HINT}"
        ) from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ChartError(f"Graphviz dot failed: {message[-1] if message else 'no output'}")
    return done.stdout


#: How Graphviz starts each SVG it writes.
_PROLOG = b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
#: Graphviz 2.43 names the group of each graph after the first in one run "page0,1_graph0"
#: (a page counter it does not reset); run alone, each is "graph0".
_LATER_GRAPH = re.compile(rb'<g id="page\d+,\d+_graph0" class="graph"')
_GRAPH = b'<g id="graph0" class="graph"'


def run_dot_svgs(sources: list[str], program: str | None = None) -> list[bytes]:
    """Each DOT text as SVG, the same bytes as :func:`run_dot` gives each alone, from one
    ``dot`` process: a pack draws thousands of small pages, and starting ``dot`` took
    most of the time of each. When the joint run fails or its output does not split into
    one SVG per source, each is run alone (so an error is that source's own)."""
    if len(sources) < 2:
        return [run_dot(source, "svg", program) for source in sources]
    try:
        joint = run_dot("\n".join(sources), "svg", program)
    except GraphvizMissing:
        raise
    except ChartError:
        joint = b""
    parts = joint.split(_PROLOG)
    if parts[0] != b"" or len(parts) != len(sources) + 1 or _GRAPH not in parts[1]:
        return [run_dot(source, "svg", program) for source in sources]
    out = [_PROLOG + parts[1]]
    out += [_PROLOG + _LATER_GRAPH.sub(_GRAPH, part, count=1) for part in parts[2:]]
    return out


def dot_source(
    tree: ChartTree, heading: Heading, options: ChartOptions, size: str | None = None
) -> str:
    drawing = draw(tree, options.layout, options.depth, options.collapse_below)
    return to_dot(drawing, heading, size=size)


def _render(
    tree: ChartTree, heading: Heading, options: ChartOptions, fmt: str, size: str | None = None
) -> bytes:
    source = dot_source(tree, heading, options, size)
    if fmt == "dot":
        return source.encode("utf-8")
    data = run_dot(source, fmt)
    if fmt == "pdf":
        data = pdf.merge([data])  # drops cairo's creation date: reproducible bytes
    return data


def page_units(tree: ChartTree) -> list[str]:
    """Units giving one page each: the child units, holding something drawn, of the
    deepest unit that everything drawn sits in (the directorates, for a whole
    organisation). Fewer than two means the chart cannot be split further."""
    chains: list[list[str]] = []
    for node in tree.nodes.values():
        if node.kind == "stub" or node.unit is None:
            continue
        chain: list[str] = []
        unit: str | None = node.unit
        seen = 0
        while unit is not None and seen <= len(tree.units):
            chain.append(unit)
            info = tree.units.get(unit)
            unit = info[2] if info else None
            seen += 1
        chains.append(chain[::-1])
    if not chains:
        return []
    common = 0
    while all(len(c) > common + 1 for c in chains) and len({c[common] for c in chains}) == 1:
        common += 1
    if len({c[common] for c in chains}) != 1:
        common -= 1
    if common < 0:  # several top units (an organisation and an external body)
        return sorted({c[0] for c in chains}, key=lambda u: (tree.units[u][0].casefold(), u))
    # children of the common unit; nodes in the common unit itself stay on the index
    children = sorted(
        {c[common + 1] for c in chains if len(c) > common + 1},
        key=lambda u: (tree.units[u][0].casefold(), u),
    )
    return children if len(children) >= 2 or any(len(c) == common + 1 for c in chains) else []


def _page_heading(heading: Heading, title: str, number: int | None = None) -> Heading:
    """A page's heading: its directorate in the title; the page number on PDF pages; the
    organisation-wide displaced count on the index only."""
    lines = heading.lines
    if number is not None:
        lines = (*lines, f"page {number}: {title or 'overview'}")
    return replace(
        heading,
        title=f"{heading.title}: {title}" if title else heading.title,
        lines=lines,
        displaced=heading.displaced if not title else 0,
    )


def render(
    tree: ChartTree, heading: Heading, output: Path, options: ChartOptions
) -> dict[Path, bytes]:
    """Every file to write for ``output``: one, or an index plus one per directorate."""
    fmt = output_format(output)
    if fmt != "dot":
        find_dot()
    if options.split is not None:
        units = split_units(tree, options.split)
        if not units:
            raise ChartError(f"cannot split by {options.split}: there is none in this chart")
        stem, suffix = output.stem, output.suffix
        slugs = file_slugs(list(units))
        names = {u: f"{stem}-{slugs[u]}{suffix}" for u in units}
        files: dict[Path, bytes] = {}
        for page in split_pages(tree, units, "file", names, output.name):
            path = output if not page.slug else output.with_name(f"{stem}-{page.slug}{suffix}")
            page_heading = heading if not page.slug else _page_heading(heading, page.heading)
            size = PDF_PAGE_CAP if fmt == "pdf" else None
            files[path] = _render(page.tree, page_heading, options, fmt, size)
        return files
    return {output: render_bytes(tree, heading, fmt, options)}


def render_bytes(tree: ChartTree, heading: Heading, fmt: str, options: ChartOptions) -> bytes:
    """One chart (not split into files) as ``fmt`` (svg, pdf, png or dot), in memory; a
    PDF too big for one page is paginated (:func:`render_pdf`)."""
    if fmt not in FORMATS.values():
        raise ChartError(f"unknown chart format {fmt!r} (use svg, pdf, png or dot)")
    if options.split is not None:
        raise ChartError("a chart split into files cannot be rendered as one document")
    if fmt == "pdf":
        return render_pdf(tree, heading, options)
    return _render(tree, heading, options, fmt)


def render_pdf(tree: ChartTree, heading: Heading, options: ChartOptions) -> bytes:
    """One PDF; a chart too big for one page gets a page per directorate (and, where a
    directorate is still too big, per division...), each below 200 inches."""
    return pdf.merge(_pdf_pages(tree, heading, options, 0))


def _pdf_pages(tree: ChartTree, heading: Heading, options: ChartOptions, depth: int) -> list[bytes]:
    boxes = len(draw(tree, options.layout, options.depth, options.collapse_below).boxes)
    if boxes <= PDF_TRY_ONE_PAGE:
        single = _render(tree, heading, options, "pdf")
        width, height = pdf.page_size(single)
        if max(width, height) <= PDF_MAX_POINTS:
            return [single]
    units = page_units(tree) if depth < 6 else []
    pages = split_pages(tree, units, "page") if units else []
    if len(pages) < 2:
        return [_render(tree, heading, options, "pdf", PDF_PAGE_CAP)]
    documents: list[bytes] = []
    for page in pages:
        page_heading = heading if not page.heading else _page_heading(heading, page.heading)
        if page.tree.nodes:
            documents.extend(_pdf_pages(page.tree, page_heading, options, depth + 1))
    return documents
