"""Privacy and the equality summary: nobody identifiable, by name or by numbers.

- :class:`Redactor` scrubs people's ids and names out of free text written into events
  (reasons, sources, decisions), replacing each with how the pack refers to the person;
- :func:`labels` says how each person is referred to without names: by their (old) post;
- :func:`equality` compares the affected group with the workforce (and with the people
  not affected, and by outcome), characteristic by characteristic, only ever aggregated:
  :func:`suppress` withholds counts under 5 and every count that would let one be worked
  out by subtraction across all those columns together; rare values are grouped.
"""

from __future__ import annotations

from collections import Counter

from orgsim.domain.structure import Structure
from orgsim.pack.context import post_title
from orgsim.pack.document import EqualityCell, EqualityRow, EqualityTable
from orgsim.pack.text import plural
from orgsim.textkeys import KeyScanner

#: Cells of the equality summary below this many people are suppressed.
SUPPRESS_BELOW = 5


class Redactor:
    """Scrubs people's ids and names out of free text, replacing each with how the pack
    refers to that person (their name only with ``names``). Found as whole words by
    :class:`~orgsim.textkeys.KeyScanner` (the longest at each place)."""

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
        self.scanner = KeyScanner(self.replace)

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        return self.scanner.sub(text, self.replace.__getitem__)


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


#: How each person affected is counted in the breakdown by outcome, in column order.
OUTCOME_COLUMNS = {
    "slotted": "Slotted",
    "ring_fenced": "Ring-fenced",
    "at_risk": "At risk",
    "left": "Left",
    "pending": "Other or pending",
}

Cell = tuple[str, ...]


def suppress(
    counts: dict[Cell, int], relations: list[list[Cell]], also: set[Cell] | None = None
) -> set[Cell]:
    """The cells to withhold from a set of published counts tied by ``relations``.

    Each relation is a list of cells whose sum is published (a row's total is itself one
    of the cells; a column's total, such as the workforce size, is a fixed figure not in
    the list). Primary suppression withholds every count from 1 to 4; complementary
    suppression then withholds, in any relation with exactly one cell withheld, the
    smallest other cell (non-zero first), until no relation has exactly one: a single
    hidden cell in a sum can always be worked out by subtraction, across the workforce and
    affected tables as well as within one. ``also`` are cells withheld from the start.
    """
    hidden = {c for c, n in counts.items() if 0 < n < SUPPRESS_BELOW} | (also or set())
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if sum(1 for c in relation if c in hidden) != 1:
                continue
            others = [c for c in relation if c not in hidden]
            if not others:
                continue
            pick = min(others, key=lambda c: (counts[c] == 0, counts[c], c))
            hidden.add(pick)
            changed = True
    return hidden


def _cell(n: int, total: int, hidden: bool, percent: bool = True) -> EqualityCell:
    if hidden:
        return EqualityCell("*", "*" if percent else "", True)
    return EqualityCell(str(n), f"{100 * n / total:.0f}%" if percent and total else "")


def equality(
    before: Structure, outcomes: dict[str, str]
) -> tuple[list[EqualityTable], str, int, int]:
    """The affected group against the whole workforce at the current date, one table per
    characteristic, with the people not affected and the breakdown of the affected by
    outcome (``outcomes``: person id -> a key of :data:`OUTCOME_COLUMNS`), all suppressed
    together by :func:`suppress`; (tables, note, group size, workforce size)."""
    workforce = {p.id: p.characteristics for p in before.people.values()}
    group = {pid: workforce.get(pid, {}) for pid in outcomes}
    # someone displaced before they were current? take what the state has
    for pid in outcomes:
        person = before.person(pid)
        if pid not in workforce and person is not None:
            group[pid] = person.characteristics
    unaffected = {pid: c for pid, c in workforce.items() if pid not in group}
    everyone = {**workforce, **group}
    keys = sorted({k for c in everyone.values() for k in c})
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
    columns = [k for k in OUTCOME_COLUMNS if k in set(outcomes.values())]
    tables = []
    for key in keys:
        w_values = Counter(c.get(key) for c in everyone.values())
        shown = sorted(v for v, n in w_values.items() if v is not None and n >= SUPPRESS_BELOW)
        rare = {v for v, n in w_values.items() if v is not None and n < SUPPRESS_BELOW}
        labels = {v: v for v in shown}
        if rare:
            labels["__other"] = "Other values (fewer than 5 people each)"
        labels["__none"] = "Not recorded"

        def row_of(value: str | None) -> str:
            if value is None:
                return "__none"
            return "__other" if value in rare else value

        counts: dict[Cell, int] = {}
        for v in labels:
            for col in ("W", "U", "G", *columns):
                counts[(col, v)] = 0
        for pid, c in everyone.items():
            v = row_of(c.get(key))
            if pid in workforce:
                counts[("W", v)] += 1
            if pid in group:
                counts[("G", v)] += 1
                counts[(outcomes[pid], v)] += 1
            elif pid in workforce:
                counts[("U", v)] += 1
        relations: list[list[Cell]] = []
        for v in labels:
            relations.append([("W", v), ("U", v), ("G", v)])
            if columns:
                relations.append([("G", v), *((k, v) for k in columns)])
        for col in ("W", "U", "G", *columns):
            relations.append([(col, v) for v in labels])
        # an affected group under 5 is withheld whole, then the rule closes over it
        small = (
            {c for c in counts if c[0] not in ("W", "U")} if len(group) < SUPPRESS_BELOW else set()
        )
        hidden = suppress(counts, relations, small)
        recorded_in_group = sum(counts[("G", v)] for v in labels if v != "__none")
        rows = []
        for v, label in labels.items():
            w = _cell(counts[("W", v)], len(workforce), ("W", v) in hidden)
            u = _cell(counts[("U", v)], len(unaffected), ("U", v) in hidden, percent=False)
            g = _cell(counts[("G", v)], len(group), ("G", v) in hidden)
            if recorded_in_group == 0 and v != "__none":
                g = EqualityCell("no data", "", False)
            diff = ""
            if not w.suppressed and not g.suppressed and g.count != "no data" and len(group):
                pp = 100 * counts[("G", v)] / len(group) - 100 * counts[("W", v)] / len(workforce)
                diff = f"{pp:+.0f} pts"
            by_outcome = {
                k: _cell(counts[(k, v)], 0, (k, v) in hidden, percent=False) for k in columns
            }
            rows.append(EqualityRow(label, w, g, diff, u, by_outcome))
        note = ""
        if recorded_in_group == 0:
            note = "No data for the affected group."
        elif len(group) < SUPPRESS_BELOW:
            note = "The affected group is under 5 people: its figures are suppressed."
        tables.append(EqualityTable(_label(key), rows, note, [OUTCOME_COLUMNS[k] for k in columns]))
    note = (
        f"Compares the {plural(len(group), 'person', 'people')} whose posts are deleted "
        f"with the whole workforce of {len(workforce)} at the current date, and shows the "
        "affected group by outcome (the slotting stage each person reached, or Left if "
        f"they have left). Counts from 1 to {SUPPRESS_BELOW - 1} are shown as *, and so is "
        "any other count that would let one be worked out by subtraction, across all the "
        "columns of a table together; values held by fewer than "
        f"{SUPPRESS_BELOW} people are grouped, so that nobody can be identified."
    )
    return tables, note, len(group), len(workforce)
