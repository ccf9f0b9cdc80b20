"""The records of the read model: one frozen view per unit, post, holding and person.

They are what :class:`orgsim.domain.structure.Structure` holds and every output reads;
each field is decided once, when the structure is built from the folded state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class UnitView:
    id: str
    name: str
    kind: str
    parent: str | None
    #: the unit is, or sits under, a body outside the employer (a TUPE transfer)
    external: bool


@dataclass(frozen=True)
class Holding:
    """One person holding one post: ``kind`` is substantive, acting or secondment."""

    person: str
    post: str
    fte: Decimal
    kind: str
    since: dt.date
    #: fills the post (see :attr:`orgsim.domain.state.Assignment.substantive`)
    substantive: bool


@dataclass(frozen=True)
class PostView:
    id: str
    title: str
    grade: str
    unit: str
    #: the effective manager: as recorded, or the nearest surviving one up the old line
    reports_to: str | None
    fte: Decimal
    #: substantive holders' ids, sorted
    holders: tuple[str, ...]
    #: acting and seconded holders' ids, sorted
    acting: tuple[str, ...]
    cost: Decimal | None
    accountabilities: tuple[tuple[str, Decimal], ...]
    #: the manager as recorded on the post (may be a deleted post)
    recorded_reports_to: str | None = None
    external: bool = False
    #: every holding of the post, substantive first
    holdings: tuple[Holding, ...] = ()
    #: deleted posts only: when, and the recorded reason and source of the deletion
    deleted: dt.date | None = None
    reason: str | None = None
    source: str | None = None

    @property
    def vacant(self) -> bool:
        """No substantive holder: an acting holder does not fill a post (SPEC 5)."""
        return not self.holders

    @property
    def filled_fte(self) -> Decimal:
        return sum((h.fte for h in self.holdings if h.substantive), ZERO)

    @property
    def unfilled_fte(self) -> Decimal:
        return max(self.fte - self.filled_fte, ZERO)


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    grade: str | None
    #: the latest outcome: displaced, slotted, ring_fenced, at_risk, appointed,
    #: redeployed, left (None when nothing happened to them)
    status: str | None
    #: every post held, any kind, sorted
    posts: tuple[str, ...]
    characteristics: dict[str, str] = field(default_factory=dict)
    #: substantive posts held, sorted
    substantive: tuple[str, ...] = ()
    #: the deleted substantive post they were displaced from, while no outcome is recorded
    displaced_from: str | None = None
    displaced_fte: Decimal = Decimal(1)
    status_post: str | None = None
    status_reasons: tuple[str, ...] = ()
    #: the cause of leaving (redundancy, resignation...) for people who have left
    left: str | None = None
