"""The chart's tree: nodes (posts, units, page stubs) with change statuses, in a forest.

:mod:`orgsim.charts.model` builds it from read models; :mod:`orgsim.charts.layouts` draws
it; :mod:`orgsim.charts.dot` writes it as DOT. Kept apart so drawing and writing never
depend on how the tree was built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Level = Literal["posts", "units"]
STATUSES = ("unchanged", "new", "moved", "changed", "deleted")


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
    href: str | None = None  #: stubs: the file to open, when pages are files
    above: bool = False  #: stubs: the manager (or parent unit) drawn on another page
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
