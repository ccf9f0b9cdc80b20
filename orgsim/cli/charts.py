"""Charts: the ``chart`` command (``diff`` and ``compare`` are in cli/changes.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from orgsim.cli.app import (
    UserError,
    app,
    branch_option,
    console,
    json_option,
    known_option,
    parse_date,
    parse_time,
    print_json,
    settings,
)
from orgsim.output import check_target, write_files


def _positive(name: str) -> Callable[[click.Context, click.Parameter, int | None], int | None]:
    def check(_ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise UserError(f"{name} must be at least 1, not {value}")
        return value

    return check


@app.command()
@branch_option
@click.option(
    "--at", "at", default=None, metavar="DATE", help="Effective date, YYYY-MM-DD (default: today)."
)
@known_option
@click.option(
    "--root",
    "root",
    default=None,
    metavar="UNIT",
    help="Chart only this unit and what sits under it.",
)
@click.option(
    "--depth",
    type=int,
    default=None,
    callback=_positive("--depth"),
    metavar="N",
    help="Draw N levels (the top is level 1).",
)
@click.option(
    "--since",
    "since",
    default=None,
    metavar="DATE",
    help="Change chart: what changed on this branch between DATE and --at.",
)
@click.option(
    "--against",
    "against",
    default=None,
    metavar="BRANCH",
    help="Change chart: how this branch differs from BRANCH at --at.",
)
@click.option(
    "--level",
    type=click.Choice(["posts", "units"]),
    default="posts",
    show_default=True,
    help="Chart posts (reporting lines) or units (the line structure).",
)
@click.option(
    "--layout",
    type=click.Choice(["naive", "stacked", "hanging"]),
    default="stacked",
    show_default=True,
    help="stacked: leaf posts in a column under their manager; hanging: the bottom "
    "two levels as one indented list; naive: every box side by side.",
)
@click.option(
    "--collapse-below",
    "collapse_below",
    type=int,
    default=None,
    metavar="N",
    callback=_positive("--collapse-below"),
    help="Fold everything below level N into one '+N posts' box per node.",
)
@click.option(
    "--split",
    type=click.Choice(["directorate"]),
    default=None,
    help="One file per directorate plus an index file (the -o name).",
)
@click.option("--names", is_flag=True, help="Show holders' names (off by default).")
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="FILE",
    help="Output file: .svg, .pdf, .png or .dot (by suffix).",
)
@json_option
def chart(
    branch: str,
    at: str | None,
    as_known_at: str | None,
    root: str | None,
    depth: int | None,
    since: str | None,
    against: str | None,
    level: str,
    layout: str,
    collapse_below: int | None,
    split: str | None,
    names: bool,
    output: str,
    json_out: bool,
) -> None:
    """Draw an org chart (or a change chart) of a branch with Graphviz.

    A change chart (--since DATE or --against BRANCH) marks new, moved, retitled/regraded
    and deleted posts (deleted ones as ghosts where they were) by line, shape and colour,
    with a legend. Names are left out unless --names is given.
    """
    from orgsim.charts import (
        ChartError,
        ChartOptions,
        chart_tree,
        output_format,
        render,
        split_units,
    )
    from orgsim.store.branches import BranchReader

    day = parse_date(at, "--at") or dt.date.today()
    since_day = parse_date(since, "--since")
    known = parse_time(as_known_at, "--as-known-at")
    if since_day is not None and against is not None:
        raise UserError("use --since or --against, not both")
    if since_day is not None and since_day > day:
        raise UserError(f"--since {since_day} is after --at {day}")
    path = Path(output)
    try:
        output_format(path)
    except ChartError as error:
        raise UserError(f"-o {path}: {error}") from None
    check_target(path)
    try:
        reader = BranchReader(settings().store())
        tree, heading = chart_tree(
            reader,
            branch,
            day,
            known_at=known,
            since=since_day,
            against=against,
            level=level,  # type: ignore[arg-type]
            root=root,
            names=names,
            depth=depth,
            collapse_below=collapse_below,
        )
        options = ChartOptions(
            layout=layout,  # type: ignore[arg-type]
            depth=depth,
            collapse_below=collapse_below,
            split=split,
        )
        if split is not None and not split_units(tree, split):
            raise UserError(f"--split {split}: there is no {split} in this chart")
        files = render(tree, heading, path, options)
    except ChartError as error:
        raise UserError(str(error)) from None
    write_files(files)
    counts = tree.counts()
    if json_out:
        print_json(
            {
                "branch": branch,
                "at": day.isoformat(),
                "files": [str(p) for p in files],
                "level": level,
                "nodes": len(tree.nodes),
                "changes": {s: n for s, n in counts.items()} if tree.change else None,
            }
        )
        return
    listed = (
        ", ".join(str(p) for p in files) if len(files) <= 4 else f"{path} and {len(files) - 1} more"
    )
    console.print(f"wrote {listed} ({len(tree.nodes)} {level})", markup=False)
