"""The engine's inputs sorted by id, checked, and the eligible pairs derived from them.

Sorting first is what makes every result a function of the inputs' *values*, not of the
order the caller loaded them in, so that an audit years later reproduces a decision.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from .model import Candidate, SlottingError, Vacancy
from .policy import Policy, to_percent

__all__ = ["Index"]


class Index:
    """Inputs sorted by id, checked, and the eligible pairs derived from them."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        vacancies: Sequence[Vacancy],
        matches: Mapping[tuple[str, str], Any],
        policy: Policy,
    ) -> None:
        self.policy = policy
        self.matches = matches
        self.cands = sorted(candidates, key=lambda c: c.person)
        self.vacs = sorted(vacancies, key=lambda v: v.post)
        self.cand = {c.person: c for c in self.cands}
        self.vac = {v.post: v for v in self.vacs}
        if len(self.cand) != len(self.cands):
            raise SlottingError(
                f"duplicate candidate: {_first_duplicate(c.person for c in self.cands)}"
            )
        if len(self.vac) != len(self.vacs):
            raise SlottingError(f"duplicate vacancy: {_first_duplicate(v.post for v in self.vacs)}")
        self.grade_of = {v.post: v.grade for v in self.vacs}
        old_posts = {c.old_post for c in self.cands}
        #: old post -> [(vacant post, percent)] sorted by post id: every recorded match
        #: that can matter at this date, whatever its value.
        by_old: dict[str, list[tuple[str, Decimal]]] = {}
        for key, value in matches.items():
            old, new = key
            if old in old_posts and new in self.vac:
                try:
                    pct = to_percent(value, what=f"match {old} -> {new}")
                except ValueError as error:
                    raise SlottingError(str(error)) from None
                by_old.setdefault(old, []).append((new, pct))
        for pairs in by_old.values():
            pairs.sort()
        self.by_old = by_old
        #: person -> eligible [(post, percent)] sorted by post id.
        self.eligible: dict[str, list[tuple[str, Decimal]]] = {}
        for c in self.cands:
            self.eligible[c.person] = [
                (q, pct)
                for q, pct in by_old.get(c.old_post, ())
                if policy.meets_threshold(pct)
                and (not policy.same_grade or self.grade_of[q] == c.grade)
                and not self.cuts_hours(c, q)
            ]

    def subset(
        self, candidates: Sequence[Candidate], vacancies: Sequence[Vacancy], policy: Policy
    ) -> Index:
        """The same recorded matches, for some of the people and posts (priority status
        decides in stages, see :meth:`~.analysis.Analysis._priority`)."""
        return Index(candidates, vacancies, self.matches, policy)

    def cuts_hours(self, c: Candidate, post: str) -> bool:
        """Whether the policy refuses ``post`` to ``c`` as a cut in hours: its FTE (its
        room left, under ``count: fte``) is below the FTE of the person's old post."""
        return self.policy.no_hours_cut and self.vac[post].fte < c.fte

    @functools.cached_property
    def weight_scale(self) -> int:
        """Power of ten that turns every eligible percentage into an exact integer."""
        places = 0
        for pairs in self.eligible.values():
            for _, pct in pairs:
                exponent = pct.as_tuple().exponent
                if isinstance(exponent, int) and -exponent > places:
                    places = -exponent
        return int(10**places)


def _first_duplicate(values: Iterable[str]) -> str:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return "?"
