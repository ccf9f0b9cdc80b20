"""Slotting: the policy (as data) and the pure engine that applies it (SPEC section 5).

The engine does no I/O; the store and CLI build its inputs from the structure at a
date and record its outcomes as events.

Modules: :mod:`.policy` (the rule as data), :mod:`.model` (inputs, outcomes, verdicts),
:mod:`.index` (inputs sorted and eligible pairs), :mod:`.matching` and
:mod:`.assignment` (maximum matching; best placement with id tie-break), :mod:`.fte`
(``count: fte`` groups), :mod:`.analysis` (Dulmage–Mendelsohn pools, ring-fence),
:mod:`.decide` and :mod:`.check` (the engine's and the audit's questions),
:mod:`.scope` (applied to a branch), :mod:`.suggest` (suggested matches).
"""

from .check import check_decision
from .decide import decide
from .model import (
    Candidate,
    Outcome,
    Pool,
    SlottingError,
    SlottingResult,
    Vacancy,
    Verdict,
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
