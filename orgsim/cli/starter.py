"""Commands for a new user: ``orgsim init`` (the Kent examples, copied from the installed
package into a new folder) and ``orgsim schema scenario`` (the JSON Schema of scenario
scripts, for editors). Both need nothing but the wheel."""

from __future__ import annotations

import json
from pathlib import Path

import click

from orgsim.cli.app import app, console, fail


@app.command()
@click.argument("directory", default="orgsim-demo", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Copy the example scenarios (the Kent case) and a README into a new folder."""
    from orgsim.examples import example_files, readme

    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        fail(f"{directory} already exists and is not empty: name a new folder")
    scripts = target / "scenarios"
    try:
        scripts.mkdir(parents=True, exist_ok=True)
        for example in example_files():
            (scripts / example.name).write_bytes(example.read_bytes())
        (target / "README.md").write_text(readme(), encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {directory}: {error.strerror}")
    console.print(
        f"{directory}: wrote {len(example_files())} example scenarios and a README.\n"
        f"Next: cd {directory} && orgsim run scenarios/kcc-2013-baseline.yaml",
        markup=False,
    )


@app.group()
def schema() -> None:
    """JSON Schemas of orgsim's input files, for editors."""


@schema.command("scenario")
def schema_scenario() -> None:
    """Print the JSON Schema of scenario scripts (generated from the parser's models)."""
    from orgsim.scenario.schema import scenario_schema

    click.echo(json.dumps(scenario_schema(), indent=2))
