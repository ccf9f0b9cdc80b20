"""The pack's summary and its tables of changed posts and units.

Figures come from :func:`orgsim.views.metrics.metrics` (``compare``'s) and the changes
from :func:`orgsim.domain.changes.changes_between` through the ``diff`` document
(:func:`orgsim.views.changes.diff_document`, with each change's reason and source), both
over the read model, so the pack, ``compare`` and ``diff`` cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

from orgsim.domain.changes import Changes
from orgsim.domain.structure import PostView, Structure
from orgsim.domain.timeline import Logged
from orgsim.pack import text
from orgsim.pack.context import Context, post_title, unit_name
from orgsim.pack.document import ChangeRow, LaterCount, PersonRow, SummaryRow
from orgsim.views.changes import Provenance, diff_document
from orgsim.views.metrics import metrics

UNIT_KINDS = ("organisation", "directorate", "division", "service", "team", "external")


def summary(
    before: Structure,
    after: Structure,
    post_changes: list[ChangeRow],
    people: list[PersonRow],
    later_counts: list[LaterCount],
) -> tuple[list[SummaryRow], list[SummaryRow], list[SummaryRow], str]:
    """The proposal in numbers; establishment figures from :func:`orgsim.views.metrics.metrics`
    (the ``compare`` command's), so the pack and ``compare`` always agree."""
    mb = metrics(before)
    ma = metrics(after)
    kinds = Counter(r.kind for r in post_changes)

    def row(label: str, b: Any, a: Any, note: str = "", money: bool = False) -> SummaryRow:
        if b is None or a is None:
            return SummaryRow(
                label, "" if b is None else text.num(b), "" if a is None else text.num(a), "", note
            )
        db, da = Decimal(str(b)), Decimal(str(a))
        show = text.money if money else text.num
        return SummaryRow(label, show(db), show(da), text.signed(db, da, money), note)

    posts = [
        row("Posts", mb["posts"]["total"], ma["posts"]["total"]),
        SummaryRow("Posts created", "", text.num(kinds["new"])),
        SummaryRow("Posts deleted", "", text.num(kinds["deleted"])),
        SummaryRow(
            "Posts changed (moved, retitled, regraded, FTE, cost or duties)",
            "",
            text.num(kinds["changed"]),
        ),
        row("Establishment FTE", mb["posts"]["fte"], ma["posts"]["fte"]),
        row("Vacant posts", mb["vacancies"]["posts"], ma["vacancies"]["posts"]),
        row(
            "Vacant FTE",
            mb["vacancies"]["fte"],
            ma["vacancies"]["fte"],
            "vacant posts and the unfilled part of part-filled posts",
        ),
    ]
    cost_note = ""
    nb, na = mb["posts"]["total"], ma["posts"]["total"]
    missing_b, missing_a = mb["cost"]["posts_without_cost"], ma["cost"]["posts_without_cost"]
    if missing_b == nb and missing_a == na:
        posts.append(
            SummaryRow(
                "Establishment cost",
                "not recorded",
                "not recorded",
                "",
                "no post costs or pay ranges are recorded on this branch",
            )
        )
    else:
        notes = ["a post's cost, else its grade's pay-range midpoint times its FTE"]
        if missing_b or missing_a:
            notes.append(
                f"covers {nb - missing_b} of {nb} posts before and {na - missing_a} of {na} after"
            )
        cost_note = "; ".join(notes)
        posts.append(
            row(
                "Establishment cost (a year)",
                mb["cost"]["total"],
                ma["cost"]["total"],
                cost_note,
                money=True,
            )
        )
    if mb["posts"]["external"] or ma["posts"]["external"]:
        posts.append(
            row(
                "Posts in external bodies (not counted above)",
                mb["posts"]["external"],
                ma["posts"]["external"],
            )
        )
    posts.append(
        row(
            "Layers of management",
            mb["layers"]["management_layers"],
            ma["layers"]["management_layers"],
        )
    )
    if mb["spans"]["median"] is not None and ma["spans"]["median"] is not None:
        posts.append(
            row(
                "Median span of control (direct reports per manager)",
                mb["spans"]["median"],
                ma["spans"]["median"],
            )
        )

    stages = Counter(p.stage for p in people)
    rows = [
        row("Headcount", mb["people"]["current"], ma["people"]["current"]),
        SummaryRow("People whose post is deleted (displaced)", "", text.num(len(people))),
        SummaryRow("— slotted into a new post", "", text.num(stages["slotted"])),
        SummaryRow("— ring-fenced for a competition", "", text.num(stages["ring_fenced"])),
        SummaryRow("— at risk of redundancy", "", text.num(stages["at_risk"])),
    ]
    if stages["pending"]:
        rows.append(
            SummaryRow("— no outcome recorded yet (pending)", "", text.num(stages["pending"]))
        )
    if stages["none"]:
        rows.append(SummaryRow("— placed without a slotting step", "", text.num(stages["none"])))
    if stages["violation"]:
        rows.append(
            SummaryRow(
                "— slotted against the slotting policy",
                "",
                text.num(stages["violation"]),
                "",
                "decisions orgsim audit finds in breach of the policy (section 4)",
            )
        )
    if stages["review"]:
        rows.append(
            SummaryRow(
                "— slotted, flagged for review",
                "",
                text.num(stages["review"]),
                "",
                "decisions orgsim audit flags for review, e.g. a match revised after them",
            )
        )
    for count in later_counts:
        if not count.aside and (count.total or (count.label == "Redeployed" and count.n)):
            rows.append(
                SummaryRow(f"Then: {count.label[:1].lower()}{count.label[1:]}", "", count.count)
            )
    later = sum(1 for p in people if p.violation and p.stage != "violation")
    if later:
        rows.append(
            SummaryRow(
                "Then slotted against the slotting policy",
                "",
                text.num(later),
                "",
                "decisions orgsim audit finds in breach of the policy (section 4)",
            )
        )

    units = []
    kb, ka = mb["units"]["by_kind"], ma["units"]["by_kind"]
    kinds_seen = [k for k in UNIT_KINDS if k in kb or k in ka]
    kinds_seen += sorted((set(kb) | set(ka)) - set(kinds_seen))
    for kind in kinds_seen:
        label = "Organisation" if kind == "organisation" else kind.capitalize() + "s"
        units.append(row(label, kb.get(kind, 0), ka.get(kind, 0)))
    if mb["units"]["external"] or ma["units"]["external"]:
        units.append(
            row(
                "External bodies (services transferred out)",
                mb["units"]["external"],
                ma["units"]["external"],
            )
        )
    return posts, rows, units, cost_note


# --- changes -----------------------------------------------------------------------------


def _post_desc(ctx: Context, post: PostView, first: Structure) -> str:
    """Grade, FTE, unit and manager of a post (its title is shown beside it), named as
    ``first`` knows them."""
    known = [first, ctx.before if first is ctx.after else ctx.after]
    parts = [post.grade + (f", {text.num(post.fte)} FTE" if post.fte != 1 else "")]
    parts.append(unit_name(known, post.unit))
    if post.reports_to:
        parts.append(f"reports to {post_title(known, post.reports_to)}")
    return " · ".join(parts)


def _provenance(ctx: Context, rows: list[dict[str, Any]]) -> tuple[str, str, str]:
    """Reason, source and effective date(s) of the events behind one item's changes."""
    reasons: list[str] = []
    sources: list[str] = []
    dates: list[str] = []
    for row in rows:
        for value, bucket in (
            (row.get("reason"), reasons),
            (row.get("source"), sources),
            (row.get("effective"), dates),
        ):
            if value and value not in bucket:
                bucket.append(value)
    return (
        "; ".join(ctx.redact(r) for r in reasons),
        "; ".join(ctx.redact(s) for s in sources),
        ", ".join(text.long_date(dt.date.fromisoformat(d)) for d in sorted(dates)),
    )


def _grouped(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["id"], []).append(row)
    return grouped


def changes(
    ctx: Context, found: Changes, window: list[Logged]
) -> tuple[list[ChangeRow], list[ChangeRow]]:
    """Every changed post and unit with the reason and source of the event behind it:
    the ``diff --json`` document of the same :class:`Changes` (so pack and ``diff`` agree)."""
    document = diff_document(found, Provenance([(ctx.branch, window)]))
    before, after = ctx.before, ctx.after
    posts: list[ChangeRow] = []
    for pid, rows in _grouped(document["posts"]).items():
        kinds = [r["change"] for r in rows]
        reason, source, effective = _provenance(ctx, rows)
        if "created" in kinds:
            post = after.posts[pid]
            desc = _post_desc(ctx, post, after)
            posts.append(
                ChangeRow(pid, post.title, "new", "new post", "—", desc, effective, reason, source)
            )
        elif "deleted" in kinds:
            post = before.posts[pid]
            held = len(post.holders)
            after_text = "deleted · " + (
                f"{text.plural(held, 'holder')} displaced" if held else "was vacant"
            )
            gone = after.former_posts.get(pid)
            if not reason and gone is not None:
                reason = ctx.redact(gone.reason)
                source = source or ctx.redact(gone.source)
            desc = _post_desc(ctx, post, before)
            posts.append(
                ChangeRow(
                    pid, post.title, "deleted", "deleted", desc, after_text, effective, reason,
                    source,
                )
            )  # fmt: skip
        else:
            old, new = before.posts[pid], after.posts[pid]
            b, a = [], []
            if "retitled" in kinds:
                b.append(f"title: {old.title}")
                a.append(f"title: {new.title}")
            if "regraded" in kinds:
                b.append(f"grade: {old.grade}")
                a.append(f"grade: {new.grade}")
            if "moved" in kinds:
                if old.unit != new.unit:
                    b.append(f"in {ctx.unit_name(old.unit)}")
                    a.append(f"in {ctx.unit_name(new.unit)}")
                # moved means the recorded line changed (orgsim.domain.changes)
                if old.recorded_reports_to != new.recorded_reports_to:
                    b.append(f"reports to {ctx.title(old.recorded_reports_to) or 'no one'}")
                    a.append(f"reports to {ctx.title(new.recorded_reports_to) or 'no one'}")
            if "fte" in kinds:
                b.append(f"FTE {text.num(old.fte)}")
                a.append(f"FTE {text.num(new.fte)}")
            if "cost" in kinds:
                b.append(
                    "cost " + (text.money(old.cost) if old.cost is not None else "not recorded")
                )
                a.append(
                    "cost " + (text.money(new.cost) if new.cost is not None else "not recorded")
                )
            if "accountabilities" in kinds:
                b.append(
                    f"{text.plural(len(old.accountabilities), 'accountability', 'accountabilities')}"
                )
                a.append(
                    f"{text.plural(len(new.accountabilities), 'accountability', 'accountabilities')}"
                )
            posts.append(
                ChangeRow(
                    pid, new.title, "changed", ", ".join(kinds), "; ".join(b), "; ".join(a),
                    effective, reason, source,
                )
            )  # fmt: skip
    order = {"new": 1, "changed": 2, "deleted": 0}
    rank = after.grade_rank() or before.grade_rank()
    posts.sort(
        key=lambda r: (order[r.kind], -rank.get(ctx.grade(r.id), -1), r.title.casefold(), r.id)
    )

    units: list[ChangeRow] = []
    for uid, rows in _grouped(document["units"]).items():
        kinds = [r["change"] for r in rows]
        reason, source, effective = _provenance(ctx, rows)
        if "created" in kinds:
            unit = after.units[uid]
            parent = ctx.unit_name(unit.parent)
            where = unit.kind + (f" in {parent}" if parent else "")
            units.append(
                ChangeRow(
                    uid, unit.name, "new", f"new {unit.kind}", "—", where, effective, reason,
                    source,
                )
            )  # fmt: skip
        elif "closed" in kinds:
            unit = before.units[uid]
            parent = ctx.unit_name(unit.parent)
            where = unit.kind + (f" in {parent}" if parent else "")
            units.append(
                ChangeRow(
                    uid, unit.name, "closed", f"{unit.kind} closed", where, "closed", effective,
                    reason, source,
                )
            )  # fmt: skip
        else:
            old_unit, new_unit = before.units[uid], after.units[uid]
            b, a = [], []
            if "renamed" in kinds:
                b.append(f"name: {old_unit.name}")
                a.append(f"name: {new_unit.name}")
            if "moved" in kinds:
                b.append(f"in {unit_name([before], old_unit.parent) or 'the top'}")
                a.append(f"in {unit_name([after], new_unit.parent) or 'the top'}")
            units.append(
                ChangeRow(
                    uid, new_unit.name, "changed", ", ".join(kinds), "; ".join(b), "; ".join(a),
                    effective, reason, source,
                )
            )  # fmt: skip
    uorder = {"closed": 0, "new": 1, "changed": 2}
    kind_rank = {k: i for i, k in enumerate(UNIT_KINDS)}
    units.sort(
        key=lambda r: (
            uorder[r.kind],
            kind_rank.get(ctx.unit_kind(r.id), 9),
            r.title.casefold(),
            r.id,
        )
    )
    return posts, units
