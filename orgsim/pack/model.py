"""The pack's chart dataclasses, kept here only until :mod:`orgsim.pack.charts` owns them.

:mod:`orgsim.pack.charts` imports :class:`ChartFigure` and :class:`ChartPage` from this
module, and the pack's document (:mod:`orgsim.pack.document`) holds a list of figures; this
module imports nothing from the pack, so neither side forms an import circle. Everything
else the pack says lives in the modules named by job: ``document`` (the dataclasses),
``build`` (orchestration), ``rows``/``outcomes`` (tables), ``statutory`` (timetable, s188,
TUPE) and ``equality`` (aggregates, suppression, redaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChartPage:
    title: str
    svg: str  #: sanitised inline SVG (no prolog, ids prefixed, no links)
    width: float  #: points
    height: float
    orientation: str = "landscape"  #: the printed page that fits it best


@dataclass
class ChartFigure:
    key: str  #: current | proposed | change
    title: str
    caption: str
    pages: list[ChartPage] = field(default_factory=list)
    note: str = ""
