"""What happened to each person after the slotting stage, as counts only.

A post with one holder identifies its holder even without a name, so the collective
pack (the default, for staff and trade unions) never attributes a confidential fact to a
post: a voluntary redundancy application, failing a ring-fenced competition, a dismissal
and its reason. It shows them here as counts, withheld from 1 to 4 (and wherever a
withheld count could be worked out from the total by subtraction, with the same rule as
the equality tables, :func:`orgsim.pack.equality.suppress`). The internal version
(``--internal``) names people and gives every outcome row by row, and exact counts.
"""

from __future__ import annotations

from orgsim.domain.structure import Structure
from orgsim.pack.document import LaterCount
from orgsim.pack.equality import SUPPRESS_BELOW, suppress
from orgsim.pack.walk import Walk

#: Later outcomes in the order the pack lists them; the "left" group adds up to LEFT.
LATER = {
    "appointed_pool": "Appointed after a ring-fenced competition",
    "unsuccessful_pool": "Not appointed in a ring-fenced competition",
    "appointed_other": "Appointed to a post otherwise (for example from at risk)",
    "redeployed": "Redeployed",
    "left_voluntary": "Left: voluntary redundancy",
    "left_redundancy": "Left: compulsory redundancy",
    "left_other": "Left for another reason",
}
LEFT = "Left the organisation (all causes)"
APPOINTED = "Appointed to a post (all routes)"
WITHHELD = f"fewer than {SUPPRESS_BELOW}"


def _classify(walk: Walk) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {k: [] for k in LATER}
    for pid, a in walk.affected.items():
        pool = walk.pools.get(a.stage_pool or "") if a.stage == "ring_fenced" else None
        if a.result == "appointed":
            out[
                "appointed_pool" if pool and a.result_post in pool.posts else "appointed_other"
            ].append(pid)
        elif a.result == "redeployed":
            out["redeployed"].append(pid)
        elif a.result == "left":
            cause = (a.left_cause or "").casefold()
            key = {"voluntary redundancy": "left_voluntary", "redundancy": "left_redundancy"}
            out[key.get(cause, "left_other")].append(pid)
        if pool is not None and a.result != "appointed":
            filled = all(
                any(p != pid for p, _ in walk.appointed_to.get(post, []))
                or any(p != pid for p in walk.slotted_into.get(post, []))
                for post in pool.posts
            )
            if filled:
                out["unsuccessful_pool"].append(pid)
    return out


#: Facts beside the outcomes (issue 15), counted over the read model at the proposed date.
ASIDE = {
    "pay_protected": "Pay protected (of the people displaced)",
    "vr_interest": "Expressed interest in voluntary redundancy (anyone, whatever the answer)",
}


def _aside(walk: Walk, after: Structure | None) -> dict[str, int]:
    """Pay protections of the people displaced and expressions of interest in voluntary
    redundancy, read from the read model's people (``pay_protection``, ``vr_interest``)."""
    if after is None:
        return {k: 0 for k in ASIDE}
    everyone = [*after.people.values(), *after.leavers.values()]
    return {
        "pay_protected": sum(
            1 for p in everyone if p.id in walk.affected and p.pay_protection is not None
        ),
        "vr_interest": sum(1 for p in everyone if p.vr_interest is not None),
    }


def later_counts(walk: Walk, exact: bool, after: Structure | None = None) -> list[LaterCount]:
    """The later outcomes with their totals, then the facts beside them (:data:`ASIDE`,
    from ``after``, the proposed read model); counts withheld unless ``exact``: each
    aside count is a fact about few people, withheld from 1 to 4 like the rest."""
    groups = _classify(walk)
    n = {k: len(v) for k, v in groups.items()}
    aside = _aside(walk, after)
    appointed = n["appointed_pool"] + n["appointed_other"]
    left = n["left_voluntary"] + n["left_redundancy"] + n["left_other"]
    cells: dict[tuple[str, ...], int] = {(k,): v for k, v in n.items()}
    cells[("appointed",)] = appointed
    cells[("left",)] = left
    cells.update({(k,): v for k, v in aside.items()})
    relations: list[list[tuple[str, ...]]] = [
        [("appointed",), ("appointed_pool",), ("appointed_other",)],
        [("left",), ("left_voluntary",), ("left_redundancy",), ("left_other",)],
    ]
    hidden = set() if exact else suppress(cells, relations)
    show = {c: (str(v) if c not in hidden else WITHHELD) for c, v in cells.items()}
    rows = [LaterCount(APPOINTED, show[("appointed",)], appointed, True)]
    rows += [LaterCount(LATER[k], show[(k,)], n[k]) for k in ("appointed_pool", "appointed_other")]
    rows += [LaterCount(LATER[k], show[(k,)], n[k]) for k in ("unsuccessful_pool", "redeployed")]
    rows.append(LaterCount(LEFT, show[("left",)], left, True))
    rows += [
        LaterCount(LATER[k], show[(k,)], n[k])
        for k in ("left_voluntary", "left_redundancy", "left_other")
    ]
    rows += [LaterCount(ASIDE[k], show[(k,)], aside[k], aside=True) for k in ASIDE]
    return rows
