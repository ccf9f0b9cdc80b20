"""The pack's "What changed as a result of consultation" section: this branch (the decision)
against another (the proposal consulted on), at the pack's proposed date.

Why a module of its own: the section compares two *branches*, where the rest of the pack
compares two dates on one branch. The changes come from
:func:`orgsim.views.changes.diff_branch_logs` (the one read model and
:func:`~orgsim.domain.changes.changes_between`, with the event behind each change traced in
whichever branch recorded it), so the pack, ``orgsim diff --against`` and
``orgsim chart --against`` agree; this module only words them. Units and posts only:
people are not listed, and reasons and sources go through the pack's redaction, so the
collective version names nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from orgsim.domain.structure import Structure
from orgsim.pack import text
from orgsim.pack.context import Context, post_title, unit_name
from orgsim.store.branches import BranchReader
from orgsim.views.changes import diff_branch_logs


@dataclass
class AgainstRow:
    """One unit or post that differs between the other branch and this one."""

    id: str
    title: str
    #: new (only in this branch) | deleted (only in the other) | changed (units: closed)
    kind: str
    what: str  #: "placed differently", "retitled"...
    other: str  #: as the other branch has it at the date
    this: str  #: as this branch has it
    reason: str
    source: str
    #: the branch whose event made the difference; ``traced_other`` when it is the other's
    #: (a change the other branch made and this one did not)
    traced: str = ""
    traced_other: bool = False


@dataclass
class AgainstSection:
    branch: str
    other: str
    at: dt.date
    units: list[AgainstRow] = field(default_factory=list)
    posts: list[AgainstRow] = field(default_factory=list)


#: ``changes_between`` words, as the section says them (the other branch is "before").
_WHAT = {
    "created": "new",
    "deleted": "deleted",
    "closed": "closed",
    "moved": "placed differently",
    "retitled": "retitled",
    "regraded": "regraded",
    "renamed": "renamed",
}


class _Names:
    """Unit names and post titles from this branch's two read models and the other's."""

    def __init__(self, ctx: Context, other: Structure) -> None:
        self.known = [ctx.after, other, ctx.before]

    def unit(self, unit_id: str | None, fallback: str = "the top") -> str:
        return unit_name(self.known, unit_id) if unit_id else fallback

    def post(self, post_id: str | None) -> str:
        return post_title(self.known, post_id) if post_id else "no one"


def _post_text(names: _Names, shape: dict[str, Any] | None) -> str:
    """A diff document's before/after of a post, in words."""
    if shape is None:
        return "—"
    parts: list[str] = []
    if "title" in shape and "grade" in shape:  # a whole post (created or deleted)
        fte = shape.get("fte", 1.0)
        parts.append(shape["grade"] + (f", {text.num(fte)} FTE" if fte != 1 else ""))
        parts.append(names.unit(shape.get("unit")))
        if shape.get("reports_to"):
            parts.append(f"reports to {names.post(shape['reports_to'])}")
        return " · ".join(parts)
    if "title" in shape:
        parts.append(f"title: {shape['title']}")
    if "grade" in shape:
        parts.append(f"grade: {shape['grade']}")
    if "unit" in shape:
        parts.append(f"in {names.unit(shape['unit'])}")
    if "reports_to" in shape:
        parts.append(f"reports to {names.post(shape['reports_to'])}")
    return "; ".join(parts)


def _unit_text(names: _Names, shape: dict[str, Any] | None) -> str:
    if shape is None:
        return "—"
    if "kind" in shape:  # a whole unit (created or closed)
        parent = names.unit(shape.get("parent"), "")
        return str(shape["kind"]) + (f" in {parent}" if parent else "")
    parts: list[str] = []
    if "name" in shape:
        parts.append(f"name: {shape['name']}")
    if "parent" in shape:
        parts.append(f"in {names.unit(shape['parent'])}")
    return "; ".join(parts)


def _differing(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A change's two sides with the fields both sides share left out (a post whose line
    moved but whose unit did not says only where it reports)."""
    if old is None or new is None:
        return old, new
    same = {k for k in old.keys() & new.keys() if old[k] == new[k]}
    return (
        {k: v for k, v in old.items() if k not in same},
        {k: v for k, v in new.items() if k not in same},
    )


def _rows(
    ctx: Context, entries: list[dict[str, Any]], label: str, describe: Any, names: _Names
) -> list[AgainstRow]:
    """One row per id (a post both moved and retitled is one row), in document order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry["id"], []).append(entry)
    out: list[AgainstRow] = []
    for id_, group in grouped.items():
        changes = [e["change"] for e in group]
        whole = next((c for c in changes if c in ("created", "deleted", "closed")), None)
        kind = {"created": "new", "deleted": "deleted", "closed": "closed"}.get(
            whole or "", "changed"
        )
        reasons: list[str] = []
        sources: list[str] = []
        traced: list[str] = []
        other: list[str] = []
        this: list[str] = []
        for e in group:
            for value, bucket in ((e.get("reason"), reasons), (e.get("source"), sources)):
                value = ctx.reason(value) if value else ""
                if value and value not in bucket:
                    bucket.append(value)
            if e.get("branch") and e["branch"] not in traced:
                traced.append(e["branch"])
            old, new = _differing(e["before"], e["after"])
            other.append(describe(names, old) if old is not None else "—")
            this.append(describe(names, new) if new is not None else _WHAT[e["change"]])
        out.append(
            AgainstRow(
                id_,
                group[-1][label],
                kind,
                ", ".join(_WHAT.get(c, c) for c in changes),
                "; ".join(other),
                "; ".join(this),
                "; ".join(reasons),
                "; ".join(sources),
                ", ".join(traced),
                bool(traced) and all(t != ctx.branch for t in traced),
            )
        )
    return out


def against_section(
    reader: BranchReader,
    ctx: Context,
    other: str,
    known_at: dt.datetime | None = None,
) -> AgainstSection:
    """``ctx.branch`` against ``other`` at the proposed date (``ctx.after``'s), as
    :func:`~orgsim.views.changes.diff_branches` finds it: the pack's own read of both
    branches (``reader``) and its proposed structure, with the other branch's folded once
    here. Raises UnknownBranch (from the reader) for an unknown ``other``."""
    at = ctx.after.at
    theirs = reader.load(other)
    structure = Structure.from_state(other, at, theirs.timeline.state_at(at, known_at))
    document = diff_branch_logs(reader.load(ctx.branch), theirs, ctx.after, structure, known_at)
    names = _Names(ctx, structure)
    return AgainstSection(
        ctx.branch,
        other,
        at,
        units=_rows(ctx, document["units"], "name", _unit_text, names),
        posts=_rows(ctx, document["posts"], "title", _post_text, names),
    )


__all__ = ["AgainstRow", "AgainstSection", "against_section"]
