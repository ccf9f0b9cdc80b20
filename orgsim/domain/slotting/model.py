"""The slotting engine's values: its inputs, its outcomes and the audit's verdict.

Frozen dataclasses so that the same inputs always compare and hash the same; FTEs are
exact :class:`~decimal.Decimal` values for the same reason percentages are (see
:mod:`orgsim.domain.slotting.policy`).  ``to_json`` gives the SPEC section 7 shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

__all__ = [
    "Candidate",
    "Outcome",
    "OutcomeKind",
    "Pool",
    "SlottingError",
    "SlottingResult",
    "Vacancy",
    "Verdict",
]

OutcomeKind = Literal["slotted", "ring_fenced", "at_risk"]


class SlottingError(ValueError):
    """The inputs cannot be decided (bad values, or an fte group too large to search)."""


def _to_fte(value: Any, what: str) -> Decimal:
    """Exact positive FTE; floats go through ``str`` for the same reason as percents."""
    if isinstance(value, bool):
        raise SlottingError(f"{what}: FTE must be a number, got {value!r}")
    try:
        fte = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise SlottingError(f"{what}: FTE must be a number, got {value!r}") from None
    if not fte.is_finite() or fte <= 0:
        raise SlottingError(f"{what}: FTE must be positive, got {value!r}")
    return fte


@dataclass(frozen=True)
class Candidate:
    """A displaced person, judged on their (deleted) substantive post.

    ``grade`` is the grade of the OLD POST, not the person's personal grade: the
    scheme compares jobs, and someone on a protected personal grade is still
    slotted by the job they did.  ``fte`` is that of their old substantive
    assignment (it is what they take to a new post under ``count: fte``).
    """

    person: str
    old_post: str
    grade: str
    fte: Decimal = Decimal(1)
    #: priority status for a suitable vacancy on the date (policy ``priority_status``
    #: already applied: False when the policy gives no priority)
    priority: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "fte", _to_fte(self.fte, f"candidate {self.person}"))


@dataclass(frozen=True)
class Vacancy:
    """A post vacant at the date (no substantive holder; an acting holder does not count)."""

    post: str
    grade: str
    fte: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fte", _to_fte(self.fte, f"vacancy {self.post}"))


@dataclass(frozen=True)
class Pool:
    """A ring-fenced competition: its posts and its candidates (both sorted)."""

    posts: tuple[str, ...]
    candidates: tuple[str, ...]

    def to_json(self) -> dict[str, list[str]]:
        return {"posts": list(self.posts), "candidates": list(self.candidates)}


@dataclass(frozen=True)
class Outcome:
    """What the policy decides for one displaced person, and why (one line per reason)."""

    person: str
    outcome: OutcomeKind
    post: str | None = None
    pool: Pool | None = None
    reasons: list[str] = field(default_factory=list)
    #: at risk only: posts left to appointment the person has first consideration for
    #: (a recorded match below the bar; policy ``first_consideration``), sorted
    first_consideration: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """SPEC section 7 shape: ``post`` only when slotted, ``pool`` only when ring-fenced;
        ``first_consideration`` (an additive extension) only when there is any."""
        data: dict[str, Any] = {"person": self.person, "outcome": self.outcome}
        if self.outcome == "slotted":
            data["post"] = self.post
        if self.outcome == "ring_fenced" and self.pool is not None:
            data["pool"] = self.pool.to_json()
        if self.first_consideration:
            data["first_consideration"] = list(self.first_consideration)
        data["reasons"] = list(self.reasons)
        return data


@dataclass(frozen=True)
class SlottingResult:
    """One outcome per candidate (sorted by person id) and the vacant posts left over."""

    outcomes: list[Outcome]
    unfilled: list[str]

    def outcome_for(self, person: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.person == person:
                return outcome
        raise KeyError(person)

    @property
    def pools(self) -> list[Pool]:
        """Distinct pools, in order of their first candidate."""
        seen: dict[Pool, None] = {}
        for outcome in self.outcomes:
            if outcome.pool is not None:
                seen.setdefault(outcome.pool, None)
        return list(seen)

    def first_consideration_by_post(self) -> dict[str, list[str]]:
        """Post left to appointment -> the at-risk people with first consideration for it."""
        result: dict[str, list[str]] = {}
        for outcome in self.outcomes:
            for post in outcome.first_consideration:
                result.setdefault(post, []).append(outcome.person)
        return result

    def to_json(self) -> dict[str, Any]:
        return {"outcomes": [o.to_json() for o in self.outcomes], "unfilled": list(self.unfilled)}


@dataclass(frozen=True)
class Verdict:
    """Audit verdict on one slotting decision."""

    compliant: bool
    reasons: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "compliant" if self.compliant else "violation",
            "reasons": list(self.reasons),
        }
