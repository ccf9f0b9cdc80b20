"""One record of the read model at a time, built from the folded state.

:meth:`Structure.from_state <orgsim.domain.structure.Structure.from_state>` builds every
post and person with these; the audit asks them for one post or person at a time (the
scope of one decision), so a post's holders, vacancy, FTE and reporting line, and a
person's displacement and redeployment, are decided here only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from orgsim.domain.records import Holding, PersonView, PostView, week_pay
from orgsim.domain.state import OrgState

__all__ = [
    "external_bodies",
    "person_view",
    "person_views",
    "post_view",
    "post_views",
]


def _redeployment(state: OrgState, person: str, at: dt.date) -> tuple[Any, ...]:
    """A person's offers, voluntary redundancy interest, pay protection, trial and
    whether protected at ``at`` (:class:`PersonView`'s last five fields, in order):
    copied out of the state's book (its records are frozen; its lists keep growing)."""
    book = state.redeployment
    offers = tuple(book.offers.get(person, ()))
    protection = book.protections.get(person)
    last = offers[-1] if offers else None
    return (
        offers,
        book.interests.get(person),
        protection,
        last is not None and last.state == "accepted" and at <= last.trial_end,
        protection is not None and protection.start <= at <= protection.until,
    )


#: a person with nothing in the redeployment book (most people): the same five fields
_NO_REDEPLOYMENT: tuple[Any, ...] = ((), None, None, False, False)


def post_view(
    state: OrgState, post_id: str, bodies: Mapping[str, str], offered: Mapping[str, str]
) -> PostView:
    """One post of the read model (live or deleted), as :meth:`Structure.from_state` holds
    it. Also asked for one post at a time (the audit's scope of a decision), so that a
    post's holders, vacancy and FTE are decided here only. ``bodies`` is
    :func:`external_bodies` and ``offered`` the open offers
    (:meth:`~orgsim.domain.redeployment.Book.open_offers`) of the same state."""
    return post_views(state, (post_id,), bodies, offered)[0]


def post_views(
    state: OrgState,
    post_ids: Iterable[str],
    bodies: Mapping[str, str],
    offered: Mapping[str, str],
) -> list[PostView]:
    """:func:`post_view` of each post in ``post_ids``, in that order: one loop, so that
    the read model of 50,000 posts pays for the lookups once, not once per post."""
    posts = state.posts
    holders_of = state.holders.get
    offer_of = offered.get
    empty: tuple[Any, ...] = ()
    out: list[PostView] = []
    append = out.append
    for post_id in post_ids:
        post = posts[post_id]
        held = holders_of(post_id)
        holdings: tuple[Holding, ...]
        holders: tuple[str, ...]
        acting: tuple[str, ...]
        if not held:  # a vacant post: most of a large organisation's are one or none
            holdings = holders = acting = empty
        elif len(held) == 1:  # one holder: no sort, no filtering
            for a in held.values():
                filling = a.substantive
                holdings = (Holding(a.person, a.post, a.fte, a.kind, a.since, filling),)
                holders, acting = ((a.person,), empty) if filling else (empty, (a.person,))
        else:
            ordered = sorted(held.values(), key=lambda a: (not a.substantive, a.person))
            holdings = tuple(
                Holding(a.person, a.post, a.fte, a.kind, a.since, a.substantive) for a in ordered
            )
            holders = tuple(h.person for h in holdings if h.substantive)
            acting = tuple(h.person for h in holdings if not h.substantive)
        manager = recorded = post.reports_to
        if manager is not None:
            above = posts.get(manager)
            if above is None or above.deleted is not None:
                manager = _surviving_manager(state, manager)
        unit = post.unit
        accountabilities = post.accountabilities
        append(
            PostView(
                post_id,
                post.title,
                post.grade,
                unit,
                manager,
                post.fte,
                holders,
                acting,
                post.cost,
                tuple((a.text, a.weight) for a in accountabilities) if accountabilities else empty,
                recorded,
                unit in bodies,
                holdings,
                post.deleted,
                post.reason,
                post.source,
                offer_of(post_id),
            )
        )
    return out


def person_view(state: OrgState, person_id: str, at: dt.date) -> PersonView:
    """One person of the read model (employed or left), as :meth:`Structure.from_state`
    holds them (also asked for one at a time, like :func:`post_view`)."""
    return person_views(state, (person_id,), at)[0]


def person_views(state: OrgState, person_ids: Iterable[str], at: dt.date) -> list[PersonView]:
    """:func:`person_view` of each person in ``person_ids``, in that order (one loop, as
    :func:`post_views`)."""
    people = state.people
    assigned = state.assignments.get
    book = state.redeployment
    offers, protections, interests = book.offers, book.protections, book.interests
    empty: tuple[Any, ...] = ()
    out: list[PersonView] = []
    append = out.append
    for person_id in person_ids:
        p = people[person_id]
        held = assigned(person_id)
        posts: tuple[str, ...]
        substantive: tuple[str, ...]
        if not held:
            posts = substantive = empty
        elif len(held) == 1:
            for a in held.values():
                posts = (a.post,)
                substantive = posts if a.substantive else empty
        else:
            posts = tuple(sorted(held))
            substantive = tuple(sorted(a.post for a in held.values() if a.substantive))
        if person_id in offers or person_id in protections or person_id in interests:
            redeployment = _redeployment(state, person_id, at)
        else:
            redeployment = _NO_REDEPLOYMENT
        characteristics, reasons, leave = p.characteristics, p.status_reasons, p.leave
        append(
            PersonView(
                person_id,
                p.name,
                p.grade,
                p.status,
                posts,
                dict(characteristics) if characteristics else {},
                substantive,
                p.displaced_from,
                p.displaced_fte,
                p.status_post,
                tuple(reasons) if reasons else empty,
                p.left,
                p.born,
                p.service_start,
                week_pay(p.weekly_pay, p.salary),
                p.notice_weeks,
                p.left_on,
                p.left_from,
                tuple(leave) if leave else empty,
                *redeployment,
            )
        )
    return out


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
