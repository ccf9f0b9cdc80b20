"""``orgsim verify`` (the store's hash chains) and ``orgsim rekey`` (key rotation).

Only options and output live here: the checks are :mod:`orgsim.store.integrity`, the
re-keying :func:`orgsim.store.keys.rekey`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from orgsim.cli.app import CheckFailed, UserError, app, json_option, print_json, settings
from orgsim.output import check_target

if TYPE_CHECKING:
    from orgsim.store.integrity import Report


def _check_output_path(path: str, option: str) -> None:
    check_target(Path(path), option)


@app.command()
@click.option(
    "--branch",
    "-b",
    "branch",
    default=None,
    help="Check only this branch (with its ancestors and the branch registry).",
)
@click.option(
    "--export-heads",
    "export_heads",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="When every chain holds, write the head hashes to FILE, to "
    "keep elsewhere (e.g. in a consultation pack).",
)
@click.option(
    "--heads",
    "heads_path",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Also check against head hashes exported earlier: catches "
    "truncated and rewritten streams.",
)
@json_option
def verify(
    branch: str | None, export_heads: str | None, heads_path: str | None, json_out: bool
) -> None:
    """Recompute every hash chain in the store; exit 1 at the first break.

    Finds changed bytes, deleted, reordered or swapped events and, with --heads, streams
    truncated or rewritten since the heads were exported.
    """
    from orgsim.store import integrity

    try:
        heads = integrity.read_heads(heads_path) if heads_path is not None else None
    except integrity.HeadsError as error:
        raise UserError(str(error)) from None
    if export_heads is not None:
        _check_output_path(export_heads, "--export-heads")
    report = integrity.verify(settings().store(), branch, heads, heads_path)
    exported = None
    if report.ok and export_heads is not None:
        try:
            integrity.write_heads(report, export_heads)
        except integrity.HeadsError as error:
            raise UserError(str(error)) from None
        exported = export_heads
    if json_out:
        document = report.to_json()
        document["exported_heads"] = exported
        print_json(document)
    else:
        _print(report, exported, export_heads)
    if not report.ok:
        raise CheckFailed()


def _print(report: Report, exported: str | None, wanted: str | None) -> None:
    branches = sum(1 for s in report.streams if s.kind == "branch")
    if report.ok:
        line = (
            f"verified: {report.events} stored events in the branch registry and "
            f"{branches} branch{'es' if branches != 1 else ''}; every hash chain is intact"
        )
        if report.heads_file:
            line += f"; matches the {report.heads_streams} head(s) in {report.heads_file}"
        click.echo(line)
        if exported:
            click.echo(f"head hashes written to {exported}")
        return
    breaks = report.breaks
    first = breaks[0]
    click.echo(f"BROKEN: {first.where()}: {first.problem}")
    for other in breaks[1:]:
        click.echo(f"also broken: {other.where()}: {other.problem}")
    intact = [s for s in report.streams if s.broken is None]
    click.echo(
        f"{len(breaks)} broken stream(s), {len(intact)} intact; {report.events} stored events read"
    )
    if wanted:
        click.echo(f"head hashes not written to {wanted}: the store failed verification")


@app.command()
@click.option(
    "--new-key-file",
    "new_key_file",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="File holding the new key (base64 of 16, 24 or 32 bytes).",
)
@click.option("--decrypt", is_flag=True, help="Remove encryption: store the events in plain.")
@json_option
def rekey(new_key_file: str | None, decrypt: bool, json_out: bool) -> None:
    """Re-encrypt every stored event with a new key (or encrypt a plain store).

    Give the current key as usual (--key-file or ORGSIM_KEY; none for a plain store).
    The store is verified first, re-written in one transaction, and verified again with
    the new key; hash chains are over the plain events, so they (and exported heads) stay
    valid. Stop every other writer first.
    """
    from orgsim.store import keys

    if (new_key_file is None) == (not decrypt):
        raise UserError("give either --new-key-file FILE or --decrypt")
    new_key = None
    if new_key_file is not None:
        try:
            new_key = Path(new_key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            cause = getattr(error, "strerror", None) or "not text"
            raise UserError(f"cannot read key file {new_key_file}: {cause}") from None
    keys.make_cipher(new_key)  # a bad new key is reported before the store is opened
    try:
        done = keys.rekey(settings().store(), new_key)
    except keys.NotVerified as refused:
        first = refused.report.breaks[0]
        click.echo(f"BROKEN: {first.where()}: {first.problem}")
        click.echo(str(refused))
        raise CheckFailed() from None
    if json_out:
        print_json(
            {
                "ok": done.after.ok,
                "events": done.events,
                "snapshots": done.snapshots,
                "encrypted": done.encrypted,
            }
        )
    else:
        what = "encrypted with the new key" if done.encrypted else "decrypted"
        click.echo(
            f"re-keyed: {done.events} stored events {what}; verify "
            f"{'passes' if done.after.ok else 'FAILS'}"
        )
    if not done.after.ok:
        raise CheckFailed()
