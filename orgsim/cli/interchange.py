"""Import and export: ``orgsim import organogram``, ``orgsim import table``, ``orgsim export``."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from orgsim.cli.app import (
    app,
    console,
    err_console,
    fail,
    json_option,
    parse_date,
    print_json,
    settings,
)
from orgsim.output import check_target

if TYPE_CHECKING:  # rich is imported only when a bar is shown
    from rich.progress import Progress, TaskID

    from orgsim.interchange.import_base import BaseReport

FORMATS = ("organogram", "popolo", "csv")


@app.group(name="import")
def import_group() -> None:
    """Import a published structure into a branch."""


class _Progress:
    """A Rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def stage(self, description: str, total: int | None) -> Callable[[int], None]:
        if self.bar is None:
            return lambda n: None
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total or 0)
        self.task = self.bar.add_task(description, total=total)
        task, bar = self.task, self.bar
        return lambda n: bar.advance(task, n)


R = TypeVar("R", bound="BaseReport")


def _run_import(
    run: Callable[[Callable[[str, int | None], Callable[[int], None]]], R],
    errors: type[Exception] | tuple[type[Exception], ...],
    json_out: bool,
) -> R | None:
    """Run an importer under a progress bar; print its warnings, then JSON or its notes.

    ``errors`` are the reader's own bad-input errors (one line, exit 2). Returns the
    report for the caller's summary, or None when the JSON document was printed.
    """
    from orgsim.interchange.import_base import ImportFailed

    with _Progress(sys.stderr.isatty() and not json_out) as progress:
        try:
            report = run(progress.stage)
        except errors as error:
            fail(str(error))
        except ImportFailed as error:
            for warning in error.warnings:
                err_console.print(f"orgsim: warning: {warning}", markup=False, soft_wrap=True)
            fail(str(error))
    for warning in report.warnings:
        err_console.print(f"orgsim: warning: {warning}", markup=False, soft_wrap=True)
    if json_out:
        print_json(report.to_json())
        return None
    for note in report.notes:
        err_console.print(f"orgsim: note: {note}", markup=False, soft_wrap=True)
    return report


def _print_summary(report: BaseReport, read: str) -> None:
    """The one-line summary after ``read`` (what was read), then the counts by event."""
    shape = report.structure
    verb = "would write" if report.dry_run else "wrote"
    action = "new branch" if report.created else "branch"
    console.print(
        f"{read} -> {shape['units']} units, "
        f"{shape['posts']} posts, {shape['holders']} holders; {verb} {len(report.events)} "
        f"events to {action} {report.branch} (effective {report.effective}), "
        f"{'would be' if report.dry_run else 'now'} at version {report.version}; "
        f"{len(report.warnings)} warning(s) in {report.timings['total']:.2f}s",
        markup=False,
        soft_wrap=True,
    )
    if report.events:
        counts = ", ".join(f"{n} {name}" for name, n in report.counts().items())
        console.print(f"  {counts}", markup=False, soft_wrap=True)


@import_group.command(name="organogram")
@click.argument("senior", type=click.Path(dir_okay=False))
@click.argument("junior", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--branch", "-b", "branch", required=True, help="Branch to import into (created when missing)."
)
@click.option(
    "--effective",
    default=None,
    metavar="DATE",
    help="Release date, YYYY-MM-DD (default: the date in the senior file's name).",
)
@click.option(
    "--strict", is_flag=True, help="Treat every warning as an error (exit 2, nothing written)."
)
@click.option("--dry-run", is_flag=True, help="Plan and validate; write nothing.")
@click.option(
    "--names", is_flag=True, help="Show holders' names in the list of looser name matches."
)
@json_option
def organogram(
    senior: str,
    junior: str | None,
    branch: str,
    effective: str | None,
    strict: bool,
    dry_run: bool,
    names: bool,
    json_out: bool,
) -> None:
    """Import a UK government organogram (data.gov.uk senior and junior staff CSVs).

    A first import creates the organisation; importing a later release onto the same
    branch records the difference as restructure events (posts created, deleted, moved,
    retitled, regraded; holders joining, moving and leaving). Re-importing the same
    release writes nothing.
    """
    from orgsim.interchange.importer import import_organogram
    from orgsim.interchange.organogram import OrganogramError

    day = parse_date(effective, "--effective")
    for path in (senior, junior):
        if path is not None and not Path(path).is_file():
            fail(f"no such file: {path}")
    report = _run_import(
        lambda stage: import_organogram(
            settings().store(),
            branch,
            senior,
            junior,
            effective=day,
            strict=strict,
            dry_run=dry_run,
            progress=stage,
        ),
        OrganogramError,
        json_out,
    )
    if report is None:
        return
    for match in report.plan.name_matches:
        # a holder kept although the file spells the name differently: say so, so that
        # a wrong match can be caught (names only with --names: they are personal data)
        said = f": {match['recorded']!r} taken as {match['file']!r}" if names else ""
        err_console.print(
            f"orgsim: note: post {match['post']}: holder {match['person']} kept by a looser "
            f"name match{said}",
            markup=False,
            soft_wrap=True,
        )
    rows = report.release.rows
    _print_summary(
        report, f"{Path(senior).name}: {rows['senior']} senior + {rows['junior']} junior rows"
    )


@import_group.command(name="table")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--map", "map_file", required=True, metavar="MAP.yaml", help="Which column holds what."
)
@click.option(
    "--branch", "-b", "branch", required=True, help="Branch to import into (created when missing)."
)
@click.option("--effective", required=True, metavar="DATE", help="Date of the extract, YYYY-MM-DD.")
@click.option(
    "--sheet", default=None, metavar="NAME", help="Sheet of an Excel file (default: the first)."
)
@click.option(
    "--strict", is_flag=True, help="Treat every warning as an error (exit 2, nothing written)."
)
@click.option("--dry-run", is_flag=True, help="Plan and validate; write nothing.")
@json_option
def table(
    file: str,
    map_file: str,
    branch: str,
    effective: str,
    sheet: str | None,
    strict: bool,
    dry_run: bool,
    json_out: bool,
) -> None:
    """Import an HR extract (CSV or .xlsx, one row per post or per assignment).

    The map names the column of each field (post, title, grade, unit_path or unit,
    reports_to, fte, cost, person, person_name, person_fte, assignment...). Source ids
    are kept exactly. A first import creates the organisation; a later extract onto the
    same branch records the difference at --effective; the same extract twice writes
    nothing. Problem rows are warned about as FILE:ROW: cause.
    """
    from orgsim.interchange.table import TableError
    from orgsim.interchange.table_import import import_table
    from orgsim.interchange.table_map import MapError

    day = parse_date(effective, "--effective")
    assert day is not None
    if not Path(file).is_file():
        fail(f"no such file: {file}")
    report = _run_import(
        lambda stage: import_table(
            settings().store(),
            branch,
            file,
            map_file,
            effective=day,
            sheet=sheet,
            strict=strict,
            dry_run=dry_run,
            progress=stage,
        ),
        (MapError, TableError),
        json_out,
    )
    if report is not None:
        _print_summary(report, f"{Path(file).name}: {report.extract.rows} rows")


@app.command(name="export")
@click.option("--branch", "-b", "branch", required=True, help="Branch name.")
@click.option(
    "--at", "at", default=None, metavar="DATE", help="Effective date, YYYY-MM-DD (default: today)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="organogram (data.gov.uk senior + junior CSVs), popolo (JSON) or csv (one "
    "row per post). Default: popolo for .json files, else organogram.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    metavar="FILE",
    help="Output file ('-' for stdout with popolo and csv). The organogram format "
    "also writes the junior file next to it.",
)
def export_command(branch: str, at: str | None, fmt: str | None, output: str) -> None:
    """Export a branch's structure at a date."""
    from orgsim.interchange.export import export
    from orgsim.store.branches import BranchReader

    day = parse_date(at, "--at") or dt.date.today()
    if fmt is None:
        fmt = "popolo" if output.lower().endswith(".json") else "organogram"
    if output != "-":
        check_target(Path(output))
    log = BranchReader(settings().store()).load(branch)
    try:
        result = export(log, day, fmt, output)
    except ValueError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    if output == "-":
        sys.stdout.write(result["text"])
        return
    console.print(
        f"wrote {', '.join(result['files'])} ({fmt}, {branch} at {day})",
        markup=False,
        soft_wrap=True,
    )
