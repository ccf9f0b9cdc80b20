"""One person's redundancy cost: statutory pay, the employer's enhancement, notice pay.

Pure calculation from dates and amounts; what the person lacks is named in ``missing``
and then no amount is given at all — a missing date of birth is never a cost of zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from orgsim.domain.cost.caps import cap_on
from orgsim.domain.cost.statutory import pence, statutory_notice_weeks, statutory_weeks
from orgsim.domain.cost.terms import RedundancyTerms

__all__ = ["Notice", "PersonCost", "notice_period", "person_cost"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class PersonCost:
    relevant: dt.date
    missing: tuple[str, ...] = ()
    statutory: Decimal | None = None
    enhanced: Decimal | None = None
    notice: Decimal | None = None
    #: complete years of continuous employment, years counted, s162 weeks, the cap used
    service_years: int | None = None
    years_counted: int | None = None
    weeks: Decimal | None = None
    cap: Decimal | None = None
    notice_weeks: int | None = None

    @property
    def total(self) -> Decimal | None:
        if self.statutory is None or self.enhanced is None or self.notice is None:
            return None
        return self.statutory + self.enhanced + self.notice


@dataclass(frozen=True)
class Notice:
    """The notice a person is owed: the longest of the statutory minimum (ERA 1996
    s86), their own contractual notice and the policy's notice for their grade."""

    weeks: int
    #: which one decides it: "statutory", "contractual" (the person's own) or "policy"
    basis: str
    #: False when the start of continuous service is not recorded, so the statutory
    #: minimum (up to 12 weeks) could not be counted: the notice may be longer
    statutory_known: bool = True


def notice_period(
    *,
    service_start: dt.date | None,
    relevant: dt.date,
    terms: RedundancyTerms,
    grade: str | None = None,
    own_notice_weeks: int | None = None,
) -> Notice:
    """The notice owed for a dismissal taking effect on ``relevant``: notice pay in the
    cost, and how far before the dismissal notice must be given (the HR1 date)."""
    statutory = statutory_notice_weeks(service_start, relevant) if service_start is not None else 0
    options = (
        (statutory, "statutory"),
        (own_notice_weeks or 0, "contractual"),
        (terms.notice_weeks.get(grade or "", 0), "policy"),
    )
    weeks, basis = max(options, key=lambda o: o[0])  # ties: the statute first
    return Notice(weeks, basis, service_start is not None)


def _money(amount: Fraction) -> Decimal:
    with localcontext() as context:
        context.prec = 50
        value = Decimal(amount.numerator) / Decimal(amount.denominator)
    return pence(value)


def person_cost(
    *,
    born: dt.date | None,
    service_start: dt.date | None,
    weekly_pay: Decimal | None,
    relevant: dt.date,
    terms: RedundancyTerms,
    grade: str | None = None,
    own_notice_weeks: int | None = None,
) -> PersonCost:
    """The cost of dismissing one person by redundancy with relevant date ``relevant``."""
    cap = cap_on(relevant)
    missing = [
        name
        for name, value in (
            ("born", born),
            ("service_start", service_start),
            ("weekly_pay", weekly_pay),
        )
        if value is None
    ]
    if cap is None or cap.weekly_limit is None:
        missing.append("weekly_pay_cap")
    if missing:
        return PersonCost(relevant, tuple(missing))
    assert born is not None and service_start is not None and weekly_pay is not None
    assert cap is not None and cap.weekly_limit is not None
    table = statutory_weeks(born, service_start, relevant)
    capped = min(weekly_pay, cap.weekly_limit)
    statutory = pence(table.weeks * capped)
    used = weekly_pay if terms.actual_pay else capped
    weeks = Fraction(table.weeks) * terms.factor
    if terms.max_weeks is not None:
        weeks = min(weeks, Fraction(terms.max_weeks))
    enhanced = max(_money(weeks * Fraction(used)) - statutory, ZERO)
    notice_weeks = notice_period(
        service_start=service_start,
        relevant=relevant,
        terms=terms,
        grade=grade,
        own_notice_weeks=own_notice_weeks,
    ).weeks
    notice = pence(notice_weeks * weekly_pay) if terms.notice == "pay" else ZERO
    return PersonCost(
        relevant,
        (),
        statutory,
        enhanced,
        notice,
        table.service_years,
        table.years_counted,
        table.weeks,
        cap.weekly_limit,
        notice_weeks,
    )
