"""Planning a release's posts: the posts it wants, and the events that make them so.

Each senior post of the release is a wanted post ``<org>-<ref>``; each junior group a
wanted post under its senior post. Compared with the organisation's live posts (read
from the read model), a wanted post is created, retitled, regraded or moved; a live post
the release no longer lists is deleted (its reason says whether the file marked it
Eliminated). A post's manager is compared as *recorded* — this is the write side, and an
event moves the recorded line — and a move that would close a circle with the old lines
is refused with a warning. FTE, pay and job function changes are recorded with their own
events (``PostFteChanged``, ``PostCostChanged``, ``PostAccountabilitiesChanged``), and a
post the file puts at the top is detached from its manager (``PostReportingCleared``), so
a branch after a series of releases equals a fresh import of the latest one.
"""

from __future__ import annotations

from collections.abc import Callable

from orgsim.domain import events as ev
from orgsim.domain.structure import PostView
from orgsim.interchange.names import slug
from orgsim.interchange.reconcile_base import (
    PlanContext,
    Wanted,
    accountabilities,
    junior_cost,
    pick_id,
    post_cost,
)


class PostPlanning(PlanContext):
    def _wanted_posts(
        self,
        org_id: str,
        unit_of: dict[tuple[str, str], str],
        grade_of: Callable[[str], str],
        live: dict[str, PostView],
    ) -> dict[str, Wanted]:
        """Every post the release wants, senior and junior, under its id: an existing live
        post of the organisation keeps its id; anything else gets a fresh one."""
        release, state = self.release, self.state
        assigned: set[str] = set()
        post_reusable = lambda pid: pid in live  # noqa: E731
        senior_ids: dict[str, str] = {}
        for ref in release.posts:
            senior_ids[ref] = pick_id(f"{org_id}-{ref}", state.posts, post_reusable, assigned)
        wanted: dict[str, Wanted] = {}
        for ref, post in release.posts.items():
            pid = senior_ids[ref]
            wanted[pid] = Wanted(
                id=pid,
                title=post.title,
                grade=grade_of(post.grade),
                unit=unit_of[(post.organisation, slug(post.unit, ""))],
                reports_to=senior_ids[post.reports_to] if post.reports_to else None,
                fte=post.fte,
                cost=post_cost(post),
                accountabilities=accountabilities(post.function, post.profession),
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
            pid = pick_id(base, state.posts, post_reusable, assigned)
            wanted[pid] = Wanted(
                id=pid,
                title=group.title,
                grade=grade_of(group.grade),
                unit=unit_of[(group.organisation, slug(group.unit, ""))],
                reports_to=manager,
                fte=group.fte,
                cost=junior_cost(group),
                accountabilities=accountabilities("", group.profession),
                source=f"{self.junior_name}:{group.line}",
                holders=[],
            )
        wanted = self._keep_group_ids(wanted, live)
        self._depths(wanted)
        return wanted

    def _keep_group_ids(
        self, wanted: dict[str, Wanted], live: dict[str, PostView]
    ) -> dict[str, Wanted]:
        """A junior group's id is made of its manager, unit, grade, profession and title;
        when one of unit, grade and title changes, the group is the same one relabelled.
        A new group id that pairs with exactly one live group of the same manager and
        profession no longer wanted, agreeing on two of the three, takes that group's id
        (so the change is a retitle, regrade or move, not a deletion and a creation)."""
        gone = [pid for pid in sorted(live) if "." in pid and pid not in wanted]
        if not gone:
            return wanted

        def parts(pid: str) -> list[str] | None:
            split = pid.split(".")
            return split if len(split) == 5 else None

        pool: dict[tuple[str, str], list[tuple[str, list[str]]]] = {}
        for pid in gone:
            split = parts(pid)
            if split is not None:
                pool.setdefault((split[0], split[3]), []).append((pid, split))
        renamed: dict[str, str] = {}
        taken: set[str] = set()
        for pid in sorted(wanted):
            if pid in live or "." not in pid:
                continue
            split = parts(pid)
            if split is None:
                continue
            close = [
                old
                for old, old_split in pool.get((split[0], split[3]), [])
                if old not in taken and sum(split[i] == old_split[i] for i in (1, 2, 4)) == 2
            ]
            if len(close) == 1:
                taken.add(close[0])
                renamed[pid] = close[0]
        if not renamed:
            return wanted
        out: dict[str, Wanted] = {}
        for pid, post in wanted.items():
            new_id = renamed.get(pid, pid)
            post.id = new_id
            out[new_id] = post
        return out

    def _depths(self, wanted: dict[str, Wanted]) -> None:
        """Depth of each post in the wanted tree (top posts 0), without recursion."""
        memo: dict[str, int] = {}
        for pid in wanted:
            chain: list[str] = []
            current: str | None = pid
            while current in wanted and current not in memo and len(chain) <= len(wanted):
                chain.append(current)
                current = wanted[current].reports_to
                if current is None:
                    break
            base = memo.get(current, -1) if current is not None else -1
            for offset, item in enumerate(reversed(chain), start=1):
                memo[item] = base + offset
        for pid, post in wanted.items():
            post.depth = memo.get(pid, 0)

    def _post_events(self, wanted: dict[str, Wanted], live: dict[str, PostView]) -> list[ev.Event]:
        created: list[ev.Event] = []
        changed: list[ev.Event] = []
        moved: list[ev.Event] = []
        deleted: list[ev.Event] = []
        parent_of: dict[str, str | None] = {
            pid: p.recorded_reports_to for pid, p in self.view.posts.items()
        }
        cleared: list[ev.Event] = []
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
                changed.append(
                    ev.PostFteChanged(**self.meta(post.source), post=post.id, fte=post.fte)
                )
            if current.cost != post.cost:
                changed.append(
                    ev.PostCostChanged(**self.meta(post.source), post=post.id, cost=post.cost)
                )
            if current.accountabilities != tuple((a.text, a.weight) for a in post.accountabilities):
                changed.append(
                    ev.PostAccountabilitiesChanged(
                        **self.meta(post.source),
                        post=post.id,
                        accountabilities=post.accountabilities,
                    )
                )
            new_unit = post.unit if current.unit != post.unit else None
            new_manager: str | None = None
            if post.reports_to != current.recorded_reports_to:
                if post.reports_to is None:
                    cleared.append(ev.PostReportingCleared(**self.meta(post.source), post=post.id))
                    parent_of[post.id] = None
                else:
                    chain: str | None = post.reports_to
                    seen = 0
                    while chain is not None and chain != post.id and seen <= len(parent_of):
                        chain = parent_of.get(chain)
                        seen += 1
                    if chain == post.id:
                        self.warnings.append(
                            f"{post.source}: moving post {post.id} under {post.reports_to} "
                            f"would make a circle with its old line: it stays under "
                            f"{current.recorded_reports_to}"
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
        return [*created, *changed, *cleared, *moved, *deleted]
