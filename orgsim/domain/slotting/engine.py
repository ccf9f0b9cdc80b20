"""The pure slotting engine (SPEC section 5).  No I/O, no event store.

Inputs are plain values (displaced :class:`Candidate` s, :class:`Vacancy` s, the
recorded match assessments and a :class:`~orgsim.slotting.policy.Policy`); the output
is one :class:`Outcome` per candidate plus the posts left to appointment.  Everything
is a function of the inputs' *values*: inputs are sorted by id first, so the result
does not depend on the order the caller happened to load them in, which is what makes
an audit reproducible.

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

``ring_fence_threshold`` and ``count: fte`` are layered on this; see :func:`decide`.
"""

from __future__ import annotations

import functools
import heapq
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import networkx as nx

from .policy import Policy, _fmt, resolve_policy, to_percent

__all__ = [
    "Candidate",
    "Outcome",
    "Pool",
    "SlottingError",
    "SlottingResult",
    "Vacancy",
    "Verdict",
    "check_decision",
    "decide",
]

OutcomeKind = Literal["slotted", "ring_fenced", "at_risk"]

#: Search budget for ``count: fte`` groups that need an exact bin-packing search.
FTE_SEARCH_BUDGET = 200_000
#: Largest group (people) the exact ``count: fte`` search is attempted on (the search
#: recurses once per person).
FTE_SEARCH_MAX_PEOPLE = 400


class SlottingError(ValueError):
    """The inputs cannot be decided (bad values, or an fte group too large to search)."""


# ---------------------------------------------------------------------------------------
# Value types


def _to_fte(value: Any, what: str) -> Decimal:
    """Exact positive FTE; floats go through ``str`` for the same reason as percents."""
    if isinstance(value, bool):
        raise SlottingError(f"{what}: FTE must be a number, got {value!r}")
    try:
        fte = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise SlottingError(f"{what}: FTE must be a number, got {value!r}") from None
    if not fte.is_finite() or fte <= 0:
        raise SlottingError(f"{what}: FTE must be positive, got {value!r}")
    return fte


@dataclass(frozen=True)
class Candidate:
    """A displaced person, judged on their (deleted) substantive post.

    ``grade`` is the grade of the OLD POST, not the person's personal grade: the
    scheme compares jobs, and someone on a protected personal grade is still
    slotted by the job they did.  ``fte`` is that of their old substantive
    assignment (it is what they take to a new post under ``count: fte``).
    """

    person: str
    old_post: str
    grade: str
    fte: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fte", _to_fte(self.fte, f"candidate {self.person}"))


@dataclass(frozen=True)
class Vacancy:
    """A post vacant at the date (no substantive holder; an acting holder does not count)."""

    post: str
    grade: str
    fte: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fte", _to_fte(self.fte, f"vacancy {self.post}"))


@dataclass(frozen=True)
class Pool:
    """A ring-fenced competition: its posts and its candidates (both sorted)."""

    posts: tuple[str, ...]
    candidates: tuple[str, ...]

    def to_json(self) -> dict[str, list[str]]:
        return {"posts": list(self.posts), "candidates": list(self.candidates)}


@dataclass(frozen=True)
class Outcome:
    """What the policy decides for one displaced person, and why (one line per reason)."""

    person: str
    outcome: OutcomeKind
    post: str | None = None
    pool: Pool | None = None
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """SPEC section 7 shape: ``post`` only when slotted, ``pool`` only when ring-fenced."""
        data: dict[str, Any] = {"person": self.person, "outcome": self.outcome}
        if self.outcome == "slotted":
            data["post"] = self.post
        if self.outcome == "ring_fenced" and self.pool is not None:
            data["pool"] = self.pool.to_json()
        data["reasons"] = list(self.reasons)
        return data


@dataclass(frozen=True)
class SlottingResult:
    """One outcome per candidate (sorted by person id) and the vacant posts left over."""

    outcomes: list[Outcome]
    unfilled: list[str]

    def outcome_for(self, person: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.person == person:
                return outcome
        raise KeyError(person)

    @property
    def pools(self) -> list[Pool]:
        """Distinct pools, in order of their first candidate."""
        seen: dict[Pool, None] = {}
        for outcome in self.outcomes:
            if outcome.pool is not None:
                seen.setdefault(outcome.pool, None)
        return list(seen)

    def to_json(self) -> dict[str, Any]:
        return {"outcomes": [o.to_json() for o in self.outcomes], "unfilled": list(self.unfilled)}


@dataclass(frozen=True)
class Verdict:
    """Audit verdict on one slotting decision."""

    compliant: bool
    reasons: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "compliant" if self.compliant else "violation",
            "reasons": list(self.reasons),
        }


# ---------------------------------------------------------------------------------------
# Text helpers: every reason is one line a pack can print as is.


def _pct(value: Decimal) -> str:
    return f"{_fmt(value)}%"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _count_text(people: int, posts: int) -> str:
    return f"{_plural(people, 'candidate')} for {_plural(posts, 'post')}"


def _grade_text(old_grade: str, post_grade: str) -> str:
    if old_grade == post_grade:
        return f"same grade {old_grade}"
    return f"grade {post_grade} (old post grade {old_grade})"


def _direction(post_grade: str, old_grade: str, grades: Sequence[str] | None) -> str | None:
    """'higher' / 'lower' when a grade scheme (lowest first) ranks both grades."""
    if grades is None or post_grade not in grades or old_grade not in grades:
        return None
    return "higher" if list(grades).index(post_grade) > list(grades).index(old_grade) else "lower"


def _matches_text(
    cand: Candidate, pairs: Iterable[tuple[str, Decimal]], grade_of: Mapping[str, str]
) -> str:
    """'same grade D, 80% match to a, 76% match to b' (grades spelled out if they differ)."""
    pairs = list(pairs)
    if all(grade_of[q] == cand.grade for q, _ in pairs):
        return f"same grade {cand.grade}, " + ", ".join(f"{_pct(p)} match to {q}" for q, p in pairs)
    return ", ".join(
        f"{_pct(p)} match to {q} ({_grade_text(cand.grade, grade_of[q])})" for q, p in pairs
    )


# ---------------------------------------------------------------------------------------
# Indexing the inputs


class _Index:
    """Inputs sorted by id, checked, and the eligible pairs derived from them."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        vacancies: Sequence[Vacancy],
        matches: Mapping[tuple[str, str], Any],
        policy: Policy,
    ) -> None:
        self.policy = policy
        self.cands = sorted(candidates, key=lambda c: c.person)
        self.vacs = sorted(vacancies, key=lambda v: v.post)
        self.cand = {c.person: c for c in self.cands}
        self.vac = {v.post: v for v in self.vacs}
        if len(self.cand) != len(self.cands):
            raise SlottingError(
                f"duplicate candidate: {_first_duplicate(c.person for c in self.cands)}"
            )
        if len(self.vac) != len(self.vacs):
            raise SlottingError(f"duplicate vacancy: {_first_duplicate(v.post for v in self.vacs)}")
        self.grade_of = {v.post: v.grade for v in self.vacs}
        old_posts = {c.old_post for c in self.cands}
        #: old post -> [(vacant post, percent)] sorted by post id: every recorded match
        #: that can matter at this date, whatever its value.
        by_old: dict[str, list[tuple[str, Decimal]]] = {}
        for key, value in matches.items():
            old, new = key
            if old in old_posts and new in self.vac:
                try:
                    pct = to_percent(value, what=f"match {old} -> {new}")
                except ValueError as error:
                    raise SlottingError(str(error)) from None
                by_old.setdefault(old, []).append((new, pct))
        for pairs in by_old.values():
            pairs.sort()
        self.by_old = by_old
        #: person -> eligible [(post, percent)] sorted by post id.
        self.eligible: dict[str, list[tuple[str, Decimal]]] = {}
        for c in self.cands:
            self.eligible[c.person] = [
                (q, pct)
                for q, pct in by_old.get(c.old_post, ())
                if policy.meets_threshold(pct)
                and (not policy.same_grade or self.grade_of[q] == c.grade)
            ]

    @functools.cached_property
    def weight_scale(self) -> int:
        """Power of ten that turns every eligible percentage into an exact integer."""
        places = 0
        for pairs in self.eligible.values():
            for _, pct in pairs:
                exponent = pct.as_tuple().exponent
                if isinstance(exponent, int) and -exponent > places:
                    places = -exponent
        return 10**places


def _first_duplicate(values: Iterable[str]) -> str:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return "?"


# ---------------------------------------------------------------------------------------
# Matching primitives


def _maximum_matching(graph: nx.Graph, top: Sequence[int]) -> dict[int, int]:
    """A maximum matching (both directions).  networkx Hopcroft–Karp, whose depth-first
    search is recursive: on a pathological long alternating path it can exceed the
    recursion limit, so fall back to an iterative augmenting-path search then."""
    try:
        return nx.bipartite.hopcroft_karp_matching(graph, top_nodes=top)
    except RecursionError:
        return _augmenting_matching(graph, top)


def _augmenting_matching(graph: nx.Graph, top: Sequence[int]) -> dict[int, int]:
    """Iterative BFS augmenting paths: O(V·E), used only as a fallback."""
    mate: dict[int, int] = {}
    for root in top:
        if root in mate:
            continue
        parent: dict[int, int] = {}  # post -> person it was reached from
        queue = deque([root])
        seen_people = {root}
        end = None
        while queue and end is None:
            u = queue.popleft()
            for v in graph[u]:
                if v in parent:
                    continue
                parent[v] = u
                if v not in mate:
                    end = v
                    break
                w = mate[v]
                if w not in seen_people:
                    seen_people.add(w)
                    queue.append(w)
        while end is not None:
            u = parent[end]
            previous = mate.get(u)
            mate[u], mate[end] = end, u
            end = previous if u != root else None
    return mate


def _optimal_assignment(
    n: int, m: int, adj: Sequence[Sequence[tuple[int, int]]]
) -> list[int] | None:
    """Place all ``n`` people on ``m`` posts: highest total weight, then lexicographically
    smallest (person 0 gets the lowest post index possible, then person 1, ...).

    ``adj[i]`` lists ``(post, weight)`` for person ``i`` sorted by post; people and posts
    are numbered in id order and weights are non-negative integers.  Returns the post of
    each person, or ``None`` when the people cannot all be placed.

    Min-cost flow source → people → posts → sink T, cost ``W - weight``.  Successive
    shortest paths (Dijkstra on reduced costs, potentials kept valid with the
    early-exit rule ``π += min(d, d_T)``) gives an optimal placement and optimal
    potentials.  Then, in id order, a person moves to a lower post only along a cycle
    of zero reduced cost arcs avoiding already-fixed people and posts: such cycles are
    exactly the changes between optimal placements (complementary slackness), so the
    greedy yields the lexicographically smallest optimal placement.
    """
    if n == 0:
        return []
    top = max((w for row in adj for _, w in row), default=0)
    T = n + m
    pi = [0] * (T + 1)
    mate_p = [-1] * n  # person -> post node (n + j)
    mate_q = [-1] * (T + 1)  # post node -> person
    mcost = [0] * n  # cost of each person's current edge
    cadj = [[(n + j, top - w) for j, w in row] for row in adj]

    heappush, heappop = heapq.heappush, heapq.heappop
    for s in range(n):
        dist = {s: 0}
        pred: dict[int, int] = {}
        pcost: dict[int, int] = {}
        heap = [(0, s)]
        d_t: int | None = None
        while heap:
            d, u = heappop(heap)
            if d > dist[u]:
                continue
            if u == T:
                d_t = d
                break
            if u < n:
                base = d + pi[u]
                own = mate_p[u]
                for v, c in cadj[u]:
                    if v == own:
                        continue
                    nd = base + c - pi[v]
                    old = dist.get(v)
                    if old is None or nd < old:
                        dist[v] = nd
                        pred[v] = u
                        pcost[v] = c
                        heappush(heap, (nd, v))
            else:
                y = mate_q[u]
                if y < 0:
                    v, nd = T, d + pi[u] - pi[T]
                else:
                    v, nd = y, d - mcost[y] + pi[u] - pi[y]
                old = dist.get(v)
                if old is None or nd < old:
                    dist[v] = nd
                    pred[v] = u
                    heappush(heap, (nd, v))
        if d_t is None:
            return None
        for v, dv in dist.items():
            if dv < d_t:
                pi[v] += dv - d_t
        q = pred[T]
        while True:
            x = pred[q]
            previous = mate_p[x]
            mate_p[x], mate_q[q], mcost[x] = q, x, pcost[q]
            if x == s:
                break
            q = previous

    # --- lexicographic tie-break among optimal placements ---------------------------
    cost_of = [dict(row) for row in cadj]
    radj: list[list[tuple[int, int]]] = [[] for _ in range(T + 1)]
    for x, row in enumerate(cadj):
        for v, c in row:
            radj[v].append((x, c))
    free = {v for v in range(n, T) if mate_q[v] < 0}
    fixed = bytearray(T + 1)
    for p in range(n):
        cur = mate_p[p]
        wanted = [v for v, c in cadj[p] if v < cur and not fixed[v] and c + pi[p] - pi[v] == 0]
        if wanted:
            best = wanted[0]
            nxt: dict[int, int] = {cur: -1}
            queue = deque([cur])
            while queue and best not in nxt:
                u = queue.popleft()
                if u == T:
                    for v in free:
                        if v not in nxt and pi[v] == pi[T]:
                            nxt[v] = T
                            queue.append(v)
                elif u >= n:
                    for x, c in radj[u]:
                        if (
                            x != p
                            and x not in nxt
                            and not fixed[x]
                            and mate_p[x] != u
                            and c + pi[x] - pi[u] == 0
                        ):
                            nxt[x] = u
                            queue.append(x)
                    if mate_q[u] >= 0 and T not in nxt and pi[T] == pi[u]:
                        nxt[T] = u
                        queue.append(T)
                else:
                    v = mate_p[u]
                    if v not in nxt and not fixed[v] and pi[v] - mcost[u] - pi[u] == 0:
                        nxt[v] = u
                        queue.append(v)
            reached = [v for v in wanted if v in nxt]
            if reached:
                target = min(reached)
                # the cycle p -> target -> ... -> cur -> p
                arcs = [(p, target)]
                u = target
                while u != cur:
                    arcs.append((u, nxt[u]))
                    u = nxt[u]
                freed = [b for a, b in arcs if a == T]
                for v in freed:
                    mate_q[v] = -1
                    free.add(v)
                for a, b in arcs:
                    if a < n:
                        mate_p[a], mate_q[b], mcost[a] = b, a, cost_of[a][b]
                        free.discard(b)
        fixed[p] = 1
        fixed[mate_p[p]] = 1
    return [mate_p[i] - n for i in range(n)]


# ---------------------------------------------------------------------------------------
# Analysis shared by decide() and check_decision()


@dataclass
class _Group:
    """A pool or a component of slotted people, with what the reasons need."""

    people: list[str]
    posts: list[str]
    kind: str  # "dm" | "fte" | "ring_fence" | "slotted"

    @functools.cached_property
    def post_set(self) -> frozenset[str]:
        return frozenset(self.posts)

    @functools.cached_property
    def pool(self) -> Pool:
        return Pool(tuple(self.posts), tuple(self.people))

    def count_text(self, ix: _Index) -> str:
        """'3 candidates for 2 posts', with FTE totals under ``count: fte``."""
        if ix.policy.count != "fte":
            return _count_text(len(self.people), len(self.posts))
        people_fte = sum((ix.cand[p].fte for p in self.people), Decimal(0))
        posts_fte = sum((ix.vac[q].fte for q in self.posts), Decimal(0))
        return (
            f"{_plural(len(self.people), 'candidate')} ({_fmt(people_fte)} FTE) for "
            f"{_plural(len(self.posts), 'post')} ({_fmt(posts_fte)} FTE)"
        )


class _Analysis:
    """The engine's decision, with the intermediate structure the audit needs."""

    def __init__(self, ix: _Index) -> None:
        self.ix = ix
        self.slotted: dict[str, str] = {}
        self.group_of: dict[str, _Group] = {}  # slotted or pooled person -> group
        self.pools: list[_Group] = []
        # heads only
        self.graph: nx.Graph | None = None
        self.node: dict[str, int] = {}
        self.post_node: dict[str, int] = {}
        self.size = 0  # maximum matching size
        self.over_posts: set[str] = set()
        if ix.policy.count == "heads":
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
        mate = _maximum_matching(graph, range(n))
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
            group = _Group(
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
            placement = _optimal_assignment(len(comp_people), len(comp_posts), adj)
            if placement is None:  # pragma: no cover - impossible by Dulmage–Mendelsohn
                raise AssertionError("slotted people could not all be placed")
            group = _Group(
                [people[i] for i in comp_people], [posts[v - n] for v in comp_posts], "slotted"
            )
            for i, j in zip(comp_people, placement):
                self.slotted[people[i]] = posts[comp_posts[j] - n]
                self.group_of[people[i]] = group

    def _component(
        self,
        start: int,
        seen: set[int],
        person_ok: Any,
        post_ok: Any,
    ) -> tuple[list[int], list[int]]:
        """Connected component of ``start`` over edges whose ends pass the filters."""
        graph = self.graph
        assert graph is not None
        n = len(self.ix.cands)
        comp_people, comp_posts = [start], []
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
        for people, posts in _components(
            [c.person for c in ix.cands], {p: [q for q, _ in ix.eligible[p]] for p in ix.cand}
        ):
            placement = _solve_fte_group(ix, people, posts)
            if placement is None:
                group = _Group(people, posts, "fte")
                self.pools.append(group)
                for person in people:
                    self.group_of[person] = group
            else:
                group = _Group(people, posts, "slotted")
                for person in people:
                    self.slotted[person] = placement[person]
                    self.group_of[person] = group

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
        for people, posts in _components(
            sorted(self.rf_pairs), {p: [q for q, _ in pairs] for p, pairs in self.rf_pairs.items()}
        ):
            group = _Group(people, posts, "ring_fence")
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


def _components(
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


def _solve_fte_group(
    ix: _Index,
    people: list[str],
    posts: list[str],
    *,
    forced: tuple[str, str] | None = None,
    optimise: bool = True,
) -> dict[str, str] | None:
    """Place every person of a group, whole, within the posts' FTE capacities.

    Returns the placement with the highest total match, then lexicographically smallest
    by (person id → post id); ``None`` when they cannot all be placed.  With
    ``optimise=False`` any placement will do (the audit only asks whether one exists).

    When no post of the group can hold two of its people (the usual case: full-time
    people, full-time posts), placement is a bipartite assignment and is solved exactly
    and fast like ``heads``.  Otherwise posts can be shared and it is bin packing: an
    exact depth-first branch-and-bound, guarded by a size limit and a node budget
    (raising :class:`SlottingError` rather than guessing).
    """
    fte = {p: ix.cand[p].fte for p in people}
    cap = {q: ix.vac[q].fte for q in posts}
    options = {p: [(q, pct) for q, pct in ix.eligible[p] if fte[p] <= cap[q]] for p in people}
    if forced is not None:
        fp, fq = forced
        options[fp] = [(q, pct) for q, pct in options[fp] if q == fq]
    if any(not opts for opts in options.values()):
        return None
    if sum(fte.values()) > sum(cap.values()):
        return None

    sizes: dict[str, list[Decimal]] = {}
    for p in people:
        for q, _ in options[p]:
            sizes.setdefault(q, []).append(fte[p])
    shareable = any(len(s) >= 2 and sum(sorted(s)[:2]) <= cap[q] for q, s in sizes.items())

    scale = ix.weight_scale
    if not shareable:
        index = {q: j for j, q in enumerate(posts)}
        adj = [[(index[q], int(pct * scale)) for q, pct in options[p]] for p in people]
        placement = _optimal_assignment(len(people), len(posts), adj)
        if placement is None:
            return None
        return {p: posts[j] for p, j in zip(people, placement)}

    if len(people) > FTE_SEARCH_MAX_PEOPLE:
        raise SlottingError(
            f"count: fte: the group of {_count_text(len(people), len(posts))} around "
            f"{people[0]} has shareable posts and is too large to decide exactly"
        )
    weights = {p: [(q, int(pct * scale)) for q, pct in options[p]] for p in people}
    suffix = [0] * (len(people) + 1)
    fte_suffix = [Decimal(0)] * (len(people) + 1)
    for k in range(len(people) - 1, -1, -1):
        suffix[k] = suffix[k + 1] + max(w for _, w in weights[people[k]])
        fte_suffix[k] = fte_suffix[k + 1] + fte[people[k]]
    remaining = dict(cap)
    chosen: list[str] = []
    best: list[Any] = [None, None]  # total, placement
    budget = [FTE_SEARCH_BUDGET]

    def search(k: int, total: int, free_cap: Decimal) -> bool:
        """Depth-first in (person id, post id) order, so among equal totals the first
        placement found is the lexicographically smallest; returns True to stop."""
        budget[0] -= 1
        if budget[0] < 0:
            raise SlottingError(
                f"count: fte: the group of {_count_text(len(people), len(posts))} around "
                f"{people[0]} is too large to decide exactly"
            )
        if fte_suffix[k] > free_cap:
            return False
        if best[0] is not None and total + suffix[k] <= best[0]:
            return False
        if k == len(people):
            best[0], best[1] = total, list(chosen)
            return not optimise
        p = people[k]
        need = fte[p]
        for q, w in weights[p]:
            if remaining[q] >= need:
                remaining[q] -= need
                chosen.append(q)
                stop = search(k + 1, total + w, free_cap - need)
                chosen.pop()
                remaining[q] += need
                if stop:
                    return True
        return False

    search(0, 0, sum(cap.values(), Decimal(0)))
    if best[1] is None:
        return None
    return dict(zip(people, best[1]))


# ---------------------------------------------------------------------------------------
# Public API


def decide(
    candidates: Sequence[Candidate],
    vacancies: Sequence[Vacancy],
    matches: Mapping[tuple[str, str], Decimal],
    policy: Policy | None = None,
    *,
    grades: Sequence[str] | None = None,
) -> SlottingResult:
    """Decide slotted / ring-fenced / at risk for every displaced person (SPEC 5).

    ``matches`` maps (old post, new post) to the recorded percentage; only pairs whose
    new post is vacant matter.  ``grades`` (the grade scheme, lowest first) is optional
    and only lets reasons say "higher"/"lower" grade.

    * ``count: heads``: see the module docstring (maximum matching, Dulmage–Mendelsohn,
      optimal placement with id tie-break).
    * ``count: fte``: per connected group of eligible pairs, everyone is slotted when
      all can be placed within the posts' FTE capacities, else the group is one pool
      with all its posts.
    * ``ring_fence_threshold``: people neither slotted nor pooled, with a match at
      least that high (and the same grade, with ``same_grade``) to a post neither
      slotted into nor pooled, form one pool per connected group with those posts.
    * Everyone else is at risk; vacant posts neither slotted into nor pooled are
      ``unfilled`` (left to appointment).
    """
    policy = resolve_policy(policy)
    ix = _Index(candidates, vacancies, matches, policy)
    analysis = _Analysis(ix)
    outcomes = [_outcome(analysis, c, grades) for c in ix.cands]
    return SlottingResult(outcomes=outcomes, unfilled=analysis.unfilled)


def _outcome(an: _Analysis, c: Candidate, grades: Sequence[str] | None) -> Outcome:
    ix = an.ix
    policy = ix.policy
    person = c.person
    group = an.group_of.get(person)
    if person in an.slotted:
        assert group is not None
        post = an.slotted[person]
        pct = dict(ix.eligible[person])[post]
        count = group.count_text(ix)
        reasons = [
            f"{_grade_text(c.grade, ix.grade_of[post])}, {_pct(pct)} match to {post}, {count}"
        ]
        posts = group.post_set
        choices = [(q, p) for q, p in ix.eligible[person] if q in posts]
        if len(choices) > 1:
            listed = ", ".join(f"{q} {_pct(p)}" for q, p in choices)
            reasons.append(
                f"chosen from {len(choices)} eligible posts ({listed}) so that every candidate "
                f"in the group is slotted, then by highest total match, then by id"
            )
        holders = an.holders[post]
        if len(holders) > 1:
            reasons.append(
                f"job share: {post} ({_fmt(ix.vac[post].fte)} FTE) holds "
                + " + ".join(f"{p} ({_fmt(ix.cand[p].fte)} FTE)" for p in holders)
            )
        return Outcome(person, "slotted", post=post, reasons=reasons)

    if group is not None:
        pool = group.pool
        if group.kind == "ring_fence":
            reasons = [_no_eligible_text(c, policy)]
            pairs = an.rf_pairs[person]
            reasons.append(
                f"{_matches_text(c, pairs, ix.grade_of)}: at least the "
                f"{_pct(policy.ring_fence_threshold)} ring-fence threshold"
            )  # type: ignore[arg-type]
            reasons.append(
                f"{_count_text(len(group.people), len(group.posts))}: ring-fenced competition"
            )
        elif group.kind == "fte":
            reasons = [
                f"{group.count_text(ix)} cannot all be placed: ring-fenced competition",
                _matches_text(c, ix.eligible[person], ix.grade_of),
            ]
        else:
            reasons = [
                f"{_count_text(len(group.people), len(group.posts))}: ring-fenced competition",
                _matches_text(c, ix.eligible[person], ix.grade_of),
            ]
        return Outcome(person, "ring_fenced", pool=pool, reasons=reasons)

    return Outcome(person, "at_risk", reasons=_at_risk_reasons(an, c, grades))


def _no_eligible_text(c: Candidate, policy: Policy) -> str:
    where = f"of grade {c.grade} " if policy.same_grade else ""
    return f"no vacant post {where}matches {policy.threshold_text()}"


def _at_risk_reasons(an: _Analysis, c: Candidate, grades: Sequence[str] | None) -> list[str]:
    ix = an.ix
    policy = ix.policy
    reasons = [_no_eligible_text(c, policy)]
    recorded = ix.by_old.get(c.old_post, [])
    same = [(q, p) for q, p in recorded if not policy.same_grade or ix.grade_of[q] == c.grade]
    if not recorded:
        reasons.append(f"no match recorded from {c.old_post} to any vacant post")
    elif same:
        q, p = min(same, key=lambda pair: (-pair[1], pair[0]))
        reasons.append(f"best recorded match: {_pct(p)} to {q}")
    else:
        reasons.append(f"no match recorded from {c.old_post} to a vacant post of grade {c.grade}")
    if policy.same_grade:
        for q, p in recorded:
            if ix.grade_of[q] != c.grade and policy.meets_threshold(p):
                direction = _direction(ix.grade_of[q], c.grade, grades)
                kind = f"a {direction} grade" if direction else "a different grade"
                reasons.append(f"{q} matches {_pct(p)} but is grade {ix.grade_of[q]}, {kind}")
    if policy.ring_fence_threshold is not None:
        where = f"of grade {c.grade} " if policy.same_grade else ""
        reasons.append(
            f"no unclaimed vacant post {where}matches at least the "
            f"{_pct(policy.ring_fence_threshold)} ring-fence threshold"
        )
    return reasons


def check_decision(
    candidates: Sequence[Candidate],
    vacancies: Sequence[Vacancy],
    matches: Mapping[tuple[str, str], Decimal],
    policy: Policy | None,
    person: str,
    post: str,
    *,
    grades: Sequence[str] | None = None,
) -> Verdict:
    """Would slotting ``person`` into ``post`` comply with the policy, given what was known?

    Compliant when the engine would slot the person AND the post belongs to SOME
    placement that still slots everyone the engine would slot — not necessarily the
    engine's own pick among equals.  With ``count: heads`` that is "the pair lies on a
    maximum matching of the eligible graph": force it (remove both vertices) and check
    a maximum matching of the rest is still one smaller than the full one.  With
    ``count: fte`` the person's group must be placeable with the pair forced.

    The caller (the audit) adds the violation "assessment recorded after the decision";
    it passes only the assessments recorded before the decision.
    """
    policy = resolve_policy(policy)
    ix = _Index(candidates, vacancies, matches, policy)
    cand = ix.cand.get(person)
    vac = ix.vac.get(post)
    reasons: list[str] = []
    if cand is None:
        reasons.append(
            f"{person} is not displaced at this point (no deleted substantive post awaiting an outcome)"
        )
    if vac is None:
        reasons.append(f"post {post} is not vacant at this point")
    if cand is None or vac is None:
        return Verdict(False, reasons)

    if policy.same_grade and vac.grade != cand.grade:
        direction = _direction(vac.grade, cand.grade, grades)
        if direction:
            reasons.append(
                f"post {post} is grade {vac.grade}, {direction} than grade {cand.grade} "
                f"of old post {cand.old_post}: a {direction} grade is never slotted"
            )
        else:
            reasons.append(
                f"post {post} is grade {vac.grade}, not grade {cand.grade} "
                f"of old post {cand.old_post}"
            )
    pct = dict(ix.by_old.get(cand.old_post, ())).get(post)
    if pct is None:
        reasons.append(f"no match recorded from {cand.old_post} to {post}")
    elif not policy.meets_threshold(pct):
        word = "not more than" if policy.match_strict else "below"
        reasons.append(
            f"{_pct(pct)} match from {cand.old_post} to {post} is {word} the "
            f"{_pct(policy.match_threshold)} threshold"
        )
    if reasons:
        return Verdict(False, reasons)
    assert pct is not None

    an = _Analysis(ix)
    group = an.group_of.get(person)
    assert group is not None  # an eligible pair puts the person in a group
    if person not in an.slotted:
        if group.kind == "fte":
            reasons.append(
                f"the group of {group.count_text(ix)} cannot all be placed: "
                f"should have been a ring-fenced pool"
            )
        else:
            reasons.append(
                f"{_plural(len(group.people), 'eligible candidate')} for "
                f"{_plural(len(group.posts), 'post')}: should have been a ring-fenced pool"
            )
        return Verdict(False, reasons)

    if policy.count == "fte":
        ok = (
            _solve_fte_group(ix, group.people, group.posts, forced=(person, post), optimise=False)
            is not None
        )
        if not ok:
            if cand.fte > vac.fte:
                reasons.append(
                    f"{person}'s {_fmt(cand.fte)} FTE does not fit post {post} "
                    f"({_fmt(vac.fte)} FTE)"
                )
            else:
                reasons.append(
                    f"placing {person} in {post} leaves no room for everyone else "
                    f"in the group of {group.count_text(ix)}"
                )
            return Verdict(False, reasons)
    else:
        graph = an.graph
        assert graph is not None
        rest = graph.copy()
        rest.remove_nodes_from([an.node[person], an.post_node[post]])
        top = [i for i in range(len(ix.cands)) if i != an.node[person]]
        mate = _maximum_matching(rest, top)
        size = sum(1 for i in top if i in mate)
        if size + 1 < an.size:
            left_out = [p for p in sorted(an.slotted) if p != person and an.node[p] not in mate]
            if left_out:
                reasons.append(
                    f"giving {post} to {person} would leave {left_out[0]}, who is "
                    f"slotted, without an eligible post"
                )
            else:
                pool = next((g for g in an.pools if post in g.posts), None)
                who = (
                    f" ({_count_text(len(pool.people), len(pool.posts))})"
                    if pool is not None
                    else ""
                )
                reasons.append(
                    f"post {post} is needed by a ring-fenced pool{who}: giving it "
                    f"to {person} deprives eligible candidates"
                )
            return Verdict(False, reasons)

    count = group.count_text(ix)
    reasons.append(
        f"{_grade_text(cand.grade, vac.grade)}, {_pct(pct)} match to {post}, {count}: "
        f"{person} would be slotted"
    )
    engine_post = an.slotted[person]
    if engine_post != post:
        reasons.append(
            f"the engine would pick {engine_post}; {post} also lets everyone eligible be slotted"
        )
    return Verdict(True, reasons)
