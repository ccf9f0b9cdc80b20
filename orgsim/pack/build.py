"""Assembling a pack: load the branch, fix the two dates, build the read models, run each
job's module, and note the chain heads the pack relies on.

This is the only part of the pack that reads the store (the branch's log and, for the
footer, each ancestor's chain head); the table-building modules read
:class:`~orgsim.domain.structure.Structure` read models and the events in the window.
"""

from __future__ import annotations

import datetime as dt

from orgsim import __version__
from orgsim.domain import events as ev
from orgsim.domain.changes import changes_between
from orgsim.domain.structure import Structure
from orgsim.pack import equality as eq
from orgsim.pack import rows, s188, statutory
from orgsim.pack.against import against_section
from orgsim.pack.confidential import later_counts
from orgsim.pack.context import Context
from orgsim.pack.cost import cost_section
from orgsim.pack.document import ChartFigure, Footer, Pack, PackError
from orgsim.pack.known import KnownAtReader
from orgsim.pack.outcomes import Outcomes
from orgsim.pack.post_outcomes import post_rows
from orgsim.pack.walk import Walk
from orgsim.pack.walk import walk as walk_window
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import Store
from orgsim.views.audit import audit_branch
from orgsim.views.plain import Plain


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
                    if isinstance(i.event, statutory.STRUCTURAL) and i.event.effective <= proposed
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
                    if isinstance(i.event, statutory.STRUCTURAL) and i.event.effective <= proposed
                }
            )
            if len(dates) >= 2:
                current = dates[-1] - dt.timedelta(days=1)
        if current is None:
            raise PackError(
                f"branch {log.name!r} has no structural change to consult on before the "
                "proposed date: give the current date",
                dates=("current",),
            )
    if current >= proposed:
        raise PackError(
            f"the current date {current} must be before the proposed date {proposed}",
            dates=("current", "proposed"),
        )
    return current, proposed


def chain_heads(store: Store, reader: BranchReader, log: BranchLog) -> list[tuple[str, int, str]]:
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
        if used == parent.own_length:  # forked at the parent's head: read with its log
            heads.append((parent.name, used, parent.own_chain))
        else:  # an earlier event's chain value: the parent's stream is read for it
            own = store.own_events(parent.name)
            heads.append((parent.name, used, own[used - 1].chain if used <= len(own) else GENESIS))
        child = parent
    return heads


def _footer(store: Store, reader: BranchReader, log: BranchLog) -> Footer:
    info = log.info
    fork = ""
    if info.parent is not None:
        fork = f"forked from {info.parent}"
        fork += f" at {info.fork_date.isoformat()}" if info.fork_date else ""
        fork += f", inheriting its first {log.fork_length} events"
    return Footer(
        log.name,
        info.parent,
        fork,
        log.version,
        log.own_length,
        log.own_chain if log.own_length else GENESIS,
        __version__,
        chain_heads(store, reader, log),
    )


def _everyone(before: Structure, after: Structure, log: BranchLog) -> dict[str, str]:
    """Every person the branch knows, by id: their name (to scrub from free text)."""
    out: dict[str, str] = {}
    for structure in (before, after):
        for person in [*structure.people.values(), *structure.leavers.values()]:
            out[person.id] = person.name
    for item in log.log:
        if isinstance(item.event, ev.PersonJoined):
            out.setdefault(item.event.person, item.event.name)
    return out


def outcome_keys(walk: Walk) -> dict[str, str]:
    """Each affected person's column in the equality breakdown by outcome: Left when they
    have left, else the slotting stage they reached."""
    out: dict[str, str] = {}
    for pid, a in walk.affected.items():
        if a.result == "left":
            out[pid] = "left"
        elif a.stage == "slotted" or a.result == "slotted":
            out[pid] = "slotted"
        elif a.stage in ("ring_fenced", "at_risk"):
            out[pid] = a.stage
        else:
            out[pid] = "pending"
    return out


def build_pack(
    store: Store,
    branch: str,
    current: dt.date | None = None,
    proposed: dt.date | None = None,
    *,
    names: bool = False,
    internal: bool = False,
    reader: BranchReader | None = None,
    charts: bool = True,
    as_known_at: dt.datetime | None = None,
    against: str | None = None,
) -> Pack:
    """Everything the pack says. Raises UnknownBranch, PackError, ChartError.

    ``as_known_at`` rebuilds the pack from only the events recorded by then (the pack that
    could have been issued at that time). ``against`` names another branch (the proposal
    consulted on) to add "what changed as a result of consultation" (:mod:`orgsim.pack.against`).
    ``internal`` makes the internal version (names, and each person's outcome after
    slotting row by row); it implies ``names``. The default is the collective version."""
    names = names or internal
    if as_known_at is not None:
        reader = KnownAtReader(store, as_known_at)
    reader = reader or BranchReader(store)
    log = reader.load(branch)
    if against is not None:
        if against == branch:
            raise PackError(f"--against {against}: give a branch other than the pack's own")
        reader.load(against)  # an unknown branch fails here, before any work
    current, proposed = default_dates(log, proposed, current)
    # One read of the branch (``log``), one fold per date, one read model per date: every
    # section below, the charts and the comparison with ``against`` are given these.
    timeline = log.timeline
    current_state = timeline.state_at(current)
    before = Structure.from_state(branch, current, current_state)
    after_state = timeline.state_at(proposed)
    after = Structure.from_state(branch, proposed, after_state)
    window = [i for i in timeline.ordered if current < i.event.effective <= proposed]
    # the walk folds the window on from the current date: it takes that state over once
    # ``before`` is built (a read model copies what it holds, so the walk cannot change it)
    walk = walk_window(branch, before, current_state, window)

    affected = {pid: a.old_post for pid, a in walk.affected.items()}
    labels = eq.labels(before, after, affected)
    redact = eq.Redactor(_everyone(before, after, log), labels, names)
    ctx = Context(branch, before, after, names, labels, redact, internal, Plain((after, before)))

    consultation = None
    if against is not None:
        consultation = against_section(reader, ctx, against, as_known_at)
    post_changes, unit_changes = rows.changes(ctx, changes_between(before, after), window)
    verdicts = {d.version: d for d in audit_branch(log)}
    outcomes = Outcomes(ctx, walk, verdicts, after_state)
    pools = outcomes.pools()
    people = outcomes.people()
    posts = post_rows(outcomes, {r.id for r in post_changes if r.kind == "new"})
    later = later_counts(walk, exact=internal, after=after)
    summary_posts, summary_people, summary_units, cost_note = rows.summary(
        before, after, post_changes, people, later
    )
    timetable, check = statutory.timetable(ctx, log, proposed, window, walk)
    equality, equality_note, group, workforce = eq.equality(before, outcome_keys(walk))
    statutory.transfers(before, after, check)
    disclosure = s188.disclosure(ctx, walk, window, after_state, check)

    organisation = after.organisation_name() or before.organisation_name() or branch
    figures: list[ChartFigure] = []
    if charts:
        from orgsim.pack.charts import chart_figures

        figures = chart_figures(before, after, names=names, organisation=organisation)
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
        check,
        equality,
        equality_note,
        group,
        workforce,
        _footer(store, reader, log),
        cost_note,
        redundancy=cost_section(after, after_state, names),
        internal=internal,
        later=later,
        as_known_at=as_known_at,
        data_time=max((i.event.recorded for i in log.log), default=None),
        disclosure=disclosure,
        against=consultation,
    )
