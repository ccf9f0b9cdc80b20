"""The tree a chart draws, built from one read model, or from two for a change chart.

A chart is a forest of :class:`ChartNode` (posts under their managers, or units under
their parents), read from :class:`~orgsim.domain.structure.Structure` — holders, vacancy,
displacement and the effective reporting line are never re-derived here. With a *before*
Structure every node carries a change status, taken from
:func:`~orgsim.domain.changes.changes_between` so a change chart cannot disagree with
``diff`` or the pack:

- ``new``: live now, not live before;
- ``deleted``: live before, gone now. Drawn as a *ghost* where it was: under its old
  manager (or old parent unit), walking up the old line (the before Structure's
  effective managers) to the first node still drawn;
- ``moved``: another unit or manager (posts), another parent (units);
- ``changed``: retitled, regraded, or its FTE, recorded cost or accountabilities changed
  (posts; the note says what, "FTE 1 → 0.6"), renamed (units). A person's new name or
  grade changes no box;
- ``unchanged``.

A node both moved and changed keeps both in :attr:`ChartNode.changes`; its
:attr:`ChartNode.status` is ``moved`` and :attr:`ChartNode.also_changed` is set.

Everything here is ordered deterministically (grade, then title, then id), so the same
read models always give the same tree.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from orgsim.charts.tree import STATUSES, ChartError, ChartNode, ChartTree, Level
from orgsim.domain.changes import Changes, changes_between
from orgsim.domain.structure import PostView, Structure, UnitView

__all__ = ["STATUSES", "ChartError", "ChartNode", "ChartTree", "Level", "build_tree"]

UNIT_KIND_ORDER = {
    "organisation": 0,
    "directorate": 1,
    "division": 2,
    "service": 3,
    "team": 4,
    "external": 5,
}


UnitInfo = tuple[str, str, str | None]  #: (name, kind, parent)


def _unit_lookup(after: Structure, before: Structure | None) -> dict[str, UnitInfo]:
    """Every unit's (name, kind, parent) as drawn: now for live units, before for units
    closed since (ghosts); units closed at both dates keep their last known values (a
    ghost post may sit in one)."""
    out: dict[str, UnitInfo] = {}
    for structure in (before, after):
        if structure is None:
            continue
        for u in (*structure.former_units.values(), *structure.units.values()):
            out[u.id] = (u.name, u.kind, u.parent)
    if before is not None:
        for u in before.units.values():
            if u.id not in after.units:
                out[u.id] = (u.name, u.kind, u.parent)
    return out


def _unit_subtree(units: dict[str, UnitInfo], root: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for uid, (_, _, parent) in units.items():
        if parent is not None:
            children.setdefault(parent, []).append(uid)
    out, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current in out:
            continue
        out.add(current)
        stack.extend(children.get(current, []))
    return out


def build_tree(
    after: Structure,
    *,
    level: Level = "posts",
    before: Structure | None = None,
    root: str | None = None,
    names: bool = False,
) -> ChartTree:
    """The chart's tree of ``after``, marked against ``before`` if given (an earlier date
    of the same branch, or another branch).

    Raises :class:`ChartError` for an unknown ``root`` unit or an empty chart.
    """
    branch, at = after.branch, after.at
    ghost_units = (
        {uid for uid in before.units if uid not in after.units} if before is not None else set()
    )
    units = _unit_lookup(after, before)
    drawn_units = set(after.units) | ghost_units
    if root is not None:
        if root not in drawn_units:
            when = f"at {at}" + (" or at the earlier date" if before is not None else "")
            known = sorted(drawn_units)
            hint = (
                f" (units: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})"
                if known
                else ""
            )
            raise ChartError(f"unknown unit {root!r} on branch {branch!r} {when}{hint}")
        in_scope = _unit_subtree({u: units[u] for u in drawn_units}, root)
    else:
        in_scope = drawn_units
    changes = changes_between(before, after) if before is not None else None
    if level == "posts":
        tree = _post_tree(after, before, changes, units, in_scope, names)
    else:
        tree = _unit_tree(after, before, changes, units, in_scope, ghost_units, names)
    if not tree.nodes:
        what = "posts" if level == "posts" else "units"
        where = f" under {root!r}" if root else ""
        raise ChartError(f"nothing to chart: branch {branch!r} has no {what}{where} at {at}")
    tree.title = after.organisation_name() or branch
    tree.change = before is not None
    return tree


def _by_id(changes: Changes | None, section: str) -> dict[str, list[str]]:
    """Id → the kinds of change it went through, in :func:`changes_between`'s order."""
    out: dict[str, list[str]] = {}
    for row in getattr(changes, section) if changes is not None else ():
        out.setdefault(row.id, []).append(row.change)
    return out


def _post_tree(
    after: Structure,
    before: Structure | None,
    changes: Changes | None,
    units: dict[str, UnitInfo],
    in_scope: set[str],
    names: bool,
) -> ChartTree:
    drawn = [p for p in after.posts.values() if p.unit in in_scope]
    ghosts = (
        [p for pid, p in before.posts.items() if pid not in after.posts and p.unit in in_scope]
        if before is not None
        else []
    )
    everything = {p.id for p in drawn} | {p.id for p in ghosts}
    rank = {g: i for i, g in enumerate(after.grades or (before.grades if before else None) or ())}
    post_changes = _by_id(changes, "posts")
    displaced_from = after.displaced_by_post()

    nodes: dict[str, ChartNode] = {}
    parent: dict[str, str | None] = {}
    for view in drawn:
        node = ChartNode(
            key=f"p:{view.id}",
            kind="post",
            id=view.id,
            title=view.title,
            grade=view.grade,
            unit=view.unit,
            unit_name=units[view.unit][0],
            external=view.external,
            fte=view.fte,
            holders=len(view.holders),
            acting=len(view.acting),
            names=(
                after.names(view.holders) + tuple(f"{n} (acting)" for n in after.names(view.acting))
            )
            if names
            else (),
        )
        if before is not None:
            _mark_post(node, post_changes.get(view.id, []), before.post(view.id), view, before)
        nodes[node.key] = node
        manager = view.reports_to
        parent[node.key] = f"p:{manager}" if manager in everything else None
    for old in ghosts:
        assert before is not None
        people = displaced_from.get(old.id, [])
        node = ChartNode(
            key=f"p:{old.id}",
            kind="post",
            id=old.id,
            title=old.title,
            grade=old.grade,
            unit=old.unit,
            unit_name=units[old.unit][0],
            external=old.external,
            fte=old.fte,
            status="deleted",
            displaced=len(people),
            holders=len(old.holders),
            names=after.names(people) if names else (),
        )
        nodes[node.key] = node
        # where it was: under its old manager, or the first one up the old line still drawn
        up = next((m for m in before.line_managers(old.id) if m in everything), None)
        parent[node.key] = f"p:{up}" if up is not None else None

    def order(key: str) -> tuple[int, str, str]:
        node = nodes[key]
        return (-rank.get(node.grade or "", -1), node.title.casefold(), node.id)

    tree = _assemble("posts", nodes, parent, order, units)
    for key, node in nodes.items():
        up = tree.parent[key]
        node.head_of_unit = up is None or nodes[up].unit != node.unit
    return tree


def _mark_post(
    node: ChartNode, kinds: list[str], old: PostView | None, new: PostView, before: Structure
) -> None:
    """Status and notes from the post's changes (``created`` means new)."""
    if "created" in kinds or old is None:
        node.status = "new"
        return
    notes: list[str] = []
    if "moved" in kinds:
        if old.unit != new.unit:
            was = before.unit(old.unit)
            notes.append(f"moved from {was.name if was else old.unit}")
        else:
            manager = before.post(old.recorded_reports_to) if old.recorded_reports_to else None
            notes.append(f"was under {manager.title}" if manager else "had no manager")
    if "retitled" in kinds:
        notes.append(f"was: {old.title}")
    if "regraded" in kinds:
        notes.append(f"was grade {old.grade}")
    if "fte" in kinds:
        notes.append(f"FTE {_num(old.fte)} → {_num(new.fte)}")
    if "cost" in kinds:
        notes.append(f"cost {_money(old.cost)} → {_money(new.cost)}")
    if "accountabilities" in kinds:
        notes.append("accountabilities changed")
    _set_changes(node, [k for k in kinds if k in _POST_KINDS], notes)


#: The post changes a chart draws (``created``/``deleted`` are statuses of their own)
_POST_KINDS = ("moved", "retitled", "regraded", "fte", "cost", "accountabilities")


def _num(value: Decimal) -> str:
    """1.0 as 1, 0.60 as 0.6: a plain number, never an exponent."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Decimal | None) -> str:
    return "not recorded" if value is None else f"£{value:,.0f}"


def _unit_tree(
    after: Structure,
    before: Structure | None,
    changes: Changes | None,
    units: dict[str, UnitInfo],
    in_scope: set[str],
    ghost_units: set[str],
    names: bool,
) -> ChartTree:
    unit_changes = _by_id(changes, "units")
    nodes: dict[str, ChartNode] = {}
    parent: dict[str, str | None] = {}
    for uid in sorted(in_scope):
        name, kind, up = units[uid]
        posts = after.unit_posts(uid)
        heads = after.unit_heads(uid)
        head = None
        if len(heads) == 1:
            view = after.posts[heads[0]]
            head = view.title
            if names and view.holders:
                head += " (" + ", ".join(after.names(view.holders)) + ")"
        ghost = uid in ghost_units
        drawn_as = before.units[uid] if ghost and before is not None else after.units[uid]
        node = ChartNode(
            key=f"u:{uid}",
            kind="unit",
            id=uid,
            title=name,
            unit_kind=kind,
            unit=uid,
            unit_name=name,
            external=drawn_as.external,
            posts=len(posts),
            vacancies=sum(1 for p in posts if after.posts[p].vacant),
            head=head,
        )
        if before is not None:
            if ghost:
                node.status = "deleted"
            elif uid not in before.units:
                node.status = "new"
            else:
                _mark_unit(node, unit_changes.get(uid, []), before.units[uid], before)
        nodes[node.key] = node
        while up is not None and up not in in_scope:
            up = units[up][2] if up in units else None
        parent[node.key] = f"u:{up}" if up is not None else None

    def order(key: str) -> tuple[int, str, str]:
        node = nodes[key]
        return (UNIT_KIND_ORDER.get(node.unit_kind or "", 9), node.title.casefold(), node.id)

    return _assemble("units", nodes, parent, order, units)


def _set_changes(node: ChartNode, changes: list[str], notes: list[str]) -> None:
    """A move wins the node's style; any other change is "changed"."""
    node.changes = tuple(changes)
    node.notes = tuple(notes)
    if "moved" in changes:
        node.status = "moved"
        node.also_changed = len(changes) > 1
    elif changes:
        node.status = "changed"


def _mark_unit(node: ChartNode, kinds: list[str], old: UnitView, before: Structure) -> None:
    notes: list[str] = []
    if "moved" in kinds:
        was = before.unit(old.parent) if old.parent else None
        notes.append(f"was in {was.name}" if was else "was at the top")
    if "renamed" in kinds:
        notes.append(f"was: {old.name}")
    _set_changes(node, [k for k in kinds if k in ("moved", "renamed")], notes)


def _assemble(
    level: Level,
    nodes: dict[str, ChartNode],
    parent: dict[str, str | None],
    order: Callable[[str], tuple[int, str, str]],
    units: dict[str, UnitInfo],
) -> ChartTree:
    children: dict[str, list[str]] = {k: [] for k in nodes}
    roots: list[str] = []
    for key in nodes:
        up = parent.get(key)
        if up is None or up not in nodes:
            parent[key] = None
            roots.append(key)
        else:
            children[up].append(key)

    # ghosts come after the live posts or units beside them: the new structure reads
    # first, what it replaced stands to its right
    def placed(key: str) -> tuple[bool, int, str, str]:
        return (nodes[key].status == "deleted", *order(key))

    for kids in children.values():
        kids.sort(key=placed)
    roots.sort(key=placed)
    return ChartTree(level, nodes, parent, children, roots, units)
