"""The ``import table`` use case: read an HR extract, plan its events, append all or nothing.

Split from the reader and the planner so that each reads on its own page: this module
only sequences them (read, compare with the branch at ``--effective``, refuse on
``--strict``, append through the runner's one append path, which folds the whole
timeline first so an invariant broken anywhere writes nothing) and reports.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgsim.app.run import append_events
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.interchange.importer import ImportFailed
from orgsim.interchange.table import read_grid
from orgsim.interchange.table_extract import Extract, ExtractReader
from orgsim.interchange.table_map import load_map
from orgsim.interchange.table_plan import TablePlan, plan_table
from orgsim.store.branches import BranchReader
from orgsim.store.recorder import Store

Progress = Callable[[str, int | None], Callable[[int], None]]


@dataclass
class TableReport:
    branch: str
    created: bool
    effective: dt.date
    dry_run: bool
    events: list[ev.Event]
    version: int
    extract: Extract
    plan: TablePlan
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [*self.extract.warnings, *self.plan.warnings]

    @property
    def notes(self) -> list[str]:
        return [*self.extract.notes, *self.plan.notes]

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(type(e).__name__ for e in self.events).items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "created": self.created,
            "effective": self.effective.isoformat(),
            "dry_run": self.dry_run,
            "file": Path(self.extract.file).name,
            "organisation": self.extract.organisation.id,
            "rows": self.extract.rows,
            "structure": self.plan.structure,
            "events": len(self.events),
            "counts": self.counts(),
            "version": self.version,
            "warnings": self.warnings,
            "notes": self.notes,
            "seconds": {k: round(v, 3) for k, v in self.timings.items()},
        }


def import_table(
    store: Store,
    branch: str,
    path: str | Path,
    map_path: str | Path,
    *,
    effective: dt.date,
    sheet: str | None = None,
    strict: bool = False,
    dry_run: bool = False,
    actor: str | None = None,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> TableReport:
    """Import one extract onto ``branch`` (created when missing). All or nothing.

    Raises :class:`~orgsim.interchange.table_map.MapError` or
    :class:`~orgsim.interchange.table.TableError` for input that cannot be read,
    :class:`ImportFailed` for ``--strict`` warnings and dates, and the runner's
    ``RunError`` when an event would break an invariant.
    """
    start = time.perf_counter()
    timings: dict[str, float] = {}
    table_map = load_map(map_path)
    if progress is not None:
        progress("reading", None)
    grid = read_grid(path, sheet)
    if progress is not None:
        advance = progress("reading rows", len(grid.rows))
        advance(len(grid.rows))
    extract = ExtractReader(grid, table_map).read()
    timings["read"] = time.perf_counter() - start

    mark = time.perf_counter()
    if progress is not None:
        progress("comparing with the branch", None)
    reader = BranchReader(store)
    exists = reader.exists(branch)
    log = reader.load(branch) if exists else None
    if log is not None:
        latest = log.timeline.latest_effective()
        if latest is not None and latest > effective:
            raise ImportFailed(
                f"--effective {effective} is before the latest change on branch {branch!r} "
                f"({latest}): import extracts in date order"
            )
    state = log.timeline.state_at(effective) if log is not None else OrgState()
    plan = plan_table(
        extract,
        state,
        branch=branch,
        effective=effective,
        recorded=now or dt.datetime.now(dt.UTC),
        actor=actor,
    )
    timings["plan"] = time.perf_counter() - mark
    warnings = [*extract.warnings, *plan.warnings]
    if strict and warnings:
        raise ImportFailed(
            f"--strict: {len(warnings)} warning(s), nothing written; first: {warnings[0]}", warnings
        )
    mark = time.perf_counter()
    if progress is not None:
        progress("checking and writing", None)
    version = log.version if log is not None else 0
    if plan.events:
        version = append_events(
            store, branch, plan.events, create=True, actor=actor, dry_run=dry_run, loaded=log
        )
    timings["write"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - start
    return TableReport(
        branch, not exists, effective, dry_run, plan.events, version, extract, plan, timings
    )
