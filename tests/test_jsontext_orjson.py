"""orjson writes a ``--json`` document only where its text is exactly
``json.dumps(indent=2, ensure_ascii=False)``'s: the expected text is always the standard
library's, and every document ``jsontext._plain`` lets through to orjson is checked
against it here — strings of every code point, floats of every magnitude, integers at
orjson's limits, and a real ``show --json`` document. What orjson would write otherwise
(NaN as ``null``, ``1e-09`` as ``1e-9``) or refuse must reach the other writers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import random
import struct
import uuid
from collections import OrderedDict
from decimal import Decimal

import orjson
import pytest

from orgsim import jsontext
from orgsim.jsontext import dumps


def _stdlib(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def _orjson(document: object) -> str:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()


def _same(document: object) -> None:
    """``dumps`` writes the standard library's text; where orjson is let in, it writes
    the same text or refuses (then the other writers do it)."""
    expected = _stdlib(document)
    assert dumps(document) == expected
    if jsontext._plain(document):
        try:
            text = _orjson(document)
        except orjson.JSONEncodeError:
            return
        assert text == expected


def test_orjson_is_the_writer_used() -> None:
    assert jsontext.orjson is orjson  # a declared dependency: the fast path is live


def test_every_code_point() -> None:
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert jsontext._plain({"s": text, "k" + text[:300]: [text[:1000]]})
    _same({"s": text, "k" + text[:300]: [text[:1000]]})
    for c in [*range(0x00, 0x80), 0x2028, 0x2029, 0xFEFF, 0x1F600]:
        _same({chr(c): chr(c), "x": f"a{chr(c)}b"})


def test_lone_surrogates_go_to_the_standard_library() -> None:
    for text in ("\ud800", "a\udfffb", "\udbff\udc00"[::-1]):
        document = {"s": text, text: [text]}
        assert dumps(document) == _stdlib(document)


def _floats() -> list[float]:
    values = [0.0, -0.0, 5e-324, -5e-324, 1.7976931348623157e308, 1e16, 1e15, 1e-4, 1e-5]
    values += [math.nextafter(1e-4, 0.0), math.nextafter(1e-4, 1.0), 9999999999999998.0]
    for exponent in range(-330, 310):
        for mantissa in (1.0, 1.5, 2.2250738585072014, 9.999999999999999, 1.2345678901234567):
            value = mantissa * 10.0**exponent if exponent < 300 else mantissa * 1e300
            values += [value, -value]
    rng = random.Random(17)
    for _ in range(20_000):
        bits = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        values += [bits, rng.uniform(-1e6, 1e6), round(rng.uniform(0, 100), rng.randint(0, 6))]
    return values


def test_floats_of_every_magnitude() -> None:
    values = _floats()
    let_in = 0
    for value in values:
        if jsontext._plain([value]):
            let_in += 1
            assert _orjson({"v": value, "l": [value]}) == _stdlib({"v": value, "l": [value]})
    assert let_in > len(values) // 2  # most floats take the fast path
    # all of them at once, through dumps: NaN, infinities and tiny values fall back
    document = {"values": [*values, math.nan, math.inf, -math.inf]}
    assert not jsontext._plain(document)
    assert dumps(document) == _stdlib(document)


def test_where_orjson_would_differ_it_is_not_used() -> None:
    for value in (math.nan, math.inf, -math.inf, 1e-5, -2.5e-8, 1e-9, 9.9e-5):
        assert not jsontext._plain({"v": value})
        assert not jsontext._plain([value])
        assert _orjson([value]) != _stdlib([value])  # why: orjson's text differs
        _same({"v": [value]})
    assert not jsontext._plain([5e-324])  # the same text, but below the line: left out


def test_integers_at_orjson_limits() -> None:
    for value in (2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**40, True, False):
        _same({"n": value, "l": [value, {"x": value}]})
    with pytest.raises(orjson.JSONEncodeError):  # refused past 64 bits: the fallback writes it
        _orjson([2**64])


class Colour(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    ADA = "Ada"


class Plain(enum.Enum):
    ONE = 1


@dataclasses.dataclass
class Point:
    x: int


def test_types_json_writes_its_own_way_go_to_it() -> None:
    documents: list[object] = [
        {"c": Colour.RED, "n": Name.ADA},
        {1: "one", None: 2, 2.5: True, False: 0},
        OrderedDict(a=1),
        {"l": (1, 2, [3, (4,)])},
    ]
    for document in documents:
        _same(document)
    assert not jsontext._plain({"c": Colour.RED})
    assert not jsontext._plain({1: "one"})
    assert not jsontext._plain(OrderedDict(a=1))


def test_what_json_cannot_write_fails_as_json_fails() -> None:
    # orjson writes these; json.dumps refuses them, and so must dumps
    for value in (uuid.UUID(int=1), Plain.ONE, Point(1), dt.date(2020, 1, 1), Decimal("0.5")):
        with pytest.raises(TypeError) as expected:
            _stdlib({"v": value})
        with pytest.raises(TypeError) as got:
            dumps({"v": value})
        assert str(got.value) == str(expected.value)


def test_deep_and_circular_documents() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(300):  # past orjson's nesting limit: it refuses, the others write it
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    assert dumps(deep) == _stdlib(deep)
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular"):
        dumps(loop)


SCRIPT = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
pay_ranges: {G1: [20000, 30000], G2: [30000, 40000]}
steps:
  - create_unit: {id: org, name: "Conseil — «Exemple»", kind: organisation}
  - create_unit: {id: team, name: "Équipe \\"A\\"", kind: team, parent: org}
  - create_post: {id: ceo, title: Chief Executive, grade: G2, unit: org, cost: 55000.5}
  - create_post: {id: w1, title: "Worker\\tOne", grade: G1, unit: team, reports_to: ceo, fte: 0.6}
  - create_post: {id: w2, title: Worker Two, grade: G1, unit: team, reports_to: ceo}
  - join: {id: p1, name: Zoë Fictional}
  - join: {id: p2, name: 山田 花子}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: w1, fte: 0.5}
  - assign: {person: p1, post: w2, kind: acting, fte: 0.2}
"""


def test_a_show_document() -> None:
    from orgsim.api import open_store
    from orgsim.app.run import run_script
    from orgsim.scenario.load import parse_scenario

    store = open_store("memory")
    run_script(store.backend, parse_scenario(SCRIPT, "base.yaml"))
    document = store.branch("base").structure("2020-06-01").to_json()
    assert jsontext._plain(document)
    assert dumps(document) == _stdlib(document)
    assert '"name": "Zoë Fictional"' in dumps(document)
