"""What every part of planning a release's events shares: the plan, the wanted post, ids.

:class:`PlanContext` holds what the planner was given (the release, the branch's current
state, the dates and actor the events carry) and the one read model of that state,
``self.view`` (:class:`~orgsim.domain.structure.Structure`): whoever asks who holds a
post substantively, whether it is vacant, which units sit under the organisation, reads
it there. The raw :class:`OrgState` is kept for the write side's own question: which
ids are already taken, by anything, ever.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.interchange.names import compact_key
from orgsim.interchange.organogram import Holder, JuniorPost, Release, SeniorPost

ID_LIMIT = 200
PROFESSION_PREFIX = "Professional/Occupational Group: "
UNDISCLOSED = "N/D"


@dataclass
class Plan:
    events: list[ev.Event]
    warnings: list[str]
    notes: list[str]
    organisation: str
    name_matches: list[dict[str, str]] = field(default_factory=list)
    unrecorded: dict[str, int] = field(default_factory=dict)
    structure: dict[str, int] = field(default_factory=dict)


@dataclass
class Wanted:
    """A post as the release wants it."""

    id: str
    title: str
    grade: str
    unit: str
    reports_to: str | None
    fte: Decimal
    cost: Decimal | None
    accountabilities: list[ev.Accountability]
    source: str
    holders: list[Holder]
    depth: int = 0
    senior: SeniorPost | None = None


def pick_id(
    base: str, taken: Container[str], reusable: Callable[[str], bool], assigned: set[str]
) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first id that is free or reusable."""
    base = base[:ID_LIMIT]
    n = 1
    while True:
        candidate = base if n == 1 else f"{base[: ID_LIMIT - 6]}-{n}"
        n += 1
        if candidate in assigned:
            continue
        if candidate not in taken or reusable(candidate):
            assigned.add(candidate)
            return candidate


def post_cost(post: SeniorPost) -> Decimal | None:
    if post.pay_floor is None or post.pay_ceiling is None:
        return None
    return (post.pay_floor + post.pay_ceiling) / 2 * post.fte


def junior_cost(group: JuniorPost) -> Decimal | None:
    if group.pay_min is None or group.pay_max is None:
        return None
    return (group.pay_min + group.pay_max) / 2 * group.fte


def accountabilities(function: str, profession: str) -> list[ev.Accountability]:
    items = []
    if function and compact_key(function) not in {"na", "nd", ""}:
        items.append(ev.Accountability(text=function))
    if profession and compact_key(profession) not in {"na", "nd", ""}:
        items.append(ev.Accountability(text=PROFESSION_PREFIX + profession, weight=Decimal(0)))
    return items


class PlanContext:
    """The inputs of one plan, its read model, and the warnings and notes it collects."""

    def __init__(
        self,
        release: Release,
        state: OrgState,
        *,
        effective: dt.date,
        recorded: dt.datetime,
        actor: str | None = None,
        fresh: bool = False,
        branch: str = "",
    ) -> None:
        self.release = release
        self.state = state
        #: the branch at the release's date, read once (holders, vacancy, units)
        self.view = Structure.from_state(branch, effective, state)
        self.effective = effective
        self.recorded = recorded
        self.actor = actor
        self.fresh = fresh
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.name_matches: list[dict[str, str]] = []
        self.unrecorded: dict[str, int] = {}
        self.senior_name = Path(release.senior_file).name
        self.junior_name = Path(release.junior_file).name if release.junior_file else ""
        self.date = effective.isoformat()
        self.org_id = ""

    def meta(self, source: str | None = None, reason: str | None = None) -> dict[str, Any]:
        return {
            "effective": self.effective,
            "recorded": self.recorded,
            "actor": self.actor,
            "source": source,
            "reason": reason,
        }
