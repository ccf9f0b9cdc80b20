"""``history --json``'s fast text (orjson, records by plan) is byte for byte the text the
general way writes: ``event_record`` encoded by the standard library with ``", "`` and
``": "`` separators — on every event type, with values at the edges of what orjson
writes alike, inherited or not, characteristics shown or withheld."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import orjson
import pytest

from orgsim.domain import events as ev
from orgsim.store.recorder import open_store
from orgsim.views import history_text
from orgsim.views.history import event_record, write_history_json
from orgsim.views.history_text import HistoryText, compact
from tests.test_slotting_cli import ORG, RESTRUCTURE

ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
UTC = dt.UTC

#: strings orjson and json must write alike, and that look like the text's structure
TEXTS = [
    "plain",
    'a "quoted", b: c',
    "back\\slash",
    "line\nbreak\ttab\x01\x1f\x7f",
    "é ✓ 😀 \u2028",
    '},\n  {"version": 1',
    ",\n    ",
    "",
]
DECIMALS = [
    Decimal("1"),
    Decimal("0.5"),
    Decimal("-2.25"),
    Decimal("1E-7"),
    Decimal("0.0001"),
    Decimal("12345678901234567890123"),
    Decimal("1E+400"),
    Decimal("0"),
    Decimal("-0"),
    Decimal("33.333333333333333333"),
]
DATES = [ev.UNDATED, dt.date(999, 12, 31), dt.date(2014, 4, 1), dt.date(9999, 12, 31)]
RECORDED = [
    dt.datetime(2025, 1, 1, tzinfo=UTC),
    dt.datetime(1, 1, 1, 0, 0, 0, 1),
    dt.datetime(
        2025, 6, 30, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))
    ),
    dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(seconds=30))),
]


def _value(annotation: Any, i: int) -> Any:
    """A value of the type, varied by ``i`` (JSON-ready input for ``model_validate``)."""
    text = TEXTS[i % len(TEXTS)]
    if annotation is str or annotation == str | None:
        return text
    if annotation is dt.date or annotation == dt.date | None:
        return DATES[i % len(DATES)].isoformat()
    if annotation is Decimal or annotation == Decimal | None:
        return str(DECIMALS[i % len(DECIMALS)])
    if annotation is int or annotation == int | None:
        return [3, 2**70, -1][i % 3]
    if annotation is bool:
        return bool(i % 2)
    args = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is not None and str(annotation).startswith(
        "typing.Literal"
    ):
        return args[i % len(args)]
    if annotation == list[str]:
        return [text, "x", TEXTS[(i + 1) % len(TEXTS)]][: i % 4]
    if annotation == dict[str, str]:
        return {} if i % 3 == 0 else {"sex": text, "age_band": "55-64"}
    if annotation == list[ev.Accountability]:
        return [{"text": text, "weight": str(DECIMALS[i % len(DECIMALS)])}][: i % 2]
    if annotation == dict[str, tuple[Decimal, Decimal]]:
        return {"G1": ["1", str(DECIMALS[i % len(DECIMALS)])]}
    if annotation == dict[str, Any]:
        return [
            {},
            {"a": 1e-9, "b": [1, {"c": [0.5, None, True]}], "d": 1e16},
            {"x": {"y": {"z": {"w": [[[text]]]}}}},
        ][i % 3]
    raise AssertionError(f"no test values for {annotation}")


def _events() -> list[ev.Event]:
    out = []
    for cls in ev.EVENT_TYPES.values():
        for i in range(12):
            data = {
                "effective": DATES[i % len(DATES)],
                "recorded": RECORDED[i % len(RECORDED)],
                "reason": [None, *TEXTS][i % (len(TEXTS) + 1)],
                "source": TEXTS[i % 3] if i % 2 else None,
                "actor": None if i % 3 else "hr",
            }
            for name, field in cls.model_fields.items():
                if name not in data:
                    data[name] = _value(field.annotation, i + len(name))
            out.append(cls.model_validate(data))
    return out


EVENTS = _events()


def test_every_event_type_is_covered():
    assert {type(e) for e in EVENTS} == set(ev.EVENT_TYPES.values())


@pytest.mark.parametrize("characteristics", [False, True])
@pytest.mark.parametrize("inherited", [False, True])
def test_fast_text_is_the_general_text(characteristics, inherited):
    entries = [(n, e, inherited) for n, e in enumerate(EVENTS, start=1)]
    expected = ",\n  ".join(
        ENCODE(event_record(n, e, inherited, characteristics)) for n, e, _ in entries
    )
    made = HistoryText(characteristics)
    # one page, pages of a few (a fallback entry in a page of plain ones), one by one
    assert made.page(entries) == expected
    for size in (1, 7):
        assert ",\n  ".join(made.pages(entries, size)) == expected


def test_plans_cover_the_common_types_and_stand_aside_for_personal_data():
    made = HistoryText()
    for cls in (ev.PersonAssigned, ev.PostCreated, ev.PersonJoined, ev.UnitCreated, ev.PolicySet):
        assert made.plan(cls) != made.general
    for cls in (ev.PersonDetailsRecorded, ev.PersonLeaveStatusRecorded):
        assert history_text.make_plan(cls, False) is None


def test_orjson_writes_dates_and_times_as_isoformat():
    day = dt.date(1, 1, 1)
    while day < dt.date(9999, 12, 1):  # every month's first and last days, years 1-9999
        for d in (day, day + dt.timedelta(days=27)):
            assert orjson.dumps(d).decode() == json.dumps(d.isoformat())
        day = (
            (day + dt.timedelta(days=32)).replace(day=1)
            if day.year % 97
            else day.replace(year=day.year + 1)
        )
    for minutes in range(-24 * 60 + 1, 24 * 60, 7):
        zone = dt.timezone(dt.timedelta(minutes=minutes))
        assert history_text._tz_alike(zone)
        for micro in (0, 1, 500000, 999999):
            at = dt.datetime(2025, 3, 4, 5, 6, 7, micro, tzinfo=zone)
            assert orjson.dumps(at).decode() == json.dumps(at.isoformat())
    assert not history_text._tz_alike(dt.timezone(dt.timedelta(seconds=30)))


def test_compact_is_the_standard_compact_text():
    docs = [
        {"a": [], "b": {}, "c": [1, [2, [3, {"d": [4, {"e": "f,\n  g"}]}]]], "h": "  x  "},
        {},
        {"i": None},
    ]
    assert compact(orjson.dumps(docs, option=orjson.OPT_INDENT_2)).decode() == ",\n  ".join(
        map(ENCODE, docs)
    )


def test_the_writer_writes_the_general_text(cli, write, store_url, monkeypatch):
    """The same store, written with plans and with none (every entry the general way)."""
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE + "  - slot: {}\n"))
    store = open_store(store_url)
    try:
        texts = {}
        for fast in (True, False):
            if not fast:
                monkeypatch.setattr(history_text, "make_plan", lambda cls, characteristics: None)
            for args in [
                ("base", False, 0, None, False),
                ("option", True, 3, 20, True),
                ("option", True, 0, None, False),
            ]:
                out = io.StringIO()
                name, everything, since, limit, characteristics = args
                write_history_json(store, name, out, everything, since, limit, characteristics)
                texts[fast, args] = out.getvalue()
        for key, text in texts.items():
            assert text == texts[(not key[0], key[1])]
            json.loads(text)
    finally:
        store.close()
