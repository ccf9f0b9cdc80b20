"""Core commands: run a scenario, list branches, show a structure, read a history.

Each command parses its flags, asks :mod:`orgsim.api` for the document and prints it
(``--json``) or a table: the data is the API's, so a notebook gets the same answers.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import click
from rich.table import Table

from orgsim.cli.app import (
    app,
    at_option,
    branch_option,
    console,
    err_console,
    json_option,
    known_option,
    parse_date,
    parse_time,
    print_json,
    settings,
)
from orgsim.domain.structure import PostView


@app.command()
@click.argument("script", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Accept a script without steps (it records only its branch, grades and policy).",
)
@json_option
def run(script: str, dry_run: bool, allow_empty: bool, json_out: bool) -> None:
    """Apply a scenario script to its branch, all or nothing."""
    report = settings().api().run(script, dry_run=dry_run, allow_empty=allow_empty)
    for warning in report["warnings"]:
        err_console.print(f"orgsim: warning: {warning}", markup=False)
    if json_out:
        print_json(report)
        return
    verb = "would write" if dry_run else "wrote"
    action = "new branch" if report["created"] else "branch"
    parent = f" (forked from {report['parent']})" if report["created"] and report["parent"] else ""
    console.print(
        f"{script}: {report['steps']} steps OK; {verb} {report['events']} events to "
        f"{action} {report['branch']}{parent}, now at version {report['version']}",
        markup=False,
    )


@app.command()
@json_option
def branches(json_out: bool) -> None:
    """List branches with their parent, fork point and version."""
    rows = settings().api().branches()
    if json_out:
        print_json({"branches": rows})
        return
    if not rows:
        console.print("No branches yet: run a scenario script first (orgsim run FILE).")
        return
    table = Table("branch", "parent", "fork at", "version", "own events", "latest effective")
    for row in rows:
        fork = ""
        if row["parent"]:
            fork = row["fork_date"] or f"v{row['fork_version']}"
            if row["fork_date"]:
                fork += f" (v{row['fork_version']})"
        table.add_row(
            row["name"],
            row["parent"] or "",
            fork,
            str(row["version"]),
            str(row["own_events"]),
            row["latest_effective"] or "",
        )
    console.print(table)


@app.command()
@branch_option
@at_option
@known_option
@json_option
def show(branch: str, at: str | None, as_known_at: str | None, json_out: bool) -> None:
    """The structure of a branch at an effective date."""
    day = parse_date(at, "--at") or dt.date.today()
    known = parse_time(as_known_at, "--as-known-at")
    view = settings().api().branch(branch).structure(day, known)
    if json_out:
        print_json(view.to_json())
        return
    units = Table("unit", "name", "kind", "parent", title=f"{branch} at {day}: units")
    for u in view.units.values():
        units.add_row(u.id, u.name, u.kind, u.parent or "")
    posts = Table(
        "post",
        "title",
        "grade",
        "unit",
        "reports to",
        "FTE",
        "holders",
        title=f"{branch} at {day}: posts",
    )
    for p in view.posts.values():
        posts.add_row(
            p.id,
            p.title,
            p.grade,
            p.unit,
            p.reports_to or "",
            format(p.fte.normalize(), "f"),
            _holders(p),
        )
    console.print(units)
    console.print(posts)
    console.print(
        f"{len(view.units)} units, {len(view.posts)} posts, {len(view.people)} people; "
        f"vacant: {len(view.vacant_posts())} posts, {_fte(view.vacant_fte())} FTE; "
        f"displaced: {', '.join(view.displaced) or 'none'}",
        markup=False,
    )


@app.command()
@branch_option
@click.option("--all", "all_events", is_flag=True, help="Include inherited events.")
@click.option("--names", is_flag=True, help="Show people's names (off by default).")
@click.option(
    "--characteristics",
    is_flag=True,
    help="Show people's protected characteristics (withheld by default, also in --json).",
)
@click.option(
    "--since",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    metavar="VERSION",
    help="Only events after this version (page on from the last one printed).",
)
@click.option(
    "--limit", type=click.IntRange(0), default=None, metavar="N", help="At most N events."
)
@json_option
def history(
    branch: str,
    all_events: bool,
    names: bool,
    characteristics: bool,
    since: int,
    limit: int | None,
    json_out: bool,
) -> None:
    """A branch's events with both clocks and provenance (its own, numbered from the fork).

    Names are shown only with --names (the --json document keeps them: it is the record);
    protected characteristics only with --characteristics, in both. --json is streamed:
    constant memory however long the branch."""
    if json_out:
        from orgsim.views.history import write_history_json

        api_branch = settings().api().branch(branch)
        write_history_json(
            api_branch.store.backend, branch, sys.stdout, all_events, since, limit, characteristics
        )
        return
    document = settings().api().branch(branch).history(all_events, characteristics)
    events = [e for e in document["events"] if e["version"] > since][:limit]
    document["events"] = events
    table = Table(
        "v",
        "type",
        "effective",
        "recorded",
        "what",
        "reason / source",
        title=f"history of {branch}",
    )
    skip = {"version", "type", "effective", "recorded", "reason", "source", "actor", "inherited"}
    for e in document["events"]:
        hide = skip | ({"name"} if e["type"] == "PersonJoined" and not names else set())
        what = ", ".join(
            f"{k}={v}" for k, v in e.items() if k not in hide and v not in (None, [], {})
        )
        provenance = " / ".join(x for x in (e["reason"], e["source"]) if x)
        table.add_row(
            str(e["version"]),
            e["type"],
            e["effective"] or "(undated)",
            e["recorded"][:19],
            _clip(what, 80),
            _clip(provenance, 60),
        )
    console.print(table)


def _fte(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _holders(post: PostView) -> str:
    """The substantive holders, and the FTE a part-filled post leaves vacant."""
    if not post.holders:
        return "vacant"
    left = post.unfilled_fte
    return ", ".join(post.holders) + (f" ({_fte(left)} FTE vacant)" if left else "")


def _clip(text: str, width: int) -> str:
    """Text cut to ``width`` characters, with an ellipsis when something was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"
