"""The compact JSON text of a dumped state, as snapshots and checkpoints store it.

Written on every snapshot and checkpoint taken and re-made for every one ``verify``
checks (20 states of 50,000 posts at the reference scale), so it is worth being fast;
and it must be exactly the text ``json.dumps(..., separators=(",", ":"))`` writes,
since stored rows are compared byte for byte with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from orgsim.domain.snapshot import Rows, dump_parts, dump_state

if TYPE_CHECKING:
    from orgsim.domain.state import OrgState

try:
    import orjson
except ImportError:  # pragma: no cover - a dependency; without it the text is json's
    orjson = None  # type: ignore[assignment]


#: ``json.dumps(..., separators=(",", ":"))``'s text without its check for circular
#: references (a dump has none), which is ~15% of encoding a state of 50,000 posts
ENCODE = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
#: the parts of a dump whose values are not fixed by :func:`dump_state`'s own code
#: (free-form mappings, pydantic dumps): scanned before orjson may write the text
_FREE = ("grades", "pay_ranges", "policy", "consultations", "decisions", "redeployment")
#: rows made and written at a time by :func:`dump_text`: what they refer to fits in a
#: core's cache (250 to 500 were best at 500k events; 2,000 lost a third of the gain)
CHUNK = 250


def state_text(dumped: dict[str, Any]) -> bytes:
    """``ENCODE(dumped)`` as UTF-8, through orjson (~4x faster on a state of 50,000
    posts) where its text is that one byte for byte: compact separators are orjson's,
    key order is kept, and the text is the same when it is all ASCII (json escapes
    anything else), has no float orjson writes differently (NaN and infinities, which
    it writes as null, and magnitudes under 1e-4: :func:`orgsim.jsontext._plain`
    checks the free-form parts, and every person's characteristics must be text; the
    rest of a dump holds only strings, ints and None by construction) and nothing orjson refuses
    (ints past 64 bits, non-string keys). Anything else: ``ENCODE``'s own text."""
    if orjson is not None and _plain_parts(dumped):
        try:
            data: bytes = orjson.dumps(dumped)
        except (orjson.JSONEncodeError, RecursionError):
            data = b""
        if data and data.isascii():
            return data
    return ENCODE(dumped).encode("utf-8")


def dump_text(state: OrgState, known_posts: Iterable[str] | None = None) -> bytes:
    """``state_text(dump_state(state, known_posts))``, byte for byte, in 0.6x its time
    on a state of 50,000 posts (0.21 s, against 0.37 s before this function and the
    faster :func:`dump_state`, 0.30 s after: best of 15 interleaved runs).

    Dumping such a state is mostly waiting for memory: its objects are spread over far
    more than the processor's caches hold, and the dump reads each one three times (to
    build its row, to write the row's text, to free the row). Here each large table's
    rows are written as text (an :class:`orjson.Fragment`) a few hundred at a time,
    while what they refer to is still in the caches, and freed at once. Where orjson
    may not write the text (see :func:`state_text`), the dump is made and written
    whole, as :func:`state_text` writes it."""
    if orjson is not None:
        try:
            dumped = dump_parts(state, known_posts, _chunks)
            if _plain_free(dumped):
                data: bytes = orjson.dumps(dumped)
                if data.isascii():
                    return data
        except (_NotPlain, orjson.JSONEncodeError, RecursionError):
            pass
    return state_text(dump_state(state, known_posts))


class _NotPlain(Exception):
    """Rows orjson may write differently from ``json`` (see :func:`state_text`)."""


def _chunks(name: str, rows: Rows, items: Iterable[Any]) -> Any:
    """A table's rows as JSON text (:data:`orgsim.domain.snapshot.Table`), made and
    written :data:`CHUNK` rows at a time."""
    parts = []
    objects = iter(items)
    while made := rows(islice(objects, CHUNK)):
        if name == "people" and not _text_characteristics(made):
            raise _NotPlain
        text = orjson.dumps(made)
        if not text.isascii():
            raise _NotPlain
        parts.append(text[1:-1])  # without its brackets
    return orjson.Fragment(b"[" + b",".join(parts) + b"]")


def _plain_parts(dumped: dict[str, Any]) -> bool:
    return _plain_free(dumped) and _text_characteristics(dumped["people"])


def _plain_free(dumped: dict[str, Any]) -> bool:
    from orgsim.jsontext import _plain

    return bool(_plain([dumped.get(k) for k in _FREE]))


_CHARACTERISTICS = itemgetter(3)


def _text_characteristics(people: Iterable[Any]) -> bool:
    """Every value of every person's characteristics is text (most people have none:
    looking for anyone who has some is one pass in C)."""
    if not any(map(_CHARACTERISTICS, people)):
        return True
    for person in people:
        if person[3]:
            for value in person[3].values():
                if type(value) is not str:
                    return False
    return True
