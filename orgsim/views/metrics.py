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
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import fold_each, gc_paused
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store

OUTCOMES = ("displaced", "slotted", "ring_fenced", "at_risk", "appointed", "redeployed")
UNIT_KINDS = ("organisation", "directorate", "division", "service", "team")


def _num(value: Decimal | float | int) -> float | int:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(round(value, 4))


def metrics(structure: Structure) -> dict[str, Any]:
    """Every figure for one branch at one date, as plain JSON-ready data.

    One pass over the posts (the per-grade table, cost, vacancies, the reporting roots),
    one over the people (each classified once) and one reporting map shared by spans
    and layers. At 50,000 posts this is ~0.35 s CPU per branch where the passes it
    replaced (two reporting maps, two ``transferred`` tests per person, a pass per
    figure) took ~0.95 s. Cost and vacancy are the read model's (``establishment_cost``,
    ``PostView.vacant``), asked once per post. The additions are the same,
    in the same order (the structure's post order), so every figure is the same number
    of the same type. About half of what is left is ``PostView.unfilled_fte`` (computed on
    first use) and the reporting map."""
    all_posts = structure.posts
    establishment_cost = structure.establishment_cost
    table: dict[str, list[Any]] = {}
    kept: list[str] = []
    external: set[str] = set()
    roots: list[str] = []
    total_fte = total_cost = vacant_fte = Decimal(0)
    missing_cost = vacant = 0
    for pid, post in all_posts.items():
        if post.external:
            external.add(pid)
            continue
        kept.append(pid)
        fte, grade, unfilled = post.fte, post.grade, post.unfilled_fte
        row = table.get(grade)
        if row is None:  # posts, fte, cost, vacant, vacant fte
            row = table[grade] = [0, Decimal(0), Decimal(0), 0, Decimal(0)]
        row[0] += 1
        row[1] += fte
        total_fte += fte
        if post.vacant:
            row[3] += 1
            vacant += 1
        row[4] += unfilled
        vacant_fte += unfilled
        cost = establishment_cost(pid)
        if cost is None:
            missing_cost += 1
        else:
            row[2] += cost
            total_cost += cost
        manager = post.reports_to
        if manager is None or manager not in all_posts or all_posts[manager].external:
            roots.append(pid)  # reports to no post of the employer: a root of the tree

    by_kind: dict[str, int] = {}
    external_units = 0
    for unit in structure.units.values():
        if unit.external:
            external_units += 1
        else:
            by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
    kinds = {k: by_kind[k] for k in UNIT_KINDS if k in by_kind}
    kinds.update({k: n for k, n in sorted(by_kind.items()) if k not in kinds})

    order = structure.grade_rank()
    by_grade = [
        {"grade": g, "posts": r[0], "fte": _num(r[1]), "cost": _num(r[2]),
         "vacant": r[3], "vacant_fte": _num(r[4])}
        for g, r in sorted(table.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]  # fmt: skip

    # each person once: transferred out (every substantive post in an external body),
    # else current; ring-fenced and at-risk people are still displaced (both rows)
    outcomes = {o: 0 for o in OUTCOMES}
    statuses: dict[str | None, int] = {}
    current = in_post = moved_out = displaced = 0
    for person in structure.people.values():
        held = person.substantive
        if held:
            if external and all(p in external for p in held):
                moved_out += 1
                continue
            in_post += 1
        current += 1
        if person.displaced_from is not None:
            displaced += 1
        statuses[person.status] = statuses.get(person.status, 0) + 1
    outcomes["displaced"] = displaced
    for status in OUTCOMES[1:]:
        outcomes[status] = statuses.get(status, 0)
    left = structure.leavers.values()

    reports = structure.reports_map(kept)
    return {
        "branch": structure.branch,
        "at": structure.at.isoformat(),
        "units": {"total": sum(kinds.values()), "by_kind": kinds, "external": external_units},
        "posts": {
            "total": len(kept),
            "fte": _num(total_fte),
            "by_grade": by_grade,
            "external": len(all_posts) - len(kept),
        },
        "cost": {
            "total": _num(total_cost),
            "posts_without_cost": missing_cost,
            "complete": missing_cost == 0 and bool(kept),
            "basis": "post cost, else grade pay-range midpoint x FTE",
        },
        # vacant posts are heads (no substantive holder); vacant FTE adds the unfilled
        # balance of part-filled posts, as the read model says it (PostView.unfilled_fte)
        "vacancies": {"posts": vacant, "fte": _num(vacant_fte)},
        "people": {
            "current": current,
            "in_post": in_post,
            **outcomes,
            "left": len(left),
            "transferred_out": moved_out,
            "redundancies": sum(
                1 for p in left if p.left in ("redundancy", "voluntary redundancy")
            ),
        },
        "spans": _spans(structure, reports),
        "layers": _layers(structure, reports, sorted(roots)),
    }


def _spans(structure: Structure, reports: dict[str, list[str]]) -> dict[str, Any]:
    spans = {pid: len(kids) for pid, kids in reports.items() if kids}
    values = sorted(spans.values())
    narrow = sorted((n, pid) for pid, n in spans.items() if n <= 2)
    return {
        "managers": len(spans),
        "median": _num(Decimal(str(statistics.median(values)))) if values else None,
        "mean": _num(Decimal(sum(values)) / len(values)) if values else None,
        "max": values[-1] if values else None,
        "min": values[0] if values else None,
        "narrow_count": len(narrow),
        "narrow": [
            {"post": pid, "title": structure.posts[pid].title, "span": n} for n, pid in narrow
        ],
    }


def _layers(
    structure: Structure, reports: dict[str, list[str]], roots: list[str]
) -> dict[str, Any]:
    """Layers under the top post; ``roots`` are the posts of ``reports`` whose manager is
    not in it, sorted."""
    if not roots:
        return {"top": None, "layers": 0, "management_layers": 0, "posts_by_layer": [],
                "other_tops": []}  # fmt: skip
    top = roots[0]
    if len(roots) > 1:  # the root with the largest tree (the least id of a tie)
        sizes = {}
        for root in roots:
            count, stack = 0, [root]
            while stack:
                count += 1
                stack.extend(reports[stack.pop()])
            sizes[root] = count
        top = min(roots, key=lambda r: (-sizes[r], r))
    by_layer: list[int] = []
    management_layers = 0
    level = [top]
    while level:
        by_layer.append(len(level))
        following = [c for p in level for c in reports[p]]
        if following:  # some post of this layer has a report: a manager's layer
            management_layers += 1
        level = following
    return {
        "top": top,
        "top_title": structure.posts[top].title,
        "layers": len(by_layer),
        "management_layers": management_layers,
        "posts_by_layer": by_layer,
        "other_tops": [r for r in roots if r != top],
    }


def compare_branches(
    store: Store, names: list[str], at: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    from orgsim.store import fork_states

    reader = BranchReader(store)
    for name in names:
        reader.info(name)  # every name checked before any work

    def figures_of(i: int, state: OrgState) -> dict[str, Any]:
        structure = Structure.from_state(names[i], at, state)
        figures = metrics(structure)
        figures["redundancy_cost"] = _redundancy_cost(structure, state)
        return figures

    # a fork shares its parent's checkpoints, and a fork at its parent's head its state:
    # each_state_at folds what the logs share once; whatever the checkpoints cannot
    # answer is replayed, and fold_each folds a shared prefix of those once
    with gc_paused():
        done = fork_states.each_state_at(store, names, at, known_at, figures_of)
        missing = [i for i in range(len(names)) if i not in done]
        if missing:
            timelines = [reader.load(names[i]).timeline for i in missing]
            replayed = fold_each(
                timelines, at, known_at, lambda j, state: figures_of(missing[j], state)
            )
            done.update(zip(missing, replayed, strict=True))
        figures = [done[i] for i in range(len(names))]
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
