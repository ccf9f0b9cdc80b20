"""The engine's analysis of the eligible graph, shared by decide() and check_decision().

The engine's inputs are plain values (displaced :class:`~.model.Candidate` s,
:class:`~.model.Vacancy` s, the recorded match assessments and a
:class:`~.policy.Policy`), already sorted by id in :class:`~.index.Index`; the
:class:`Analysis` says who is slotted where, and which pools form, from which
:func:`~.decide.decide` words outcomes and :func:`~.check.check_decision` judges one
recorded decision.

How ``count: heads`` is decided
-------------------------------
1. **Eligible pairs** (person, vacant post): recorded match passes the threshold
   (inclusive, or strictly "more than" with ``match_strict``) and, with
   ``same_grade``, the post's grade equals the grade of the person's *old post*.
2. **One maximum matching** of that bipartite graph (``networkx`` Hopcroft–Karp).
3. **Dulmage–Mendelsohn, people side.**  A person is missed by *some* maximum
   matching iff an even-length alternating path reaches them from a person the
   matching leaves unmatched (Berge).  So one breadth-first search from the
   unmatched people — leaving people by any edge, leaving posts by their matched
   edge — finds the whole over-subscribed part: those people and the posts they
   reach.  Every other person is matched in *every* maximum matching: they are
   **slotted**.  The over-subscribed part has more people than posts in each of its
   connected components; each component with at least one post is a **ring-fenced
   pool** with exactly those posts.  This is O(E) on top of the matching, instead of
   re-solving a matching once per vertex.
4. **Which post each slotted person gets.**  The slotted people can all be placed on
   posts outside the over-subscribed part (every maximum matching does so).  Among
   those placements the engine takes the one with the highest total match, and among
   equal totals the *lexicographically smallest by id*: people in id order, each
   gets the lowest post id that still allows a best placement of everyone.
   The best total is found per connected component with a min-cost flow
   (successive shortest paths, Dijkstra with potentials, exact integer costs);
   the id tie-break then walks people in id order and moves a person to a lower-id
   post only along a zero-reduced-cost alternating cycle, which by complementary
   slackness is exactly the set of changes that keep the total optimal.
   No floating point and no "weights scaled so that count dominates" are needed:
   count is fixed by step 3, total match is exact integers, ids are compared as
   strings.

``ring_fence_threshold`` and ``count: fte`` are layered on this; see
:func:`~orgsim.domain.slotting.decide.decide`.  The matching is in :mod:`.matching`,
the placement in :mod:`.assignment`, ``count: fte`` groups in :mod:`.fte`.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import networkx as nx

from .assignment import optimal_assignment
from .fte import solve_fte_group
from .index import Index
from .matching import maximum_matching
from .model import Pool, Vacancy
from .policy import format_decimal
from .text import count_text, plural

__all__ = ["Analysis", "Group", "GroupKind", "components"]

#: How a group was formed: a Dulmage–Mendelsohn pool, an fte group that cannot all be
#: placed, a ring-fence pool, or a component of slotted people.
GroupKind = Literal["dm", "fte", "ring_fence", "slotted"]


@dataclass
class Group:
    """A pool or a component of slotted people, with what the reasons need."""

    people: list[str]
    posts: list[str]
    kind: GroupKind

    @functools.cached_property
    def post_set(self) -> frozenset[str]:
        return frozenset(self.posts)

    @functools.cached_property
    def pool(self) -> Pool:
        return Pool(tuple(self.posts), tuple(self.people))

    def count_text(self, ix: Index) -> str:
        """'3 candidates for 2 posts', with FTE totals under ``count: fte``."""
        if ix.policy.count != "fte":
            return count_text(len(self.people), len(self.posts))
        people_fte = sum((ix.cand[p].fte for p in self.people), Decimal(0))
        posts_fte = sum((ix.vac[q].fte for q in self.posts), Decimal(0))
        return (
            f"{plural(len(self.people), 'candidate')} ({format_decimal(people_fte)} FTE) for "
            f"{plural(len(self.posts), 'post')} ({format_decimal(posts_fte)} FTE)"
        )


class Analysis:
    """The engine's decision, with the intermediate structure the audit needs."""

    def __init__(self, ix: Index) -> None:
        self.ix = ix
        self.slotted: dict[str, str] = {}
        self.group_of: dict[str, Group] = {}  # slotted or pooled person -> group
        self.pools: list[Group] = []
        # heads only
        self.graph: nx.Graph | None = None
        self.node: dict[str, int] = {}
        self.post_node: dict[str, int] = {}
        self.size = 0  # maximum matching size
        self.over_posts: set[str] = set()
        #: priority status (see :meth:`_priority`): whether it applied, who was placed
        #: first, and the eligible posts that went first to others for each person left
        #: with no group
        self.by_priority = False
        self.placed_first: dict[str, str] = {}
        self.ceded: dict[str, list[tuple[str, Decimal]]] = {}
        self.first_posts: frozenset[str] = frozenset()
        if ix.policy.priority_status and any(c.priority for c in ix.cands):
            self._priority()
        elif ix.policy.count == "heads":
            self._heads()
        else:
            self._fte()
        self._ring_fence()

    # -- count: heads ---------------------------------------------------------------

    def _heads(self) -> None:
        ix = self.ix
        people = [c.person for c in ix.cands]
        posts = [v.post for v in ix.vacs]
        n = len(people)
        self.node = {p: i for i, p in enumerate(people)}
        self.post_node = {q: n + j for j, q in enumerate(posts)}
        graph = nx.Graph()
        graph.add_nodes_from(range(n + len(posts)))
        graph.add_edges_from(
            (i, self.post_node[q]) for i, p in enumerate(people) for q, _ in ix.eligible[p]
        )
        self.graph = graph
        mate = maximum_matching(graph, range(n))
        self.size = sum(1 for i in range(n) if i in mate)

        # Dulmage–Mendelsohn: people reachable from unmatched people by alternating
        # paths (any edge out of a person, the matched edge out of a post).
        over_people = {i for i in range(n) if i not in mate}
        over_posts: set[int] = set()
        queue = deque(sorted(over_people))
        while queue:
            u = queue.popleft()
            for v in graph[u]:
                if v not in over_posts:
                    over_posts.add(v)
                    w = mate[v]  # always matched, or the matching was not maximum
                    if w not in over_people:
                        over_people.add(w)
                        queue.append(w)
        self.over_posts = {posts[v - n] for v in over_posts}

        # Pools: connected components of the over-subscribed part that have posts.
        seen: set[int] = set()
        for start in sorted(over_people):
            if start in seen or not graph[start]:
                continue
            comp_people, comp_posts = self._component(
                start, seen, lambda v: v in over_people, lambda v: True
            )
            group = Group(
                [people[i] for i in comp_people], [posts[v - n] for v in comp_posts], "dm"
            )
            self.pools.append(group)
            for person in group.people:
                self.group_of[person] = group

        # Slotted people: everyone else.  Place them, per connected component, on the
        # posts outside the over-subscribed part.
        scale = ix.weight_scale
        seen = set()
        for start in range(n):
            if start in over_people or start in seen:
                continue
            comp_people, comp_posts = self._component(
                start, seen, lambda v: v not in over_people, lambda v: v not in over_posts
            )
            local = {v: j for j, v in enumerate(comp_posts)}
            adj = [
                [
                    (local[self.post_node[q]], int(pct * scale))
                    for q, pct in ix.eligible[people[i]]
                    if self.post_node[q] in local
                ]
                for i in comp_people
            ]
            placement = optimal_assignment(len(comp_people), len(comp_posts), adj)
            if placement is None:  # pragma: no cover - impossible by Dulmage–Mendelsohn
                raise AssertionError("slotted people could not all be placed")
            group = Group(
                [people[i] for i in comp_people], [posts[v - n] for v in comp_posts], "slotted"
            )
            for i, j in zip(comp_people, placement):
                self.slotted[people[i]] = posts[comp_posts[j] - n]
                self.group_of[people[i]] = group

    def _component(
        self,
        start: int,
        seen: set[int],
        person_ok: Callable[[int], bool],
        post_ok: Callable[[int], bool],
    ) -> tuple[list[int], list[int]]:
        """Connected component of ``start`` over edges whose ends pass the filters."""
        graph = self.graph
        assert graph is not None
        n = len(self.ix.cands)
        comp_people: list[int] = [start]
        comp_posts: list[int] = []
        seen.add(start)
        queue = deque([start])
        while queue:
            u = queue.popleft()
            for v in graph[u]:
                if v in seen or not (post_ok(v) if u < n else person_ok(v)):
                    continue
                seen.add(v)
                (comp_people if v < n else comp_posts).append(v)
                queue.append(v)
        return sorted(comp_people), sorted(comp_posts)

    # -- count: fte -----------------------------------------------------------------

    def _fte(self) -> None:
        ix = self.ix
        for people, posts in components(
            [c.person for c in ix.cands], {p: [q for q, _ in ix.eligible[p]] for p in ix.cand}
        ):
            placement = solve_fte_group(ix, people, posts)
            if placement is None:
                group = Group(people, posts, "fte")
                self.pools.append(group)
                for person in people:
                    self.group_of[person] = group
            else:
                group = Group(people, posts, "slotted")
                for person in people:
                    self.slotted[person] = placement[person]
                    self.group_of[person] = group

    # -- priority status -------------------------------------------------------------

    def _priority(self) -> None:
        """People with priority status get a suitable vacancy before anyone else.

        "Suitable" is an **eligible pair** under the policy (the match threshold, the
        same grade with ``same_grade``, no cut in hours with ``no_hours_cut``): the
        policy's own test of a job substantially the same on the same terms, which is
        what reg 10 asks of a vacancy (suitable and appropriate work, on terms not
        substantially less favourable) and the only test the audit can re-apply from the
        record. A wider test (a ring-fence match) would make one person's leave decide
        a post others are eligible for on weaker evidence.

        1. The people with priority are decided alone, on every vacancy, by the
           ordinary rule (no ring-fence): each who can have a suitable post without
           depriving another with priority is placed; those who compete among themselves
           form a pool with exactly the posts they need, which no one else may take.
        2. If everyone placed in 1 is also slotted when decided together with the others
           on the posts left, priority changes nothing and that joint decision stands
           (the best placement for everyone).
        3. Otherwise the priority placements of 1 stand, and the others are decided by
           the ordinary rule on the posts those leave.

        The ring-fence (if any) then runs over everyone left, as usual.
        """
        ix = self.ix
        rule = ix.policy.model_copy(update={"priority_status": False, "ring_fence_threshold": None})
        first = Analysis(ix.subset([c for c in ix.cands if c.priority], ix.vacs, rule))
        reserved = {q for g in first.pools for q in g.posts}
        left = [v for v in ix.vacs if v.post not in reserved]
        placed = [ix.cand[p] for p in first.slotted]
        others = [c for c in ix.cands if not c.priority]
        self.by_priority = True
        joint = Analysis(ix.subset([*placed, *others], left, rule))
        if all(p in joint.slotted for p in first.slotted):
            rest = joint
        else:
            self.placed_first = dict(first.slotted)
            reserved.update(first.slotted.values())
            rest = Analysis(ix.subset(others, _room_left(ix, left, first.slotted), rule))
            self.slotted.update(first.slotted)
            self.group_of.update({p: first.group_of[p] for p in first.slotted})
        self.first_posts = frozenset(reserved)
        for c in others:
            lost = [(q, pct) for q, pct in ix.eligible[c.person] if q in reserved]
            if lost and c.person not in rest.group_of:
                self.ceded[c.person] = lost
        self.slotted.update(rest.slotted)
        self.group_of.update(rest.group_of)
        self.pools = [*first.pools, *rest.pools]
        for group in first.pools:
            self.group_of.update({p: group for p in group.people})

    # -- ring_fence_threshold -----------------------------------------------------------

    def _ring_fence(self) -> None:
        ix = self.ix
        policy = ix.policy
        self.rf_pairs: dict[str, list[tuple[str, Decimal]]] = {}
        if policy.ring_fence_threshold is None:
            return
        taken = set(self.slotted.values())
        for group in self.pools:
            taken.update(group.posts)
        rest = [c for c in ix.cands if c.person not in self.group_of]
        for c in rest:
            pairs = [
                (q, pct)
                for q, pct in ix.by_old.get(c.old_post, ())
                if q not in taken
                and policy.meets_ring_fence(pct)
                and (not policy.same_grade or ix.grade_of[q] == c.grade)
            ]
            if pairs:
                self.rf_pairs[c.person] = pairs
        for people, posts in components(
            sorted(self.rf_pairs), {p: [q for q, _ in pairs] for p, pairs in self.rf_pairs.items()}
        ):
            group = Group(people, posts, "ring_fence")
            self.pools.append(group)
            for person in people:
                self.group_of[person] = group

    @functools.cached_property
    def holders(self) -> dict[str, list[str]]:
        """Slotted people per post, sorted (more than one only under ``count: fte``)."""
        result: dict[str, list[str]] = {}
        for person in sorted(self.slotted):
            result.setdefault(self.slotted[person], []).append(person)
        return result

    @property
    def unfilled(self) -> list[str]:
        used = set(self.slotted.values())
        for group in self.pools:
            used.update(group.posts)
        return [v.post for v in self.ix.vacs if v.post not in used]


def _room_left(ix: Index, vacancies: Sequence[Vacancy], placed: Mapping[str, str]) -> list[Vacancy]:
    """The vacancies once people are placed first: a post placed in is gone under
    ``count: heads``; under ``count: fte`` what its placed people leave of its FTE stays
    (a job share), as the engine's scope does for a post filled by slotting."""
    used: dict[str, Decimal] = {}
    for person, post in placed.items():
        used[post] = used.get(post, Decimal(0)) + ix.cand[person].fte
    fte = ix.policy.count == "fte"
    return [
        v if v.post not in used else Vacancy(v.post, v.grade, v.fte - used[v.post])
        for v in vacancies
        if v.post not in used or (fte and v.fte > used[v.post])
    ]


def components(
    people: Sequence[str],
    edges: Mapping[str, Sequence[str]],
) -> list[tuple[list[str], list[str]]]:
    """Connected components (sorted people, sorted posts) of a person→posts relation;
    people without edges are left out (they form no group)."""
    by_post: dict[str, list[str]] = {}
    for p in people:
        for q in edges.get(p, ()):
            by_post.setdefault(q, []).append(p)
    seen: set[str] = set()
    result = []
    for start in people:
        if start in seen or not edges.get(start):
            continue
        seen.add(start)
        comp_people, comp_posts = [start], set()
        queue = deque([start])
        while queue:
            p = queue.popleft()
            for q in edges[p]:
                if q in comp_posts:
                    continue
                comp_posts.add(q)
                for other in by_post[q]:
                    if other not in seen:
                        seen.add(other)
                        comp_people.append(other)
                        queue.append(other)
        result.append((sorted(comp_people), sorted(comp_posts)))
    return result
