"""The audit's scope of one decision (``scope_around``) against the whole scope (SPEC 5).

The audit no longer builds the read model of the whole organisation for each decision:
it reads only the decided person, the decided post, and everything linked to them by
recorded matches. That is honest only if two claims hold, and these tests check both on
generated cases — the expected values are always the whole-scope answer of SPEC 5
(``scope_of`` of ``Structure.from_state``, and ``check_decision`` on all of it), never
figures copied from the code under test:

1. **Locality of the engine.** ``check_decision`` on the connected part of the
   recorded-match graph around a person (plus the decided post) gives the same verdict
   AND the same reasons as on the whole scope, for every policy shape: heads and fte,
   same grade or not, strict or inclusive thresholds, a ring-fence threshold, hours cuts.
2. **One definition of displaced and vacant.** Folding generated logs event by event
   (the audit's own one-pass replay, with its incremental index), the scope read around
   each person and each post agrees at every step with the read model's.

A third test runs the whole audit on generated logs, dates out of order included, and
compares every verdict with SPEC 5 read literally: one fresh replay per decision.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import networkx as nx
import pytest

from orgsim.domain import events as ev
from orgsim.domain.slotting import Candidate, Policy, Vacancy, check_decision, resolve_policy
from orgsim.domain.slotting.scope import policy_of, propose, scope_around, scope_of
from orgsim.domain.state import DomainError, Match, OrgState
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged, fold
from orgsim.store.branches import BranchLog
from orgsim.store.recorder import BranchRegistered
from orgsim.views.audit import _Replay, audit_branch, audit_with_structure
from tests.test_audit import reference_verdicts

NOW = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
DAY0 = dt.date(2024, 1, 1)
GRADES = ["G1", "G2", "G3"]

#: Policy shapes the engine distinguishes (SPEC 5 presets and their variations).
POLICIES: list[dict[str, Any]] = [
    {"preset": "kent"},
    {"preset": "london-65-50"},
    {"preset": "scotland-majority"},
    {"preset": "kent", "same_grade": False, "no_hours_cut": False},
    {"preset": "kent", "count": "fte"},
    {"preset": "london-65-50", "count": "fte", "same_grade": False},
    {"preset": "kent", "count": "fte", "no_hours_cut": False, "ring_fence_threshold": 40},
]


def _component(
    candidates: list[Candidate],
    vacancies: list[Vacancy],
    matches: dict[tuple[str, str], Decimal],
    person: str,
    post: str,
) -> tuple[list[Candidate], list[Vacancy], dict[tuple[str, str], Decimal]]:
    """The connected part, through recorded matches between a candidate's old post and a
    vacant post, around ``person``; plus ``post`` — computed with networkx, not with the
    code under test."""
    graph = nx.Graph()
    vacant = {v.post for v in vacancies}
    olds = {c.old_post for c in candidates}
    for c in candidates:
        graph.add_edge(("person", c.person), ("old", c.old_post))
    for old, new in matches:
        if old in olds and new in vacant:
            graph.add_edge(("old", old), ("post", new))
    keep: set[tuple[str, str]] = {("post", post)}
    if graph.has_node(("person", person)):
        keep |= nx.node_connected_component(graph, ("person", person))
    cands = [c for c in candidates if ("person", c.person) in keep]
    olds = {c.old_post for c in cands}
    vacs = [v for v in vacancies if ("post", v.post) in keep]
    kept = {v.post for v in vacs}
    return cands, vacs, {k: m for k, m in matches.items() if k[0] in olds and k[1] in kept}


def _random_scope(
    rng: random.Random,
) -> tuple[list[Candidate], list[Vacancy], dict[tuple[str, str], Decimal]]:
    olds = [f"o{i}" for i in range(rng.randint(1, 7))]
    candidates = [
        Candidate(
            f"p{i}",
            (old := rng.choice(olds)),
            GRADES[int(old[1:]) % 2 if rng.random() < 0.8 else 2],
            rng.choice([Decimal(1), Decimal(1), Decimal("0.5"), Decimal("0.6")]),
        )
        for i in range(rng.randint(1, 8))
    ]
    vacancies = [
        Vacancy(
            f"v{j}",
            rng.choice(GRADES[:2]),
            rng.choice([Decimal(1), Decimal(1), Decimal("0.5"), Decimal("1.1")]),
        )
        for j in range(rng.randint(1, 8))
    ]
    matches = {}
    for old in olds:
        for v in vacancies:
            if rng.random() < 0.35:
                matches[(old, v.post)] = Decimal(rng.choice([30, 45, 50, 60, 65, 75, 80, 92]))
    if rng.random() < 0.5:  # a match to a post that is not vacant is ignored by both
        matches[(olds[0], "gone")] = Decimal(90)
    return candidates, vacancies, matches


@pytest.mark.parametrize("shape", POLICIES, ids=lambda p: "-".join(map(str, p.values())))
def test_the_engine_judges_a_decision_on_its_connected_part_alone(shape):
    """SPEC 5: the verdict on slotting P into Q is the policy applied to the scope at the
    decision. The audit hands the engine only the part connected to P and Q; for every
    pair of every generated scope the verdict and its reasons must be the whole scope's."""
    policy = resolve_policy(shape)
    rng = random.Random(f"locality-{shape}")
    compared = compliant = 0
    for _ in range(60):
        candidates, vacancies, matches = _random_scope(rng)
        people = [c.person for c in candidates] + ["stranger"]
        posts = [v.post for v in vacancies] + ["gone"]
        for person in people:
            for post in posts:
                whole = check_decision(
                    candidates, vacancies, matches, policy, person, post, grades=GRADES
                )
                part = check_decision(
                    *_component(candidates, vacancies, matches, person, post),
                    policy,
                    person,
                    post,
                    grades=GRADES,
                )
                assert (part.compliant, part.reasons) == (whole.compliant, whole.reasons), (
                    candidates,
                    vacancies,
                    matches,
                    person,
                    post,
                )
                compared += 1
                compliant += whole.compliant
    # the generator must reach both verdicts, or the comparison proves little
    assert compared > 500 and 0 < compliant < compared


# --- generated logs ------------------------------------------------------------------


class _Log:
    """A generated branch log, every prefix of which folds without error in timeline
    order ((effective, version), as the audit and the read path fold it)."""

    def __init__(self, rng: random.Random, policy: dict[str, Any]) -> None:
        self.rng = rng
        self.items: list[Logged] = []
        self.day = DAY0
        self.n = 0
        self.add(ev.GradeSchemeDefined(effective=ev.UNDATED, recorded=NOW, grades=GRADES))
        self.add(ev.PolicySet(effective=ev.UNDATED, recorded=NOW, policy=policy))
        for unit, kind, parent in [
            ("org", "organisation", None),
            ("a", "directorate", "org"),
            ("b", "directorate", "org"),
            ("b1", "team", "b"),
        ]:
            self.add(ev.UnitCreated(**self.meta(), unit=unit, name=unit, kind=kind, parent=parent))

    def meta(self, back: int = 0) -> dict[str, Any]:
        self.n += 1
        return {
            "recorded": NOW + dt.timedelta(minutes=self.n),
            "effective": self.day - dt.timedelta(days=back),
        }

    def add(self, event: ev.Event) -> bool:
        """Keep the event when the log with it still folds in timeline order."""
        trial = [*self.items, Logged(len(self.items) + 1, event)]
        state = OrgState({e.event.post for e in trial if type(e.event) is ev.PostCreated})
        try:
            fold(state, sorted(trial, key=lambda i: (i.event.effective, i.version)))
        except DomainError:
            return False
        self.items = trial
        return True

    def state(self) -> OrgState:
        state = OrgState({e.event.post for e in self.items if type(e.event) is ev.PostCreated})
        fold(state, sorted(self.items, key=lambda i: (i.event.effective, i.version)))
        return state

    def step(self) -> None:
        """One random event: mostly restructure moves, some backdated."""
        rng, state = self.rng, self.state()
        live = sorted(p for p, post in state.posts.items() if post.deleted is None)
        deleted = sorted(p for p, post in state.posts.items() if post.deleted is not None)
        people = sorted(p for p, person in state.people.items() if person.left is None)
        displaced = [p for p in people if state.people[p].displaced_from is not None]
        back = rng.choice([0, 0, 0, 0, 3]) if len(self.items) > 12 else 0
        if rng.random() < 0.3:
            self.day += dt.timedelta(days=rng.randint(1, 5))
        kind = rng.random()
        if kind < 0.12 and people:
            self._restructure(state, live, back)
        elif kind < 0.22 and displaced:
            self._slot_as_engine(state)
        elif kind < 0.28 and displaced:  # by hand, into a post matched to their old one
            person = rng.choice(displaced)
            old = state.people[person].displaced_from
            posts = [new for (o, new) in state.matches if o == old] or live
            self.add(
                ev.PersonSlotted(
                    **self.meta(back), person=person, post=rng.choice(posts), basis="panel"
                )
            )
        elif kind < 0.36 or not live:
            post = f"q{self.n}"
            manager = rng.choice([None, *live[:3]])
            self.add(
                ev.PostCreated(
                    **self.meta(back), post=post, title=post, grade=rng.choice(GRADES),
                    unit=rng.choice(["a", "b", "b1"]), reports_to=manager,
                    fte=rng.choice([Decimal(1), Decimal(1), Decimal("0.5"), Decimal("1.5")]),
                )
            )  # fmt: skip
        elif kind < 0.46:
            person = f"p{self.n}"
            self.add(ev.PersonJoined(**self.meta(back), person=person, name=person))
        elif kind < 0.60 and people:
            self.add(
                ev.PersonAssigned(
                    **self.meta(back), person=rng.choice(people), post=rng.choice(live),
                    fte=rng.choice([Decimal(1), Decimal("0.5")]),
                    kind=rng.choice(["substantive", "substantive", "acting"]),
                )
            )  # fmt: skip
        elif kind < 0.65:
            self.add(ev.PostDeleted(**self.meta(back), post=rng.choice(live)))
        elif kind < 0.74 and (deleted or live):
            self.add(
                ev.JobMatchAssessed(
                    **self.meta(rng.choice([0, 40])), old=rng.choice(deleted or live),
                    new=rng.choice(live), percent=Decimal(rng.choice([40, 60, 70, 80, 95])),
                )
            )  # fmt: skip
        elif kind < 0.80 and people:
            self.add(
                ev.PersonSlotted(
                    **self.meta(back), person=rng.choice(displaced or people),
                    post=rng.choice(live), by_engine=rng.random() < 0.5,
                )
            )  # fmt: skip
        elif kind < 0.84 and people:
            self.add(
                ev.PersonLeft(**self.meta(back), person=rng.choice(people), cause="redundancy")
            )
        elif kind < 0.88 and people:
            person = rng.choice(people)
            held = sorted(state.assignments.get(person, {}))
            if held:
                self.add(
                    ev.PersonUnassigned(**self.meta(back), person=person, post=rng.choice(held))
                )
        elif kind < 0.92 and people:
            self.add(
                ev.PersonAppointed(
                    **self.meta(back), person=rng.choice(people), post=rng.choice(live)
                )
            )
        elif kind < 0.96:
            fte = rng.choice([Decimal("0.5"), Decimal(1)])
            self.add(ev.PostFteChanged(**self.meta(back), post=rng.choice(live), fte=fte))
        elif kind < 0.98:
            self.add(ev.UnitTransferredOut(**self.meta(back), unit="b1", to="newco"))
        else:
            self.add(ev.UnitMoved(**self.meta(back), unit="b1", parent=rng.choice(["a", "b"])))

    def _restructure(self, state: OrgState, live: list[str], back: int) -> None:
        """Replace a few filled posts by new ones, with matches mostly above threshold."""
        rng = self.rng
        filled = [p for p in live if not state.is_vacant(p)]
        olds = rng.sample(filled, min(len(filled), rng.randint(1, 3)))
        news = []
        for old in olds:
            post = state.posts[old]
            new = f"n{self.n}"
            grade = post.grade if rng.random() < 0.85 else rng.choice(GRADES)
            if self.add(
                ev.PostCreated(
                    **self.meta(back), post=new, title=new, grade=grade, unit=post.unit,
                    fte=post.fte if rng.random() < 0.8 else Decimal("0.5"),
                )
            ):  # fmt: skip
                news.append(new)
        for i, old in enumerate(olds):
            for j, new in enumerate(news):
                if i == j:  # the post's own successor: usually a slot
                    pct = rng.choice([70, 80, 80, 95])
                elif rng.random() < 0.4:  # a neighbour's: competition for it
                    pct = rng.choice([60, 76, 90])
                else:
                    continue
                self.add(ev.JobMatchAssessed(**self.meta(), old=old, new=new, percent=pct))
        for old in olds:
            self.add(ev.PostDeleted(**self.meta(back), post=old))

    def _slot_as_engine(self, state: OrgState) -> None:
        """What ``slot`` records: the engine's proposal on the current state."""
        result = propose(state)
        for outcome in result.outcomes:
            if outcome.outcome == "slotted":
                self.add(
                    ev.PersonSlotted(
                        **self.meta(), person=outcome.person, post=outcome.post, by_engine=True
                    )
                )


def _generated(seed: int, steps: int) -> _Log:
    rng = random.Random(seed)
    log = _Log(rng, rng.choice(POLICIES))
    while len(log.items) < steps:
        log.step()
    return log


def _recorded(items: list[Logged]) -> dict[tuple[str, str], Match]:
    out: dict[tuple[str, str], Match] = {}
    for item in items:
        e = item.event
        if isinstance(e, ev.JobMatchAssessed):
            out[(e.old, e.new)] = Match.from_event(e, item.version, e.recorded)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_the_scope_around_any_person_or_post_is_the_read_model_s_at_every_step(seed):
    """Fold a generated log event by event through the audit's replay (its incremental
    index included) and, after every event, read the scope around every person and every
    post: it must be exactly the read model's scope (SPEC 5), cut to that neighbourhood."""
    log = _generated(seed, 130)
    replay = _Replay({e.event.post for e in log.items if type(e.event) is ev.PostCreated})
    seen = set()
    for n, item in enumerate(log.items):
        if isinstance(item.event, ev.JobMatchAssessed):
            replay.index.match_recorded(item.event.old, item.event.new)
        replay.add(item)
        at = max(item.event.effective, replay.horizon)
        if n % 7 == 3 and n > 10:  # sometimes look back: the replay rebuilds
            at = item.event.effective - dt.timedelta(days=2)
        state = replay.state_at(at)
        recorded = _recorded(log.items[: n + 1])
        policy: Policy = policy_of(state)
        expected = scope_of(Structure.from_state("", state.at, state), recorded, policy)
        candidates, vacancies, matches = expected
        for person in [*state.people, "nobody"]:
            for post in [*sorted(state.posts)[:2], "nowhere"]:
                got = scope_around(
                    state, replay.index, replay.bodies, recorded, policy, person, post
                )
                assert got == _component(candidates, vacancies, matches, person, post)
        for post in state.posts:
            got = scope_around(state, replay.index, replay.bodies, recorded, policy, "", post)
            assert got[1] == [v for v in vacancies if v.post == post]
        seen.add((len(candidates) > 0, len(vacancies) > 0, len(matches) > 0))
    assert replay.rebuilds > 0 and (True, True, True) in seen


def _branch(log: _Log) -> BranchLog:
    return BranchLog(BranchRegistered(name="generated", created=NOW), [], list(log.items))


@pytest.mark.parametrize("seed", range(8))
def test_the_audit_of_a_generated_log_equals_one_replay_per_decision(seed):
    """SPEC 5 read literally (tests/test_audit.py's reference): each decision judged on
    a fresh fold of the log before it, at its date, with the whole scope. The one-pass
    audit must give the same verdict and the same reasons for every decision."""
    log = _generated(100 + seed, 220)
    branch = _branch(log)
    got = [
        (d.version, d.person, d.post, d.verdict != "violation", d.reasons)
        for d in audit_branch(branch)
    ]
    expected = reference_verdicts(branch)
    assert len(expected) >= 10
    for mine, theirs in zip(got, expected):
        # the audit adds its own reasons after the engine's (revised or late matches)
        assert mine[:3] == theirs[:3] and mine[4][: len(theirs[4])] == theirs[4]
        if mine[3] != theirs[3]:
            assert not mine[3] and any("recorded after the decision" in r for r in mine[4])
    assert len(got) == len(expected)
    assert 0 < sum(g[3] for g in got) < len(got)  # both verdicts occur


@pytest.mark.parametrize("seed", range(6))
def test_the_audit_s_read_model_is_a_fresh_replay_s(seed):
    """The audit's sections on offers, interests and protections read the structure at
    the branch's latest date from the state its one-pass walk folded. It must be the
    read model of a fresh full replay (dates out of order and rebuilds included), or
    those sections would differ from ``show``'s."""
    branch = _branch(_generated(200 + seed, 220))
    decisions, structure = audit_with_structure(branch)
    assert decisions == audit_branch(branch)
    last = max(i.event.effective for i in branch.log)
    fresh = Structure.from_state("generated", last, branch.timeline.state_at(last))
    assert structure.at == last
    assert structure.to_json() == fresh.to_json()
    assert len(structure.people) > 0 and len(structure.posts) > 0


def test_only_the_event_the_audit_watches_can_displace_anyone():
    """The audit finds who was displaced from a deleted post through an index it keeps
    as it folds ``PostDeleted`` (views/audit.py), not by visiting everyone. A handler
    that displaced people on another event would leave them out of every decision's
    scope silently; this fails first. Add such an event to the audit's replay, then here.

    One exception is safe: a refusal during a trial period (ERA 1996 s138(2)) puts the
    person back in the displacement of the post deleted under them (``offer.from_post``),
    which the index already holds, since its entries are kept as stale supersets."""
    import ast
    import inspect

    from orgsim.domain import handlers, people_rules, process_rules, state

    displacing = set()
    for module in (handlers, state, people_rules, process_rules):
        for function in ast.walk(ast.parse(inspect.getsource(module))):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                sets = isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == "displaced_from"
                    for t in node.targets
                )
                if sets and not (isinstance(node.value, ast.Constant) and node.value.value is None):
                    displacing.add(function.name)
    assert displacing == {"_post_deleted", "_refused"}
    assert "person.displaced_from = offer.from_post" in inspect.getsource(people_rules._refused)
    assert handlers.HANDLERS[ev.PostDeleted] is handlers._post_deleted
