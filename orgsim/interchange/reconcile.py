"""Turning an organogram release into events against a branch's current state.

The release is the whole organisation as published on its date. Against an empty branch
every unit, post and holder is created; against a branch that already holds an earlier
release of the same organisation, only the difference becomes events: units created,
renamed or closed; posts created, retitled, regraded, moved (unit and/or manager) or
deleted; holders joining, moving between posts, changing FTE or leaving. Importing the
same release twice therefore writes nothing the second time.

Ids (deterministic, so that a re-import and a round trip land on the same ids):

- the organisation unit: the initials of its name (``dfid``, ``hta``); it also prefixes
  post and person ids, keeping them unique when one store holds several organisations;
- other units: the slug of their name (``policy-international``); a clash with the
  organisation's id adds ``-unit``; the same unit name in two organisations of one file
  adds the organisation's slug;
- senior posts: ``<org>-<Post Unique Reference>`` (``dfid-B72``);
- junior grouped posts: ``<senior post id>.<unit>.<grade>.<profession>.<title>``, all
  slugs (``dfid-B47.corporate-performance.a2g7.human-resources.administrator``): one
  post per group, with the group's FTE, reporting to its senior post;
- people: ``<org>-<ref>-<normalised name>`` (``dfid-B72-montgomery-richard``; the name
  key is order-free), ``<org>-<ref>-nd`` for a holder whose name is not disclosed.

An id already used by something that cannot be reused (a deleted post, a closed unit, a
person who left) gets ``-2``, ``-3``... so history stays intact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.interchange.grades import GradeInfo, extend_scheme, order_grades
from orgsim.interchange.names import compact_key, initials, name_key, same_person, slug
from orgsim.interchange.organogram import Holder, JuniorPost, Release, SeniorPost

ID_LIMIT = 200
PROFESSION_PREFIX = "Professional/Occupational Group: "
UNDISCLOSED = "N/D"


@dataclass
class Plan:
    events: list[ev.Event]
    warnings: list[str]
    notes: list[str]
    organisation: str
    name_matches: list[dict[str, str]] = field(default_factory=list)
    unrecorded: dict[str, int] = field(default_factory=dict)
    structure: dict[str, int] = field(default_factory=dict)


@dataclass
class _Wanted:
    """A post as the release wants it."""

    id: str
    title: str
    grade: str
    unit: str
    reports_to: str | None
    fte: Decimal
    cost: Decimal | None
    accountabilities: list[ev.Accountability]
    source: str
    holders: list[Holder]
    depth: int = 0
    senior: SeniorPost | None = None


def _pick_id(
    base: str, taken: Iterable[str] | dict, reusable: Callable[[str], bool], assigned: set[str]
) -> str:
    """``base``, or ``base-2``, ``base-3``...: the first id that is free or reusable."""
    base = base[:ID_LIMIT]
    n = 1
    while True:
        candidate = base if n == 1 else f"{base[: ID_LIMIT - 6]}-{n}"
        n += 1
        if candidate in assigned:
            continue
        if candidate not in taken or reusable(candidate):
            assigned.add(candidate)
            return candidate


def _cost(post: SeniorPost) -> Decimal | None:
    if post.pay_floor is None or post.pay_ceiling is None:
        return None
    return (post.pay_floor + post.pay_ceiling) / 2 * post.fte


def _junior_cost(group: JuniorPost) -> Decimal | None:
    if group.pay_min is None or group.pay_max is None:
        return None
    return (group.pay_min + group.pay_max) / 2 * group.fte


def _accountabilities(function: str, profession: str) -> list[ev.Accountability]:
    items = []
    if function and compact_key(function) not in {"na", "nd", ""}:
        items.append(ev.Accountability(text=function))
    if profession and compact_key(profession) not in {"na", "nd", ""}:
        items.append(ev.Accountability(text=PROFESSION_PREFIX + profession, weight=Decimal(0)))
    return items


class Planner:
    def __init__(
        self,
        release: Release,
        state: OrgState,
        *,
        effective: dt.date,
        recorded: dt.datetime,
        actor: str | None = None,
        fresh: bool = False,
    ) -> None:
        self.release = release
        self.state = state
        self.effective = effective
        self.recorded = recorded
        self.actor = actor
        self.fresh = fresh
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.name_matches: list[dict[str, str]] = []
        self.unrecorded: dict[str, int] = {}
        self.senior_name = Path(release.senior_file).name
        self.junior_name = Path(release.junior_file).name if release.junior_file else ""
        self.date = effective.isoformat()
        self.org_id = ""

    def meta(self, source: str | None = None, reason: str | None = None) -> dict:
        return {
            "effective": self.effective,
            "recorded": self.recorded,
            "actor": self.actor,
            "source": source,
            "reason": reason,
        }

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
        for unit in sorted(state.units.values(), key=lambda u: u.id):
            if (
                unit.kind == "organisation"
                and unit.parent is None
                and unit.closed is None
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
            for u in state.units.values()
            if u.kind == "organisation" and u.parent is None and u.closed is None
        ]
        if others:
            self.notes.append(
                f"the branch already holds {', '.join(sorted(others))}: "
                f"{root_name} is added as another organisation"
            )
        org_id = _pick_id(wanted_id, state.units, lambda _: False, set())
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
        """Open units at or under the organisation unit."""
        children: dict[str, list[str]] = {}
        for unit in self.state.units.values():
            if unit.closed is None and unit.parent is not None:
                children.setdefault(unit.parent, []).append(unit.id)
        scope, stack = set(), [org_id]
        while stack:
            current = stack.pop()
            if current in scope or current not in self.state.units:
                continue
            scope.add(current)
            stack.extend(children.get(current, []))
        return scope

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
            uid = _pick_id(base, state.units, reusable, assigned)
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
            uid = _pick_id(base, state.units, reusable, assigned)
            mapping[key] = uid
            wanted.setdefault(uid, (unit, kind, org_unit[org]))
        return mapping, wanted

    # --- grades ----------------------------------------------------------------------

    def _grades(self, scope_posts: list) -> tuple[Callable[[str], str], list[ev.Event]]:
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

    # --- the plan --------------------------------------------------------------------

    def plan(self) -> Plan:
        release, state = self.release, self.state
        org_id, root_name, org_events = self._organisation()
        self.org_id = org_id
        scope = self._scope(org_id)
        unit_of, wanted_units = self._units(org_id, root_name, scope)
        live = {pid: p for pid, p in state.posts.items() if p.deleted is None and p.unit in scope}
        grade_of, grade_events = self._grades(list(live.values()))

        # --- wanted posts
        assigned: set[str] = set()
        post_reusable = lambda pid: pid in live  # noqa: E731
        senior_ids: dict[str, str] = {}
        for ref in release.posts:
            senior_ids[ref] = _pick_id(f"{org_id}-{ref}", state.posts, post_reusable, assigned)
        wanted: dict[str, _Wanted] = {}
        for ref, post in release.posts.items():
            pid = senior_ids[ref]
            wanted[pid] = _Wanted(
                id=pid,
                title=post.title,
                grade=grade_of(post.grade),
                unit=unit_of[(post.organisation, slug(post.unit, ""))],
                reports_to=senior_ids[post.reports_to] if post.reports_to else None,
                fte=post.fte,
                cost=_cost(post),
                accountabilities=_accountabilities(post.function, post.profession),
                source=f"{self.senior_name}:{post.line}",
                holders=list(post.holders),
                senior=post,
            )
        for group in release.juniors:
            manager = senior_ids.get(group.senior) if group.senior else None
            head = manager or f"{org_id}-{group.senior or 'XX'}"
            _, unit_slug, grade_key, profession, title = group.key()
            base = ".".join(
                [head, unit_slug or "-", grade_key or "-", profession or "-", title or "-"]
            )
            pid = _pick_id(base, state.posts, post_reusable, assigned)
            wanted[pid] = _Wanted(
                id=pid,
                title=group.title,
                grade=grade_of(group.grade),
                unit=unit_of[(group.organisation, slug(group.unit, ""))],
                reports_to=manager,
                fte=group.fte,
                cost=_junior_cost(group),
                accountabilities=_accountabilities("", group.profession),
                source=f"{self.junior_name}:{group.line}",
                holders=[],
            )
        self._depths(wanted)

        events: list[ev.Event] = [*grade_events, *org_events]
        events += self._unit_events(wanted_units)
        leaving, joining = self._holders(wanted, live, org_id)
        events += leaving
        events += self._post_events(wanted, live)
        events += joining
        events += self._close_units(org_id, scope, wanted_units, wanted)

        counts = {
            "units": len({org_id, *wanted_units}),
            "posts": len(wanted),
            "senior_posts": len(release.posts),
            "junior_posts": len(release.juniors),
            "holders": sum(len(w.holders) for w in wanted.values()),
        }
        return Plan(
            events,
            self.warnings,
            self.notes,
            org_id,
            self.name_matches,
            {k: v for k, v in self.unrecorded.items() if v},
            counts,
        )

    def _depths(self, wanted: dict[str, _Wanted]) -> None:
        """Depth of each post in the wanted tree (top posts 0), without recursion."""
        memo: dict[str, int] = {}
        for pid in wanted:
            chain, current = [], pid
            while current in wanted and current not in memo and len(chain) <= len(wanted):
                chain.append(current)
                current = wanted[current].reports_to  # type: ignore[assignment]
                if current is None:
                    break
            base = memo.get(current, -1) if current is not None else -1
            for offset, item in enumerate(reversed(chain), start=1):
                memo[item] = base + offset
        for pid, post in wanted.items():
            post.depth = memo.get(pid, 0)

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
        wanted: dict[str, _Wanted],
    ) -> list[ev.Event]:
        state = self.state
        closing = [uid for uid in scope if uid != org_id and uid not in wanted_units]
        used = {w.unit for w in wanted.values()}
        depth: dict[str, int] = {}
        for uid in closing:
            d, current = 0, state.units[uid].parent
            while current is not None and d <= len(state.units):
                d += 1
                current = state.units[current].parent if current in state.units else None
            depth[uid] = d
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

    def _post_events(self, wanted: dict[str, _Wanted], live: dict) -> list[ev.Event]:
        state = self.state
        created: list[ev.Event] = []
        changed: list[ev.Event] = []
        moved: list[ev.Event] = []
        deleted: list[ev.Event] = []
        parent_of: dict[str, str | None] = {
            pid: p.reports_to for pid, p in state.posts.items() if p.deleted is None
        }
        unrecorded = {"fte": 0, "pay": 0, "job_function": 0}
        for post in sorted(wanted.values(), key=lambda w: (w.depth, w.id)):
            current = live.get(post.id)
            if current is None:
                created.append(
                    ev.PostCreated(
                        **self.meta(post.source),
                        post=post.id,
                        title=post.title,
                        grade=post.grade,
                        unit=post.unit,
                        reports_to=post.reports_to,
                        fte=post.fte,
                        accountabilities=post.accountabilities,
                        cost=post.cost,
                    )
                )
                parent_of[post.id] = post.reports_to
                continue
            if current.title != post.title:
                changed.append(
                    ev.PostRetitled(**self.meta(post.source), post=post.id, title=post.title)
                )
            if current.grade != post.grade:
                changed.append(
                    ev.PostRegraded(**self.meta(post.source), post=post.id, grade=post.grade)
                )
            if current.fte != post.fte:
                unrecorded["fte"] += 1
            if current.cost != post.cost:
                unrecorded["pay"] += 1
            if list(current.accountabilities) != post.accountabilities:
                unrecorded["job_function"] += 1
            new_unit = post.unit if current.unit != post.unit else None
            new_manager: str | None = None
            if post.reports_to != current.reports_to:
                if post.reports_to is None:
                    cause = {
                        "self": "reports to itself in the file",
                        "none": "has no manager in the file",
                        "dangling": "reports to an unknown post in the file",
                        "circle": "reports in a circle in the file",
                    }.get(post.senior.repaired if post.senior else "", "is a top post in the file")
                    self.warnings.append(
                        f"{post.source}: post {post.id} {cause}, but an event cannot detach a "
                        f"post from its manager: it stays under {current.reports_to}"
                    )
                else:
                    chain, seen = post.reports_to, 0
                    while chain is not None and chain != post.id and seen <= len(parent_of):
                        chain = parent_of.get(chain)
                        seen += 1
                    if chain == post.id:
                        self.warnings.append(
                            f"{post.source}: moving post {post.id} under {post.reports_to} "
                            f"would make a circle with its old line: it stays under "
                            f"{current.reports_to}"
                        )
                    else:
                        new_manager = post.reports_to
                        parent_of[post.id] = new_manager
            if new_unit is not None or new_manager is not None:
                moved.append(
                    ev.PostMoved(
                        **self.meta(post.source),
                        post=post.id,
                        unit=new_unit,
                        reports_to=new_manager,
                    )
                )
        for pid in sorted(live):
            if pid in wanted:
                continue
            prefix = f"{self.org_id}-"
            ref = pid[len(prefix) :] if pid.startswith(prefix) else pid
            eliminated = ref in self.release.eliminated
            reason = (
                f"Eliminated in the organogram of {self.date}"
                if eliminated
                else f"not in the organogram of {self.date}"
            )
            source = (
                f"{self.senior_name}:{self.release.eliminated[ref]}"
                if eliminated
                else self.senior_name
            )
            deleted.append(ev.PostDeleted(**self.meta(source, reason), post=pid))
        self.unrecorded.update({k: v for k, v in unrecorded.items() if v})
        if any(unrecorded.values()):
            label = {"fte": "FTE", "pay": "pay", "job_function": "job/team function"}
            parts = [
                f"{n} existing post(s) changed {label[what]}" for what, n in unrecorded.items() if n
            ]
            self.notes.append("; ".join(parts) + ": no event records these, kept as before")
        return [*created, *changed, *moved, *deleted]

    # --- holders ---------------------------------------------------------------------

    def _holders(
        self, wanted: dict[str, _Wanted], live: dict, org_id: str
    ) -> tuple[list[ev.Event], list[ev.Event]]:
        """(events before the post changes, events after them)."""
        state = self.state
        people = state.people
        released: list[tuple[str, str]] = []  # (person, post) given up
        arrivals: list[tuple[_Wanted, Holder]] = []
        refits: list[tuple[str, _Wanted, Holder]] = []  # same holder, new FTE

        def current_holders(pid: str) -> list:
            return [a for a in state.holders.get(pid, {}).values() if a.kind == "substantive"]

        for pid in sorted(live):
            holding = current_holders(pid)
            post = wanted.get(pid)
            if post is None:
                released.extend((a.person, pid) for a in holding)
                continue
            free = list(holding)
            unmatched: list[Holder] = []
            for exact in (True, False):
                pending = post.holders if exact else unmatched
                unmatched_next: list[Holder] = []
                for holder in pending:
                    found = None
                    for assignment in free:
                        name = people[assignment.person].name
                        if holder.undisclosed or name == UNDISCLOSED:
                            ok = holder.undisclosed and name == UNDISCLOSED
                        elif exact:
                            ok = name_key(name) == holder.key
                        else:
                            ok = same_person(name, holder.name)
                        if ok:
                            found = assignment
                            break
                    if found is None:
                        unmatched_next.append(holder)
                        continue
                    free.remove(found)
                    if not exact:
                        self.name_matches.append(
                            {
                                "post": pid,
                                "person": found.person,
                                "recorded": people[found.person].name,
                                "file": holder.name,
                            }
                        )
                    if found.fte != holder.fte:
                        refits.append((found.person, post, holder))
                if exact:
                    unmatched = unmatched_next
                else:
                    arrivals.extend((post, h) for h in unmatched_next)
            released.extend((a.person, pid) for a in free)
        for pid, post in wanted.items():
            if pid not in live:
                arrivals.extend((post, h) for h in post.holders)

        # a released holder who turns up in another post has moved there
        moves: dict[tuple[str, str], str] = {}  # (post, holder line) -> person
        taken: set[tuple[str, str]] = set()
        for post, holder in arrivals:
            if holder.undisclosed:
                continue
            candidates = [
                (person, old)
                for person, old in released
                if (person, old) not in taken and name_key(people[person].name) == holder.key
            ]
            if len({person for person, _ in candidates}) == 1:
                person = candidates[0][0]
                for pair in candidates:
                    taken.add(pair)
                moves[(post.id, str(holder.line))] = person

        before: list[ev.Event] = []
        after: list[ev.Event] = []
        reason_left = f"no longer in the organogram of {self.date}"
        by_person: dict[str, list[str]] = {}
        for person, pid in released:
            by_person.setdefault(person, []).append(pid)
        for person in sorted(by_person):
            posts = by_person[person]
            others = [p for p in state.assignments.get(person, {}) if p not in posts]
            moving = any((person, p) in taken for p in posts)
            if moving or others:
                for pid in posts:
                    before.append(
                        ev.PersonUnassigned(**self.meta(self.senior_name), person=person, post=pid)
                    )
            else:
                before.append(
                    ev.PersonLeft(
                        **self.meta(self.senior_name, reason_left), person=person, cause="other"
                    )
                )
        for person, post, holder in refits:
            source = f"{self.senior_name}:{holder.line}"
            before.append(
                ev.PersonUnassigned(
                    **self.meta(source, f"FTE now {holder.fte}"), person=person, post=post.id
                )
            )
            after.append(
                ev.PersonAssigned(
                    **self.meta(source),
                    person=person,
                    post=post.id,
                    fte=holder.fte,
                    kind="substantive",
                )
            )
        person_assigned: set[str] = set()
        for post, holder in arrivals:
            source = f"{self.senior_name}:{holder.line}"
            mover = moves.get((post.id, str(holder.line)))
            if mover is not None:
                after.append(
                    ev.PersonAssigned(
                        **self.meta(source),
                        person=mover,
                        post=post.id,
                        fte=holder.fte,
                        kind="substantive",
                    )
                )
                continue
            ref = post.senior.ref if post.senior else post.id
            base = f"{org_id}-{ref}-{'nd' if holder.undisclosed else holder.key or 'x'}"

            def reusable(pid: str) -> bool:
                person = people.get(pid)
                return (
                    person is not None
                    and person.left is None
                    and pid not in person_assigned
                    and not state.assignments.get(pid)
                    and (holder.undisclosed or name_key(person.name) == holder.key)
                )

            person_id = _pick_id(base, people, reusable, person_assigned)
            if person_id not in people:
                after.append(
                    ev.PersonJoined(
                        **self.meta(source), person=person_id, name=holder.name, grade=post.grade
                    )
                )
            after.append(
                ev.PersonAssigned(
                    **self.meta(source),
                    person=person_id,
                    post=post.id,
                    fte=holder.fte,
                    kind="substantive",
                )
            )
        return before, after


def plan_import(
    release: Release,
    state: OrgState,
    *,
    effective: dt.date,
    recorded: dt.datetime,
    actor: str | None = None,
    fresh: bool = False,
) -> Plan:
    """The events that bring ``state`` to the release (none when it already matches)."""
    return Planner(
        release, state, effective=effective, recorded=recorded, actor=actor, fresh=fresh
    ).plan()
