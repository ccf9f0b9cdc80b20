"""What every table of the pack needs to know: the two read models, and how to refer to
posts, units and people (by name only when asked for).

Titles and names are looked up in the structures given, first that knows it wins: a post
deleted by the proposed date is still known as it stood (``former_posts``), so a table can
name it either side of the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from orgsim.domain.structure import PostView, Structure, UnitView


def known_post(structures: Iterable[Structure], post_id: str | None) -> PostView | None:
    for structure in structures:
        if post_id is not None and (post := structure.post(post_id)) is not None:
            return post
    return None


def known_unit(structures: Iterable[Structure], unit_id: str | None) -> UnitView | None:
    for structure in structures:
        if unit_id is not None and (unit := structure.unit(unit_id)) is not None:
            return unit
    return None


def post_title(structures: Iterable[Structure], post_id: str | None) -> str:
    """A post's title from the first structure that knows it, else its id."""
    if post_id is None:
        return ""
    post = known_post(structures, post_id)
    return post.title if post is not None else post_id


def unit_name(structures: Iterable[Structure], unit_id: str | None) -> str:
    if unit_id is None:
        return ""
    unit = known_unit(structures, unit_id)
    return unit.name if unit is not None else unit_id


@dataclass
class Context:
    """The current (``before``) and proposed (``after``) structures and how to refer to
    people: ``labels`` say "the post holder of X" when names are left out; ``redact``
    scrubs free text."""

    branch: str
    before: Structure
    after: Structure
    names: bool
    labels: dict[str, str]
    redact: Callable[[str | None], str]
    #: the internal version: individual outcomes after slotting shown row by row
    internal: bool = False
    #: post ids in reason text -> "Title (grade G)" (:mod:`orgsim.views.plain`)
    plain: Callable[[str], str] = str

    def reason(self, text: str | None) -> str:
        """A reason as the pack prints it: people redacted, posts by title and grade."""
        return self.plain(self.redact(text))

    @property
    def both(self) -> tuple[Structure, Structure]:
        """Proposed first: a post retitled by the change is called by its new title."""
        return (self.after, self.before)

    def title(self, post_id: str | None) -> str:
        return post_title(self.both, post_id)

    def unit_name(self, unit_id: str | None) -> str:
        return unit_name(self.both, unit_id)

    def grade(self, post_id: str) -> str:
        post = known_post(self.both, post_id)
        return post.grade if post is not None else ""

    def unit_kind(self, unit_id: str) -> str:
        unit = known_unit(self.both, unit_id)
        return unit.kind if unit is not None else ""

    def who(self, person_id: str) -> str:
        """A person's name with ``names``, else how the pack refers to them."""
        if self.names:
            for structure in self.both:
                person = structure.person(person_id)
                if person is not None:
                    return person.name
        return self.labels.get(person_id, "a member of staff")

    def post_text(self, post_id: str | None) -> str:
        """Title (grade)."""
        if post_id is None:
            return ""
        grade = self.grade(post_id)
        return f"{self.title(post_id)} ({grade})" if grade else self.title(post_id)
