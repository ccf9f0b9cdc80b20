"""The branch as a script's earlier steps leave it, kept up to date step by step.

A ``match`` must name a known post, a ``consult`` a known post or unit, and ``slot``
folds the branch at its date with every earlier step. Rebuilding a :class:`Timeline`
for each of those re-sorted the whole log every time, so a long script was quadratic.
Here the log grows in place: each new event is inserted at its ``(effective, version)``
place with bisect (appended, in the usual case of steps in date order), and the
lookups are sets and counters updated as events arrive.

The fold is kept too. A ``slot`` step folded the whole branch to its date, and the
runner's final check folded it all again; a fold is a prefix of the timeline applied in
order, so one running state serves both: each request folds on from where the last one
stopped. It stays valid while every new event sorts after what is already folded (steps
in date order); an event dated before that point makes the next request replay from
the start, exactly as a fresh :meth:`Timeline.state_at` would.

The running fold also passes, on its way, the states the checkpoint upkeep stores after
the write (:mod:`orgsim.store.checkpoint_upkeep`: the fold of log versions 1..V at every
V-th version). Where the first V entries of the timeline are exactly versions 1..V
(steps in date order), the state there is that fold, event for event in the same order;
:class:`Marks` keeps it, encoded as the upkeep would store it, so the upkeep need not
fold the log a second time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections.abc import Iterable, Sequence

from orgsim.domain import events as ev
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, Timeline, created_posts, fold, gc_paused
from orgsim.domain.timeline import timeline_key as _key
from orgsim.store.state_text import dump_text


class Progress(Timeline):
    """A timeline that grows: the same ordering and fold as :class:`Timeline`.

    Unlike its base it is mutable, so it belongs to one run and is never shared.
    """

    def __init__(self, base: Timeline) -> None:
        super().__init__(())
        self.log = list(base.log)
        self.ordered = list(base.ordered)
        self.known_posts = set(base.known_posts)
        self.units: set[str] = set()
        self.consultations = 0
        for item in self.log:
            self._note(item.event)
        #: The running fold: ``ordered[:_folded]`` applied to ``_state`` (None: not
        #: started, or made stale by an event dated before what it holds).
        self._state: OrgState | None = None
        self._folded = 0
        #: The fold's own matches while the state is lent out with every recorded one.
        self._own_matches: dict[tuple[str, str], Match] | None = None
        #: States kept for the checkpoint upkeep (None: not wanted).
        self.marks: Marks | None = None

    def append(self, events: Iterable[ev.Event]) -> None:
        """Add events after the last version, each at its place on the timeline."""
        for event in events:
            item = Logged(self.version + 1, event)
            self.log.append(item)
            ordered = self.ordered
            if not ordered or ordered[-1].event.effective <= event.effective:
                ordered.append(item)  # the usual case, steps in date order: no search
            else:
                place = bisect.bisect_right(ordered, _key(item), key=_key)
                ordered.insert(place, item)
                if place < self._folded:
                    self._state = None  # dated before what is folded: replay when asked
            if type(event) is ev.PostCreated:
                self.known_posts.add(event.post)
            self._note(event)

    def _note(self, event: ev.Event) -> None:
        if type(event) is ev.UnitCreated:
            self.units.add(event.unit)
        elif type(event) is ev.ConsultationOpened:
            self.consultations += 1

    def state_at(
        self,
        at: dt.date | None = None,
        known_at: dt.datetime | None = None,
        up_to_version: int | None = None,
    ) -> OrgState:
        """As :meth:`Timeline.state_at`, folding on from the last request when it can.

        The state returned is the running one: it is valid until the next call (or
        :meth:`append` of an event it must include), and must not be changed.
        """
        if known_at is not None or up_to_version is not None:
            return super().state_at(at, known_at, up_to_version)
        state = self._running()
        ordered = self._folded
        if at is not None and ordered and self.ordered[ordered - 1].event.effective > at:
            return super().state_at(at)  # folded past this date already: a fresh fold
        stop = len(self.ordered)
        if at is not None:
            stop = bisect.bisect_right(self.ordered, at, lo=ordered, key=_effective)
        with gc_paused():
            try:
                if self.marks is not None:
                    self.marks.fold(state, self.ordered, ordered, stop)
                else:
                    fold(state, self.ordered[ordered:stop])
            except BaseException:
                self._state = None  # half applied: the next request replays
                raise
            self._folded = stop
            state.known_posts |= self.known_posts
            if at is not None:
                self._own_matches = state.matches
                self._all_recorded_matches(state, None, None)
        return state

    def _running(self) -> OrgState:
        """The running state with its own matches back (a dated request lends it out
        with every recorded match, as :meth:`Timeline.state_at` gives)."""
        state = self._state
        if state is None:
            self._state = state = OrgState(set(self.known_posts))
            self._folded = 0
            if self.marks is not None:
                self.marks.reset()  # what it kept was of a timeline since changed
        elif self._own_matches is not None:
            state.matches = self._own_matches
        self._own_matches = None
        return state


class Marks:
    """The states of one fold, from the start of a timeline, at every ``every``-th
    position p where its first p entries are exactly log versions 1..p.

    There the fold has applied versions 1..p in ``(effective, version)`` order: what the
    checkpoint upkeep applies to an empty state for its checkpoint at version p, one
    stretch after another, when every stretch sorts after the ones before it — which
    holds when it holds at each of them (the upkeep uses a state only when all earlier
    positions were kept too). The one difference is the seed of known posts (a fold is
    seeded with every post the log creates; the upkeep's state knows the posts created
    so far), so that list is the one of the posts created by the entries folded. Each
    state is encoded when kept (later events must not change it), as the upkeep stores
    a checkpoint state.
    """

    def __init__(self, every: int) -> None:
        self.every = every
        self.states: dict[int, str] = {}
        self.reset()

    def reset(self) -> None:
        """A new fold from the start of the timeline."""
        self.states.clear()
        self._at = 0
        self._top = 0
        self._created: set[str] = set()

    def fold(self, state: OrgState, ordered: Sequence[Logged], start: int, stop: int) -> None:
        """Fold ``ordered[start:stop]`` into ``state`` (which holds ``ordered[:start]``),
        keeping the states at the positions that qualify."""
        every = self.every
        if start != self._at:  # not the fold this began with: keep nothing more
            self.states.clear()
            self._at = -1
        at = start
        while at < stop:
            upto = min(stop, (at // every + 1) * every)
            chunk = ordered[at:upto]
            fold(state, chunk)
            if self._at >= 0:
                self._top = max(self._top, max(map(_version, chunk), default=0))
                self._created |= created_posts(chunk)
                self._at = upto
                if upto % every == 0 and self._top == upto:
                    self.states[upto] = self._encode(state)
            at = upto

    def _encode(self, state: OrgState) -> str:
        # the state's text with the posts created so far as its known posts, written
        # as the dump is made (:func:`dump_text`: 0.6x the time of dumping it whole)
        return dump_text(state, self._created).decode("ascii")


def fold_marked(timeline: Timeline, marks: Marks) -> OrgState:
    """``timeline.state_at()``, keeping ``marks`` on the way."""
    with gc_paused():
        state = OrgState(set(timeline.known_posts))
        marks.reset()
        marks.fold(state, timeline.ordered, 0, len(timeline.ordered))
    return state


def _effective(item: Logged) -> dt.date:
    return item.event.effective


_version = operator.attrgetter("version")
