"""Org charts with Graphviz: plain charts and change charts of any branch at any date.

The pipeline is: states (:mod:`orgsim.domain`) → :func:`build_tree` (a :class:`ChartTree`
with change statuses) → :func:`draw` (boxes and lines, per layout) → :func:`to_dot`
(deterministic DOT text) → :func:`render` (Graphviz ``dot``; pages and split files).
:func:`chart_tree` does the first step from a store, for the CLI and the packs.
"""

from __future__ import annotations

import datetime as dt

from orgsim.charts.dot import Heading, to_dot
from orgsim.charts.layouts import LAYOUTS, draw, split_pages, split_units
from orgsim.charts.model import ChartError, ChartNode, ChartTree, Level, build_tree
from orgsim.charts.render import (
    ChartOptions,
    GraphvizMissing,
    dot_source,
    find_dot,
    output_format,
    render,
    run_dot,
)
from orgsim.domain.state import OrgState
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
    "chart_tree",
    "dot_source",
    "draw",
    "find_dot",
    "heading_for",
    "output_format",
    "render",
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
    state: OrgState | None = None,
) -> Heading:
    """The chart's title and subtitle lines (no clock time: reproducible)."""
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
    displaced = len(state.displaced()) if state is not None and tree.level == "posts" else 0
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
        raise ChartError("use --since or --against, not both")
    if since is not None and since > at:
        raise ChartError(f"--since {since} is after --at {at}")
    log = reader.load(branch)
    after = log.timeline.state_at(at, known_at)
    before = None
    if since is not None:
        before = log.timeline.state_at(since, known_at)
    elif against is not None:
        before = reader.load(against).timeline.state_at(at, known_at)
    tree = build_tree(
        after, branch=branch, at=at, level=level, before=before, root=root, names=names
    )
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
        state=after,
    )
    return tree, heading
