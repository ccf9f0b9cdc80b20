"""The import service: read a release, plan its events, append them all or nothing."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgsim.domain.state import OrgState
from orgsim.interchange.import_base import (
    BaseReport,
    Findings,
    ImportFailed,
    Planned,
    Progress,
    plan_and_apply,
)
from orgsim.interchange.organogram import Release, read_organogram
from orgsim.interchange.reconcile import Plan, plan_import
from orgsim.store.branches import BranchLog
from orgsim.store.recorder import Store

__all__ = ["ImportFailed", "ImportReport", "date_from_filename", "import_organogram"]


@dataclass
class ImportReport(BaseReport):
    release: Release
    plan: Plan

    def _findings(self) -> tuple[Findings, Planned]:
        return self.release, self.plan

    def _source_json(self) -> dict[str, Any]:
        junior = self.release.junior_file
        return {
            "organisation": self.plan.organisation,
            "files": {
                "senior": Path(self.release.senior_file).name,
                "junior": Path(junior).name if junior else None,
            },
            "encodings": self.release.encodings,
            "rows": self.release.rows,
        }

    def _extra_json(self) -> dict[str, Any]:
        return {
            "name_matches": self.plan.name_matches,
            "unrecorded_changes": self.plan.unrecorded,
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
    progress: Progress | None = None,
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

    recorded = now or dt.datetime.now(dt.UTC)

    def plan(state: OrgState, log: BranchLog | None) -> Plan:
        fresh = log is None or not log.log
        return plan_import(
            release,
            state,
            effective=effective,
            recorded=recorded,
            actor=actor,
            fresh=fresh,
            branch=branch,
        )

    created, planned, version = plan_and_apply(
        store,
        branch,
        release,
        plan,
        effective=effective,
        what="releases",
        strict=strict,
        dry_run=dry_run,
        actor=actor,
        progress=progress,
        timings=timings,
    )
    timings["total"] = time.perf_counter() - start
    return ImportReport(
        branch,
        created,
        effective,
        dry_run,
        planned.events,
        version,
        release,
        planned,
        timings=timings,
    )


def _count_lines(path: str | Path) -> int:
    try:
        with open(path, "rb") as handle:
            return max(0, sum(1 for _ in handle) - 1)
    except OSError:
        return 0
