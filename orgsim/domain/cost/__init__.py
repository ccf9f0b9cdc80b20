"""Redundancy cost (SPEC section 13): pure calculation, no I/O.

:mod:`.statutory` is the Employment Rights Act 1996 (s162 redundancy pay, s86 notice),
:mod:`.caps` the week's-pay limit in force on each date, :mod:`.terms` the employer's
enhancement as policy data, :mod:`.person` one person's cost from those three.
"""

from orgsim.domain.cost.caps import CAPS, Cap, cap_on
from orgsim.domain.cost.person import Notice, PersonCost, notice_period, person_cost
from orgsim.domain.cost.statutory import age_on, complete_years, statutory_weeks
from orgsim.domain.cost.terms import REDUNDANCY_PRESETS, RedundancyTerms, resolve_terms

__all__ = [
    "CAPS",
    "REDUNDANCY_PRESETS",
    "Cap",
    "Notice",
    "PersonCost",
    "RedundancyTerms",
    "age_on",
    "cap_on",
    "complete_years",
    "notice_period",
    "person_cost",
    "resolve_terms",
    "statutory_weeks",
]
