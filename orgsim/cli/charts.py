"""Charts and comparisons: ``chart``, ``diff`` and ``compare``."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import click
from rich.table import Table

from orgsim.cli.app import (
    UserError,
    app,
    console,
    json_option,
    parse_date,
    parse_time,
    print_json,
    settings,
)

branch_option = click.option("--branch", "-b", "branch", required=True, help="Branch name.")
known_option = click.option(
    "--as-known-at",
    "as_known_at",
    default=None,
    metavar="TIME",
    help="Ignore events recorded after this time (ISO 8601; a date "
    "means the end of that day, UTC).",
)


def _positive(name: str):
    def check(_ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise UserError(f"{name} must be at least 1, not {value}")
        return value

    return check


def _write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: each goes to a temporary file first, then all are moved."""
    for path in files:
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise UserError(f"cannot write {path}: no such directory {parent}")
    staged: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, data in files.items():
            handle, temp = tempfile.mkstemp(
                prefix=".orgsim-", suffix=path.suffix, dir=path.parent if str(path.parent) else "."
            )
            staged.append((temp, path))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temp, 0o666 & ~umask)  # as an ordinary new file, not mkstemp's 0600
    except OSError as error:
        for temp, _ in staged:
            os.unlink(temp)
        raise UserError(f"cannot write {path}: {error.strerror}") from None
    for temp, path in staged:
        os.replace(temp, path)


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
    _write_all(files)
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


@app.command()
@branch_option
@click.option("--from", "from_", default=None, metavar="DATE", help="Earlier effective date.")
@click.option(
    "--to", "to", default=None, metavar="DATE", help="Later effective date (default: today)."
)
@click.option(
    "--against",
    "against",
    default=None,
    metavar="BRANCH",
    help="Compare with another branch at --at instead of two dates.",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="DATE",
    help="With --against: the effective date (default: today).",
)
@known_option
@json_option
def diff(
    branch: str,
    from_: str | None,
    to: str | None,
    against: str | None,
    at: str | None,
    as_known_at: str | None,
    json_out: bool,
) -> None:
    """Every change to units, posts and people between two dates or two branches, with the
    reason and source of the event that made it."""
    from orgsim.views.changes import diff_branches, diff_dates

    known = parse_time(as_known_at, "--as-known-at")
    store = settings().store()
    if against is not None:
        if from_ is not None or to is not None:
            raise UserError("use --from/--to or --against, not both")
        day = parse_date(at, "--at") or dt.date.today()
        document = diff_branches(store, branch, against, day, known)
    else:
        if at is not None:
            raise UserError("--at goes with --against; between dates use --from and --to")
        if from_ is None:
            raise UserError("diff needs --from DATE (and --to DATE) or --against BRANCH")
        start = parse_date(from_, "--from")
        end = parse_date(to, "--to") or dt.date.today()
        assert start is not None
        if start > end:
            raise UserError(f"--from {start} is after --to {end}")
        document = diff_dates(store, branch, start, end, known)
    if json_out:
        print_json(document)
        return
    _print_diff(document)


def _print_diff(document: dict) -> None:
    from rich.text import Text

    if "against" in document:
        title = f"{document['branch']} against {document['against']} at {document['at']}"
    else:
        title = f"{document['branch']} from {document['from']} to {document['to']}"
    for section in ("units", "posts", "people"):
        rows = document[section]
        table = Table(
            "id",
            "change",
            "what",
            "effective",
            "reason / source",
            title=f"{title}: {section} ({len(rows)})",
        )
        for row in rows:
            provenance = " / ".join(x for x in (row.get("reason"), row.get("source")) if x)
            table.add_row(
                Text(row["id"]),
                Text(row["change"]),
                Text(_what(section, row)),
                Text(row.get("effective") or ""),
                Text(provenance),
            )
        console.print(table)
    summary = document["summary"]
    console.print(
        " · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()) or "no changes",
        markup=False,
    )


def _what(section: str, row: dict) -> str:
    """One short phrase: a name, or before -> after for what changed."""
    before, after = row.get("before"), row.get("after")
    label = row.get("name") or row.get("title") or ""
    if before is None or after is None:
        return label
    if section == "people":

        def side(view: dict) -> str:
            posts = ", ".join(view.get("posts") or []) or "no post"
            return f"{posts} ({view.get('status') or 'no status'})"

        return f"{label}: {side(before)} -> {side(after)}"
    changed = [k for k in after if before.get(k) != after.get(k)]
    return f"{label}: " + "; ".join(f"{before.get(k)} -> {after.get(k)}" for k in changed)


@app.command()
@click.argument("branches", nargs=-1, required=True, metavar="BRANCH BRANCH...")
@click.option(
    "--at", "at", default=None, metavar="DATE", help="Effective date, YYYY-MM-DD (default: today)."
)
@known_option
@json_option
def compare(
    branches: tuple[str, ...], at: str | None, as_known_at: str | None, json_out: bool
) -> None:
    """Figures side by side: units, posts, FTE and cost by grade, vacancies, people
    affected, and spans and layers."""
    from orgsim.views.metrics import compare_branches

    if len(branches) < 2:
        raise UserError("compare needs two branches or more (compare BRANCH BRANCH)")
    day = parse_date(at, "--at") or dt.date.today()
    known = parse_time(as_known_at, "--as-known-at")
    document = compare_branches(settings().store(), list(branches), day, known)
    if json_out:
        print_json(document)
        return
    _print_compare(document)


def _print_compare(document: dict) -> None:
    from orgsim.views.metrics import table_rows

    names = [b["branch"] for b in document["branches"]]
    headers = ["", *names]
    two = len(names) == 2
    if two:
        headers.append("change")
    table = Table(*headers, title=f"compare at {document['at']}")
    for label, values, delta in table_rows(document):
        if label.startswith("## "):
            table.add_section()
            table.add_row(f"[bold]{label[3:]}[/bold]", *([""] * (len(headers) - 1)))
            continue
        row = [label, *values]
        if two:
            row.append(delta)
        table.add_row(*row)
    console.print(table)
    for branch in document["branches"]:
        narrow = branch["spans"]["narrow"]
        if narrow:
            listed = ", ".join(f"{m['post']} ({m['span']})" for m in narrow[:12])
            more = f" and {len(narrow) - 12} more" if len(narrow) > 12 else ""
            console.print(
                f"{branch['branch']}: managers with one or two direct reports: {listed}{more}",
                markup=False,
            )
