"""Scenario steps about people's own circumstances and outcomes (SPEC 13, issue 15):
personal details for the redundancy cost, pregnancy and family leave (priority status),
redeployment, bumping and pay protection. The typed models :mod:`orgsim.scenario.parse`
adds to its steps (``STEP_TYPES``).

Kept apart so the parser reads on one page; the translators are in
:mod:`orgsim.scenario.steps_people`, the rules in :mod:`orgsim.domain.leave` and
:mod:`orgsim.domain.people_rules`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from orgsim.domain.leave import LeaveStatus as LeaveStatusKind
from orgsim.scenario.parse import STEP_TYPES, Id, Step, exact_decimal


class ExpressInterest(Step):
    """``express_interest: {person, outcome}``: an expression of interest in voluntary
    redundancy and the employer's answer (``pending`` until it gives one)."""

    person: Id
    outcome: Literal["pending", "accepted", "declined"] = "pending"


class OfferStep(Step):
    """``offer: {person, post, trial_start?, trial_end?, bumps?}``: suitable alternative
    employment (ERA 1996 s138, s141). ``trial_start`` defaults to the step's date and
    ``trial_end`` to the end of the statutory four weeks; ``bumps`` names the volunteer
    (a person, or the post they left by voluntary redundancy)."""

    person: Id
    post: Id
    trial_start: dt.date | None = None
    trial_end: dt.date | None = None
    bumps: Id | None = None


class AcceptOffer(Step):
    person: Id
    post: Id


class RefuseOffer(Step):
    """``refuse_offer: {person, post, reasonable}``: ERA 1996 s141 — an unreasonable
    refusal of a suitable offer loses statutory redundancy pay."""

    person: Id
    post: Id
    reasonable: bool

    @field_validator("reasonable", mode="before")
    @classmethod
    def _strict(cls, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError(f"reasonable must be true or false, got {value!r}")
        return value


class ProtectPay(Step):
    """``protect_pay: {person, from?, until? | months?}``: downgrade pay protection; the
    period defaults to the policy's ``pay_protection_months``."""

    person: Id
    start: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    months: Annotated[int, Field(ge=1, le=120)] | None = None


# --- personal details for redundancy cost (SPEC section 13) ---------------------------


class RecordPerson(Step):
    """``record_person: {person, born, service_start, weekly_pay | salary, notice_weeks}``:
    personal data for the cost of redundancy; a field left out keeps its earlier value."""

    person: Id
    born: dt.date | None = None
    service_start: dt.date | None = None
    weekly_pay: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0)] | None = None
    salary: Annotated[Decimal, BeforeValidator(exact_decimal), Field(gt=0)] | None = None
    notice_weeks: Annotated[int, Field(ge=0, le=104)] | None = None


# --- priority status: pregnancy and family leave (issue 15) ---------------------------


class LeaveStatus(Step):
    """``leave_status: {person, status, from, to, birth}``: pregnancy or family leave,
    which gives priority for a suitable vacancy (see :mod:`orgsim.domain.leave`).
    ``from``/``to`` are the leave's dates (for pregnancy: when the employer was told,
    and the end of the pregnancy); ``to`` may be left open; ``birth`` is the date of
    birth or placement, when known. Personal data: never printed."""

    person: Id
    status: LeaveStatusKind
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(default=None, alias="to")
    birth: dt.date | None = None


STEPS: dict[str, type[Step]] = {
    "record_person": RecordPerson,
    "leave_status": LeaveStatus,
    "express_interest": ExpressInterest,
    "offer": OfferStep,
    "accept_offer": AcceptOffer,
    "refuse_offer": RefuseOffer,
    "protect_pay": ProtectPay,
}
STEP_TYPES.update(STEPS)
