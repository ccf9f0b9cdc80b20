"""The statutory limit on a week's pay (Employment Rights Act 1996 s227), by date.

A statutory redundancy payment counts a week's pay only up to the limit in force on the
"appropriate date" — for a redundancy payment, the relevant date of the dismissal. Each
year's Employment Rights (Increase of Limits) Order sets a new figure and says it applies
where the appropriate date falls on or after its commencement; so the limit for a date is
the figure of the latest order in force by then. Figures for England, Wales and Scotland
(Northern Ireland has its own orders and figures).

Kept as data with a source per row so that a figure can be checked against the order it
came from. An order whose figure this table does not hold has ``weekly_limit`` None: a
dismissal on or after it is reported as lacking the cap, never costed with a guess.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["CAPS", "Cap", "cap_on"]


@dataclass(frozen=True)
class Cap:
    #: first appropriate date (dismissal date) the figure applies to
    since: dt.date
    weekly_limit: Decimal | None
    source: str


_ORDER = "The Employment Rights (Increase of Limits) Order"

#: Oldest first. Dates and figures from each order's schedule (ERA 1996 s227(1)).
CAPS: tuple[Cap, ...] = (
    Cap(dt.date(2011, 2, 1), Decimal(400), f"{_ORDER} 2010, SI 2010/2926"),
    Cap(dt.date(2012, 2, 1), Decimal(430), f"{_ORDER} 2011, SI 2011/3006"),
    Cap(dt.date(2013, 2, 1), Decimal(450), f"{_ORDER} 2012, SI 2012/3007"),
    Cap(dt.date(2014, 4, 6), Decimal(464), f"{_ORDER} 2014, SI 2014/382"),
    Cap(dt.date(2015, 4, 6), Decimal(475), f"{_ORDER} 2015, SI 2015/226"),
    Cap(dt.date(2016, 4, 6), Decimal(479), f"{_ORDER} 2016, SI 2016/288"),
    Cap(dt.date(2017, 4, 6), Decimal(489), f"{_ORDER} 2017, SI 2017/175"),
    Cap(dt.date(2018, 4, 6), Decimal(508), f"{_ORDER} 2018, SI 2018/194"),
    Cap(dt.date(2019, 4, 6), Decimal(525), f"{_ORDER} 2019, SI 2019/324"),
    Cap(dt.date(2020, 4, 6), Decimal(538), f"{_ORDER} 2020, SI 2020/205"),
    Cap(dt.date(2021, 4, 6), Decimal(544), f"{_ORDER} 2021, SI 2021/208"),
    Cap(dt.date(2022, 4, 6), Decimal(571), f"{_ORDER} 2022, SI 2022/170"),
    Cap(dt.date(2023, 4, 6), Decimal(643), f"{_ORDER} 2023"),
    Cap(dt.date(2024, 4, 6), Decimal(700), f"{_ORDER} 2024"),
    Cap(dt.date(2025, 4, 6), Decimal(719), f"{_ORDER} 2025, SI 2025/348"),
    # In force from 6 April 2026; its figure is not yet entered here (see module doc).
    Cap(dt.date(2026, 4, 6), None, f"{_ORDER} 2026, SI 2026/310"),
)


def cap_on(day: dt.date) -> Cap | None:
    """The limit in force for a dismissal on ``day``; None before the table starts.

    The Employment Relations Act 1999 s34 makes the Secretary of State order new limits
    each year (from the September retail prices index), so the table's last figure is
    known for one year at most: a day a year or more after its last order is given a cap
    of unknown amount (reported missing), never the last figure carried forward."""
    found = None
    for cap in CAPS:
        if cap.since <= day:
            found = cap
    if found is CAPS[-1] and day >= (next_order := _a_year_after(found.since)):
        return Cap(
            next_order,
            None,
            f"{_ORDER} expected from {next_order.isoformat()} (Employment Relations Act "
            "1999 s34): not in this table",
        )
    return found


def _a_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return dt.date(day.year + 1, 3, 1)
