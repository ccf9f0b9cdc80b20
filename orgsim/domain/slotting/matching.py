"""Maximum cardinality matching of the eligible graph (people 0..n-1, posts n..).

networkx's Hopcroft–Karp is used as is: it is correct, and the fastest part of the
engine.  It only fixes the *count*; which maximum matching it returns does not matter
because the Dulmage–Mendelsohn step (:mod:`.analysis`) and the optimal placement
(:mod:`.assignment`) derive everything else from the graph, so the result stays
deterministic whatever matching networkx happens to find.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import networkx as nx

__all__ = ["maximum_matching"]


def maximum_matching(graph: nx.Graph, top: Sequence[int]) -> dict[int, int]:
    """A maximum matching (both directions).  networkx Hopcroft–Karp, whose depth-first
    search is recursive: on a pathological long alternating path it can exceed the
    recursion limit, so fall back to an iterative augmenting-path search then."""
    try:
        mate: dict[int, int] = nx.bipartite.hopcroft_karp_matching(graph, top_nodes=top)
        return mate
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
