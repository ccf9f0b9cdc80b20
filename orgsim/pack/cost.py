"""The pack's redundancy cost (SPEC section 13): totals only, never a person's figures.

Built from the same report as ``orgsim cost`` (:func:`orgsim.views.cost.cost_report`) on
the proposed structure. A directorate's total covering fewer than :data:`SUPPRESS_BELOW`
people is shown as ``*`` without ``--names`` (one person's total would be their pay and
service in disguise), as the equality summary suppresses small counts; the overall
total is always given, with how many people it covers and how many lack the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orgsim.domain.cost import cap_on
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.pack.text import money
from orgsim.views.cost import cost_report, terms_of

__all__ = ["CostSection", "cost_section"]

SUPPRESS_BELOW = 5


@dataclass
class CostSection:
    #: (label, amount) for statutory, enhanced, notice and total
    totals: list[tuple[str, str]]
    #: (directorate name, people costed, amount or "*")
    by_unit: list[tuple[str, int, str]]
    people: int
    costed: int
    missing: int
    terms: str
    sources: list[str] = field(default_factory=list)


def _terms_text(structure: Structure, state: OrgState) -> str:
    terms = terms_of(state)
    if terms.preset == "statutory" or (
        terms.factor == 1 and not terms.actual_pay and terms.preset is None
    ):
        text = "the statutory redundancy payment only (capped week's pay)"
    else:
        pay = "actual pay" if terms.actual_pay else "the capped week's pay"
        cap = f", at most {terms.max_weeks} weeks" if terms.max_weeks is not None else ""
        table = (
            "the statutory table"
            if terms.factor == 1
            else f"the statutory table × {terms.multiplier}"
        )
        text = f"{table} on {pay}{cap}"
    notice = "notice paid" if terms.notice == "pay" else "notice worked (not costed)"
    return f"{text}; {notice}"


def cost_section(structure: Structure, state: OrgState, names: bool) -> CostSection | None:
    """The cost block of the pack, or None when nobody has left by redundancy or is at
    risk on the proposed date."""
    report = cost_report(structure, terms_of(state))
    if not report.lines:
        return None
    labels = (
        ("statutory", "Statutory redundancy pay (ERA 1996 s162)"),
        ("enhanced", "Employer's enhancement"),
        ("notice", "Notice pay"),
        ("total", "Total"),
    )
    totals = [(label, money(report.total(key))) for key, label in labels]
    counts: dict[str, int] = {}
    for line in report.costed:
        key = line.unit or "(no unit)"
        counts[key] = counts.get(key, 0) + 1
    by_unit = []
    for unit_id, amount in report.by_unit().items():
        view = structure.unit(unit_id)
        name = view.name if view is not None else unit_id
        n = counts.get(unit_id, 0)
        shown = money(amount) if names or n >= SUPPRESS_BELOW else "*"
        by_unit.append((name, n, shown))
    sources = sorted({c for line in report.lines if (c := _cap_source(line.cost.relevant))})
    return CostSection(
        totals,
        by_unit,
        len(report.lines),
        len(report.costed),
        len(report.missing),
        _terms_text(structure, state),
        sources,
    )


def _cap_source(day: dt.date) -> str | None:
    cap = cap_on(day)
    if cap is None or cap.weekly_limit is None:
        return None
    return f"£{cap.weekly_limit:,} a week from {cap.since:%-d %B %Y}: {cap.source}"
