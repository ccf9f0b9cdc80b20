"""The branch as a script's earlier steps leave it, kept up to date step by step.

A ``match`` must name a known post, a ``consult`` a known post or unit, and ``slot``
folds the branch at its date with every earlier step. Rebuilding a :class:`Timeline`
for each of those re-sorted the whole log every time, so a long script was quadratic.
Here the log grows in place: each new event is inserted at its ``(effective, version)``
place with bisect (appended, in the usual case of steps in date order), and the
lookups are sets and counters updated as events arrive.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged, Timeline


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

    def append(self, events: Iterable[ev.Event]) -> None:
        """Add events after the last version, each at its place on the timeline."""
        for event in events:
            item = Logged(self.version + 1, event)
            self.log.append(item)
            ordered = self.ordered
            if not ordered or ordered[-1].event.effective <= event.effective:
                ordered.append(item)  # the usual case, steps in date order: no search
            else:
                bisect.insort_right(ordered, item, key=_key)
            if type(event) is ev.PostCreated:
                self.known_posts.add(event.post)
            self._note(event)

    def _note(self, event: ev.Event) -> None:
        if type(event) is ev.UnitCreated:
            self.units.add(event.unit)
        elif type(event) is ev.ConsultationOpened:
            self.consultations += 1
