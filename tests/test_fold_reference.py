"""The fast-path handlers against the old ones (tests/fold_reference.py), event by event.

The hot handlers check the happy path inline and call the old checking method only when
a check fails, so that the error text and which error wins stay as they were. Here random
logs full of faulty events (unknown, left, deleted, closed, duplicate ids, grades outside
the scheme, bad FTEs, reporting cycles, several faults at once) are applied through both
tables: every event must be refused with the same message by both or by neither, and
the folded states must dump to the same data. The error texts are also pinned literally,
as the handlers have always worded them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fold_reference import REFERENCE

from orgsim.domain import events as ev
from orgsim.domain.handlers import HANDLERS
from orgsim.domain.snapshot import dump_state
from orgsim.domain.state import DomainError, OrgState
from orgsim.domain.timeline import Logged, Timeline, _fold_all, fold
from orgsim.store.golden import load_log

GOLDEN = Path(__file__).resolve().parent.parent / "events" / "golden"
RECORDED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
START = dt.date(2020, 1, 1)

Table = dict[type[ev.Event], Callable[[OrgState, Any], None]]


def _apply(table: Table, state: OrgState, event: ev.Event, version: int) -> str | None:
    """``OrgState.apply`` with a given handler table: the error text, or None."""
    state._current_version = version
    try:
        table[type(event)](state, event)
    except DomainError as error:
        return str(error)
    state.version = max(state.version, version)
    state.at = max(state.at, event.effective)
    return None


def _random_log(seed: int, count: int) -> list[ev.Event]:
    """Events on ids mostly taken from the state so far (a shadow state folded by the
    reference), so that many are accepted and the state grows, with faults of every kind
    the rewritten handlers check: ids unknown or already used, people who left, deleted
    posts, closed units, grades outside the scheme, FTEs out of range or over 1.0 in
    total, reporting cycles; often several in one event, so that which check comes
    first shows."""
    rng = random.Random(seed)
    shadow = OrgState()
    grades = ["G1", "G2", "G3", "G1", "G2", "G9"]
    ftes = [Decimal(v) for v in ("1", "0.5", "0.50", "0.4", "0.6", "0.3", "0", "-1", "1.2")]
    kinds = ["substantive", "substantive", "acting", "secondment"]
    made = 0
    day = 0

    def meta() -> dict[str, Any]:
        return {"effective": START + dt.timedelta(days=day), "recorded": RECORDED}

    def old(table: dict[str, Any]) -> str:
        """An id in the state, or now and then one never used."""
        return rng.choice(list(table)) if table and rng.random() < 0.95 else "ghost"

    def fresh(table: dict[str, Any]) -> str:
        """A new id, or now and then one in use (a duplicate)."""
        nonlocal made
        if table and rng.random() < 0.05:
            return rng.choice(list(table))
        made += 1
        return f"id{made}"

    out: list[ev.Event] = [
        ev.GradeSchemeDefined(effective=ev.UNDATED, recorded=RECORDED, grades=["G1", "G2", "G3"]),
        ev.UnitCreated(**meta(), unit="org", name="Org", kind="organisation"),
    ]
    for event in out:
        _apply(REFERENCE, shadow, event, 0)
    for _ in range(count):
        day += rng.random() < 0.1
        pick = rng.random()
        units, posts, people = shadow.units, shadow.posts, shadow.people
        event: ev.Event
        if pick < 0.06:
            kind = rng.choice(["organisation", "directorate", "team", "team", "external"])
            parent = None if rng.random() < 0.1 else old(units)
            unit = fresh(units)
            event = ev.UnitCreated(**meta(), unit=unit, name=unit, kind=kind, parent=parent)
        elif pick < 0.09:
            event = ev.UnitRenamed(**meta(), unit=old(units), name="renamed")
        elif pick < 0.10:
            event = ev.UnitClosed(**meta(), unit=old(units))
        elif pick < 0.25:
            event = ev.PostCreated(
                **meta(),
                post=fresh(posts),
                title="Title",
                grade=rng.choice(grades),
                unit=old(units),
                reports_to=old(posts) if rng.random() < 0.7 else None,
                fte=rng.choice(ftes),
                accountabilities=[ev.Accountability(text="lead", weight=Decimal(1))],
                cost=rng.choice([None, Decimal(100)]),
                reason=rng.choice([None, "growth"]),
            )
        elif pick < 0.30:
            event = ev.PostRetitled(**meta(), post=old(posts), title="Retitled")
        elif pick < 0.34:
            event = ev.PostRegraded(**meta(), post=old(posts), grade=rng.choice(grades))
        elif pick < 0.42:
            event = ev.PostMoved(
                **meta(),
                post=old(posts),
                unit=old(units) if rng.random() < 0.5 else None,
                reports_to=old(posts) if rng.random() < 0.6 else None,
            )
        elif pick < 0.44:
            event = ev.PostDeleted(**meta(), post=old(posts))
        elif pick < 0.52:
            grade = rng.choice([*grades, None])
            event = ev.PersonJoined(**meta(), person=fresh(people), name="Name", grade=grade)
        elif pick < 0.77:
            person, post = old(people), old(posts)
            event = ev.PersonAssigned(
                **meta(), person=person, post=post, fte=rng.choice(ftes), kind=rng.choice(kinds)
            )
        elif pick < 0.99:
            held = [(a.person, a.post) for h in shadow.assignments.values() for a in h.values()]
            if held and rng.random() < 0.7:
                person, post = rng.choice(held)
            else:
                person, post = old(people), old(posts)
            event = ev.PersonUnassigned(**meta(), person=person, post=post)
        else:
            event = ev.PersonLeft(**meta(), person=old(people), cause="resignation")
        _apply(REFERENCE, shadow, event, 0)
        out.append(event)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_each_event_is_refused_alike_and_folds_alike(seed: int) -> None:
    new, old = OrgState(), OrgState()
    refused: dict[str, int] = {}
    for version, event in enumerate(_random_log(seed, 1500), start=1):
        got = _apply(HANDLERS, new, event, version)
        want = _apply(REFERENCE, old, event, version)
        assert got == want, (version, event)
        if want is not None:
            refused[type(event).__name__] = refused.get(type(event).__name__, 0) + 1
        if version % 100 == 0:
            assert dump_state(new) == dump_state(old), version
    assert dump_state(new) == dump_state(old)
    # the log really exercised the refusals of every rewritten handler
    assert set(refused) >= {
        "UnitCreated",
        "UnitRenamed",
        "PostCreated",
        "PostRetitled",
        "PostRegraded",
        "PostMoved",
        "PersonJoined",
        "PersonAssigned",
        "PersonUnassigned",
    }, refused


def test_the_random_logs_reach_every_refusal() -> None:
    """The logs above really exercise each check of the rewritten handlers (else the
    comparison would prove little); seeds 0-11 are the ones compared."""
    messages: set[str] = set()
    accepted = 0
    for seed in range(12):
        state = OrgState()
        for version, event in enumerate(_random_log(seed, 1500), start=1):
            message = _apply(REFERENCE, state, event, version)
            accepted += message is None
            messages.add(f"{type(event).__name__}: {message}")
    assert accepted > 12 * 1500 * 0.4
    wanted = {
        "UnitCreated": [
            "duplicate unit id",
            "cannot have a parent",
            "needs a parent",
            "unknown unit",
            "was closed on",
        ],
        "UnitRenamed": ["unknown unit", "was closed on"],
        "PostCreated": [
            "duplicate post id",
            "is not in the grade scheme",
            "unknown unit",
            "cannot create post",
            "unknown post",
            "cannot report to it from",
            "needs a positive FTE",
        ],
        "PostRetitled": ["unknown post", "cannot retitle it"],
        "PostRegraded": ["unknown post", "cannot regrade it", "is not in the grade scheme"],
        "PostMoved": [
            "cannot move it",
            "needs a unit or reports_to",
            "cannot move post",
            "cannot report to itself",
            "would make a cycle",
            "cannot report to it from",
        ],
        "PersonJoined": ["duplicate person id", "is not in the grade scheme"],
        "PersonAssigned": [
            "unknown person",
            "has left",
            "unknown post",
            "cannot assign",
            "already holds post",
            "must be above 0 and at most 1.0",
            "substantive FTE (over 1.0)",
        ],
        "PersonUnassigned": ["unknown person", "does not hold post"],
    }
    missing = [
        (name, text)
        for name, texts in wanted.items()
        for text in texts
        if not any(m.startswith(f"{name}: ") and text in m for m in messages)
    ]
    assert not missing


def _fold_with(table: Table, events: list[ev.Event]) -> OrgState:
    import orgsim.domain.timeline as timeline

    saved = timeline.HANDLERS
    timeline.HANDLERS = table
    try:
        return Timeline(Logged(n, e) for n, e in enumerate(events, start=1)).state_at()
    finally:
        timeline.HANDLERS = saved


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.jsonl")), ids=lambda p: p.stem)
def test_golden_logs_fold_alike(path: Path) -> None:
    events = load_log(path)
    assert dump_state(_fold_with(HANDLERS, events)) == dump_state(_fold_with(REFERENCE, events))


def test_a_valid_random_prefix_folds_alike_through_the_timeline() -> None:
    """The events each table accepts, folded by ``_fold_all`` (the full-replay loop)."""
    state, accepted = OrgState(), []
    for version, event in enumerate(_random_log(99, 3000), start=1):
        if _apply(REFERENCE, state, event, version) is None:
            accepted.append(event)
    assert len(accepted) > 1000
    folded = _fold_with(HANDLERS, accepted)
    assert dump_state(folded) == dump_state(_fold_with(REFERENCE, accepted))
    assert folded.posts == state.posts and folded.assignments == state.assignments


def test_a_match_keeps_its_own_recorded_time_and_log_version() -> None:
    """``_match`` reads the event's ``recorded`` (the fold no longer copies it onto the
    state): the filtered fold and the full-replay loop give the same match."""
    later = RECORDED + dt.timedelta(days=3)
    log = [
        Logged(
            1,
            ev.JobMatchAssessed(
                effective=START, recorded=RECORDED, old="a", new="b", percent=Decimal(80)
            ),
        ),
        Logged(
            2,
            ev.JobMatchAssessed(
                effective=START, recorded=later, old="a", new="c", percent=Decimal(40)
            ),
        ),
    ]
    for state in (_fold_all(OrgState(), log, None), fold(OrgState(), log, known_at=later)):
        assert state.matches[("a", "b")].recorded == RECORDED
        assert state.matches[("a", "c")].recorded == later
        assert state.matches[("a", "c")].version == 2
        assert state.version == 2


# --- the texts, as the handlers have always worded them ----------------------------


def _state(*events: ev.Event) -> OrgState:
    state = OrgState()
    for version, event in enumerate(events, start=1):
        state.apply(event, version)
    return state


def _m(**fields: Any) -> dict[str, Any]:
    return {"effective": START, "recorded": RECORDED, **fields}


BASE = (
    ev.GradeSchemeDefined(effective=ev.UNDATED, recorded=RECORDED, grades=["G1", "G2"]),
    ev.UnitCreated(**_m(unit="org", name="Org", kind="organisation")),
    ev.UnitCreated(**_m(unit="ops", name="Ops", kind="team", parent="org")),
    ev.UnitCreated(**_m(unit="shut", name="Shut", kind="team", parent="org")),
    ev.UnitClosed(**_m(unit="shut", effective=dt.date(2020, 2, 1))),
    ev.PostCreated(**_m(post="top", title="Top", grade="G2", unit="org")),
    ev.PostCreated(**_m(post="mid", title="Mid", grade="G1", unit="ops", reports_to="top")),
    ev.PostCreated(**_m(post="low", title="Low", grade="G1", unit="ops", reports_to="mid")),
    ev.PostCreated(**_m(post="old", title="Old", grade="G1", unit="ops")),
    ev.PostDeleted(**_m(post="old", effective=dt.date(2020, 3, 1))),
    ev.PersonJoined(**_m(person="ann", name="Ann")),
    ev.PersonJoined(**_m(person="bob", name="Bob")),
    ev.PersonLeft(**_m(person="bob", cause="resignation")),
    ev.PersonAssigned(**_m(person="ann", post="mid", fte=Decimal("0.6"))),
)

LATER = dt.date(2020, 6, 1)

CASES: list[tuple[ev.Event, str]] = [
    (
        ev.UnitCreated(**_m(unit="ops", name="X", kind="team", parent="org")),
        "duplicate unit id 'ops'",
    ),
    (
        ev.UnitCreated(**_m(unit="o2", name="X", kind="organisation", parent="org")),
        "organisation 'o2' cannot have a parent",
    ),
    (ev.UnitCreated(**_m(unit="t2", name="X", kind="team")), "unit 't2' (team) needs a parent"),
    (ev.UnitCreated(**_m(unit="t2", name="X", kind="team", parent="nope")), "unknown unit 'nope'"),
    (
        ev.UnitCreated(**_m(unit="t2", name="X", kind="team", parent="shut", effective=LATER)),
        "cannot create unit 't2' in it: unit 'shut' was closed on 2020-02-01",
    ),
    (
        ev.UnitRenamed(**_m(unit="shut", name="Y", effective=LATER)),
        "cannot rename it: unit 'shut' was closed on 2020-02-01",
    ),
    (ev.UnitRenamed(**_m(unit="nope", name="Y")), "unknown unit 'nope'"),
    (
        ev.PostCreated(**_m(post="mid", title="T", grade="G9", unit="nope")),
        "duplicate post id 'mid'",
    ),
    (
        ev.PostCreated(**_m(post="new", title="T", grade="G9", unit="nope")),
        "grade 'G9' is not in the grade scheme (G1, G2)",
    ),
    (ev.PostCreated(**_m(post="new", title="T", grade="G1", unit="nope")), "unknown unit 'nope'"),
    (
        ev.PostCreated(**_m(post="new", title="T", grade="G1", unit="shut", effective=LATER)),
        "cannot create post 'new' in it: unit 'shut' was closed on 2020-02-01",
    ),
    (
        ev.PostCreated(**_m(post="new", title="T", grade="G1", unit="ops", reports_to="new")),
        "post 'new' cannot report to itself",
    ),
    (
        ev.PostCreated(**_m(post="new", title="T", grade="G1", unit="ops", reports_to="nope")),
        "unknown post 'nope'",
    ),
    (
        ev.PostCreated(
            **_m(post="new", title="T", grade="G1", unit="ops", reports_to="old", effective=LATER)
        ),
        "cannot report to it from 'new': post 'old' was deleted on 2020-03-01",
    ),
    (
        ev.PostCreated(**_m(post="new", title="T", grade="G1", unit="ops", fte=Decimal(0))),
        "post 'new' needs a positive FTE",
    ),
    (ev.PostRetitled(**_m(post="nope", title="T")), "unknown post 'nope'"),
    (
        ev.PostRetitled(**_m(post="old", title="T", effective=LATER)),
        "cannot retitle it: post 'old' was deleted on 2020-03-01",
    ),
    (
        ev.PostRegraded(**_m(post="old", grade="G9", effective=LATER)),
        "cannot regrade it: post 'old' was deleted on 2020-03-01",
    ),
    (
        ev.PostRegraded(**_m(post="mid", grade="G9")),
        "grade 'G9' is not in the grade scheme (G1, G2)",
    ),
    (
        ev.PostMoved(**_m(post="old", effective=LATER)),
        "cannot move it: post 'old' was deleted on 2020-03-01",
    ),
    (ev.PostMoved(**_m(post="mid")), "moving post 'mid' needs a unit or reports_to"),
    (ev.PostMoved(**_m(post="mid", unit="nope", reports_to="low")), "unknown unit 'nope'"),
    (
        ev.PostMoved(**_m(post="mid", unit="shut", effective=LATER)),
        "cannot move post 'mid' into it: unit 'shut' was closed on 2020-02-01",
    ),
    (
        ev.PostMoved(**_m(post="top", reports_to="low")),
        "post 'top' reporting to 'low' would make a cycle",
    ),
    (ev.PostMoved(**_m(post="top", reports_to="top")), "post 'top' cannot report to itself"),
    (ev.PersonJoined(**_m(person="ann", name="A", grade="G9")), "duplicate person id 'ann'"),
    (
        ev.PersonJoined(**_m(person="cy", name="C", grade="G9")),
        "grade 'G9' is not in the grade scheme (G1, G2)",
    ),
    (
        ev.PersonAssigned(**_m(person="nobody", post="nope", fte=Decimal(2))),
        "unknown person 'nobody'",
    ),
    (
        ev.PersonAssigned(**_m(person="bob", post="nope")),
        "cannot assign them to 'nope': 'bob' has left (resignation)",
    ),
    (ev.PersonAssigned(**_m(person="ann", post="nope")), "unknown post 'nope'"),
    (
        ev.PersonAssigned(**_m(person="ann", post="old", effective=LATER)),
        "cannot assign 'ann' to it: post 'old' was deleted on 2020-03-01",
    ),
    (
        ev.PersonAssigned(**_m(person="ann", post="mid", fte=Decimal(2))),
        "'ann' already holds post 'mid'",
    ),
    (
        ev.PersonAssigned(**_m(person="ann", post="low", fte=Decimal("1.5"))),
        "assignment FTE must be above 0 and at most 1.0, not 1.5",
    ),
    (
        ev.PersonAssigned(**_m(person="ann", post="low", fte=Decimal("0.50"))),
        "'ann' would hold 1.10 substantive FTE (over 1.0) with post 'low'",
    ),
    (ev.PersonUnassigned(**_m(person="nobody", post="nope")), "unknown person 'nobody'"),
    (ev.PersonUnassigned(**_m(person="ann", post="low")), "'ann' does not hold post 'low'"),
    (ev.PersonUnassigned(**_m(person="bob", post="mid")), "'bob' does not hold post 'mid'"),
]


@pytest.mark.parametrize(
    ("event", "message"), CASES, ids=[f"{type(e).__name__}-{i}" for i, (e, _) in enumerate(CASES)]
)
def test_the_error_texts(event: ev.Event, message: str) -> None:
    state = _state(*BASE)
    before = dump_state(state)
    with pytest.raises(DomainError) as raised:
        state.apply(event, len(BASE) + 1)
    assert str(raised.value) == message
    assert dump_state(state) == before  # refused whole: nothing half-applied


def test_an_acting_assignment_is_not_counted_against_the_substantive_fte() -> None:
    state = _state(*BASE)
    state.apply(
        ev.PersonAssigned(**_m(person="ann", post="low", fte=Decimal("0.5"), kind="acting")), 99
    )
    assert sorted(state.assignments["ann"]) == ["low", "mid"]
    assert state.holders["low"]["ann"].kind == "acting"
