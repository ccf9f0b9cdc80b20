"""The pack as one self-contained HTML file: Jinja2 with autoescape, CSS and SVG inline.

Nothing is fetched when the file is opened (no fonts, scripts, images or links to other
files), so it reads the same from a USB stick with no network. Output is deterministic:
the same branch and dates give the same bytes (no clock time is written).
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from orgsim.pack.document import Pack
from orgsim.pack.text import long_date

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

OUTCOME_LABELS = {
    "slotted": "Slotted",
    "violation": "Against policy",
    "review": "Flagged for review",
    "ring_fenced": "Ring-fenced",
    "at_risk": "At risk",
    "pending": "Pending",
    "appointed": "Appointed",
    "left": "Left",
    "redeployed": "Redeployed",
    "vacancy": "Vacancy",
    "filled": "Filled",
    "none": "—",
}


def _css_string(text: str) -> str:
    """A CSS string literal's body: quotes, backslashes and anything markup-like escaped."""
    out = []
    for ch in text:
        if ch.isalnum() or ch in " .,:;-_()/·#@+=":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return "".join(out)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2", "html.j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["long_date"] = long_date
    env.filters["outcome_label"] = lambda key: OUTCOME_LABELS.get(key, key)
    return env


def render_html(pack: Pack) -> str:
    env = _environment()
    css = (TEMPLATES / "pack.css").read_text(encoding="utf-8")
    short = pack.footer.head_chain[:16]
    running = (
        f"{pack.organisation} · consultation pack · branch {pack.branch} v"
        f"{pack.footer.version} · chain {short} · {pack.version_name}"
        + (f" · as known at {pack.as_known_at:%Y-%m-%d %H:%M}" if pack.as_known_at else "")
        + (" · CONFIDENTIAL" if pack.internal else (" · CONTAINS NAMES" if pack.names else ""))
    )
    css = css.replace("/*RUNNING-FOOTER*/", f'"{_css_string(running)}"')
    if "</" in css:
        raise ValueError("pack.css must not contain '</'")
    template = env.get_template("pack.html.j2")
    html = template.render(
        pack=pack,
        css=Markup(css),
        svg=lambda page: Markup(page.svg),
        tulrca_note=_statutory_note(),
    )
    return html


def _statutory_note() -> str:
    return (
        "Trade Union and Labour Relations (Consolidation) Act 1992, s188: where an "
        "employer proposes to dismiss as redundant 20 or more employees at one "
        "establishment within 90 days or less, consultation with the representatives of "
        "those affected must begin in good time and at least 30 days before the first "
        "dismissal takes effect (45 days for 100 or more). Under s193 the Secretary of "
        "State must be notified (form HR1) within the same periods and before any notice "
        "of dismissal is given."
    )
