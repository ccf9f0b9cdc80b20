"""Indented JSON text, exactly as ``json.dumps(obj, indent=2, ensure_ascii=False)`` writes it.

Why not the standard library: with ``indent`` it falls back to its pure-Python encoder, a
chain of generators that yields every comma and space separately — ``show --json`` of
50,000 posts spent 0.95 s there, more than building the read model.

Two faster writers of the same text:

- **orjson** (``OPT_INDENT_2``, ~10x faster than the one below), used only for a document
  it writes byte for byte as ``json.dumps`` does, which :func:`_plain` checks first:
  exact ``dict`` (string keys), ``list``, ``tuple``, ``str``, ``int``, ``bool``, ``None``
  and floats that are finite and 0 or at least 1e-4 in size (orjson writes NaN and
  infinities as ``null`` and ``1e-9`` where ``repr`` writes ``1e-09``). What it refuses
  (an integer past 64 bits, a lone surrogate, nesting past its limit) falls through.
  ``tests/test_jsontext.py`` compares the two on every code point and on floats of every
  magnitude. Where orjson is not installed, the writer below does it all.
- **this module's** writer joins strings (scalars through the standard library's C
  string encoder), 1.4-4x faster than ``json.dumps``. Anything it does not know (a type
  ``json`` would reject, a non-string key, a subclass) is handed back to ``json.dumps``
  whole, so the output and the errors are always the standard library's.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable
from json.encoder import encode_basestring
from typing import Any


def _orjson() -> Any:
    try:
        return importlib.import_module("orjson")
    except ImportError:  # a dependency, but only a speed-up: the same text without it
        return None


orjson = _orjson()

__all__ = ["dumps"]

_INF = float("inf")
#: below this size ``repr`` writes a float with a two-digit exponent (1e-05), orjson not
_TINY = 1e-4


class _Unknown(Exception):
    """A value this writer leaves to ``json.dumps``."""


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INF:
        return "Infinity"
    if value == -_INF:
        return "-Infinity"
    return float.__repr__(value)


def _unknown(value: Any) -> str:
    raise _Unknown


#: exact types only: a subclass (an IntEnum, a str enum) goes to ``json.dumps``
_SCALARS: dict[type, Any] = {
    str: encode_basestring,
    int: int.__repr__,
    float: _float,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}


def _text(value: Any, level: int) -> str:
    kind = type(value)
    scalar = _SCALARS.get
    if kind is dict:
        if not value:
            return "{}"
        inner = "\n" + "  " * (level + 1)
        key = encode_basestring  # a key that is not a str raises TypeError: json.dumps
        items = [
            f"{key(k)}: {f(v) if (f := scalar(type(v))) else _text(v, level + 1)}"
            for k, v in value.items()
        ]
        return "{" + inner + ("," + inner).join(items) + "\n" + "  " * level + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = "\n" + "  " * (level + 1)
        parts = [f(v) if (f := scalar(type(v))) else _text(v, level + 1) for v in value]
        return "[" + inner + ("," + inner).join(parts) + "\n" + "  " * level + "]"
    return str(scalar(kind, _unknown)(value))


#: exact types whose every value orjson writes as ``json.dumps`` does
_SAME = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> bool:
    """Whether orjson writes ``value`` exactly as ``json.dumps(indent=2,
    ensure_ascii=False)`` does (see the module's docstring); False for anything else."""
    kind = type(value)
    if kind is dict:
        return all(type(key) is str for key in value) and _all_plain(value.values())
    if kind is list or kind is tuple:
        return _all_plain(value)
    if kind is float:
        return _plain_float(value)
    return kind in _SAME


def _all_plain(items: Iterable[Any]) -> bool:
    """:func:`_plain` of every item, the common scalars checked inline (a document of
    50,000 records is mostly strings and numbers)."""
    for item in items:
        of = type(item)
        if of in _SAME:
            continue
        if of is float:
            if not _plain_float(item):
                return False
        elif not _plain(item):
            return False
    return True


def _plain_float(value: float) -> bool:
    """Finite, and 0 or at least :data:`_TINY` in size."""
    return bool(value - value == 0.0 and (value == 0.0 or abs(value) >= _TINY))


def dumps(document: Any) -> str:
    """``json.dumps(document, indent=2, ensure_ascii=False)``, the same text, faster."""
    if orjson is not None:
        try:
            if _plain(document):
                text: str = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
                return text
        except (orjson.JSONEncodeError, RecursionError):
            pass  # a big integer, a lone surrogate, deep nesting: the writers below
    try:
        return _text(document, 0)
    except (_Unknown, TypeError, RecursionError):
        return json.dumps(document, indent=2, ensure_ascii=False)
