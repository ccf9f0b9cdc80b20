"""The text verify compares a checkpoint with is ``json.dumps``'s, byte for byte.

:func:`orgsim.store.state_text.state_text` hands a dump to orjson only where its
text is the standard library's (compact, ASCII-escaped); these dumps hold everything
where the two differ — non-ASCII text, NaN and infinities, tiny floats, ints past 64
bits, non-string keys — and the expected text is ``json.dumps`` itself. The dates'
memo in :func:`~orgsim.domain.snapshot.dump_state` must not merge equal datetimes of
different zones (their texts differ).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from orgsim.domain.snapshot import _Iso, dump_state
from orgsim.domain.state import OrgState, Person, Unit
from orgsim.store.state_text import state_text


def _state(policy: dict[Any, Any], name: str = "Ann", trait: str = "x") -> OrgState:
    state = OrgState()
    state.policy = policy
    state.units["u"] = Unit("u", "Unit", "team", None, dt.date(2020, 1, 2), None)
    state.people["a"] = Person(
        "a", name, "G1", {"site": trait}, dt.date(2020, 1, 2), displaced_fte=Decimal("1.0")
    )
    return state


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"limit": 0.5, "n": 3, "on": True, "none": None},
        {"limit": float("nan")},
        {"limit": float("inf"), "low": float("-inf")},
        {"tiny": 1e-9},
        {"huge": 1e22},
        {"big": 2**70},
        {1: "non-string key"},
        {"nested": [{"deep": [1.5, "é"]}]},
    ],
)
def test_a_states_text_is_json_dumps_text(policy):
    dumped = dump_state(_state(policy))
    assert state_text(dumped) == json.dumps(dumped, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("name", ["Zoë", "李", "emoji 😀", "plain"])
def test_non_ascii_text_is_escaped_as_json_escapes_it(name):
    dumped = dump_state(_state({}, name=name, trait=name))
    assert state_text(dumped) == json.dumps(dumped, separators=(",", ":")).encode("utf-8")


def test_the_dates_memo_keeps_each_datetimes_own_text():
    iso = _Iso().__getitem__
    utc = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    paris = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert utc == paris
    assert (iso(utc), iso(paris)) == (utc.isoformat(), paris.isoformat())
    assert iso(dt.date(2024, 1, 1)) == "2024-01-01"
    assert iso(dt.datetime(2024, 1, 1)) == "2024-01-01T00:00:00"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e-9, 2**70, ["x"]])
def test_characteristics_that_are_not_text_are_written_as_json_writes_them(value):
    state = _state({})
    state.people["a"].characteristics = {"odd": value}  # type: ignore[dict-item]
    dumped = dump_state(state)
    assert state_text(dumped) == json.dumps(dumped, separators=(",", ":")).encode("utf-8")
