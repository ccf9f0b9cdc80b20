"""The import service: read a release, plan its events, append them all or nothing."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.app.run import append_events
from orgsim.domain import events as ev
from orgsim.interchange.organogram import Release, read_organogram
from orgsim.interchange.reconcile import Plan, plan_import
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store


class ImportFailed(ValueError):
    """The import cannot go ahead (one line); nothing was written."""

    def __init__(self, message: str, warnings: list[str] | None = None) -> None:
        super().__init__(message)
        self.warnings = warnings or []


@dataclass
class ImportReport:
    branch: str
    created: bool
    effective: dt.date
    dry_run: bool
    events: list[ev.Event]
    version: int
    release: Release
    plan: Plan
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [*self.release.warnings, *self.plan.warnings]

    @property
    def notes(self) -> list[str]:
        return [*self.release.notes, *self.plan.notes]

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(type(e).__name__ for e in self.events).items()))

    def to_json(self) -> dict[str, Any]:
        junior = self.release.junior_file
        return {
            "branch": self.branch,
            "created": self.created,
            "effective": self.effective.isoformat(),
            "dry_run": self.dry_run,
            "organisation": self.plan.organisation,
            "files": {
                "senior": Path(self.release.senior_file).name,
                "junior": Path(junior).name if junior else None,
            },
            "encodings": self.release.encodings,
            "rows": self.release.rows,
            "structure": self.plan.structure,
            "events": len(self.events),
            "counts": self.counts(),
            "version": self.version,
            "warnings": self.warnings,
            "notes": self.notes,
            "name_matches": self.plan.name_matches,
            "unrecorded_changes": self.plan.unrecorded,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def date_from_filename(path: str | Path) -> dt.date | None:
    """``...-2013-09-30-senior.csv`` -> 2013-09-30 (the release date), if present."""
    match = _DATE_IN_NAME.search(Path(path).name)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def import_organogram(
    store: Store,
    branch: str,
    senior: str | Path,
    junior: str | Path | None = None,
    *,
    effective: dt.date | None = None,
    strict: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
) -> ImportReport:
    """Import one release onto ``branch`` (created when missing). All or nothing.

    ``progress(stage, total)`` may return a callback advanced as rows are read.
    Raises :class:`ImportFailed` (strict warnings, dates) or the reader's
    ``OrganogramError``; the runner's ``RunError`` when an invariant breaks.
    """
    timings: dict[str, float] = {}
    start = time.perf_counter()
    advance = None
    if progress is not None:
        total = _count_lines(senior) + (_count_lines(junior) if junior else 0)
        advance = progress("reading", total)
    release = read_organogram(senior, junior, advance)
    timings["read"] = time.perf_counter() - start
    effective = effective or date_from_filename(release.senior_file)
    if effective is None:
        raise ImportFailed(
            "--effective: give the release date (no date in the file name "
            f"{Path(release.senior_file).name!r})"
        )

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
                f"({latest}): import releases in date order"
            )
    state = log.timeline.state_at(effective) if log is not None else None
    if state is None:
        from orgsim.domain.state import OrgState

        state = OrgState()
    fresh = log is None or not log.log
    recorded = now or dt.datetime.now(dt.UTC)
    plan = plan_import(
        release,
        state,
        effective=effective,
        recorded=recorded,
        actor=actor,
        fresh=fresh,
        branch=branch,
    )
    timings["plan"] = time.perf_counter() - mark
    warnings = [*release.warnings, *plan.warnings]
    if strict and warnings:
        raise ImportFailed(
            f"--strict: {len(warnings)} warning(s), nothing written; first: {warnings[0]}", warnings
        )
    if progress is not None:
        progress("checking and writing", None)
    mark = time.perf_counter()
    version = log.version if log is not None else 0
    if plan.events:
        version = append_events(
            store, branch, plan.events, create=True, actor=actor, dry_run=dry_run, loaded=log
        )
    timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    return ImportReport(
        branch, not exists, effective, dry_run, plan.events, version, release, plan, timings
    )


def _count_lines(path: str | Path) -> int:
    try:
        with open(path, "rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    except OSError:
        return 0
