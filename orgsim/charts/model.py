"""The tree a chart draws, built from one state, or from two for a change chart.

A chart is a forest of :class:`ChartNode` (posts under their managers, or units under
their parents). With a *before* state every node carries a change status:

- ``new``: live now, not live before;
- ``deleted``: live before, gone now. Drawn as a *ghost* where it was: under its old
  manager (or old parent unit), walking up the old line to the first node still drawn;
- ``moved``: another unit or manager (posts), another parent (units);
- ``changed``: retitled or regraded (posts), renamed (units);
- ``unchanged``.

A node both moved and changed keeps both in :attr:`ChartNode.changes`; its
:attr:`ChartNode.status` is ``moved`` and :attr:`ChartNode.also_changed` is set.

Everything here is ordered deterministically (grade, then title, then id), so the same
states always give the same tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure

Level = Literal["posts", "units"]
STATUSES = ("unchanged", "new", "moved", "changed", "deleted")
UNIT_KIND_ORDER = {
    "organisation": 0,
    "directorate": 1,
    "division": 2,
    "service": 3,
    "team": 4,
    "external": 5,
}


class ChartError(ValueError):
    """Bad chart input (unknown unit, nothing to draw...): one line for a user."""


@dataclass
class ChartNode:
    key: str  #: "p:ID" (post), "u:ID" (unit), "s:ID" (page stub)
    kind: str  #: post | unit | stub
    id: str
    title: str  #: post title, unit name, stub heading
    grade: str | None = None  #: posts only
    unit_kind: str | None = None  #: units only
    unit: str | None = None  #: the post's unit, or the unit itself
    unit_name: str | None = None
    external: bool = False
    status: str = "unchanged"
    also_changed: bool = False
    changes: tuple[str, ...] = ()  #: moved, retitled, regraded, renamed
    notes: tuple[str, ...] = ()  #: "was: Old Title", "moved from Unit"...
    fte: Decimal = Decimal(1)
    holders: int = 0  #: substantive holders (a deleted post: before it went)
    acting: int = 0
    displaced: int = 0
    names: tuple[str, ...] = ()  #: holders' (or displaced people's) names, only with --names
    head_of_unit: bool = False  #: the top post of its unit in this chart
    posts: int = 0  #: units: live posts directly in the unit
    vacancies: int = 0  #: units: vacant posts directly in the unit
    head: str | None = None  #: units: title of the unit's top post
    link: str | None = None  #: stubs: where the rest is drawn
    count: int = 0  #: stubs: nodes on that page
    counts: dict[str, int] = field(default_factory=dict)  #: stubs: statuses on that page

    @property
    def vacant(self) -> bool:
        return self.kind == "post" and self.status != "deleted" and self.holders == 0


@dataclass
class ChartTree:
    """A forest with deterministic child order; ``roots`` and ``children`` hold keys."""

    level: Level
    nodes: dict[str, ChartNode]
    parent: dict[str, str | None]
    children: dict[str, list[str]]
    roots: list[str]
    #: unit id -> (name, kind, parent) for every unit drawn or owning a drawn post
    units: dict[str, tuple[str, str, str | None]]
    title: str = ""
    change: bool = False

    def subtree(self, key: str) -> list[str]:
        out, stack = [], [key]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return out

    def preorder(self) -> list[str]:
        out: list[str] = []
        for root in self.roots:
            out.extend(self.subtree(root))
        return out

    def restricted(
        self,
        keep: Iterable[str],
        extra: dict[str, list[ChartNode]] | None = None,
        extra_roots: list[ChartNode] | None = None,
    ) -> ChartTree:
        """The same tree on a subset of nodes; a node whose parent is left out becomes a
        root. ``extra`` attaches further (stub) nodes under kept nodes."""
        kept = set(keep)
        nodes = {k: n for k, n in self.nodes.items() if k in kept}
        parent = {k: (self.parent[k] if self.parent[k] in kept else None) for k in nodes}
        children = {k: [c for c in self.children.get(k, []) if c in kept] for k in nodes}
        for owner, stubs in (extra or {}).items():
            for stub in stubs:
                nodes[stub.key] = stub
                parent[stub.key] = owner
                children[stub.key] = []
                children.setdefault(owner, []).append(stub.key)
        order = {k: i for i, k in enumerate(self.preorder())}
        roots = sorted(
            (k for k in nodes if parent[k] is None and k in self.nodes), key=lambda k: order[k]
        )
        for stub in extra_roots or []:
            nodes[stub.key] = stub
            parent[stub.key] = None
            children[stub.key] = []
            roots.append(stub.key)
        return ChartTree(
            self.level, nodes, parent, children, roots, self.units, self.title, self.change
        )

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for node in self.nodes.values():
            if node.kind != "stub":
                out[node.status] += 1
        return out


def _grade_rank(grades: list[str] | None) -> dict[str, int]:
    return {g: i for i, g in enumerate(grades or [])}


def _unit_chain_lookup(
    after: OrgState, before: OrgState | None, live_after: set[str], ghosts: set[str]
) -> dict[str, tuple[str, str, str | None]]:
    """Every unit's (name, kind, parent) as drawn: now for live units, before for ghosts;
    units closed at both dates keep their last known values (a ghost post may sit in one)."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for state in (before, after):
        if state is None:
            continue
        for u in state.units.values():
            out[u.id] = (u.name, u.kind, u.parent)
    for uid in live_after:
        u = after.units[uid]
        out[uid] = (u.name, u.kind, u.parent)
    if before is not None:
        for uid in ghosts:
            u = before.units[uid]
            out[uid] = (u.name, u.kind, u.parent)
    return out


def _unit_subtree(units: dict[str, tuple[str, str, str | None]], root: str) -> set[str]:
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


def _live_units(state: OrgState | None) -> set[str]:
    if state is None:
        return set()
    return {u.id for u in state.units.values() if u.closed is None}


def _live_posts(state: OrgState | None) -> set[str]:
    if state is None:
        return set()
    return {p.id for p in state.posts.values() if p.deleted is None}


def build_tree(
    after: OrgState,
    *,
    branch: str,
    at: dt.date,
    level: Level = "posts",
    before: OrgState | None = None,
    root: str | None = None,
    names: bool = False,
) -> ChartTree:
    """The chart's tree at ``at`` (``after``), marked against ``before`` if given.

    Raises :class:`ChartError` for an unknown ``root`` unit or an empty chart.
    """
    live_units_after = _live_units(after)
    live_units_before = _live_units(before)
    ghost_units = (live_units_before - live_units_after) if before is not None else set()
    units = _unit_chain_lookup(after, before, live_units_after, ghost_units)
    drawn_units = live_units_after | ghost_units
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
    if level == "posts":
        tree = _post_tree(after, before, units, in_scope, names)
    else:
        tree = _unit_tree(after, before, units, in_scope, ghost_units, names)
    if not tree.nodes:
        what = "posts" if level == "posts" else "units"
        where = f" under {root!r}" if root else ""
        raise ChartError(f"nothing to chart: branch {branch!r} has no {what}{where} at {at}")
    org = next(
        (units[u][0] for u in sorted(live_units_after) if units[u][1] == "organisation"), None
    )
    tree.title = org or branch
    tree.change = before is not None
    return tree


def _holder_names(state: OrgState, people: Iterable[str]) -> tuple[str, ...]:
    return tuple(state.people[p].name for p in people if p in state.people)


def _post_tree(
    after: OrgState,
    before: OrgState | None,
    units: dict[str, tuple[str, str, str | None]],
    in_scope: set[str],
    names: bool,
) -> ChartTree:
    structure = Structure.from_state("", after.at, after)
    live_after = set(structure.posts)
    live_before = _live_posts(before)
    ghosts = (live_before - live_after) if before is not None else set()
    drawn = {p for p in live_after if after.posts[p].unit in in_scope}
    assert before is not None or not ghosts
    drawn_ghosts = {p for p in ghosts if before.posts[p].unit in in_scope} if before else set()
    everything = drawn | drawn_ghosts
    rank = _grade_rank(after.grades or (before.grades if before else None))
    displaced_from: dict[str, list[str]] = {}
    for person in sorted(after.people.values(), key=lambda p: p.id):
        if person.displaced_from is not None and person.left is None:
            displaced_from.setdefault(person.displaced_from, []).append(person.id)

    nodes: dict[str, ChartNode] = {}
    parent: dict[str, str | None] = {}
    for pid in sorted(drawn):
        view = structure.posts[pid]
        post = after.posts[pid]
        holders = after.holders.get(pid, {})
        substantive = sorted(p for p, a in holders.items() if a.kind == "substantive")
        acting = sorted(p for p, a in holders.items() if a.kind != "substantive")
        node = ChartNode(
            key=f"p:{pid}",
            kind="post",
            id=pid,
            title=post.title,
            grade=post.grade,
            unit=post.unit,
            unit_name=units[post.unit][0],
            external=after.is_external(post.unit),
            fte=post.fte,
            holders=len(substantive),
            acting=len(acting),
            names=(
                _holder_names(after, substantive)
                + tuple(f"{n} (acting)" for n in _holder_names(after, acting))
            )
            if names
            else (),
        )
        if before is not None:
            _mark_post(node, before.posts[pid] if pid in live_before else None, post, before, units)
        nodes[node.key] = node
        manager = view.reports_to
        parent[node.key] = f"p:{manager}" if manager in everything else None
    for pid in sorted(drawn_ghosts):
        assert before is not None
        old = before.posts[pid]
        people = displaced_from.get(pid, [])
        held = sum(1 for a in before.holders.get(pid, {}).values() if a.kind == "substantive")
        node = ChartNode(
            key=f"p:{pid}",
            kind="post",
            id=pid,
            title=old.title,
            grade=old.grade,
            unit=old.unit,
            unit_name=units[old.unit][0],
            external=before.is_external(old.unit),
            fte=old.fte,
            status="deleted",
            displaced=len(people),
            holders=held,
            names=_holder_names(after, people) if names else (),
        )
        nodes[node.key] = node
        manager = old.reports_to
        while manager is not None and manager not in everything:
            manager = before.posts[manager].reports_to if manager in before.posts else None
        parent[node.key] = f"p:{manager}" if manager is not None else None

    def order(key: str) -> tuple[int, str, str]:
        node = nodes[key]
        return (-rank.get(node.grade or "", -1), node.title.casefold(), node.id)

    tree = _assemble("posts", nodes, parent, order, units)
    for key, node in nodes.items():
        up = tree.parent[key]
        node.head_of_unit = up is None or nodes[up].unit != node.unit
    return tree


def _mark_post(
    node: ChartNode, old, new, before: OrgState, units: dict[str, tuple[str, str, str | None]]
) -> None:
    if old is None:
        node.status = "new"
        return
    changes: list[str] = []
    notes: list[str] = []
    if old.unit != new.unit:
        changes.append("moved")
        was = before.units.get(old.unit)
        notes.append(f"moved from {was.name if was else old.unit}")
    elif old.reports_to != new.reports_to:
        changes.append("moved")
        manager = before.posts.get(old.reports_to) if old.reports_to else None
        notes.append(f"was under {manager.title}" if manager else "had no manager")
    if old.title != new.title:
        changes.append("retitled")
        notes.append(f"was: {old.title}")
    if old.grade != new.grade:
        changes.append("regraded")
        notes.append(f"was grade {old.grade}")
    _set_changes(node, changes, notes)


def _unit_tree(
    after: OrgState,
    before: OrgState | None,
    units: dict[str, tuple[str, str, str | None]],
    in_scope: set[str],
    ghost_units: set[str],
    names: bool,
) -> ChartTree:
    structure = Structure.from_state("", after.at, after)
    direct: dict[str, list[str]] = {}
    for post in structure.posts.values():
        direct.setdefault(post.unit, []).append(post.id)
    nodes: dict[str, ChartNode] = {}
    parent: dict[str, str | None] = {}
    for uid in sorted(in_scope):
        name, kind, up = units[uid]
        posts = sorted(direct.get(uid, []))
        heads = [
            p
            for p in posts
            if structure.posts[p].reports_to is None
            or structure.posts[structure.posts[p].reports_to].unit != uid
        ]
        head = None
        if len(heads) == 1:
            view = structure.posts[heads[0]]
            head = view.title
            if names and view.holders:
                head += " (" + ", ".join(_holder_names(after, view.holders)) + ")"
        ghost = uid in ghost_units
        node = ChartNode(
            key=f"u:{uid}",
            kind="unit",
            id=uid,
            title=name,
            unit_kind=kind,
            unit=uid,
            unit_name=name,
            external=(before.is_external(uid) if ghost and before else after.is_external(uid)),
            posts=len(posts),
            vacancies=sum(1 for p in posts if not structure.posts[p].holders),
            head=head,
        )
        if before is not None:
            if ghost:
                node.status = "deleted"
            elif uid not in _live_units(before):
                node.status = "new"
            else:
                _mark_unit(node, before.units[uid], after.units[uid], units, before)
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


def _mark_unit(
    node: ChartNode, old, new, units: dict[str, tuple[str, str, str | None]], before: OrgState
) -> None:
    changes: list[str] = []
    notes: list[str] = []
    if old.parent != new.parent:
        changes.append("moved")
        was = before.units.get(old.parent) if old.parent else None
        notes.append(f"was in {was.name}" if was else "was at the top")
    if old.name != new.name:
        changes.append("renamed")
        notes.append(f"was: {old.name}")
    _set_changes(node, changes, notes)


def _assemble(
    level: Level,
    nodes: dict[str, ChartNode],
    parent: dict[str, str | None],
    order,
    units: dict[str, tuple[str, str, str | None]],
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
    def placed(key: str) -> tuple:
        return (nodes[key].status == "deleted", *order(key))

    for kids in children.values():
        kids.sort(key=placed)
    roots.sort(key=placed)
    return ChartTree(level, nodes, parent, children, roots, units)
