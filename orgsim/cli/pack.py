"""``orgsim pack``: the consultation pack, one self-contained HTML file and a PDF."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from orgsim.pack.document import PackError

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
from orgsim.output import prepare_folder, write_files

FORMATS = ("html", "pdf")


def _formats(value: str) -> list[str]:
    chosen = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UserError(f"--format {value!r}: use html, pdf or html,pdf")
    return [f for f in FORMATS if f in chosen]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "branch"


#: The pack's dates and the options that set them.
DATE_OPTIONS = {"current": "--before", "proposed": "--at"}


def _with_options(error: PackError) -> str:
    """The pack's message in its own words, then the options that set the dates at fault:
    "give the current date" becomes "give the current date (--before DATE)"."""
    flags = [DATE_OPTIONS[d] for d in error.dates if d in DATE_OPTIONS]
    if not flags:
        return str(error)
    if len(flags) == 1:
        return f"{error} ({flags[0]} DATE)"
    return f"{error} ({' and '.join(flags)})"


@app.command()
@click.option("--branch", "-b", "branch", required=True, help="Branch (scenario) to consult on.")
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="DIR",
    help="Folder to write the pack into (created if missing; its parent must exist).",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="DATE",
    help="The proposed structure's date (default: the latest effective date on the branch).",
)
@click.option(
    "--before",
    "before",
    default=None,
    metavar="DATE",
    help="The current structure's date (default: the day before the branch's first "
    "own structural change).",
)
@click.option(
    "--against",
    "against",
    default=None,
    metavar="BRANCH",
    help="Also show what changed as a result of consultation: every unit and post that "
    "differs from BRANCH (the proposal consulted on) at the proposed date, with its reason "
    "and source.",
)
@click.option(
    "--names",
    is_flag=True,
    help="Name the people affected (default: 'the post holder of X'; never "
    "individual protected characteristics).",
)
@click.option(
    "--as-known-at",
    "as_known_at",
    default=None,
    metavar="TIME",
    help="Rebuild the pack from only the events recorded by TIME (a date means the end "
    "of that day, UTC): the pack that could have been issued then.",
)
@click.option(
    "--letters",
    "letters",
    default=None,
    metavar="DIR",
    help="Also write one private letter per person whose post is deleted into DIR "
    "(always with names; never inside the pack's folder).",
)
@click.option(
    "--letter-templates",
    "letter_templates",
    default=None,
    metavar="DIR",
    help="A folder with the council's own letter.html.j2 (Jinja2) to use instead.",
)
@click.option(
    "--internal",
    is_flag=True,
    help="The internal version: names (implies --names) and each person's outcome after "
    "slotting (appointments, voluntary redundancy, competition results, dismissals). The "
    "default collective version gives those only as counts, withheld under 5.",
)
@click.option(
    "--format",
    "format_",
    default="html,pdf",
    show_default=True,
    metavar="LIST",
    help="html, pdf or html,pdf. The PDF is printed with headless Chromium.",
)
@json_option
def pack(
    branch: str,
    output: str,
    at: str | None,
    before: str | None,
    against: str | None,
    names: bool,
    as_known_at: str | None,
    letters: str | None,
    letter_templates: str | None,
    internal: bool,
    format_: str,
    json_out: bool,
) -> None:
    """Write the consultation pack of a branch: one self-contained HTML file and a PDF.

    The pack holds the proposal in numbers, the current, proposed and change charts, every
    changed post with its reason and source, the slotting outcome for each post, the
    consultation timetable checked against the statutory minimum (TULRCA 1992 s188), and an
    equality summary. Names are left out unless --names is given.
    """
    from orgsim.charts import ChartError
    from orgsim.pack import PackError, build_pack, render_html
    from orgsim.pack.pdf import ChromiumMissing, PdfFailed, find_chromium, html_to_pdf
    from orgsim.store.branches import BranchReader

    formats = _formats(format_)
    proposed = parse_date(at, "--at")
    current = parse_date(before, "--before")
    known = parse_time(as_known_at, "--as-known-at")
    folder = Path(output)
    create = prepare_folder(folder)
    letter_folder = Path(letters) if letters is not None else None
    create_letters = False
    if letter_folder is not None:
        create_letters = prepare_folder(letter_folder, "--letters")
        if letter_folder.resolve() == folder.resolve():
            raise UserError(
                f"--letters {letters}: letters are private, give a folder other than the pack's"
            )
    if letter_templates is not None and letter_folder is None:
        raise UserError("--letter-templates goes with --letters DIR")
    chromium = None
    if "pdf" in formats:
        try:
            chromium = find_chromium()
        except ChromiumMissing as error:
            raise UserError(str(error)) from None
    reader = BranchReader(settings().store())
    try:
        data = build_pack(
            settings().store(),
            branch,
            current,
            proposed,
            names=names or internal,
            internal=internal,
            reader=reader,
            as_known_at=known,
            against=against,
        )
    except PackError as error:
        raise UserError(_with_options(error)) from None
    except ChartError as error:
        raise UserError(str(error)) from None
    letter_files: dict[str, bytes] = {}
    if letter_folder is not None:
        from orgsim.pack.letters import LetterTemplateError, render_letters

        private = data
        if not data.internal:
            private = build_pack(
                settings().store(),
                branch,
                current,
                proposed,
                internal=True,
                reader=reader,
                charts=False,
                as_known_at=known,
            )
        try:
            templates = Path(letter_templates) if letter_templates is not None else None
            letter_files = render_letters(private, templates)
        except LetterTemplateError as error:
            raise UserError(str(error)) from None
    html = render_html(data)
    stem = f"{_slug(branch)}-consultation-pack"
    files: dict[str, bytes] = {}
    if "html" in formats:
        files[f"{stem}.html"] = html.encode("utf-8")
    if "pdf" in formats:
        try:
            files[f"{stem}.pdf"] = html_to_pdf(html, chromium, created=data.data_time)
        except (ChromiumMissing, PdfFailed) as error:
            raise UserError(str(error)) from None
    written = write_files(
        {folder / name: data for name, data in files.items()},
        create_folder=folder if create else None,
    )
    if letter_folder is not None:
        written_letters = write_files(
            {letter_folder / name: data for name, data in letter_files.items()},
            create_folder=letter_folder if create_letters else None,
        )
    st = data.statutory
    if json_out:
        print_json(
            {
                "branch": branch,
                "current": data.current.isoformat(),
                "proposed": data.proposed.isoformat(),
                "names": data.names,
                "version": "internal" if data.internal else "collective",
                "files": [str(p) for p in written],
                "posts": data.post_counts,
                "people": len(data.people),
                "statutory": {
                    "verdict": st.verdict,
                    "proposed_redundancies": st.proposed,
                    "required_days": st.required_days,
                    "first_dismissal": st.first_dismissal.isoformat()
                    if st.first_dismissal
                    else None,
                    "consultation_start": st.consultation_start.isoformat()
                    if st.consultation_start
                    else None,
                    "hr1_due": st.hr1_due.isoformat() if st.hr1_due else None,
                    "first_notice_by": st.first_notice_by.isoformat()
                    if st.first_notice_by
                    else None,
                    "dismissals": dict(Counter(d.reason for d in st.counted)),
                },
                "head_chain": data.footer.head_chain,
                "as_known_at": known.isoformat() if known else None,
                "against": {
                    "branch": data.against.other,
                    "units": len(data.against.units),
                    "posts": len(data.against.posts),
                }
                if data.against
                else None,
                "letters": [str(p) for p in written_letters] if letter_folder else [],
            }
        )
        return
    counts = data.post_counts
    verdict = {
        "meets": "meets the statutory minimum",
        "falls_short": "FALLS SHORT of the statutory minimum",
        "not_required": "collective consultation not required",
        "no_consultation": "FALLS SHORT of the statutory minimum",
    }[st.verdict]
    console.print(f"wrote {', '.join(str(p) for p in written)}", markup=False)
    if letter_folder is not None:
        console.print(
            f"wrote {len(letter_files)} private letters (with names) into {letter_folder}",
            markup=False,
        )
    displaced = len(data.people)
    console.print(
        f"{branch}: {data.current.isoformat()} -> {data.proposed.isoformat()}: "
        f"{counts['new']} post{'' if counts['new'] == 1 else 's'} created, "
        f"{counts['deleted']} deleted, {counts['changed']} changed; "
        f"{displaced} {'person' if displaced == 1 else 'people'} displaced; "
        f"timetable {verdict}; {data.version_name}" + ("; NAMES INCLUDED" if data.names else ""),
        markup=False,
    )
    if data.against is not None:
        ag = data.against
        console.print(
            f"against {ag.other} at {ag.at.isoformat()}: {len(ag.units)} "
            f"unit{'' if len(ag.units) == 1 else 's'} and {len(ag.posts)} "
            f"post{'' if len(ag.posts) == 1 else 's'} differ (what changed as a result of "
            "consultation)",
            markup=False,
        )
