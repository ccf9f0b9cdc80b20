"""Slotting: the policy (as data) and the pure engine that applies it (SPEC section 5).

The engine does no I/O; the store and CLI build its inputs from the structure at a
date and record its outcomes as events.
"""

from .engine import (
    Candidate,
    Outcome,
    Pool,
    SlottingError,
    SlottingResult,
    Vacancy,
    Verdict,
    check_decision,
    decide,
)
from .policy import DEFAULT_PRESET, PRESETS, Policy, resolve_policy

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "Candidate",
    "Outcome",
    "Policy",
    "Pool",
    "SlottingError",
    "SlottingResult",
    "Vacancy",
    "Verdict",
    "check_decision",
    "decide",
    "resolve_policy",
]
