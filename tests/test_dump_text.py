"""A dumped state is the same data, and the same text byte for byte, as the plain code gave.

:func:`orgsim.domain.snapshot.dump_state` builds its rows as tuples with a few shortcuts,
and :func:`orgsim.store.state_text.dump_text` writes the text a few thousand rows at a
time; snapshots and checkpoints are compared byte for byte with stored rows, so neither
may change a byte. The reference here is the straightforward per-field code the dump
had before (lists, ``isoformat()`` for every date), and its text ``json.dumps(...,
separators=(",", ":"))``: they are compared on the golden logs, every Kent scenario
branch, a generated log of churn, the redeployment, cost and priority scripts (deleted
posts, leavers, displaced people, pools, matches, consultations, decisions, offers,
interests, pay protection, personal details, leave), and on hand-made states holding what
orjson writes differently from ``json`` (non-ASCII text, NaN, odd characteristics).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orgsim.app.run import run_script
from orgsim.domain import events as ev
from orgsim.domain.snapshot import FORMAT, dump_state, load_state
from orgsim.domain.state import LeaveRecord, Match, OrgState, Person, Pool, Post, Unit
from orgsim.scenario.load import load_scenario, parse_scenario
from orgsim.scenario.progress import Marks
from orgsim.store import state_text as st
from orgsim.store.branches import BranchReader
from orgsim.store.golden import load_log, replay
from orgsim.store.recorder import open_store
from orgsim.store.state_text import dump_text, state_text
from tests import test_cost_cli, test_issue15_outputs, test_priority, test_redeployment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from core import synthetic  # noqa: E402

KENT = (
    "kcc-2013-baseline",
    "kcc-2013-people-data",
    "kcc-2013-proposal",
    "kcc-2014-top-tier",
    "kcc-2014-option-three-directorates",
    "kcc-2015-market-review",
    "kcc-2015-option-jv",
    "kcc-2015-children-0-25",
)


def _d(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def reference(state: OrgState) -> dict[str, Any]:
    """The dump as the plain per-field code made it (lists, one ``isoformat`` per date)."""
    return {
        "format": FORMAT,
        "version": state.version,
        "at": state.at.isoformat(),
        "grades": state.grades,
        "pay_ranges": {g: [str(lo), str(hi)] for g, (lo, hi) in state.pay_ranges.items()},
        "policy": state.policy,
        "units": [
            [u.id, u.name, u.kind, u.parent, u.created.isoformat(), _d(u.closed)]
            for u in state.units.values()
        ],
        "posts": [
            [
                p.id,
                p.title,
                p.grade,
                p.unit,
                p.reports_to,
                str(p.fte),
                [[a.text, str(a.weight)] for a in p.accountabilities],
                None if p.cost is None else str(p.cost),
                p.created.isoformat(),
                _d(p.deleted),
                p.reason,
                p.source,
            ]
            for p in state.posts.values()
        ],
        "people": [
            [
                p.id,
                p.name,
                p.grade,
                p.characteristics,
                p.joined.isoformat(),
                p.left,
                p.displaced_from,
                str(p.displaced_fte),
                p.status,
                p.status_post,
                p.status_reasons,
            ]
            for p in state.people.values()
        ],
        "assignments": [
            [a.person, a.post, str(a.fte), a.kind, a.since.isoformat()]
            for by_post in state.assignments.values()
            for a in by_post.values()
        ],
        "matches": [
            [m.old, m.new, str(m.percent), m.assessor, m.basis, m.version, m.recorded.isoformat()]
            for m in state.matches.values()
        ],
        "pools": [
            [p.id, p.candidates, p.posts, p.reasons, p.effective.isoformat()]
            for p in state.pools.values()
        ],
        "consultations": [c.model_dump(mode="json") for c in state.consultations],
        "closed_consultations": sorted(state.closed_consultations),
        "decisions": [d.model_dump(mode="json") for d in state.decisions],
        "known_posts": sorted(state.known_posts),
        "redeployment": state.redeployment.to_json(),
        "person_details": {
            p.id: [
                _d(p.born),
                _d(p.service_start),
                None if p.weekly_pay is None else str(p.weekly_pay),
                None if p.salary is None else str(p.salary),
                p.notice_weeks,
                _d(p.left_on),
                p.left_from,
            ]
            for p in state.people.values()
            if p.born
            or p.service_start
            or p.weekly_pay
            or p.salary
            or p.left_on
            or p.notice_weeks is not None
        },
        "person_leave": {
            p.id: [[r.status, _d(r.start), _d(r.end), _d(r.birth)] for r in p.leave]
            for p in state.people.values()
            if p.leave
        },
    }


def text(dumped: dict[str, Any]) -> bytes:
    """The stored text: ``json.dumps``'s compact text, as UTF-8."""
    return json.dumps(dumped, separators=(",", ":")).encode("utf-8")


def listed(value: Any) -> Any:
    """``value`` with every tuple a list (the dump's rows are tuples, the reference's lists)."""
    if isinstance(value, list | tuple):
        return [listed(v) for v in value]
    if isinstance(value, dict):
        return {k: listed(v) for k, v in value.items()}
    return value


def _run(*scripts: str) -> list[tuple[str, OrgState]]:
    store = open_store("memory")
    for n, script in enumerate(scripts):
        run_script(store, parse_scenario(script, f"script{n}.yaml"))
    return _branches(store)


def _branches(store: Any) -> list[tuple[str, OrgState]]:
    reader = BranchReader(store)
    out = []
    for name in sorted(reader.registry):
        timeline = reader.load(name).timeline
        out.append((name, timeline.state_at()))
        dates = sorted({i.event.effective for i in timeline.ordered} - {ev.UNDATED})
        for at in dates[len(dates) // 3 :: max(1, len(dates) // 3)]:
            out.append((f"{name}@{at}", timeline.state_at(at)))
    return out


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, OrgState]]:
    states: list[tuple[str, OrgState]] = []
    for path in sorted((ROOT / "events" / "golden").glob("*.jsonl")):
        timeline = replay(load_log(path))
        states.append((path.name, timeline.state_at()))
        for at in json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8")):
            states.append((f"{path.name}@{at}", timeline.state_at(dt.date.fromisoformat(at))))
    store = open_store("memory")
    for script in KENT:
        run_script(store, load_scenario(ROOT / "scenarios" / f"{script}.yaml"))
    states += _branches(store)
    redeploy = test_redeployment
    states += _run(redeploy.BASE, redeploy.OPTION.format(steps=redeploy.BUMP))
    states += _run(
        redeploy.BASE, redeploy.OPTION.format(steps=redeploy.REFUSE.format(reasonable="false"))
    )
    issue15 = test_issue15_outputs
    states += _run(
        issue15.COST_BASE,
        issue15.OPTION + "  - protect_pay: {person: pm, months: 6, effective: 2014-06-01}\n",
    )
    states += _run(test_cost_cli.ORG, test_cost_cli.RESTRUCTURE)
    states += _run(
        test_priority.ORG.format(leave=test_priority.ON_LEAVE),
        test_priority.OPTION.format(policy="") + "  - slot: {}\n",
    )
    timeline = replay(synthetic(1200, 12000))
    states += [
        ("synthetic", timeline.state_at()),
        ("synthetic@2015-01-20", timeline.state_at(dt.date(2015, 1, 20))),
    ]
    return states


def test_the_corpus_holds_every_kind_of_row(corpus):
    """Otherwise the comparisons below would not test the rows they mean to."""
    states = [s for _, s in corpus]
    people = [p for s in states for p in s.people.values()]
    posts = [p for s in states for p in s.posts.values()]
    assert any(p.deleted for p in posts) and any(p.accountabilities for p in posts)
    assert any(p.cost is not None for p in posts) and any(p.reason for p in posts)
    assert any(u.closed for s in states for u in s.units.values())
    assert any(p.left for p in people) and any(p.displaced_from for p in people)
    assert any(p.status_reasons for p in people) and any(p.characteristics for p in people)
    assert any(p.weekly_pay for p in people) and any(p.salary for p in people)
    assert any(p.left_on for p in people) and any(p.leave for p in people)
    assert any(r.birth for p in people for r in p.leave)
    assert all(any(getattr(s, f) for s in states) for f in ("pools", "matches", "decisions"))
    assert any(s.consultations for s in states) and any(s.closed_consultations for s in states)
    book = [s.redeployment for s in states]
    assert any(b.offers for b in book) and any(b.interests for b in book)
    assert any(b.protections for b in book)
    assert any(len(s.posts) > 1000 for s in states)


def test_every_dump_is_the_plain_codes_data_and_text(corpus):
    for name, state in corpus:
        want = reference(state)
        dumped = dump_state(state)
        assert listed(dumped) == want, name
        assert state_text(dumped) == text(want), name
        assert dump_text(state) == text(want), name
        assert listed(dump_state(load_state(dumped))) == want, name


def test_the_text_written_a_few_rows_at_a_time_is_the_same(corpus, monkeypatch):
    # chunks of 3 rows: tables, and people with details and leave, straddle many chunks
    monkeypatch.setattr(st, "CHUNK", 3)
    for name, state in corpus:
        assert dump_text(state) == text(reference(state)), name


def test_known_posts_given_replace_the_states_own(corpus):
    for name, state in corpus[::3]:
        known = set(list(state.known_posts)[::2]) | {"zz-extra"}
        want = reference(state)
        want["known_posts"] = sorted(known)
        assert listed(dump_state(state, known)) == want, name
        assert dump_text(state, known) == text(want), name
        assert dump_text(state, list(known)) == text(want), name  # any iterable


def test_the_running_folds_checkpoint_text_is_the_plain_codes(corpus):
    # Marks keeps its states as the upkeep stores them, with the posts created so far
    marks = Marks(10)
    for name, state in corpus[::2]:
        marks._created = set(list(state.known_posts)[1::2])
        want = reference(state)
        want["known_posts"] = sorted(marks._created)
        assert marks._encode(state) == text(want).decode("ascii"), name


def _odd_state() -> OrgState:
    """Every field set, with values whose text is easy to get wrong."""
    day, later = dt.date(2020, 1, 2), dt.date(2021, 3, 4)
    state = OrgState({"p2", "p1"})
    state.at = later
    state.version = 9
    state.grades = ["G1"]
    state.pay_ranges = {"G1": (Decimal("100.50"), Decimal("2E+3"))}
    state.units["u"] = Unit("u", "Unit", "team", None, day, later)
    accs = [ev.Accountability(text="Run", weight=Decimal("0.50"))]
    for n, fte in enumerate((Decimal("1"), Decimal("1.0"), Decimal("-0"), Decimal("0.5"))):
        state.posts[f"p{n}"] = Post(
            f"p{n}", "T", "G1", "u", None, fte, accs if n % 2 else [], fte, day, later, "r", "s"
        )
        state.people[f"x{n}"] = Person(
            f"x{n}", "N", "G1", {"site": "a"}, day, "left", "p1", fte, "slotted", "p0", ["why"]
        )
        state._assign(f"x{n}", f"p{n}", fte, "acting", later)
    person = state.people["x1"]
    person.born, person.service_start, person.weekly_pay = day, later, Decimal("0")
    person.salary, person.notice_weeks, person.left_on, person.left_from = None, 0, later, "p1"
    state.people["x2"].weekly_pay = Decimal("0")  # falsy: x2 has no details
    state.people["x3"].leave = [LeaveRecord("maternity", day, None, later)]
    recorded = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    state.matches[("p0", "p1")] = Match("p0", "p1", Decimal("75.0"), None, "b", 3, recorded)
    state.pools["pool"] = Pool("pool", ["x0"], ["p1"], ["r"], later)
    return state


def test_decimals_and_dates_keep_their_own_text():
    state = _odd_state()
    want = reference(state)
    assert [row[5] for row in want["posts"]] == ["1", "1.0", "-0", "0.5"]
    assert listed(dump_state(state)) == want
    assert dump_text(state) == state_text(dump_state(state)) == text(want)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: setattr(s.posts["p3"], "title", "Zoë"),
        lambda s: setattr(s.people["x3"], "name", "emoji 😀"),
        lambda s: s.people["x3"].characteristics.update(odd=float("nan")),
        lambda s: s.people["x2"].characteristics.update(odd=1e-9),
        lambda s: setattr(s, "policy", {"limit": float("inf")}),
        lambda s: setattr(s, "policy", {1: "non-string key"}),
        lambda s: s.units.update({"é": Unit("é", "U", "team", None, dt.date(2020, 1, 1))}),
        lambda s: setattr(s.people["x3"], "status_reasons", [2**70]),
    ],
)
def test_what_orjson_writes_otherwise_is_written_as_json_writes_it(change, monkeypatch):
    monkeypatch.setattr(st, "CHUNK", 1)  # the odd row is in a later chunk than the first
    state = _odd_state()
    change(state)
    want = reference(state)
    assert dump_text(state) == state_text(dump_state(state)) == text(want)
