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


# --- issue 15: people's terms (orgsim.domain.events_people), registered after the core -
# Re-exported (``X as X``, for mypy): other modules import these from here.

from orgsim.domain.events_people import (  # noqa: E402, I001  (needs Event, defined above)
    LEAVE_FIELDS as LEAVE_FIELDS,
    PEOPLE_EVENTS as PEOPLE_EVENTS,
    PERSONAL_FIELDS as PERSONAL_FIELDS,
    InterestOutcome as InterestOutcome,
    PayProtected as PayProtected,
    PersonDetailsRecorded as PersonDetailsRecorded,
    PersonLeaveStatusRecorded as PersonLeaveStatusRecorded,
    RedeploymentAccepted as RedeploymentAccepted,
    RedeploymentOffered as RedeploymentOffered,
    RedeploymentRefused as RedeploymentRefused,
    VoluntaryRedundancyInterestExpressed as VoluntaryRedundancyInterestExpressed,
)

for _cls in PEOPLE_EVENTS:
    EVENT_TYPES[_cls.__name__] = _cls
