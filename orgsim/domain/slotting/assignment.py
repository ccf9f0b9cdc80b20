"""Optimal placement of people who can all be placed: highest total match, then ids.

networkx has no equivalent.  ``max_weight_matching`` (Edmonds' blossom, general graphs,
pure Python) finds a best total but breaks ties arbitrarily, not by id, and is one to two
orders of magnitude slower on the benchmark's instances; ``minimum_weight_full_matching``
needs SciPy (not a dependency) and floating point.  Breaking ties by id through weights
alone would need weights exponential in the number of people.  So this exact integer
min-cost flow with an id tie-break is written out.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence

__all__ = ["optimal_assignment"]


def optimal_assignment(
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
