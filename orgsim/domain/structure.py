"""The structure at a date: plain data for JSON, and a NetworkX graph for everything else.

Deleted posts and closed units are history, not structure, so they are left out here
(the state still holds them for ghosts in change charts and for audits). A post whose
manager was deleted reports to the nearest surviving manager up the old line, so the
chart stays a tree while the change is pending.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

from orgsim.domain.state import OrgState


def _num(value: Decimal) -> float | int:
    """JSON numbers: 1.0 FTE prints as 1.0, a whole cost as an int."""
    return float(value)


@dataclass(frozen=True)
class UnitView:
    id: str
    name: str
    kind: str
    parent: str | None
    external: bool


@dataclass(frozen=True)
class PostView:
    id: str
    title: str
    grade: str
    unit: str
    reports_to: str | None
    fte: Decimal
    holders: tuple[str, ...]
    acting: tuple[str, ...]
    cost: Decimal | None
    accountabilities: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    grade: str | None
    status: str | None
    posts: tuple[str, ...]
    characteristics: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Structure:
    """The organisation as it stands at ``at`` (effective date)."""

    branch: str
    at: dt.date
    units: dict[str, UnitView]
    posts: dict[str, PostView]
    people: dict[str, PersonView]
    displaced: tuple[str, ...]
    grades: tuple[str, ...] | None

    @classmethod
    def from_state(cls, branch: str, at: dt.date, state: OrgState) -> Structure:
        units = {
            u.id: UnitView(u.id, u.name, u.kind, u.parent, state.is_external(u.id))
            for u in sorted(state.units.values(), key=lambda u: u.id)
            if u.closed is None
        }
        live = {p.id: p for p in state.posts.values() if p.deleted is None}
        posts: dict[str, PostView] = {}
        for post_id in sorted(live):
            post = live[post_id]
            manager = post.reports_to
            while manager is not None and manager not in live:
                manager = state.posts[manager].reports_to if manager in state.posts else None
            holders = state.holders.get(post_id, {})
            posts[post_id] = PostView(
                post.id,
                post.title,
                post.grade,
                post.unit,
                manager,
                post.fte,
                tuple(sorted(p for p, a in holders.items() if a.kind == "substantive")),
                tuple(sorted(p for p, a in holders.items() if a.kind != "substantive")),
                post.cost,
                tuple((a.text, a.weight) for a in post.accountabilities),
            )
        people = {
            p.id: PersonView(
                p.id,
                p.name,
                p.grade,
                p.status,
                tuple(sorted(state.assignments.get(p.id, {}))),
                dict(p.characteristics),
            )
            for p in sorted(state.people.values(), key=lambda p: p.id)
            if p.left is None
        }
        grades = tuple(state.grades) if state.grades is not None else None
        return cls(branch, at, units, posts, people, tuple(state.displaced()), grades)

    def to_json(self) -> dict[str, Any]:
        """The SPEC section 7 ``show --json`` document (plus a few extra fields)."""
        return {
            "branch": self.branch,
            "at": self.at.isoformat(),
            "units": [
                {
                    "id": u.id,
                    "name": u.name,
                    "kind": u.kind,
                    "parent": u.parent,
                    "external": u.external,
                }
                for u in self.units.values()
            ],
            "posts": [
                {
                    "id": p.id,
                    "title": p.title,
                    "grade": p.grade,
                    "unit": p.unit,
                    "reports_to": p.reports_to,
                    "fte": _num(p.fte),
                    "holders": list(p.holders),
                    "acting": list(p.acting),
                    "cost": _num(p.cost) if p.cost is not None else None,
                }
                for p in self.posts.values()
            ],
            "people": [
                {
                    "id": p.id,
                    "name": p.name,
                    "grade": p.grade,
                    "status": p.status,
                    "posts": list(p.posts),
                }
                for p in self.people.values()
            ],
            "displaced": list(self.displaced),
        }

    def graph(self) -> nx.DiGraph:
        """Units and posts as nodes; typed edges for the line and for reporting.

        Nodes are ``("unit", id)`` and ``("post", id)``; edges carry ``rel``:
        ``contains`` (unit → child unit, unit → post) and ``manages`` (manager → post).
        """
        import networkx as nx  # imported here: most commands never build the graph

        g: nx.DiGraph = nx.DiGraph()
        for u in self.units.values():
            g.add_node(
                ("unit", u.id),
                kind="unit",
                id=u.id,
                name=u.name,
                unit_kind=u.kind,
                external=u.external,
            )
        for p in self.posts.values():
            g.add_node(
                ("post", p.id),
                kind="post",
                id=p.id,
                title=p.title,
                grade=p.grade,
                unit=p.unit,
                fte=p.fte,
                holders=p.holders,
                acting=p.acting,
            )
        for u in self.units.values():
            if u.parent is not None and u.parent in self.units:
                g.add_edge(("unit", u.parent), ("unit", u.id), rel="contains")
        for p in self.posts.values():
            if p.unit in self.units:
                g.add_edge(("unit", p.unit), ("post", p.id), rel="contains")
            if p.reports_to is not None:
                g.add_edge(("post", p.reports_to), ("post", p.id), rel="manages")
        return g
