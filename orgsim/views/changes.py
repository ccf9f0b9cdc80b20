"""What changed between two dates on a branch, or between two branches at a date.

Every created, deleted, moved, retitled and regraded post and unit, every post whose FTE,
recorded cost or accountabilities changed, and every person whose substantive post,
status, name or own grade changed, each with the event that made the change (its type,
log version, both clocks, ``reason`` and ``source``), found in the branch's log:

- between dates, among the branch's events effective after ``from`` and up to ``to``;
- between branches, among the events one branch's log holds and the other's does not
  (this branch's first; a difference that comes from the other branch's own events, say
  a post only the other option creates, is traced there and says so in ``branch``).

When several events qualify (a post retitled twice) the latest in timeline order wins:
it is the one that made the state what it is.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.changes import Changes, PersonChange, PostChange, UnitChange, changes_between
from orgsim.domain.structure import PersonView, PostView, Structure, UnitView
from orgsim.domain.timeline import Logged, fold, fold_each
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.recorder import Store
from orgsim.views.provenance import Provenance, _Candidate
from orgsim.views.redeployment import interest_json, offer_json, protection_json

__all__ = ["Provenance", "diff_branch_logs", "diff_branches", "diff_dates", "diff_document"]


Row = tuple[str, "dict[str, Any] | None", "dict[str, Any] | None", "_Candidate | None"]


def _source(found: _Candidate | None, with_branch: bool) -> dict[str, Any]:
    if found is None:
        out: dict[str, Any] = {
            "event": None,
            "version": None,
            "effective": None,
            "recorded": None,
            "reason": None,
            "source": None,
        }
        if with_branch:
            out["branch"] = None
        return out
    event = found.item.event
    out = {
        "event": type(event).__name__,
        "version": found.item.version,
        "effective": None if event.effective == ev.UNDATED else event.effective.isoformat(),
        "recorded": event.recorded.isoformat(),
        "reason": event.reason,
        "source": event.source,
    }
    if isinstance(event, ev.PersonLeaveStatusRecorded):  # free text may say what it was
        out["reason"] = "withheld" if event.reason else None
        out["source"] = "withheld" if event.source else None
    details = getattr(event, "reasons", None)
    if details:
        out["details"] = list(details)
    if with_branch:
        out["branch"] = found.branch
    return out


def _unit_json(u: UnitView) -> dict[str, Any]:
    return {"name": u.name, "kind": u.kind, "parent": u.parent}


def _post_json(p: PostView) -> dict[str, Any]:
    return {
        "title": p.title,
        "grade": p.grade,
        "unit": p.unit,
        "reports_to": p.recorded_reports_to,
        "fte": float(p.fte),
    }


def _person_json(p: PersonView) -> dict[str, Any]:
    out: dict[str, Any] = {"posts": list(p.substantive), "status": p.status}
    if p.redeployment is not None:  # a redeployment shows as one, not as a slotting
        out["redeployment"] = offer_json(p.redeployment)
    elif p.offer is not None and p.offer.state == "refused" and p.status == "at_risk":
        out["refused_offer"] = offer_json(p.offer)
    if p.left == "voluntary redundancy" and p.vr_interest is not None:
        out["vr_interest"] = interest_json(p.vr_interest)
    return out


_PERSONAL = (
    ev.PersonAssigned,
    ev.PersonUnassigned,
    ev.PersonSlotted,
    ev.PersonAppointed,
    ev.PersonLeft,
    ev.PersonPlacedAtRisk,
    ev.RedeploymentAccepted,
    ev.RedeploymentRefused,
)


def _unit_row(c: UnitChange, find: Provenance) -> Row:
    uid = c.id
    if c.change == "created":
        assert c.after is not None
        found = find.first((ev.UnitCreated,), "unit", uid) or find.first(
            (ev.UnitTransferredOut,), "to", uid
        )
        return c.after.name, None, _unit_json(c.after), found
    assert c.before is not None
    if c.change == "closed":
        found = find.first((ev.UnitClosed,), "unit", uid) or find.first(
            (ev.UnitCreated,), "unit", uid
        )
        return c.before.name, _unit_json(c.before), None, found
    assert c.after is not None
    if c.change == "moved":
        found = find.first((ev.UnitMoved, ev.UnitTransferredOut), "unit", uid)
        return c.after.name, {"parent": c.before.parent}, {"parent": c.after.parent}, found
    found = find.first((ev.UnitRenamed,), "unit", uid)
    return c.after.name, {"name": c.before.name}, {"name": c.after.name}, found


def _post_row(c: PostChange, find: Provenance, after: Structure) -> Row:
    pid = c.id
    if c.change == "created":
        assert c.after is not None
        return (
            c.after.title,
            None,
            _post_json(c.after),
            find.first((ev.PostCreated,), "post", pid),
        )
    assert c.before is not None
    if c.change == "deleted":
        found = find.first((ev.PostDeleted,), "post", pid) or find.first(
            (ev.PostCreated,), "post", pid
        )
        return c.before.title, _post_json(c.before), None, found
    old, new = c.before, c.after
    assert new is not None
    if c.change == "moved":
        # moved by hand, or cut from its manager when its unit left the employer
        above = set(after.unit_ancestors(new.unit))
        found = find.first((ev.PostMoved, ev.PostReportingCleared), "post", pid) or find.first_in(
            (ev.UnitTransferredOut,), "unit", above
        )
        return (
            new.title,
            {"unit": old.unit, "reports_to": old.recorded_reports_to},
            {"unit": new.unit, "reports_to": new.recorded_reports_to},
            found,
        )
    if c.change == "retitled":
        found = find.first((ev.PostRetitled,), "post", pid)
        return new.title, {"title": old.title}, {"title": new.title}, found
    if c.change == "fte":
        found = find.first((ev.PostFteChanged,), "post", pid)
        return new.title, {"fte": float(old.fte)}, {"fte": float(new.fte)}, found
    if c.change == "cost":
        found = find.first((ev.PostCostChanged,), "post", pid)
        return new.title, {"cost": _money(old.cost)}, {"cost": _money(new.cost)}, found
    if c.change == "accountabilities":
        found = find.first((ev.PostAccountabilitiesChanged,), "post", pid)
        return (
            new.title,
            {"accountabilities": _profile(old.accountabilities)},
            {"accountabilities": _profile(new.accountabilities)},
            found,
        )
    found = find.first((ev.PostRegraded,), "post", pid)
    return new.title, {"grade": old.grade}, {"grade": new.grade}, found


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _profile(items: tuple[tuple[str, Decimal], ...]) -> list[dict[str, Any]]:
    return [{"text": text, "weight": float(weight)} for text, weight in items]


def _person_row(c: PersonChange, find: Provenance) -> Row:
    pid = c.id
    old, new = c.before, c.after
    if new is None:  # only the other branch knows them
        assert old is not None
        found = find.first((ev.PersonJoined,), "person", pid)
        return old.name, _person_json(old), None, found
    if old is None:
        return (
            new.name,
            None,
            _person_json(new),
            find.first((ev.PersonJoined,), "person", pid),
        )
    if c.change == "left":
        found = find.first((ev.PersonLeft,), "person", pid)
        return new.name, _person_json(old), {**_person_json(new), "cause": new.left}, found
    if c.change == "renamed":  # names are personal data: every human output hides them
        found = find.first((ev.PersonRenamed,), "person", pid)
        return new.name, {"name": old.name}, {"name": new.name}, found
    if c.change == "regraded":
        found = find.first((ev.PersonRegraded,), "person", pid)
        return new.name, {"grade": old.grade}, {"grade": new.grade}, found
    if c.change == "offered":
        assert new.offer is not None
        found = find.first((ev.RedeploymentOffered,), "person", pid)
        return new.name, {"offer": None}, {"offer": offer_json(new.offer)}, found
    if c.change == "voluntary redundancy interest":
        assert new.vr_interest is not None
        found = find.first((ev.VoluntaryRedundancyInterestExpressed,), "person", pid)
        earlier = interest_json(old.vr_interest) if old.vr_interest is not None else None
        return (
            new.name,
            {"vr_interest": earlier},
            {"vr_interest": interest_json(new.vr_interest)},
            found,
        )
    if c.change == "offer refused":
        assert new.offer is not None
        found = find.first((ev.RedeploymentRefused,), "person", pid)
        earlier = offer_json(old.offer) if old.offer is not None else None
        return new.name, {"offer": earlier}, {"offer": offer_json(new.offer)}, found
    if c.change == "leave status recorded":  # never its kind or dates
        found = find.first((ev.PersonLeaveStatusRecorded,), "person", pid)
        was = "recorded" if old.leave else None
        return new.name, {"leave_status": was}, {"leave_status": "recorded"}, found
    if c.change == "pay protected":
        found = find.first((ev.PayProtected,), "person", pid)
        protected = old.pay_protection
        assert new.pay_protection is not None
        after = {"pay_protection": protection_json(new.pay_protection)}
        before = {"pay_protection": protection_json(protected) if protected else None}
        return new.name, before, after, found
    held = set(old.substantive)
    candidates = (
        find.first(_PERSONAL, "person", pid),
        find.first_in((ev.PostDeleted,), "post", held),
        find.first_listing((ev.PoolFormed,), "candidates", pid),
    )
    found = _latest([x for x in candidates if x is not None])
    return new.name, _person_json(old), _person_json(new), found


def diff_structures(
    before: Structure, after: Structure, provenance: Provenance, with_branch: bool = False
) -> dict[str, Any]:
    """Units, posts and people that differ from ``before`` to ``after``, each with the
    event behind the change (see :func:`orgsim.domain.changes.changes_between`)."""
    return diff_document(changes_between(before, after), provenance, with_branch)


def diff_document(
    changes: Changes, provenance: Provenance, with_branch: bool = False
) -> dict[str, Any]:
    """The ``diff --json`` sections of already computed changes."""
    find = provenance

    def entry(id_: str, change: str, label: str, row: Row) -> dict[str, Any]:
        name, old, new, found = row
        return {"id": id_, "change": change, label: name, "before": old, "after": new,
                **_source(found, with_branch)}  # fmt: skip

    units = [entry(c.id, c.change, "name", _unit_row(c, find)) for c in changes.units]
    posts = [
        entry(c.id, c.change, "title", _post_row(c, find, changes.after)) for c in changes.posts
    ]
    people = [entry(c.id, c.change, "name", _person_row(c, find)) for c in changes.people]
    return {"units": units, "posts": posts, "people": people, "summary": changes.summary()}


def _latest(found: list[_Candidate]) -> _Candidate | None:
    if not found:
        return None
    return max(found, key=lambda c: (c.item.event.effective, c.item.version))


def _known(items: Iterable[Logged], known_at: dt.datetime | None) -> list[Logged]:
    return [i for i in items if known_at is None or i.event.recorded <= known_at]


def diff_dates(
    store: Store, branch: str, start: dt.date, end: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    log = BranchReader(store).load(branch)
    before, after = structures_at_two_dates(log, start, end, known_at)
    window = [i for i in _known(log.log, known_at) if start < i.event.effective <= end]
    document = {"branch": branch, "from": start.isoformat(), "to": end.isoformat()}
    if known_at is not None:
        document["as_known_at"] = known_at.isoformat()
    document.update(diff_structures(before, after, Provenance([(branch, window)])))
    return document


def structures_at_two_dates(
    log: BranchLog, start: dt.date, end: dt.date, known_at: dt.datetime | None = None
) -> tuple[Structure, Structure]:
    """The read model at ``start`` and at ``end`` (as known at ``known_at``), folding the
    log once: the timeline is in effective-date order, so the state at a later date is
    the state at ``start`` with the entries after ``start`` folded on (the second full
    fold was a third of a 500,000-event ``diff``). Each read model is complete when
    built (records, not views of the state), so folding on does not change ``before``.
    """
    timeline = log.timeline
    state = timeline.state_at(start, known_at)
    before = Structure.from_state(log.name, start, state)
    if end < start:
        return before, Structure.from_state(log.name, end, timeline.state_at(end, known_at))
    ordered = timeline.ordered
    rest = ordered[bisect.bisect_right(ordered, start, key=lambda i: i.event.effective) :]
    fold(state, rest, end, known_at)
    return before, Structure.from_state(log.name, end, state)


def _event_key(event: ev.Event) -> tuple[str, str]:
    return (type(event).__name__, event.model_dump_json())


def diff_branches(
    store: Store, branch: str, other: str, at: dt.date, known_at: dt.datetime | None = None
) -> dict[str, Any]:
    """``branch`` against ``other`` at ``at``: "created" means in ``branch``, not in ``other``."""
    reader = BranchReader(store)
    mine, theirs = reader.load(branch), reader.load(other)
    # a fork shares its parent's log: fold_each folds the shared part once
    after, before = fold_each(
        [mine.timeline, theirs.timeline],
        at,
        known_at,
        lambda i, state: Structure.from_state((branch, other)[i], at, state),
    )
    return diff_branch_logs(mine, theirs, after, before, known_at)


def diff_branch_logs(
    mine: BranchLog,
    theirs: BranchLog,
    after: Structure,
    before: Structure,
    known_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """:func:`diff_branches` of logs already read and read models already built: ``after``
    is ``mine``'s and ``before`` is ``theirs``' at the same date (as known at ``known_at``),
    for a caller that has them (the pack) and so need not read or fold them again."""
    branch, other, at = mine.name, theirs.name, after.at
    mine_items = [i for i in _known(mine.log, known_at) if i.event.effective <= at]
    their_items = [i for i in _known(theirs.log, known_at) if i.event.effective <= at]
    mine_keys = {_event_key(i.event) for i in mine_items}
    their_keys = {_event_key(i.event) for i in their_items}
    provenance = Provenance(
        [
            (branch, [i for i in mine_items if _event_key(i.event) not in their_keys]),
            (other, [i for i in their_items if _event_key(i.event) not in mine_keys]),
        ]
    )
    document: dict[str, Any] = {"branch": branch, "against": other, "at": at.isoformat()}
    if known_at is not None:
        document["as_known_at"] = known_at.isoformat()
    document.update(diff_structures(before, after, provenance, with_branch=True))
    return document
