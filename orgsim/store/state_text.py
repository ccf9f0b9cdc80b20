"""The JSON text of a folded state, re-encoding only what changed since the last call.

Why: ``verify`` compares every stored checkpoint, byte for byte, with the text of
:func:`~orgsim.domain.snapshot.dump_state` of a fresh fold at the checkpoint's version.
At 50,000 posts and people that dump and its JSON cost ~0.4 s a checkpoint, while a
stretch of 25,000 events between two checkpoints changes a fraction of the entities.
:class:`StateText` keeps, for each unit, post, person and person's assignments, the
text of its row and a *fingerprint*: every field's value, and the contents of its list
and dict fields. A row is re-dumped unless every object in its fingerprint is the very
same object (``is``) as at the last call.

Why identity is proof: the fields hold immutable values (str, int, Decimal, dates,
None) and containers (lists, dicts) of immutable values (str, frozen records), which the
fingerprint lists element by element; the fingerprint holds references, so no object
compared can have been freed and its id reused. Equality would not do (``Decimal("1")
== Decimal("1.0")`` dump differently). A class with any other kind of field gets no
cache at all (:func:`_fingerprint` returns None: every row re-dumped), so a field added
later can never be skipped. Entities are mutable dataclasses changed in place by the
handlers; the object's identity is never used, only its values'.

The rows themselves come from :func:`dump_state` (the one definition of the format),
called on a view of the state holding only the changed entities; this module only joins
the JSON texts of the rows. A section it does not know, a key that is not the entity's
id, or anything else unexpected: the whole state is dumped the plain way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from itertools import chain, compress
from operator import attrgetter, is_not, ne
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.snapshot import dump_state
from orgsim.domain.state import Assignment, LeaveRecord, OrgState, Person, Post, Unit

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_SCALARS: frozenset[Any] = frozenset({str, int, bool, Decimal, type(None), dt.date, dt.datetime})
#: element types of list and dict fields: immutable values and frozen records of them
_ELEMENTS: frozenset[Any] = frozenset({str, LeaveRecord, ev.Accountability})
#: sections of ``dump_state`` built here row by row; every other one is dumped whole
_ROWS = ("units", "posts", "people", "assignments", "person_details", "person_leave")
#: sections ``dump_state`` derives from nothing but small parts of the state
_WHOLE = frozenset(
    {
        "format",
        "version",
        "at",
        "grades",
        "pay_ranges",
        "policy",
        "matches",
        "pools",
        "consultations",
        "closed_consultations",
        "decisions",
        "known_posts",
        "redeployment",
    }
)


@dataclasses.dataclass(frozen=True)
class _Spec:
    """How to read an entity's values in bulk: its scalar fields, and its list and dict
    fields (their elements compared one by one)."""

    scalars: Callable[[Any], tuple[Any, ...]]
    arity: int
    contents: tuple[Callable[[Any], tuple[Any, ...]], ...]


def _spec(cls: type) -> _Spec | None:
    """None when a field's type is not known to be immutable or a container of
    immutable values: then no row of ``cls`` is ever reused."""
    hints = typing.get_type_hints(cls)
    scalars: list[str] = []
    contents: list[Callable[[Any], tuple[Any, ...]]] = []
    for name in (f.name for f in dataclasses.fields(cls)):
        hint = hints[name]
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is list and len(args) == 1 and args[0] in _ELEMENTS:
            contents.append(_listed(name))
        elif origin is dict and len(args) == 2 and set(args) <= _ELEMENTS:
            contents.append(_mapped(name))
        elif hint in _SCALARS or (
            origin in (typing.Union, types.UnionType) and set(args) <= _SCALARS
        ):
            scalars.append(name)
        else:
            return None
    if len(scalars) < 2:
        return None
    return _Spec(attrgetter(*scalars), len(scalars), tuple(contents))


def _listed(name: str) -> Callable[[Any], tuple[Any, ...]]:
    get = attrgetter(name)
    return lambda obj: tuple(get(obj))


def _mapped(name: str) -> Callable[[Any], tuple[Any, ...]]:
    get = attrgetter(name)
    return lambda obj: tuple(chain.from_iterable(get(obj).items()))


_SPECS = {c: _spec(c) for c in (Unit, Post, Person, Assignment)}
_ASSIGNMENT = _SPECS[Assignment]


def _assignments(by_post: dict[str, Assignment]) -> tuple[Any, ...]:
    """One person's assignments, every field of each, as one container."""
    assert _ASSIGNMENT is not None
    return tuple(chain.from_iterable(map(_ASSIGNMENT.scalars, by_post.values())))


class _Plain(Exception):
    """Something this module does not expect: dump the plain way."""


class _Section:
    """One section's entities as last seen: their keys, every value (held, so that no
    id compared can be reused), and the texts of their rows."""

    def __init__(self, spec: _Spec | None, nested: bool = False) -> None:
        self.spec = spec
        self.nested = nested
        self.keys: list[str] = []
        self.flat: list[Any] = []
        self.held: list[list[tuple[Any, ...]]] = []
        self.ids: list[list[tuple[int, ...]]] = []
        self.texts: list[tuple[str | None, ...] | None] = []

    def scan(self, entities: dict[str, Any]) -> tuple[list[str], list[Any], list[int]]:
        """(keys, entities, the indices of those whose values are not the very same
        objects as last time), and remember what they are now."""
        keys, values = list(entities), list(entities.values())
        n = len(keys)
        kept = len(self.keys) if keys[: len(self.keys)] == self.keys else 0
        if self.nested:
            flat: list[Any] = []
            contents = [list(map(_assignments, values))]
        elif self.spec is None:
            self.keys, self.texts = [], []
            return keys, values, list(range(n))
        else:
            k = self.spec.arity
            flat = list(chain.from_iterable(map(self.spec.scalars, values)))
            contents = [list(map(get, values)) for get in self.spec.contents]
        changed: set[int] = set(range(kept, n))
        if kept and not self.nested:
            assert self.spec is not None
            k = self.spec.arity
            differ = compress(range(kept * k), map(is_not, flat, self.flat))
            changed.update(i // k for i in differ)
        ids = [list(map(tuple, map(partial(map, id), held))) for held in contents]
        if kept:
            for now, before in zip(ids, self.ids, strict=True):
                changed.update(compress(range(kept), map(ne, now, before)))
        self.keys, self.flat, self.held, self.ids = keys, flat, contents, ids
        self.texts = self.texts[:kept] + [None] * (n - kept)
        return keys, values, sorted(changed)


class StateText:
    """``json.dumps(dump_state(state), separators=(",", ":"))``, call after call on a
    state that changes in between, each time re-dumping only the changed rows."""

    def __init__(self) -> None:
        self._sections = {
            "units": _Section(_SPECS[Unit]),
            "posts": _Section(_SPECS[Post]),
            "people": _Section(_SPECS[Person]),
            "assignments": _Section(_ASSIGNMENT, nested=True),
        }
        self._known: tuple[frozenset[str], str] | None = None

    def text(self, state: OrgState) -> str:
        try:
            return self._text(state)
        except _Plain:
            self.__init__()  # type: ignore[misc]
            return _ENCODE(dump_state(state))

    def _text(self, state: OrgState) -> str:
        view = types.SimpleNamespace(**vars(state))
        scans = {}
        for section, entities in (
            ("units", state.units),
            ("posts", state.posts),
            ("people", state.people),
            ("assignments", state.assignments),
        ):
            keys, values, changed = self._sections[section].scan(entities)
            scans[section] = (keys, values, changed)
            setattr(view, section, {keys[i]: values[i] for i in changed})
        known = frozenset(state.known_posts)
        if self._known is not None and self._known[0] == known:
            view.known_posts = ()
        dump = dump_state(typing.cast(OrgState, view))
        if not set(dump) <= _WHOLE | set(_ROWS):
            raise _Plain("a section this module does not know")
        self._fill(scans, dump)
        if self._known is None or self._known[0] != known:
            self._known = (known, _ENCODE(dump["known_posts"]))
        people = self._sections["people"].texts
        texts = {
            "units": _joined(self._sections["units"].texts, 0),
            "posts": _joined(self._sections["posts"].texts, 0),
            "people": _joined(people, 0),
            "assignments": _joined(self._sections["assignments"].texts, 0),
            "person_details": "{" + ",".join(_entries(people, 1)) + "}",
            "person_leave": "{" + ",".join(_entries(people, 2)) + "}",
            "known_posts": self._known[1],
        }
        marks = {}
        for section, text in texts.items():
            if section in dump:
                mark = f"\x00{section}\x00"
                dump[section] = mark
                marks[_ENCODE(mark)] = text
        out = _ENCODE(dump)
        for mark, text in marks.items():
            if out.count(mark) != 1:
                raise _Plain("the data holds a mark")
            out = out.replace(mark, text)
        return out

    def _fill(self, scans: dict[str, tuple[list[str], list[Any], list[int]]], dump: Any) -> None:
        """Put the texts of the freshly dumped rows of the changed entities in place."""
        for section in ("units", "posts"):
            _keys, _values, changed = scans[section]
            rows, texts = dump[section], self._sections[section].texts
            if len(rows) != len(changed):
                raise _Plain(section)
            for i, row in zip(changed, rows, strict=True):
                texts[i] = (_ENCODE(row),)
        keys, values, changed = scans["people"]
        rows, texts = dump["people"], self._sections["people"].texts
        details, leave = dump["person_details"], dump["person_leave"]
        if len(rows) != len(changed):
            raise _Plain("people")
        for i, row in zip(changed, rows, strict=True):
            key = keys[i]
            if not isinstance(key, str) or key != values[i].id:
                raise _Plain("a person kept under another key")
            texts[i] = (
                _ENCODE(row),
                _entry(key, details[key]) if key in details else None,
                _entry(key, leave[key]) if key in leave else None,
            )
        keys, values, changed = scans["assignments"]
        rows, texts = dump["assignments"], self._sections["assignments"].texts
        start = 0
        for i in changed:
            end = start + len(values[i])
            texts[i] = (",".join(map(_ENCODE, rows[start:end])) if end > start else None,)
            start = end
        if start != len(rows):
            raise _Plain("assignments")


def _entry(key: str, value: Any) -> str:
    return f"{_ENCODE(key)}:{_ENCODE(value)}"


def _joined(texts: list[tuple[str | None, ...] | None], index: int) -> str:
    return "[" + ",".join(_entries(texts, index)) + "]"


def _entries(texts: list[tuple[str | None, ...] | None], index: int) -> list[str]:
    out = []
    for row in texts:
        if row is None:
            raise _Plain("a row not dumped")
        if row[index] is not None:
            out.append(row[index])
    return out  # type: ignore[return-value]
