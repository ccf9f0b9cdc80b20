"""What the two importers (organogram release, HR table) share: the report and the write.

Both read a source, compare it with the branch at ``--effective``, plan events, refuse on
``--strict`` and append through the runner's one append path, all or nothing. Only the
reading and the planning differ, so the rest is written once here; each importer passes
its planner in and adds its own fields to the report.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from orgsim.app.run import append_events
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.recorder import Store

Progress = Callable[[str, int | None], Callable[[int], None]]


class ImportFailed(ValueError):
    """The import cannot go ahead (one line); nothing was written."""

    def __init__(self, message: str, warnings: list[str] | None = None) -> None:
        super().__init__(message)
        self.warnings = warnings or []


class Findings(Protocol):
    """A source read or a plan made: what it warns about and notes."""

    @property
    def warnings(self) -> list[str]: ...

    @property
    def notes(self) -> list[str]: ...


class Planned(Findings, Protocol):
    """A plan: the events to append and the shape of the organisation they make."""

    @property
    def events(self) -> list[ev.Event]: ...

    @property
    def structure(self) -> dict[str, int]: ...


P = TypeVar("P", bound=Planned)


@dataclass
class BaseReport:
    """The part of an import report that does not depend on the source format."""

    branch: str
    created: bool
    effective: dt.date
    dry_run: bool
    events: list[ev.Event]
    version: int
    timings: dict[str, float] = field(default_factory=dict, kw_only=True)

    def _findings(self) -> tuple[Findings, Planned]:
        """The source read and the plan, in that order (warnings and notes come from both)."""
        raise NotImplementedError

    def _source_json(self) -> dict[str, Any]:
        """The source's own keys, between ``dry_run`` and ``structure``."""
        return {}

    def _extra_json(self) -> dict[str, Any]:
        """The format's own keys, between ``notes`` and ``seconds``."""
        return {}

    @property
    def structure(self) -> dict[str, int]:
        """Units, posts and holders of the organisation the plan makes."""
        return self._findings()[1].structure

    @property
    def warnings(self) -> list[str]:
        return [w for part in self._findings() for w in part.warnings]

    @property
    def notes(self) -> list[str]:
        return [n for part in self._findings() for n in part.notes]

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(type(e).__name__ for e in self.events).items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "created": self.created,
            "effective": self.effective.isoformat(),
            "dry_run": self.dry_run,
            **self._source_json(),
            "structure": self.structure,
            "events": len(self.events),
            "counts": self.counts(),
            "version": self.version,
            "warnings": self.warnings,
            "notes": self.notes,
            **self._extra_json(),
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def plan_and_apply(
    store: Store,
    branch: str,
    source: Findings,
    plan: Callable[[OrgState, BranchLog | None], P],
    *,
    effective: dt.date,
    what: str,
    strict: bool,
    dry_run: bool,
    actor: str | None,
    progress: Progress | None,
    timings: dict[str, float],
) -> tuple[bool, P, int]:
    """Plan ``source`` against ``branch`` at ``effective``; append the events, all or nothing.

    Returns (whether the branch was created, the plan, the branch's version after).

    ``what`` names the sources in the date-order error ("releases", "extracts").
    Fills ``timings["plan"]`` and ``timings["write"]``. Raises :class:`ImportFailed`
    for an out-of-order date or ``strict`` warnings, and the runner's ``RunError``
    when an event would break an invariant.
    """
    if progress is not None:
        progress("comparing with the branch", None)
    mark = time.perf_counter()
    reader = BranchReader(store)
    exists = reader.exists(branch)
    log = reader.load(branch) if exists else None
    if log is not None:
        latest = log.timeline.latest_effective()
        if latest is not None and latest > effective:
            raise ImportFailed(
                f"--effective {effective} is before the latest change on branch {branch!r} "
                f"({latest}): import {what} in date order"
            )
    state = log.timeline.state_at(effective) if log is not None else OrgState()
    planned = plan(state, log)
    timings["plan"] = time.perf_counter() - mark
    warnings = [*source.warnings, *planned.warnings]
    if strict and warnings:
        raise ImportFailed(
            f"--strict: {len(warnings)} warning(s), nothing written; first: {warnings[0]}", warnings
        )
    if progress is not None:
        progress("checking and writing", None)
    mark = time.perf_counter()
    version = log.version if log is not None else 0
    if planned.events:
        version = append_events(
            store, branch, planned.events, create=True, actor=actor, dry_run=dry_run, loaded=log
        )
    timings["write"] = time.perf_counter() - mark
    return not exists, planned, version
