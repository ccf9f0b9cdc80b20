"""Slotting commands: what the engine would decide, the audit, suggested matches."""

from __future__ import annotations

import datetime as dt

import click
from rich.table import Table

from orgsim.cli.app import CheckFailed, app, console, json_option, parse_date, print_json, settings
from orgsim.cli.core import branch_option
from orgsim.store.branches import BranchReader
from orgsim.views.queries import jsonable


def _default_date(branch) -> dt.date:
    return branch.timeline.latest_effective() or dt.date.today()


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
    from orgsim.domain.slotting.scope import policy_of, propose

    log = BranchReader(settings().store()).load(branch)
    day = parse_date(at, "--at") or _default_date(log)
    state = log.timeline.state_at(day)
    result = propose(state)
    if json_out:
        document = result.to_json()
        document.update(
            {
                "branch": branch,
                "at": day.isoformat(),
                "policy": jsonable(policy_of(state).model_dump()),
            }
        )
        print_json(document)
        return
    if not result.outcomes:
        console.print(f"Nobody is displaced on {branch} at {day}.")
    table = Table("person", "outcome", "post / pool", "why", title=f"slotting on {branch} at {day}")
    for outcome in result.outcomes:
        where = outcome.post or ""
        if outcome.pool is not None:
            where = f"{', '.join(outcome.pool.posts)} ({len(outcome.pool.candidates)} candidates)"
        table.add_row(outcome.person, outcome.outcome, where, "; ".join(outcome.reasons))
    if result.outcomes:
        console.print(table)
    if result.unfilled:
        console.print(
            f"Vacant posts left to appointment: {', '.join(result.unfilled)}", markup=False
        )


@app.command()
@branch_option
@json_option
def audit(branch: str, json_out: bool) -> None:
    """Re-check every slotting decision with what was known when it was made.

    Exit 1 when any decision broke the policy in force at the time.
    """
    from orgsim.views.audit import audit_branch

    decisions = audit_branch(BranchReader(settings().store()).load(branch))
    violations = [d for d in decisions if d.verdict == "violation"]
    if json_out:
        print_json(
            {
                "branch": branch,
                "decisions": [d.to_json() for d in decisions],
                "violations": len(violations),
            }
        )
    else:
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
            verdict = "[red]violation[/red]" if d.verdict == "violation" else "compliant"
            table.add_row(
                str(d.version),
                d.person,
                d.post,
                "engine" if d.by_engine else d.basis,
                verdict,
                "; ".join(d.reasons),
            )
        console.print(table)
        console.print(f"{len(violations)} violation(s).", markup=False)
    if violations:
        raise CheckFailed()


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
    from decimal import Decimal

    from orgsim.domain.slotting.suggest import suggest

    log = BranchReader(settings().store()).load(branch)
    day = parse_date(at, "--at") or _default_date(log)
    suggestions = suggest(log.timeline.state_at(day), minimum=Decimal(minimum))
    if json_out:
        print_json(
            {
                "branch": branch,
                "at": day.isoformat(),
                "denominator": "new job",
                "suggestions": [
                    {
                        "old": s.old,
                        "new": s.new,
                        "percent": int(s.percent),
                        "same_grade": s.same_grade,
                    }
                    for s in suggestions
                ],
            }
        )
        return
    click.echo(
        f"# suggested matches on {branch} at {day} "
        "(percent = share of the new job's accountabilities; review before use)"
    )
    click.echo("steps:")
    for s in suggestions:
        note = "" if s.same_grade else "   # different grade"
        click.echo(s.as_step() + note)
