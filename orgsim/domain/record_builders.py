"""One record of the read model at a time, built from the folded state.

:meth:`Structure.from_state <orgsim.domain.structure.Structure.from_state>` builds every
post and person with these; the audit asks them for one post or person at a time (the
scope of one decision), so a post's holders, vacancy, FTE and reporting line, and a
person's displacement and redeployment, are decided here only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from orgsim.domain.records import Holding, PersonView, PostView, week_pay
from orgsim.domain.state import OrgState

__all__ = ["external_bodies", "person_view", "post_view"]


def _redeployment(state: OrgState, person: str, at: dt.date) -> dict[str, Any]:
    """A person's offers, trial, voluntary redundancy and pay protection at ``at``:
    copied out of the state's book (its records are frozen; its lists keep growing)."""
    book = state.redeployment
    offers = tuple(book.offers.get(person, ()))
    protection = book.protections.get(person)
    last = offers[-1] if offers else None
    return {
        "offers": offers,
        "vr_interest": book.interests.get(person),
        "pay_protection": protection,
        "on_trial": last is not None and last.state == "accepted" and at <= last.trial_end,
        "pay_protected": protection is not None and protection.start <= at <= protection.until,
    }


#: a person with nothing in the redeployment book (most people): no dict per person
_NO_REDEPLOYMENT: dict[str, Any] = {
    "offers": (),
    "vr_interest": None,
    "pay_protection": None,
    "on_trial": False,
    "pay_protected": False,
}


def post_view(
    state: OrgState, post_id: str, bodies: Mapping[str, str], offered: Mapping[str, str]
) -> PostView:
    """One post of the read model (live or deleted), as :meth:`Structure.from_state` holds
    it. Also asked for one post at a time (the audit's scope of a decision), so that a
    post's holders, vacancy and FTE are decided here only. ``bodies`` is
    :func:`external_bodies` and ``offered`` the open offers
    (:meth:`~orgsim.domain.redeployment.Book.open_offers`) of the same state."""
    post = state.posts[post_id]
    held = state.holders.get(post_id)
    if not held:  # a vacant post: most of a large organisation's are one or none
        holdings: tuple[Holding, ...] = ()
        holders: tuple[str, ...] = ()
        acting: tuple[str, ...] = ()
    elif len(held) == 1:  # one holder: no sort, no filtering
        (a,) = held.values()
        filling = a.substantive
        holdings = (Holding(a.person, a.post, a.fte, a.kind, a.since, filling),)
        holders, acting = ((a.person,), ()) if filling else ((), (a.person,))
    else:
        ordered = sorted(held.values(), key=lambda a: (not a.substantive, a.person))
        holdings = tuple(
            Holding(a.person, a.post, a.fte, a.kind, a.since, a.substantive) for a in ordered
        )
        holders = tuple(h.person for h in holdings if h.substantive)
        acting = tuple(h.person for h in holdings if not h.substantive)
    manager = post.reports_to
    if manager is not None:
        above = state.posts.get(manager)
        if above is None or above.deleted is not None:
            manager = _surviving_manager(state, manager)
    return PostView(
        post.id,
        post.title,
        post.grade,
        post.unit,
        manager,
        post.fte,
        holders,
        acting,
        post.cost,
        tuple((a.text, a.weight) for a in post.accountabilities) if post.accountabilities else (),
        post.reports_to,
        post.unit in bodies,
        holdings,
        post.deleted,
        post.reason,
        post.source,
        offered.get(post_id),
    )


def person_view(state: OrgState, person_id: str, at: dt.date) -> PersonView:
    """One person of the read model (employed or left), as :meth:`Structure.from_state`
    holds them (also asked for one at a time, like :func:`post_view`)."""
    p = state.people[person_id]
    held = state.assignments.get(p.id)
    if not held:
        posts: tuple[str, ...] = ()
        substantive: tuple[str, ...] = ()
    elif len(held) == 1:
        (a,) = held.values()
        posts = (a.post,)
        substantive = posts if a.substantive else ()
    else:
        posts = tuple(sorted(held))
        substantive = tuple(sorted(a.post for a in held.values() if a.substantive))
    book = state.redeployment
    redeployment = (
        _redeployment(state, p.id, at)
        if p.id in book.offers or p.id in book.protections or p.id in book.interests
        else _NO_REDEPLOYMENT
    )
    return PersonView(
        p.id,
        p.name,
        p.grade,
        p.status,
        posts,
        dict(p.characteristics) if p.characteristics else {},
        substantive,
        p.displaced_from,
        p.displaced_fte,
        p.status_post,
        tuple(p.status_reasons) if p.status_reasons else (),
        p.left,
        p.born,
        p.service_start,
        week_pay(p.weekly_pay, p.salary),
        p.notice_weeks,
        p.left_on,
        p.left_from,
        tuple(p.leave) if p.leave else (),
        **redeployment,
    )


def _surviving_manager(state: OrgState, manager: str | None) -> str | None:
    """The first live post up the recorded line from ``manager`` (None at the top)."""
    seen = 0
    while manager is not None and seen <= len(state.posts):
        post = state.posts.get(manager)
        if post is None:
            return None
        if post.deleted is None:
            return manager
        manager = post.reports_to
        seen += 1
    return None


def external_bodies(state: OrgState) -> dict[str, str]:
    """Unit → the body outside the employer it is or sits under (units of the employer
    are absent) — one pass up each chain, memoised."""
    body_of: dict[str, str | None] = {}

    def body(unit_id: str) -> str | None:
        chain: list[str] = []
        current: str | None = unit_id
        answer: str | None = None
        while current is not None and current in state.units:
            if current in body_of:
                answer = body_of[current]
                break
            if state.units[current].kind == "external":
                answer = current
                break
            if current in chain:  # a cycle in a damaged log: not external
                break
            chain.append(current)
            current = state.units[current].parent
        for uid in chain:
            body_of[uid] = answer
        if current is not None and current in state.units:
            body_of.setdefault(current, answer)
        return answer

    return {uid: found for uid in state.units if (found := body(uid)) is not None}
