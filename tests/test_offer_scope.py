"""Offers and the slotting scope (issue 15 review), through scripts and the CLI.

The rules the expected values come from:

- SPEC 5: the posts in scope are the posts **vacant** at the date; a (person, post) pair
  is eligible at ``match_threshold`` (Kent: 75 %) of the same grade; a person eligible
  for a post nobody else needs is slotted.
- ERA 1996 s138/s141: an offer of suitable alternative employment is made to one person,
  who accepts or refuses it. While it is open the post is promised to them: slotting
  someone else into it would make the offer impossible to accept. So a post under an
  open offer is not vacant for slotting, and it is again once the offer is refused.
- ERA 1996 s138(2): a person who ends the new contract during the trial period is
  treated as dismissed when the previous contract ended: displaced from the old post
  again, so back in the slotting scope for posts matched to it.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from orgsim.domain import events as ev
from orgsim.domain.slotting.scope import policy_of, scope_around, scope_of
from orgsim.domain.structure import Structure
from orgsim.views.audit import _Replay
from tests.test_audit_scope import POLICIES, _component, _Log, _recorded

BASE = """\
scenario: base
effective: 2014-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: old-a, title: Finance Officer, grade: G2, unit: org}
  - create_post: {id: old-b, title: Payroll Officer, grade: G2, unit: org}
  - join: {id: pa, name: Avery Fictional, grade: G2}
  - join: {id: pb, name: Blair Notreal, grade: G2}
  - assign: {person: pa, post: old-a}
  - assign: {person: pb, post: old-b}
"""

#: Two new posts. Only B's old post matches Y (90 %): the engine would slot B into Y.
OPTION = """\
scenario: option
based_on: base
effective: 2014-05-01
policy: {{preset: kent}}
steps:
  - create_post: {{id: new-x, title: Revenues Officer, grade: G2, unit: org, effective: 2014-04-01}}
  - create_post: {{id: new-y, title: Payroll Lead, grade: G2, unit: org, effective: 2014-04-01}}
  - match: {{old: old-b, new: new-y, percent: 90, assessor: HR panel}}
  - delete_post: {{id: old-a, effective: 2014-04-01}}
  - delete_post: {{id: old-b, effective: 2014-04-01}}
{steps}"""


def run(cli, write, steps: str) -> None:
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION.format(steps=steps)))


def slot_outcomes(cli, at: str) -> dict[str, dict]:
    doc = cli.json("slot", "--branch", "option", "--at", at)
    return {o["person"]: o for o in doc["outcomes"]}


def test_a_post_under_an_open_offer_is_not_vacant_for_slotting(cli, write):
    run(cli, write, "  - offer: {person: pa, post: new-y}\n")
    # without the offer pb (90 % to new-y, same grade) would be slotted into it; with it
    # new-y is promised to pa, so nothing pb may be slotted into is vacant: at risk.
    got = slot_outcomes(cli, "2014-05-01")
    assert got["pb"]["outcome"] == "at_risk" and got["pb"].get("post") is None
    # a slot step takes the same view, so pa's acceptance still succeeds afterwards
    more = OPTION.format(steps="  - offer: {person: pa, post: new-y}\n").replace(
        "scenario: option", "scenario: later"
    )
    more += "  - slot: {}\n  - accept_offer: {person: pa, post: new-y}\n"
    cli.ok("run", write(more))
    show = cli.json("show", "--branch", "later", "--at", "2014-05-02")
    assert next(p for p in show["posts"] if p["id"] == "new-y")["holders"] == ["pa"]


def test_a_refused_offer_frees_the_post_for_slotting(cli, write):
    run(
        cli,
        write,
        "  - offer: {person: pa, post: new-y}\n"
        "  - refuse_offer: {person: pa, post: new-y, reasonable: true, effective: 2014-05-05}\n",
    )
    assert slot_outcomes(cli, "2014-05-01")["pb"]["outcome"] == "at_risk"  # still open
    got = slot_outcomes(cli, "2014-05-06")
    assert got["pb"]["outcome"] == "slotted" and got["pb"]["post"] == "new-y"


def test_a_hand_slot_into_a_post_on_offer_is_a_violation(cli, write):
    cli.ok("run", write(BASE))
    script = OPTION.format(
        steps="  - offer: {person: pa, post: new-y}\n  - slot_person: {person: pb, post: new-y}\n"
    )
    cli("run", write(script))  # a hand decision is recorded even when it breaks the policy
    audit = cli("audit", "--branch", "option", "--json")
    assert audit.returncode == 1
    (decision,) = json.loads(audit.stdout)["decisions"]
    assert decision["person"] == "pb" and decision["verdict"] == "violation"


# --- the audit after an s138(2) trial refusal ----------------------------------------

#: A is offered X and accepts; A's old post also matches Y at 80 %, B's at 76 %. While A
#: is on trial in X only B is displaced and B may be slotted into Y. A ends the trial on
#: 10 May (s138(2)): displaced from old-a again, A (80 %) and B (76 %) are both eligible
#: for Y, one post for two people: neither may be slotted (a ring-fenced pool, SPEC 5).


def test_the_audit_sees_a_person_back_in_scope_after_a_trial_refusal(cli, write):
    steps = (
        "  - match: {old: old-a, new: new-y, percent: 80, assessor: HR panel}\n"
        "  - offer: {person: pa, post: new-x}\n"
        "  - accept_offer: {person: pa, post: new-x}\n"
        "  - refuse_offer: {person: pa, post: new-x, reasonable: true, effective: 2014-05-10}\n"
        "  - slot_person: {person: pb, post: new-y, effective: 2014-05-12}\n"
    )
    script = OPTION.format(steps=steps).replace("percent: 90", "percent: 76")
    cli.ok("run", write(BASE))
    cli("run", write(script))
    # what the engine says at the decision's date: A is back, both eligible for new-y
    got = slot_outcomes(cli, "2014-05-11")
    assert got["pa"]["outcome"] == "ring_fenced" and got["pb"]["outcome"] == "ring_fenced"
    audit = cli("audit", "--branch", "option", "--json")
    (decision,) = json.loads(audit.stdout)["decisions"]
    assert decision["person"] == "pb" and decision["verdict"] == "violation"
    assert decision["reasons"][0].startswith("2 eligible candidates for 1 post")
    assert audit.returncode == 1
    # and the same hand slot while A was on trial in new-x (A not displaced) complies
    early = script.replace("scenario: option", "scenario: early").replace(
        "effective: 2014-05-12", "effective: 2014-05-08"
    )
    cli.ok("run", write(early))
    (decision,) = cli.json("audit", "--branch", "early")["decisions"]
    assert decision["person"] == "pb" and decision["verdict"] != "violation"


#: The same after a rebuild of the audit's replay between the acceptance and the refusal.
#: Two hand slots of other people while A is on trial, the second dated before the first:
#: the audit folds forward to 5 May for the first, then must rebuild its replay at 4 May
#: for the second (A then holds new-x, not displaced).
REBUILT = """\
  - create_post: {id: old-c, title: Clerk, grade: G2, unit: org, effective: 2014-03-01}
  - create_post: {id: old-d, title: Porter, grade: G2, unit: org, effective: 2014-03-01}
  - join: {id: pc, name: Casey Notreal, grade: G2, effective: 2014-03-01}
  - join: {id: pd, name: Dana Notreal, grade: G2, effective: 2014-03-01}
  - assign: {person: pc, post: old-c, effective: 2014-03-01}
  - assign: {person: pd, post: old-d, effective: 2014-03-01}
  - create_post: {id: new-z, title: Clerk, grade: G2, unit: org, effective: 2014-04-01}
  - create_post: {id: new-w, title: Porter, grade: G2, unit: org, effective: 2014-04-01}
  - match: {old: old-c, new: new-z, percent: 95, assessor: HR panel}
  - match: {old: old-d, new: new-w, percent: 95, assessor: HR panel}
  - match: {old: old-a, new: new-y, percent: 80, assessor: HR panel}
  - delete_post: {id: old-c, effective: 2014-04-01}
  - delete_post: {id: old-d, effective: 2014-04-01}
  - offer: {person: pa, post: new-x}
  - accept_offer: {person: pa, post: new-x}
  - slot_person: {person: pc, post: new-z, effective: 2014-05-05}
  - slot_person: {person: pd, post: new-w, effective: 2014-05-04}
  - refuse_offer: {person: pa, post: new-x, reasonable: true, effective: 2014-05-10}
  - slot_person: {person: pb, post: new-y, effective: 2014-05-12}
"""


def test_the_audit_sees_the_trial_refusal_after_its_replay_was_rebuilt(cli, write):
    cli.ok("run", write(BASE))
    cli.ok("run", write(OPTION.format(steps=REBUILT).replace("percent: 90", "percent: 76")))
    got = slot_outcomes(cli, "2014-05-11")  # A back in scope: two for new-y
    assert got["pa"]["outcome"] == "ring_fenced" and got["pb"]["outcome"] == "ring_fenced"
    audit = cli("audit", "--branch", "option", "--json")
    c, d, b = json.loads(audit.stdout)["decisions"]
    assert [(c["person"], c["verdict"]), (d["person"], d["verdict"])] == [
        ("pc", "compliant"),
        ("pd", "compliant"),
    ]
    assert (b["person"], b["verdict"]) == ("pb", "violation")
    assert b["reasons"][0].startswith("2 eligible candidates for 1 post")


# --- one definition: the audit's neighbourhood still equals the whole scope ----------


class _OfferLog(_Log):
    """tests/test_audit_scope.py's generated logs, with offers made, accepted and
    refused (during the trial too) among the other events."""

    def step(self) -> None:
        rng, state = self.rng, self.state()
        if rng.random() >= 0.2:
            super().step()
            return
        people = sorted(p for p, person in state.people.items() if person.left is None)
        displaced = [p for p in people if state.people[p].displaced_from is not None]
        vacant = sorted(
            p for p, post in state.posts.items() if post.deleted is None and state.is_vacant(p)
        )
        offers = [  # answerable: on trial, or open while the person is still displaced
            o[-1]
            for p, o in state.redeployment.offers.items()
            if (o[-1].state == "accepted" and self.day <= o[-1].trial_end)
            or (o[-1].state == "open" and state.people[p].displaced_from is not None)
        ]
        day = self.day
        if offers and rng.random() < 0.7:
            offer = rng.choice(offers)
            if offer.state == "open" and rng.random() < 0.5:
                self.add(
                    ev.RedeploymentAccepted(**self.meta(), person=offer.person, post=offer.post)
                )
            else:
                self.add(
                    ev.RedeploymentRefused(
                        **self.meta(), person=offer.person, post=offer.post, reasonable=True
                    )
                )
        elif displaced and vacant:
            self.add(
                ev.RedeploymentOffered(
                    **self.meta(), person=rng.choice(displaced), post=rng.choice(vacant),
                    trial_start=day, trial_end=day + dt.timedelta(days=27),
                )
            )  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
def test_the_audit_scope_equals_the_read_model_s_with_offers_open(seed):
    """As tests/test_audit_scope.py: after every event of a generated log with offers,
    the scope the audit reads around each person and post is the read model's (SPEC 5),
    cut to that neighbourhood, so both read an open offer from the same post view."""
    rng = random.Random(500 + seed)
    log = _OfferLog(rng, rng.choice(POLICIES))
    while len(log.items) < 130:
        log.step()
    kinds = {type(i.event) for i in log.items}
    assert {ev.RedeploymentOffered, ev.RedeploymentAccepted, ev.RedeploymentRefused} <= kinds
    replay = _Replay({e.event.post for e in log.items if type(e.event) is ev.PostCreated})
    promised = 0
    for n, item in enumerate(log.items):
        if isinstance(item.event, ev.JobMatchAssessed):
            replay.index.match_recorded(item.event.old, item.event.new)
        replay.add(item)
        state = replay.state_at(max(item.event.effective, replay.horizon))
        recorded = _recorded(log.items[: n + 1])
        policy = policy_of(state)
        structure = Structure.from_state("", state.at, state)
        candidates, vacancies, matches = scope_of(structure, recorded, policy)
        promised += sum(1 for p in structure.posts.values() if p.offered_to)
        assert not {v.post for v in vacancies} & {
            p.id for p in structure.posts.values() if p.offered_to
        }
        for person in [*state.people, "nobody"]:
            for post in [*sorted(state.posts)[:3], "nowhere"]:
                got = scope_around(
                    state, replay.index, replay.bodies, recorded, policy, person, post
                )
                assert got == _component(candidates, vacancies, matches, person, post)
    assert promised > 0  # an open offer was in scope at some step


@pytest.mark.parametrize(
    "answer",
    [
        "accept_offer: {person: pa, post: new-x, effective: 2014-05-03}",
        "refuse_offer: {person: pa, post: new-x, reasonable: false, effective: 2014-05-03}",
    ],
)
def test_an_offer_lapses_when_another_outcome_is_recorded(cli, write, answer):
    """Suitable alternative employment is offered to a person whose post is redundant
    (s138, s141); once appointed to another post they are no longer redundant, so the
    offer can be neither accepted (two posts) nor refused (no s141 loss of pay)."""
    cli.ok("run", write(BASE))
    steps = (
        "  - offer: {person: pa, post: new-x}\n"
        "  - appoint: {person: pa, post: new-y, effective: 2014-05-02}\n"
        f"  - {answer}\n"
    )
    run = cli("run", write(OPTION.format(steps=steps)))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "step 8" in run.stderr and "the offer of 'new-x' to 'pa' lapsed" in run.stderr
    assert "option" not in cli.ok("branches").stdout  # nothing written


# --- priority status and a refused offer (interplay) ---------------------------------

PRIORITY_BASE = """\
scenario: base
effective: 2024-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_post: {id: old-a, title: Finance Officer, grade: G1, unit: org}
  - create_post: {id: old-b, title: Finance Officer, grade: G1, unit: org}
  - join: {id: p1, name: Avery Fictional, grade: G1}
  - join: {id: p2, name: Blair Notreal, grade: G1}
  - assign: {person: p1, post: old-a}
  - assign: {person: p2, post: old-b}
  - leave_status: {person: p2, status: maternity, from: 2024-09-01, to: 2025-06-30}
"""

PRIORITY_OPTION = """\
scenario: option
based_on: base
effective: 2025-04-01
steps:
  - create_post: {{id: new, title: Senior Finance Officer, grade: G1, unit: org}}
  - match: {{old: old-a, new: new, percent: 90, assessor: HR panel}}
  - match: {{old: old-b, new: new, percent: 80, assessor: HR panel}}
  - delete_post: {{id: old-a}}
  - delete_post: {{id: old-b}}
  - offer: {{person: p2, post: new}}
  - refuse_offer: {{person: p2, post: new, reasonable: {reasonable}, effective: 2025-04-05}}
"""


def test_priority_is_spent_by_an_unreasonable_refusal_of_a_suitable_offer(cli, write):
    """p2 (maternity leave: priority, MPL Regs 1999 reg 10) is offered the one suitable
    vacancy and refuses it unreasonably (s141: it was suitable). The employer has done
    what reg 10 requires; priority must not now slot p2 into the post p2 refused ahead
    of p1. Without priority, p1 (90 %) and p2 (80 %) are two eligible candidates for one
    post: a ring-fenced pool (SPEC 5)."""
    cli.ok("run", write(PRIORITY_BASE))
    cli.ok("run", write(PRIORITY_OPTION.format(reasonable="false")))
    got = slot_outcomes(cli, "2025-04-06")
    assert got["p1"]["outcome"] == "ring_fenced" and got["p2"]["outcome"] == "ring_fenced"
    assert got["p1"]["pool"] == {"posts": ["new"], "candidates": ["p1", "p2"]}


def test_a_reasonable_refusal_keeps_priority(cli, write):
    """Policy judgement (noted in the README): a refusal the employer judges reasonable
    keeps priority, as it keeps statutory redundancy pay (s141)."""
    cli.ok("run", write(PRIORITY_BASE))
    cli.ok("run", write(PRIORITY_OPTION.format(reasonable="true")))
    got = slot_outcomes(cli, "2025-04-06")
    assert got["p2"]["outcome"] == "slotted" and got["p1"]["outcome"] == "at_risk"
