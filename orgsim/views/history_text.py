"""``history --json`` text at the speed of the read: records made by per-type plans,
encoded by orjson a page at a time.

Why: :func:`orgsim.views.history.event_record` (a ``model_dump``, then ``jsonable`` on
every value) and the standard library's encoder cost 4x reading the rows at 500,000
events. The decode is untouched — every event is still the mapper's validated model, so a
damaged row is refused exactly as before — only what follows it is faster:

- **Records by plan.** For each event class, once, its fields are sorted by type: those
  whose value ``event_record`` writes as the model holds it (``str``, ``int``, ``bool``,
  ``None``, a ``Literal`` of those, lists, tuples and ``str``-keyed dicts of them) are
  copied from the model as they are; every other field goes through ``jsonable`` as there
  (dates, ``Decimal``), from ``model_dump`` when it holds a model (accountabilities). The
  rules for protected characteristics are applied as there; the two classes with more
  rules (personal details, leave) have no plan and take ``event_record`` itself.
- **orjson, compacted.** ``history --json`` writes each event with ``", "`` and ``": "``
  between items, which orjson cannot. With ``OPT_INDENT_2`` it writes ``": "`` and puts
  every other separator on a new line; a raw newline is never inside a JSON string
  (it is escaped), so each newline and the indentation after it are structure, and
  taking them out (a comma before one becomes ``", "``) leaves exactly the standard
  library's compact text. orjson is used only for values it writes as ``json`` does
  (:func:`orgsim.jsontext._plain`: every float is checked; an integer past 64 bits or a
  lone surrogate makes orjson raise).

Anything a plan does not prove identical — a class without a plan, a float orjson would
write differently, any exception — is made by ``event_record`` and the standard encoder,
as before; an error is then that path's own. ``tests/test_history_fast.py`` compares the
two on every event type, with edge values, and on old, encrypted and forked stores.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic_core import TzInfo

from orgsim.domain import events as ev
from orgsim.domain.timeline import gc_paused
from orgsim.jsontext import _plain, orjson
from orgsim.views.history import WITHHELD, event_record, jsonable

#: (version, event, inherited): one entry of a history, before it is made a record
Entry = tuple[int, ev.Event, bool]
Record = dict[str, Any]

#: Entries encoded together (orjson's output joined and compacted in one go)
PAGE = 1000

#: Event fields that ``event_record`` places itself, before the event's own fields
_ENVELOPE = ("effective", "recorded", "reason", "source", "actor")
#: Keys of a record that are not the event's fields
_RECORD_KEYS = frozenset({"version", "type", "inherited"})
_SCALARS = frozenset({str, int, bool, type(None)})
#: Types of a field written as the model holds it: orjson writes a date as ``isoformat``
_AS_IS = _SCALARS | {dt.date}
#: Time zones of a fixed offset (pydantic's, the standard library's)
_FIXED = (TzInfo, dt.timezone)
_INDENT = orjson.OPT_INDENT_2 if orjson is not None else 0


class _Slow(Exception):
    """A value this module does not prove identical: the entry goes the general way."""


def _as_is(annotation: Any) -> bool:
    """Whether a field of this type is written as the model holds it: ``jsonable``
    leaves such a value alone (or only turns tuples into lists, which encode alike)."""
    if annotation in _AS_IS:
        return True
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Literal:
        return all(type(arg) in _SCALARS for arg in args)
    if origin in (Union, types.UnionType, list, tuple):
        return bool(args) and all(arg is Ellipsis or _as_is(arg) for arg in args)
    if origin is dict:
        return len(args) == 2 and args[0] is str and _as_is(args[1])
    return False


def _tz_alike(tz: Any) -> bool:
    """Whether orjson writes a datetime in this time zone as ``isoformat`` does: naive, or
    a fixed offset of whole minutes (orjson leaves out an offset's seconds)."""
    if tz is None:
        return True
    if type(tz) not in _FIXED:
        return False
    offset = tz.utcoffset(None)
    return offset is not None and offset.seconds % 60 == 0 and not offset.microseconds


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))


def _checked(value: Any) -> Any:
    """``jsonable(value)``, when orjson writes it as ``json`` does (else :class:`_Slow`)."""
    out = jsonable(value)
    if not _plain(out):
        raise _Slow
    return out


Plan = Callable[[int, ev.Event, bool], Record]


def make_plan(cls: type[ev.Event], characteristics: bool) -> Plan | None:
    """The function making ``event_record(version, event, inherited, characteristics)``
    for events of ``cls`` from the model's own values, or None for a class whose
    records it does not prove the same (see the module's docstring)."""
    if issubclass(cls, (ev.PersonDetailsRecorded, ev.PersonLeaveStatusRecorded)):
        return None
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or cls.model_computed_fields:
        return None  # model_dump would not give the values as the model holds them
    fields = cls.model_fields
    names = tuple(fields)
    own = names[len(_ENVELOPE) :]
    if names[: len(_ENVELOPE)] != _ENVELOPE or _RECORD_KEYS & set(own):
        return None
    if any(field.exclude for field in fields.values()):
        return None
    convert = tuple(
        (name, _converter(fields[name].annotation))
        for name in own
        if not _as_is(fields[name].annotation)
    )
    dumped = {name for name, _ in convert if _holds_model(fields[name].annotation)}
    withhold = not characteristics and "characteristics" in own
    type_name = cls.__name__
    get = _getter(own)
    undated = ev.UNDATED
    zone: list[Any] = [None]  # the last time zone found alike (pydantic shares UTC's)

    def plan(version: int, event: ev.Event, inherited: bool) -> Record:
        values = event.__dict__
        if tuple(values) != names:  # the fields, in order (pydantic's own order)
            raise _Slow
        effective = values["effective"]
        recorded = values["recorded"]
        if recorded.tzinfo is not zone[0]:
            if _tz_alike(recorded.tzinfo):
                zone[0] = recorded.tzinfo
            else:
                recorded = recorded.isoformat()
        if inherited:
            record: Record = {
                "version": version,
                "type": type_name,
                "effective": None,
                "recorded": None,
                "reason": values["reason"],
                "source": values["source"],
                "actor": values["actor"],
                "inherited": True,
            }
            record.update(zip(own, get(values), strict=True))
        else:
            record = {"version": version, "type": type_name, **values}
        record["effective"] = None if effective == undated else effective
        record["recorded"] = recorded
        if convert:
            dump = event.model_dump(include=dumped) if dumped else values
            for name, to_json in convert:
                record[name] = to_json(dump[name] if name in dump else values[name])
        if withhold and record["characteristics"]:
            record["characteristics"] = WITHHELD
        return record

    return plan


#: ``jsonable`` of Decimal values met (it depends on the value alone: equal Decimals
#: give equal results), so that a branch's few distinct FTEs and costs are done once
_DECIMALS: dict[Any, Any] = {None: None}
_DECIMALS_MAX = 4096


def _decimal(value: Any) -> Any:
    out = _DECIMALS.get(value, _DECIMALS)
    if out is _DECIMALS:
        out = _checked(value)
        if len(_DECIMALS) >= _DECIMALS_MAX:
            _DECIMALS.clear()
            _DECIMALS[None] = None
        _DECIMALS[value] = out
    return out


def _converter(annotation: Any) -> Callable[[Any], Any]:
    """How a field that is not written as held is made JSON-ready: ``jsonable``, checked."""
    if annotation is Decimal or annotation == Decimal | None:
        return _decimal
    return _checked


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of ``names`` from a dict, as a tuple (``itemgetter`` returns a lone
    value for one name)."""
    if len(names) >= 2:
        return operator.itemgetter(*names)
    if len(names) == 1:
        only = names[0]
        return lambda values: (values[only],)
    return lambda values: ()


class HistoryText:
    """Entries to ``history --json`` text, a page at a time (see the module)."""

    def __init__(self, characteristics: bool = False) -> None:
        self.characteristics = characteristics
        self._encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self._plans: dict[type[ev.Event], Plan] = {}

    def general(self, version: int, event: ev.Event, inherited: bool) -> Any:
        """One entry the way :mod:`orgsim.views.history` always made it, as a fragment
        orjson writes as it is (compacting leaves that text alone: it has no newline)."""
        record = event_record(version, event, inherited, self.characteristics)
        return orjson.Fragment(self._encode(record).encode("utf-8"))

    def plan(self, cls: type[ev.Event]) -> Plan:
        plan = self._plans.get(cls)
        if plan is None:
            plan = self._plans[cls] = make_plan(cls, self.characteristics) or self.general
        return plan

    def pages(self, entries: Iterable[Entry], size: int = PAGE) -> Iterator[str]:
        """:meth:`page` after page of ``entries`` (read as needed: constant memory).

        The garbage collector is paused while a page is read and made (the models and
        records of a page are freed by reference counting at once; a collection every
        few hundred of them only walked them for nothing) and runs between pages."""
        iterator = iter(entries)
        while True:
            with gc_paused():
                page = self.page(list(itertools.islice(iterator, size)))
            if not page:
                return
            yield page

    def page(self, entries: list[Entry]) -> str:
        """The entries' records, one a line, joined by ``",\\n  "``."""
        if not entries:
            return ""
        plans = self._plans
        try:
            items = [(plans.get(type(e)) or self.plan(type(e)))(v, e, i) for v, e, i in entries]
            text = orjson.dumps(items, option=_INDENT)
        except Exception:  # _Slow, or a value orjson refuses: entry by entry
            text = orjson.dumps([self._one(entry) for entry in entries], option=_INDENT)
        return compact(text).decode("utf-8")

    def _one(self, entry: Entry) -> Any:
        try:
            record = self.plan(type(entry[1]))(*entry)
            orjson.dumps(record)
            return record
        except Exception:
            return self.general(*entry)


def compact(text: bytes) -> bytes:
    """orjson's ``OPT_INDENT_2`` text of a list of records as ``history --json`` has them:
    one a line, joined by ``",\\n  "``, each as ``json`` writes it with ``", "`` and ``": "``
    separators. Every raw newline is structure: from the deepest level up (a shallower
    indentation is the start of a deeper one), a comma and a newline with its indentation
    become ``", "``, and any other newline goes with its indentation; at level 1 only the
    records' closing braces move up, and the list's own brackets are cut off."""
    depth = 1
    while b"\n" + b"  " * (depth + 1) in text:
        depth += 1
    for level in range(depth, 1, -1):
        indent = b"\n" + b"  " * level
        text = text.replace(b"," + indent, b", ").replace(indent, b"")
    text = text.replace(b"\n  }", b"}")
    assert text[:4] == b"[\n  " and text[-2:] == b"\n]", "a list of records"
    return text[4:-2]
