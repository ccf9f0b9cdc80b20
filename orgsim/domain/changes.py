"""What changed from one read model to another: computed once, read by every change view.

``diff`` (with provenance), change charts (new, moved, changed and deleted posts drawn
apart) and the consultation pack (changed posts, summary counts) all take their changes
from :func:`changes_between`, so they cannot disagree about what changed.

A post **moved** when its unit or its *recorded* manager changed (someone moved it, or
its unit left the employer); a post whose manager was deleted keeps its recorded line and
is not counted as moved — the deletion is the change. Units **moved** when their parent
changed.

A post's recorded facts each have their own kind, after the structural ones: ``fte``
(establishment FTE), ``cost`` (the *recorded* annual cost, not one derived from a pay
range, which a regrade or FTE change already explains) and ``accountabilities`` (the job
profile). A person still present in both gets ``renamed`` and ``regraded`` (their own
grade) rows after any ``post``/``status`` row, so older consumers see the rows they knew,
then (issue 15) ``pay protected``, ``offered`` (an offer of suitable alternative employment
still open), ``voluntary redundancy interest`` (expressed or answered), ``offer refused``
(when no status row already says so) and ``leave status recorded`` (pregnancy or family
leave: special category data, so the row says that a record changed, never what).
"""

from __future__ import annotations

from dataclasses import dataclass

from orgsim.domain.structure import PersonView, PostView, Structure, UnitView


@dataclass(frozen=True)
class UnitChange:
    id: str
    #: created | closed | moved | renamed
    change: str
    before: UnitView | None
    after: UnitView | None


@dataclass(frozen=True)
class PostChange:
    id: str
    #: created | deleted | moved | retitled | regraded | fte | cost | accountabilities
    change: str
    before: PostView | None
    after: PostView | None


@dataclass(frozen=True)
class PersonChange:
    id: str
    #: joined | left | not present | post | status | post and status | renamed | regraded
    #: | pay protected | offered | voluntary redundancy interest | offer refused
    #: | leave status recorded
    change: str
    before: PersonView | None
    after: PersonView | None


@dataclass(frozen=True)
class Changes:
    before: Structure
    after: Structure
    units: tuple[UnitChange, ...]
    posts: tuple[PostChange, ...]
    people: tuple[PersonChange, ...]

    def post_changes(self, post_id: str) -> tuple[str, ...]:
        """The kinds of change a post went through (in a fixed order)."""
        return tuple(c.change for c in self.posts if c.id == post_id)

    def posts_by_change(self, change: str) -> list[PostChange]:
        return [c for c in self.posts if c.change == change]

    def summary(self) -> dict[str, int]:
        """``units_created``, ``posts_moved``, ``people_left``... counts, sorted by key."""
        out: dict[str, int] = {}
        for section, rows in (
            ("units", self.units),
            ("posts", self.posts),
            ("people", self.people),
        ):
            for row in rows:
                key = f"{section}_{row.change.replace(' ', '_')}"
                out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))


def post_moved(old: PostView, new: PostView) -> bool:
    return old.unit != new.unit or old.recorded_reports_to != new.recorded_reports_to


def changes_between(before: Structure, after: Structure) -> Changes:
    """Every unit, post and person that differs from ``before`` to ``after``."""
    units: list[UnitChange] = []
    for uid in sorted(before.units.keys() | after.units.keys()):
        old_u, new_u = before.units.get(uid), after.units.get(uid)
        if old_u is None:
            units.append(UnitChange(uid, "created", None, new_u))
        elif new_u is None:
            units.append(UnitChange(uid, "closed", old_u, after.former_units.get(uid)))
        else:
            if old_u.parent != new_u.parent:
                units.append(UnitChange(uid, "moved", old_u, new_u))
            if old_u.name != new_u.name:
                units.append(UnitChange(uid, "renamed", old_u, new_u))

    posts: list[PostChange] = []
    for pid in sorted(before.posts.keys() | after.posts.keys()):
        old_p, new_p = before.posts.get(pid), after.posts.get(pid)
        if old_p is None:
            posts.append(PostChange(pid, "created", None, new_p))
        elif new_p is None:
            posts.append(PostChange(pid, "deleted", old_p, after.former_posts.get(pid)))
        else:
            if post_moved(old_p, new_p):
                posts.append(PostChange(pid, "moved", old_p, new_p))
            if old_p.title != new_p.title:
                posts.append(PostChange(pid, "retitled", old_p, new_p))
            if old_p.grade != new_p.grade:
                posts.append(PostChange(pid, "regraded", old_p, new_p))
            if old_p.fte != new_p.fte:
                posts.append(PostChange(pid, "fte", old_p, new_p))
            if old_p.cost != new_p.cost:
                posts.append(PostChange(pid, "cost", old_p, new_p))
            if old_p.accountabilities != new_p.accountabilities:
                posts.append(PostChange(pid, "accountabilities", old_p, new_p))

    people: list[PersonChange] = []
    for pid in sorted(_everyone(before) | _everyone(after)):
        old, new = before.person(pid), after.person(pid)
        if new is None:  # only the other branch knows them
            people.append(PersonChange(pid, "not present", old, None))
        elif old is None:
            people.append(PersonChange(pid, "left" if new.left else "joined", None, new))
        elif old.left is None and new.left is not None:
            people.append(PersonChange(pid, "left", old, new))
        else:
            changed = []
            if old.substantive != new.substantive:
                changed.append("post")
            if old.status != new.status:
                changed.append("status")
            if changed:
                people.append(PersonChange(pid, " and ".join(changed), old, new))
            if old.name != new.name:
                people.append(PersonChange(pid, "renamed", old, new))
            if old.grade != new.grade:
                people.append(PersonChange(pid, "regraded", old, new))
            if old.pay_protection != new.pay_protection and new.pay_protection is not None:
                people.append(PersonChange(pid, "pay protected", old, new))
            if new.offer is not None and new.offer.state == "open" and old.offer != new.offer:
                people.append(PersonChange(pid, "offered", old, new))
            if old.vr_interest != new.vr_interest and new.vr_interest is not None:
                people.append(PersonChange(pid, "voluntary redundancy interest", old, new))
            refused = new.offer is not None and new.offer.state == "refused"
            if refused and old.offer != new.offer and "status" not in changed:
                people.append(PersonChange(pid, "offer refused", old, new))
            if old.leave != new.leave:  # that it was recorded, never what (special category)
                people.append(PersonChange(pid, "leave status recorded", old, new))
    return Changes(before, after, tuple(units), tuple(posts), tuple(people))


def _everyone(structure: Structure) -> set[str]:
    return structure.people.keys() | structure.leavers.keys()
