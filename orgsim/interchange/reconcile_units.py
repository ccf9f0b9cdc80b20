"""Planning a release's organisation, units and grades.

The release's organisation is found among the branch's live organisation units (by name
or by the id its initials give), else created; its units are matched by slug within the
organisation's open units (the read model's subtree under it), created, renamed, moved
or — when the release no longer uses them — closed, deepest first. The release's grades
extend the branch's scheme (or define it, on a fresh branch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from orgsim.domain import events as ev
from orgsim.domain.structure import PostView
from orgsim.interchange.grades import GradeInfo, extend_scheme, order_grades
from orgsim.interchange.names import compact_key, initials, slug
from orgsim.interchange.reconcile_base import PlanContext, Wanted, pick_id


def loose_key(name: str) -> str:
    """A unit name without case, punctuation or the word "and": ``Policy and
    International`` and ``Policy & International`` are one unit renamed."""
    return "-".join(w for w in slug(name).split("-") if w != "and")


class UnitPlanning(PlanContext):
    # --- organisation and units ------------------------------------------------------

    def _organisation(self) -> tuple[str, str, list[ev.Event]]:
        release, state = self.release, self.state
        multi = len(release.organisations) > 1
        root_name = (
            (release.parent_department or release.organisations[0])
            if multi
            else release.organisations[0]
        )
        wanted_id = initials(root_name)
        for unit in self.view.units.values():
            if (
                unit.kind == "organisation"
                and unit.parent is None
                and (unit.name.casefold() == root_name.casefold() or unit.id == wanted_id)
            ):
                events: list[ev.Event] = []
                if unit.name != root_name:
                    events.append(
                        ev.UnitRenamed(**self.meta(self.senior_name), unit=unit.id, name=root_name)
                    )
                return unit.id, root_name, events
        others = [
            u.name
            for u in self.view.units.values()
            if u.kind == "organisation" and u.parent is None
        ]
        if others:
            self.notes.append(
                f"the branch already holds {', '.join(sorted(others))}: "
                f"{root_name} is added as another organisation"
            )
        org_id = pick_id(wanted_id, state.units, lambda _: False, set())
        return (
            org_id,
            root_name,
            [
                ev.UnitCreated(
                    **self.meta(self.senior_name), unit=org_id, name=root_name, kind="organisation"
                )
            ],
        )

    def _scope(self, org_id: str) -> set[str]:
        """Open units at or under the organisation unit (none for a new organisation)."""
        return self.view.units_under(org_id)

    def _units(
        self, org_id: str, root_name: str, scope: set[str]
    ) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str, str]]]:
        """(organisation, unit name) -> unit id, and unit id -> (name, kind, parent)."""
        release, state = self.release, self.state
        multi = len(release.organisations) > 1
        assigned = {org_id}
        reusable = lambda uid: uid in scope  # noqa: E731 - open and ours
        wanted: dict[str, tuple[str, str, str]] = {}
        org_unit: dict[str, str] = {}
        for org in release.organisations:
            if not multi or org.casefold() == root_name.casefold():
                org_unit[org] = org_id
                continue
            base = slug(org)
            if base == org_id:
                base += "-org"
            uid = pick_id(base, state.units, reusable, assigned)
            org_unit[org] = uid
            wanted[uid] = (org, "directorate", org_id)
        pairs: list[tuple[str, str]] = []
        for post in release.posts.values():
            pairs.append((post.organisation, post.unit))
        for group in release.juniors:
            pairs.append((group.organisation, group.unit))
        mapping: dict[tuple[str, str], str] = {}
        by_slug: dict[str, tuple[str, str]] = {}
        kind = "division" if multi else "directorate"
        loose: dict[str, str] = {}
        for uid in sorted(scope):
            if uid != org_id and self.view.units[uid].kind != "organisation":
                loose.setdefault(loose_key(self.view.units[uid].name), uid)
        reserved = {org_id, *org_unit.values()}
        for org, unit in pairs:
            key = (org, slug(unit, ""))
            if key in mapping:
                continue
            if not unit or unit.casefold() == org.casefold():
                mapping[key] = org_unit[org]
                continue
            base = slug(unit)
            if base in reserved:
                base += "-unit"
            if base in by_slug and by_slug[base][0] != org:
                base = f"{base}-{slug(org)}"
            by_slug.setdefault(base, key)
            same = loose.get(loose_key(unit))
            if base not in scope and same is not None and same not in assigned:
                # the unit renamed in a small way ("and" -> "&", case, punctuation):
                # keep its id, and the rename is recorded as a rename
                assigned.add(same)
                uid = same
            else:
                uid = pick_id(base, state.units, reusable, assigned)
            mapping[key] = uid
            wanted.setdefault(uid, (unit, kind, org_unit[org]))
        return mapping, wanted

    # --- grades ----------------------------------------------------------------------

    def _grades(self, scope_posts: list[PostView]) -> tuple[Callable[[str], str], list[ev.Event]]:
        state, release = self.state, self.release
        canonical: dict[str, str] = {}
        for label in state.grades or []:
            canonical.setdefault(compact_key(label), label)
        for post in scope_posts:
            canonical.setdefault(compact_key(post.grade), post.grade)
        infos: list[GradeInfo] = []
        for key, info in release.grades.items():
            label = canonical.setdefault(key, info.label)
            infos.append(replace(info, label=label))

        def grade_of(label: str) -> str:
            return canonical.get(compact_key(label), label)

        events: list[ev.Event] = []
        meta = {**self.meta(self.senior_name), "effective": ev.UNDATED}
        pays = {
            i.label: (i.pay_min, i.pay_max)
            for i in infos
            if i.pay_min is not None and i.pay_max is not None
        }
        if state.grades is None:
            if self.fresh:
                order = order_grades(infos)
                events.append(
                    ev.GradeSchemeDefined(
                        **meta, grades=order, pay_ranges={g: pays[g] for g in order if g in pays}
                    )
                )
                self.notes.append(f"grade scheme defined: {', '.join(order)}")
            else:
                self.notes.append("the branch has no grade scheme: every grade is accepted")
            return grade_of, events
        missing = [i for i in infos if i.label not in state.grades]
        if missing:
            extended = extend_scheme(list(state.grades), missing, dict(state.pay_ranges))
            ranges = dict(state.pay_ranges)
            for info in missing:
                if info.label in pays:
                    ranges[info.label] = pays[info.label]
            events.append(ev.GradeSchemeDefined(**meta, grades=extended, pay_ranges=ranges))
            self.notes.append(f"grade scheme extended with {', '.join(i.label for i in missing)}")
        return grade_of, events

    def _unit_events(self, wanted_units: dict[str, tuple[str, str, str]]) -> list[ev.Event]:
        state = self.state
        events: list[ev.Event] = []
        meta = self.meta(self.senior_name)
        # parents (organisations of a multi-organisation file) first
        order = sorted(
            wanted_units,
            key=lambda u: (
                wanted_units[u][1] != "directorate" or wanted_units[u][2] in wanted_units,
                u,
            ),
        )
        for uid in order:
            name, kind, parent = wanted_units[uid]
            unit = state.units.get(uid)
            if unit is None:
                events.append(ev.UnitCreated(**meta, unit=uid, name=name, kind=kind, parent=parent))
                continue
            if unit.name != name:
                events.append(ev.UnitRenamed(**meta, unit=uid, name=name))
            if unit.parent != parent and unit.kind != "organisation":
                events.append(ev.UnitMoved(**meta, unit=uid, parent=parent))
        return events

    def _close_units(
        self,
        org_id: str,
        scope: set[str],
        wanted_units: dict[str, tuple[str, str, str]],
        wanted: dict[str, Wanted],
    ) -> list[ev.Event]:
        closing = [uid for uid in scope if uid != org_id and uid not in wanted_units]
        used = {w.unit for w in wanted.values()}
        depth = {uid: len(self.view.unit_ancestors(uid)) - 1 for uid in closing}
        events: list[ev.Event] = []
        for uid in sorted(closing, key=lambda u: (-depth[u], u)):
            if uid in used:
                continue
            events.append(
                ev.UnitClosed(
                    **self.meta(self.senior_name, f"not in the organogram of {self.date}"), unit=uid
                )
            )
        return events
