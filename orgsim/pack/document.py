"""Everything a consultation pack says, as plain dataclasses: what the template renders.

No logic beyond counting: the rows are built by :mod:`orgsim.pack.rows`,
:mod:`orgsim.pack.outcomes`, :mod:`orgsim.pack.post_outcomes`, :mod:`orgsim.pack.statutory`
and :mod:`orgsim.pack.equality`, and assembled by :func:`orgsim.pack.build.build_pack`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The chart dataclasses move to orgsim.pack.charts (or figures); import them from there then.
from orgsim.domain.dismissals import Dismissal
from orgsim.pack.figures import ChartFigure, ChartPage

if TYPE_CHECKING:
    from orgsim.pack.against import AgainstSection
    from orgsim.pack.cost import CostSection


class PackError(ValueError):
    """Bad input for a pack (dates, an empty branch): one line for a user, in the pack's
    words; ``dates`` names the dates at fault ("current", "proposed") so that a caller can
    point at its own options for them."""

    def __init__(self, message: str, dates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.dates = dates


@dataclass
class SummaryRow:
    label: str
    before: str
    after: str
    change: str = ""
    note: str = ""


@dataclass
class ChangeRow:
    id: str
    title: str
    kind: str  #: new | deleted | changed (units: new | closed | changed)
    what: str  #: "moved, retitled"...
    before: str
    after: str
    effective: str
    reason: str
    source: str


@dataclass
class PersonRow:
    """One person whose post is deleted (or who is already displaced): by their old post."""

    who: str
    old_post: str
    old_post_id: str
    grade: str
    unit: str
    #: slotted | violation (slotted against the policy, as ``orgsim audit`` finds) |
    #: ring_fenced | at_risk | pending | none (no slotting step)
    stage: str
    outcome: str  #: the latest: stage, or appointed | left | redeployed | violation
    outcome_text: str
    then_text: str
    reasons: list[str]
    pending: bool = False
    #: a slotting decision about this person is one the audit calls a violation
    violation: bool = False
    #: a slotting decision about this person the audit flags otherwise (for review)
    review: bool = False
    #: for individual letters only (never printed in the pack)
    person_id: str = ""
    displaced_on: dt.date | None = None
    #: the date of the later outcome in ``then_text`` (when shown)
    result_on: dt.date | None = None


@dataclass
class PostRow:
    """A new or vacant post in the proposed structure: how it is filled."""

    post: str
    post_id: str
    grade: str
    unit: str
    new: bool
    #: slotted | violation | ring_fenced | appointed | vacancy | filled | pending
    outcome: str
    outcome_text: str
    then_text: str
    reasons: list[str]


@dataclass
class PoolRow:
    id: str
    posts: list[str]
    candidates: list[str]
    count_text: str
    reasons: list[str]
    result: str
    proposed_only: bool = False


@dataclass
class TimetableRow:
    date: dt.date
    what: str
    detail: str = ""
    source: str = ""
    computed: bool = False  #: a date the pack works out, not one recorded in an event


@dataclass
class StatutoryCheck:
    proposed: int
    left_by_redundancy: int
    required_days: int | None
    first_dismissal: dt.date | None
    first_dismissal_basis: str
    consultation_start: dt.date | None
    consultation_end: dt.date | None
    days_before: int | None
    verdict: str  #: meets | falls_short | not_required | no_consultation
    headline: str
    hr1: str
    hr1_due: dt.date | None
    latest_start: dt.date | None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: every dismissal counted (TULRCA s195), and (what, how many) by reason
    counted: list[Dismissal] = field(default_factory=list)
    breakdown: list[tuple[str, int | str]] = field(default_factory=list)
    #: the latest day the first notice of dismissal can be given, and why
    first_notice_by: dt.date | None = None
    first_notice_why: str = ""


@dataclass
class EqualityCell:
    count: str
    percent: str
    suppressed: bool = False


@dataclass
class EqualityRow:
    label: str
    workforce: EqualityCell
    affected: EqualityCell
    difference: str = ""
    #: the workforce not affected (workforce = not affected + affected)
    unaffected: EqualityCell = field(default_factory=lambda: EqualityCell("", ""))
    #: the affected by outcome, in :data:`orgsim.pack.equality.OUTCOME_COLUMNS` order
    outcomes: dict[str, EqualityCell] = field(default_factory=dict)


@dataclass
class EqualityTable:
    characteristic: str
    rows: list[EqualityRow]
    note: str = ""
    #: the outcome columns' headings
    outcome_labels: list[str] = field(default_factory=list)


@dataclass
class LaterCount:
    """One outcome after slotting, counted (:mod:`orgsim.pack.confidential`)."""

    label: str
    count: str  #: a number, or "fewer than 5" when withheld
    n: int  #: the exact figure (rendered only in the internal version)
    total: bool = False
    #: a fact beside the outcomes (pay protection, voluntary redundancy interest), not an
    #: outcome: neither a sub-row of the line above nor in the summary's "Then:" lines
    aside: bool = False


@dataclass
class Footer:
    branch: str
    parent: str | None
    fork: str
    version: int
    own_events: int
    head_chain: str
    orgsim_version: str
    #: (branch, own events the pack relies on, chain value at the last of them): this
    #: branch, then each ancestor at the point it was forked from
    heads: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class Pack:
    organisation: str
    branch: str
    current: dt.date
    proposed: dt.date
    names: bool
    summary_posts: list[SummaryRow]
    summary_people: list[SummaryRow]
    summary_units: list[SummaryRow]
    charts: list[ChartFigure]
    post_changes: list[ChangeRow]
    unit_changes: list[ChangeRow]
    people: list[PersonRow]
    posts: list[PostRow]
    pools: list[PoolRow]
    timetable: list[TimetableRow]
    statutory: StatutoryCheck
    equality: list[EqualityTable]
    equality_note: str
    equality_group: int
    workforce: int
    footer: Footer
    cost_note: str = ""
    #: redundancy cost totals (orgsim.pack.cost), None when nobody is to be costed
    redundancy: CostSection | None = None
    #: the internal version (names and individual outcomes) rather than the collective one
    internal: bool = False
    #: outcomes after slotting, as counts (withheld under 5 in the collective version)
    later: list[LaterCount] = field(default_factory=list)
    #: built from the events recorded by this time only (``--as-known-at``)
    as_known_at: dt.datetime | None = None
    #: the recorded time of the latest event the pack relies on: the PDF's date
    data_time: dt.datetime | None = None
    #: TULRCA 1992 s188(4), item by item (:mod:`orgsim.pack.s188`)
    disclosure: list[Any] = field(default_factory=list)
    #: this branch against another (``--against``): what changed as a result of consultation
    against: AgainstSection | None = None

    @property
    def version_name(self) -> str:
        if self.internal:
            return "internal version"
        return "collective version with names" if self.names else "collective version"

    @property
    def violations(self) -> int:
        """People with a slotting decision the audit calls a violation."""
        return sum(1 for row in self.people if row.violation)

    @property
    def stage_counts(self) -> dict[str, int]:
        """People displaced by slotting stage: slotted (against the policy or flagged for
        review included), ring_fenced, at_risk, other."""
        out = {"slotted": 0, "ring_fenced": 0, "at_risk": 0, "other": 0}
        for row in self.people:
            stage = "slotted" if row.stage in ("violation", "review") else row.stage
            out[stage if stage in out else "other"] += 1
        return out

    @property
    def reviews(self) -> int:
        """People with a slotting decision the audit flags for review (neither compliant
        nor a violation, e.g. its match revised after the decision)."""
        return sum(1 for row in self.people if row.review)

    @property
    def post_counts(self) -> dict[str, int]:
        counts = {"new": 0, "deleted": 0, "changed": 0}
        for row in self.post_changes:
            counts[row.kind] += 1
        return counts


__all__ = [
    "ChangeRow",
    "ChartFigure",
    "ChartPage",
    "EqualityCell",
    "EqualityRow",
    "EqualityTable",
    "Footer",
    "LaterCount",
    "Pack",
    "PackError",
    "PersonRow",
    "PoolRow",
    "PostRow",
    "StatutoryCheck",
    "SummaryRow",
    "TimetableRow",
]
