"""``PostView``'s filled and unfilled FTE are computed on first access and kept
(records.once, ``functools.cached_property`` without its lock): the values follow SPEC 5
(only substantive holders fill a post), the record stays frozen, and a kept value takes
no part in equality or hashing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from orgsim.domain.records import Holding, PostView

DAY = dt.date(2024, 1, 1)


def _post(*holdings: Holding, fte: str = "1") -> PostView:
    holders = tuple(h.person for h in holdings if h.substantive)
    acting = tuple(h.person for h in holdings if not h.substantive)
    return PostView("p1", "T", "G", "u1", None, Decimal(fte), holders, acting, None, (),
                    holdings=holdings)  # fmt: skip


def test_fte_of_posts_held_in_several_ways() -> None:
    two = (
        Holding("e1", "p1", Decimal("0.5"), "substantive", DAY, True),
        Holding("e2", "p1", Decimal("0.3"), "substantive", DAY, True),
        Holding("e3", "p1", Decimal("1"), "acting", DAY, False),
    )
    post = _post(*two)
    assert (post.filled_fte, post.unfilled_fte) == (Decimal("0.8"), Decimal("0.2"))
    vacant = _post()
    assert (vacant.filled_fte, vacant.unfilled_fte) == (Decimal(0), Decimal(1))
    over = _post(Holding("e1", "p1", Decimal("1"), "substantive", DAY, True), fte="0.5")
    assert over.unfilled_fte == Decimal(0)  # never below zero


def test_computed_once_and_kept() -> None:
    post = _post(Holding("e1", "p1", Decimal("0.6"), "substantive", DAY, True))
    first = post.unfilled_fte
    assert post.unfilled_fte is first  # kept, not computed again
    assert vars(post)["unfilled_fte"] == Decimal("0.4")
    assert type(post).unfilled_fte.__doc__  # the class attribute is the descriptor


def test_a_kept_value_changes_neither_equality_nor_hash_nor_frozenness() -> None:
    holding = Holding("e1", "p1", Decimal("0.6"), "substantive", DAY, True)
    asked, fresh = _post(holding), _post(holding)
    _ = asked.unfilled_fte, asked.filled_fte
    assert asked == fresh and hash(asked) == hash(fresh)
    with pytest.raises(dataclasses.FrozenInstanceError):
        asked.unfilled_fte = Decimal(0)  # type: ignore[misc]
    assert dataclasses.replace(asked, fte=Decimal(2)).unfilled_fte == Decimal("1.4")
