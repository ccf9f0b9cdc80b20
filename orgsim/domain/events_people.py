"""Events about people's terms added by issue 15 (SPEC sections 5 and 13): personal
details for redundancy cost, pregnancy and family leave (priority status), voluntary
redundancy interest, offers of suitable alternative employment and pay protection.

Kept apart from :mod:`orgsim.domain.events` so that module stays the catalogue's core;
every class here is registered there, in this order, and re-exported, so
``from orgsim.domain.events import RedeploymentOffered`` keeps working and the stored
names (``TYPE.vN``) and the catalogue are unchanged. Import it through
:mod:`orgsim.domain.events` (the package's ``__init__`` always loads that first).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from orgsim.domain.events import Event

__all__ = [
    "LEAVE_FIELDS",
    "PEOPLE_EVENTS",
    "PERSONAL_FIELDS",
    "InterestOutcome",
    "PayProtected",
    "PersonDetailsRecorded",
    "PersonLeaveStatusRecorded",
    "RedeploymentAccepted",
    "RedeploymentOffered",
    "RedeploymentRefused",
    "VoluntaryRedundancyInterestExpressed",
]


# --- personal details for redundancy cost (SPEC section 13) ---------------------------


class PersonDetailsRecorded(Event):
    """Personal data a redundancy cost needs: date of birth, the start of continuous
    service, and pay (a week's pay, or an annual salary converted at 52.143 weeks), and
    optionally the contractual notice in weeks.

    A field left out keeps what an earlier record said (``salary`` replaces
    ``weekly_pay`` and the other way round). These are personal data: stored encrypted
    like every event, and shown only as totals unless names are asked for.
    """

    person: str
    born: dt.date | None = None
    service_start: dt.date | None = None
    weekly_pay: Decimal | None = None
    salary: Decimal | None = None
    notice_weeks: int | None = None


#: Field names of :class:`PersonDetailsRecorded` that are personal data.
PERSONAL_FIELDS = ("born", "service_start", "weekly_pay", "salary", "notice_weeks")


# --- priority status: pregnancy and family leave (issue 15) ---------------------------


class PersonLeaveStatusRecorded(Event):
    """A person's pregnancy or family leave (maternity, adoption, shared parental), which
    gives priority for a suitable vacancy in a redundancy (MPL Regulations 1999 reg 10;
    see :mod:`orgsim.domain.leave` for the protected period). ``start`` and ``end`` are
    the leave's (for pregnancy: the date the employer was told, and the end of the
    pregnancy); ``birth`` the date of birth or placement, when known.

    Special category personal data: stored encrypted like every event, never shown in
    charts, packs or human output; ``history`` says that it was recorded, not what.
    """

    person: str
    status: str
    start: dt.date
    end: dt.date | None = None
    birth: dt.date | None = None


#: Field names of :class:`PersonLeaveStatusRecorded` that are personal data.
LEAVE_FIELDS = ("status", "start", "end", "birth")


# --- redeployment, bumping and pay protection (issue 15; SPEC 5, 13) ------------------
# Additive extension of the SPEC section 3 catalogue. Each is v1. Invariants live in
# orgsim.domain.people_rules.

InterestOutcome = Literal["pending", "accepted", "declined"]


class VoluntaryRedundancyInterestExpressed(Event):
    """A person's expression of interest in voluntary redundancy and the employer's
    answer (``pending`` until it gives one). A later ``PersonLeft`` with cause
    ``voluntary redundancy`` is linked to it."""

    person: str
    outcome: InterestOutcome = "pending"


class RedeploymentOffered(Event):
    """An offer of suitable alternative employment (ERA 1996 s138, s141) to a displaced
    person, with the statutory trial period (s138(3)(b)(i): four weeks beginning with the
    day they start work in it). ``bumps``: the volunteer whose voluntary redundancy
    vacated the post (bumping)."""

    person: str
    post: str
    trial_start: dt.date
    trial_end: dt.date
    bumps: str | None = None


class RedeploymentAccepted(Event):
    """The offer accepted: the person holds the post (a redeployment, not a slotting)."""

    person: str
    post: str


class RedeploymentRefused(Event):
    """The offer refused, before or during the trial period; ``reasonable`` is the
    employer's view under ERA 1996 s141 (an unreasonable refusal loses statutory pay)."""

    person: str
    post: str
    reasonable: bool


class PayProtected(Event):
    """Downgrade pay protection from ``start`` to ``until`` (inclusive); ``months`` as
    given or as the policy's ``pay_protection_months``, when the period came from it."""

    person: str
    start: dt.date
    until: dt.date
    months: int | None = None


#: Every event class of this module, in the order the catalogue registers them.
PEOPLE_EVENTS: tuple[type[Event], ...] = (
    PersonDetailsRecorded,
    PersonLeaveStatusRecorded,
    VoluntaryRedundancyInterestExpressed,
    RedeploymentOffered,
    RedeploymentAccepted,
    RedeploymentRefused,
    PayProtected,
)
