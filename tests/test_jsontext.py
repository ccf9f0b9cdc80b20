"""``orgsim.jsontext.dumps`` must write exactly what ``json.dumps(indent=2,
ensure_ascii=False)`` writes (every ``--json`` output goes through it), and fail as it
fails."""

from __future__ import annotations

import enum
import json
from decimal import Decimal

import pytest

from orgsim.jsontext import dumps

SAMPLES = [
    {},
    [],
    "",
    None,
    0,
    -12,
    1.0,
    0.1,
    1e16,
    -2.5e-8,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    False,
    'Café — «quoted» "\\ /\n\t\u2028 \x00 end',
    {"a": [], "b": {}, "c": [[]], "d": [{}], "e": ()},
    {"posts": [{"id": "p1", "holders": ["e1", "e2"], "fte": 1.0, "cost": None}] * 3},
    [1, [2, [3, [4, {"x": (5, 6)}]]], "s", None, True],
    {"units": [{"id": "u1", "external": False, "parent": None}], "vacancies": {"posts": 0}},
]


@pytest.mark.parametrize("document", SAMPLES, ids=range(len(SAMPLES)))
def test_same_text_as_the_standard_library(document: object) -> None:
    assert dumps(document) == json.dumps(document, indent=2, ensure_ascii=False)


class Colour(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    ADA = "Ada"


def test_what_it_does_not_know_is_written_by_the_standard_library() -> None:
    # int and str enums, non-string keys: json.dumps writes them its own way
    document = {"c": Colour.RED, "n": Name.ADA, 1: "one", None: 2, 2.5: True}
    assert dumps(document) == json.dumps(document, indent=2, ensure_ascii=False)


def test_a_value_json_cannot_write_fails_as_json_fails() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        dumps({"fte": Decimal("0.5")})


def test_a_circular_document_fails_as_json_fails() -> None:
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        dumps(loop)
