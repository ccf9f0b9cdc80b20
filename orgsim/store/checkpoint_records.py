"""What a checkpoint is, without its state: the records of :mod:`orgsim.store.checkpoints`.

Why a module of its own: the checkpoints' query, their upkeep and their check for
``verify`` all read these records (a checkpoint's :class:`Meta`, the :class:`Zone` of a
stretch of log it summarises, the :class:`Piece` of log a stream holds) and the streams
they are stored in; the query's logic lives in :mod:`orgsim.store.checkpoints`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from orgsim.domain import events as ev
from orgsim.domain.timeline import Logged
from orgsim.store.recorder import _NS

META_TOPIC = "CheckpointMeta.v1"
STATE_TOPIC = "CheckpointState.v1"


class _Unusable(Exception):
    """This checkpoint (or the whole cache) cannot answer: replay instead."""


def meta_stream(name: str) -> UUID:
    return uuid5(_NS, f"checkpoint-meta:{name}")


def state_stream(name: str) -> UUID:
    return uuid5(_NS, f"checkpoint-state:{name}")


@dataclass(frozen=True, slots=True)
class Piece:
    """Log versions ``first + 1 .. last`` of a branch's full log, stored in ``branch``'s
    own stream at positions ``version - offset``; or, with ``branch`` empty, what a date
    fork inherited: its parent's events up to the fork, filtered and renumbered, so not
    readable by version. ``anchors`` are the ``(stream, position)`` whose chain values
    bind what such a stretch was filtered from."""

    branch: str
    first: int
    last: int
    offset: int
    anchors: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Zone:
    """What the events at versions ``first + 1 .. last`` have in common."""

    first: int
    last: int
    min_effective: dt.date
    min_dated: dt.date | None
    max_dated: dt.date | None
    min_recorded: dt.datetime
    max_recorded: dt.datetime
    matches: int

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first,
            "last": self.last,
            "min_effective": self.min_effective.isoformat(),
            "min_dated": _iso(self.min_dated),
            "max_dated": _iso(self.max_dated),
            "min_recorded": self.min_recorded.isoformat(),
            "max_recorded": self.max_recorded.isoformat(),
            "matches": self.matches,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Zone:
        return cls(
            int(data["first"]),
            int(data["last"]),
            dt.date.fromisoformat(data["min_effective"]),
            _date(data["min_dated"]),
            _date(data["max_dated"]),
            dt.datetime.fromisoformat(data["min_recorded"]),
            dt.datetime.fromisoformat(data["max_recorded"]),
            int(data["matches"]),
        )

    def counts_nothing(self, at: dt.date, known_at: dt.datetime | None) -> bool:
        """No event here changes the state at ``at`` as known at ``known_at``."""
        if known_at is not None and self.min_recorded > known_at:
            return True
        return self.min_effective > at and self.matches == 0


@dataclass(frozen=True, slots=True)
class Meta:
    """One stored checkpoint, without its state."""

    branch: str
    position: int
    version: int
    horizon: dt.date | None
    max_recorded: dt.datetime | None
    bound: tuple[tuple[str, int, str], ...]
    zone: Zone | None
    #: the zone cut into :data:`PARTS` consecutive zones
    parts: tuple[Zone, ...] = ()
    #: how many events each date fork of the lineage inherited
    forks: tuple[tuple[str, int], ...] = ()


EMPTY = Meta("", 0, 0, None, None, (), None)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def summarise(entries: Sequence[Logged], first: int, last: int) -> Zone:
    """The zone of ``entries`` (the log's versions ``first + 1 .. last``, not empty)."""
    effective = [i.event.effective for i in entries]
    dated = [d for d in effective if d != ev.UNDATED]
    recorded = [i.event.recorded for i in entries]
    return Zone(
        first,
        last,
        min(effective),
        min(dated) if dated else None,
        max(dated) if dated else None,
        min(recorded),
        max(recorded),
        sum(1 for i in entries if type(i.event) is ev.JobMatchAssessed),
    )
