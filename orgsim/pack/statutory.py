"""The consultation timetable, checked against the statutory minimum, and TUPE transfers.

The timetable is the branch's own ``consult`` and ``decide`` events and the dates the
change and the slotting outcomes take effect; the check counts proposed dismissals as
redundant as TULRCA 1992 s195 defines them (everyone whose post the proposal deletes —
s188 counts what is proposed, not the outcome — and everyone on whom it imposes a lower
grade or fewer hours: :mod:`orgsim.domain.dismissals`) within 90 days at one
establishment, and compares the consultation's start with the first dismissal: 30 days
for 20 to 99, 45 for 100 or more (s188(1A)). The HR1 notification (s193) is due by the
same date or, when notice periods are longer, before the first notice of dismissal must
be given (:mod:`orgsim.pack.hr1`). Posts that move into an external body are a transfer
under TUPE 2006, noted apart and never counted as redundancies.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import Counter

from orgsim.domain import events as ev
from orgsim.domain.dismissals import REASONS, REDUNDANCY_CAUSES, Dismissal, Displaced, dismissals
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged
from orgsim.pack.confidential import WITHHELD
from orgsim.pack.context import Context, known_post, unit_name
from orgsim.pack.document import StatutoryCheck, TimetableRow
from orgsim.pack.equality import SUPPRESS_BELOW
from orgsim.pack.hr1 import hr1_due as hr1_due_of
from orgsim.pack.text import capital, long_date, plural
from orgsim.pack.walk import Affected, Walk
from orgsim.store.branches import BranchLog
from orgsim.views.cost import terms_of

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
#: TULRCA 1992 s188(1A): proposed redundancies at one establishment within 90 days.
S188_WINDOW_DAYS = 90


def counted_dismissals(ctx: Context, walk: Walk, window: list[Logged]) -> list[Dismissal]:
    """The dismissals s195 counts (:func:`orgsim.domain.dismissals.dismissals`), from the
    walk's displaced people and what became of them."""
    displaced = []
    for pid, a in walk.affected.items():
        left = _left_by_redundancy(a)
        now = a.result_post if a.result in ("slotted", "appointed", "redeployed") else None
        if now is None and a.stage == "slotted":
            now = a.stage_post
        displaced.append(
            Displaced(pid, a.old_post, a.fte, a.displaced_on, a.result_on if left else None, now)
        )
    return dismissals(ctx.before, ctx.after, window, displaced)


def _left_by_redundancy(a: Affected) -> bool:
    return a.result == "left" and a.left_cause in REDUNDANCY_CAUSES


def _basis(d: Dismissal, walk: Walk) -> str:
    if d.reason == "post_deleted":
        return "post deleted" if d.on == walk.affected[d.person].displaced_on else "left"
    return "left" if d.reason == "left_by_redundancy" else REASONS[d.reason]


def breakdown(found: list[Dismissal], exact: bool) -> list[tuple[str, int | str]]:
    """(what, how many) for each reason counted, in :data:`REASONS` order; the people of
    deleted posts who end up on a lower grade or fewer hours noted apart. That last count
    is about individual outcomes, so unless ``exact`` (the internal version) it is
    withheld from 1 to 4 like every other count of outcomes (:mod:`orgsim.pack.confidential`):
    read with the slotting table, "1" would say whose new terms are worse."""
    counts = Counter(d.reason for d in found)
    out: list[tuple[str, int | str]] = []
    for reason, text in REASONS.items():
        if counts[reason]:
            out.append((capital(text), counts[reason]))
            if reason == "post_deleted":
                worse = sum(1 for d in found if d.terms_changed)
                if worse:
                    out.append(
                        (
                            "of whom moved to a post of a lower grade or with fewer hours",
                            worse if exact or worse >= SUPPRESS_BELOW else WITHHELD,
                        )
                    )
    return out


def timetable(
    ctx: Context, log: BranchLog, proposed: dt.date, window: list[Logged], walk: Walk
) -> tuple[list[TimetableRow], StatutoryCheck]:
    """The branch's own consultation and decisions, the dates changes and outcomes take
    effect, and the dates the statutory check works out (HR1, latest start)."""
    redact = ctx.redact
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
            f"; scope: {plural(len(c.scope), 'post or unit', 'posts or units')}" if c.scope else ""
        )
        why = redact(c.reason)
        rows.append(
            TimetableRow(
                c.opens,
                "Consultation opens",
                f"Runs to {long_date(c.closes)} ({(c.closes - c.opens).days} days){scope}."
                + (f" {capital(why)}" if why else ""),
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
            TimetableRow(d.on, f"Decision: {redact(d.by)}", capital(what), redact(d.source))
        )
    changes = Counter(i.event.effective for i in window if isinstance(i.event, STRUCTURAL))
    for day, n in sorted(changes.items()):
        rows.append(
            TimetableRow(
                day,
                "New structure takes effect" if day == max(changes) else "Changes take effect",
                f"{plural(n, 'change')} to units and posts take effect"
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
                f"{plural(n, 'slotting outcome')} recorded (slotted, pools, at risk)",
            )
        )

    check = statutory(ctx, consultations, decisions, walk, window)
    if check.hr1_due is not None:
        rows.append(
            TimetableRow(
                check.hr1_due,
                "HR1 notification due (latest)",
                f"At least {check.required_days} days before the first dismissal, and before "
                "any notice of dismissal is given",
                "TULRCA 1992 s193",
                computed=True,
            )
        )
    if check.first_notice_by is not None and check.hr1_due is not None:
        rows.append(
            TimetableRow(
                check.first_notice_by,
                "First notice of dismissal (latest)",
                capital(check.first_notice_why),
                "ERA 1996 s86; contract or policy",
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
                capital(basis),
                computed=True,
            )
        )
    order = {"Consultation opens": 0, "Consultation closes": 1}
    rows.sort(key=lambda r: (r.date, order.get(r.what, 5), r.what))
    return rows, check


def statutory(
    ctx: Context,
    consultations: list[ev.ConsultationOpened],
    decisions: list[ev.DecisionRecorded],
    walk: Walk,
    window: list[Logged],
) -> StatutoryCheck:
    """TULRCA 1992 s188: the most proposed redundancies within 90 days, the minimum period
    (30 days for 20 to 99, 45 for 100 or more), and whether consultation starts in time."""
    found = counted_dismissals(ctx, walk, window)
    left = sum(
        1
        for d in found
        if d.reason == "left_by_redundancy"
        or (d.reason == "post_deleted" and _left_by_redundancy(walk.affected[d.person]))
    )
    # the most proposed dismissals as redundant within any 90 days (s188(1)); sorted dates
    dates = [d.on for d in found]
    proposed = max(
        (
            bisect_right(dates, day + dt.timedelta(days=S188_WINDOW_DAYS - 1)) - i
            for i, day in enumerate(dates)
        ),
        default=0,
    )
    first = dates[0] if dates else None
    first_basis = ""
    if first is not None:
        why = {_basis(d, walk) for d in found if d.on == first}
        if why == {"post deleted"}:
            first_basis = "the date the first occupied posts are deleted"
        elif why <= {"post deleted", "left"}:
            first_basis = "the first leaving date by redundancy"
        else:
            first_basis = "the first dismissals (" + "; ".join(sorted(why)) + ")"
    starts = sorted(c.opens for c in consultations)
    start = starts[0] if starts else None
    end = max((c.closes for c in consultations), default=None)
    notes = [
        "Counted as proposed redundancies: everyone whose post the proposal deletes, whether "
        "or not they are later slotted or redeployed (s188 counts what is proposed, not the "
        "outcome), and everyone whose terms the proposal changes without their post being "
        "deleted: s195 counts as redundancy any dismissal for a reason not related to the "
        "individual, which includes new terms (a lower grade, fewer hours) imposed by "
        "dismissal and re-engagement.",
        "The organisation is treated as one establishment; where the dismissals fall at "
        "several establishments, count each one separately.",
    ]
    how_many = plural(left, "person", "people")
    if not ctx.internal and left < 5:
        how_many = "fewer than 5 people"  # a count under 5 is withheld (section 4.4)
    if left:
        notes.append(f"In this scenario {how_many} left by redundancy or voluntary redundancy.")
    warnings: list[str] = []
    required = None
    latest = hr1_due = notice_by = None
    notice_why = ""
    days = (first - start).days if first is not None and start is not None else None
    if proposed < 20:
        verdict = "not_required"
        headline = (
            f"{plural(proposed, 'proposed redundancy', 'proposed redundancies')} within "
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
        due = hr1_due_of(ctx, found, first, required, terms_of(walk.state))
        hr1_due, hr1, notice_by, notice_why = due.due, due.text, due.notice_by, due.notice_why
        notes.extend(due.notes)
        lead = (
            f"{proposed} proposed redundancies within 90 days ({band}): consultation must "
            f"begin in good time and at least {required} days before the first dismissal "
            f"takes effect ({long_date(first)}), that is by {long_date(latest)}."
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
                f"{lead} Consultation begins on {long_date(start)}, {days} days before: this "
                "meets the statutory minimum."
            )
        else:
            verdict = "falls_short"
            shortfall = required - (days or 0)
            headline = (
                f"{lead} Consultation begins on {long_date(start)}, only {days} days before: "
                f"the scenario's dates fall short of the statutory minimum by "
                f"{plural(shortfall, 'day')}. Start consultation by {long_date(latest)} or "
                f"move the first dismissal to {long_date(start + dt.timedelta(days=required))} "
                "or later."
            )
    if end is not None and notice_by is not None and notice_by < end:
        warnings.append(
            f"With the notice periods owed, the first notice of dismissal must be given by "
            f"{long_date(notice_by)}, before consultation closes ({long_date(end)}): "
            "consultation should be complete before notice of dismissal is given (Junk v "
            "Kühnel, CJEU C-188/03)."
        )
    if end is not None and first is not None and first < end:
        warnings.append(
            f"The first dismissal ({long_date(first)}) falls before consultation closes ({long_date(end)})."
        )
    for d in decisions:
        if end is not None and d.on < end:
            warnings.append(
                f"The decision of {d.by} on {long_date(d.on)} is taken before "
                f"consultation closes ({long_date(end)})."
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
                post = known_post(ctx.both, e.post)
                units: set[str] = set()
                if post is not None:
                    for structure in ctx.both:
                        units.update(structure.unit_ancestors(post.unit))
                if e.post not in scope and not (units & scope):
                    outside.append(ctx.title(e.post))
        if outside:
            listed = ", ".join(sorted(set(outside))[:6]) + (" …" if len(set(outside)) > 6 else "")
            warnings.append(
                f"{plural(len(set(outside)), 'occupied post')} deleted but outside "
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
        counted=found,
        breakdown=breakdown(found, ctx.internal),
        first_notice_by=notice_by,
        first_notice_why=notice_why,
    )


def transfers(before: Structure, after: Structure, check: StatutoryCheck) -> None:
    """Posts leaving for an external body: a TUPE transfer, not a redundancy."""
    moved = [
        p
        for p in after.posts.values()
        if p.external and p.id in before.posts and not before.posts[p.id].external
    ]
    if not moved:
        return
    people = sum(len(p.holders) for p in moved)
    bodies = sorted(
        {unit_name([after], after.units[p.unit].external_body or p.unit) for p in moved}
    )
    check.notes.append(
        f"{plural(len(moved), 'post')} ({plural(people, 'person', 'people')}) transfer to "
        f"{', '.join(bodies)}. A transfer is not a redundancy and is not counted above: under "
        "TUPE 2006 (regulation 13) the representatives of the employees affected must be "
        "informed, and consulted on any measures envisaged, long enough before the transfer "
        "(no minimum period is set)."
    )
