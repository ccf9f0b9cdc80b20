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
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from orgsim.domain import events as ev
from orgsim.domain.state import Match, OrgState
from orgsim.domain.timeline import Logged, Timeline, fold, gc_paused


def _key(item: Logged) -> tuple[dt.date, int]:
    return (item.event.effective, item.version)


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
        elif self._own_matches is not None:
            state.matches = self._own_matches
        self._own_matches = None
        return state


def _effective(item: Logged) -> dt.date:
    return item.event.effective
