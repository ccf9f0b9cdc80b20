"""The organisation's state, folded from events one at a time, with its invariants.

This is the write model and the read model at once: applying an event checks the
invariants of SPEC section 3 and raises :class:`DomainError` (nothing is half-applied:
every check runs before any mutation). Replay of stored logs runs through the same code,
so a log that was valid when written replays to the same state in every release.

Kept deliberately lean (plain slotted dataclasses, a dict dispatch instead of
``isinstance`` chains): a branch of 500,000 events is folded on every query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.leave import protects
from orgsim.domain.redeployment import Book

SUBSTANTIVE = "substantive"
ONE = Decimal(1)
ZERO = Decimal(0)


class DomainError(ValueError):
    """An event that would break an invariant. The message is one line for a user."""


@dataclass(slots=True)
class Unit:
    id: str
    name: str
    kind: str
    parent: str | None
    created: dt.date
    closed: dt.date | None = None


@dataclass(slots=True)
class Post:
    id: str
    title: str
    grade: str
    unit: str
    reports_to: str | None
    fte: Decimal
    accountabilities: list[ev.Accountability]
    cost: Decimal | None
    created: dt.date
    deleted: dt.date | None = None
    reason: str | None = None
    source: str | None = None


@dataclass(slots=True)
class Assignment:
    person: str
    post: str
    fte: Decimal
    kind: str
    since: dt.date

    @property
    def substantive(self) -> bool:
        """The person's own post. An acting or secondment assignment is held alongside
        the post it temporarily replaces, and does not fill the post it is held in."""
        return self.kind == SUBSTANTIVE


@dataclass(slots=True)
class Person:
    id: str
    name: str
    grade: str | None
    characteristics: dict[str, str]
    joined: dt.date
    left: str | None = None
    #: The substantive post deleted under them, while no outcome is recorded.
    displaced_from: str | None = None
    displaced_fte: Decimal = ONE
    #: The latest slotting outcome: slotted, ring_fenced, at_risk, appointed, left...
    status: str | None = None
    status_post: str | None = None
    status_reasons: list[str] = field(default_factory=list)
    # -- redundancy cost (SPEC 13): personal data, see PersonDetailsRecorded --
    born: dt.date | None = None
    service_start: dt.date | None = None
    #: a week's pay as recorded, or None when pay was recorded as a salary
    weekly_pay: Decimal | None = None
    salary: Decimal | None = None
    notice_weeks: int | None = None
    #: when they left, and the substantive (or displaced-from) post they left from
    left_on: dt.date | None = None
    left_from: str | None = None
    #: pregnancy and family leave (priority status, issue 15): personal data
    leave: list[LeaveRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LeaveRecord:
    """One recorded pregnancy or family leave (see :mod:`orgsim.domain.leave`)."""

    status: str
    start: dt.date
    end: dt.date | None
    birth: dt.date | None

    def protects(self, at: dt.date) -> bool:
        """Whether this record gives priority status on ``at``."""
        return protects(self.status, self.start, self.end, self.birth, at)


@dataclass(slots=True)
class Match:
    old: str
    new: str
    percent: Decimal
    assessor: str | None
    basis: str | None
    version: int
    recorded: dt.datetime

    @classmethod
    def from_event(cls, e: ev.JobMatchAssessed, version: int, recorded: dt.datetime) -> Match:
        """The assessment as the state keeps it: at its log version and recorded time."""
        return cls(e.old, e.new, e.percent, e.assessor, e.basis, version, recorded)


@dataclass(slots=True)
class Pool:
    id: str
    candidates: list[str]
    posts: list[str]
    reasons: list[str]
    effective: dt.date


class OrgState:
    """Everything known about one branch up to some effective date."""

    def __init__(self, known_posts: set[str] | None = None) -> None:
        self.grades: list[str] | None = None
        self.pay_ranges: dict[str, tuple[Decimal, Decimal]] = {}
        self.policy: dict[str, Any] = {}
        self.units: dict[str, Unit] = {}
        self.posts: dict[str, Post] = {}
        self.people: dict[str, Person] = {}
        #: person -> post -> assignment, and the reverse index post -> person -> assignment
        self.assignments: dict[str, dict[str, Assignment]] = {}
        self.holders: dict[str, dict[str, Assignment]] = {}
        self.matches: dict[tuple[str, str], Match] = {}
        self.pools: dict[str, Pool] = {}
        self.consultations: list[ev.ConsultationOpened] = []
        self.closed_consultations: set[str] = set()
        self.decisions: list[ev.DecisionRecorded] = []
        #: Every post id the whole branch log creates, at any date: a ``match`` may name
        #: a post that is not yet effective.
        self.known_posts: set[str] = known_posts if known_posts is not None else set()
        #: offers, expressions of interest, pay protection (issue 15)
        self.redeployment = Book()
        self.version = 0
        self.at: dt.date = ev.UNDATED
        #: the log version of the event being applied (offers, interests and matches
        #: record it); the event's recorded time is the event's own ``recorded``
        self._current_version = 0

    # --- folding -------------------------------------------------------------------

    def apply(self, event: ev.Event, version: int = 0) -> None:
        """Apply one event, or raise DomainError and leave the state untouched."""
        handler = HANDLERS[type(event)]
        self._current_version = version
        handler(self, event)
        self.version = max(self.version, version)
        if event.effective > self.at:
            self.at = event.effective

    # --- lookups with one-line errors ----------------------------------------------

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise DomainError(f"unknown unit {unit_id!r}") from None

    def open_unit(self, unit_id: str, doing: str) -> Unit:
        unit = self.unit(unit_id)
        if unit.closed is not None:
            raise DomainError(f"cannot {doing}: unit {unit_id!r} was closed on {unit.closed}")
        return unit

    def post(self, post_id: str) -> Post:
        try:
            return self.posts[post_id]
        except KeyError:
            raise DomainError(f"unknown post {post_id!r}") from None

    def live_post(self, post_id: str, doing: str) -> Post:
        post = self.post(post_id)
        if post.deleted is not None:
            raise DomainError(f"cannot {doing}: post {post_id!r} was deleted on {post.deleted}")
        return post

    def person(self, person_id: str) -> Person:
        try:
            return self.people[person_id]
        except KeyError:
            raise DomainError(f"unknown person {person_id!r}") from None

    def current_person(self, person_id: str, doing: str) -> Person:
        person = self.person(person_id)
        if person.left is not None:
            raise DomainError(f"cannot {doing}: {person_id!r} has left ({person.left})")
        return person

    def check_grade(self, grade: str) -> None:
        if self.grades is not None and grade not in self.grades:
            raise DomainError(
                f"grade {grade!r} is not in the grade scheme ({', '.join(self.grades)})"
            )

    def substantive_fte(self, person_id: str) -> Decimal:
        """The FTE of the person's substantive assignments (a loop, not ``sum`` over a
        generator: called on every substantive assignment the fold applies)."""
        total = ZERO
        for a in self.assignments.get(person_id, {}).values():
            if a.kind == SUBSTANTIVE:
                total += a.fte
        return total

    def substantive_posts(self, person_id: str) -> list[Assignment]:
        return [a for a in self.assignments.get(person_id, {}).values() if a.substantive]

    def is_vacant(self, post_id: str) -> bool:
        """No substantive holder: an acting holder does not fill a post."""
        return not any(a.substantive for a in self.holders.get(post_id, {}).values())

    # --- mutations shared by handlers ----------------------------------------------

    def _assign(self, person: str, post: str, fte: Decimal, kind: str, since: dt.date) -> None:
        # not setdefault(person, {}): that makes (and drops) an empty dict on every call
        assignment = Assignment(person, post, fte, kind, since)
        held = self.assignments.get(person)
        if held is None:
            self.assignments[person] = {post: assignment}
        else:
            held[post] = assignment
        holders = self.holders.get(post)
        if holders is None:
            self.holders[post] = {person: assignment}
        else:
            holders[person] = assignment

    def _unassign(self, person: str, post: str) -> Assignment:
        assignment = self.assignments[person].pop(post)
        del self.holders[post][person]
        return assignment

    def _end_substantive(self, person: str) -> Decimal:
        """End a person's substantive assignments; return the FTE they held."""
        total = ZERO
        for assignment in self.substantive_posts(person):
            total += self._unassign(person, assignment.post).fte
        return total

    def _place(
        self,
        person: Person,
        post: Post,
        fte: Decimal | None,
        status: str,
        effective: dt.date,
        reasons: list[str],
    ) -> None:
        """Give a person a new substantive post (slotting, appointment)."""
        held = self._end_substantive(person.id)
        if fte is None:
            fte = person.displaced_fte if person.displaced_from is not None else (held or ONE)
        if fte > ONE:
            raise DomainError(f"{person.id!r} would hold {fte} substantive FTE (over 1.0)")
        self._assign(person.id, post.id, fte, SUBSTANTIVE, effective)
        person.displaced_from = None
        person.status = status
        person.status_post = post.id
        person.status_reasons = reasons


# The handlers need OrgState; imported last so each module reads on its own.
from orgsim.domain.handlers import HANDLERS  # noqa: E402
