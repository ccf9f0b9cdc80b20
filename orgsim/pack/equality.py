"""Privacy and the equality summary: nobody identifiable, by name or by numbers.

- :class:`Redactor` scrubs people's ids and names out of free text written into events
  (reasons, sources, decisions), replacing each with how the pack refers to the person;
- :func:`labels` says how each person is referred to without names: by their (old) post;
- :func:`equality` compares the affected group with the workforce, characteristic by
  characteristic, only ever aggregated: cells under 5 are suppressed (and a second cell
  when one alone would give it away), rare values grouped.
"""

from __future__ import annotations

import re
from collections import Counter

from orgsim.domain.structure import Structure
from orgsim.pack.context import post_title
from orgsim.pack.document import EqualityCell, EqualityRow, EqualityTable
from orgsim.pack.text import plural

#: Cells of the equality summary below this many people are suppressed.
SUPPRESS_BELOW = 5


class Redactor:
    """Scrubs people's ids and names out of free text, replacing each with how the pack
    refers to that person (their name only with ``names``)."""

    def __init__(self, people: dict[str, str], labels: dict[str, str], names: bool) -> None:
        self.replace: dict[str, str] = {}
        for pid, name in people.items():
            label = name if names else labels.get(pid, "a member of staff")
            self.replace[pid] = label
            if name and name.strip():
                self.replace[name] = label if names else labels.get(pid, "a member of staff")
                surname = name.split()[-1]
                if len(name.split()) > 1 and len(surname) > 2 and not names:
                    for title in ("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr"):
                        self.replace[f"{title} {surname}"] = "[name withheld]"
                        self.replace[f"{title}. {surname}"] = "[name withheld]"
        keys = sorted(self.replace, key=len, reverse=True)
        self.pattern = (
            re.compile("(?<![\\w-])(" + "|".join(re.escape(k) for k in keys) + ")(?![\\w-])")
            if keys
            else None
        )

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: self.replace[m.group(1)], text)


def labels(before: Structure, after: Structure, affected: dict[str, str]) -> dict[str, str]:
    """How each person is referred to without names: by their (old) post. ``affected``
    maps each displaced person to the post they were displaced from."""
    out: dict[str, str] = {}
    for pid, old_post in affected.items():
        out[pid] = f"the post holder of {post_title([before, after], old_post)}"
    for structure in (after, before):
        for person in [*structure.people.values(), *structure.leavers.values()]:
            if person.id in out or not person.substantive:
                continue
            out[person.id] = f"the post holder of {post_title([structure], person.substantive[0])}"
    return out


def _label(key: str) -> str:
    return key.replace("_", " ").replace("-", " ").strip().capitalize()


def _cells(counts: dict[str, int], total: int) -> dict[str, EqualityCell]:
    """Cells for one column: counts under 5 suppressed, and when only one is, the next
    smallest too (so it cannot be worked out from the total)."""
    if total < SUPPRESS_BELOW:
        return {k: EqualityCell("*", "*", True) for k in counts}
    hidden = {k for k, n in counts.items() if 0 < n < SUPPRESS_BELOW}
    if len(hidden) == 1:
        others = sorted((n, k) for k, n in counts.items() if n > 0 and k not in hidden)
        if others:
            hidden.add(others[0][1])
    out = {}
    for k, n in counts.items():
        if k in hidden:
            out[k] = EqualityCell("*", "*", True)
        else:
            out[k] = EqualityCell(str(n), f"{100 * n / total:.0f}%")
    return out


def equality(before: Structure, affected: list[str]) -> tuple[list[EqualityTable], str, int, int]:
    """The affected group against the whole workforce at the current date, one table per
    characteristic; (tables, note, group size, workforce size)."""
    workforce = {p.id: p.characteristics for p in before.people.values()}
    group = {pid: workforce.get(pid, {}) for pid in affected}
    # someone displaced before they were current? take what the state has
    for pid in affected:
        person = before.person(pid)
        if pid not in workforce and person is not None:
            group[pid] = person.characteristics
    keys = sorted({k for c in workforce.values() for k in c})
    if not keys:
        return (
            [],
            (
                "No data: no protected characteristics are recorded for anyone on this "
                "branch, so the affected group cannot be compared with the workforce."
            ),
            len(group),
            len(workforce),
        )
    tables = []
    for key in keys:
        w_values = Counter(c.get(key) for c in workforce.values())
        g_values = Counter(c.get(key) for c in group.values())
        shown = sorted(v for v, n in w_values.items() if v is not None and n >= SUPPRESS_BELOW)
        rare = [v for v, n in w_values.items() if v is not None and n < SUPPRESS_BELOW]
        labels = {v: v for v in shown}
        w_counts = {v: w_values[v] for v in shown}
        g_counts = {v: g_values[v] for v in shown}
        if rare:
            labels["__other"] = "Other values (fewer than 5 people each)"
            w_counts["__other"] = sum(w_values[v] for v in rare)
            g_counts["__other"] = sum(g_values[v] for v in rare)
        labels["__none"] = "Not recorded"
        w_counts["__none"] = w_values[None]
        g_counts["__none"] = g_values[None]
        w_cells = _cells(w_counts, len(workforce))
        g_cells = _cells(g_counts, len(group))
        recorded_in_group = sum(n for v, n in g_counts.items() if v != "__none")
        rows = []
        for v, label in labels.items():
            w, g = w_cells[v], g_cells[v]
            if recorded_in_group == 0 and v != "__none":
                g = EqualityCell("no data", "", False)
            diff = ""
            if not w.suppressed and not g.suppressed and g.count != "no data" and len(group):
                pp = 100 * g_counts[v] / len(group) - 100 * w_counts[v] / len(workforce)
                diff = f"{pp:+.0f} pts"
            rows.append(EqualityRow(label, w, g, diff))
        note = ""
        if recorded_in_group == 0:
            note = "No data for the affected group."
        elif len(group) < SUPPRESS_BELOW:
            note = "The affected group is under 5 people: its figures are suppressed."
        tables.append(EqualityTable(_label(key), rows, note))
    note = (
        f"Compares the {plural(len(group), 'person', 'people')} whose posts are deleted "
        f"with the whole workforce of {len(workforce)} at the current date. Cells under "
        f"{SUPPRESS_BELOW} people are shown as *, and values held by fewer than "
        f"{SUPPRESS_BELOW} people in the workforce are grouped, so that nobody can be "
        "identified."
    )
    return tables, note, len(group), len(workforce)
