"""The records of the read model: one frozen view per unit, post, holding and person.

They are what :class:`orgsim.domain.structure.Structure` holds and every output reads;
each field is decided once, when the structure is built from the folded state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from orgsim.domain.state import LeaveRecord

from orgsim.domain.redeployment import Interest, Offer, Protection

ZERO = Decimal(0)

_T = TypeVar("_T")
_V = TypeVar("_V")


class once(Generic[_V]):
    """A value computed on first access and kept in the instance's ``__dict__``, as
    ``functools.cached_property`` does, without its lock: before Python 3.12 every
    access to a ``cached_property`` took an ``RLock``, and ``show --json`` of 50,000
    posts asks ``unfilled_fte`` 100,000 times (a third of ``to_json``). The read model's
    records are frozen, so the value cannot go stale; a race between two threads would
    at worst compute the same value twice."""

    def __init__(self, func: Callable[[Any], _V]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> once[_V]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _V: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> once[_V] | _V:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


def quick_init(cls: type[_T]) -> type[_T]:
    """Give a frozen dataclass an ``__init__`` that stores each field straight into the
    instance's ``__dict__`` (item by item, which keeps CPython's shared-key instance
    dicts; one ``update`` would double each record's memory). Why: a frozen dataclass's own ``__init__`` sets each field through
    ``object.__setattr__``; the read model of 50,000 posts and people builds 100,000
    such records per query and spent ~0.5 s there (4x slower). Same signature, same
    defaults; instances stay frozen (assignment still raises), equal and hashable as
    before — only the construction is cheaper."""
    params: list[str] = []
    names: list[str] = []
    scope: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        names.append(f.name)
        if f.default is not MISSING:
            scope[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
        elif f.default_factory is not MISSING:
            scope[f"_f_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
        else:
            params.append(f.name)
    factories = "".join(
        f"    if {n} is _MISSING: {n} = _f_{n}()\n" for n in names if f"_f_{n}" in scope
    )
    body = "".join(f"    _d[{n!r}] = {n}\n" for n in names)
    source = f"def __init__(self, {', '.join(params)}):\n{factories}    _d = self.__dict__\n{body}"
    scope["_MISSING"] = MISSING
    exec(source, scope)  # the way dataclasses builds its own __init__
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


@quick_init
@dataclass(frozen=True)
class UnitView:
    id: str
    name: str
    kind: str
    parent: str | None
    #: the unit is, or sits under, a body outside the employer (a TUPE transfer)
    external: bool
    #: that body's unit id (the unit itself when it is the body), else None
    external_body: str | None = None


@quick_init
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


@quick_init
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
    #: who holds an open offer of suitable alternative employment of this post (made,
    #: not yet accepted or refused): the post is promised, not vacant for slotting
    offered_to: str | None = None

    @property
    def vacant(self) -> bool:
        """No substantive holder: an acting holder does not fill a post (SPEC 5)."""
        return not self.holders

    @once
    def filled_fte(self) -> Decimal:
        filled = ZERO  # as sum(..., ZERO): the same additions in the same order
        for h in self.holdings:
            if h.substantive:
                filled += h.fte
        return filled

    @once
    def unfilled_fte(self) -> Decimal:
        """Asked for twice per post by ``show --json`` (each post, and the total):
        computed once (a frozen record cannot change under it)."""
        return max(self.fte - self.filled_fte, ZERO)


@quick_init
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
    # -- redundancy cost (SPEC 13). Personal data: only totals leave orgsim without
    # -- ``--names``. None when not recorded (never read as zero).
    born: dt.date | None = None
    #: the start of continuous employment (ERA 1996 s211)
    service_start: dt.date | None = None
    #: a week's pay: as recorded, or the salary divided by :data:`WEEKS_PER_YEAR`
    weekly_pay: Decimal | None = None
    #: contractual notice in weeks, when recorded
    notice_weeks: int | None = None
    #: leavers: the date they left and the post they left from
    left_on: dt.date | None = None
    left_from: str | None = None
    #: pregnancy and family leave records (special category personal data): read
    #: through :meth:`priority_status`, never printed
    leave: tuple[LeaveRecord, ...] = field(default=(), repr=False)

    def priority_status(self, at: dt.date) -> bool:
        """Whether the person has priority for a suitable vacancy on ``at`` (pregnancy or
        family leave: MPL Regulations 1999 reg 10 and its equivalents, as extended from
        6 April 2024; the protected period is decided in :mod:`orgsim.domain.leave`)."""
        return any(record.protects(at) for record in self.leave)

    # -- redeployment (issue 15): the one place views read offers, trials, bumping,
    # -- voluntary redundancy and pay protection from (orgsim.domain.redeployment)
    #: every offer of suitable alternative employment made to them, oldest first
    offers: tuple[Offer, ...] = ()
    #: their expression of interest in voluntary redundancy and its answer
    vr_interest: Interest | None = None
    #: downgrade pay protection, the latest recorded
    pay_protection: Protection | None = None
    #: redeployed and the statutory trial period not over at the read model's date
    on_trial: bool = False
    #: pay protection in force at the read model's date
    pay_protected: bool = False

    @property
    def offer(self) -> Offer | None:
        """The latest offer (open, accepted or refused)."""
        return self.offers[-1] if self.offers else None

    @property
    def redeployment(self) -> Offer | None:
        """The accepted offer they hold their post by, while they hold it."""
        offer = self.offer
        if offer is None or offer.state != "accepted" or offer.post not in self.substantive:
            return None
        return offer

    @property
    def unreasonable_refusal(self) -> Offer | None:
        """An offer refused unreasonably: no statutory redundancy pay (ERA 1996 s141)."""
        return next((o for o in self.offers if o.unreasonably_refused), None)


#: Weeks in a year for turning an annual salary into a week's pay (SPEC section 13).
WEEKS_PER_YEAR = Decimal("52.143")


def week_pay(weekly_pay: Decimal | None, salary: Decimal | None) -> Decimal | None:
    """A week's pay from what was recorded: the weekly figure, else salary / 52.143."""
    if weekly_pay is not None:
        return weekly_pay
    return None if salary is None else salary / WEEKS_PER_YEAR
