"""The event catalogue: every change to an organisation, as an immutable pydantic model.

Events are facts, so they are frozen and past-tense. Each has two clocks: ``effective``
(when the change takes effect in the organisation) and ``recorded`` (when it was written
to the store), plus optional provenance (``reason``, ``source``, ``actor``).

Stored names are stable: the store writes ``TYPE.vN`` (class name and schema version), so
a class may move between modules freely. When a shape changes, bump ``schema_version``
and register an upcaster in :data:`UPCASTERS`; when a class is renamed, add the old name to
:data:`RENAMED`. Old logs are upcast on read, never rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

UnitKind = Literal["organisation", "directorate", "division", "service", "team", "external"]
AssignmentKind = Literal["substantive", "acting", "secondment"]
LeaveCause = Literal[
    "redundancy",
    "voluntary redundancy",
    "resignation",
    "retirement",
    "transfer",
    "dismissal",
    "redeployment",
    "end of contract",
    "other",
]

#: A date far in the past, for events that are not dated (grade scheme, policy): they
#: hold for the whole branch, so they sort before everything on the timeline.
UNDATED = dt.date(1, 1, 1)


class Event(BaseModel):
    """Base of every event: the two clocks and provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: ClassVar[int] = 1

    effective: dt.date
    recorded: dt.datetime
    reason: str | None = None
    source: str | None = None
    actor: str | None = None


# --- branch-wide settings ------------------------------------------------------------


class GradeSchemeDefined(Event):
    """The ordered grade scheme (lowest first) of a new organisation; undated."""

    grades: list[str]
    pay_ranges: dict[str, tuple[Decimal, Decimal]] = Field(default_factory=dict)


class PolicySet(Event):
    """The slotting policy in force on a branch (a fork may replace its parent's)."""

    policy: dict[str, Any]


# --- units ---------------------------------------------------------------------------


class UnitCreated(Event):
    unit: str
    name: str
    kind: UnitKind
    parent: str | None = None


class UnitRenamed(Event):
    unit: str
    name: str


class UnitMoved(Event):
    """A unit realigned under a new parent (a team moved to another division)."""

    unit: str
    parent: str


class UnitClosed(Event):
    unit: str


class UnitTransferredOut(Event):
    """A unit leaves the employer for an external body, with its posts and people."""

    unit: str
    to: str
    to_name: str | None = None


# --- posts ---------------------------------------------------------------------------


class Accountability(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    text: str
    weight: Decimal = Decimal(1)


class PostCreated(Event):
    """A new post. v2: accountabilities carry weights (v1 stored plain strings)."""

    schema_version: ClassVar[int] = 2

    post: str
    title: str
    grade: str
    unit: str
    reports_to: str | None = None
    fte: Decimal = Decimal(1)
    accountabilities: list[Accountability] = Field(default_factory=list)
    cost: Decimal | None = None


class PostRetitled(Event):
    post: str
    title: str


class PostRegraded(Event):
    post: str
    grade: str


class PostMoved(Event):
    post: str
    unit: str | None = None
    reports_to: str | None = None


class PostDeleted(Event):
    """A post deleted; its holders are displaced until an outcome is recorded."""

    post: str


# --- people --------------------------------------------------------------------------


class PersonJoined(Event):
    person: str
    name: str
    grade: str | None = None
    characteristics: dict[str, str] = Field(default_factory=dict)


class PersonAssigned(Event):
    person: str
    post: str
    fte: Decimal = Decimal(1)
    kind: AssignmentKind = "substantive"


class PersonUnassigned(Event):
    person: str
    post: str


class PersonLeft(Event):
    person: str
    cause: LeaveCause


# --- slotting ------------------------------------------------------------------------


class JobMatchAssessed(Event):
    """A panel's assessment that ``new`` is ``percent`` the same job as ``old``."""

    old: str
    new: str
    percent: Decimal
    assessor: str | None = None
    basis: str | None = None


class PersonSlotted(Event):
    """A displaced person slotted into a new post, by the engine or by hand."""

    person: str
    post: str
    basis: str = "engine"
    by_engine: bool = False
    reasons: list[str] = Field(default_factory=list)


class PoolFormed(Event):
    """A ring-fenced competition: these candidates for exactly these posts."""

    pool: str
    candidates: list[str]
    posts: list[str]
    reasons: list[str] = Field(default_factory=list)


class PersonPlacedAtRisk(Event):
    person: str
    reasons: list[str] = Field(default_factory=list)


class PersonAppointed(Event):
    """A person appointed to a post after selection (resolves a pool or a vacancy)."""

    person: str
    post: str
    basis: str | None = None
    fte: Decimal | None = None


# --- governance ----------------------------------------------------------------------


class ConsultationOpened(Event):
    consultation: str
    opens: dt.date
    closes: dt.date
    scope: list[str] = Field(default_factory=list)


class ConsultationClosed(Event):
    consultation: str


class DecisionRecorded(Event):
    by: str
    on: dt.date
    what: str


# --- later additions (issue 14): facts an HR extract or a release series changes -------
# Kept at the end of the catalogue so that older types keep their place. Each is v1.


class PostFteChanged(Event):
    """A post's establishment FTE changed (a 1.0 post cut to 0.6, a team post grown)."""

    post: str
    fte: Decimal


class PostCostChanged(Event):
    """A post's annual cost changed; ``None`` clears a cost no longer known."""

    post: str
    cost: Decimal | None = None


class PostAccountabilitiesChanged(Event):
    """A post's job profile replaced as a whole (the list is the new profile)."""

    post: str
    accountabilities: list[Accountability] = Field(default_factory=list)


class PostReportingCleared(Event):
    """A post no longer reports to any post (it becomes a top of the line).

    ``PostMoved`` cannot say this: its ``reports_to: None`` means "unchanged"."""

    post: str


class PersonRenamed(Event):
    """A person's display name changed (marriage, a corrected record)."""

    person: str
    name: str


class PersonRegraded(Event):
    """A person's own grade changed (pay protection, a personal upgrade), not a post's."""

    person: str
    grade: str | None = None


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        GradeSchemeDefined,
        PolicySet,
        UnitCreated,
        UnitRenamed,
        UnitMoved,
        UnitClosed,
        UnitTransferredOut,
        PostCreated,
        PostRetitled,
        PostRegraded,
        PostMoved,
        PostDeleted,
        PersonJoined,
        PersonAssigned,
        PersonUnassigned,
        PersonLeft,
        JobMatchAssessed,
        PersonSlotted,
        PoolFormed,
        PersonPlacedAtRisk,
        PersonAppointed,
        ConsultationOpened,
        ConsultationClosed,
        DecisionRecorded,
        PostFteChanged,
        PostCostChanged,
        PostAccountabilitiesChanged,
        PostReportingCleared,
        PersonRenamed,
        PersonRegraded,
    )
}

#: Old stored class names -> current names (a rename must keep old logs readable).
RENAMED: dict[str, str] = {}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
#: (type name, stored version) -> function turning that body into version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def _post_created_v1_to_v2(body: dict[str, Any]) -> dict[str, Any]:
    """v1 accountabilities were plain strings; v2 gives each a weight (default 1)."""
    items = body.get("accountabilities") or []
    body["accountabilities"] = [
        {"text": item, "weight": "1"} if isinstance(item, str) else item for item in items
    ]
    return body


UPCASTERS[("PostCreated", 1)] = _post_created_v1_to_v2


def topic_for(event: Event) -> str:
    """The stable stored name of an event's type: ``TYPE.vN``."""
    cls = type(event)
    return f"{cls.__name__}.v{cls.schema_version}"


def resolve_topic(topic: str) -> tuple[type[Event], int]:
    """The current class for a stored topic, and the stored schema version."""
    name, _, version = topic.rpartition(".v")
    if not name or not version.isdigit():
        raise KeyError(f"not an orgsim event topic: {topic!r}")
    name = RENAMED.get(name, name)
    return EVENT_TYPES[name], int(version)


def upcast(cls: type[Event], version: int, body: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored body from ``version`` up to the class's current shape."""
    while version < cls.schema_version:
        body = UPCASTERS[(cls.__name__, version)](body)
        version += 1
    return body


# --- personal details for redundancy cost (SPEC section 13) ---------------------------


class PersonDetailsRecorded(Event):
    """Personal data a redundancy cost needs: date of birth, the start of continuous
    service, and pay (a week's pay, or an annual salary converted at 52.143 weeks), and
    optionally the contractual notice in weeks.

    A field left out keeps what an earlier record said (``salary`` replaces
    ``weekly_pay`` and the other way round). These are personal data: stored encrypted
    like every event, and shown only as totals unless names are asked for.
    """

    person: str
    born: dt.date | None = None
    service_start: dt.date | None = None
    weekly_pay: Decimal | None = None
    salary: Decimal | None = None
    notice_weeks: int | None = None


#: Field names of :class:`PersonDetailsRecorded` that are personal data.
PERSONAL_FIELDS = ("born", "service_start", "weekly_pay", "salary", "notice_weeks")
EVENT_TYPES[PersonDetailsRecorded.__name__] = PersonDetailsRecorded


# --- priority status: pregnancy and family leave (issue 15) ---------------------------


class PersonLeaveStatusRecorded(Event):
    """A person's pregnancy or family leave (maternity, adoption, shared parental), which
    gives priority for a suitable vacancy in a redundancy (MPL Regulations 1999 reg 10;
    see :mod:`orgsim.domain.leave` for the protected period). ``start`` and ``end`` are
    the leave's (for pregnancy: the date the employer was told, and the end of the
    pregnancy); ``birth`` the date of birth or placement, when known.

    Special category personal data: stored encrypted like every event, never shown in
    charts, packs or human output; ``history`` says that it was recorded, not what.
    """

    person: str
    status: str
    start: dt.date
    end: dt.date | None = None
    birth: dt.date | None = None


#: Field names of :class:`PersonLeaveStatusRecorded` that are personal data.
LEAVE_FIELDS = ("status", "start", "end", "birth")
EVENT_TYPES[PersonLeaveStatusRecorded.__name__] = PersonLeaveStatusRecorded
# --- redeployment, bumping and pay protection (issue 15; SPEC 5, 13) ------------------
# Additive extension of the SPEC section 3 catalogue. Each is v1. Invariants live in
# orgsim.domain.redeployment.

InterestOutcome = Literal["pending", "accepted", "declined"]


class VoluntaryRedundancyInterestExpressed(Event):
    """A person's expression of interest in voluntary redundancy and the employer's
    answer (``pending`` until it gives one). A later ``PersonLeft`` with cause
    ``voluntary redundancy`` is linked to it."""

    person: str
    outcome: InterestOutcome = "pending"


class RedeploymentOffered(Event):
    """An offer of suitable alternative employment (ERA 1996 s138, s141) to a displaced
    person, with the statutory trial period (s138(3)(b)(i): four weeks beginning with the
    day they start work in it). ``bumps``: the volunteer whose voluntary redundancy
    vacated the post (bumping)."""

    person: str
    post: str
    trial_start: dt.date
    trial_end: dt.date
    bumps: str | None = None


class RedeploymentAccepted(Event):
    """The offer accepted: the person holds the post (a redeployment, not a slotting)."""

    person: str
    post: str


class RedeploymentRefused(Event):
    """The offer refused, before or during the trial period; ``reasonable`` is the
    employer's view under ERA 1996 s141 (an unreasonable refusal loses statutory pay)."""

    person: str
    post: str
    reasonable: bool


class PayProtected(Event):
    """Downgrade pay protection from ``start`` to ``until`` (inclusive); ``months`` as
    given or as the policy's ``pay_protection_months``, when the period came from it."""

    person: str
    start: dt.date
    until: dt.date
    months: int | None = None


for _cls in (
    VoluntaryRedundancyInterestExpressed,
    RedeploymentOffered,
    RedeploymentAccepted,
    RedeploymentRefused,
    PayProtected,
):
    EVENT_TYPES[_cls.__name__] = _cls
