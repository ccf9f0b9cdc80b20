"""Figures that compare structures side by side: the ``compare`` command.

For each branch at a date: units by kind, posts and FTE by grade, establishment cost,
vacancies, people by outcome, and spans and layers. Establishment figures (posts, FTE,
cost, vacancies, spans, layers) leave out posts in external bodies (``is_external``):
they are no longer the employer's establishment.

- **cost**: a post's ``cost`` when it has one; otherwise the midpoint of its grade's pay
  range times its FTE; posts with neither are counted in ``posts_without_cost``.
- **vacancies**: ``posts`` counts vacant posts as heads (no substantive holder);
  ``fte`` is the vacant FTE, whole vacant posts plus the unfilled balance of part-filled
  ones (a 0.6 FTE holder in a 1.0 FTE post leaves 0.4 FTE vacant), from the read model.
- **layers**: levels of the reporting tree under the top post (the post with the largest
  reporting tree), the top post being layer 1; ``management_layers`` counts the layers
  that hold at least one manager.
- **span of control**: direct reports per manager (a manager is a post with at least one
  direct report); managers with one or two direct reports are listed as ``narrow``, the
  usual flag of organisation-design reviews.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import Any

from orgsim.domain.state import OrgState
from orgsim.domain.structure import PersonView, Structure
from orgsim.domain.timeline import fold_each, gc_paused
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store

OUTCOMES = ("displaced", "slotted", "ring_fenced", "at_risk", "appointed", "redeployed")
UNIT_KINDS = ("organisation", "directorate", "division", "service", "team")


def _num(value: Decimal | float | int) -> float | int:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(round(value, 4))


def metrics(structure: Structure) -> dict[str, Any]:
    """Every figure for one branch at one date, as plain JSON-ready data."""
    posts = {pid: p for pid, p in structure.posts.items() if not p.external}
    external_units = [u for u in structure.units.values() if u.external]

    by_kind: dict[str, int] = {}
    for unit in structure.units.values():
        if not unit.external:
            by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
    kinds = {k: by_kind[k] for k in UNIT_KINDS if k in by_kind}
    kinds.update({k: n for k, n in sorted(by_kind.items()) if k not in kinds})

    order = structure.grade_rank()
    table: dict[str, dict[str, Any]] = {}
    total_cost = Decimal(0)
    missing_cost = 0
    vacant = [p for p in posts.values() if p.vacant]
    for pid, post in posts.items():
        row = table.setdefault(
            post.grade,
            {
                "posts": 0,
                "fte": Decimal(0),
                "cost": Decimal(0),
                "vacant": 0,
                "vacant_fte": Decimal(0),
            },
        )
        row["posts"] += 1
        row["fte"] += post.fte
        row["vacant"] += post.vacant
        row["vacant_fte"] += post.unfilled_fte
        cost = structure.establishment_cost(pid)
        if cost is None:
            missing_cost += 1
        else:
            row["cost"] += cost
            total_cost += cost
    by_grade = [
        {"grade": g, "posts": r["posts"], "fte": _num(r["fte"]), "cost": _num(r["cost"]),
         "vacant": r["vacant"], "vacant_fte": _num(r["vacant_fte"])}
        for g, r in sorted(table.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]  # fmt: skip

    def transferred(person: PersonView) -> bool:
        """Holds only posts in bodies outside the employer (a TUPE transfer)."""
        held = person.substantive
        return bool(held) and all(structure.posts[p].external for p in held)

    moved_out = [p for p in structure.people.values() if transferred(p)]
    current = [p for p in structure.people.values() if not transferred(p)]
    outcomes = {o: 0 for o in OUTCOMES}
    for person in current:
        # ring-fenced and at-risk people are still displaced: they count in both rows
        if person.displaced_from is not None:
            outcomes["displaced"] += 1
        if person.status in outcomes and person.status != "displaced":
            outcomes[person.status] += 1
    left = list(structure.leavers.values())
    in_post = sum(1 for p in current if p.substantive)

    return {
        "branch": structure.branch,
        "at": structure.at.isoformat(),
        "units": {"total": sum(kinds.values()), "by_kind": kinds, "external": len(external_units)},
        "posts": {
            "total": len(posts),
            "fte": _num(sum((p.fte for p in posts.values()), Decimal(0))),
            "by_grade": by_grade,
            "external": len(structure.posts) - len(posts),
        },
        "cost": {
            "total": _num(total_cost),
            "posts_without_cost": missing_cost,
            "complete": missing_cost == 0 and bool(posts),
            "basis": "post cost, else grade pay-range midpoint x FTE",
        },
        # vacant posts are heads (no substantive holder); vacant FTE adds the unfilled
        # balance of part-filled posts, as the read model says it (PostView.unfilled_fte)
        "vacancies": {"posts": len(vacant), "fte": _num(structure.vacant_fte())},
        "people": {
            "current": len(current),
            "in_post": in_post,
            **outcomes,
            "left": len(left),
            "transferred_out": len(moved_out),
            "redundancies": sum(
                1 for p in left if p.left in ("redundancy", "voluntary redundancy")
            ),
        },
        "spans": _spans(structure, list(posts)),
        "layers": _layers(structure, list(posts)),
    }


def _spans(structure: Structure, posts: list[str]) -> dict[str, Any]:
    reports = structure.reports_map(posts)
    spans = {pid: len(kids) for pid, kids in reports.items() if kids}
    values = sorted(spans.values())
    narrow = sorted((n, pid) for pid, n in spans.items() if n <= 2)
    return {
        "managers": len(spans),
        "median": _num(Decimal(str(statistics.median(values)))) if values else None,
        "mean": _num(Decimal(sum(values)) / len(values)) if values else None,
        "max": max(values) if values else None,
        "min": min(values) if values else None,
        "narrow_count": len(narrow),
        "narrow": [
            {"post": pid, "title": structure.posts[pid].title, "span": n} for n, pid in narrow
        ],
    }


def _layers(structure: Structure, posts: list[str]) -> dict[str, Any]:
    reports = structure.reports_map(posts)
    roots = sorted(pid for pid in reports if structure.posts[pid].reports_to not in reports)
    if not roots:
        return {"top": None, "layers": 0, "management_layers": 0, "posts_by_layer": [],
                "other_tops": []}  # fmt: skip
    sizes = {}
    for root in roots:
        count, stack = 0, [root]
        while stack:
            current = stack.pop()
            count += 1
            stack.extend(reports[current])
        sizes[root] = count
    top = min(roots, key=lambda r: (-sizes[r], r))
    by_layer: list[int] = []
    managers_by_layer: list[int] = []
    level = [top]
    while level:
        by_layer.append(len(level))
        managers_by_layer.append(sum(1 for p in level if reports[p]))
        level = [c for p in level for c in reports[p]]
    return {
        "top": top,
        "top_title": structure.posts[top].title,
        "layers": len(by_layer),
        "management_layers": sum(1 for n in managers_by_layer if n),
        "posts_by_layer": by_layer,
        "other_tops": [r for r in roots if r != top],
    }


def compare_branches(
    store: Store, names: list[str], at: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    from orgsim.store import checkpoints

    reader = BranchReader(store)
    for name in names:
        reader.info(name)  # every name checked before any work

    def figures_of(i: int, state: OrgState) -> dict[str, Any]:
        structure = Structure.from_state(names[i], at, state)
        figures = metrics(structure)
        figures["redundancy_cost"] = _redundancy_cost(structure, state)
        return figures

    # a fork shares its parent's checkpoints, so each state costs a checkpoint and the
    # stretch of log after it; without them, fold_each folds a shared prefix once
    with gc_paused():
        states = [checkpoints.state_at(store, name, at, known_at) for name in names]
        if all(state is not None for state in states):
            figures = [figures_of(i, state) for i, state in enumerate(states) if state]
        else:
            logs = [reader.load(name) for name in names]
            figures = fold_each([log.timeline for log in logs], at, known_at, figures_of)
    document: dict[str, Any] = {"at": at.isoformat(), "branches": figures}
    if known_at is not None:
        document["as_known_at"] = known_at.isoformat()
    if len(figures) == 2:
        document["difference"] = _difference(figures[0], figures[1])
    return document


def _redundancy_cost(structure: Structure, state: OrgState) -> dict[str, Any]:
    """Totals only (never per person) of the redundancy cost: SPEC section 13."""
    from orgsim.views.cost import cost_report, terms_of

    return cost_report(structure, terms_of(state)).totals_json()


def _flat(figures: dict[str, Any]) -> dict[str, float | int]:
    """The headline numbers of one branch, flat, for differences and the table."""
    out: dict[str, float | int] = {"units": figures["units"]["total"]}
    for kind, n in figures["units"]["by_kind"].items():
        out[f"units.{kind}"] = n
    out["posts"] = figures["posts"]["total"]
    out["fte"] = figures["posts"]["fte"]
    for row in figures["posts"]["by_grade"]:
        out[f"posts.{row['grade']}"] = row["posts"]
        out[f"fte.{row['grade']}"] = row["fte"]
    out["cost"] = figures["cost"]["total"]
    out["vacancies"] = figures["vacancies"]["posts"]
    out["vacant_fte"] = figures["vacancies"]["fte"]
    for key in ("current", "in_post", *OUTCOMES, "left", "redundancies", "transferred_out"):
        out[f"people.{key}"] = figures["people"][key]
    if "redundancy_cost" in figures:
        cost = figures["redundancy_cost"]
        for key in ("statutory", "enhanced", "notice", "total"):
            out[f"redundancy.{key}"] = cost[key]
        out["redundancy.missing"] = len(cost["missing"])
    out["layers"] = figures["layers"]["layers"]
    out["management_layers"] = figures["layers"]["management_layers"]
    spans = figures["spans"]
    out["managers"] = spans["managers"]
    for key in ("median", "max"):
        if spans[key] is not None:
            out[f"span.{key}"] = spans[key]
    out["span.narrow"] = spans["narrow_count"]
    return out


def _difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float | int]:
    """Second minus first, for every headline figure either has (a missing one is 0)."""
    fa, fb = _flat(a), _flat(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    return {k: _num(Decimal(str(fb.get(k, 0))) - Decimal(str(fa.get(k, 0)))) for k in keys}


_LABELS = [
    ("## Units", None),
    ("units", "units (employer)"),
    ("units.*", "  {}"),
    ("## Posts", None),
    ("posts", "posts"),
    ("fte", "FTE"),
    ("posts.*", "  posts {}"),
    ("fte.*", "  FTE {}"),
    ("cost", "establishment cost"),
    ("vacancies", "vacant posts"),
    ("vacant_fte", "vacant FTE"),
    ("## People", None),
    ("people.current", "people"),
    ("people.in_post", "in post"),
    ("people.displaced", "displaced"),
    ("people.slotted", "slotted"),
    ("people.ring_fenced", "ring-fenced"),
    ("people.at_risk", "at risk"),
    ("people.appointed", "appointed"),
    ("people.redeployed", "redeployed"),
    ("people.left", "left"),
    ("people.redundancies", "of whom redundancies"),
    ("people.transferred_out", "transferred to external bodies"),
    ("## Redundancy cost", None),
    ("redundancy.statutory", "statutory redundancy pay"),
    ("redundancy.enhanced", "employer's enhancement"),
    ("redundancy.notice", "notice pay"),
    ("redundancy.total", "redundancy cost"),
    ("redundancy.missing", "people not costed (data missing)"),
    ("## Spans and layers", None),
    ("layers", "layers (top post = 1)"),
    ("management_layers", "management layers"),
    ("managers", "managers"),
    ("span.median", "span of control, median"),
    ("span.max", "span of control, max"),
    ("span.narrow", "managers with 1-2 reports"),
]


def _fmt(value: float | int | None, key: str) -> str:
    if value is None:
        return "-"
    if key == "cost" or (key.startswith("redundancy.") and key != "redundancy.missing"):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def table_rows(document: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """Rows for a side-by-side table: (label, one value per branch, change); a label
    starting with ``## `` is a section heading."""
    flats = [_flat(b) for b in document["branches"]]
    seen: list[str] = []
    for flat in flats:
        seen.extend(k for k in flat if k not in seen)
    rows: list[tuple[str, list[str], str]] = []
    for pattern, label in _LABELS:
        if label is None:
            rows.append((pattern, [], ""))
            continue
        if pattern.endswith(".*"):
            prefix = pattern[:-1]
            keys = [k for k in seen if k.startswith(prefix)]
        else:
            keys = [pattern] if pattern in seen else []
        for key in keys:
            text = label.format(key[len(pattern) - 1 :]) if pattern.endswith(".*") else label
            values = [_fmt(f.get(key), key) for f in flats]
            delta = ""
            if len(flats) == 2:
                change = document["difference"].get(key)
                if change:
                    delta = ("+" if change > 0 else "") + _fmt(change, key)
            rows.append((text, values, delta))
    if not any(b["cost"]["total"] for b in document["branches"]):
        rows = [r for r in rows if r[0] != "establishment cost"]
    return rows
