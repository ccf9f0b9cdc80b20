"""Translators of the people steps (personal details, leave, redeployment: SPEC 13,
issue 15) into events, registered with
:func:`orgsim.scenario.steps.translates` like every other step.

Dates the statute fixes are computed here once and stored in the event: the end of the
four-week trial (ERA 1996 s138(3)(b)(i)) and the end of pay protection from the policy's
``pay_protection_months``; the event's handler then checks them.
"""

from __future__ import annotations

import datetime as dt

from orgsim.domain import events as ev
from orgsim.domain.people_rules import find_volunteer
from orgsim.domain.redeployment import add_months, statutory_trial_end
from orgsim.domain.slotting.scope import policy_of
from orgsim.scenario import parse_people as rd
from orgsim.scenario.steps import Context, Events, StepFailed, _state, translates


@translates(rd.ExpressInterest)
def express_interest(step: rd.ExpressInterest, context: Context) -> Events:
    return [
        ev.VoluntaryRedundancyInterestExpressed(
            **context.dated(step), person=step.person, outcome=step.outcome
        )
    ]


@translates(rd.OfferStep)
def offer(step: rd.OfferStep, context: Context) -> Events:
    meta = context.dated(step)
    start = step.trial_start or meta["effective"]
    end = step.trial_end or statutory_trial_end(start)
    bumps = step.bumps
    if bumps is not None:
        state = _state(context, meta["effective"])
        if bumps not in state.people:
            if bumps not in state.posts:
                raise StepFailed(f"bumps: unknown person or post {bumps!r}")
            volunteer = find_volunteer(state, bumps)
            if volunteer is None:
                raise StepFailed(f"bumps: nobody left post {bumps!r} by voluntary redundancy")
            bumps = volunteer
    return [
        ev.RedeploymentOffered(
            **meta, person=step.person, post=step.post, trial_start=start, trial_end=end,
            bumps=bumps,
        )
    ]  # fmt: skip


@translates(rd.AcceptOffer)
def accept_offer(step: rd.AcceptOffer, context: Context) -> Events:
    return [ev.RedeploymentAccepted(**context.dated(step), person=step.person, post=step.post)]


@translates(rd.RefuseOffer)
def refuse_offer(step: rd.RefuseOffer, context: Context) -> Events:
    return [
        ev.RedeploymentRefused(
            **context.dated(step), person=step.person, post=step.post, reasonable=step.reasonable
        )
    ]


@translates(rd.ProtectPay)
def protect_pay(step: rd.ProtectPay, context: Context) -> Events:
    meta = context.dated(step)
    start = step.start or meta["effective"]
    if step.until is not None and step.months is not None:
        raise StepFailed("give until or months, not both")
    months = step.months
    if step.until is None and months is None:
        months = policy_of(_state(context, meta["effective"])).pay_protection_months
        if months is None:
            raise StepFailed("give until or months: the policy sets no pay_protection_months")
    # "12 months from 1 April 2014" runs to 31 March 2015 inclusive
    until = step.until or add_months(start, months or 0) - dt.timedelta(days=1)
    return [ev.PayProtected(**meta, person=step.person, start=start, until=until, months=months)]


# --- personal details for redundancy cost (SPEC section 13) ---------------------------


@translates(rd.RecordPerson)
def record_person(step: rd.RecordPerson, context: Context) -> Events:
    if step.weekly_pay is not None and step.salary is not None:
        raise StepFailed("give weekly_pay or salary, not both")
    if all(
        v is None
        for v in (step.born, step.service_start, step.weekly_pay, step.salary, step.notice_weeks)
    ):
        raise StepFailed(
            "nothing to record: give born, service_start, weekly_pay, salary or notice_weeks"
        )
    return [
        ev.PersonDetailsRecorded(
            **context.dated(step),
            person=step.person,
            born=step.born,
            service_start=step.service_start,
            weekly_pay=step.weekly_pay,
            salary=step.salary,
            notice_weeks=step.notice_weeks,
        )
    ]


# --- priority status: pregnancy and family leave (issue 15) ---------------------------


@translates(rd.LeaveStatus)
def leave_status(step: rd.LeaveStatus, context: Context) -> Events:
    if step.end is not None and step.end < step.start:
        raise StepFailed(f"'to' ({step.end}) is before 'from' ({step.start})")
    return [
        ev.PersonLeaveStatusRecorded(
            **context.dated(step),
            person=step.person,
            status=step.status,
            start=step.start,
            end=step.end,
            birth=step.birth,
        )
    ]
