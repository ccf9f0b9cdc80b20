"""Slotting commands: what the engine would decide, the audit, suggested matches.

The documents come from :class:`orgsim.api.Branch` (``slot``, ``audit``, ``suggest``);
these commands parse flags, print, and turn audit violations into exit 1. The human
output words reasons in plain English (:mod:`orgsim.views.plain`: posts by title and
grade, read from the read model at the date); ``--json`` keeps the machine reasons.
"""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table
from rich.text import Text

from orgsim.cli.app import (
    CheckFailed,
    app,
    branch_option,
    console,
    json_option,
    parse_date,
    print_json,
    settings,
)

# orgsim.views.plain is imported inside the commands that print plain text: it brings
# the slotting engine and NetworkX (0.4 s), which ``show`` and every other command skip.


@app.command()
@branch_option
@click.option(
    "--at",
    "at",
    default=None,
    metavar="DATE",
    help="Effective date (default: the latest effective date on the branch).",
)
@json_option
def slot(branch: str, at: str | None, json_out: bool) -> None:
    """Proposed outcomes for the people displaced at a date. Records nothing."""
    day = parse_date(at, "--at")
    chosen = settings().api().branch(branch)
    document = chosen.slot(day)
    if json_out:
        print_json(document)
        return
    from orgsim.views.plain import Plain, outcome_text

    outcomes, day_text = document["outcomes"], document["at"]
    plain = Plain([chosen.structure(day_text).domain])
    if not outcomes:
        console.print(f"Nobody is displaced on {branch} at {day_text}.")
    table = Table(
        "person", "outcome", "post / pool", "why", title=f"slotting on {branch} at {day_text}"
    )
    for outcome in outcomes:
        where = plain.name(outcome["post"]) if outcome.get("post") else ""
        pool = outcome.get("pool")
        if pool is not None:
            where = f"{plain.names(pool['posts'])} ({len(pool['candidates'])} candidates)"
        if outcome.get("first_consideration"):
            where = f"first consideration: {plain.names(outcome['first_consideration'])}"
        table.add_row(
            Text(outcome["person"]),
            outcome_text(outcome["outcome"]),
            Text(where),
            Text("; ".join(plain(r) for r in outcome["reasons"])),
        )
    if outcomes:
        console.print(table)
    if document["unfilled"]:
        console.print(
            f"Vacant posts left to appointment: {plain.names(document['unfilled'])}",
            markup=False,
        )


@app.command()
@branch_option
@json_option
def audit(branch: str, json_out: bool) -> None:
    """Re-check every slotting decision with what was known when it was made.

    Exit 1 when any decision broke the policy in force at the time.
    """
    chosen = settings().api().branch(branch)
    document = chosen.audit()
    decisions = document["decisions"]
    if json_out:
        print_json(document)
    else:
        from orgsim.views.plain import Plain, decision_reasons

        # One read model at the latest decision date: every post a decision or its reasons
        # name was live or deleted by then, so it is there (live or former).
        latest = max((d["effective"] for d in decisions), default=None)
        plain = Plain([chosen.structure(latest).domain] if latest else [])
        table = Table(
            "v",
            "person",
            "post",
            "by",
            "verdict",
            "reasons",
            title=f"audit of {branch}: {len(decisions)} slotting decisions",
        )
        for d in decisions:
            verdict = {
                "violation": Text("violation", style="red"),
                "basis_revised": Text("review", style="yellow"),
            }.get(d["verdict"], "compliant")
            table.add_row(
                str(d["version"]),
                Text(d["person"]),
                Text(plain.name(d["post"])),
                Text("engine" if d["by_engine"] else d["basis"]),
                verdict,
                Text("; ".join(decision_reasons(d, plain))),
            )
        console.print(table)
        _print_redeployments(branch, document.get("redeployments", []))
        _print_people_terms(branch, document)
        console.print(f"{document['violations']} violation(s).", markup=False)
        revised = sum(d["verdict"] == "basis_revised" for d in decisions)
        if revised:
            console.print(
                f"{revised} decision(s) flagged for review (basis_revised): the match was "
                "revised after the decision.",
                markup=False,
            )
    if document["violations"]:
        raise CheckFailed()


def _print_redeployments(branch: str, rows: list[dict[str, Any]]) -> None:
    """Offers of suitable alternative employment: their own section, not slotting."""
    if not rows:
        return
    table = Table(
        "v",
        "person",
        "post",
        "kind",
        "verdict",
        "what",
        title=f"redeployments on {branch}: {len(rows)} (not slotting decisions)",
    )
    for r in rows:
        table.add_row(
            str(r["version"]),
            Text(r["person"]),
            Text(r["post"]),
            r["kind"],
            r["verdict"].replace("_", " "),
            Text(r["text"]),
        )
    console.print(table)


def _print_people_terms(branch: str, document: dict[str, Any]) -> None:
    """Voluntary redundancy interests and pay protections (issue 15): each a line."""
    rows = [
        (
            r["version"],
            r["person"],
            f"voluntary redundancy interest {r['outcome']}"
            + (f" on {r['answered']}" if r["answered"] else "")
            + ("; left by voluntary redundancy" if r["left_by_it"] else ""),
        )
        for r in document.get("voluntary_redundancy", [])
    ] + [(r["version"], r["person"], r["text"]) for r in document.get("pay_protection", [])]
    if not rows:
        return
    table = Table("v", "person", "what", title=f"people's terms on {branch}: {len(rows)}")
    for version, person, what in sorted(rows):
        table.add_row(str(version), Text(person), Text(what))
    console.print(table)


@app.group()
def match() -> None:
    """Job matching helpers."""


@match.command("suggest")
@branch_option
@click.option(
    "--at",
    "at",
    default=None,
    metavar="DATE",
    help="Effective date (default: the latest effective date on the branch).",
)
@click.option(
    "--min",
    "minimum",
    default=1,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Leave out suggestions below this percent.",
)
@json_option
def match_suggest(branch: str, at: str | None, minimum: int, json_out: bool) -> None:
    """Suggest match percentages from accountabilities, as script steps to paste.

    The percent is the share of the NEW job's weighted accountabilities that the old job
    already covers. Nothing is recorded: paste the steps you agree with into a script.
    """
    day = parse_date(at, "--at")
    chosen = settings().api().branch(branch)
    if json_out:
        print_json(chosen.suggest(day, minimum))
        return
    day, suggestions = chosen._suggestions(day, minimum)
    click.echo(
        f"# suggested matches on {branch} at {day} "
        "(percent = share of the new job's accountabilities; review before use)"
    )
    click.echo("steps:")
    for s in suggestions:
        note = "" if s.same_grade else "   # different grade"
        click.echo(s.as_step() + note)
