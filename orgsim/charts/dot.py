"""DOT text for a drawing, written by hand so that it is byte-identical for the same input.

Every box is an HTML-like table (``shape=plain``), so a post looks the same alone or in a
stacked list. Change statuses differ in three ways at once, so a black-and-white print
still tells them apart: the border's line (solid, bold, dashed, double, dotted), the
box's shape (square or rounded corners, single or double frame), a printed marker word
(NEW, MOVED, CHANGED, DELETED), and colour. Nothing time-dependent is written.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from decimal import Decimal

from orgsim.charts.layouts import Box, Drawing
from orgsim.charts.tree import ChartNode, ChartTree

FONT = "Helvetica"
CARD_WIDTH = 168  # points: every card has at least this width, so lists line up
TITLE_WRAP = 27  # characters per line of a bold title
NOTE_WRAP = 36


@dataclass(frozen=True)
class Look:
    color: str
    fill: str
    border: int
    style: str  # Graphviz table STYLE: "", rounded, dashed, dotted
    double: bool
    marker: str
    edge: str  # DOT edge attributes for a line to such a node
    meaning: str  # legend text


LOOKS: dict[str, Look] = {
    "unchanged": Look("#333333", "#ffffff", 1, "", False, "", "", "unchanged"),
    "new": Look(
        "#1a7f37",
        "#e6f4ea",
        3,
        "rounded",
        False,
        "NEW",
        'penwidth=2.5 color="#1a7f37"',
        "new: bold frame, rounded corners",
    ),
    "moved": Look(
        "#0550ae",
        "#e8f0fe",
        2,
        "dashed",
        False,
        "MOVED",
        'style=dashed color="#0550ae"',
        "moved (unit or manager): dashed frame",
    ),
    "changed": Look(
        "#9a4d00",
        "#fff3e0",
        1,
        "",
        True,
        "CHANGED",
        'color="#9a4d00"',
        "retitled, regraded, FTE, cost or duties (unit renamed): double frame",
    ),
    "deleted": Look(
        "#7a7a7a",
        "#f2f2f2",
        2,
        "dotted",
        False,
        "DELETED",
        'style=dotted color="#7a7a7a"',
        "deleted, shown where it was: dotted frame, title struck out",
    ),
}
EXTERNAL_FILL = "#e9e9f2"
STUB_FILL = "#eeeeee"


def esc(text: str) -> str:
    """Escape text for an HTML-like label (apostrophes are fine as they are)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: A tooltip names at most this many posts, then counts the rest ("and 2,996 more").
TOOLTIP_IDS = 8
#: No tooltip is longer than this: Graphviz refuses a quoted string over 16,384 characters
#: (a list box of a 12,000-post organogram once listed 3,000 ids in one), and a tooltip
#: that long helps no one.
TOOLTIP_CHARS = 240


def tooltip(ids: list[str]) -> str:
    """A few ids, then a count of the rest; never over :data:`TOOLTIP_CHARS` characters."""
    shown = ids[:TOOLTIP_IDS]
    more = len(ids) - len(shown)
    tail = f" and {more:,} more" if more else ""
    text = " ".join(shown)
    if len(text) + len(tail) > TOOLTIP_CHARS:
        room = TOOLTIP_CHARS - len(tail) - 1
        text = text[: max(room, 0)].rstrip() + "…"
    return (text + tail)[:TOOLTIP_CHARS]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _fte(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _holders_line(node: ChartNode) -> str:
    if node.status == "deleted":
        if node.displaced:
            return f"{node.displaced} displaced"
        if node.holders:
            return "had 1 holder" if node.holders == 1 else f"had {node.holders} holders"
        return "was vacant"
    if node.holders == 0:
        return "vacant" + (f" (acting: {node.acting})" if node.acting else "")
    text = "1 holder" if node.holders == 1 else f"{node.holders} holders"
    if node.acting:
        text += f" + {node.acting} acting"
    return text


def _lines(node: ChartNode) -> list[str]:
    """The rows of a card, as HTML snippets (one <TD> each)."""
    look = LOOKS[node.status]
    rows: list[str] = []
    strike = node.status == "deleted"
    title = "<BR/>".join(esc(t) for t in _wrap(node.title, TITLE_WRAP))
    if strike:
        title = f"<S>{title}</S>"
    rows.append(f"<B>{title}</B>")
    small = '<FONT POINT-SIZE="8.5">{}</FONT>'
    if node.kind == "post":
        parts = [node.grade or "?"]
        if node.fte != 1:
            parts.append(f"{_fte(node.fte)} FTE")
        parts.append(_holders_line(node))
        rows.append(small.format(esc(" · ".join(parts))))
        for name in node.names[:4]:
            rows.append(small.format(f"<I>{esc(name)}</I>"))
        if len(node.names) > 4:
            rows.append(small.format(f"<I>+{len(node.names) - 4} more</I>"))
        if node.head_of_unit and node.unit_name:
            unit = node.unit_name + (" (external)" if node.external else "")
            rows.append(
                '<FONT POINT-SIZE="8" COLOR="#555555">'
                + "<BR/>".join(esc(t) for t in _wrap(unit, NOTE_WRAP))
                + "</FONT>"
            )
    elif node.kind == "unit":
        count = "1 post" if node.posts == 1 else f"{node.posts} posts"
        parts = [node.unit_kind or "unit", count]
        if node.vacancies:
            parts.append(f"{node.vacancies} vacant")
        rows.append(small.format(esc(" · ".join(parts))))
        if node.head:
            rows.append(
                '<FONT POINT-SIZE="8" COLOR="#555555">'
                + "<BR/>".join(esc(t) for t in _wrap("head: " + node.head, NOTE_WRAP))
                + "</FONT>"
            )
    if look.marker:
        marker = look.marker
        if node.also_changed:
            marker += " + CHANGED"
        rows.append(f'<FONT POINT-SIZE="8" COLOR="{look.color}"><B>{marker}</B></FONT>')
    for note in node.notes:
        rows.append(
            f'<FONT POINT-SIZE="8" COLOR="{look.color}"><I>'
            + "<BR/>".join(esc(t) for t in _wrap(note, NOTE_WRAP))
            + "</I></FONT>"
        )
    return rows


def card(node: ChartNode, level: str = "posts") -> str:
    """One box as an HTML table."""
    if node.kind == "stub":
        return _stub(node, level)
    look = LOOKS[node.status]
    fill = EXTERNAL_FILL if node.external and node.status == "unchanged" else look.fill
    body = "".join(f'<TR><TD WIDTH="{CARD_WIDTH}">{row}</TD></TR>' for row in _lines(node))
    style = look.style
    if node.also_changed:  # moved and changed: a dashed double frame
        style = "dashed"
    style_attr = f' STYLE="{style}"' if style else ""
    inner = (
        f'<TABLE BORDER="{look.border}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"'
        f' COLOR="{look.color}" BGCOLOR="{fill}"{style_attr}>'
        f"{body}</TABLE>"
    )
    if look.double or node.also_changed:
        inner = (
            f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0"'
            f' COLOR="{look.color}" BGCOLOR="{fill}"{style_attr}><TR><TD>{inner}</TD></TR></TABLE>'
        )
    return inner


def _stub(node: ChartNode, level: str) -> str:
    if node.above:
        return _above(node, level)
    count = node.count
    noun = "post" if level == "posts" else "unit"
    lines = [f"<B>{'<BR/>'.join(esc(t) for t in _wrap(node.title, TITLE_WRAP))}</B>"]
    what = f"1 {noun}" if count == 1 else f"{count} {noun}s"
    changed = [f"{n} {s}" for s, n in node.counts.items() if n and s != "unchanged"]
    if changed and len(changed) < len(node.counts):
        what += " (" + ", ".join(changed) + ")"
    lines.append(f'<FONT POINT-SIZE="8.5">{esc(what)}</FONT>')
    lines.append(f'<FONT POINT-SIZE="8.5"><I>continued: {esc(node.link or "")}</I></FONT>')
    body = "".join(f'<TR><TD WIDTH="{CARD_WIDTH}">{row}</TD></TR>' for row in lines)
    href = f' HREF="{esc(node.href)}" TITLE="{esc(node.title)}"' if node.href else ""
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" COLOR="#333333"'
        f' BGCOLOR="{STUB_FILL}"{href}>{body}</TABLE>'
    )


def _above(node: ChartNode, level: str) -> str:
    """The manager (or parent unit) of a page's top boxes, drawn on another page."""
    lines = [
        f'<FONT POINT-SIZE="8.5">{"reports to" if level == "posts" else "part of"}</FONT>',
        f"<B>{'<BR/>'.join(esc(t) for t in _wrap(node.title, TITLE_WRAP))}</B>",
        f'<FONT POINT-SIZE="8.5"><I>on {esc(node.link or "another page")}</I></FONT>',
    ]
    body = "".join(f'<TR><TD WIDTH="{CARD_WIDTH}">{row}</TD></TR>' for row in lines)
    href = f' HREF="{esc(node.href)}" TITLE="{esc(node.title)}"' if node.href else ""
    return (
        f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2" COLOR="#333333"'
        f' BGCOLOR="{STUB_FILL}" STYLE="dashed"{href}>{body}</TABLE>'
    )


def list_box(box: Box, nodes: dict[str, ChartNode], level: str = "posts") -> str:
    indented = any(indent for indent, _ in box.rows)
    rows = []
    for indent, key in box.rows:
        cell = card(nodes[key], level)
        if indented and indent:
            rows.append(f'<TR><TD WIDTH="14"></TD><TD ALIGN="LEFT">{cell}</TD></TR>')
        elif indented:
            rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT">{cell}</TD></TR>')
        else:
            rows.append(f"<TR><TD>{cell}</TD></TR>")
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="0">'
        + "".join(rows)
        + "</TABLE>"
    )


def more_box(box: Box, level: str) -> str:
    noun = "post" if level == "posts" else "unit"
    lines = [f"<B>+{box.count} {noun}{'' if box.count == 1 else 's'}</B>"]
    changed = [f"{n} {s}" for s, n in box.counts.items() if n and s != "unchanged"]
    if changed:
        lines.append(f'<FONT POINT-SIZE="8.5">{esc(", ".join(changed))}</FONT>')
    body = "".join(f"<TR><TD>{row}</TD></TR>" for row in lines)
    return (
        f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"'
        f' BGCOLOR="#e4e4e4">{body}</TABLE>'
    )


def legend(level: str) -> str:
    """A row of sample boxes, one per status, for change charts."""
    cells = []
    for status, look in LOOKS.items():
        sample = ChartNode(
            key="",
            kind="post" if level == "posts" else "unit",
            id="",
            title=look.meaning,
            status=status,
        )
        label = _legend_card(sample)
        cells.append(f"<TD>{label}</TD>")
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="6" CELLPADDING="0">'
        f"<TR>{''.join(cells)}</TR></TABLE>"
    )


def _legend_card(node: ChartNode) -> str:
    look = LOOKS[node.status]
    text = "<BR/>".join(esc(t) for t in _wrap(node.title, 30))
    marker = (
        f'<TR><TD><FONT POINT-SIZE="8" COLOR="{look.color}"><B>{look.marker}</B></FONT></TD></TR>'
        if look.marker
        else '<TR><TD><FONT POINT-SIZE="8"> </FONT></TD></TR>'
    )
    style_attr = f' STYLE="{look.style}"' if look.style else ""
    inner = (
        f'<TABLE BORDER="{look.border}" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3"'
        f' COLOR="{look.color}" BGCOLOR="{look.fill}"{style_attr}>'
        f'<TR><TD WIDTH="136"><FONT POINT-SIZE="8.5">{text}</FONT></TD></TR>{marker}</TABLE>'
    )
    if look.double:
        inner = (
            f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0"'
            f' COLOR="{look.color}" BGCOLOR="{look.fill}"><TR><TD>{inner}</TD></TR></TABLE>'
        )
    return inner


@dataclass(frozen=True)
class Heading:
    """The title block: a title, context lines, then a summary of what is drawn."""

    title: str
    lines: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()  #: "under Unit", "3 levels"... (start of the summary)
    displaced: int = 0  #: people displaced in the whole organisation


def summary(tree: ChartTree, heading: Heading) -> str:
    counts = tree.counts()
    what = "posts" if tree.level == "posts" else "units"
    live = sum(n for s, n in counts.items() if s != "deleted")
    parts = [*heading.scope, f"{live} {what if live != 1 else what[:-1]}"]
    if tree.level == "posts":
        parts.append(f"{sum(1 for n in tree.nodes.values() if n.vacant)} vacant")
        if heading.displaced:
            parts.append(f"{heading.displaced} displaced")
    if tree.change:
        parts.extend(f"{counts[s]} {s}" for s in ("new", "moved", "changed", "deleted"))
    return " · ".join(parts)


def heading_label(heading: Heading, tree: ChartTree) -> str:
    change, level = tree.change, tree.level
    rows = [
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="16"><B>{esc(heading.title)}</B></FONT></TD></TR>'
    ]
    for line in (*heading.lines, summary(tree, heading)):
        rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">{esc(line)}</FONT></TD></TR>')
    if change:
        rows.append(f'<TR><TD ALIGN="LEFT">{legend(level)}</TD></TR>')
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>"
    )


def to_dot(drawing: Drawing, heading: Heading, *, size: str | None = None) -> str:
    """The DOT source of a drawing. ``size`` (inches, "w,h") caps the page."""
    tree = drawing.tree
    nodes = tree.nodes
    out: list[str] = ["digraph orgchart {"]
    graph = [
        f'fontname="{FONT}"',
        "rankdir=TB",
        "ordering=out",
        "newrank=true",
        "nodesep=0.18",
        "ranksep=0.32",
        "margin=0.25",
        # straight segments: "ortho" reads more like an org chart, but cuts through boxes
        # with ports and costs more than the layout itself past a few hundred boxes
        "splines=polyline",
        "labelloc=t",
        "labeljust=l",
        f"label=<{heading_label(heading, tree)}>",
    ]
    if size:
        graph.append(f'size="{size}"')
    out.append("  graph [" + " ".join(graph) + "];")
    out.append(f'  node [shape=plain fontname="{FONT}" fontsize=10];')
    out.append('  edge [arrowhead=none color="#555555" penwidth=1.1 tailport=s headport=n];')
    for box in drawing.boxes:
        if box.kind == "card":
            key = box.rows[0][1]
            node = nodes[key]
            label = card(node, tree.level)
            css = f"{node.kind} {node.status}"
            out.append(
                f"  {quote(box.id)} [class={quote(css)} tooltip={quote(tooltip([node.id]))} label=<{label}>];"
            )
        elif box.kind == "list":
            ids = tooltip([key.split(":", 1)[1] for _, key in box.rows])
            out.append(
                f'  {quote(box.id)} [class="list" tooltip={quote(ids)}'
                f" label=<{list_box(box, nodes, tree.level)}>];"
            )
        elif box.kind == "point":
            out.append(f'  {quote(box.id)} [shape=point width=0.02 height=0.02 color="#555555"];')
        else:
            out.append(f'  {quote(box.id)} [class="more" label=<{more_box(box, tree.level)}>];')
    for tail, head, status in drawing.edges:
        if status == "spine":
            out.append(f"  {quote(tail)} -> {quote(head)} [headport=c];")
            continue
        if status.startswith("hang:"):
            extra = LOOKS[status[5:]].edge
            out.append(f"  {{rank=same; {quote(tail)}; {quote(head)}}}")
            out.append(
                f"  {quote(tail)} -> {quote(head)} [tailport=c headport=w"
                + (f" {extra}" if extra else "")
                + "];"
            )
            continue
        extra = LOOKS[status].edge
        attrs = f" [{extra}]" if extra else ""
        out.append(f"  {quote(tail)} -> {quote(head)}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"
