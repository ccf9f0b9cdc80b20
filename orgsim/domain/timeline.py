"""The effective-dated timeline of a branch: which events hold at a date, in what order.

A branch's log is in recorded order (its *version*), but the organisation changes in
effective-date order: a proposal recorded in October takes effect in April. The timeline
sorts by ``(effective, version)`` and folds; "what we knew at T" first drops every event
recorded after T. Both are pure functions of the log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from orgsim.domain import events as ev
from orgsim.domain.handlers import HANDLERS
from orgsim.domain.state import DomainError, OrgState

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Logged:
    """An event at its position in a branch's full log (inherited events first)."""

    version: int
    event: ev.Event


class ReplayError(DomainError):
    """An invariant broken while folding; names the offending log position."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a bulk load or fold.

    Loading and folding a long log allocates millions of small objects that all stay
    alive; every generation-2 collection would walk them all again for nothing (a
    500,000-event replay spent over a third of its time there). Nesting is safe: only the
    outermost pause re-enables collection.

    What survives the pause is frozen (:func:`gc.freeze`) before collection resumes:
    otherwise the first allocation after it collects every object the pause made (they
    are all still "young"), then again as they age — 0.3 s of a 0.9 s ``show --at`` at
    50,000 posts. Frozen objects are still freed by reference counting as usual; the next
    pause unfreezes them, so cyclic garbage among them (a long-running server's) is still
    found by a later full collection, only later.
    """
    if not gc.isenabled():
        yield
        return
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _key(item: Logged) -> tuple[dt.date, int]:
    return (item.event.effective, item.version)


class Timeline:
    """A branch's log, ordered for folding. Immutable once built."""

    def __init__(self, log: Iterable[Logged]) -> None:
        with gc_paused():
            self.log: list[Logged] = list(log)
            self.ordered: list[Logged] = sorted(self.log, key=_key)
            self.known_posts: set[str] = {
                item.event.post for item in self.log if type(item.event) is ev.PostCreated
            }

    @property
    def version(self) -> int:
        return self.log[-1].version if self.log else 0

    def latest_effective(self) -> dt.date | None:
        dated = [i.event.effective for i in self.log if i.event.effective != ev.UNDATED]
        return max(dated) if dated else None

    def state_at(
        self,
        at: dt.date | None = None,
        known_at: dt.datetime | None = None,
        up_to_version: int | None = None,
    ) -> OrgState:
        """The organisation at effective date ``at`` (default: everything).

        ``known_at`` ignores events recorded after that time; ``up_to_version`` ignores
        events after that log position (audit replays "as recorded before a decision").
        """
        with gc_paused():
            state = OrgState(set(self.known_posts))
            fold(state, self.ordered, at, known_at, up_to_version)
            if at is not None:
                self._all_recorded_matches(state, known_at, up_to_version)
        return state

    def _all_recorded_matches(
        self, state: OrgState, known_at: dt.datetime | None, up_to_version: int | None
    ) -> None:
        """Job matches are not dated: a match counts from when it is recorded, whatever
        its effective date (SPEC 5: "as recorded before that decision ... whatever their
        effective dates"). Rebuild them in log order, the order they were recorded."""
        from orgsim.domain.state import Match

        matches: dict[tuple[str, str], Match] = {}
        for item in self.log:
            event = item.event
            if type(event) is not ev.JobMatchAssessed:
                continue
            if up_to_version is not None and item.version > up_to_version:
                break
            if known_at is not None and event.recorded > known_at:
                continue
            matches[(event.old, event.new)] = Match.from_event(event, item.version, event.recorded)
        state.matches = matches

    def with_appended(self, new: Sequence[ev.Event]) -> Timeline:
        start = self.version
        return Timeline([*self.log, *(Logged(start + i + 1, e) for i, e in enumerate(new))])


def fold(
    state: OrgState,
    ordered: Sequence[Logged],
    at: dt.date | None = None,
    known_at: dt.datetime | None = None,
    up_to_version: int | None = None,
) -> OrgState:
    """Apply events in timeline order; stop after ``at``. Raises ReplayError."""
    if known_at is None and up_to_version is None:
        return _fold_all(state, ordered, at)
    apply = state.apply
    for item in ordered:
        event = item.event
        if at is not None and event.effective > at:
            break
        if known_at is not None and event.recorded > known_at:
            continue
        if up_to_version is not None and item.version > up_to_version:
            continue
        try:
            apply(event, item.version)
        except DomainError as error:
            raise ReplayError(str(error), item.version) from None
    return state


def _fold_all(state: OrgState, ordered: Sequence[Logged], at: dt.date | None) -> OrgState:
    """:func:`fold` with no filter but the date: ``OrgState.apply`` inlined (the
    handler by type, the event's clocks), as a full replay applies every event.

    Touches no more of each event than it must: the fold is memory-bound (a 500,000-event
    replay visits objects scattered over a gigabyte), and storing each event's
    ``recorded`` on the state, which no handler needs (a handler has the event), touched
    one more cold object per event: 5% of the fold."""
    handlers = HANDLERS
    version, latest = state.version, state.at
    try:
        for item in ordered:
            event = item.event
            effective = event.effective
            if at is not None and effective > at:
                break
            state._current_version = item.version
            try:
                handlers[type(event)](state, event)
            except DomainError as error:
                raise ReplayError(str(error), item.version) from None
            if item.version > version:
                version = item.version
            if effective > latest:
                latest = effective
    finally:
        state.version, state.at = version, latest
    return state


def fold_each(
    timelines: Sequence[Timeline],
    at: dt.date | None,
    known_at: dt.datetime | None,
    use: Callable[[int, OrgState], T],
) -> list[T]:
    """``[use(i, timelines[i].state_at(at, known_at)) ...]``, folding a shared prefix once.

    A fork copies no events, so a branch's log starts with its parent's: when one
    timeline's log is another's plus more entries (the same event objects, the same
    numbering) and those extra entries all sort after what is folded, the longer one's
    state is the shorter one's with the extra entries folded on. Timelines are folded
    shortest first; ``use`` must finish with each state before it returns (the state is
    then folded further). Results come back in the order given.
    """
    order = sorted(range(len(timelines)), key=lambda i: len(timelines[i].log))
    results: dict[int, T] = {}
    previous: Timeline | None = None
    state: OrgState | None = None
    with gc_paused():
        for index in order:
            timeline = timelines[index]
            if (
                previous is None
                or state is None
                or not _continue(previous, timeline, state, at, known_at)
            ):
                state = timeline.state_at(at, known_at)
            else:
                rest = [i for i in timeline.ordered if i.version > previous.version]
                fold(state, rest, at, known_at)
                state.known_posts |= timeline.known_posts
                if at is not None:
                    timeline._all_recorded_matches(state, known_at, None)
            results[index] = use(index, state)
            previous = timeline
    return [results[i] for i in range(len(timelines))]


def _continue(
    shorter: Timeline,
    longer: Timeline,
    state: OrgState,
    at: dt.date | None,
    known_at: dt.datetime | None,
) -> bool:
    """Whether ``longer``'s state is ``state`` (``shorter``'s) with its extra entries
    folded on: same prefix, and every extra entry that counts sorts after the folded."""
    head = shorter.log
    if len(longer.log) < len(head):
        return False
    for a, b in zip(head, longer.log, strict=False):
        if a.event is not b.event or a.version != b.version:
            return False
    for item in longer.log[len(head) :]:
        event = item.event
        if at is not None and event.effective > at:
            continue
        if known_at is not None and event.recorded > known_at:
            continue
        if event.effective < state.at:
            return False
    return True
