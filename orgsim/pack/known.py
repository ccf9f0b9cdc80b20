"""Reading the store as it stood at a recorded time: the pack that could have been issued
then (``pack --as-known-at TIME``).

:class:`KnownAtReader` is a :class:`~orgsim.store.branches.BranchReader` that keeps, of
each branch's own events, only those recorded at or before the time (a branch's stream
is appended in recorded order, so that is a prefix), and refuses a branch registered
after it. Everything the pack builds (read models, outcomes, the audit's verdicts, the
timetable, the chain heads of the footer) then comes from exactly what was known; the
footer's chain head is the branch's head at that time.
"""

from __future__ import annotations

import datetime as dt

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged
from orgsim.pack.document import PackError
from orgsim.store.branches import BranchLog, BranchReader, inherited_part
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import Store


class KnownAtReader(BranchReader):
    def __init__(self, store: Store, known_at: dt.datetime) -> None:
        super().__init__(store)
        self.known_at = known_at

    def load(self, name: str) -> BranchLog:
        if name in self._cache:
            return self._cache[name]
        info = self.info(name)
        if info.created > self.known_at:
            raise PackError(
                f"branch {name!r} was created at {info.created.isoformat(timespec='seconds')}, "
                f"after {self.known_at.isoformat(timespec='seconds')}: it was not known then"
            )
        inherited: list[Logged] = []
        if info.parent is not None:
            inherited = inherited_part(self.load(info.parent).log, info)
        decoded = [
            row
            for row in self.store.own_events(name)
            if isinstance(row.model, ev.Event) and row.model.recorded <= self.known_at
        ]
        start = len(inherited)
        own = []
        for n, row in enumerate(decoded, start=1):
            assert isinstance(row.model, ev.Event)
            own.append(Logged(start + n, row.model))
        branch = BranchLog(
            info, inherited, own, len(decoded), decoded[-1].chain if decoded else GENESIS
        )
        self._cache[name] = branch
        return branch
