"""The consultation pack: one self-contained HTML file and a PDF for staff and unions.

:func:`build_pack` (:mod:`orgsim.pack.build`) assembles everything the pack says as plain
dataclasses (:mod:`orgsim.pack.document`), from one branch and two effective dates; :func:`render_html`
(:mod:`orgsim.pack.render`) fills the Jinja2 template with it, charts inline as SVG;
:func:`html_to_pdf` (:mod:`orgsim.pack.pdf`) prints that HTML with headless Chromium.
Names of people appear only when asked for (``names=True``); individual protected
characteristics never do. The default is the collective version, which gives outcomes
after slotting only as counts (:mod:`orgsim.pack.confidential`); ``internal=True`` makes
the internal version. ``as_known_at`` rebuilds the pack from the events recorded by then
(:mod:`orgsim.pack.known`); :mod:`orgsim.pack.letters` writes individual letters.
"""

from orgsim.pack.build import build_pack, default_dates
from orgsim.pack.document import Pack, PackError
from orgsim.pack.pdf import ChromiumMissing, find_chromium, html_to_pdf
from orgsim.pack.render import render_html

__all__ = [
    "ChromiumMissing",
    "Pack",
    "PackError",
    "build_pack",
    "default_dates",
    "find_chromium",
    "html_to_pdf",
    "render_html",
]
