"""The employer's redundancy terms as data: what it pays on top of the statute.

Part of a branch's policy (``policy: {redundancy: ...}``), so a scenario's cost is
reproducible from its log. Fields:

``multiplier``
    The statutory table's weeks are multiplied by this (``1``: the table as it is). A
    decimal or an exact fraction written ``"52/15"``; kept as text so that a fraction is
    never rounded.
``actual_pay``
    Use the person's actual week's pay instead of the statutory cap (Local Government
    (Early Termination of Employment) (Discretionary Compensation) (England and Wales)
    Regulations 2006, reg 6).
``max_weeks``
    The most weeks' pay the whole payment may come to (statutory part included); the
    2006 Regulations, reg 5, allow up to 104.
``notice``
    ``pay``: notice is paid (in lieu, or during the notice period) and counted in the
    cost; ``worked``: notice is worked and not counted.
``notice_weeks``
    Contractual notice in weeks by grade (senior staff often have three months, 13
    weeks). A person's own recorded notice, and the statutory minimum (ERA s86), apply
    when longer.

The ``enhanced`` amount reported is what the employer pays beyond the statutory
redundancy payment: (table weeks × multiplier, at most ``max_weeks``) × the week's pay
used, less the statutory payment, never below zero. The enhancement is a multiple of the
statutory table, so it is nothing for someone without two years' service.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

import pydantic
from pydantic import field_validator

__all__ = ["REDUNDANCY_PRESETS", "RedundancyTerms", "resolve_terms"]


class RedundancyTerms(pydantic.BaseModel, frozen=True, extra="forbid"):
    preset: str | None = None
    multiplier: str = "1"
    actual_pay: bool = False
    max_weeks: Decimal | None = None
    notice: Literal["pay", "worked"] = "pay"
    notice_weeks: dict[str, int] = {}

    @field_validator("multiplier", mode="before")
    @classmethod
    def _multiplier(cls, value: Any) -> str:
        if isinstance(value, bool):
            raise ValueError(f"multiplier must be a number, got {value!r}")
        text = str(value).strip() if not isinstance(value, float) else repr(value)
        try:
            factor = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"multiplier must be a number or a fraction, got {value!r}") from None
        if factor < 1:
            raise ValueError(
                f"multiplier must be at least 1 (the statute is a minimum), got {text}"
            )
        return text

    @field_validator("max_weeks", mode="before")
    @classmethod
    def _max_weeks(cls, value: Any) -> Any:
        if isinstance(value, float):
            value = repr(value)
        if value is not None:
            try:
                weeks = Decimal(str(value))
            except InvalidOperation:
                raise ValueError(f"max_weeks must be a number, got {value!r}") from None
            if weeks <= 0:
                raise ValueError(f"max_weeks must be above 0, got {value!r}")
            return weeks
        return value

    @field_validator("notice_weeks")
    @classmethod
    def _notice(cls, value: dict[str, int]) -> dict[str, int]:
        for grade, weeks in value.items():
            if weeks < 0:
                raise ValueError(f"notice_weeks for {grade!r} cannot be negative")
        return value

    @property
    def factor(self) -> Fraction:
        return Fraction(self.multiplier)


REDUNDANCY_PRESETS: dict[str, RedundancyTerms] = {
    # The statute alone: capped week's pay, the s162 table, notice paid.
    "statutory": RedundancyTerms(preset="statutory"),
    # 2006 Regulations reg 6: the table on actual pay instead of the cap.
    "lg-2006-actual-pay": RedundancyTerms(
        preset="lg-2006-actual-pay", actual_pay=True, max_weeks=Decimal(104)
    ),
    # 2006 Regulations reg 5 at its limit: the table scaled so that its most (30 weeks)
    # reaches 104 weeks, on actual pay, never more than 104 weeks.
    "lg-2006-104": RedundancyTerms(
        preset="lg-2006-104", multiplier="52/15", actual_pay=True, max_weeks=Decimal(104)
    ),
}


def resolve_terms(value: str | dict[str, Any] | RedundancyTerms | None) -> RedundancyTerms:
    """A preset name, a mapping (optionally ``preset: NAME`` plus overrides), or None
    (the statute alone). Raises ValueError with a one-line message."""
    if value is None:
        return REDUNDANCY_PRESETS["statutory"]
    if isinstance(value, RedundancyTerms):
        return value
    if isinstance(value, str):
        if value not in REDUNDANCY_PRESETS:
            known = ", ".join(REDUNDANCY_PRESETS)
            raise ValueError(f"unknown redundancy preset {value!r} (known: {known})")
        return REDUNDANCY_PRESETS[value]
    if isinstance(value, dict):
        fields = dict(value)
        base: dict[str, Any] = {}
        name = fields.get("preset")
        if name is not None:
            if name not in REDUNDANCY_PRESETS:
                known = ", ".join(REDUNDANCY_PRESETS)
                raise ValueError(f"unknown redundancy preset {name!r} (known: {known})")
            base = REDUNDANCY_PRESETS[name].model_dump()
        try:
            return RedundancyTerms.model_validate({**base, **fields})
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            msg = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
            raise ValueError(
                f"invalid redundancy terms: {loc}: {msg.removeprefix('Value error, ')}"
            ) from None
    raise ValueError(f"redundancy terms must be a preset name or a mapping, got {value!r}")
