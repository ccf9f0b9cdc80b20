"""``count: fte``: can a connected group of people all be placed, whole, by FTE?

Posts are bins of their FTE and people items of theirs.  When no post can hold two of a
group's people it is an assignment problem (:mod:`.assignment`); otherwise it is bin
packing, searched exactly within limits rather than approximated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .assignment import optimal_assignment
from .index import Index
from .model import SlottingError
from .text import count_text

__all__ = ["FTE_SEARCH_BUDGET", "FTE_SEARCH_MAX_PEOPLE", "solve_fte_group"]

#: Search budget for ``count: fte`` groups that need an exact bin-packing search.
FTE_SEARCH_BUDGET = 200_000
#: Largest group (people) the exact ``count: fte`` search is attempted on (the search
#: recurses once per person).
FTE_SEARCH_MAX_PEOPLE = 400


def solve_fte_group(
    ix: Index,
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
        placement = optimal_assignment(len(people), len(posts), adj)
        if placement is None:
            return None
        return {p: posts[j] for p, j in zip(people, placement)}

    if len(people) > FTE_SEARCH_MAX_PEOPLE:
        raise SlottingError(
            f"count: fte: the group of {count_text(len(people), len(posts))} around "
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
                f"count: fte: the group of {count_text(len(people), len(posts))} around "
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
