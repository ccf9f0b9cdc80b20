"""Everything a consultation pack says, assembled as plain dataclasses.

One branch, two effective dates: *current* (the structure staff have now) and *proposed*
(the structure after the change). The pack reads the branch's log only:

- the changes between the dates come from :func:`orgsim.diff.diff_states` (each with the
  reason and source of the event that made it);
- outcomes for people come from the slotting events recorded between the dates (slotted,
  ring-fenced pool, at risk, then appointed or left); people still displaced at the
  proposed date get the engine's proposal (:func:`orgsim.outcomes.propose`), marked as
  pending;
- the timetable from the branch's own ``consult`` and ``decide`` events, checked against
  the statutory minimum of TULRCA 1992 s188;
- the equality summary from people's optional characteristics, only ever aggregated.

Privacy: without ``names`` nobody's name or person id appears; a person is "the post
holder of X". Free text written into events (reasons, sources, decisions) is scrubbed of
people's ids and names either way a person is referred to. Protected characteristics of
individuals never appear; counts under 5 are suppressed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from orgsim import __version__
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Logged
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import Store
from orgsim.views.changes import Provenance, diff_states

#: Events that change the line structure (units and posts): they date the change.
STRUCTURAL: tuple[type[ev.Event], ...] = (
    ev.UnitCreated,
    ev.UnitRenamed,
    ev.UnitMoved,
    ev.UnitClosed,
    ev.UnitTransferredOut,
    ev.PostCreated,
    ev.PostRetitled,
    ev.PostRegraded,
    ev.PostMoved,
    ev.PostDeleted,
)
#: Cells of the equality summary below this many people are suppressed.
SUPPRESS_BELOW = 5
#: TULRCA 1992 s188(1A): proposed redundancies at one establishment within 90 days.
S188_WINDOW_DAYS = 90
REDUNDANCY_CAUSES = ("redundancy", "voluntary redundancy")
UNIT_KINDS = ("organisation", "directorate", "division", "service", "team", "external")


class PackError(ValueError):
    """Bad input for a pack (dates, an empty branch): one line for a user."""


# --- the pack's data -------------------------------------------------------------------


@dataclass
class SummaryRow:
    label: str
    before: str
    after: str
    change: str = ""
    note: str = ""


@dataclass
class ChartPage:
    title: str
    svg: str  #: sanitised inline SVG (no prolog, ids prefixed, no links)
    width: float  #: points
    height: float
    orientation: str = "landscape"  #: the printed page that fits it best


@dataclass
class ChartFigure:
    key: str  #: current | proposed | change
    title: str
    caption: str
    pages: list[ChartPage] = field(default_factory=list)
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
    stage: str  #: slotted | ring_fenced | at_risk | pending | none (no slotting step)
    outcome: str  #: the latest: stage, or appointed | left | redeployed
    outcome_text: str
    then_text: str
    reasons: list[str]
    pending: bool = False


@dataclass
class PostRow:
    """A new or vacant post in the proposed structure: how it is filled."""

    post: str
    post_id: str
    grade: str
    unit: str
    new: bool
    outcome: str  #: slotted | ring_fenced | appointed | vacancy | filled | pending
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


@dataclass
class EqualityTable:
    characteristic: str
    rows: list[EqualityRow]
    note: str = ""


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

    @property
    def post_counts(self) -> dict[str, int]:
        counts = {"new": 0, "deleted": 0, "changed": 0}
        for row in self.post_changes:
            counts[row.kind] += 1
        return counts


# --- dates -------------------------------------------------------------------------------


def default_dates(
    log: BranchLog, at: dt.date | None = None, before: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """(current, proposed): ``proposed`` defaults to the latest effective date on the
    branch; ``current`` to the day before the branch's own first structural change (for
    a branch with no structural change of its own, its fork date)."""
    proposed = at or log.timeline.latest_effective()
    if proposed is None:
        raise PackError(f"branch {log.name!r} has no dated events: nothing to put in a pack")
    current = before
    if current is None:
        if log.info.parent is not None:
            own = sorted(
                {
                    i.event.effective
                    for i in log.own
                    if isinstance(i.event, STRUCTURAL) and i.event.effective <= proposed
                }
            )
            if own:
                current = own[0] - dt.timedelta(days=1)
            elif log.fork_date is not None:
                current = log.fork_date
        else:
            # a branch of its own (no fork): the change is its latest structural date
            dates = sorted(
                {
                    i.event.effective
                    for i in log.log
                    if isinstance(i.event, STRUCTURAL) and i.event.effective <= proposed
                }
            )
            if len(dates) >= 2:
                current = dates[-1] - dt.timedelta(days=1)
        if current is None:
            raise PackError(
                f"branch {log.name!r} has no structural change to consult on "
                "before --at: give --before DATE"
            )
    if current >= proposed:
        raise PackError(
            f"the current date {current} must be before the proposed date "
            f"{proposed} (--before and --at)"
        )
    return current, proposed


# --- helpers -----------------------------------------------------------------------------


def _d(value: dt.date | None) -> str:
    """1 April 2014."""
    if value is None:
        return ""
    return f"{value.day} {value.strftime('%B %Y')}"


def _num(value: Decimal | float | int) -> str:
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _money(value: Decimal) -> str:
    return f"£{value.quantize(Decimal(1)):,}"


def _signed(before: Decimal, after: Decimal, money: bool = False) -> str:
    delta = after - before
    if delta == 0:
        return "no change"
    text = _money(abs(delta)) if money else _num(abs(delta))
    return ("+" if delta > 0 else "−") + text


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


class Redactor:
    """Scrubs people's ids and names out of free text, replacing each with how the pack
    refers to that person (their name only with ``names``)."""

    def __init__(self, people: dict[str, str], labels: dict[str, str], names: bool) -> None:
        self.replace: dict[str, str] = {}
        for pid, name in people.items():
            label = name if names else labels.get(pid, "a member of staff")
            self.replace[pid] = label
            if name and name.strip():
                self.replace[name] = label if names else labels.get(pid, "a member of staff")
                surname = name.split()[-1]
                if len(name.split()) > 1 and len(surname) > 2 and not names:
                    for title in ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"):
                        self.replace[f"{title} {surname}"] = "[name withheld]"
                        self.replace[f"{title}. {surname}"] = "[name withheld]"
        keys = sorted(self.replace, key=len, reverse=True)
        self.pattern = (
            re.compile("(?<![\\w-])(" + "|".join(re.escape(k) for k in keys) + ")(?![\\w-])")
            if keys
            else None
        )

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.replace[m.group(1)], text)


def _live_posts(state: OrgState) -> list:
    return [p for p in state.posts.values() if p.deleted is None]


def _employer_posts(state: OrgState) -> list:
    return [p for p in _live_posts(state) if not state.is_external(p.unit)]


def _grade_rank(state: OrgState) -> dict[str, int]:
    return {g: i for i, g in enumerate(state.grades or [])}


def _org_name(state: OrgState, fallback: str) -> str:
    for unit in sorted(state.units.values(), key=lambda u: u.id):
        if unit.kind == "organisation" and unit.closed is None:
            return unit.name
    return fallback


def _unit_name(states: Iterable[OrgState], uid: str | None) -> str:
    return _known_as(states, "units", "name", uid)


def _post_title(states: Iterable[OrgState], pid: str | None) -> str:
    return _known_as(states, "posts", "title", pid)


def _known_as(states: Iterable[OrgState], table: str, field: str, key: str | None) -> str:
    """A unit's name or a post's title from the first state that knows it, else the id."""
    if key is None:
        return ""
    for state in states:
        found = getattr(state, table).get(key)
        if found is not None:
            return getattr(found, field)
    return key


# --- summary -----------------------------------------------------------------------------


def _summary(
    before: OrgState,
    after: OrgState,
    branch: str,
    current: dt.date,
    proposed: dt.date,
    post_changes: list[ChangeRow],
    people: list[PersonRow],
) -> tuple[list[SummaryRow], list[SummaryRow], list[SummaryRow], str]:
    """The proposal in numbers; establishment figures from :func:`orgsim.compare.metrics`
    (the ``compare`` command's), so the pack and ``compare`` always agree."""
    from orgsim.views.metrics import metrics

    mb = metrics(before, branch, current)
    ma = metrics(after, branch, proposed)
    kinds = Counter(r.kind for r in post_changes)

    def row(label: str, b: object, a: object, note: str = "", money: bool = False) -> SummaryRow:
        if b is None or a is None:
            return SummaryRow(
                label, "" if b is None else _num(b), "" if a is None else _num(a), "", note
            )
        db, da = Decimal(str(b)), Decimal(str(a))
        show = _money if money else _num
        return SummaryRow(label, show(db), show(da), _signed(db, da, money), note)

    posts = [
        row("Posts", mb["posts"]["total"], ma["posts"]["total"]),
        SummaryRow("Posts created", "", _num(kinds["new"])),
        SummaryRow("Posts deleted", "", _num(kinds["deleted"])),
        SummaryRow("Posts changed (moved, retitled or regraded)", "", _num(kinds["changed"])),
        row("Establishment FTE", mb["posts"]["fte"], ma["posts"]["fte"]),
        row("Vacant posts", mb["vacancies"]["posts"], ma["vacancies"]["posts"]),
    ]
    cost_note = ""
    nb, na = mb["posts"]["total"], ma["posts"]["total"]
    missing_b, missing_a = mb["cost"]["posts_without_cost"], ma["cost"]["posts_without_cost"]
    if missing_b == nb and missing_a == na:
        posts.append(
            SummaryRow(
                "Establishment cost",
                "not recorded",
                "not recorded",
                "",
                "no post costs or pay ranges are recorded on this branch",
            )
        )
    else:
        notes = ["a post's cost, else its grade's pay-range midpoint times its FTE"]
        if missing_b or missing_a:
            notes.append(
                f"covers {nb - missing_b} of {nb} posts before and {na - missing_a} of {na} after"
            )
        cost_note = "; ".join(notes)
        posts.append(
            row(
                "Establishment cost (a year)",
                mb["cost"]["total"],
                ma["cost"]["total"],
                cost_note,
                money=True,
            )
        )
    if mb["posts"]["external"] or ma["posts"]["external"]:
        posts.append(
            row(
                "Posts in external bodies (not counted above)",
                mb["posts"]["external"],
                ma["posts"]["external"],
            )
        )
    posts.append(
        row(
            "Layers of management",
            mb["layers"]["management_layers"],
            ma["layers"]["management_layers"],
        )
    )
    if mb["spans"]["median"] is not None and ma["spans"]["median"] is not None:
        posts.append(
            row(
                "Median span of control (direct reports per manager)",
                mb["spans"]["median"],
                ma["spans"]["median"],
            )
        )

    outcome = Counter(p.outcome for p in people)
    stages = Counter(p.stage for p in people)
    rows = [
        row("Headcount", mb["people"]["current"], ma["people"]["current"]),
        SummaryRow("People whose post is deleted (displaced)", "", _num(len(people))),
        SummaryRow("— slotted into a new post", "", _num(stages["slotted"])),
        SummaryRow("— ring-fenced for a competition", "", _num(stages["ring_fenced"])),
        SummaryRow("— at risk of redundancy", "", _num(stages["at_risk"])),
    ]
    if stages["pending"]:
        rows.append(SummaryRow("— no outcome recorded yet (pending)", "", _num(stages["pending"])))
    if stages["none"]:
        rows.append(SummaryRow("— placed without a slotting step", "", _num(stages["none"])))
    rows.append(SummaryRow("Then appointed to a post", "", _num(outcome["appointed"])))
    rows.append(SummaryRow("Then left the organisation", "", _num(outcome["left"])))
    if outcome["redeployed"]:
        rows.append(SummaryRow("Then redeployed", "", _num(outcome["redeployed"])))

    units = []
    kb, ka = mb["units"]["by_kind"], ma["units"]["by_kind"]
    kinds_seen = [k for k in UNIT_KINDS if k in kb or k in ka]
    kinds_seen += sorted((set(kb) | set(ka)) - set(kinds_seen))
    for kind in kinds_seen:
        label = "Organisation" if kind == "organisation" else kind.capitalize() + "s"
        units.append(row(label, kb.get(kind, 0), ka.get(kind, 0)))
    if mb["units"]["external"] or ma["units"]["external"]:
        units.append(
            row(
                "External bodies (services transferred out)",
                mb["units"]["external"],
                ma["units"]["external"],
            )
        )
    return posts, rows, units, cost_note


# --- changes -----------------------------------------------------------------------------


def _post_desc(state: OrgState, others: list[OrgState], post) -> str:
    """Grade, FTE, unit and manager of a post (its title is shown beside it)."""
    parts = [post.grade + (f", {_num(post.fte)} FTE" if post.fte != 1 else "")]
    parts.append(_unit_name([state, *others], post.unit))
    if post.reports_to:
        parts.append(f"reports to {_post_title([state, *others], post.reports_to)}")
    return " · ".join(parts)


def _changes(
    before: OrgState, after: OrgState, window: list[Logged], branch: str, redact: Redactor
) -> tuple[list[ChangeRow], list[ChangeRow]]:
    document = diff_states(before, after, Provenance([(branch, window)]))
    states = [after, before]

    def collect(rows: list[dict]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for row in rows:
            grouped.setdefault(row["id"], []).append(row)
        return grouped

    def provenance(rows: list[dict]) -> tuple[str, str, str]:
        reasons, sources, dates = [], [], []
        for row in rows:
            for value, bucket in (
                (row.get("reason"), reasons),
                (row.get("source"), sources),
                (row.get("effective"), dates),
            ):
                if value and value not in bucket:
                    bucket.append(value)
        return (
            "; ".join(redact(r) for r in reasons),
            "; ".join(redact(s) for s in sources),
            ", ".join(_d(dt.date.fromisoformat(d)) for d in sorted(dates)),
        )

    posts: list[ChangeRow] = []
    for pid, rows in collect(document["posts"]).items():
        kinds = [r["change"] for r in rows]
        reason, source, effective = provenance(rows)
        if "created" in kinds:
            post = after.posts[pid]
            posts.append(
                ChangeRow(
                    pid,
                    post.title,
                    "new",
                    "new post",
                    "—",
                    _post_desc(after, [before], post),
                    effective,
                    reason,
                    source,
                )
            )
        elif "deleted" in kinds:
            post = before.posts[pid]
            held = sum(1 for a in before.holders.get(pid, {}).values() if a.kind == "substantive")
            after_text = "deleted · " + (
                f"{_plural(held, 'holder')} displaced" if held else "was vacant"
            )
            if not reason and after.posts.get(pid) is not None:
                reason = redact(after.posts[pid].reason)
                source = source or redact(after.posts[pid].source)
            posts.append(
                ChangeRow(
                    pid,
                    post.title,
                    "deleted",
                    "deleted",
                    _post_desc(before, [after], post),
                    after_text,
                    effective,
                    reason,
                    source,
                )
            )
        else:
            old, new = before.posts[pid], after.posts[pid]
            b, a = [], []
            if "retitled" in kinds:
                b.append(f"title: {old.title}")
                a.append(f"title: {new.title}")
            if "regraded" in kinds:
                b.append(f"grade: {old.grade}")
                a.append(f"grade: {new.grade}")
            if "moved" in kinds:
                if old.unit != new.unit:
                    b.append(f"in {_unit_name(states, old.unit)}")
                    a.append(f"in {_unit_name(states, new.unit)}")
                if old.reports_to != new.reports_to:
                    b.append(f"reports to {_post_title(states, old.reports_to) or 'no one'}")
                    a.append(f"reports to {_post_title(states, new.reports_to) or 'no one'}")
            posts.append(
                ChangeRow(
                    pid,
                    new.title,
                    "changed",
                    ", ".join(kinds),
                    "; ".join(b),
                    "; ".join(a),
                    effective,
                    reason,
                    source,
                )
            )
    order = {"new": 1, "changed": 2, "deleted": 0}
    rank = _grade_rank(after) or _grade_rank(before)
    posts.sort(
        key=lambda r: (
            order[r.kind],
            -rank.get(_grade_of(states, r.id), -1),
            r.title.casefold(),
            r.id,
        )
    )

    units: list[ChangeRow] = []
    for uid, rows in collect(document["units"]).items():
        kinds = [r["change"] for r in rows]
        reason, source, effective = provenance(rows)
        if "created" in kinds:
            unit = after.units[uid]
            parent = _unit_name(states, unit.parent)
            units.append(
                ChangeRow(
                    uid,
                    unit.name,
                    "new",
                    f"new {unit.kind}",
                    "—",
                    unit.kind + (f" in {parent}" if parent else ""),
                    effective,
                    reason,
                    source,
                )
            )
        elif "closed" in kinds:
            unit = before.units[uid]
            parent = _unit_name(states, unit.parent)
            units.append(
                ChangeRow(
                    uid,
                    unit.name,
                    "closed",
                    f"{unit.kind} closed",
                    unit.kind + (f" in {parent}" if parent else ""),
                    "closed",
                    effective,
                    reason,
                    source,
                )
            )
        else:
            old, new = before.units[uid], after.units[uid]
            b, a = [], []
            if "renamed" in kinds:
                b.append(f"name: {old.name}")
                a.append(f"name: {new.name}")
            if "moved" in kinds:
                b.append(f"in {_unit_name([before], old.parent) or 'the top'}")
                a.append(f"in {_unit_name([after], new.parent) or 'the top'}")
            units.append(
                ChangeRow(
                    uid,
                    new.name,
                    "changed",
                    ", ".join(kinds),
                    "; ".join(b),
                    "; ".join(a),
                    effective,
                    reason,
                    source,
                )
            )
    uorder = {"closed": 0, "new": 1, "changed": 2}
    kind_rank = {k: i for i, k in enumerate(UNIT_KINDS)}
    units.sort(
        key=lambda r: (
            uorder[r.kind],
            kind_rank.get(_unit_kind(states, r.id), 9),
            r.title.casefold(),
            r.id,
        )
    )
    return posts, units


def _grade_of(states: list[OrgState], pid: str) -> str:
    for state in states:
        if pid in state.posts:
            return state.posts[pid].grade
    return ""


def _unit_kind(states: list[OrgState], uid: str) -> str:
    for state in states:
        if uid in state.units:
            return state.units[uid].kind
    return ""


# --- people and posts: outcomes ----------------------------------------------------------

_MATCH_TEXT = re.compile(r"(\d+(?:\.\d+)?)% match to ([\w.-]+)")


def _own_reasons(reasons: list[str], old_post: str, state: OrgState) -> list[str]:
    """A pool's reasons speak for every candidate; keep the lines about this person's
    own matches (and those about no match at all)."""
    out = []
    for line in reasons:
        pairs = _MATCH_TEXT.findall(line)
        mine = all(
            (old_post, post.rstrip(".")) in state.matches
            and state.matches[(old_post, post.rstrip("."))].percent == Decimal(pct)
            for pct, post in pairs
        )
        if mine:
            out.append(line)
    return out or list(reasons)


@dataclass
class _Affected:
    person: str
    old_post: str
    fte: Decimal
    displaced_on: dt.date
    stage: str | None = None  # slotted | ring_fenced | at_risk
    stage_post: str | None = None
    stage_pool: str | None = None
    stage_reasons: list[str] = field(default_factory=list)
    stage_basis: str = ""
    result: str | None = None  # slotted | appointed | left | redeployed
    result_post: str | None = None
    result_detail: str = ""
    result_on: dt.date | None = None
    result_reason: str = ""
    left_cause: str | None = None


@dataclass
class _Walk:
    affected: dict[str, _Affected]
    pools: dict[str, ev.PoolFormed]
    slotted_into: dict[str, list[str]]  # post -> people slotted
    appointed_to: dict[str, list[tuple[str, str]]]  # post -> (person, basis)
    assigned_to: dict[str, list[str]]
    state: OrgState


def _walk(before: OrgState, window: list[Logged]) -> _Walk:
    """Replays the window on a copy of the current state, noting who is displaced by
    which deletion and every outcome recorded for them."""
    state = before  # a fresh state (the caller passes one it no longer needs)
    affected: dict[str, _Affected] = {}
    first_day = window[0].event.effective if window else before.at
    for pid in state.displaced():
        person = state.people[pid]
        affected[pid] = _Affected(pid, person.displaced_from or "", person.displaced_fte, first_day)
        if person.status in ("ring_fenced", "at_risk"):
            affected[pid].stage = person.status
            affected[pid].stage_reasons = list(person.status_reasons)
    pools: dict[str, ev.PoolFormed] = {}
    slotted_into: dict[str, list[str]] = {}
    appointed_to: dict[str, list[tuple[str, str]]] = {}
    assigned_to: dict[str, list[str]] = {}
    for item in window:
        e = item.event
        if isinstance(e, ev.PostDeleted):
            for pid, a in sorted(state.holders.get(e.post, {}).items()):
                if a.kind == "substantive":
                    affected[pid] = _Affected(pid, e.post, a.fte, e.effective)
        elif isinstance(e, ev.PersonSlotted) and e.person in affected:
            who = affected[e.person]
            basis = "slotting policy" if e.by_engine else (e.basis or "by hand")
            if who.stage is None:
                who.stage, who.stage_post, who.stage_reasons = "slotted", e.post, list(e.reasons)
                who.stage_basis = basis
            else:
                who.result, who.result_post, who.result_detail = "slotted", e.post, basis
                who.result_on = e.effective
                who.result_reason = e.reason or ""
            slotted_into.setdefault(e.post, []).append(e.person)
        elif isinstance(e, ev.PoolFormed):
            pools[e.pool] = e
            for pid in e.candidates:
                if pid in affected and affected[pid].stage is None:
                    affected[pid].stage, affected[pid].stage_pool = "ring_fenced", e.pool
                    affected[pid].stage_reasons = list(e.reasons)
        elif isinstance(e, ev.PersonPlacedAtRisk) and e.person in affected:
            who = affected[e.person]
            if who.stage is None:
                who.stage, who.stage_reasons = "at_risk", list(e.reasons)
        elif isinstance(e, ev.PersonAppointed):
            appointed_to.setdefault(e.post, []).append((e.person, e.basis or ""))
            if e.person in affected:
                who = affected[e.person]
                who.result, who.result_post = "appointed", e.post
                who.result_detail, who.result_on = e.basis or "", e.effective
                who.result_reason = e.reason or ""
        elif isinstance(e, ev.PersonLeft) and e.person in affected:
            who = affected[e.person]
            who.result, who.left_cause, who.result_on = "left", e.cause, e.effective
            who.result_reason = e.reason or ""
        elif isinstance(e, ev.PersonAssigned) and e.kind == "substantive":
            assigned_to.setdefault(e.post, []).append(e.person)
            if e.person in affected and state.people[e.person].displaced_from is not None:
                who = affected[e.person]
                who.result, who.result_post, who.result_on = "redeployed", e.post, e.effective
                who.result_reason = e.reason or ""
        state.apply(e, item.version)
    return _Walk(affected, pools, slotted_into, appointed_to, assigned_to, state)


def _outcomes(
    before: OrgState,
    after: OrgState,
    walk: _Walk,
    names: bool,
    labels: dict[str, str],
    redact: Redactor,
    new_posts: set[str],
) -> tuple[list[PersonRow], list[PostRow], list[PoolRow]]:
    from orgsim.domain.slotting import SlottingError
    from orgsim.domain.slotting.scope import propose

    states = [after, before]

    def who(pid: str) -> str:
        if names:
            for state in states:
                if pid in state.people:
                    return state.people[pid].name
        return labels.get(pid, "a member of staff")

    def post_text(pid: str | None) -> str:
        if pid is None:
            return ""
        grade = _grade_of(states, pid)
        return f"{_post_title(states, pid)} ({grade})" if grade else _post_title(states, pid)

    pending_people = [
        pid
        for pid, a in walk.affected.items()
        if a.result is None
        and a.stage is None
        and pid in after.people
        and after.people[pid].displaced_from is not None
        and after.people[pid].left is None
    ]
    proposal = None
    if pending_people or any(after.is_vacant(p.id) for p in _employer_posts(after)):
        try:
            proposal = propose(after)
        except SlottingError:  # e.g. a policy the engine rejects: recorded facts still stand
            proposal = None
    proposed_for = {o.person: o for o in proposal.outcomes} if proposal else {}

    pool_rows: list[PoolRow] = []
    pool_of_post: dict[str, str] = {}
    pool_text: dict[str, str] = {}
    for pool_id, pool in walk.pools.items():
        count = (
            f"{_plural(len(pool.candidates), 'candidate')} for {_plural(len(pool.posts), 'post')}"
        )
        results = []
        for post in pool.posts:
            pool_of_post[post] = pool_id
            winners = [p for p, _ in walk.appointed_to.get(post, []) if p in pool.candidates]
            winners += [p for p in walk.slotted_into.get(post, []) if p in pool.candidates]
            if winners:
                results.append(
                    f"{_post_title(states, post)}: appointed {', '.join(who(p) for p in winners)}"
                )
            else:
                results.append(f"{_post_title(states, post)}: competition pending")
        pool_text[pool_id] = count
        pool_rows.append(
            PoolRow(
                pool_id,
                [post_text(p) for p in pool.posts],
                [who(p) for p in pool.candidates],
                count,
                [redact(r) for r in pool.reasons],
                "; ".join(results),
            )
        )
    proposed_pools = []
    if proposal is not None:
        for pool in proposal.pools:
            if any(p in pending_people for p in pool.candidates):
                count = (
                    f"{_plural(len(pool.candidates), 'candidate')} for "
                    f"{_plural(len(pool.posts), 'post')}"
                )
                reasons: list[str] = []
                for pid in pool.candidates:
                    for r in proposed_for[pid].reasons:
                        if r not in reasons:
                            reasons.append(r)
                proposed_pools.append(
                    PoolRow(
                        "proposed",
                        [post_text(p) for p in pool.posts],
                        [who(p) for p in pool.candidates],
                        count,
                        [redact(r) for r in reasons],
                        "not yet recorded",
                        proposed_only=True,
                    )
                )
    pool_rows.extend(proposed_pools)

    people: list[PersonRow] = []
    for pid, a in walk.affected.items():
        old = before.posts.get(a.old_post) or after.posts.get(a.old_post)
        grade = old.grade if old else ""
        unit = _unit_name(states, old.unit) if old else ""
        reasons = list(a.stage_reasons)
        pending = False
        if a.stage == "slotted":
            outcome = "slotted"
            text = f"Slotted into {post_text(a.stage_post)}"
            if a.stage_basis and a.stage_basis != "slotting policy":
                text += f" (decided {a.stage_basis})"
        elif a.stage == "ring_fenced":
            outcome = "ring_fenced"
            reasons = _own_reasons(reasons, a.old_post, walk.state)
            pool = walk.pools.get(a.stage_pool or "")
            where = ", ".join(_post_title(states, p) for p in pool.posts) if pool else ""
            text = f"Ring-fenced pool: {pool_text.get(a.stage_pool or '', '')}" + (
                f" ({where})" if where else ""
            )
        elif a.stage == "at_risk":
            outcome = "at_risk"
            text = "At risk of redundancy"
        elif a.result is not None:
            outcome = a.result
            text = "No slotting step recorded"
        else:
            outcome = "pending"
            pending = True
            proposed = proposed_for.get(pid)
            if proposed is None:
                text = "Pending: no outcome recorded"
            elif proposed.outcome == "slotted":
                text = f"Pending: the slotting policy would slot into {post_text(proposed.post)}"
            elif proposed.outcome == "ring_fenced" and proposed.pool is not None:
                text = (
                    f"Pending: the slotting policy would ring-fence ("
                    f"{_plural(len(proposed.pool.candidates), 'candidate')} for "
                    f"{_plural(len(proposed.pool.posts), 'post')}: "
                    + ", ".join(_post_title(states, p) for p in proposed.pool.posts)
                    + ")"
                )
            else:
                text = "Pending: the slotting policy would place at risk"
            if proposed is not None:
                reasons = list(proposed.reasons)
        then = ""
        if a.result == "appointed":
            then = f"Appointed to {post_text(a.result_post)}" + (
                f" ({a.result_detail})" if a.result_detail else ""
            )
            if a.stage is not None:
                outcome = "appointed"
        elif a.result == "left":
            then = f"Left: {a.left_cause}"
            if a.stage is not None:
                outcome = "left"
        elif a.result == "redeployed":
            then = f"Redeployed to {post_text(a.result_post)}"
            if a.stage is not None:
                outcome = "redeployed"
        elif a.result == "slotted":
            then = f"Slotted into {post_text(a.result_post)} ({a.result_detail})"
            outcome = "slotted"
        elif a.stage in ("ring_fenced", "at_risk"):
            then = "Outcome pending"
            pending = True
        if a.result_on is not None and then:
            then += f", {_d(a.result_on)}"
        if a.result_reason:
            then += f" — {redact(a.result_reason)}"
        stage = a.stage or ("pending" if a.result is None else "none")
        people.append(
            PersonRow(
                who(pid),
                old.title if old else a.old_post,
                a.old_post,
                grade,
                unit,
                stage,
                outcome,
                text,
                then,
                [redact(r) for r in reasons],
                pending,
            )
        )
    rank = _grade_rank(before) or _grade_rank(after)
    people.sort(
        key=lambda r: (r.unit.casefold(), -rank.get(r.grade, -1), r.old_post.casefold(), r.who)
    )
    # a person's own outcome stage goes first: for the summary counts
    posts = _post_rows(
        after,
        walk,
        states,
        new_posts,
        pool_of_post,
        pool_text,
        proposal,
        pending_people,
        who,
        post_text,
        redact,
    )
    return people, posts, pool_rows


def _post_rows(
    after: OrgState,
    walk: _Walk,
    states: list[OrgState],
    new_posts: set[str],
    pool_of_post: dict[str, str],
    pool_text: dict[str, str],
    proposal,
    pending_people: list[str],
    who,
    post_text,
    redact: Redactor,
) -> list[PostRow]:
    touched = set(walk.slotted_into) | set(walk.appointed_to) | set(pool_of_post)
    rows: list[PostRow] = []
    unfilled = set(proposal.unfilled) if proposal is not None else set()
    proposed_slots: dict[str, list[str]] = {}
    proposed_pool: dict[str, tuple[int, int]] = {}
    if proposal is not None:
        for o in proposal.outcomes:
            if o.person not in pending_people:
                continue
            if o.outcome == "slotted" and o.post:
                proposed_slots.setdefault(o.post, []).append(o.person)
            elif o.outcome == "ring_fenced" and o.pool is not None:
                for p in o.pool.posts:
                    proposed_pool[p] = (len(o.pool.candidates), len(o.pool.posts))
    for post in sorted(_employer_posts(after), key=lambda p: p.id):
        pid = post.id
        vacant = after.is_vacant(pid)
        if pid not in new_posts and not vacant and pid not in touched:
            continue
        reasons: list[str] = []
        then = ""
        if pid in walk.slotted_into:
            outcome = "slotted"
            people = walk.slotted_into[pid]
            text = "Filled by slotting: " + ", ".join(who(p) for p in people)
            for p in people:
                a = walk.affected.get(p)
                if a is not None and a.stage == "slotted":
                    reasons.extend(a.stage_reasons)
        elif pid in pool_of_post:
            outcome = "ring_fenced"
            text = f"Ring-fenced pool: {pool_text[pool_of_post[pid]]}"
            pool = walk.pools[pool_of_post[pid]]
            reasons.extend(pool.reasons)
            winners = [p for p, _ in walk.appointed_to.get(pid, [])]
            if winners:
                then = "Appointed: " + ", ".join(who(p) for p in winners)
                basis = [b for _, b in walk.appointed_to.get(pid, []) if b]
                if basis:
                    then += f" ({basis[0]})"
            elif vacant:
                then = "Competition pending"
        elif pid in walk.appointed_to:
            outcome = "appointed"
            basis = [b for _, b in walk.appointed_to[pid] if b]
            text = "Filled by appointment: " + ", ".join(who(p) for p, _ in walk.appointed_to[pid])
            if basis:
                text += f" ({basis[0]})"
        elif pid in proposed_slots:
            outcome = "pending"
            text = "Pending: the slotting policy would slot " + ", ".join(
                who(p) for p in proposed_slots[pid]
            )
        elif pid in proposed_pool:
            outcome = "pending"
            n, m = proposed_pool[pid]
            text = (
                f"Pending: the slotting policy would ring-fence "
                f"{_plural(n, 'candidate')} for {_plural(m, 'post')}"
            )
        elif vacant:
            outcome = "vacancy"
            text = "Vacancy to be filled by appointment"
            if pid in unfilled or proposal is None:
                reasons.append("no displaced person is eligible to be slotted into it")
        else:
            outcome = "filled"
            holders = sorted(
                p for p, a in after.holders.get(pid, {}).items() if a.kind == "substantive"
            )
            text = "Filled: " + ", ".join(who(p) for p in holders)
        unique: list[str] = []
        for r in reasons:
            if r not in unique:
                unique.append(r)
        rows.append(
            PostRow(
                post.title,
                pid,
                post.grade,
                _unit_name(states, post.unit),
                pid in new_posts,
                outcome,
                text,
                then,
                [redact(r) for r in unique],
            )
        )
    rank = _grade_rank(after)
    rows.sort(
        key=lambda r: (r.unit.casefold(), -rank.get(r.grade, -1), r.post.casefold(), r.post_id)
    )
    return rows


# --- timetable and the statutory minimum ---------------------------------------------------


def _timetable(
    log: BranchLog,
    current: dt.date,
    proposed: dt.date,
    window: list[Logged],
    walk: _Walk,
    redact: Redactor,
    states: list[OrgState],
) -> tuple[list[TimetableRow], StatutoryCheck]:
    own = [
        i.event
        for i in (log.own if log.info.parent is not None else log.log)
        if i.event.effective <= proposed
    ]
    consultations = [e for e in own if isinstance(e, ev.ConsultationOpened)]
    decisions = [e for e in own if isinstance(e, ev.DecisionRecorded)]
    closed = {e.consultation: e for e in own if isinstance(e, ev.ConsultationClosed)}
    rows: list[TimetableRow] = []
    for c in consultations:
        scope = (
            f"; scope: {_plural(len(c.scope), 'post or unit', 'posts or units')}" if c.scope else ""
        )
        why = redact(c.reason)
        rows.append(
            TimetableRow(
                c.opens,
                "Consultation opens",
                f"Runs to {_d(c.closes)} ({(c.closes - c.opens).days} days){scope}."
                + (f" {why[:1].upper()}{why[1:]}" if why else ""),
                redact(c.source),
            )
        )
        done = closed.get(c.consultation)
        rows.append(
            TimetableRow(
                c.closes,
                "Consultation closes",
                "Closure recorded" if done is not None else "Planned",
                redact(done.source) if done is not None else "",
            )
        )
    for d in decisions:
        what = redact(d.what)
        rows.append(
            TimetableRow(
                d.on, f"Decision: {redact(d.by)}", what[:1].upper() + what[1:], redact(d.source)
            )
        )
    changes = Counter(i.event.effective for i in window if isinstance(i.event, STRUCTURAL))
    for day, n in sorted(changes.items()):
        rows.append(
            TimetableRow(
                day,
                "New structure takes effect" if day == max(changes) else "Changes take effect",
                f"{_plural(n, 'change')} to units and posts take effect"
                if n != 1
                else "1 change to units and posts takes effect",
            )
        )
    outcomes = Counter(
        i.event.effective
        for i in window
        if isinstance(i.event, (ev.PersonSlotted, ev.PoolFormed, ev.PersonPlacedAtRisk))
    )
    for day, n in sorted(outcomes.items()):
        rows.append(
            TimetableRow(
                day,
                "Slotting outcomes take effect",
                f"{_plural(n, 'slotting outcome')} recorded (slotted, pools, at risk)",
            )
        )

    check = _statutory(consultations, decisions, walk, window, states)
    if check.hr1_due is not None:
        rows.append(
            TimetableRow(
                check.hr1_due,
                "HR1 notification due (latest)",
                f"{check.required_days} days before the first dismissal, and before any notice of dismissal",
                "TULRCA 1992 s193",
                computed=True,
            )
        )
    if check.latest_start is not None and check.verdict == "falls_short":
        rows.append(
            TimetableRow(
                check.latest_start,
                "Consultation should have begun (latest)",
                f"{check.required_days} days before the first dismissal",
                "TULRCA 1992 s188(1A)",
                computed=True,
            )
        )
    if check.first_dismissal is not None and check.proposed:
        basis = check.first_dismissal_basis
        rows.append(
            TimetableRow(
                check.first_dismissal,
                "First possible dismissal",
                basis[:1].upper() + basis[1:],
                computed=True,
            )
        )
    order = {"Consultation opens": 0, "Consultation closes": 1}
    rows.sort(key=lambda r: (r.date, order.get(r.what, 5), r.what))
    return rows, check


def _statutory(
    consultations: list[ev.ConsultationOpened],
    decisions: list[ev.DecisionRecorded],
    walk: _Walk,
    window: list[Logged],
    states: list[OrgState],
) -> StatutoryCheck:
    dismissal: dict[str, dt.date] = {}
    basis: dict[str, str] = {}
    left = 0
    for pid, a in walk.affected.items():
        dismissal[pid] = a.displaced_on
        basis[pid] = "post deleted"
        if a.result == "left" and a.left_cause in REDUNDANCY_CAUSES and a.result_on is not None:
            left += 1
            if a.result_on < a.displaced_on:
                dismissal[pid] = a.result_on
                basis[pid] = a.left_cause or "left"
    # the most proposed redundancies within any 90 days
    dates = sorted(dismissal.values())
    proposed = 0
    for i, start in enumerate(dates):
        end = start + dt.timedelta(days=S188_WINDOW_DAYS - 1)
        proposed = max(proposed, sum(1 for d in dates[i:] if d <= end))
    first = min(dates) if dates else None
    first_basis = ""
    if first is not None:
        why = {basis[p] for p, d in dismissal.items() if d == first}
        first_basis = (
            "the date the first occupied posts are deleted"
            if why == {"post deleted"}
            else "the first leaving date by redundancy"
        )
    starts = sorted(c.opens for c in consultations)
    start = starts[0] if starts else None
    end = max((c.closes for c in consultations), default=None)
    notes = [
        "Counted as proposed redundancies: everyone whose post the proposal deletes, whether "
        "or not they are later slotted or redeployed (s188 counts what is proposed, not the "
        "outcome).",
        "The organisation is treated as one establishment; where the dismissals fall at "
        "several establishments, count each one separately.",
    ]
    if left:
        notes.append(
            f"In this scenario {_plural(left, 'person', 'people')} left by redundancy "
            "or voluntary redundancy."
        )
    warnings: list[str] = []
    required = None
    latest = hr1_due = None
    days = (first - start).days if first is not None and start is not None else None
    if proposed < 20:
        verdict = "not_required"
        headline = (
            f"{_plural(proposed, 'proposed redundancy', 'proposed redundancies')} within "
            "90 days: fewer than 20, so the collective consultation duty of TULRCA 1992 "
            "s188 does not apply. Individual consultation with each person affected "
            "still does."
        )
        hr1 = "No HR1 notification is needed for fewer than 20 proposed redundancies."
    else:
        required = 45 if proposed >= 100 else 30
        band = "100 or more" if proposed >= 100 else "20 to 99"
        assert first is not None
        latest = first - dt.timedelta(days=required)
        hr1_due = latest
        hr1 = (
            f"The HR1 form must reach the Insolvency Service (Redundancy Payments Service) "
            f"by {_d(hr1_due)}: at least {required} days before the first dismissal on "
            f"{_d(first)}, and before any notice of dismissal is given."
        )
        lead = (
            f"{proposed} proposed redundancies within 90 days ({band}): consultation must "
            f"begin at least {required} days before the first dismissal takes effect "
            f"({_d(first)}), that is by {_d(latest)}."
        )
        if start is None:
            verdict = "falls_short"
            headline = (
                f"{lead} No consultation is recorded on this branch: the scenario "
                "falls short of the statutory minimum."
            )
        elif days is not None and days >= required:
            verdict = "meets"
            headline = (
                f"{lead} Consultation begins on {_d(start)}, {days} days before: this "
                "meets the statutory minimum."
            )
        else:
            verdict = "falls_short"
            shortfall = required - (days or 0)
            headline = (
                f"{lead} Consultation begins on {_d(start)}, only {days} days before: "
                f"the scenario's dates fall short of the statutory minimum by "
                f"{_plural(shortfall, 'day')}. Start consultation by {_d(latest)} or "
                f"move the first dismissal to {_d(start + dt.timedelta(days=required))} "
                "or later."
            )
    if end is not None and first is not None and first < end:
        warnings.append(
            f"The first dismissal ({_d(first)}) falls before consultation closes ({_d(end)})."
        )
    for d in decisions:
        if end is not None and d.on < end:
            warnings.append(
                f"The decision of {d.by} on {_d(d.on)} is taken before "
                f"consultation closes ({_d(end)})."
            )
    scope: set[str] = set()
    for c in consultations:
        scope.update(c.scope)
    if consultations and scope:
        outside = []
        for item in window:
            e = item.event
            if isinstance(e, ev.PostDeleted) and any(
                a.old_post == e.post for a in walk.affected.values()
            ):
                post = next((s.posts[e.post] for s in states if e.post in s.posts), None)
                units = set()
                unit = post.unit if post else None
                for s in states:
                    u = unit
                    while u is not None and u in s.units and u not in units:
                        units.add(u)
                        u = s.units[u].parent
                if e.post not in scope and not (units & scope):
                    outside.append(_post_title(states, e.post))
        if outside:
            listed = ", ".join(sorted(set(outside))[:6]) + (" …" if len(set(outside)) > 6 else "")
            warnings.append(
                f"{_plural(len(set(outside)), 'occupied post')} deleted but outside "
                f"the consultation's scope: {listed}."
            )
    return StatutoryCheck(
        proposed,
        left,
        required,
        first,
        first_basis,
        start,
        end,
        days,
        verdict,
        headline,
        hr1,
        hr1_due,
        latest,
        notes,
        warnings,
    )


def _transfers(before: OrgState, after: OrgState, check: StatutoryCheck) -> None:
    """Posts leaving for an external body: a TUPE transfer, not a redundancy."""
    moved = [
        p
        for p in _live_posts(after)
        if after.is_external(p.unit)
        and p.id in before.posts
        and before.posts[p.id].deleted is None
        and not before.is_external(before.posts[p.id].unit)
    ]
    if not moved:
        return
    people = sum(
        1 for p in moved for a in after.holders.get(p.id, {}).values() if a.kind == "substantive"
    )
    bodies = sorted({_unit_name([after], _external_body(after, p.unit)) for p in moved})
    check.notes.append(
        f"{_plural(len(moved), 'post')} ({_plural(people, 'person', 'people')}) transfer to "
        f"{', '.join(bodies)}. A transfer is not a redundancy and is not counted above: under "
        "TUPE 2006 (regulation 13) the representatives of the employees affected must be "
        "informed, and consulted on any measures envisaged, long enough before the transfer "
        "(no minimum period is set)."
    )


def _external_body(state: OrgState, unit: str) -> str:
    current: str | None = unit
    seen = 0
    while current is not None and seen <= len(state.units):
        if state.units[current].kind == "external":
            return current
        current = state.units[current].parent
        seen += 1
    return unit


# --- equality ----------------------------------------------------------------------------


def _label(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def _cells(counts: dict[str, int], total: int) -> dict[str, EqualityCell]:
    """Cells for one column: counts under 5 suppressed, and when only one is, the next
    smallest too (so it cannot be worked out from the total)."""
    if total < SUPPRESS_BELOW:
        return {k: EqualityCell("*", "*", True) for k in counts}
    hidden = {k for k, n in counts.items() if 0 < n < SUPPRESS_BELOW}
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in counts.items() if n > 0 and k not in hidden)
        if others:
            hidden.add(others[0][1])
    out = {}
    for k, n in counts.items():
        if k in hidden:
            out[k] = EqualityCell("*", "*", True)
        else:
            out[k] = EqualityCell(str(n), f"{100 * n / total:.0f}%")
    return out


def _equality(before: OrgState, affected: list[str]) -> tuple[list[EqualityTable], str, int, int]:
    workforce = {p.id: p.characteristics for p in before.people.values() if p.left is None}
    group = {pid: workforce.get(pid, {}) for pid in affected}
    # someone displaced before they were current? take what the state has
    for pid in affected:
        if pid not in workforce and pid in before.people:
            group[pid] = before.people[pid].characteristics
    keys = sorted({k for c in workforce.values() for k in c})
    if not keys:
        return (
            [],
            (
                "No data: no protected characteristics are recorded for anyone on this "
                "branch, so the affected group cannot be compared with the workforce."
            ),
            len(group),
            len(workforce),
        )
    tables = []
    for key in keys:
        w_values = Counter(c.get(key) for c in workforce.values())
        g_values = Counter(c.get(key) for c in group.values())
        shown = sorted(v for v, n in w_values.items() if v is not None and n >= SUPPRESS_BELOW)
        rare = [v for v, n in w_values.items() if v is not None and n < SUPPRESS_BELOW]
        labels = {v: v for v in shown}
        w_counts = {v: w_values[v] for v in shown}
        g_counts = {v: g_values[v] for v in shown}
        if rare:
            labels["__other"] = "Other values (fewer than 5 people each)"
            w_counts["__other"] = sum(w_values[v] for v in rare)
            g_counts["__other"] = sum(g_values[v] for v in rare)
        labels["__none"] = "Not recorded"
        w_counts["__none"] = w_values[None]
        g_counts["__none"] = g_values[None]
        w_cells = _cells(w_counts, len(workforce))
        g_cells = _cells(g_counts, len(group))
        recorded_in_group = sum(n for v, n in g_counts.items() if v != "__none")
        rows = []
        for v, label in labels.items():
            w, g = w_cells[v], g_cells[v]
            if recorded_in_group == 0 and v != "__none":
                g = EqualityCell("no data", "", False)
            diff = ""
            if not w.suppressed and not g.suppressed and g.count != "no data" and len(group):
                pp = 100 * g_counts[v] / len(group) - 100 * w_counts[v] / len(workforce)
                diff = f"{pp:+.0f} pts"
            rows.append(EqualityRow(label, w, g, diff))
        note = ""
        if recorded_in_group == 0:
            note = "No data for the affected group."
        elif len(group) < SUPPRESS_BELOW:
            note = "The affected group is under 5 people: its figures are suppressed."
        tables.append(EqualityTable(_label(key), rows, note))
    note = (
        f"Compares the {_plural(len(group), 'person', 'people')} whose posts are deleted "
        f"with the whole workforce of {len(workforce)} at the current date. Cells under "
        f"{SUPPRESS_BELOW} people are shown as *, and values held by fewer than "
        f"{SUPPRESS_BELOW} people in the workforce are grouped, so that nobody can be "
        "identified."
    )
    return tables, note, len(group), len(workforce)


# --- assembling ------------------------------------------------------------------------


def _labels(before: OrgState, after: OrgState, walk: _Walk) -> dict[str, str]:
    """How each person is referred to without names: by their (old) post."""
    labels: dict[str, str] = {}
    for pid, a in walk.affected.items():
        labels[pid] = f"the post holder of {_post_title([before, after], a.old_post)}"
    for state in (after, before):
        for pid in state.people:
            if pid in labels:
                continue
            posts = state.substantive_posts(pid)
            if posts:
                labels[pid] = f"the post holder of {state.posts[posts[0].post].title}"
    return labels


def _heads(store: Store, reader: BranchReader, log: BranchLog) -> list[tuple[str, int, str]]:
    """The chain value of the last own event each branch of the ancestry contributes."""
    heads = [(log.name, log.own_length, log.own_chain if log.own_length else GENESIS)]
    child = log
    while child.info.parent is not None:
        parent = reader.load(child.info.parent)
        used = child.fork_length if child.info.fork_version is None else child.info.fork_version
        used = min(used, parent.version) - len(parent.inherited)
        if used <= 0:
            child = parent
            continue
        rows = store.own_events(parent.name)
        heads.append((parent.name, used, rows[used - 1].chain if used <= len(rows) else GENESIS))
        child = parent
    return heads


def build_pack(
    store: Store,
    branch: str,
    current: dt.date | None = None,
    proposed: dt.date | None = None,
    *,
    names: bool = False,
    reader: BranchReader | None = None,
    charts: bool = True,
) -> Pack:
    """Everything the pack says. Raises UnknownBranch, PackError, ChartError."""
    reader = reader or BranchReader(store)
    log = reader.load(branch)
    current, proposed = default_dates(log, proposed, current)
    timeline = log.timeline
    before = timeline.state_at(current)
    after = timeline.state_at(proposed)
    window = [i for i in timeline.ordered if current < i.event.effective <= proposed]
    walk = _walk(timeline.state_at(current), window)

    everyone: dict[str, str] = {}
    for state in (before, after):
        for pid, person in state.people.items():
            everyone[pid] = person.name
    for item in log.log:
        if isinstance(item.event, ev.PersonJoined):
            everyone.setdefault(item.event.person, item.event.name)
    labels = _labels(before, after, walk)
    redact = Redactor(everyone, labels, names)

    post_changes, unit_changes = _changes(before, after, window, branch, redact)
    new_posts = {r.id for r in post_changes if r.kind == "new"}
    people, posts, pools = _outcomes(before, after, walk, names, labels, redact, new_posts)
    summary_posts, summary_people, summary_units, cost_note = _summary(
        before, after, branch, current, proposed, post_changes, people
    )
    timetable, statutory = _timetable(log, current, proposed, window, walk, redact, [after, before])
    equality, equality_note, group, workforce = _equality(before, list(walk.affected))
    _transfers(before, after, statutory)

    organisation = _org_name(after, _org_name(before, branch))
    figures: list[ChartFigure] = []
    if charts:
        from orgsim.pack.charts import chart_figures

        figures = chart_figures(
            reader, branch, current, proposed, names=names, organisation=organisation
        )
    info = log.info
    fork = ""
    if info.parent is not None:
        fork = f"forked from {info.parent}"
        fork += f" at {info.fork_date.isoformat()}" if info.fork_date else ""
        fork += f", inheriting its first {log.fork_length} events"
    footer = Footer(
        branch,
        info.parent,
        fork,
        log.version,
        log.own_length,
        log.own_chain if log.own_length else GENESIS,
        __version__,
        _heads(store, reader, log),
    )
    return Pack(
        organisation,
        branch,
        current,
        proposed,
        names,
        summary_posts,
        summary_people,
        summary_units,
        figures,
        post_changes,
        unit_changes,
        people,
        posts,
        pools,
        timetable,
        statutory,
        equality,
        equality_note,
        group,
        workforce,
        footer,
        cost_note,
    )
