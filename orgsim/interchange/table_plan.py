"""The events that bring a branch to an HR extract (SPEC section 10).

Against an empty branch every unit, post, person and assignment is created. Against a
branch that already holds an earlier extract of the organisation only the difference
becomes events, all at the import's effective date: units created, renamed, moved or
closed; posts created, retitled, regraded, moved, given a new FTE, cost or profile,
detached from their manager, or deleted; people joining, renamed, regraded, assigned,
unassigned or leaving. The same extract imported twice therefore writes nothing.

Like the organogram planner (:mod:`~orgsim.interchange.reconcile`), this is the write
side: every question about the organisation as it stands is asked of the read model
(:class:`~orgsim.domain.structure.Structure`) built once from the branch's state; the raw
state is only asked which ids are taken. Events are ordered so that each one is valid
when folded: the scheme, then units (parents first), then leavers and ended assignments
(so that nobody is displaced by a post that merely lost its holder), then posts in the
order of the new lines (a manager placed before its reports, so no move makes a circle),
deletions, new people and assignments, and last the units nobody uses any more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import PostView, Structure
from orgsim.interchange.table import TableError
from orgsim.interchange.table_checks import WantedPost
from orgsim.interchange.table_extract import Extract


@dataclass
class TablePlan:
    events: list[ev.Event]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    structure: dict[str, int] = field(default_factory=dict)


class TablePlanner:
    def __init__(
        self,
        extract: Extract,
        state: OrgState,
        *,
        branch: str,
        effective: dt.date,
        recorded: dt.datetime,
        actor: str | None,
    ) -> None:
        self.x = extract
        self.state = state
        self.view = Structure.from_state(branch, effective, state)
        self.effective = effective
        self.recorded = recorded
        self.actor = actor
        self.name = Path(extract.file).name
        self.warnings: list[str] = []
        self.notes: list[str] = []

    def meta(self, row: int | None = None, reason: str | None = None) -> dict[str, Any]:
        return {
            "effective": self.effective,
            "recorded": self.recorded,
            "actor": self.actor,
            "source": f"{self.name}:{row}" if row is not None else self.name,
            "reason": reason,
        }

    # --- the plan ------------------------------------------------------------------

    def plan(self) -> TablePlan:
        x = self.x
        org = x.organisation
        events: list[ev.Event] = [*self.grades()]
        have_org = self.view.units.get(org.id)
        if have_org is None:
            if org.id in self.state.units:
                raise TableError(f"unit id {org.id!r} was closed: the organisation cannot reuse it")
            events.append(
                ev.UnitCreated(**self.meta(), unit=org.id, name=org.name, kind="organisation")
            )
            scope: set[str] = set()
        else:
            if have_org.name != org.name:
                events.append(ev.UnitRenamed(**self.meta(), unit=org.id, name=org.name))
            scope = self.view.units_under(org.id)
        events += self.units(scope)
        live = {pid: p for pid, p in self.view.posts.items() if p.unit in scope and not p.external}
        leaving, ending = self.people_out(live)
        events += leaving + ending
        events += self.posts(live)
        events += self.people_in()
        events += self.close_units(scope)
        holders = sum(len(p.holders) for p in x.posts.values())
        return TablePlan(
            events,
            self.warnings,
            self.notes,
            {"units": len(x.units) + 1, "posts": len(x.posts), "holders": holders},
        )

    def grades(self) -> list[ev.Event]:
        x, have = self.x, self.state.grades
        if x.grades is None:
            return []
        meta = {**self.meta(), "effective": ev.UNDATED}
        used = {p.grade for p in x.posts.values()}
        if have is None:
            if self.view.posts:
                self.notes.append("the branch has no grade scheme: every grade is accepted")
                return []
            scheme = [g for g in x.grades if g in used] if x.grades_from_file else x.grades
            return [ev.GradeSchemeDefined(**meta, grades=scheme)]
        if not x.grades_from_file:
            missing_here = [g for g in have if g not in x.grades]
            if x.grades == have:
                return []
            scheme = [*x.grades, *missing_here]  # grades the branch still uses stay known
        else:
            new = [g for g in x.grades if g in used and g not in have]
            if not new:
                return []
            scheme = list(have)
            for g in new:  # after the nearest lower grade the file knows, else at the bottom
                lower = [h for h in x.grades[: x.grades.index(g)] if h in scheme]
                scheme.insert(scheme.index(lower[-1]) + 1 if lower else 0, g)
            self.notes.append(f"grade scheme extended with {', '.join(new)}")
        return [
            ev.GradeSchemeDefined(**meta, grades=scheme, pay_ranges=dict(self.state.pay_ranges))
        ]

    def units(self, scope: set[str]) -> list[ev.Event]:
        out: list[ev.Event] = []
        for unit in sorted(self.x.units.values(), key=lambda u: (u.depth, u.id)):
            have = self.view.units.get(unit.id) if unit.id in scope else None
            if have is None:
                if unit.id in self.state.units:
                    raise TableError(
                        f"unit id {unit.id!r} is taken by a closed or another organisation's unit"
                    )
                out.append(
                    ev.UnitCreated(
                        **self.meta(),
                        unit=unit.id,
                        name=unit.name,
                        kind=unit.kind,
                        parent=unit.parent,
                    )
                )
                continue
            if have.name != unit.name:
                out.append(ev.UnitRenamed(**self.meta(), unit=unit.id, name=unit.name))
            if have.parent != unit.parent and unit.parent is not None:
                out.append(ev.UnitMoved(**self.meta(), unit=unit.id, parent=unit.parent))
        return out

    def close_units(self, scope: set[str]) -> list[ev.Event]:
        used = {p.unit for p in self.x.posts.values()}
        closing = [
            u
            for u in scope
            if u != self.x.organisation.id and u not in self.x.units and u not in used
        ]
        depth = {u: len(self.view.unit_ancestors(u)) for u in closing}
        reason = f"not in the extract of {self.effective}"
        return [
            ev.UnitClosed(**self.meta(reason=reason), unit=u)
            for u in sorted(closing, key=lambda u: (-depth[u], u))
        ]

    # --- posts ---------------------------------------------------------------------

    def posts(self, live: dict[str, PostView]) -> list[ev.Event]:
        out: list[ev.Event] = []
        skipped: list[str] = []
        for post in sorted(self.x.posts.values(), key=lambda p: (p.depth, p.id)):
            have = live.get(post.id)
            meta = self.meta(post.row)
            if have is None:
                if post.id in self.state.posts:
                    self.warnings.append(
                        f"{self.name}:{post.row}: post {post.id} was deleted or belongs to "
                        "another organisation: an id cannot be reused; row left out"
                    )
                    skipped.append(post.id)
                    continue
                out.append(
                    ev.PostCreated(
                        **meta,
                        post=post.id,
                        title=post.title,
                        grade=post.grade,
                        unit=post.unit,
                        reports_to=post.reports_to,
                        fte=post.fte or Decimal(1),
                        accountabilities=[
                            ev.Accountability(text=t) for t in post.accountabilities or []
                        ],
                        cost=post.cost,
                    )
                )
                continue
            out += self.post_changes(post, have, meta)
        for pid in skipped:
            del self.x.posts[pid]
        reason = f"not in the extract of {self.effective}"
        out += [
            ev.PostDeleted(**self.meta(reason=reason), post=pid)
            for pid in sorted(live)
            if pid not in self.x.posts
        ]
        return out

    def post_changes(
        self, post: WantedPost, have: PostView, meta: dict[str, Any]
    ) -> list[ev.Event]:
        out: list[ev.Event] = []
        if have.title != post.title:
            out.append(ev.PostRetitled(**meta, post=post.id, title=post.title))
        if have.grade != post.grade:
            out.append(ev.PostRegraded(**meta, post=post.id, grade=post.grade))
        fte = post.fte or Decimal(1)
        if have.fte != fte:
            out.append(ev.PostFteChanged(**meta, post=post.id, fte=fte))
        if have.cost != post.cost:
            out.append(ev.PostCostChanged(**meta, post=post.id, cost=post.cost))
        if post.accountabilities is not None and [t for t, _ in have.accountabilities] != list(
            post.accountabilities
        ):
            items = [ev.Accountability(text=t) for t in post.accountabilities]
            out.append(ev.PostAccountabilitiesChanged(**meta, post=post.id, accountabilities=items))
        unit = post.unit if have.unit != post.unit else None
        manager = post.reports_to if post.reports_to != have.recorded_reports_to else None
        if unit is not None or manager is not None:
            out.append(ev.PostMoved(**meta, post=post.id, unit=unit, reports_to=manager))
        if post.reports_to is None and have.recorded_reports_to is not None:
            out.append(ev.PostReportingCleared(**meta, post=post.id))
        return out

    # --- people --------------------------------------------------------------------

    def wanted_holdings(self) -> dict[tuple[str, str], tuple[Decimal, str, int]]:
        return {
            (h.person, post.id): (h.fte or Decimal(1), h.kind, h.row)
            for post in self.x.posts.values()
            for h in post.holders
        }

    def people_out(self, live: dict[str, PostView]) -> tuple[list[ev.Event], list[ev.Event]]:
        """Leavers (held a post of the organisation, not in the extract), and the
        assignments that end or change for people who stay."""
        wanted = self.wanted_holdings()
        self._wanted = wanted
        leaving: list[ev.Event] = []
        ending: list[ev.Event] = []
        gone: set[str] = set()
        reason = f"not in the extract of {self.effective}"
        for pid in sorted(live):
            for h in live[pid].holdings:
                if h.person in self.x.people:
                    want = wanted.get((h.person, pid))
                    if want is None or want[0] != h.fte or want[1] != h.kind:
                        ending.append(
                            ev.PersonUnassigned(
                                **self.meta(reason=reason), person=h.person, post=pid
                            )
                        )
                elif h.person not in gone:
                    gone.add(h.person)
                    leaving.append(
                        ev.PersonLeft(**self.meta(reason=reason), person=h.person, cause="other")
                    )
        self._held = {(h.person, pid): h for pid in live for h in live[pid].holdings}
        return leaving, ending

    def people_in(self) -> list[ev.Event]:
        joining: list[ev.Event] = []
        changing: list[ev.Event] = []
        assigning: list[ev.Event] = []
        refused: set[str] = set()
        rows = {h.person: h.row for p in self.x.posts.values() for h in p.holders}
        for person, (name, grade) in sorted(self.x.people.items()):
            meta = self.meta(rows.get(person))
            have = self.view.people.get(person)
            if have is None:
                if person in self.state.people:
                    self.warnings.append(
                        f"{self.name}:{rows.get(person)}: {person} left earlier: a returning "
                        "employee cannot re-join under the same id; row left out"
                    )
                    refused.add(person)
                    continue
                joining.append(ev.PersonJoined(**meta, person=person, name=name, grade=grade))
                continue
            if have.name != name:
                changing.append(ev.PersonRenamed(**meta, person=person, name=name))
            if have.grade != grade and grade is not None:
                changing.append(ev.PersonRegraded(**meta, person=person, grade=grade))
        for (person, post), (fte, kind, row) in sorted(self._wanted.items()):
            if person in refused or post not in self.x.posts:
                continue
            held = self._held.get((person, post))
            if held is not None and held.fte == fte and held.kind == kind:
                continue
            assigning.append(
                ev.PersonAssigned(**self.meta(row), person=person, post=post, fte=fte, kind=kind)
            )
        return [*joining, *changing, *assigning]


def plan_table(
    extract: Extract,
    state: OrgState,
    *,
    branch: str,
    effective: dt.date,
    recorded: dt.datetime,
    actor: str | None = None,
) -> TablePlan:
    """The events that bring ``state`` to the extract (none when it already matches)."""
    return TablePlanner(
        extract, state, branch=branch, effective=effective, recorded=recorded, actor=actor
    ).plan()
