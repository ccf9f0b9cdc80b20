"""``orgsim cost``: the redundancy cost of a branch (SPEC section 13).

The document comes from :meth:`orgsim.api.Branch.cost`; this command parses flags and
prints. Names and personal data only with ``--names``.
"""

from __future__ import annotations

import click
from rich.table import Table

from orgsim.cli.app import (
    app,
    branch_option,
    console,
    json_option,
    parse_date,
    print_json,
    settings,
)


def _money(value: float | None) -> str:
    return "-" if value is None else f"£{value:,.2f}"


@app.command()
@branch_option
@click.option("--at", "at", default=None, metavar="DATE", help="Effective date (default: today).")
@click.option("--names", is_flag=True, help="Show names and the personal data used.")
@json_option
def cost(branch: str, at: str | None, names: bool, json_out: bool) -> None:
    """Redundancy cost: statutory pay (ERA 1996 s162), the employer's enhancement and
    notice pay for people who left by redundancy or are at risk, with totals by
    directorate. People lacking a date of birth, service start or pay are listed, never
    counted as zero."""
    day = parse_date(at, "--at")
    document = settings().api().branch(branch).cost(day, names=names)
    if json_out:
        print_json(document)
        return
    people, totals = document["people"], document["totals"]
    terms = document["terms"]
    title = (
        f"redundancy cost on {branch} at {document['at']} (terms: {terms['preset'] or 'custom'})"
    )
    table = Table("person", "outcome", "directorate", "statutory", "enhanced", "notice", "total",
                  title=title)  # fmt: skip
    for p in people:
        who = f"{p['person']} {p['name']}" if names else p["person"]
        missing = p["missing"]
        cells = [_money(p[k]) for k in ("statutory", "enhanced", "notice", "total")]
        if missing:
            cells = ["-", "-", "-", f"lacks {', '.join(missing)}"]
        table.add_row(who, p["outcome"], p["unit"] or "", *cells)
    if people:
        console.print(table)
    else:
        console.print(
            f"Nobody has left by redundancy or is at risk on {branch} at {document['at']}."
        )
        return
    console.print(
        f"Total {_money(totals['total'])} for {totals['costed']} of {totals['people']} people "
        f"(statutory {_money(totals['statutory'])}, enhanced {_money(totals['enhanced'])}, "
        f"notice {_money(totals['notice'])})",
        markup=False,
    )
    for unit, amount in totals["by_unit"].items():
        console.print(f"  {unit}: {_money(amount)}", markup=False)
    if totals["missing"]:
        console.print(f"Not costed (data missing): {', '.join(totals['missing'])}", markup=False)
    for p in people:
        if p.get("statutory_note"):
            console.print(f"{p['person']}: {p['statutory_note']}", markup=False)
