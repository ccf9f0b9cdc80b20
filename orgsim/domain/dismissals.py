"""Who a proposal dismisses as redundant, as the collective-consultation law counts it.

TULRCA 1992 s195(1): "references to dismissal as redundant are references to dismissal
for a reason not related to the individual concerned or for a number of reasons all of
which are not so related". That is wider than a deleted post: imposing new terms by
dismissal and re-engagement (a lower grade, fewer hours) is such a dismissal too, so it
counts toward the 20 and 100 of s188(1) and (1A). This module is the ONE place that says
who is counted, for what, and from which date; the pack's statutory check, its s188(4)
disclosure and its HR1 date all read :func:`dismissals`.

Counted, each person once (the first reason that applies, in this order):

- ``post_deleted``: their substantive post is deleted (they are displaced). s188 counts
  what is *proposed*, so they count whether or not they are later slotted or
  redeployed; ``terms_changed`` notes those who end up in a post of a lower grade or
  with fewer hours than their own. The dismissal takes effect when the post goes, or on
  the day they leave by redundancy if that is earlier.
- ``left_by_redundancy``: they leave by redundancy or voluntary redundancy from a post
  that stays (a "bump": someone displaced may take it).
- ``regraded_down``: they hold a post that is regraded to a lower grade of the scheme.
- ``hours_cut``: they hold a post whose FTE is cut below the FTE they work in it.
- ``moved_down``: they move from a post that stays to one of a lower grade or with fewer
  hours than they worked.

A regrade can only be "down" within a grade scheme: without one it is not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from orgsim.domain import events as ev
from orgsim.domain.structure import Holding, PostView, Structure
from orgsim.domain.timeline import Logged

__all__ = ["REASONS", "REDUNDANCY_CAUSES", "Dismissal", "Displaced", "dismissals"]

REDUNDANCY_CAUSES = ("redundancy", "voluntary redundancy")

#: reason -> how the pack says it, in the order reasons are tried
REASONS: dict[str, str] = {
    "post_deleted": "post deleted",
    "left_by_redundancy": "left by redundancy or voluntary redundancy from a post that stays",
    "regraded_down": "own post regraded to a lower grade while they hold it",
    "hours_cut": "own post's FTE cut below the hours they work in it",
    "moved_down": "moved from a post that stays to one of a lower grade or fewer hours",
}


@dataclass(frozen=True)
class Displaced:
    """A person whose substantive post the proposal deletes, and what became of them
    (the pack's walk through the window knows this)."""

    person: str
    post: str
    fte: Decimal
    #: the deletion's effective date
    on: dt.date
    #: the day they left by redundancy or voluntary redundancy, if they did
    left_on: dt.date | None = None
    #: the post they hold in the end (slotted, appointed, redeployed), if any
    now: str | None = None


@dataclass(frozen=True)
class Dismissal:
    person: str
    reason: str  #: a key of :data:`REASONS`
    #: the day the dismissal takes effect (the old terms end)
    on: dt.date
    #: the post whose terms end, and its grade then (s188(4)(b) "descriptions")
    post: str
    grade: str | None
    #: post_deleted only: they end up in a post of a lower grade or with fewer hours
    terms_changed: bool = False


def dismissals(
    before: Structure,
    after: Structure,
    window: Sequence[Logged],
    displaced: Iterable[Displaced],
) -> list[Dismissal]:
    """Everyone the change from ``before`` to ``after`` (the events of ``window``)
    dismisses for a reason not related to them (s195), sorted by date then person."""
    rank = after.grade_rank() or before.grade_rank()
    out: list[Dismissal] = []
    seen: set[str] = set()
    for d in displaced:
        seen.add(d.person)
        old = before.post(d.post) or after.post(d.post)  # its grade before the change
        grade = old.grade if old is not None else None
        new = after.post(d.now) if d.now is not None else None
        changed = new is not None and _worse(rank, grade, d.fte, new)
        on = min(d.on, d.left_on) if d.left_on is not None else d.on
        out.append(Dismissal(d.person, "post_deleted", on, d.post, grade, changed))

    regrades: dict[str, list[tuple[dt.date, str]]] = {}
    cuts: dict[str, list[tuple[dt.date, Decimal]]] = {}
    for item in window:
        e = item.event
        if isinstance(e, ev.PostRegraded):
            regrades.setdefault(e.post, []).append((e.effective, e.grade))
        elif isinstance(e, ev.PostFteChanged):
            cuts.setdefault(e.post, []).append((e.effective, e.fte))

    for pid, person in before.people.items():
        if pid in seen:
            continue
        held = {
            h.post: h
            for post_id in person.substantive
            if (post := before.posts.get(post_id)) is not None and not post.external
            for h in post.holdings
            if h.person == pid and h.substantive
        }
        if not held:
            continue
        left = after.leavers.get(pid)
        if left is not None:
            if left.left in REDUNDANCY_CAUSES and left.left_on is not None:
                post_id = left.left_from if left.left_from in held else min(held)
                out.append(
                    Dismissal(
                        pid,
                        "left_by_redundancy",
                        left.left_on,
                        post_id,
                        before.posts[post_id].grade,
                    )
                )
            continue
        now = after.people.get(pid)
        if now is None:
            continue
        found = _same_post(pid, held, before, after, rank, regrades, cuts)
        if found is None:
            found = _moved(pid, held, before, after, rank)
        if found is not None:
            out.append(found)
    return sorted(out, key=lambda d: (d.on, d.person))


def _lower(rank: dict[str, int], old: str | None, new: str | None) -> bool:
    """``new`` is a lower grade of the scheme than ``old`` (unknown: not lower)."""
    if old is None or new is None or old not in rank or new not in rank:
        return False
    return rank[new] < rank[old]


def _worse(rank: dict[str, int], grade: str | None, fte: Decimal, new: PostView) -> bool:
    """A post of a lower grade, or with fewer hours than the person worked."""
    return _lower(rank, grade, new.grade) or new.fte < fte


def _same_post(
    pid: str,
    held: dict[str, Holding],
    before: Structure,
    after: Structure,
    rank: dict[str, int],
    regrades: dict[str, list[tuple[dt.date, str]]],
    cuts: dict[str, list[tuple[dt.date, Decimal]]],
) -> Dismissal | None:
    """A post they still hold, regraded down or cut below their hours while held."""
    for post_id in sorted(held):
        old, new = before.posts[post_id], after.posts.get(post_id)
        if new is None or pid not in new.holders:
            continue
        if _lower(rank, old.grade, new.grade):
            days = [d for d, g in regrades.get(post_id, []) if _lower(rank, old.grade, g)]
            return Dismissal(pid, "regraded_down", min(days, default=after.at), post_id, old.grade)
        fte = held[post_id].fte
        if new.fte < fte:
            day = min((d for d, f in cuts.get(post_id, []) if f < fte), default=after.at)
            return Dismissal(pid, "hours_cut", day, post_id, old.grade)
    return None


def _moved(
    pid: str, held: dict[str, Holding], before: Structure, after: Structure, rank: dict[str, int]
) -> Dismissal | None:
    """No longer in a post that stays, now in one of a lower grade or fewer hours."""
    now = after.people[pid]
    gone = [p for p in sorted(held) if p not in now.substantive and p in after.posts]
    if not gone:
        return None
    old = before.posts[gone[0]]
    fte = held[old.id].fte
    for post_id in now.substantive:
        if post_id in held or (new := after.posts.get(post_id)) is None:
            continue
        if _worse(rank, old.grade, fte, new):
            since = next(h.since for h in new.holdings if h.person == pid)
            return Dismissal(pid, "moved_down", since, old.id, old.grade)
    return None
