"""Org charts with Graphviz: plain charts and change charts of any branch at any date.

The pipeline is: read models (:class:`~orgsim.domain.structure.Structure`) →
:func:`build_tree` (a :class:`ChartTree` with change statuses) → :func:`draw` (boxes and
lines, per layout) → :func:`to_dot` (deterministic DOT text) → :func:`render` (Graphviz
``dot``; pages and split files). :func:`chart_tree` does the first step from a store, for
the CLI; a pack calls :func:`build_tree` itself on the read models it has already built
(:mod:`orgsim.pack.charts`), and renders its pages through :func:`dot_source` and Graphviz
with many pages to one ``dot`` process. :func:`chart_bytes` is the whole pipeline for the
Python API, from read models to bytes in memory.

The DOT text is written here, not with the ``graphviz`` Python package: that package
parses a colon in an edge's end as ``node:port`` (our box ids are ``n:p:ID``), formats
DOT its own way (so files would no longer be byte-identical to earlier ones), and cannot
pass ``SOURCE_DATE_EPOCH`` to one ``dot`` run without changing the process environment.
It would still need the ``dot`` program, so it adds nothing but a dependency.
"""

from __future__ import annotations

import datetime as dt

from orgsim.charts.dot import Heading, to_dot
from orgsim.charts.layouts import LAYOUTS, Layout, draw, split_pages, split_units
from orgsim.charts.model import ChartError, ChartNode, ChartTree, Level, build_tree
from orgsim.charts.render import (
    ChartOptions,
    GraphvizMissing,
    dot_source,
    find_dot,
    output_format,
    render,
    render_bytes,
    run_dot,
)
from orgsim.domain.structure import Structure
from orgsim.store.branches import BranchReader

__all__ = [
    "LAYOUTS",
    "ChartError",
    "ChartNode",
    "ChartOptions",
    "ChartTree",
    "GraphvizMissing",
    "Heading",
    "build_tree",
    "chart_bytes",
    "chart_tree",
    "dot_source",
    "draw",
    "find_dot",
    "heading_for",
    "output_format",
    "render",
    "render_bytes",
    "run_dot",
    "split_pages",
    "split_units",
    "to_dot",
]


def heading_for(
    tree: ChartTree,
    branch: str,
    at: dt.date,
    *,
    known_at: dt.datetime | None = None,
    since: dt.date | None = None,
    against: str | None = None,
    root: str | None = None,
    depth: int | None = None,
    collapse_below: int | None = None,
    structure: Structure | None = None,
) -> Heading:
    """The chart's title and subtitle lines (no clock time: reproducible); ``structure``
    (the charted read model) gives the organisation-wide displaced count."""
    lines = []
    when = f"branch {branch} at {at.isoformat()}"
    if known_at is not None:
        when += f", as known at {known_at.isoformat()}"
    lines.append(when)
    if since is not None:
        lines.append(f"changes since {since.isoformat()}")
    if against is not None:
        lines.append(f"changes against branch {against} at {at.isoformat()}")
    scope = []
    if root is not None:
        info = tree.units.get(root)
        scope.append(f"under {info[0] if info else root}")
    if depth is not None:
        scope.append(f"{depth} level{'s' if depth != 1 else ''}")
    if collapse_below is not None:
        scope.append(f"folded below level {collapse_below}")
    displaced = len(structure.displaced) if structure is not None and tree.level == "posts" else 0
    return Heading(tree.title, tuple(lines), tuple(scope), displaced)


def chart_tree(
    reader: BranchReader,
    branch: str,
    at: dt.date,
    *,
    known_at: dt.datetime | None = None,
    since: dt.date | None = None,
    against: str | None = None,
    level: Level = "posts",
    root: str | None = None,
    names: bool = False,
    depth: int | None = None,
    collapse_below: int | None = None,
) -> tuple[ChartTree, Heading]:
    """The tree and heading of a chart of ``branch`` at ``at``, or of its changes since a
    date or against another branch. Raises UnknownBranch / ChartError."""
    if since is not None and against is not None:
        raise ChartError("give a date to compare with or another branch, not both")
    if since is not None and since > at:
        raise ChartError(f"the earlier date {since} is after the chart date {at}")
    log = reader.load(branch)
    after = Structure.from_state(branch, at, log.timeline.state_at(at, known_at))
    before = None
    if since is not None:
        before = Structure.from_state(branch, since, log.timeline.state_at(since, known_at))
    elif against is not None:
        other = reader.load(against).timeline.state_at(at, known_at)
        before = Structure.from_state(against, at, other)
    tree = build_tree(after, level=level, before=before, root=root, names=names)
    heading = heading_for(
        tree,
        branch,
        at,
        known_at=known_at,
        since=since,
        against=against,
        root=root,
        depth=depth,
        collapse_below=collapse_below,
        structure=after,
    )
    return tree, heading


def chart_bytes(
    after: Structure,
    *,
    fmt: str = "svg",
    before: Structure | None = None,
    level: Level = "posts",
    root: str | None = None,
    depth: int | None = None,
    names: bool = False,
    layout: Layout | None = None,
) -> bytes:
    """A chart of ``after`` (a change chart against ``before`` if given) as ``fmt`` —
    ``svg``, ``png``, ``pdf`` or ``dot`` — rendered in memory, no file written.

    ``before`` of the same branch is an earlier date ("changes since"); of another branch,
    the other branch ("changes against"). The same trees, layouts, Graphviz styles and
    reproducible bytes as ``orgsim chart``. Raises :class:`ChartError` (and
    :class:`GraphvizMissing` when ``dot`` is needed and not installed)::

        from orgsim.charts import chart_bytes
        from orgsim.domain.structure import Structure

        svg = chart_bytes(Structure.from_state("main", day, state))
    """
    since = against = None
    if before is not None:
        if before.branch == after.branch:
            since = before.at
        else:
            against = before.branch
    tree = build_tree(after, level=level, before=before, root=root, names=names)
    heading = heading_for(
        tree,
        after.branch,
        after.at,
        since=since,
        against=against,
        root=root,
        depth=depth,
        structure=after,
    )
    options = ChartOptions(layout=layout or "stacked", depth=depth)
    return render_bytes(tree, heading, fmt, options)
