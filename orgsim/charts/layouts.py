"""From a chart tree to the boxes and lines Graphviz lays out.

Layouts (``--layout``):

- ``naive``: every node its own box, children side by side. Wide, and slow in ``dot``
  beyond a few thousand posts;
- ``stacked`` (default): a manager's leaf reports are stacked in one vertical list box
  under it, so a team of twelve is one column, not a row of twelve;
- ``hanging``: as stacked, and the bottom two levels are folded into one indented list
  per manager (the "hanging" layout of office chart tools).

``depth`` cuts the tree after that many levels (roots are level 1); ``collapse_below``
replaces everything below that level by one "+N" box per node. ``split_pages`` cuts a tree
into one page per directorate plus an index page whose stubs point to them; each page's
top boxes hang from a stub naming their manager on the other page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from orgsim.charts.tree import STATUSES, ChartError, ChartNode, ChartTree

Layout = Literal["naive", "stacked", "hanging"]
LAYOUTS = ("naive", "stacked", "hanging")


@dataclass
class Box:
    """One Graphviz node: a single card, a list of cards, or a "+N" summary."""

    id: str
    kind: str  #: card | list | more
    rows: list[tuple[int, str]] = field(default_factory=list)  #: (indent, node key)
    count: int = 0  #: more: nodes folded
    counts: dict[str, int] = field(default_factory=dict)  #: more: by status
    status: str = "unchanged"


@dataclass
class Drawing:
    tree: ChartTree
    boxes: list[Box]
    edges: list[tuple[str, str, str]]  #: (from box, to box, status of the child)


#: Up to this many nodes, "stacked" hangs each leaf from a vertical line beside the list
#: (one box per post, tops aligned on each rank); above it, Graphviz's rank constraints
#: get slow (30 s for 5,000 posts against 1 s), so the leaves become one list box.
SPINE_LIMIT = 1000


def draw(
    tree: ChartTree,
    layout: Layout = "stacked",
    depth: int | None = None,
    collapse_below: int | None = None,
    spine_limit: int = SPINE_LIMIT,
) -> Drawing:
    if layout not in LAYOUTS:
        raise ChartError(f"unknown layout {layout!r} (use {', '.join(LAYOUTS)})")
    boxes: list[Box] = []
    edges: list[tuple[str, str, str]] = []
    nodes = tree.nodes
    spine = len(nodes) <= spine_limit

    def kids(key: str, level: int) -> list[str]:
        if depth is not None and level >= depth:
            return []
        return tree.children.get(key, [])

    def collapsed(key: str, level: int) -> bool:
        return collapse_below is not None and level >= collapse_below and bool(kids(key, level))

    def is_leaf(key: str, level: int) -> bool:
        return not kids(key, level)

    def hangs(key: str, level: int) -> bool:
        """All children are leaves or have only leaf children, and some have children."""
        if collapse_below is not None and level + 1 >= collapse_below:
            return False
        below = kids(key, level)
        if not below:
            return False
        some = False
        for child in below:
            grand = kids(child, level + 1)
            if grand:
                some = True
                if any(kids(g, level + 2) for g in grand):
                    return False
        return some

    def emit(key: str, level: int) -> None:
        node = nodes[key]
        boxes.append(Box(f"n:{key}", "card", [(0, key)], status=node.status))
        below = kids(key, level)
        if not below:
            return
        if collapsed(key, level):
            folded = [k for c in below for k in tree.subtree(c)]
            counts = {s: 0 for s in STATUSES}
            for k in folded:
                if nodes[k].kind != "stub":
                    counts[nodes[k].status] += 1
            box = Box(f"m:{key}", "more", count=len(folded), counts=counts)
            boxes.append(box)
            edges.append((f"n:{key}", box.id, "unchanged"))
            return
        if layout == "hanging" and hangs(key, level):
            rows: list[tuple[int, str]] = []
            for child in below:
                rows.append((0, child))
                rows.extend((1, g) for g in kids(child, level + 1))
            box = Box(f"h:{key}", "list", rows)
            boxes.append(box)
            edges.append((f"n:{key}", box.id, "unchanged"))
            return
        if layout == "naive":
            stacked: list[str] = []
        else:
            stacked = [c for c in below if is_leaf(c, level + 1)]
            if len(stacked) < 2:
                stacked = []
        for child in below:
            if child in stacked:
                continue
            edges.append((f"n:{key}", f"n:{child}", nodes[child].status))
            emit(child, level + 1)
        if stacked and spine:
            # a vertical line of points under the manager, each leaf beside its point
            for i, child in enumerate(stacked):
                point = f"s:{key}:{i}"
                boxes.append(Box(point, "point", [(0, child)]))
                edges.append((f"n:{key}" if i == 0 else f"s:{key}:{i - 1}", point, "spine"))
                boxes.append(Box(f"n:{child}", "card", [(0, child)], status=nodes[child].status))
                edges.append((point, f"n:{child}", "hang:" + nodes[child].status))
        elif stacked:
            box = Box(f"l:{key}", "list", [(0, c) for c in stacked])
            boxes.append(box)
            edges.append((f"n:{key}", box.id, "unchanged"))

    for root in tree.roots:
        emit(root, 1)
    return Drawing(tree, boxes, edges)


# --- pages -------------------------------------------------------------------------------


@dataclass
class Page:
    slug: str  #: "" for the index (whole chart), else the directorate's file suffix
    heading: str  #: "" for the index
    tree: ChartTree


def slugify(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "unit"


def file_slugs(units: list[str]) -> dict[str, str]:
    """A file-name part per unit, unique even where slugs collide: ``a/b``, ``a?b`` and
    ``a b`` all slugify to ``a-b``, and ``A`` and ``a`` are one file on a case-blind
    disk, so each of a colliding group gets a short hash of its id (deterministic)."""
    import hashlib

    groups: dict[str, list[str]] = {}
    for unit in units:
        groups.setdefault(slugify(unit).lower(), []).append(unit)
    out: dict[str, str] = {}
    for members in groups.values():
        for unit in members:
            slug = slugify(unit)
            if len(members) > 1:
                slug += "-" + hashlib.sha256(unit.encode("utf-8")).hexdigest()[:8]
            out[unit] = slug
    return out


def _directorate_of(tree: ChartTree, unit: str | None, split_units: set[str]) -> str | None:
    """The outermost split unit that ``unit`` sits in (or is)."""
    found = None
    seen = 0
    while unit is not None and seen <= len(tree.units):
        if unit in split_units:
            found = unit
        info = tree.units.get(unit)
        unit = info[2] if info else None
        seen += 1
    return found


def split_units(tree: ChartTree, by: str = "directorate") -> list[str]:
    """Units to split by: directorates holding something drawn, by name; a directorate
    that holds everything drawn (a chart of one division) is no split at all."""
    if by != "directorate":
        raise ChartError(f"cannot split by {by!r} (use: directorate)")
    holding: dict[str, int] = {}
    drawn = 0
    for node in tree.nodes.values():
        if node.kind == "stub":
            continue
        drawn += 1
        unit = node.unit
        seen = 0
        while unit is not None and seen <= len(tree.units):
            info = tree.units.get(unit)
            if info is None:
                break
            if info[1] == "directorate":
                holding[unit] = holding.get(unit, 0) + 1
            unit = info[2]
            seen += 1
    found = [u for u, n in holding.items() if n < drawn]
    return sorted(found, key=lambda u: (tree.units[u][0].casefold(), u))


def split_pages(
    tree: ChartTree,
    units: list[str],
    link: str = "file",
    names: dict[str, str] | None = None,
    index_name: str | None = None,
) -> list[Page]:
    """One page per unit in ``units`` plus an index page (first) with stubs for them.

    ``link`` says how a stub names another page: "file" (``names[unit]``, and
    ``index_name`` for the index), "page" (the page's title) or "number" ("chart page
    N", pages numbered from the index as 1). A deleted post (a ghost) goes on its old
    manager's page, so it is drawn where it was; a page's top node whose manager (or
    parent unit) is on another page hangs from an "above" stub naming that manager and
    page, so no box on a page is left without its line.
    """
    chosen = set(units)
    order = tree.preorder()
    home: dict[str, str | None] = {}
    for key in order:
        node = tree.nodes[key]
        place = _directorate_of(tree, node.unit, chosen)
        up = tree.parent.get(key)
        if node.status == "deleted" and up is not None and home.get(up) is not None:
            place = home[up]  # where it was: under its old manager
        home[key] = place
    members = {unit: [k for k in order if home[k] == unit] for unit in units}
    drawn = [u for u in units if members[u]]
    number = {u: i for i, u in enumerate(drawn, start=2)}

    def target(unit: str | None) -> tuple[str, str | None]:
        """How a stub names the page of ``unit`` (None: the index), and the file."""
        if link == "file" and names:
            name = names[unit] if unit is not None else index_name
            return (name or "the index"), name
        if link == "number":
            return f"chart page {number[unit] if unit is not None else 1}", None
        if unit is None:
            return "the overview page", None
        return f"page '{tree.units[unit][0]}'", None

    pages: list[Page] = []
    slugs = file_slugs(list(units))
    stubs: dict[str, list[ChartNode]] = {}
    top_stubs: list[ChartNode] = []
    for unit in drawn:
        keys = members[unit]
        sub = tree.restricted(keys)
        name, kind, _ = tree.units[unit]
        counts = sub.counts()
        where, href = target(unit)
        stub = ChartNode(
            key=f"s:{unit}",
            kind="stub",
            id=unit,
            title=name,
            unit_kind=kind,
            unit=unit,
            unit_name=name,
            link=where,
            href=href,
            count=len(keys),
            counts=counts,
        )
        # the stub goes where the directorate's first top node hangs on the index
        owner = None
        for root in sub.roots:
            up = tree.parent.get(root)
            if up is not None and home.get(up) is None:
                owner = up
                break
        if owner is None:
            top_stubs.append(stub)
        else:
            stubs.setdefault(owner, []).append(stub)
        _hang_from_above(tree, sub, home, target)
        pages.append(Page(slugs[unit], name, sub))
    index_keys = [k for k in order if home[k] is None]
    index = tree.restricted(index_keys, stubs, top_stubs)
    return [Page("", "", index), *pages]


def _hang_from_above(
    tree: ChartTree,
    page: ChartTree,
    home: dict[str, str | None],
    target: Callable[[str | None], tuple[str, str | None]],
) -> None:
    """Give each top node of ``page`` whose manager is on another page an "above" stub
    (one per manager) naming the manager and that page, in the top node's place."""
    roots: list[str] = []
    for root in page.roots:
        up = tree.parent.get(root)
        if up is None or up in page.nodes or page.nodes[root].kind == "stub":
            roots.append(root)
            continue
        key = f"s:above:{up}"
        if key not in page.nodes:
            manager = tree.nodes[up]
            where, href = target(home.get(up))
            page.nodes[key] = ChartNode(
                key=key,
                kind="stub",
                id=manager.id,
                title=manager.title,
                link=where,
                href=href,
                above=True,
            )
            page.parent[key] = None
            page.children[key] = []
            roots.append(key)
        page.parent[root] = key
        page.children[key].append(root)
    page.roots[:] = roots
