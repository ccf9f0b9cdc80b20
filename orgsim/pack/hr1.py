"""The HR1 date: when the Secretary of State must be told of the proposed dismissals.

TULRCA 1992 s193(1)-(2): an employer proposing to dismiss as redundant 100 or more
employees at one establishment within 90 days must notify the Secretary of State (form
HR1) "before giving notice to terminate an employee's contract of employment in respect
of any of those dismissals" and at least 45 days before the first of those dismissals
takes effect; for 20 to 99, at least 30 days before. Notice must be given at least the
notice period before a dismissal takes effect, so a long notice period (ERA 1996 s86's
statutory minimum of a week per complete year of service up to twelve; contractual or
policy notice, such as three months for senior staff) can bring the HR1 forward:

    due = min(first dismissal - 30 or 45 days, the latest day the first notice can be given)

Each person's notice comes from :func:`orgsim.domain.cost.notice_period` (the same figure
as the notice pay in ``orgsim cost``). Without ``--names`` a person's own notice, which
follows from their service or contract, is not described; the policy's notice for a grade
is policy and is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from orgsim.domain.cost import RedundancyTerms, notice_period
from orgsim.domain.dismissals import Dismissal
from orgsim.pack.context import Context
from orgsim.pack.text import long_date, plural

__all__ = ["Hr1", "hr1_due"]


@dataclass
class Hr1:
    due: dt.date
    #: the latest day the first notice of dismissal can be given (None: no notice owed)
    notice_by: dt.date | None
    #: the HR1 paragraph of the statutory section
    text: str
    #: why the first notice falls then (one clause), for the timetable
    notice_why: str = ""
    notes: list[str] = field(default_factory=list)


def hr1_due(
    ctx: Context,
    found: list[Dismissal],
    first: dt.date,
    required: int,
    terms: RedundancyTerms,
) -> Hr1:
    """The HR1 date for the dismissals ``found`` (first on ``first``), with why."""
    by_days = first - dt.timedelta(days=required)
    notice_by: dt.date | None = None
    why = ""
    unknown = 0
    for d in found:
        person = ctx.after.person(d.person) or ctx.before.person(d.person)
        if person is None:
            continue
        notice = notice_period(
            service_start=person.service_start,
            relevant=d.on,
            terms=terms,
            grade=d.grade,
            own_notice_weeks=person.notice_weeks,
        )
        unknown += not notice.statutory_known
        if not notice.weeks:
            continue
        day = d.on - dt.timedelta(weeks=notice.weeks)
        if notice_by is None or day < notice_by:
            notice_by = day
            weeks = plural(notice.weeks, "week")
            if notice.basis == "policy":
                said = f"{weeks}' notice, the policy's notice for grade {d.grade}"
            elif ctx.names:
                said = f"{weeks}' notice, " + (
                    "the statutory minimum for their service (ERA 1996 s86)"
                    if notice.basis == "statutory"
                    else "their contractual notice"
                )
            else:
                said = "the notice owed (statutory minimum under ERA 1996 s86 or contractual)"
            why = f"a dismissal on {long_date(d.on)} needs {said}"
    due = by_days if notice_by is None else min(by_days, notice_by)
    text = (
        f"The HR1 form must reach the Insolvency Service (Redundancy Payments Service) by "
        f"{long_date(due)}: before any notice of dismissal is given, and at least "
        f"{required} days before the first dismissal on {long_date(first)} (TULRCA 1992 s193)."
    )
    if notice_by is not None and notice_by < by_days:
        text += (
            f" Notice periods bring it forward from {long_date(by_days)}: {why}, so that "
            f"notice must be given by {long_date(notice_by)}, and the HR1 must go in before it."
        )
    notes = []
    if unknown:
        who = plural(unknown, "person", "people") if ctx.internal else "some of the people"
        notes.append(
            f"No start of continuous service is recorded for {who} counted: their "
            "statutory notice (ERA 1996 s86: a week for each complete year of service, up "
            "to twelve) is not counted, so notice, and the HR1, may be due earlier than shown."
        )
    return Hr1(due, notice_by, text, why, notes)
