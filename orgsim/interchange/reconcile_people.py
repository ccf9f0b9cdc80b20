"""Planning a release's holders: matching the people in the file to the branch's people.

For each live post the release keeps, its substantive holders (read from the read
model) are matched to the holders the file lists: first by the order-free name key,
then by a looser "same person" test (each such match reported in ``name_matches``);
``N/D`` only matches ``N/D``. What is left over is released (the person leaves the
post) or arrives. A released person who arrives in another post under the same name has
moved, not left and joined; a person released from every post and seen nowhere else
leaves. A matched holder whose FTE changed is unassigned and assigned again; one whose
name is now written differently is renamed, and one whose post changed grade is regraded
(``PersonRenamed``, ``PersonRegraded``), as a fresh import of the release would have them.
"""

from __future__ import annotations

from orgsim.domain import events as ev
from orgsim.domain.structure import PostView
from orgsim.interchange.names import name_key, same_person
from orgsim.interchange.organogram import Holder
from orgsim.interchange.reconcile_base import UNDISCLOSED, PlanContext, Wanted, pick_id


def person_id_base(org_id: str, post_ref: str, undisclosed: bool) -> str:
    """The id a new holder is given: the organisation and the post they arrive in, never
    their name (ids are printed where names are withheld: charts, packs, ``show``).
    ``org-ref-holder`` (``-holder-2``... when taken); ``org-ref-nd`` for a name not
    disclosed. A re-import finds people again by name, not by id, so nothing is lost."""
    return f"{org_id}-{post_ref}-{'nd' if undisclosed else 'holder'}"


class HolderPlanning(PlanContext):
    def _holders(
        self, wanted: dict[str, Wanted], live: dict[str, PostView], org_id: str
    ) -> tuple[list[ev.Event], list[ev.Event]]:
        """(events before the post changes, events after them)."""
        view = self.view

        def name_of(person_id: str) -> str:
            person = view.person(person_id)
            assert person is not None  # a holder is a person of the branch
            return person.name

        released: list[tuple[str, str]] = []  # (person, post) given up
        arrivals: list[tuple[Wanted, Holder]] = []
        refits: list[tuple[str, Wanted, Holder]] = []  # same holder, new FTE
        kept: list[tuple[str, Wanted, Holder]] = []  # same holder (maybe a new name or grade)

        for pid in sorted(live):
            # the substantive holders, as the read model has them (acting holders do not
            # hold the post in the file's sense: the file lists the substantive holder)
            held_by = {h.person: h for h in live[pid].holdings}
            holding = [held_by[person] for person in live[pid].holders]
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
                        name = name_of(assignment.person)
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
                    kept.append((found.person, post, holder))
                    if not exact:
                        self.name_matches.append(
                            {
                                "post": pid,
                                "person": found.person,
                                "recorded": name_of(found.person),
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
                if (person, old) not in taken and name_key(name_of(person)) == holder.key
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
            held = view.person(person)
            others = [p for p in (held.posts if held else ()) if p not in posts]
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
        known = view.people.keys() | view.leavers.keys()  # ids taken, by anyone ever
        for post, holder in arrivals:
            source = f"{self.senior_name}:{holder.line}"
            mover = moves.get((post.id, str(holder.line)))
            if mover is not None:
                kept.append((mover, post, holder))
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
            base = person_id_base(org_id, ref, holder.undisclosed)

            def reusable(pid: str) -> bool:
                """A current person with that name who holds nothing may take the post."""
                person = view.people.get(pid)
                return (
                    person is not None
                    and pid not in person_assigned
                    and not person.posts
                    and (holder.undisclosed or name_key(person.name) == holder.key)
                )

            person_id = pick_id(base, known, reusable, person_assigned)
            if person_id not in known:
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
        after += self._refresh(kept)
        return before, after

    def _refresh(self, kept: list[tuple[str, Wanted, Holder]]) -> list[ev.Event]:
        """A holder the release keeps takes the name the file now gives and the grade of
        their post, so a series of releases ends as a fresh import of the last one."""
        out: list[ev.Event] = []
        seen: set[str] = set()
        for person_id, post, holder in kept:
            person = self.view.person(person_id)
            if person is None or person_id in seen:
                continue
            seen.add(person_id)
            source = f"{self.senior_name}:{holder.line}"
            if person.name != holder.name:
                out.append(
                    ev.PersonRenamed(**self.meta(source), person=person_id, name=holder.name)
                )
            if person.grade != post.grade:
                out.append(
                    ev.PersonRegraded(**self.meta(source), person=person_id, grade=post.grade)
                )
        return out
