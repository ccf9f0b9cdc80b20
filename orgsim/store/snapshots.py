"""Snapshots of a branch's folded state, so that long histories load fast.

After a run leaves a branch more than :data:`SNAPSHOT_EVERY` events past its last
snapshot, the runner stores the state it has just folded anyway. ``show`` (without
``--as-known-at``) then reads one snapshot row plus the events recorded after it instead
of the whole log, whenever the snapshot is valid for the date asked (see
:mod:`orgsim.domain.snapshot`). Snapshots are a cache kept in their own table: audits and
``verify`` always read the full log, and a missing or unreadable snapshot only means a
full replay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.persistence import StoredEvent

from orgsim.domain import events as ev
from orgsim.domain.snapshot import load_state
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged, fold, gc_paused, timeline_key
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import _NS, Store, branch_stream
from orgsim.store.state_text import dump_text

if TYPE_CHECKING:
    from orgsim.store.branches import BranchLog

SNAPSHOT_EVERY = int(os.environ.get("ORGSIM_SNAPSHOT_EVERY", "5000"))
TOPIC = "StateSnapshot.v1"


def snapshot_stream(name: str) -> UUID:
    return uuid5(_NS, f"snapshot:{name}")


def latest(store: Store, name: str) -> tuple[int, int, dt.date | None, dict[str, Any]] | None:
    """The newest snapshot of a branch: (version, own position, horizon, state), or None.

    Evidence-bound: a snapshot carries the chain value of the branch's own event it was
    taken at, and is ignored (None: replay in full) unless that event still carries it —
    a snapshot left behind by rewritten events is never trusted. Its content is checked
    by ``verify`` (:func:`check`), which re-folds the events and compares."""
    payload = _payload(store, name)
    if payload is None or not _bound(store, name, payload):
        return None
    horizon = dt.date.fromisoformat(payload["horizon"]) if payload["horizon"] else None
    return payload["version"], payload["own"], horizon, payload["state"]


def _payload(store: Store, name: str) -> dict[str, Any] | None:
    stored = _stored(store, name)
    return stored[1] if stored is not None else None


def _stored(store: Store, name: str) -> tuple[bytes, dict[str, Any]] | None:
    """The newest snapshot's text (decrypted) and its parsed payload, or None."""
    return _parsed(_text(store, name))


def _text(store: Store, name: str) -> bytes | None:
    """The newest snapshot's text (decrypted), or None."""
    recorder = store.snapshot_recorder()
    if recorder is None:
        return None
    try:
        rows = recorder.select_events(snapshot_stream(name), desc=True, limit=1)
        if not rows:
            return None
        state = rows[0].state
        if store.mapper.cipher is not None:
            state = store.mapper.cipher.decrypt(state)
        return bytes(state)
    except Exception:  # a cache: anything wrong with it means "replay in full"
        return None


def _parsed(text: bytes | None) -> tuple[bytes, dict[str, Any]] | None:
    """The text and its parsed payload, or None (no text, or not a JSON object)."""
    if text is None:
        return None
    try:
        payload = json.loads(text)
        assert isinstance(payload, dict)
        return text, payload
    except Exception:  # a cache: anything wrong with it means "replay in full"
        return None


def own_chain(store: Store, name: str, own: int) -> str | None:
    """The chain value stored with the branch's own event ``own`` (genesis for 0)."""
    if own == 0:
        return GENESIS
    recorder = store.recorder
    if recorder is None:
        return None
    try:
        rows = recorder.select_events(branch_stream(name), gt=own - 1, limit=1)
        if not rows or rows[0].originator_version != own:
            return None
        return store.mapper.unwrap(rows[0])[0]
    except Exception:
        return None


def _last_recorded(store: Store, name: str, own: int) -> str | None:
    """When the snapshot's last own event was recorded (ISO), for ``--as-known-at``."""
    recorder = store.recorder
    if own == 0 or recorder is None:
        return None
    try:
        rows = recorder.select_events(branch_stream(name), gt=own - 1, limit=1)
        model = store.mapper.to_model(rows[0]).model
        assert isinstance(model, ev.Event)
        return model.recorded.isoformat()
    except Exception:
        return None


def check(store: Store, name: str, load: Callable[[str], BranchLog]) -> str | None:
    """``verify``'s question: do the branch's checkpoints and its newest snapshot equal
    a fresh fold of the events they claim to hold? The problem in one line, or None
    (also when there is none, or it no longer matches the chain and so is ignored
    anyway). The branch is read (``load``) only when there is something to check, and
    folded once for all of them; a checkpoint at the snapshot's version shares its dump.

    A snapshot row as :func:`take` writes it is checked from its header alone (the five
    fields before its state) and the bytes of the row: parsing the whole 12 MB row of a
    state of 50,000 posts cost 0.25 s of ``verify`` only to read those five fields. Any
    other row (written another way, edited, the header not those five fields in that
    order) is parsed whole, as ``show`` parses it, and checked as before."""
    text = _text(store, name)
    fields = _head(text) if text is not None else None
    if text is not None and fields is not None:
        problem = _check(store, name, load, text, fields)
        if problem is not _REREAD:
            return problem
        # the header alone cannot tell (the row is not the writer's text): read it whole
    stored = _parsed(text)
    if stored is None:
        from orgsim.store import checkpoint_check

        return checkpoint_check.check(store, name, load)
    return _check(store, name, load, stored[0], stored[1])


#: what :func:`_check` answers, given a row's header alone, when only the whole row can
#: tell (it is not the writer's text byte for byte): an answer, not an exception, so that
#: nothing between here and the fold that calls back can swallow it
_REREAD = "(the snapshot is to be checked from its whole row)"


def _bound(store: Store, name: str, payload: dict[str, Any]) -> bool:
    """Whether the snapshot still stands on its branch: its own event ``own`` exists and
    carries the chain value it recorded (a position that does not exist binds nothing,
    whatever the row says its chain was)."""
    own = payload.get("own")
    if type(own) is not int:
        return False
    chain = own_chain(store, name, own)
    return chain is not None and payload.get("chain") == chain


def _check(
    store: Store,
    name: str,
    load: Callable[[str], BranchLog],
    text: bytes,
    payload: dict[str, Any],
) -> str | None:
    """:func:`check` of the snapshot row ``text``, given its fields (``payload``: the whole
    row parsed, or only its header; then for a row that is not :func:`take`'s text byte
    for byte the answer is :data:`_REREAD`)."""
    from orgsim.store import checkpoint_check

    if not _bound(store, name, payload):
        if "state" not in payload:
            return _REREAD
        return checkpoint_check.check(store, name, load)
    version = payload["version"]
    if type(version) is not int:
        return f"its snapshot's version is not a number (edited?): {version!r}"
    if version > load(name).version:
        return (
            f"its snapshot claims version {version}, past the branch's {load(name).version} events"
        )
    problem = _header_problem(store, name, load(name), payload)
    if problem is not None:
        return problem

    def same(fresh: bytes) -> str | None:  # the text of the fresh state's dump
        # the row as :func:`take` writes it around that text, byte for byte (then its
        # state is that text's); else (written another way) its state equal as JSON
        fields = {k: payload.get(k) for k in _FIELDS}
        if text == _row(fields, fresh):
            return None
        if "state" not in payload:
            return _REREAD
        if payload["state"] != json.loads(fresh):
            return (
                f"its snapshot at version {version} does not match its events (edited?): "
                "delete it; until then it is trusted by show"
            )
        return None

    return checkpoint_check.check(store, name, load, (version, same))


def _header_problem(
    store: Store, name: str, branch: BranchLog, payload: dict[str, Any]
) -> str | None:
    """Whether the snapshot's other fields say what its events say: ``show`` trusts them
    all — ``own`` to find the events after it, ``horizon`` to decide which dates it may
    answer, ``recorded`` which ``--as-known-at`` times — so an edited one (an earlier
    horizon makes it answer dates its state does not hold) is as wrong as an edited state."""
    version, own = payload["version"], payload["own"]
    dated = [i.event.effective for i in branch.log[:version] if i.event.effective != ev.UNDATED]
    horizon = max(dated).isoformat() if dated else None
    # no recorded time (snapshots written before it was kept) answers no --as-known-at
    recorded = payload.get("recorded")
    if (
        not 0 <= own == version - branch.fork_length
        or payload.get("horizon") != horizon
        or (recorded is not None and recorded != _last_recorded(store, name, own))
    ):
        return (
            f"its snapshot at version {version} misstates its own events, horizon or "
            "recorded time (edited?): delete it; until then it is trusted by show"
        )
    return None


#: a snapshot row's fields before its state, in the order :func:`take` writes them
_FIELDS = ("version", "own", "chain", "recorded", "horizon")
_STATE_KEY = b',"state":'


def _head(text: bytes) -> dict[str, Any] | None:
    """The five fields of a snapshot row written by :func:`take` (its text up to the
    state's key), or None when the row does not start so. The first ``,"state":`` is
    the row's own key: inside a JSON string a quote is always escaped, and the fields
    before it are plain values (checked: exactly those five, in that order)."""
    cut = text.find(_STATE_KEY)
    if cut < 0:
        return None
    try:
        head = json.loads(text[:cut] + b"}")
    except ValueError:
        return None
    if not isinstance(head, dict) or tuple(head) != _FIELDS:
        return None
    if any(isinstance(value, dict | list) for value in head.values()):
        return None
    return head


def _row(fields: dict[str, Any], state: bytes) -> bytes:
    """A snapshot row's text: ``json.dumps({**fields, "state": ...}, separators=(",",
    ":"))``'s, byte for byte, around the state's text (:func:`state_text`)."""
    head = json.dumps(fields, separators=(",", ":")).encode("utf-8")
    return b"".join((head[:-1], b',"state":', state, b"}"))


def take(
    store: Store,
    name: str,
    version: int,
    own: int,
    horizon: dt.date | None,
    state: OrgState,
    log: Sequence[Logged] | None = None,
    marks: Mapping[int, str] | None = None,
) -> None:
    """Store ``state`` (the full log up to ``version`` folded; ``own`` of those events
    are the branch's own, the rest inherited) as a snapshot. ``log``: that full log, as
    the caller holds it, so that the checkpoints need not read it back; ``marks``: the
    states its fold kept for them (:func:`orgsim.store.checkpoint_upkeep.extend`)."""
    recorder = store.snapshot_recorder()
    if recorder is None:
        return
    fields = {
        "version": version,
        "own": own,
        "chain": own_chain(store, name, own),
        "recorded": _last_recorded(store, name, own),
        "horizon": horizon.isoformat() if horizon else None,
    }
    kept = marks.get(version) if marks else None
    # the writer's fold kept this very state's text for the checkpoint at this version
    # (a log whose length is a multiple of the spacing): the same bytes as dumping it
    # here, the posts created by the whole log being every post it knows (0.4 s at 500k)
    text = kept.encode("ascii") if kept is not None else dump_text(state)
    body = _row(fields, text)
    if store.mapper.cipher is not None:
        body = store.mapper.cipher.encrypt(body)
    with contextlib.suppress(Exception):
        recorder.insert_events([StoredEvent(snapshot_stream(name), version, TOPIC, body)])
    from orgsim.store import checkpoint_upkeep

    with contextlib.suppress(Exception):  # a cache: failing to extend it loses nothing
        checkpoint_upkeep.extend(
            store, name, length=version, log=log, inherited=version - own, marks=marks
        )


def maybe_take(
    store: Store,
    name: str,
    version: int,
    own: int,
    horizon: dt.date | None,
    state: OrgState,
    log: Sequence[Logged] | None = None,
    marks: Mapping[int, str] | None = None,
) -> bool:
    last = latest(store, name)
    if version - (last[0] if last else 0) < SNAPSHOT_EVERY:
        return False
    take(store, name, version, own, horizon, state, log, marks)
    return True


def structure_from_snapshot(
    store: Store, name: str, at: dt.date, known_at: dt.datetime | None = None
) -> Structure | None:
    """The structure at ``at`` (as known at ``known_at``) from the newest snapshot and
    the events after it, or None when no snapshot can answer (then the caller replays the
    full log). As known at T, a snapshot answers when every event it holds was recorded
    by T: recorded order is log order, so it holds a prefix of what was known at T."""
    with gc_paused():
        return _from_snapshot(store, name, at, known_at)


def _from_snapshot(
    store: Store, name: str, at: dt.date, known_at: dt.datetime | None
) -> Structure | None:
    snap = latest(store, name)
    if snap is None:
        return None
    version, own, horizon, data = snap
    if horizon is not None and at < horizon:
        return None
    if known_at is not None:
        recorded = (_payload(store, name) or {}).get("recorded")
        if recorded is None or dt.datetime.fromisoformat(recorded) > known_at:
            return None
    fork_length = version - own
    tail_rows = store.select(branch_stream(name), gt=own)
    tail = []
    for row in tail_rows:
        decoded = store.mapper.to_model(row)
        assert isinstance(decoded.model, ev.Event)
        tail.append(Logged(fork_length + decoded.position, decoded.model))
    known = [i for i in tail if known_at is None or i.event.recorded <= known_at]
    # Undated events (grade scheme, policy) replace what they set, so applying them after
    # the snapshot gives what a full replay gives; a dated event before the horizon does not.
    if horizon is not None and any(ev.UNDATED < i.event.effective < horizon for i in known):
        return None
    state = load_state(data)
    for item in tail:
        if type(item.event) is ev.PostCreated:
            state.known_posts.add(item.event.post)
    fold(state, sorted(known, key=timeline_key), at)
    return Structure.from_state(name, at, state)
