"""The cost of a restructure's redundancies (SPEC section 13): ``cost --json``, the
``compare`` cost block and the pack's cost section all come from :func:`cost_report`.

Who is costed: people who have left by redundancy or voluntary redundancy by the date
(a volunteer whose post went to a bumped person included), and people at risk at the
date (their cost if they are dismissed). A person redeployed into suitable alternative
employment is neither, so costs no redundancy pay; one who unreasonably refused a
suitable offer gets no statutory payment (ERA 1996 s141(2), s141(4)), with the reason. The relevant date is
the day they left, or for someone at risk the day their post is deleted: the cost of an
option does not drift with the day it is asked for. The person's post (the one they left
from or were displaced from) gives the grade for contractual notice and the directorate
for the totals by unit.

Everything about a person comes from the read model (:class:`PersonView`); the
arithmetic is :mod:`orgsim.domain.cost`. Personal data (date of birth, service, pay) and
the figures derived from them (years, weeks) appear only with ``names``; without it a
person is an id, an outcome and amounts — the SPEC's shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from orgsim.domain.cost import PersonCost, RedundancyTerms, cap_on, person_cost, resolve_terms
from orgsim.domain.redeployment import refusal_text
from orgsim.domain.state import OrgState
from orgsim.domain.structure import PersonView, Structure
from orgsim.store.branches import BranchLog

__all__ = ["CostReport", "PersonLine", "cost_report", "terms_of"]

REDUNDANCY = ("redundancy", "voluntary redundancy")
ZERO = Decimal(0)
AMOUNTS = ("statutory", "enhanced", "notice", "total")


def terms_of(state: OrgState) -> RedundancyTerms:
    """The branch's redundancy terms: the policy's, else the statute alone."""
    from orgsim.domain.slotting.scope import policy_of

    return policy_of(state).redundancy or resolve_terms(None)


@dataclass(frozen=True)
class PersonLine:
    person: PersonView
    outcome: str
    post: str | None
    unit: str | None
    cost: PersonCost
    #: why the statutory payment is what it is, when the statute removes it
    statutory_note: str | None = None

    def amount(self, name: str) -> Decimal | None:
        value: Decimal | None = getattr(self.cost, name)
        return value


@dataclass(frozen=True)
class CostReport:
    branch: str
    at: dt.date
    terms: RedundancyTerms
    lines: tuple[PersonLine, ...]

    @property
    def costed(self) -> list[PersonLine]:
        return [line for line in self.lines if not line.cost.missing]

    @property
    def missing(self) -> list[PersonLine]:
        return [line for line in self.lines if line.cost.missing]

    def total(self, name: str) -> Decimal:
        return sum((line.amount(name) or ZERO for line in self.costed), ZERO)

    def by_unit(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.costed:
            key = line.unit or "(no unit)"
            out[key] = out.get(key, ZERO) + (line.cost.total or ZERO)
        return dict(sorted(out.items()))

    def totals_json(self) -> dict[str, Any]:
        """Totals only: what may leave orgsim without names (compare, the pack)."""
        out: dict[str, Any] = {name: _money(self.total(name)) for name in AMOUNTS}
        out["by_unit"] = {unit: _money(v) for unit, v in self.by_unit().items()}
        out["people"] = len(self.lines)
        out["costed"] = len(self.costed)
        out["missing"] = [line.person.id for line in self.missing]
        return out

    def to_json(self, names: bool = False) -> dict[str, Any]:
        """The SPEC section 13 ``cost --json`` document."""
        caps = sorted({line.cost.relevant for line in self.lines})
        used = {c.since: c for day in caps if (c := cap_on(day)) is not None}
        return {
            "branch": self.branch,
            "at": self.at.isoformat(),
            "terms": self.terms.model_dump(mode="json"),
            "people": [_person_json(line, names) for line in self.lines],
            "totals": self.totals_json(),
            "caps": [
                {
                    "since": c.since.isoformat(),
                    "weekly_limit": None if c.weekly_limit is None else _money(c.weekly_limit),
                    "source": c.source,
                }
                for c in used.values()
            ],
        }


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.01")))


def _person_json(line: PersonLine, names: bool) -> dict[str, Any]:
    cost = line.cost
    out: dict[str, Any] = {"person": line.person.id}
    if names:
        out["name"] = line.person.name
    out.update(
        {
            "outcome": line.outcome,
            "post": line.post,
            "unit": line.unit,
            "relevant_date": cost.relevant.isoformat(),
        }
    )
    out.update({name: _money(line.amount(name)) for name in AMOUNTS})
    if line.statutory_note is not None:
        out["statutory_note"] = line.statutory_note
    out["missing"] = list(cost.missing)
    if names:
        p = line.person
        out.update(
            {
                "born": p.born.isoformat() if p.born else None,
                "service_start": p.service_start.isoformat() if p.service_start else None,
                "weekly_pay": _money(p.weekly_pay),
                "service_years": cost.service_years,
                "years_counted": cost.years_counted,
                "weeks": None if cost.weeks is None else float(cost.weeks),
                "weekly_pay_cap": _money(cost.cap),
                "notice_weeks": cost.notice_weeks,
            }
        )
    return out


def _in_scope(structure: Structure) -> list[tuple[PersonView, str, str | None, dt.date]]:
    """(person, outcome, their post, relevant date) for everyone to cost."""
    out: list[tuple[PersonView, str, str | None, dt.date]] = []
    for person in structure.leavers.values():
        if person.left in REDUNDANCY:
            out.append((person, person.left, person.left_from, person.left_on or structure.at))
    for person in structure.people.values():
        if person.status == "at_risk":
            post = person.displaced_from or next(iter(person.substantive), None)
            view = structure.post(post) if post else None
            day = view.deleted if view is not None and view.deleted else structure.at
            out.append((person, "at_risk", post, day))
    return sorted(out, key=lambda item: item[0].id)


def cost_report(structure: Structure, terms: RedundancyTerms) -> CostReport:
    """The redundancy cost of a branch at the structure's date under ``terms``."""
    lines = []
    for person, outcome, post_id, day in _in_scope(structure):
        post = structure.post(post_id) if post_id else None
        unit = structure.directorate(post.unit) if post is not None else None
        cost = person_cost(
            born=person.born,
            service_start=person.service_start,
            weekly_pay=person.weekly_pay,
            relevant=day,
            terms=terms,
            grade=post.grade if post is not None else person.grade,
            own_notice_weeks=person.notice_weeks,
        )
        note = None
        refused = person.unreasonable_refusal
        if refused is not None and cost.statutory is not None:
            # ERA 1996 s141(2) (s141(4) for a trial ended unreasonably): no statutory
            # redundancy payment. The employer's enhancement and notice are its terms and
            # stay as computed.
            cost = replace(cost, statutory=ZERO)
            note = refusal_text(False, refused.in_trial)
        lines.append(PersonLine(person, outcome, post_id, unit, cost, note))
    return CostReport(structure.branch, structure.at, terms, tuple(lines))


def branch_cost(log: BranchLog, at: dt.date, known_at: dt.datetime | None = None) -> CostReport:
    """The cost report of a loaded branch at ``at`` (as known at ``known_at``)."""
    state = log.timeline.state_at(at, known_at)
    return cost_report(Structure.from_state(log.name, at, state), terms_of(state))
