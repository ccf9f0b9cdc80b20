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

This is the write side: it produces events and may read the branch's ``OrgState``, but
every question about the organisation as it stands (who holds a post, which units are
under the organisation, the live posts) is asked of the read model built once from it.
The work is split by job: :mod:`~orgsim.interchange.reconcile_units` (organisation,
units, grades), :mod:`~orgsim.interchange.reconcile_posts` (posts),
:mod:`~orgsim.interchange.reconcile_people` (matching holders to people);
:mod:`~orgsim.interchange.reconcile_base` holds what they share.
"""

from __future__ import annotations

import datetime as dt

from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.interchange.organogram import Release
from orgsim.interchange.reconcile_base import PROFESSION_PREFIX, UNDISCLOSED, Plan
from orgsim.interchange.reconcile_people import HolderPlanning
from orgsim.interchange.reconcile_posts import PostPlanning
from orgsim.interchange.reconcile_units import UnitPlanning

__all__ = ["PROFESSION_PREFIX", "UNDISCLOSED", "Plan", "Planner", "plan_import"]


class Planner(UnitPlanning, PostPlanning, HolderPlanning):
    """The events that bring a branch to one release: units and grades, posts, holders."""

    def plan(self) -> Plan:
        release = self.release
        org_id, root_name, org_events = self._organisation()
        self.org_id = org_id
        scope = self._scope(org_id)
        unit_of, wanted_units = self._units(org_id, root_name, scope)
        live = {pid: p for pid, p in self.view.posts.items() if p.unit in scope}
        grade_of, grade_events = self._grades(list(live.values()))

        wanted = self._wanted_posts(org_id, unit_of, grade_of, live)

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


def plan_import(
    release: Release,
    state: OrgState,
    *,
    effective: dt.date,
    recorded: dt.datetime,
    actor: str | None = None,
    fresh: bool = False,
    branch: str = "",
) -> Plan:
    """The events that bring ``state`` to the release (none when it already matches)."""
    return Planner(
        release,
        state,
        effective=effective,
        recorded=recorded,
        actor=actor,
        fresh=fresh,
        branch=branch,
    ).plan()
