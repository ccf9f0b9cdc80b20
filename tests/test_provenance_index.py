"""``Provenance.first`` (by index) finds the same event as the scan it replaced.

The diff traces each change to the event behind it: the latest candidate, in timeline
order, of the asked types whose field equals the changed id, searching this branch's
candidates before the other's. The reference here is that rule written as the plain scan
(``_scan`` below, the code the index replaced), on random candidate sets with ties in effective
dates, repeated ids, several types per question and two groups.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged
from orgsim.views.changes import Provenance

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _scan(provenance: Provenance, types: tuple[type[ev.Event], ...], match: Any) -> Any:
    """The reference: the latest candidate of ``types`` that ``match`` accepts, this
    branch's candidates first, by walking them all (as the diff did before the index)."""
    for group in provenance.groups:
        for candidate in group:
            if isinstance(candidate.item.event, types) and match(candidate.item.event):
                return candidate
    return None


DAY = dt.date(2024, 1, 1)


def _event(rng: random.Random) -> ev.Event:
    meta = {"recorded": NOW, "effective": DAY + dt.timedelta(days=rng.randrange(5))}
    post, person = f"p{rng.randrange(6)}", f"x{rng.randrange(6)}"
    return rng.choice(
        [
            ev.PostRetitled(**meta, post=post, title="T"),
            ev.PostDeleted(**meta, post=post),
            ev.PostMoved(**meta, post=post, unit="u1"),
            ev.PostReportingCleared(**meta, post=post),
            ev.PersonLeft(**meta, person=person, cause="resignation"),
            ev.PersonRenamed(**meta, person=person, name="N"),
            ev.PoolFormed(
                **meta,
                pool=f"pool{rng.randrange(3)}",
                candidates=rng.sample([f"x{n}" for n in range(6)], 2),
                posts=[post],
            ),
        ]
    )


@pytest.mark.parametrize("seed", range(20))
def test_first_is_the_latest_matching_candidate_as_the_scan_finds_it(seed):
    rng = random.Random(seed)
    versions = iter(range(1, 1000))
    groups = [
        (name, [Logged(next(versions), _event(rng)) for _ in range(rng.randrange(0, 40))])
        for name in ("mine", "theirs")
    ]
    provenance = Provenance(groups)
    questions = [
        ((ev.PostRetitled,), "post"),
        ((ev.PostMoved, ev.PostReportingCleared), "post"),
        ((ev.PostDeleted, ev.PostRetitled, ev.PostMoved), "post"),
        ((ev.PersonLeft,), "person"),
        ((ev.PersonRenamed, ev.PersonLeft), "person"),
    ]
    found = 0
    for types, field in questions:
        for value in [*(f"p{n}" for n in range(7)), *(f"x{n}" for n in range(7))]:
            expected = _scan(provenance, types, lambda e: getattr(e, field) == value)
            got = provenance.first(types, field, value)
            assert got == expected
            if expected is not None:
                found += 1
                event = expected.item.event
                # the rule itself: no candidate of the same group that also matches is later
                group = next(c for c in provenance.groups if expected in c)
                later = [
                    c
                    for c in group
                    if isinstance(c.item.event, types)
                    and getattr(c.item.event, field) == value
                    and (c.item.event.effective, c.item.version)
                    > (event.effective, expected.item.version)
                ]
                assert later == []
                if group is provenance.groups[1]:  # this branch's candidates come first
                    assert not any(
                        isinstance(c.item.event, types) and getattr(c.item.event, field) == value
                        for c in provenance.groups[0]
                    )
    assert found > 0


@pytest.mark.parametrize("seed", range(10))
def test_first_in_and_first_listing_are_the_scans_they_replace(seed):
    """The diff's person row asks for the latest deletion of any post the person held
    and the latest pool that lists them: the scans it made before, by index."""
    rng = random.Random(100 + seed)
    versions = iter(range(1, 1000))
    groups = [
        (name, [Logged(next(versions), _event(rng)) for _ in range(rng.randrange(0, 60))])
        for name in ("mine", "theirs")
    ]
    provenance = Provenance(groups)
    hits = 0
    for held in [set(), {"p1"}, {"p2", "p4"}, {"p0", "p3", "p5", "p9"}]:
        expected = _scan(provenance, (ev.PostDeleted,), lambda e: e.post in held)
        assert provenance.first_in((ev.PostDeleted,), "post", held) == expected
        hits += expected is not None
    for person in [f"x{n}" for n in range(7)]:
        expected = _scan(provenance, (ev.PoolFormed,), lambda e: person in e.candidates)
        assert provenance.first_listing((ev.PoolFormed,), "candidates", person) == expected
        hits += expected is not None
    assert hits > 0
