"""Reporting lines of one organogram release: repairs, and how deep each grade sits.

A published file's ``Reports to Senior Post`` column is often wrong: a post reporting to
itself, to nothing, to a post not in the file or to an Eliminated one, a reference in
the wrong case, posts reporting in a circle. The structure must still be a forest of
posts, so each fault is repaired the one obvious way and reported as a warning. Once the
lines are sound, the depth at which each grade appears orders grades the file leaves
unranked (:mod:`orgsim.interchange.grades`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from orgsim.interchange.names import compact_key
from orgsim.interchange.organogram_csv import safe_ref

if TYPE_CHECKING:  # the posts module reads rows and calls the repairs here
    from orgsim.interchange.grades import GradeInfo
    from orgsim.interchange.organogram_posts import JuniorPost, SeniorPost

#: ``warn(line, message)``: one warning against the file being read.
Warn = Callable[[int, str], None]


def case_fix(target: str, posts: dict[str, SeniorPost]) -> str | None:
    """The one post reference equal to ``target`` but for case, if any."""
    found = [ref for ref in posts if ref.casefold() == target.casefold()]
    return found[0] if len(found) == 1 else None


def resolve_reports(posts: dict[str, SeniorPost], eliminated: dict[str, int], warn: Warn) -> None:
    """Set each post's manager from its raw ``Reports to Senior Post``, repairing what the
    file gets wrong (each repair a warning, recorded in ``post.repaired``)."""
    for ref, post in posts.items():
        target = safe_ref(post.raw_reports_to) if post.raw_reports_to else ""
        if target and target not in posts and target.upper() != "XX":
            fixed = case_fix(target, posts)
            if fixed is not None:
                warn(post.line, f"post {ref} reports to {target}: read as {fixed}")
                target = fixed
        if post.raw_reports_to.upper() == "XX":
            post.reports_to = None
        elif not target:
            warn(
                post.line,
                f"post {ref} has no Reports to Senior Post: treated as a top post",
            )
            post.repaired = "none"
        elif target == ref:
            warn(post.line, f"post {ref} reports to itself: treated as a top post")
            post.repaired = "self"
        elif target in posts:
            post.reports_to = target
        else:
            what = "Eliminated post" if target in eliminated else "unknown post"
            warn(
                post.line,
                f"post {ref} reports to {what} {target}: treated as a top post",
            )
            post.repaired = "dangling"
    # circles: break each at its first post in file order
    state: dict[str, int] = {}
    for start in posts:
        chain: list[str] = []
        current: str | None = start
        while current is not None and state.get(current, 0) == 0:
            state[current] = 1
            chain.append(current)
            current = posts[current].reports_to
        if current is not None and state.get(current) == 1:
            circle = chain[chain.index(current) :]
            first = min(circle, key=lambda r: posts[r].line)
            warn(
                posts[first].line,
                f"posts {' -> '.join([*circle, circle[0]])} report in a circle: "
                f"{first} treated as a top post",
            )
            posts[first].reports_to = None
            posts[first].repaired = "circle"
        for ref in chain:
            state[ref] = 2
    roots = [ref for ref, p in posts.items() if p.reports_to is None]
    if len(roots) > 1:
        shown = ", ".join(roots[:8]) + (", ..." if len(roots) > 8 else "")
        warn(
            posts[roots[1]].line,
            f"{len(roots)} top posts ({shown}): the structure has several roots",
        )


def grade_depths(
    posts: dict[str, SeniorPost], groups: list[JuniorPost], grades: dict[str, GradeInfo]
) -> None:
    """Record how deep in the reporting lines each grade sits (to order unknown grades)."""
    depth: dict[str, int] = {}
    for ref in posts:
        chain: list[str] = []
        current: str | None = ref
        while current is not None and current not in depth and len(chain) <= len(posts):
            chain.append(current)
            current = posts[current].reports_to
        base = depth.get(current, -1) if current is not None else -1
        for offset, item in enumerate(reversed(chain), start=1):
            depth[item] = base + offset
    for ref, post in posts.items():
        grades[compact_key(post.grade)].seen_at(depth[ref])
    for group in groups:
        above = depth.get(group.senior, -1) if group.senior else -1
        grades[compact_key(group.grade)].seen_at(above + 1)
