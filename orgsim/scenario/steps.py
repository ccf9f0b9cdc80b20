"""Scenario steps as events: one typed translator per step kind (README, "Steps").

A translator takes its parsed step and a :class:`Context` (the default effective date,
the provenance, and the branch as the earlier steps leave it) and returns the events the
step records. It raises :class:`StepFailed` with the cause only: the runner knows the
file, line and step and prefixes them, so every message keeps one shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict, TypeVar

from orgsim.domain import events as ev
from orgsim.domain.slotting.scope import check_by_hand, outcome_events, propose
from orgsim.domain.state import OrgState
from orgsim.scenario import parse as sc
from orgsim.scenario.progress import Progress


class StepFailed(ValueError):
    """A step that cannot become events; the message is the cause alone."""


class Provenance(TypedDict):
    """The fields every event of a step carries (typed, so ``**meta`` is checked)."""

    effective: dt.date
    recorded: dt.datetime
    reason: str | None
    source: str | None
    actor: str | None


@dataclass
class Context:
    """What a step may see: the script's defaults and the branch so far.

    ``where`` (``file:line: step N (name)``) is only for warnings, which are not
    errors and so are not prefixed by the runner.
    """

    default_effective: dt.date | None
    recorded: dt.datetime
    actor: str | None
    so_far: Progress
    where: str
    warnings: list[str] = field(default_factory=list)

    def effective(self, step: sc.Step) -> dt.date:
        """The step's own date, else the script's; a dated step needs one of them."""
        effective = step.effective or self.default_effective
        if effective is None:
            raise StepFailed(
                "no effective date: give 'effective:' at the top of the script or on the step"
            )
        return effective

    def meta(self, step: sc.Step, effective: dt.date) -> Provenance:
        return Provenance(
            effective=effective,
            recorded=self.recorded,
            reason=step.reason,
            source=step.source,
            actor=step.actor or self.actor,
        )

    def dated(self, step: sc.Step) -> Provenance:
        return self.meta(step, self.effective(step))


Events = list[ev.Event]
_S = TypeVar("_S", bound=sc.Step)
#: Step type -> translator. Values take ``Any`` because the key fixes the step type;
#: :func:`translates` checks each pair when it is registered.
TRANSLATORS: dict[type[sc.Step], Callable[[Any, Context], Events]] = {}


def translates(
    kind: type[_S],
) -> Callable[[Callable[[_S, Context], Events]], Callable[[_S, Context], Events]]:
    def register(translate: Callable[[_S, Context], Events]) -> Callable[[_S, Context], Events]:
        TRANSLATORS[kind] = translate
        return translate

    return register


def translate(step: sc.Step, context: Context) -> Events:
    """The events of one step (raises StepFailed, or ReplayError from a fold)."""
    return TRANSLATORS[type(step)](step, context)


# --- units ---------------------------------------------------------------------------


@translates(sc.CreateUnit)
def create_unit(step: sc.CreateUnit, context: Context) -> Events:
    return [
        ev.UnitCreated(
            **context.dated(step), unit=step.id, name=step.name, kind=step.kind, parent=step.parent
        )
    ]


@translates(sc.RenameUnit)
def rename_unit(step: sc.RenameUnit, context: Context) -> Events:
    return [ev.UnitRenamed(**context.dated(step), unit=step.id, name=step.name)]


@translates(sc.MoveUnit)
def move_unit(step: sc.MoveUnit, context: Context) -> Events:
    return [ev.UnitMoved(**context.dated(step), unit=step.id, parent=step.parent)]


@translates(sc.CloseUnit)
def close_unit(step: sc.CloseUnit, context: Context) -> Events:
    return [ev.UnitClosed(**context.dated(step), unit=step.id)]


@translates(sc.TransferUnit)
def transfer_unit(step: sc.TransferUnit, context: Context) -> Events:
    return [
        ev.UnitTransferredOut(
            **context.dated(step), unit=step.id, to=step.to.id, to_name=step.to.name
        )
    ]


# --- posts ---------------------------------------------------------------------------


@translates(sc.CreatePost)
def create_post(step: sc.CreatePost, context: Context) -> Events:
    return [
        ev.PostCreated(
            **context.dated(step),
            post=step.id,
            title=step.title,
            grade=step.grade,
            unit=step.unit,
            reports_to=step.reports_to,
            fte=step.fte,
            accountabilities=[
                ev.Accountability(text=a.text, weight=a.weight) for a in step.accountabilities
            ],
            cost=step.cost,
        )
    ]


@translates(sc.RetitlePost)
def retitle_post(step: sc.RetitlePost, context: Context) -> Events:
    return [ev.PostRetitled(**context.dated(step), post=step.id, title=step.title)]


@translates(sc.RegradePost)
def regrade_post(step: sc.RegradePost, context: Context) -> Events:
    return [ev.PostRegraded(**context.dated(step), post=step.id, grade=step.grade)]


@translates(sc.MovePost)
def move_post(step: sc.MovePost, context: Context) -> Events:
    return [
        ev.PostMoved(
            **context.dated(step), post=step.id, unit=step.unit, reports_to=step.reports_to
        )
    ]


@translates(sc.DeletePost)
def delete_post(step: sc.DeletePost, context: Context) -> Events:
    return [ev.PostDeleted(**context.dated(step), post=step.id)]


@translates(sc.ChangePostFte)
def change_post_fte(step: sc.ChangePostFte, context: Context) -> Events:
    return [ev.PostFteChanged(**context.dated(step), post=step.id, fte=step.fte)]


@translates(sc.ChangePostCost)
def change_post_cost(step: sc.ChangePostCost, context: Context) -> Events:
    return [ev.PostCostChanged(**context.dated(step), post=step.id, cost=step.cost)]


@translates(sc.ChangeAccountabilities)
def change_accountabilities(step: sc.ChangeAccountabilities, context: Context) -> Events:
    items = [ev.Accountability(text=a.text, weight=a.weight) for a in step.accountabilities]
    return [
        ev.PostAccountabilitiesChanged(**context.dated(step), post=step.id, accountabilities=items)
    ]


@translates(sc.ClearReportsTo)
def clear_reports_to(step: sc.ClearReportsTo, context: Context) -> Events:
    return [ev.PostReportingCleared(**context.dated(step), post=step.id)]


# --- people --------------------------------------------------------------------------


@translates(sc.Join)
def join(step: sc.Join, context: Context) -> Events:
    return [
        ev.PersonJoined(
            **context.dated(step),
            person=step.id,
            name=step.name,
            grade=step.grade,
            characteristics=dict(step.characteristics),
        )
    ]


@translates(sc.RenamePerson)
def rename_person(step: sc.RenamePerson, context: Context) -> Events:
    return [ev.PersonRenamed(**context.dated(step), person=step.id, name=step.name)]


@translates(sc.RegradePerson)
def regrade_person(step: sc.RegradePerson, context: Context) -> Events:
    return [ev.PersonRegraded(**context.dated(step), person=step.id, grade=step.grade)]


@translates(sc.Assign)
def assign(step: sc.Assign, context: Context) -> Events:
    return [
        ev.PersonAssigned(
            **context.dated(step), person=step.person, post=step.post, fte=step.fte, kind=step.kind
        )
    ]


@translates(sc.Unassign)
def unassign(step: sc.Unassign, context: Context) -> Events:
    return [ev.PersonUnassigned(**context.dated(step), person=step.person, post=step.post)]


@translates(sc.Leave)
def leave(step: sc.Leave, context: Context) -> Events:
    return [ev.PersonLeft(**context.dated(step), person=step.person, cause=step.cause)]


@translates(sc.Appoint)
def appoint(step: sc.Appoint, context: Context) -> Events:
    return [
        ev.PersonAppointed(
            **context.dated(step),
            person=step.person,
            post=step.post,
            basis=step.basis,
            fte=step.fte,
        )
    ]


# --- slotting ------------------------------------------------------------------------


@translates(sc.MatchStep)
def match(step: sc.MatchStep, context: Context) -> Events:
    meta = context.dated(step)
    for post in (step.old, step.new):
        if post not in context.so_far.known_posts:
            raise StepFailed(
                f"unknown post {post!r} (a match may name any post the branch creates, at any date)"
            )
    return [
        ev.JobMatchAssessed(
            **meta,
            old=step.old,
            new=step.new,
            percent=step.percent,
            assessor=step.assessor,
            basis=step.basis,
        )
    ]


def _state(context: Context, effective: dt.date) -> OrgState:
    """The branch at the step's date, with every earlier step (ReplayError propagates:
    the runner blames the step that broke the fold)."""
    return context.so_far.state_at(effective)


@translates(sc.Slot)
def slot(step: sc.Slot, context: Context) -> Events:
    meta = context.dated(step)
    state = _state(context, meta["effective"])
    return outcome_events(propose(state), state, {**meta})


@translates(sc.SlotPerson)
def slot_person(step: sc.SlotPerson, context: Context) -> Events:
    meta = context.dated(step)
    state = _state(context, meta["effective"])
    verdict = check_by_hand(state, step.person, step.post)
    if verdict is not None and not verdict.compliant:
        context.warnings.append(
            f"{context.where}: slotting {step.person} into {step.post} breaks "
            f"the policy: {'; '.join(verdict.reasons)} (recorded as decided)"
        )
    return [
        ev.PersonSlotted(
            **meta,
            person=step.person,
            post=step.post,
            basis=step.basis,
            by_engine=False,
            reasons=list(verdict.reasons) if verdict else [],
        )
    ]


# --- consultation and decisions (dated by their own fields) -------------------------


@translates(sc.Consult)
def consult(step: sc.Consult, context: Context) -> Events:
    if step.closes < step.opens:
        raise StepFailed(f"the consultation closes ({step.closes}) before it opens ({step.opens})")
    so_far = context.so_far
    for item in step.scope:
        if item not in so_far.known_posts and item not in so_far.units:
            raise StepFailed(f"scope: unknown post or unit {item!r}")
    consultation = step.id or f"consultation-{so_far.consultations + 1}"
    opened = context.meta(step, step.opens)
    closed = context.meta(step, step.closes)
    return [
        ev.ConsultationOpened(
            **opened,
            consultation=consultation,
            opens=step.opens,
            closes=step.closes,
            scope=list(step.scope),
        ),
        ev.ConsultationClosed(**closed, consultation=consultation),
    ]


@translates(sc.Decide)
def decide(step: sc.Decide, context: Context) -> Events:
    return [
        ev.DecisionRecorded(**context.meta(step, step.on), by=step.by, on=step.on, what=step.what)
    ]


# --- people: personal details, leave, redeployment (SPEC 13, issue 15): own module -----
# (registers its translators; tests/test_fact_steps.py checks every step kind has one)
from orgsim.scenario import steps_people  # noqa: E402, F401
