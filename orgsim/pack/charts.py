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

import re
from dataclasses import replace

from orgsim.charts import (
    ChartOptions,
    Heading,
    build_tree,
    dot_source,
    heading_for,
    run_dot,
    split_pages,
)
from orgsim.charts.dot import legend
from orgsim.charts.layouts import Layout
from orgsim.charts.model import ChartTree, Level
from orgsim.charts.render import page_units, run_dot_svgs
from orgsim.charts.tree import ChartNode
from orgsim.domain.structure import Structure
from orgsim.pack.figures import ChartFigure, ChartPage

#: The drawing area of a printed chart page, in points: A4 less margins, and less the
#: section heading of the first chart page (pack.css caps the drawing at 126 mm high on a
#: landscape page with the heading, 200 mm on a portrait one), so that the printed size
#: worked out here is never larger than what Chromium prints.
LANDSCAPE = (770.0, 357.0)
PORTRAIT = (510.0, 567.0)
#: No chart text prints smaller than this (points): a chart whose smallest text would is
#: split into an overview and one page per directorate, and a directorate too big for a
#: page is split again by its divisions, rather than shrunk.
MIN_TEXT_PT = 7.0
#: How deep :func:`_pages` splits (directorates, divisions, services).
MAX_SPLITS = 3
#: Graphviz measures text with the font it is given and Chromium draws the SVG with the
#: font the SVG names: the pack gives Graphviz a font that is installed (fonts-dejavu-core,
#: also the pack's body font), so both use the same one and titles sit centred.
PACK_FONT = "DejaVu Sans"
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


_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')


def smallest_text(svg: str) -> float:
    """The smallest font size in the SVG, in its own units (points for Graphviz)."""
    sizes = [float(m) for m in _FONT_SIZE.findall(svg)]
    return min(sizes) if sizes else 14.0


def printed_text(page: ChartPage) -> float:
    """The smallest chart text of ``page`` as printed, in points."""
    return smallest_text(page.svg) * fit(page.width, page.height)[1]


class _Dot:
    """Graphviz for the pack's pages: the first drawing of each of a chart's sibling pages
    is rendered ahead, all in one ``dot`` process (:func:`run_dot_svgs`), and handed out
    when that page is drawn; anything else (a second layout) runs alone. Each SVG is
    the bytes ``dot`` writes for that source alone."""

    def __init__(self) -> None:
        self.ready: dict[str, bytes] = {}

    def ahead(self, sources: list[str]) -> None:
        todo = [s for s in dict.fromkeys(sources) if s not in self.ready]
        self.ready.update(zip(todo, run_dot_svgs(todo), strict=True))

    def svg(self, source: str) -> bytes:
        done = self.ready.pop(source, None)
        return done if done is not None else run_dot(source, "svg")


def _source(tree: ChartTree, heading: Heading, layout: Layout) -> str:
    source = dot_source(tree, heading, ChartOptions(layout=layout))
    source = source.replace('fontname="Helvetica"', f'fontname="{PACK_FONT}"')
    if tree.change:  # the legend row is as wide as a page; the caption says it in words
        source = source.replace(f'<TR><TD ALIGN="LEFT">{legend(tree.level)}</TD></TR>', "")
    return source


def _svg(
    dot: _Dot, tree: ChartTree, heading: Heading, prefix: str, label: str, title: str
) -> ChartPage:
    """One page: ``heading`` is drawn (kept short: a long title would widen the drawing
    and shrink its text), ``title`` is the page's full title for the caption. Leaves are
    stacked under their manager; a drawing that is then too tall to print legibly is
    drawn naive (leaves side by side) when that prints its text larger."""
    best: ChartPage | None = None
    for layout in ("stacked", "naive"):
        page = _draw(dot, tree, heading, prefix, label, title, layout)
        if best is None or printed_text(page) > printed_text(best) + 0.05:
            best = page
        if printed_text(best) >= MIN_TEXT_PT:
            break
    assert best is not None
    return best


def _draw(
    dot: _Dot,
    tree: ChartTree,
    heading: Heading,
    prefix: str,
    label: str,
    title: str,
    layout: Layout,
) -> ChartPage:
    svg, width, height = inline_svg(dot.svg(_source(tree, heading, layout)), prefix, label)
    return ChartPage(title, svg, width, height, fit(width, height)[0])


def _pages(
    dot: _Dot,
    tree: ChartTree,
    heading: Heading,
    prefix: str,
    label: str,
    title: str,
    depth: int = 0,
) -> list[ChartPage]:
    """The chart on one page when its smallest text prints at :data:`MIN_TEXT_PT` or more;
    else an overview and one page per directorate, each split again if need be."""
    whole = _svg(dot, tree, heading, prefix, label, title)
    if printed_text(whole) >= MIN_TEXT_PT or depth >= MAX_SPLITS:
        return [whole]
    units = page_units(tree)
    pages = split_pages(tree, units, "number" if depth == 0 else "page") if units else []
    if sum(1 for page in pages if page.slug) < 2:  # no smaller units: share out the leaves
        return _leaf_pages(dot, tree, heading, prefix, label, title, whole)
    calls = []
    for number, page in enumerate(pages, start=1):
        if not page.slug:
            where = "overview, one page per unit follows"
            sub_title, drawn = title, heading.title
        else:
            where = f"{page.heading}"
            sub_title, drawn = f"{title}: {page.heading}", page.heading
        line = f"chart page {number} of {len(pages)}: {where}"
        calls.append(
            (
                page.tree,
                replace(
                    heading, title=drawn, lines=(*heading.lines[:1], line) if depth == 0 else ()
                ),
                f"{prefix}-{number}",
                f"{label}, part {number}",
                sub_title,
            )
        )
    dot.ahead([_source(call[0], call[1], "stacked") for call in calls])
    out = []
    for call in calls:
        out += _pages(dot, *call, depth + 1)
    return out


def _leaf_pages(
    dot: _Dot,
    tree: ChartTree,
    heading: Heading,
    prefix: str,
    label: str,
    title: str,
    whole: ChartPage,
) -> list[ChartPage]:
    """A unit too big for a page that no smaller unit splits: the posts of the manager
    with the most leaf posts (posts with no reports) are shared out over as few pages as
    keep its text at :data:`MIN_TEXT_PT`, each page showing the rest as a "continued"
    box under that manager."""
    leaves_of = {
        key: [c for c in kids if not tree.children.get(c)]
        for key, kids in tree.children.items()
        if tree.nodes[key].kind != "stub"
    }
    manager = max(leaves_of, key=lambda k: (len(leaves_of[k]), k), default=None)
    if manager is None or len(leaves_of[manager]) < 2:
        return [whole]
    leaves = leaves_of[manager]
    for parts in range(2, len(leaves) + 1):
        size = -(-len(leaves) // parts)
        chunks = [leaves[i : i + size] for i in range(0, len(leaves), size)]
        calls = []
        for number, chunk in enumerate(chunks, start=1):
            others = [k for k in leaves if k not in chunk]
            keep = [k for k in tree.nodes if k not in others]
            stub = ChartNode(
                key=f"s:{prefix}-more-{number}",
                kind="stub",
                id="",
                title=f"{tree.nodes[manager].title}: more reports",
                count=len(others),
                link=f"the other parts of this page ({len(chunks)} in all)",
            )
            part = tree.restricted(keep, extra={manager: [stub]})
            calls.append(
                (
                    part,
                    replace(heading, lines=(*heading.lines, f"part {number} of {len(chunks)}")),
                    f"{prefix}-part{number}",
                    f"{label}, part {number}",
                    f"{title} (part {number} of {len(chunks)})",
                )
            )
        dot.ahead([_source(call[0], call[1], "stacked") for call in calls])
        out = [_svg(dot, *call) for call in calls]
        if all(printed_text(page) >= MIN_TEXT_PT for page in out) or size == 1:
            return out
    return [whole]


def _tree(
    structure: Structure, since: Structure | None, names: bool, level: Level = "posts"
) -> tuple[ChartTree, Heading]:
    """The tree and heading :func:`orgsim.charts.chart_tree` makes for ``orgsim chart``,
    from the pack's own read models rather than a second read and fold of the branch."""
    tree = build_tree(structure, level=level, before=since, names=names)
    heading = heading_for(
        tree,
        structure.branch,
        structure.at,
        since=since.at if since is not None else None,
        structure=structure,
    )
    return tree, heading


def chart_figures(
    before: Structure,
    after: Structure,
    *,
    names: bool,
    organisation: str,
) -> list[ChartFigure]:
    """The current (``before``), proposed (``after``) and change charts. Raises ChartError
    (e.g. no Graphviz)."""
    current, proposed = before.at, after.at
    dot = _Dot()
    figures = []
    specs = [
        (
            "current",
            f"{organisation}: current structure",
            before,
            None,
            f"The structure on {current.isoformat()}, before the proposal takes effect.",
        ),
        (
            "proposed",
            f"{organisation}: proposed structure",
            after,
            None,
            f"The structure on {proposed.isoformat()}, with the proposal in effect.",
        ),
        (
            "change",
            f"{organisation}: what changes",
            after,
            before,
            f"Changes between {current.isoformat()} and {proposed.isoformat()}: new posts have "
            "a bold frame and rounded corners, moved posts a dashed frame, retitled or regraded "
            "posts a double frame, and deleted posts a dotted frame with the title struck "
            "through, drawn where they were. Each is also marked in words (NEW, MOVED, "
            "CHANGED, DELETED), so the chart reads in black and white.",
        ),
    ]
    for key, title, structure, since, caption in specs:
        tree, heading = _tree(structure, since, names)
        note = ""
        posts = sum(1 for n in tree.nodes.values() if n.kind == "post")
        if posts > POST_LIMIT:
            tree, heading = _tree(structure, since, names, level="units")
            note = (
                f"The structure has {posts} posts, too many to read on paper: this chart "
                "shows units. Post charts per directorate: orgsim chart --split directorate."
            )
        short = {"current": "Current structure", "proposed": "Proposed structure"}
        drawn = replace(heading, title=short.get(key, "What changes"))
        pages = _pages(dot, tree, drawn, f"chart-{key}", title, title)
        figures.append(ChartFigure(key, title, caption, pages, note))
    return figures
