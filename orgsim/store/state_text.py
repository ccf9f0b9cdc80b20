"""The compact JSON text of a dumped state, as snapshots and checkpoints store it.

Written on every snapshot and checkpoint taken and re-made for every one ``verify``
checks (20 states of 50,000 posts at the reference scale), so it is worth being fast;
and it must be exactly the text ``json.dumps(..., separators=(",", ":"))`` writes,
since stored rows are compared byte for byte with it.
"""

from __future__ import annotations

import json
from typing import Any

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


def _plain_parts(dumped: dict[str, Any]) -> bool:
    from orgsim.jsontext import _plain

    if not _plain([dumped.get(k) for k in _FREE]):
        return False
    for person in dumped["people"]:  # characteristics: text only (most have none)
        if person[3]:
            for value in person[3].values():
                if type(value) is not str:
                    return False
    return True
