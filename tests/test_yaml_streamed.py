"""A script's YAML is built straight from libyaml's events when it can
(:func:`orgsim.scenario.yamlio._streamed`). Its values and line numbers must be exactly
those of composing the document with PyYAML first (the path it replaces, and the one
every unusual file still takes), so that is the expected value here."""

from __future__ import annotations

import datetime as dt

import pytest

from orgsim.scenario import yamlio

pytestmark = pytest.mark.skipif(yamlio._FAST is None, reason="needs libyaml")

BUILT = [
    "scenario: a\nsteps:\n  - create_unit: {id: org, name: Org, kind: organisation}\n",
    "scenario: a\neffective: 2020-01-01\nsteps:\n- join: {id: p1, name: 'x: y', effective: 2021-02-03}\n",
    "scenario: a\nsteps:\n  - decide: {on: 2020-01-01, by: Cabinet, what: yes}\n  - x: {a: true, b: False, c: ~, d: null, e: 1.5, f: 74.9, g: 7, h: '7', i: 0x10}\n",
    "scenario: a\nsteps:\n  - match: {old: a, new: b, percent: 2014-02-31}\n",
    "scenario: a\nsteps:\n\n  # a comment\n  - slot: {}\n  - slot:\n  -\n    slot: {effective: 2020-01-01}\n",
    "scenario: a\ngrades: [G1, 2, G3]\npay_ranges: {G1: [1, 2.5]}\nsteps: []\n",
    "scenario: a\nsteps: [ {consult: {opens: 2020-01-01, closes: 2020-02-01, scope: [u1, [nested, {deep: [1]}]]}} ]\n",
    'scenario: a\n\'steps\':\n  - "create_unit":\n      "id": "o"\n      \'name\': |\n        multi\n        line\n      kind: team\n',
    "scenario: a\nsteps: {not: a list}\n",
    "1: one\n2020-01-01: date\nnull: n\nsteps:\n  - a\n  - [b]\n",
]

FALLS_BACK = [
    "scenario: a\nsteps:\n  - create_unit: &u {id: org, name: Org, kind: organisation}\n  - create_unit: *u\n",
    "scenario: a\nsteps:\n  - create_unit: {<<: {id: org}, name: Org, kind: organisation}\n",
    "scenario: a\nsteps:\n  - create_unit: !!map {id: org}\n",
    "scenario: a\nscenario: b\nsteps: []\n",
    "scenario: a\nsteps:\n  - {id: a, id: b}\n",
    "? [a, b]\n: c\n",
    "- a list\n- at the root\n",
    "",
    "scenario: a\n---\nscenario: b\n",
    "scenario: a\nsteps:\n\t- tab\n",
    "scenario: a\nsteps: " + "[" * 250 + "]" * 250 + "\n",
]


@pytest.mark.parametrize("text", BUILT)
def test_streamed_values_and_lines_are_the_composed_ones(text):
    streamed = yamlio._streamed(yamlio._FAST, text)
    assert streamed is not None
    composed = yamlio._load(yamlio._FAST, text)
    assert streamed == composed
    assert repr(streamed) == repr(composed)  # same types too (1 is not True, str not date)


def test_an_impossible_date_stays_text_and_lines_count_from_one():
    data, keys, steps = yamlio._streamed(yamlio._FAST, BUILT[3])
    assert data["steps"][0]["match"]["percent"] == "2014-02-31"
    assert keys == {"scenario": 1, "steps": 2}
    assert steps == [3]
    data, _keys, steps = yamlio._streamed(yamlio._FAST, BUILT[4])
    # the comment and blank line are not steps; a block mapping starts at its first key
    assert steps == [5, 6, 8]
    assert data["steps"][2] == {"slot": {"effective": dt.date(2020, 1, 1)}}


@pytest.mark.parametrize("text", FALLS_BACK)
def test_unusual_documents_take_the_composing_path(text):
    assert yamlio._streamed(yamlio._FAST, text) is None
