"""The states of several branches at one date, a shared prefix folded once (``compare``).

A fork copies no events: a branch and a fork of it at its head hold the same log up to
the fork. Rather than load a checkpoint for each (:func:`orgsim.store.checkpoints.state_at`),
the fork's state is its parent's with its own events folded on, whenever that is exactly
what a fresh fold would give.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from orgsim.domain.state import OrgState
from orgsim.store import checkpoints as cp
from orgsim.store.log_pieces import _layout
from orgsim.store.recorder import Store

_T = TypeVar("_T")


def each_state_at(
    store: Store,
    names: Sequence[str],
    at: dt.date,
    known_at: dt.datetime | None,
    use: Callable[[int, OrgState], _T],
) -> dict[int, _T]:
    """``use(i, state_at(store, names[i], at, known_at))`` for each name the checkpoints
    answer, by index (the caller replays the others), folding a shared prefix once.

    A fork copies no events, so a fork's log is its parent's up to the fork and then its
    own. When one branch's log is another's plus more entries, and every extra entry
    that counts sorts after what is folded, the longer one's state is the shorter one's
    with those entries folded on (:func:`orgsim.domain.timeline.fold_each` decides the
    same on whole timelines). ``compare`` of a branch and a fork of it at its head then
    reads and loads one checkpoint, not two: at 50,000 posts a second ``state_at`` is
    ~0.4 s CPU (reading the 12 MB row 0.03 s, ``json.loads`` 0.10 s, ``load_state``
    0.20 s, the rest its layout and stretch), the fork's own events cost next to
    nothing. Shortest log first; ``use`` must be done with each state when it returns
    (it is then folded on for the next branch): no state is ever seen by two branches.
    """
    if store.snapshot_recorder() is None or store.recorder is None:
        return {}
    registry = store.branches()
    layouts: list[list[cp.Piece] | None] = []
    for name in names:
        try:
            layouts.append(_layout(store, registry, name, {}))
        except cp._Unusable:
            layouts.append(None)  # a date fork: answered on its own
    results: dict[int, _T] = {}
    state: OrgState | None = None
    held: list[cp.Piece] = []  # the layout of the log ``state`` holds
    heads = [pieces[-1].last if pieces else 0 for pieces in layouts]
    for i in sorted(range(len(names)), key=heads.__getitem__):
        pieces = layouts[i]
        if (
            state is None
            or pieces is None
            or not _fold_on(store, state, held, pieces, at, known_at)
        ):
            held = []
            state = cp.state_at(store, names[i], at, known_at, held)
            if state is None:
                continue
        else:
            held = pieces
        results[i] = use(i, state)
    return results


def _fold_on(
    store: Store,
    state: OrgState,
    held: list[cp.Piece],
    pieces: list[cp.Piece],
    at: dt.date,
    known_at: dt.datetime | None,
) -> bool:
    """Fold onto ``state`` (which holds the log laid out as ``held``) the rest of the log
    laid out as ``pieces``, as :func:`orgsim.store.checkpoints.state_at` folds a stretch after a checkpoint;
    False, with the state untouched, unless that gives the state of the longer log."""
    n = len(held)
    if not n or len(pieces) < n or not all(p.branch for p in held):
        return False  # nothing held, or what a date fork inherited (not read by version)
    last, same = held[-1], pieces[n - 1]
    if held[:-1] != pieces[: n - 1] or last.last > same.last:
        return False
    if (last.branch, last.first, last.offset) != (same.branch, same.first, same.offset):
        return False
    try:
        entries = cp._read(store, pieces, last.last, pieces[-1].last)
    except cp._Unusable:
        return False
    counted = [
        i
        for i in entries
        if i.event.effective <= at and (known_at is None or i.event.recorded <= known_at)
    ]
    if any(i.event.effective < state.at for i in counted):
        return False  # it would sort among what is folded: only a fresh fold is right
    cp.fold_stretch(state, dict(state.matches), entries, counted, at, known_at)
    return True
