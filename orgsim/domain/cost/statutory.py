"""Statutory redundancy pay (Employment Rights Act 1996 ss155, 162) and statutory
minimum notice (s86), computed exactly from dates.

- **Qualifying**: two years' continuous employment ending with the relevant date (s155).
- **Years counted**: complete years of continuous employment, counted back from the
  relevant date, at most 20 (s162(3)). Continuous employment begins with the day the
  employee starts work and ends with the relevant date, both days included (s211), so a
  start of 1 April 2012 and a relevant date of 31 March 2014 make exactly two years.
- **Weeks per year** (s162(2)): one and a half weeks' pay for a year throughout which the
  employee was not below 41, one week for a year throughout which they were not below
  22, half a week for any other year. "Throughout" means their age on the first day of
  that year of employment decides it.
- **A week's pay** is capped at the limit in force on the relevant date (s227, see
  :mod:`.caps`).

Amounts are exact decimals; rounding to pence happens once, at the end (half up).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "MAX_YEARS",
    "StatutoryPay",
    "add_years",
    "age_on",
    "complete_years",
    "pence",
    "statutory_notice_weeks",
    "statutory_weeks",
]

MAX_YEARS = 20
QUALIFYING_YEARS = 2
HALF = Decimal("0.5")
PENNY = Decimal("0.01")


def pence(amount: Decimal) -> Decimal:
    """Round an amount of pounds to pence, half up."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier); 29 February becomes 1 March, as a
    person born on 29 February attains an age on 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    age = day.year - born.year
    if add_years(born, age) > day:
        age -= 1
    return age


def complete_years(start: dt.date, relevant: dt.date) -> int:
    """Complete years of continuous employment from ``start`` to ``relevant`` inclusive."""
    end = relevant + dt.timedelta(days=1)  # the day after the last day of employment
    if end <= start:
        return 0
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return years


def _year_weeks(age_at_start: int) -> Decimal:
    if age_at_start >= 41:
        return Decimal("1.5")
    if age_at_start >= 22:
        return Decimal(1)
    return HALF


@dataclass(frozen=True)
class StatutoryPay:
    """The weeks the statute gives, and why."""

    #: complete years of continuous employment (before the 20-year limit)
    service_years: int
    #: years counted (at most 20; 0 when not qualifying)
    years_counted: int
    #: weeks' pay: a multiple of one half
    weeks: Decimal
    #: the years counted back from the relevant date, each with its weeks (newest first)
    per_year: tuple[Decimal, ...]


def statutory_weeks(born: dt.date, start: dt.date, relevant: dt.date) -> StatutoryPay:
    """The s162 weeks for a person born ``born``, continuously employed from ``start``,
    dismissed with relevant date ``relevant``."""
    service = complete_years(start, relevant)
    if service < QUALIFYING_YEARS:
        return StatutoryPay(service, 0, Decimal(0), ())
    counted = min(service, MAX_YEARS)
    end = relevant + dt.timedelta(days=1)
    per_year = tuple(_year_weeks(age_on(born, add_years(end, -k))) for k in range(1, counted + 1))
    return StatutoryPay(service, counted, sum(per_year, Decimal(0)), per_year)


def statutory_notice_weeks(start: dt.date, relevant: dt.date) -> int:
    """ERA 1996 s86(1): one week after a month's continuous employment; one week per
    complete year after two years, at most twelve."""
    years = complete_years(start, relevant)
    if years >= 2:
        return min(years, 12)
    end = relevant + dt.timedelta(days=1)
    month_later = _add_months(start, 1)
    return 1 if month_later <= end else 0


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")
