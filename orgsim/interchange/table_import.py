"""The ``import table`` use case: read an HR extract, plan its events, append all or nothing.

Split from the reader and the planner so that each reads on its own page: this module
only sequences them (read, compare with the branch at ``--effective``, refuse on
``--strict``, append through the runner's one append path, which folds the whole
timeline first so an invariant broken anywhere writes nothing) and reports.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orgsim.domain.state import OrgState
from orgsim.interchange.import_base import (
    BaseReport,
    Findings,
    Planned,
    Progress,
    plan_and_apply,
)
from orgsim.interchange.table import read_grid
from orgsim.interchange.table_extract import Extract, ExtractReader
from orgsim.interchange.table_map import load_map
from orgsim.interchange.table_plan import TablePlan, plan_table
from orgsim.store.branches import BranchLog
from orgsim.store.recorder import Store


@dataclass
class TableReport(BaseReport):
    extract: Extract
    plan: TablePlan

    def _findings(self) -> tuple[Findings, Planned]:
        return self.extract, self.plan

    def _source_json(self) -> dict[str, Any]:
        return {
            "file": Path(self.extract.file).name,
            "organisation": self.extract.organisation.id,
            "rows": self.extract.rows,
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
    :class:`~orgsim.interchange.import_base.ImportFailed` for ``--strict`` warnings and
    dates, and the runner's ``RunError`` when an event would break an invariant.
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

    recorded = now or dt.datetime.now(dt.UTC)

    def plan(state: OrgState, log: BranchLog | None) -> TablePlan:
        return plan_table(
            extract, state, branch=branch, effective=effective, recorded=recorded, actor=actor
        )

    created, planned, version = plan_and_apply(
        store,
        branch,
        extract,
        plan,
        effective=effective,
        what="extracts",
        strict=strict,
        dry_run=dry_run,
        actor=actor,
        progress=progress,
        timings=timings,
    )
    timings["total"] = time.perf_counter() - start
    return TableReport(
        branch,
        created,
        effective,
        dry_run,
        planned.events,
        version,
        extract,
        planned,
        timings=timings,
    )
