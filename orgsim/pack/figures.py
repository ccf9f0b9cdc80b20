"""The pack's chart figures as plain data: what :mod:`orgsim.pack.charts` draws and the
pack's model and templates print.

Kept in a module of their own so the chart drawing never imports the pack's model (and
the model imports these, not the drawing code).
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
