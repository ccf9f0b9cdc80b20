"""Individual letters: one per person whose post the proposal deletes, from Jinja2
templates a council can replace (``pack --letters DIR [--letter-templates DIR]``).

A letter is a private document to one person: it always names them, and it is written
only into its own folder, never into the collective pack. It says the person's post, the
outcome (slotted, invited to a ring-fenced pool, at risk, and what followed), the reasons
in plain English and the next date. The facts come from the internal version of the pack
(:func:`orgsim.pack.build.build_pack` with ``internal=True``), so a letter and the pack
never disagree. A replacement template folder holds ``letter.html.j2``; it is given the
variables listed in :func:`letter_context`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import jinja2

from orgsim.pack.document import Pack, PersonRow
from orgsim.pack.render import TEMPLATES
from orgsim.pack.text import long_date

LETTER = "letter.html.j2"
KIND = {
    "slotted": "slotted",
    "violation": "slotted",
    "review": "slotted",
    "ring_fenced": "ring_fenced",
    "at_risk": "at_risk",
}


class LetterTemplateError(ValueError):
    """A replacement template folder that cannot be used: one line for a user."""


def next_date(pack: Pack, row: PersonRow) -> tuple[dt.date | None, str]:
    """(date, what happens then) for the letter's "next date"."""
    if row.result_on is not None:
        return row.result_on, "your outcome takes effect"
    end = pack.statutory.consultation_end
    if (
        row.stage in ("ring_fenced", "at_risk", "pending")
        and end is not None
        and (row.displaced_on is None or end < row.displaced_on)
    ):
        return end, "consultation closes: send any comments or alternatives by then"
    if row.displaced_on is not None:
        return row.displaced_on, "the new structure takes effect"
    return None, ""


def letter_context(pack: Pack, row: PersonRow) -> dict[str, Any]:
    """What a letter template is given."""
    when, what = next_date(pack, row)
    return {
        "organisation": pack.organisation,
        "branch": pack.branch,
        "person": row.who,
        "post": row.old_post,
        "grade": row.grade,
        "unit": row.unit,
        "kind": KIND.get(row.stage, "other"),
        "outcome": row.outcome_text,
        "then": row.then_text,
        "reasons": row.reasons,
        "next_date": when,
        "next_what": what,
        "consultation_start": pack.statutory.consultation_start,
        "consultation_end": pack.statutory.consultation_end,
        "proposed": pack.proposed,
        "chain": pack.footer.head_chain,
        "violation": row.violation,
        "review": row.review,
    }


def _environment(folder: Path | None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        if not (folder / LETTER).is_file():
            raise LetterTemplateError(f"--letter-templates {folder}: no {LETTER} in it")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES / "letters")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    return env


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "person"


def render_letters(pack: Pack, templates: Path | None = None) -> dict[str, bytes]:
    """File name -> the letter (self-contained HTML), one per person displaced, named by
    person id. ``pack`` must be the internal version (it names people)."""
    if not pack.internal:
        raise ValueError("letters are built from the internal version of the pack")
    env = _environment(templates)
    try:
        template = env.get_template(LETTER)
        out: dict[str, bytes] = {}
        for row in pack.people:
            name = f"letter-{_slug(row.person_id)}.html"
            out[name] = template.render(**letter_context(pack, row)).encode("utf-8")
    except jinja2.TemplateError as error:
        where = f" (line {error.lineno})" if isinstance(error, jinja2.TemplateSyntaxError) else ""
        raise LetterTemplateError(f"letter template{where}: {error.message}") from None
    return out
