"""Priority status for a suitable vacancy in a redundancy: who has it, and until when.

The one place the protected period is decided (the read model's
:meth:`orgsim.domain.records.PersonView.priority_status` asks :func:`protects`).

The law (England, Wales and Scotland)
-------------------------------------
* **Maternity leave** — Maternity and Parental Leave etc. Regulations 1999 (SI 1999/3312)
  reg 10: where during her maternity leave it is not practicable by reason of redundancy
  to continue to employ her under her existing contract, she is entitled to be offered a
  suitable available vacancy, before others, where there is one.
* **Adoption leave** — Paternity and Adoption Leave Regulations 2002 (SI 2002/2788) reg 23.
* **Shared parental leave** — Shared Parental Leave Regulations 2014 (SI 2014/3050) reg 39.
* **The 2024 extension** — the Protection from Redundancy (Pregnancy and Family Leave)
  Act 2023 and the Maternity Leave, Adoption Leave and Shared Parental Leave (Amendment)
  Regulations 2024 (SI 2024/310), in force 6 April 2024, extend the protected period:

  - *pregnancy*: from when the employer is informed of the pregnancy (reg 10 as
    amended), for pregnancies notified on or after 6 April 2024;
  - *maternity* and *adoption leave*: to 18 months after the date of birth or of
    placement, for leave ending on or after 6 April 2024;
  - *shared parental leave*: to 18 months after the birth or placement when at least six
    weeks of continuous shared parental leave were taken, for leave starting on or after
    6 April 2024 (otherwise only while on that leave).

The rule implemented (``at`` is the date of the decision)
----------------------------------------------------------
A record ``(status, start, end, birth)`` protects ``at`` when ``start <= at`` and either:

1. ``at <= end`` (or ``end`` is not given): the person is in the recorded period itself
   — for ``pregnancy`` only when ``start`` (the date the employer was told) is on or
   after 6 April 2024, since before then pregnancy alone gave no priority; or
2. the 2024 extension applies and ``at`` is no later than 18 calendar months after the
   birth or placement (``birth``): maternity and adoption leave whose ``end`` is on or
   after 6 April 2024 (an open-ended leave counts), pregnancy notified on or after that
   date, shared parental leave starting on or after that date and lasting at least six
   weeks (42 days, ``start`` to ``end`` inclusive; an open-ended one counts).

**Assumptions, stated because the record may be incomplete:** when ``birth`` is not
given, ``start`` stands for it (adoption leave starts at placement; maternity leave may
start up to eleven weeks before the birth, so this can end protection up to eleven weeks
early — record ``birth`` to be exact). A ``pregnancy`` record without ``birth`` protects
from ``start`` until its ``end`` if given, else with no end (until a later record says
otherwise); with a recorded ``birth`` it protects until 18 months after it. "18 months after" is the
same day of the month 18 months on (the last day of the month when that day does not
exist), inclusive.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

__all__ = [
    "EXTENSION_START",
    "LEAVE_STATUSES",
    "LeaveStatus",
    "add_months",
    "protects",
]

LeaveStatus = Literal["maternity", "adoption", "shared_parental", "pregnancy"]
LEAVE_STATUSES: tuple[str, ...] = ("maternity", "adoption", "shared_parental", "pregnancy")

#: The 2024 amendment regulations (SI 2024/310) came into force on this date.
EXTENSION_START = dt.date(2024, 4, 6)
#: Months of protection after the birth or placement under the 2024 extension.
EXTENSION_MONTHS = 18
#: Continuous shared parental leave needed for the extension (six weeks).
SPL_MINIMUM_DAYS = 42


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's last day (31 Aug + 18 months
    is 28 or 29 Feb). Written out: the standard library has no month arithmetic and
    python-dateutil is not a dependency for this one line."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _extended(status: str, start: dt.date, end: dt.date | None) -> bool:
    """Whether the 2024 extension (18 months after birth or placement) applies."""
    if status in ("maternity", "adoption"):
        return end is None or end >= EXTENSION_START
    if status == "shared_parental":
        long_enough = end is None or (end - start).days + 1 >= SPL_MINIMUM_DAYS
        return start >= EXTENSION_START and long_enough
    return start >= EXTENSION_START  # pregnancy


def protects(
    status: str, start: dt.date, end: dt.date | None, birth: dt.date | None, at: dt.date
) -> bool:
    """Whether one leave record gives priority status on ``at`` (see the module doc)."""
    if at < start:
        return False
    in_period = end is None or at <= end
    if status == "pregnancy":
        if start < EXTENSION_START:
            return False
        if birth is not None:  # the 18 months after the birth, whatever ``end`` says
            return (end is not None and at <= end) or at <= add_months(birth, EXTENSION_MONTHS)
        return in_period
    if in_period:
        return True
    if not _extended(status, start, end):
        return False
    return at <= add_months(birth or start, EXTENSION_MONTHS)
