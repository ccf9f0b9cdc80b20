"""Comparisons: ``diff`` (what changed, and the event behind each change) and ``compare``
(figures side by side).

The documents come from :mod:`orgsim.api` (``Branch.diff``, ``orgsim.compare``); these
commands check their own flags (so the messages name them), print and map errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from orgsim import api
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
@click.option("--names", is_flag=True, help="Show people's names (off by default).")
@known_option
@json_option
def diff(
    branch: str,
    from_: str | None,
    to: str | None,
    against: str | None,
    at: str | None,
    names: bool,
    as_known_at: str | None,
    json_out: bool,
) -> None:
    """Every change to units, posts and people between two dates or two branches, with the
    reason and source of the event that made it. People's names only with --names."""
    known = parse_time(as_known_at, "--as-known-at")
    if against is not None:
        if from_ is not None or to is not None:
            raise UserError("use --from/--to or --against, not both")
        day = parse_date(at, "--at") or dt.date.today()
        document = settings().api().branch(branch).diff(against=against, at=day, as_known_at=known)
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
        document = settings().api().branch(branch).diff(start, end, as_known_at=known)
    if json_out:
        print_json(document)
        return
    _print_diff(document, names)


def _print_diff(document: dict[str, Any], names: bool = False) -> None:
    """The diff as tables; people by id, with their names only with ``names`` (the one
    rule of every human output: chart, pack, viewer and diff alike)."""
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
                Text(_what(section, row, names)),
                Text(row.get("effective") or ""),
                Text(provenance),
            )
        console.print(table)
    summary = document["summary"]
    console.print(
        " · ".join(f"{k.replace('_', ' ')}: {v}" for k, v in summary.items()) or "no changes",
        markup=False,
    )


def _what(section: str, row: dict[str, Any], names: bool = False) -> str:
    """One short phrase: a name, or before -> after for what changed."""
    before, after = row.get("before"), row.get("after")
    label = row.get("name") or row.get("title") or ""
    if section == "people" and not names:
        label = ""
    if before is None or after is None:
        return label
    if section == "people" and row.get("change") == "renamed":
        if not names:
            return "name changed"
        return f"{before.get('name')} -> {after.get('name')}"
    if section == "people" and row.get("change") == "regraded":
        return (f"{label}: " if label else "") + (
            f"grade {before.get('grade') or 'none'} -> {after.get('grade') or 'none'}"
        )
    if section == "people" and row.get("change") == "offered":
        offer = after["offer"]
        return (f"{label}: " if label else "") + (
            f"offered {offer['post']}, trial {offer['trial_start']} to {offer['trial_end']}"
        )
    if section == "people" and row.get("change") == "voluntary redundancy interest":
        return (f"{label}: " if label else "") + (
            f"voluntary redundancy interest {after['vr_interest']['outcome']}"
        )
    if section == "people" and row.get("change") == "offer refused":
        offer = after["offer"]
        return (f"{label}: " if label else "") + (
            f"refused {offer['post']}" + (" reasonably" if offer["reasonable"] else " unreasonably")
        )
    if section == "people" and row.get("change") == "leave status recorded":
        return (f"{label}: " if label else "") + "leave status recorded"
    if section == "people" and row.get("change") == "pay protected":
        protection = after["pay_protection"]
        return (f"{label}: " if label else "") + (
            f"pay protected {protection['from']} to {protection['until']}"
        )
    if section == "people":

        def side(view: dict[str, Any]) -> str:
            posts = ", ".join(view.get("posts") or []) or "no post"
            status = view.get("status") or "no status"
            offer = view.get("redeployment")
            if offer is not None:  # a redeployment, not a slotting (issue 15)
                status += f": suitable alternative employment, trial ends {offer['trial_end']}"
                status += ", a bump" if offer.get("bumps") else ""
            refused = view.get("refused_offer")
            if refused is not None:
                status += f": refused {refused['post']}" + (
                    " reasonably" if refused["reasonable"] else " unreasonably"
                )
            return f"{posts} ({status})"

        return (f"{label}: " if label else "") + f"{side(before)} -> {side(after)}"
    changed = [k for k in after if before.get(k) != after.get(k)]
    return f"{label}: " + "; ".join(
        f"{_NAMED.get(k, '')}{_value(before.get(k))} -> {_value(after.get(k))}" for k in changed
    )


#: Facts whose bare values would not say what they are ("1.0 -> 0.6")
_NAMED = {"fte": "FTE ", "cost": "cost ", "accountabilities": "accountabilities "}


def _value(value: Any) -> str:
    """A value as a short phrase: a job profile as its items (weights other than 1)."""
    if isinstance(value, list):
        items = [
            f"{i.get('text')}" + (f" x{_number(i['weight'])}" if i.get("weight", 1) != 1 else "")
            if isinstance(i, dict)
            else str(i)
            for i in value
        ]
        return "; ".join(items) if items else "none"
    if value is None:
        return "none"
    return _number(value) if isinstance(value, float) else str(value)


def _number(value: float) -> str:
    """1.0 as 1, 0.6 as 0.6, 1234567.0 as 1234567 (never an exponent)."""
    return str(int(value)) if value == int(value) else repr(value)


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
    if len(branches) < 2:
        raise UserError("compare needs two branches or more (compare BRANCH BRANCH)")
    day = parse_date(at, "--at") or dt.date.today()
    known = parse_time(as_known_at, "--as-known-at")
    store = settings().api()
    chosen = [store.branch(name) for name in branches]  # every name checked before any work
    document = api.compare(*chosen, at=day, as_known_at=known)
    if json_out:
        print_json(document)
        return
    _print_compare(document)


def _print_compare(document: dict[str, Any]) -> None:
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
            table.add_row(Text(label[3:], style="bold"), *([""] * (len(headers) - 1)))
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
