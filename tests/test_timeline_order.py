"""A timeline's order and the facts it keeps beside it, against plain references.

:class:`Timeline` skips its sort when the log is already in ``(effective, version)``
order, and :meth:`Timeline.with_appended` builds the new order from the old one. The
expected values here are the definitions: ``sorted(log, key=(effective, version))``, the
posts the log creates, the latest dated effective date — whatever the log's shape
(in order, back-dated, equal dates, undated events, versions out of order)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import random

import pytest

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged, Timeline

RECORDED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAY = dt.date(2023, 4, 1)


def created(post: str, effective: dt.date) -> ev.PostCreated:
    return ev.PostCreated(
        effective=effective, recorded=RECORDED, post=post, title="Clerk", grade="G1", unit="u"
    )


def retitled(post: str, effective: dt.date) -> ev.PostRetitled:
    return ev.PostRetitled(effective=effective, recorded=RECORDED, post=post, title="Officer")


def undated() -> ev.PolicySet:
    return ev.PolicySet(effective=ev.UNDATED, recorded=RECORDED, policy={})


def days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def logged(events: list[ev.Event], start: int = 1) -> list[Logged]:
    return [Logged(start + n, e) for n, e in enumerate(events)]


def reference_order(log: list[Logged]) -> list[Logged]:
    return sorted(log, key=lambda item: (item.event.effective, item.version))


def reference_posts(log: list[Logged]) -> set[str]:
    return {i.event.post for i in log if isinstance(i.event, ev.PostCreated)}


def reference_latest(log: list[Logged]) -> dt.date | None:
    dated = [i.event.effective for i in log if i.event.effective != ev.UNDATED]
    return max(dated) if dated else None


SHAPES: dict[str, list[ev.Event]] = {
    "empty": [],
    "one": [created("a", days(0))],
    "in order": [created("a", days(0)), created("b", days(1)), retitled("a", days(5))],
    "equal dates": [created("a", days(2)), created("b", days(2)), retitled("b", days(2))],
    "back-dated": [created("a", days(3)), created("b", days(1)), retitled("a", days(2))],
    "back-dated last": [created("a", days(3)), created("b", days(4)), retitled("a", days(0))],
    "undated first": [undated(), created("a", days(0)), created("b", days(1))],
    "undated later": [created("a", days(0)), undated(), created("b", days(1)), undated()],
    "only undated": [undated(), undated()],
}


def check(timeline: Timeline, log: list[Logged]) -> None:
    assert timeline.log == log
    assert timeline.ordered == reference_order(log)
    # the log's own entries, not copies: folds and lookups compare them by identity
    own = reference_order(timeline.log)
    assert all(a is b for a, b in zip(timeline.ordered, own, strict=True))
    assert timeline.known_posts == reference_posts(log)
    assert timeline.latest_effective() == reference_latest(log)


@pytest.mark.parametrize("shape", SHAPES)
def test_order_is_the_sort_by_date_then_version(shape):
    log = logged(SHAPES[shape])
    check(Timeline(log), log)


def test_versions_out_of_order_are_still_sorted():
    # dates never go back but versions do: not already in order, so it must sort
    log = [Logged(3, created("a", days(0))), Logged(1, created("b", days(0)))]
    log.append(Logged(2, retitled("a", days(1))))
    check(Timeline(log), log)
    assert [i.version for i in Timeline(log).ordered] == [1, 3, 2]


def test_random_logs_sort_as_the_reference():
    rng = random.Random(17)
    for _ in range(200):
        events: list[ev.Event] = []
        for n in range(rng.randint(0, 30)):
            kind = rng.random()
            if kind < 0.1:
                events.append(undated())
            elif kind < 0.6:
                events.append(created(f"p{n}", days(rng.randint(0, 8))))
            else:
                events.append(retitled(f"p{rng.randint(0, n)}", days(rng.randint(0, 8))))
        if rng.random() < 0.5:  # mostly in date order, as real logs are
            events.sort(key=lambda e: e.effective)
        log = logged(events)
        check(Timeline(log), log)


@pytest.mark.parametrize("base", SHAPES)
@pytest.mark.parametrize("new", SHAPES)
def test_with_appended_is_a_fresh_timeline_of_the_whole_log(base, new):
    old = logged(SHAPES[base])
    before = Timeline(old)
    after = before.with_appended(SHAPES[new])
    whole = old + logged(SHAPES[new], start=len(old) + 1)
    check(after, whole)
    assert after.version == len(whole)
    check(before, old)  # the base timeline is left as it was


def test_with_appended_after_the_last_date_and_before_it():
    base = Timeline(logged([created("a", days(0)), created("b", days(4))]))
    same_day = base.with_appended([retitled("b", days(4)), retitled("a", days(6))])
    assert [i.version for i in same_day.ordered] == [1, 2, 3, 4]
    earlier = base.with_appended([retitled("a", days(6)), retitled("b", days(1))])
    assert [i.version for i in earlier.ordered] == [1, 4, 2, 3]
    undated_new = base.with_appended([undated()])
    assert [i.version for i in undated_new.ordered] == [3, 1, 2]


def test_a_fold_of_the_appended_timeline_is_a_fresh_one():
    unit = ev.UnitCreated(
        effective=days(0), recorded=RECORDED, unit="u", name="Unit", kind="organisation"
    )
    base = Timeline(logged([unit, created("a", days(0)), created("b", days(4))]))
    appended = base.with_appended([retitled("a", days(2)), created("c", days(5))])
    fresh = Timeline(list(appended.log))
    got, expected = appended.state_at(), fresh.state_at()
    assert got.posts.keys() == expected.posts.keys() == {"a", "b", "c"}
    assert got.posts["a"].title == expected.posts["a"].title == "Officer"
    assert (got.version, got.at) == (expected.version, expected.at) == (5, days(5))


def test_logged_stays_a_frozen_value():
    event = retitled("a", days(0))  # (a PostCreated, with its list, hashes as no value)
    item = Logged(1, event)
    assert item == Logged(version=1, event=event)
    assert hash(item) == hash(Logged(1, event))
    assert item != Logged(2, event)
    assert (item.version, item.event) == (1, event)
    assert pickle.loads(pickle.dumps(item)) == item
    assert dataclasses.replace(item, version=5) == Logged(5, event)
    assert repr(item).startswith("Logged(version=1, event=PostRetitled(")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.version = 2  # type: ignore[misc]
