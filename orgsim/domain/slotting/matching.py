"""Maximum cardinality matching of the eligible graph (people 0..n-1, posts n..).

networkx's Hopcroft–Karp is used as is: it is correct and the fastest step of the
engine.  The engine uses it for the matching *size* and as the start of the
Dulmage–Mendelsohn search (:mod:`.analysis`), whose result is the same for every
maximum matching; which post each slotted person gets is decided separately
(:mod:`.assignment`).  The one place a particular matching shows through is the
audit's "would leave X without an eligible post" (X is the first slotted person the
matching of the rest leaves out); networkx is deterministic for a given graph, and the
graph is built in id order, so that text is reproducible too.
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
