"""The viewer's pages as template contexts: the tree rows, search hits, a post's panel.

Rows are read from the chart tree (:func:`orgsim.charts.model.build_tree`), so the viewer
shows exactly the statuses, ghosts and holders a change chart draws. At 12,000 posts the
page stays small: the first two levels are open, every other manager is a closed row with
its count of posts below, fetched on click (``/part/children``); a focused post opens only
its own line of managers. In a change view the lines to the changed posts are opened too
(up to :data:`OPEN_CHANGES` of them), so what changed is in sight at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from orgsim.charts.model import ChartTree
from orgsim.errors import BadInput
from orgsim.viewer.data import LRU, ViewerData

OPEN_DEPTH = 2  #: levels open on first paint
OPEN_CHANGES = 300  #: a change view opens the lines to at most this many changed posts
SEARCH_LIMIT = 50
_summaries = LRU(12)


class Summary:
    """Per tree: posts below each node and changed posts below each node."""

    def __init__(self, tree: ChartTree) -> None:
        self.tree = tree
        self.below: dict[str, int] = {}
        self.changed_below: dict[str, int] = {}
        for key in reversed(tree.preorder()):
            kids = tree.children.get(key, [])
            self.below[key] = sum(1 + self.below[k] for k in kids)
            self.changed_below[key] = sum(
                (tree.nodes[k].status != "unchanged") + self.changed_below[k] for k in kids
            )


def summary(tree: ChartTree) -> Summary:
    found: Summary = _summaries.get(id(tree), lambda: Summary(tree))
    if found.tree is not tree:  # an id reused after the tree was dropped
        found = Summary(tree)
        _summaries.items[id(tree)] = found
    return found


def _row(tree: ChartTree, s: Summary, key: str, open_keys: set[str], depth: int) -> dict[str, Any]:
    node = tree.nodes[key]
    kids = tree.children.get(key, [])
    is_open = bool(kids) and (depth < OPEN_DEPTH or key in open_keys)
    return {
        "key": key,
        "id": node.id,
        "title": node.title,
        "grade": node.grade,
        "unit": node.unit_name or node.unit,
        "status": node.status,
        "changes": node.changes,
        "notes": node.notes,
        "fte": format(node.fte.normalize(), "f"),
        "holders": node.holders,
        "acting": node.acting,
        "displaced": node.displaced,
        "vacant": node.vacant,
        "names": node.names,
        "external": node.external,
        "count": len(kids),
        "below": s.below.get(key, 0),
        "changed_below": s.changed_below.get(key, 0),
        "open": is_open,
        "children": [_row(tree, s, k, open_keys, depth + 1) for k in kids] if is_open else [],
    }


def _line(tree: ChartTree, key: str) -> list[str]:
    """The key and its ancestors in the tree."""
    out = []
    current: str | None = key
    while current is not None and current not in out:
        out.append(current)
        current = tree.parent.get(current)
    return out


def _post_key(tree: ChartTree, post: str, what: str) -> str:
    key = f"p:{post}"
    if key not in tree.nodes:
        raise BadInput(f"unknown post {post!r} for {what} in this view")
    return key


def link_of(branch: str, at: dt.date, since: dt.date | None, against: str | None) -> str:
    """The query string that names a view (branch, date, change view)."""
    params = {"branch": branch, "at": at.isoformat()}
    if since is not None:
        params["since"] = since.isoformat()
    if against is not None:
        params["against"] = against
    return urlencode(params)


def page_context(
    data: ViewerData,
    branch: str,
    at: dt.date,
    since: dt.date | None,
    against: str | None,
    q: str,
    focus: str | None,
    root: str | None,
) -> dict[str, Any]:
    tree = data.tree(branch, at, since, against)
    if root is not None:
        tree = tree.restricted(tree.subtree(_post_key(tree, root, "root")))
    s = summary(tree)
    open_keys: set[str] = set()
    focus_key = _post_key(tree, focus, "focus") if focus is not None else None
    if focus_key is not None:
        open_keys.update(_line(tree, focus_key)[1:])
    changed = [k for k, n in tree.nodes.items() if n.status != "unchanged"]
    if tree.change and len(changed) <= OPEN_CHANGES:
        for key in changed:
            open_keys.update(_line(tree, key)[1:])
    dates = data.dates(branch)
    if at not in dates:
        dates = sorted({*dates, at})
    hits: list[dict[str, Any]] = []
    query = q.strip().casefold()
    if query:
        for key in tree.preorder():
            node = tree.nodes[key]
            if node.kind == "post" and (
                query in node.title.casefold() or query in node.id.casefold()
            ):
                hits.append({"id": node.id, "title": node.title, "status": node.status})
                if len(hits) >= SEARCH_LIMIT:
                    break
    counts = tree.counts()
    return {
        "branch": branch,
        "link": link_of(branch, at, since, against),
        "branches": sorted(data.registry()),
        "at": at.isoformat(),
        "dates": [d.isoformat() for d in dates],
        "at_index": dates.index(at),
        "since": since.isoformat() if since else "",
        "against": against or "",
        "q": q,
        "hits": hits,
        "searched": bool(query),
        "focus": focus or "",
        "root": root or "",
        "title": tree.title,
        "change": tree.change,
        "counts": counts,
        "posts": sum(1 for n in tree.nodes.values() if n.kind == "post" and n.status != "deleted"),
        "rows": [_row(tree, s, k, open_keys, 0) for k in tree.roots],
        "names": data.names,
        "details": post_details(data, branch, at, focus) if focus else None,
    }


def children_rows(
    data: ViewerData,
    branch: str,
    at: dt.date,
    since: dt.date | None,
    against: str | None,
    post: str,
) -> list[dict[str, Any]]:
    """The rows directly under one post (each closed)."""
    tree = data.tree(branch, at, since, against)
    key = _post_key(tree, post, "children")
    s = summary(tree)
    return [_row(tree, s, k, set(), OPEN_DEPTH) for k in tree.children.get(key, [])]


def post_details(data: ViewerData, branch: str, at: dt.date, post: str) -> dict[str, Any]:
    """The panel: the post as the read model has it at ``at``, and its history."""
    structure = data.structure(branch, at)
    view = structure.post(post)
    if view is None:
        raise BadInput(f"unknown post {post!r} on branch {branch!r} at {at}")
    manager = structure.post(view.reports_to) if view.reports_to else None
    unit = structure.unit(view.unit)
    return {
        "id": view.id,
        "title": view.title,
        "grade": view.grade,
        "fte": format(view.fte.normalize(), "f"),
        "unit": unit.name if unit else view.unit,
        "reports_to": manager.title if manager else None,
        "reports_to_id": view.reports_to,
        "deleted": view.deleted.isoformat() if view.deleted else None,
        "holders": len(view.holders),
        "acting": len(view.acting),
        "vacant": view.vacant,
        "holder_names": structure.names(view.holders) if data.names else (),
        "acting_names": structure.names(view.acting) if data.names else (),
        "names": data.names,
        "history": [
            {
                "version": e["version"],
                "type": e["type"],
                "effective": e.get("effective") or "(undated)",
                "reason": e.get("reason"),
                "source": e.get("source"),
            }
            for e in data.post_history(branch, post, at)
        ],
        "branch": branch,
        "at": at.isoformat(),
    }
