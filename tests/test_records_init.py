"""The read model's records are built by a quicker ``__init__`` (records.quick_init):
they must behave exactly as the frozen dataclasses they are declared as."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from orgsim.domain.records import Holding, PersonView, PostView, UnitView


def test_records_stay_frozen_and_equal_by_fields() -> None:
    unit = UnitView("u1", "Finance", "team", None, False)
    assert unit.external_body is None  # the declared default
    with pytest.raises(dataclasses.FrozenInstanceError):
        unit.name = "Other"  # type: ignore[misc]
    assert unit == UnitView(id="u1", name="Finance", kind="team", parent=None, external=False)
    assert hash(unit) == hash(UnitView("u1", "Finance", "team", None, False))
    assert unit != UnitView("u1", "Finance", "team", None, True)
    assert dataclasses.replace(unit, name="Audit").name == "Audit"


def test_default_factories_are_called_per_record() -> None:
    a = PersonView("e1", "A", None, None, ())
    b = PersonView("e2", "B", None, None, ())
    assert a.characteristics == {} and a.characteristics is not b.characteristics
    assert a.offers == () and a.on_trial is False


def test_missing_argument_is_refused_as_by_a_dataclass() -> None:
    with pytest.raises(TypeError):
        UnitView("u1", "Finance")  # type: ignore[call-arg]


def test_vacancy_fte_of_a_part_filled_post() -> None:
    # SPEC 5: an acting holder does not fill a post; 0.6 FTE substantive of a 1.0 FTE
    # post leaves 0.4 unfilled
    day = dt.date(2024, 1, 1)
    holdings = (
        Holding("e1", "p1", Decimal("0.6"), "substantive", day, True),
        Holding("e2", "p1", Decimal("0.4"), "acting", day, False),
    )
    post = PostView("p1", "T", "G", "u1", None, Decimal(1), ("e1",), ("e2",), None, (),
                    holdings=holdings)  # fmt: skip
    assert post.unfilled_fte == Decimal("0.4")
    assert post.filled_fte == Decimal("0.6")
    assert not post.vacant
