"""Former home of the whole slotting engine, kept as an import path.

The engine now lives in modules named for what they hold (:mod:`.model`, :mod:`.index`,
:mod:`.matching`, :mod:`.assignment`, :mod:`.fte`, :mod:`.analysis`, :mod:`.decide`,
:mod:`.check`); this re-exports its public names so that code written against
``orgsim.domain.slotting.engine`` keeps working.  New code imports from
:mod:`orgsim.domain.slotting`.
"""

from __future__ import annotations

from .check import check_decision
from .decide import decide
from .fte import FTE_SEARCH_BUDGET, FTE_SEARCH_MAX_PEOPLE
from .model import (
    Candidate,
    Outcome,
    Pool,
    SlottingError,
    SlottingResult,
    Vacancy,
    Verdict,
)

__all__ = [
    "FTE_SEARCH_BUDGET",
    "FTE_SEARCH_MAX_PEOPLE",
    "Candidate",
    "Outcome",
    "Pool",
    "SlottingError",
    "SlottingResult",
    "Vacancy",
    "Verdict",
    "check_decision",
    "decide",
]
