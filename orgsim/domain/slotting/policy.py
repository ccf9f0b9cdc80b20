"""Slotting policy as data (SPEC section 4 ``policy:`` block, section 5).

A policy is a small frozen pydantic model so that it can be stored in an event
(``Policy.model_dump(mode="json")``), compared, and re-read by the audit years later
with exactly the same meaning.  Percentages are exact :class:`~decimal.Decimal` values:
an assessment of 74.9% must never pass a 75% threshold because of binary floating
point, so floats are converted through their shortest decimal text
(``Decimal(str(x))``), never through ``Decimal(float)``.

Named presets capture the rules public bodies actually use:

``kent`` (the default)
    Kent County Council scheme: same grade, at least as many jobs as job holders
    (counted in heads), the job at least 75% the same.
``london-65-50``
    65% assimilation threshold with a 50% ring-fence, as some London boroughs use:
    a 65%+ same-grade match is slotted, a 50–65% match joins a ring-fenced pool.
``scotland-majority``
    "Majority of duties, single claimant": the new job must be MORE than 50% the
    same.  Thresholds in this model are inclusive ("at least"), so "more than" is
    expressed exactly with ``match_strict=True`` rather than an approximation such
    as 50.01 (which would wrongly reject a 50.005% assessment).  "Single claimant"
    is the ordinary heads rule: two claimants for one post form a pool.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pydantic
from pydantic import field_validator, model_validator

from orgsim.domain.cost.terms import RedundancyTerms, resolve_terms

__all__ = ["DEFAULT_PRESET", "PRESETS", "Policy", "resolve_policy", "to_percent"]

#: The preset used when a branch has no ``policy:`` block.
DEFAULT_PRESET = "kent"

#: Names of the presets, known before :data:`PRESETS` is built so that the model can
#: validate its own ``preset`` field.
_PRESET_NAMES = ("kent", "london-65-50", "scotland-majority")


def to_percent(value: Any, *, what: str = "percentage") -> Decimal:
    """Convert an int, float, str or Decimal to an exact Decimal percentage in [0, 100].

    Why a dedicated converter: pydantic's own float→Decimal conversion is exact in
    binary terms (``Decimal(74.9)`` is 74.900000000000005684...), which is not what
    the HR panel wrote down.  Going through ``str`` keeps the written value.  A
    trailing ``%`` is accepted because people type it.  Booleans are refused (``True``
    is an int in Python and would silently mean 1%).
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be a finite number, got {value!r}")
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{what} must be a number, got {value!r}") from None
    else:
        raise ValueError(f"{what} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if result < 0 or result > 100:
        raise ValueError(f"{what} must be between 0 and 100, got {format_decimal(result)}")
    return result


def format_decimal(value: Decimal) -> str:
    """Print a Decimal without trailing zeros or exponent (80, 74.9)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


#: Months of downgrade pay protection by default, so in every preset: ILLUSTRATIVE, not
#: from the Kent papers. Public-sector schemes commonly protect pay for a fixed period
#: after a downgrade on redeployment, one to three years, often tapered; set the figure
#: of the employer's own scheme in the policy block.
PAY_PROTECTION_MONTHS = 12


class Policy(pydantic.BaseModel, frozen=True, extra="forbid"):
    """The slotting rule of a branch.

    ``match_threshold``
        Percent the same, inclusive (75 means 75 passes and 74.9 does not), unless
        ``match_strict`` is set.
    ``match_strict``
        When true the match must be strictly MORE than ``match_threshold`` (the
        Scottish "majority of duties" rule).  An explicit flag, because an inclusive
        stand-in such as 50.01 is not the same rule.
    ``same_grade``
        A post is eligible only when its grade equals the grade of the person's old
        post (never a higher grade, never a lower one).
    ``count``
        ``heads``: one person per post.  ``fte``: a post's capacity is its FTE and a
        person uses their whole FTE (two 0.5 FTE people can share a 1.0 FTE post).
    ``ring_fence_threshold``
        Optional lower bar (inclusive): a person who cannot be slotted or pooled on
        the main threshold but matches an otherwise unclaimed post at least this much
        joins a ring-fenced pool for it.  Must not exceed ``match_threshold``.
    ``no_hours_cut``
        A post with a smaller FTE than the person's old post is never a slot: a cut in
        hours is at most suitable alternative employment, offered with a trial period
        (ERA 1996 s138). On by default; a policy stored before the rule existed reads
        as off, so old decisions are judged by the rule of their day.
    ``priority_status``
        People with priority status on the date of the decision (pregnancy, maternity,
        adoption or shared parental leave and the protected period after it: MPL
        Regulations 1999 reg 10, PAL Regulations 2002 reg 23, SPL Regulations 2014
        reg 39, as extended from 6 April 2024; see :mod:`orgsim.domain.leave`) are
        placed in a *suitable* vacancy before anyone else, without competition. On by
        default; a policy stored before the field existed reads as off.
    ``first_consideration``
        An at-risk person with a recorded match, below the bar, to a post left to
        appointment (of their old post's grade, with ``same_grade``) is listed as having
        first consideration for it, as most schemes give at-risk staff. On by default; a
        policy stored before the field existed reads as off.
    ``pay_protection_months``
        How long downgrade pay protection lasts after a redeployment or slotting into a
        lower-paid post (``protect_pay`` without ``until`` or ``months``). Not a slotting
        rule: an employer's term carried by the same policy block. ``None``: none set.
        Default :data:`PAY_PROTECTION_MONTHS` (illustrative).
    ``preset``
        The preset this policy was derived from: provenance only; the fields above
        are authoritative.
    """

    match_threshold: Decimal = Decimal(75)
    match_strict: bool = False
    same_grade: bool = True
    count: Literal["heads", "fte"] = "heads"
    ring_fence_threshold: Decimal | None = None
    no_hours_cut: bool = True
    priority_status: bool = True
    first_consideration: bool = True
    pay_protection_months: int | None = pydantic.Field(default=PAY_PROTECTION_MONTHS, ge=1, le=120)
    preset: str | None = None
    #: the employer's redundancy terms (SPEC section 13; None: the statute alone). Not a
    #: slotting rule, but the same branch-wide policy block carries it.
    redundancy: RedundancyTerms | None = None

    @field_validator("redundancy", mode="before")
    @classmethod
    def _redundancy(cls, value: Any) -> RedundancyTerms | None:
        return None if value is None else resolve_terms(value)

    @field_validator("match_threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any) -> Decimal:
        return to_percent(value, what="match_threshold")

    @field_validator("ring_fence_threshold", mode="before")
    @classmethod
    def _ring_fence(cls, value: Any) -> Decimal | None:
        if value is None:
            return None
        return to_percent(value, what="ring_fence_threshold")

    @field_validator("count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        # "FTE" and "Heads" are what people type in YAML; the meaning is unambiguous.
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(
        "same_grade",
        "match_strict",
        "no_hours_cut",
        "priority_status",
        "first_consideration",
        mode="before",
    )
    @classmethod
    def _strict_bool(cls, value: Any) -> Any:
        # pydantic would accept "yes"/1; a policy in a tribunal bundle should say
        # true or false.
        if not isinstance(value, bool):
            raise ValueError(f"must be true or false, got {value!r}")
        return value

    @field_validator("preset")
    @classmethod
    def _preset(cls, value: str | None) -> str | None:
        if value is not None and value not in _PRESET_NAMES:
            raise ValueError(f"unknown preset {value!r} (known: {', '.join(_PRESET_NAMES)})")
        return value

    @model_validator(mode="after")
    def _ring_fence_below_threshold(self) -> Policy:
        rft = self.ring_fence_threshold
        if rft is not None and rft > self.match_threshold:
            raise ValueError(
                f"ring_fence_threshold {format_decimal(rft)} is above match_threshold "
                f"{format_decimal(self.match_threshold)}"
            )
        return self

    # -- helpers used by the engine and by reasons ------------------------------------

    def meets_threshold(self, percent: Decimal) -> bool:
        """Whether a match percentage passes the slotting threshold."""
        if self.match_strict:
            return percent > self.match_threshold
        return percent >= self.match_threshold

    def meets_ring_fence(self, percent: Decimal) -> bool:
        """Whether a match percentage passes the (inclusive) ring-fence threshold."""
        rft = self.ring_fence_threshold
        return rft is not None and percent >= rft

    def threshold_text(self) -> str:
        """'at least 75%' or 'more than 50%', for one-line reasons."""
        word = "more than" if self.match_strict else "at least"
        return f"{word} {format_decimal(self.match_threshold)}%"


PRESETS: dict[str, Policy] = {
    "kent": Policy(preset="kent"),
    "london-65-50": Policy(
        preset="london-65-50",
        match_threshold=Decimal(65),
        ring_fence_threshold=Decimal(50),
    ),
    "scotland-majority": Policy(
        preset="scotland-majority",
        match_threshold=Decimal(50),
        match_strict=True,
    ),
}
assert tuple(PRESETS) == _PRESET_NAMES


def _one_line(error: pydantic.ValidationError) -> str:
    """Collapse a pydantic error into one line: 'field: message; field: message'."""
    parts = []
    for item in error.errors():
        loc = ".".join(str(x) for x in item["loc"])
        if item["type"] == "extra_forbidden":
            parts.append(f"unknown field {loc!r}")
            continue
        msg = item["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def resolve_policy(value: str | dict[str, Any] | Policy | None) -> Policy:
    """Turn a script's ``policy:`` value into a :class:`Policy`.

    * ``None`` → the Kent default;
    * a preset name (``"london-65-50"``);
    * a dict of fields, optionally with ``preset: NAME`` whose fields the others
      override (``{preset: london-65-50, ring_fence_threshold: 40}``);
    * a :class:`Policy` is returned as is.

    Raises :class:`ValueError` with a one-line message for anything else, so the
    scenario runner can prefix it with the file, line and step.
    """
    if value is None:
        return PRESETS[DEFAULT_PRESET]
    if isinstance(value, Policy):
        return value
    if isinstance(value, str):
        name = value.strip().lower()
        if name not in PRESETS:
            raise ValueError(
                f"unknown slotting policy preset {value!r} (known: {', '.join(PRESETS)})"
            )
        return PRESETS[name]
    if isinstance(value, dict):
        fields = dict(value)
        base: dict[str, Any] = {}
        name = fields.pop("preset", None)
        if name is not None:
            if not isinstance(name, str) or name.strip().lower() not in PRESETS:
                raise ValueError(
                    f"unknown slotting policy preset {name!r} (known: {', '.join(PRESETS)})"
                )
            base = PRESETS[name.strip().lower()].model_dump()
        try:
            return Policy.model_validate({**base, **fields})
        except pydantic.ValidationError as error:
            raise ValueError(f"invalid slotting policy: {_one_line(error)}") from None
    raise ValueError(
        f"slotting policy must be a preset name or a mapping, got {type(value).__name__}"
    )
