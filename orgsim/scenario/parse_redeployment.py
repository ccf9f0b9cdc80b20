"""Scenario steps for redeployment, bumping and pay protection (issue 15): the typed
models :mod:`orgsim.scenario.parse` adds to its steps (``STEP_TYPES``).

Kept apart so the parser reads on one page; the translators are in
:mod:`orgsim.scenario.steps_redeployment`, the rules in
:mod:`orgsim.domain.redeployment_rules`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from orgsim.scenario.parse import Id, Step


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


STEPS: dict[str, type[Step]] = {
    "express_interest": ExpressInterest,
    "offer": OfferStep,
    "accept_offer": AcceptOffer,
    "refuse_offer": RefuseOffer,
    "protect_pay": ProtectPay,
}
