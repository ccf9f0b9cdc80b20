"""The pack's charts: current, proposed and change charts as inline SVG.

Drawn by :mod:`orgsim.charts` (the same trees, layouts and Graphviz styles as
``orgsim chart``); this module only chooses what to draw, splits a chart too big for a
landscape A4 page into an overview and one page per directorate (the chart module's
``split_pages``: a post whose manager is on another page hangs from a "reports to X, on
chart page N" box; a deleted post is drawn on its old manager's page, under that manager),
and makes each SVG safe to inline: no XML prolog or DOCTYPE, ids prefixed so three charts
can share one document, no links, a ``viewBox`` so CSS can scale it to the page.

The figures are plain data (:mod:`orgsim.pack.figures`); this module never imports the
pack's model.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from orgsim.charts import ChartOptions, Heading, chart_tree, dot_source, run_dot, split_pages
from orgsim.charts.model import ChartTree
from orgsim.charts.render import page_units
from orgsim.pack.figures import ChartFigure, ChartPage
from orgsim.store.branches import BranchReader

#: The drawing area of a printed chart page, in points (A4 less margins and caption).
LANDSCAPE = (770.0, 425.0)
PORTRAIT = (510.0, 655.0)
#: A chart that would print smaller than this on either orientation is split into an
#: overview and one page per directorate.
MIN_SCALE = 0.6
#: Past this many posts the structure charts are drawn as units (a post chart of a whole
#: council is for ``orgsim chart --split directorate``, not for a pack).
POST_LIMIT = 400

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"', re.S)


def inline_svg(data: bytes, prefix: str, label: str) -> tuple[str, float, float]:
    """Graphviz SVG made safe to paste into HTML; returns (svg, width pt, height pt)."""
    text = data.decode("utf-8")
    start = text.find("<svg")
    if start < 0:
        raise ValueError("Graphviz did not return an SVG")
    text = text[start:]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    size = _SIZE.search(text)
    width = float(size.group(1)) if size else 0.0
    height = float(size.group(3)) if size else 0.0
    # links: Graphviz writes xlink:href for HREF/URL attributes; a pack links nowhere
    text = re.sub(r'\s(?:xlink:)?href="(?!#)[^"]*"', "", text)
    text = re.sub(r'\starget="[^"]*"', "", text)
    # ids unique across the document
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', text)
    label_attr = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    text = text.replace(
        "<svg",
        f'<svg class="chart" role="img" aria-label="{label_attr}" '
        'preserveAspectRatio="xMidYMin meet"',
        1,
    )
    return text.strip(), width, height


def fit(width: float, height: float) -> tuple[str, float]:
    """The page orientation that prints a drawing largest, and its scale (at most 1:
    charts are never enlarged). Landscape wins a tie."""
    if width <= 0 or height <= 0:
        return "landscape", 1.0
    best = ("landscape", 0.0)
    for name, (w, h) in (("landscape", LANDSCAPE), ("portrait", PORTRAIT)):
        scale = min(1.0, w / width, h / height)
        if scale > best[1] + 1e-9:
            best = (name, scale)
    return best


def _svg(tree: ChartTree, heading: Heading, prefix: str, label: str) -> ChartPage:
    source = dot_source(tree, heading, ChartOptions(layout="stacked"))
    svg, width, height = inline_svg(run_dot(source, "svg"), prefix, label)
    return ChartPage(heading.title, svg, width, height, fit(width, height)[0])


def _pages(tree: ChartTree, heading: Heading, prefix: str, label: str) -> list[ChartPage]:
    whole = _svg(tree, heading, prefix, label)
    if fit(whole.width, whole.height)[1] >= MIN_SCALE:
        return [whole]
    units = page_units(tree)
    pages = split_pages(tree, units, "number") if units else []
    if len(pages) < 2:
        return [whole]
    out = []
    for number, page in enumerate(pages, start=1):
        if not page.slug:
            title = heading.title
            lines = (
                *heading.lines,
                f"chart page 1 of {len(pages)}: overview, one page per directorate follows",
            )
        else:
            title = f"{heading.title}: {page.heading}"
            lines = (*heading.lines, f"chart page {number} of {len(pages)}")
        out.append(
            _svg(
                page.tree,
                replace(heading, title=title, lines=lines),
                f"{prefix}-{number}",
                f"{label}, chart page {number}",
            )
        )
    return out


def chart_figures(
    reader: BranchReader,
    branch: str,
    current: dt.date,
    proposed: dt.date,
    *,
    names: bool,
    organisation: str,
) -> list[ChartFigure]:
    """The current, proposed and change charts. Raises ChartError (e.g. no Graphviz)."""
    figures = []
    specs = [
        (
            "current",
            f"{organisation}: current structure",
            current,
            None,
            f"The structure on {current.isoformat()}, before the proposal takes effect.",
        ),
        (
            "proposed",
            f"{organisation}: proposed structure",
            proposed,
            None,
            f"The structure on {proposed.isoformat()}, with the proposal in effect.",
        ),
        (
            "change",
            f"{organisation}: what changes",
            proposed,
            current,
            f"Changes between {current.isoformat()} and {proposed.isoformat()}: new posts have "
            "a bold frame and rounded corners, moved posts a dashed frame, retitled or regraded "
            "posts a double frame, and deleted posts a dotted frame with the title struck "
            "through, drawn where they were. Each is also marked in words (NEW, MOVED, "
            "CHANGED, DELETED), so the chart reads in black and white.",
        ),
    ]
    for key, title, at, since, caption in specs:
        tree, heading = chart_tree(reader, branch, at, since=since, names=names)
        note = ""
        posts = sum(1 for n in tree.nodes.values() if n.kind == "post")
        if posts > POST_LIMIT:
            tree, heading = chart_tree(reader, branch, at, since=since, names=names, level="units")
            note = (
                f"The structure has {posts} posts, too many to read on paper: this chart "
                "shows units. Post charts per directorate: orgsim chart --split directorate."
            )
        pages = _pages(tree, replace(heading, title=title), f"chart-{key}", title)
        figures.append(ChartFigure(key, title, caption, pages, note))
    return figures
