"""``compare`` made cheap: the same document as before, at a fraction of the work.

``metrics`` is checked against the code it replaced (kept here as the reference) on the
Kent scenario branches, on generated structures (external bodies, people transferred
out, part-filled posts, posts without a cost, narrow spans, several roots, cycles,
leavers, every outcome) and on an empty structure: same keys in the same order, same
numbers of the same types (``json.dumps`` tells 1 from 1.0).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
from decimal import Decimal
from typing import Any

import pytest

import orgsim
from orgsim.domain.structure import Holding, PersonView, PostView, Structure, UnitView
from orgsim.store.branches import BranchReader
from orgsim.views.metrics import OUTCOMES, UNIT_KINDS, _num, metrics
from tests.test_checkpoints import BASE

# --- the reference: metrics as it was ------------------------------------------------


def reference_metrics(structure: Structure) -> dict[str, Any]:
    """``metrics`` as it was before it was made one pass (commit 9099052)."""
    posts = {pid: p for pid, p in structure.posts.items() if not p.external}
    external_units = [u for u in structure.units.values() if u.external]

    by_kind: dict[str, int] = {}
    for unit in structure.units.values():
        if not unit.external:
            by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
    kinds = {k: by_kind[k] for k in UNIT_KINDS if k in by_kind}
    kinds.update({k: n for k, n in sorted(by_kind.items()) if k not in kinds})

    order = structure.grade_rank()
    table: dict[str, dict[str, Any]] = {}
    total_cost = Decimal(0)
    missing_cost = 0
    vacant = [p for p in posts.values() if p.vacant]
    for pid, post in posts.items():
        row = table.setdefault(
            post.grade,
            {
                "posts": 0,
                "fte": Decimal(0),
                "cost": Decimal(0),
                "vacant": 0,
                "vacant_fte": Decimal(0),
            },
        )
        row["posts"] += 1
        row["fte"] += post.fte
        row["vacant"] += post.vacant
        row["vacant_fte"] += post.unfilled_fte
        cost = structure.establishment_cost(pid)
        if cost is None:
            missing_cost += 1
        else:
            row["cost"] += cost
            total_cost += cost
    by_grade = [
        {"grade": g, "posts": r["posts"], "fte": _num(r["fte"]), "cost": _num(r["cost"]),
         "vacant": r["vacant"], "vacant_fte": _num(r["vacant_fte"])}
        for g, r in sorted(table.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]  # fmt: skip

    def transferred(person: PersonView) -> bool:
        """Holds only posts in bodies outside the employer (a TUPE transfer)."""
        held = person.substantive
        return bool(held) and all(structure.posts[p].external for p in held)

    moved_out = [p for p in structure.people.values() if transferred(p)]
    current = [p for p in structure.people.values() if not transferred(p)]
    outcomes = {o: 0 for o in OUTCOMES}
    for person in current:
        # ring-fenced and at-risk people are still displaced: they count in both rows
        if person.displaced_from is not None:
            outcomes["displaced"] += 1
        if person.status in outcomes and person.status != "displaced":
            outcomes[person.status] += 1
    left = list(structure.leavers.values())
    in_post = sum(1 for p in current if p.substantive)

    return {
        "branch": structure.branch,
        "at": structure.at.isoformat(),
        "units": {"total": sum(kinds.values()), "by_kind": kinds, "external": len(external_units)},
        "posts": {
            "total": len(posts),
            "fte": _num(sum((p.fte for p in posts.values()), Decimal(0))),
            "by_grade": by_grade,
            "external": len(structure.posts) - len(posts),
        },
        "cost": {
            "total": _num(total_cost),
            "posts_without_cost": missing_cost,
            "complete": missing_cost == 0 and bool(posts),
            "basis": "post cost, else grade pay-range midpoint x FTE",
        },
        # vacant posts are heads (no substantive holder); vacant FTE adds the unfilled
        # balance of part-filled posts, as the read model says it (PostView.unfilled_fte)
        "vacancies": {"posts": len(vacant), "fte": _num(structure.vacant_fte())},
        "people": {
            "current": len(current),
            "in_post": in_post,
            **outcomes,
            "left": len(left),
            "transferred_out": len(moved_out),
            "redundancies": sum(
                1 for p in left if p.left in ("redundancy", "voluntary redundancy")
            ),
        },
        "spans": _ref_spans(structure, list(posts)),
        "layers": _ref_layers(structure, list(posts)),
    }


def _ref_spans(structure: Structure, posts: list[str]) -> dict[str, Any]:
    reports = structure.reports_map(posts)
    spans = {pid: len(kids) for pid, kids in reports.items() if kids}
    values = sorted(spans.values())
    narrow = sorted((n, pid) for pid, n in spans.items() if n <= 2)
    return {
        "managers": len(spans),
        "median": _num(Decimal(str(statistics.median(values)))) if values else None,
        "mean": _num(Decimal(sum(values)) / len(values)) if values else None,
        "max": max(values) if values else None,
        "min": min(values) if values else None,
        "narrow_count": len(narrow),
        "narrow": [
            {"post": pid, "title": structure.posts[pid].title, "span": n} for n, pid in narrow
        ],
    }


def _ref_layers(structure: Structure, posts: list[str]) -> dict[str, Any]:
    reports = structure.reports_map(posts)
    roots = sorted(pid for pid in reports if structure.posts[pid].reports_to not in reports)
    if not roots:
        return {"top": None, "layers": 0, "management_layers": 0, "posts_by_layer": [],
                "other_tops": []}  # fmt: skip
    sizes = {}
    for root in roots:
        count, stack = 0, [root]
        while stack:
            current = stack.pop()
            count += 1
            stack.extend(reports[current])
        sizes[root] = count
    top = min(roots, key=lambda r: (-sizes[r], r))
    by_layer: list[int] = []
    managers_by_layer: list[int] = []
    level = [top]
    while level:
        by_layer.append(len(level))
        managers_by_layer.append(sum(1 for p in level if reports[p]))
        level = [c for p in level for c in reports[p]]
    return {
        "top": top,
        "top_title": structure.posts[top].title,
        "layers": len(by_layer),
        "management_layers": sum(1 for n in managers_by_layer if n),
        "posts_by_layer": by_layer,
        "other_tops": [r for r in roots if r != top],
    }


def _same(structure: Structure) -> dict[str, Any]:
    want = reference_metrics(structure)
    got = metrics(structure)
    assert json.dumps(got) == json.dumps(want)
    assert got == want
    return got


# --- generated structures -------------------------------------------------------------

GRADES = ("G1", "G2", "G3", "G4", "G5")
FTES = [
    Decimal("1"),
    Decimal("1.0"),
    Decimal("0.5"),
    Decimal("0.6"),
    Decimal("0.81"),
    Decimal("0.25"),
]
CAUSES = ("redundancy", "voluntary redundancy", "resignation", "retirement")


def generated(seed: int, n_posts: int = 60) -> Structure:
    """A made-up organisation with every case ``metrics`` distinguishes."""
    rng = random.Random(seed)
    units = {"org": UnitView("org", "Org", "organisation", None, False)}
    for i in range(8):
        kind = rng.choice([*UNIT_KINDS[1:], "board", "panel"])
        external = rng.random() < 0.25
        uid = f"u{i}"
        units[uid] = UnitView(uid, f"Unit {i}", kind, "org", external, uid if external else None)
    ids = [f"p{i:03d}" for i in range(n_posts)]
    external_units = {u for u, v in units.items() if v.external}
    post_unit = {pid: rng.choice(list(units)) for pid in ids}
    managers: dict[str, str | None] = {}
    for n, pid in enumerate(ids):
        roll = rng.random()
        if n == 0 or roll < 0.08:
            managers[pid] = None  # several roots
        elif roll < 0.11:
            managers[pid] = "gone"  # a manager outside the live posts
        else:
            managers[pid] = rng.choice(ids[max(0, n - 12) : n])  # narrow and wide spans
    if seed % 3 == 0 and n_posts > 4:  # two posts managing each other: no root up there
        managers[ids[-1]], managers[ids[-2]] = ids[-2], ids[-1]
    # people: substantive and acting holdings, part-filled posts, transfers out
    people_ids = [f"e{i:03d}" for i in range(int(n_posts * 0.9))]
    holdings: dict[str, list[Holding]] = {pid: [] for pid in ids}
    substantive: dict[str, list[str]] = {e: [] for e in people_ids}
    since = dt.date(2020, 1, 1)
    for e in people_ids:
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            pid = rng.choice(ids)
            if any(h.person == e for h in holdings[pid]):
                continue
            acting = rng.random() < 0.15
            fte = rng.choice(FTES)
            kind = "acting" if acting else "substantive"
            holdings[pid].append(Holding(e, pid, fte, kind, since, not acting))
            if not acting:
                substantive[e].append(pid)
    with_cost = {g: rng.random() < 0.6 for g in GRADES}
    posts = {}
    order = ids[:] if seed % 2 else rng.sample(ids, len(ids))  # any order of the dict
    for pid in order:
        held = sorted(holdings[pid], key=lambda h: (not h.substantive, h.person))
        unit = post_unit[pid]
        posts[pid] = PostView(
            pid,
            f"Post {pid}",
            rng.choice([*GRADES, "X9"]),
            unit,
            managers[pid],
            rng.choice(FTES),
            tuple(h.person for h in held if h.substantive),
            tuple(h.person for h in held if not h.substantive),
            Decimal(rng.choice(["31000", "45500.50", "12000.333"])) if rng.random() < 0.3 else None,
            (),
            external=unit in external_units,
            holdings=tuple(held),
        )
    people, leavers = {}, {}
    for e in people_ids:
        status = rng.choice([*OUTCOMES, None, None, "left"])
        displaced_from = rng.choice(ids) if rng.random() < 0.2 else None
        view = PersonView(
            e,
            f"Person {e}",
            rng.choice(GRADES),
            status,
            tuple(sorted(substantive[e])),
            substantive=tuple(sorted(substantive[e])),
            displaced_from=displaced_from,
        )
        if rng.random() < 0.12:
            leavers[e] = PersonView(e, f"Person {e}", None, "left", (), left=rng.choice(CAUSES))
        else:
            people[e] = view
    pay = {g: (Decimal(20000 + 7000 * i), Decimal(26001 + 9000 * i)) for i, g in enumerate(GRADES)}
    return Structure(
        f"gen{seed}",
        dt.date(2024, 4, 1),
        units,
        posts,
        people,
        tuple(e for e, p in people.items() if p.displaced_from is not None),
        GRADES if seed % 4 else None,
        leavers=leavers,
        pay_ranges={g: r for g, r in pay.items() if with_cost[g]},
    )


@pytest.mark.parametrize("seed", range(40))
def test_generated_structures_give_the_document_of_before(seed):
    doc = _same(generated(seed, n_posts=[1, 2, 5, 30, 60, 150][seed % 6]))
    assert doc["posts"]["total"] + doc["posts"]["external"] >= 1


def test_the_generated_cases_are_all_there():
    """The generator reaches every case the figures tell apart (else the test above
    would prove less than it says)."""
    docs = [metrics(generated(seed)) for seed in range(40)]
    assert any(d["people"]["transferred_out"] for d in docs)
    assert any(d["posts"]["external"] and d["units"]["external"] for d in docs)
    assert any(d["cost"]["posts_without_cost"] for d in docs)
    assert any(d["cost"]["complete"] is False and d["cost"]["total"] for d in docs)
    assert any(d["spans"]["narrow_count"] for d in docs)
    assert any(d["layers"]["other_tops"] for d in docs)
    assert any(d["people"]["redundancies"] and d["people"]["left"] for d in docs)
    assert any(isinstance(d["vacancies"]["fte"], float) for d in docs)
    assert any(isinstance(d["spans"]["median"], float) for d in docs)
    for outcome in OUTCOMES:
        assert any(d["people"][outcome] for d in docs), outcome
    part = [p for s in range(40) for p in generated(s).posts.values() if p.holders]
    assert any(p.unfilled_fte > 0 for p in part)  # part-filled posts


def test_an_empty_structure_gives_the_document_of_before():
    empty = Structure("empty", dt.date(2024, 1, 1), {}, {}, {}, (), None)
    doc = _same(empty)
    assert doc["layers"]["top"] is None and doc["spans"]["median"] is None
    only_external = generated(5, n_posts=3)
    bodies = {
        u: UnitView(u, v.name, v.kind, v.parent, True, u) for u, v in only_external.units.items()
    }
    posts = {
        p: PostView(**{**v.__dict__, "external": True}) for p, v in only_external.posts.items()
    }
    _same(Structure("ext", dt.date(2024, 1, 1), bodies, posts, only_external.people, (), None))


# --- the Kent scenario branches ------------------------------------------------------


@pytest.fixture(scope="module")
def kent(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from conftest import SCENARIOS
    from test_kent_scenarios import SCRIPTS

    path = str(tmp_path_factory.mktemp("kent") / "kent.sqlite")
    with orgsim.open_store(path) as store:
        for script in SCRIPTS:
            store.run(str(SCENARIOS / f"{script}.yaml"))
        yield store


def test_kent_branches_give_the_document_of_before(kent):
    reader = BranchReader(kent.backend)
    checked = 0
    for info in kent.branches():
        name = info["name"]
        timeline = reader.load(name).timeline
        days = sorted({i.event.effective for i in timeline.log} - {dt.date(1, 1, 1)})
        probes = [days[0] - dt.timedelta(days=1), *days[:: max(1, len(days) // 12)], days[-1]]
        for at in [*probes, days[-1] + dt.timedelta(days=400)]:
            _same(Structure.from_state(name, at, timeline.state_at(at)))
            checked += 1
    assert checked > 50


# --- several branches' states at once ---------------------------------------------------

LATER = """\
scenario: base
effective: 2021-06-01
steps:
  - retitle_post: {id: top, title: Chief}
  - create_post: {id: z, title: Z, grade: G1, unit: a, reports_to: top}
  - join: {id: p2, name: Ash Fictional}
  - assign: {person: p2, post: z}
"""
#: forked at base's head; its own events dated after everything base holds
AHEAD = """\
scenario: ahead
based_on: base
effective: 2022-01-01
steps:
  - retitle_post: {id: top, title: Forked}
  - create_post: {id: w, title: W, grade: G1, unit: a, reports_to: top}
  - match: {old: z, new: w, percent: 70}
  - create_post: {id: v, title: V, grade: G1, unit: a, reports_to: top, effective: 2023-01-01}
  - match: {old: y, new: v, percent: 60, effective: 2021-12-01}
"""
# (the last match is recorded after z-w but dated before it: the state's matches are in
# the order they were recorded, not folded)
#: forked at base's head; one own event dated before what base holds (a fresh fold)
BEHIND = """\
scenario: behind
based_on: base
effective: 2022-02-01
steps:
  - retitle_post: {id: z, title: Zed}
  - create_post: {id: u, title: U, grade: G1, unit: a, reports_to: top, effective: 2020-03-01}
"""
#: forked at an earlier version of base
EARLY = """\
scenario: early
based_on: base
fork_at: 6
effective: 2022-01-01
steps:
  - create_post: {id: q, title: Q, grade: G1, unit: a, reports_to: top}
"""
#: forked at a date
DATED = """\
scenario: dated
based_on: base
fork_at: 2020-06-01
effective: 2022-01-01
steps:
  - create_post: {id: d, title: D, grade: G1, unit: a, reports_to: top}
"""
#: a second organisation: nothing shared
OTHER = """\
scenario: other
effective: 2019-01-01
steps:
  - create_unit: {id: org, name: Other Org, kind: organisation}
  - create_post: {id: boss, title: Boss, grade: G9, unit: org}
  - join: {id: p9, name: Kit Fictional}
  - assign: {person: p9, post: boss}
  - retitle_post: {id: boss, title: Head, effective: 2022-01-01}
"""
#: what base gains after the forks were made (so no fork is at its head any more)
LAST = """\
scenario: base
effective: 2022-03-01
steps:
  - retitle_post: {id: y, title: Why}
"""


@pytest.fixture
def forks(store_url, monkeypatch):
    from orgsim.app.run import run_script
    from orgsim.scenario.load import parse_scenario
    from orgsim.store import checkpoints, snapshots
    from orgsim.store.recorder import open_store

    monkeypatch.setattr(snapshots, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(checkpoints, "EVERY", 3)
    store = open_store(store_url)
    for n, text in enumerate((BASE, LATER, AHEAD, BEHIND, EARLY, DATED, OTHER)):
        run_script(store, parse_scenario(text, f"s{n}.yaml"))
    return store


PAIRS = [
    ["base", "ahead"],  # a fork at the head: folded on
    ["ahead", "base"],
    ["base", "behind"],  # a fork at the head with a backdated event of its own
    ["base", "early"],  # a fork at an earlier version
    ["base", "dated"],  # a date fork
    ["base", "other"],  # unrelated
    ["base", "ahead", "behind", "early", "dated", "other", "ahead"],
]


def _probes(store, names):
    reader = BranchReader(store)
    logs = [reader.load(name).log for name in names]
    days = sorted({i.event.effective for log in logs for i in log} - {dt.date(1, 1, 1)})
    times = sorted({i.event.recorded for log in logs for i in log})
    dates = [days[0] - dt.timedelta(days=1), *days, days[-1] + dt.timedelta(days=1)]
    return [(at, when) for at in dates for when in (None, times[len(times) // 2])]


def _dumped(state) -> dict[str, Any]:
    """The state as a checkpoint stores it, but for ``known_posts``: a checkpoint's
    answer lists only the posts created in what it read (those in stretches its zone
    map skipped are left out), a replay every post of the log; they are checked apart."""
    from orgsim.domain.snapshot import dump_state

    out = dump_state(state)
    out["known_posts"] = None
    out["_known"] = set(state.known_posts)
    return out


def _check_each_state_at(store, names, monkeypatch) -> int:
    """Every probe: each_state_at's states (dumped while ``use`` holds them) equal a
    fresh full replay's and separate ``state_at`` calls'; returns how many ``state_at``
    calls folding on saved."""
    from orgsim.store import checkpoints, fork_states

    reader = BranchReader(store)
    timelines = [reader.load(name).timeline for name in names]
    calls: list[str] = []
    real = checkpoints.state_at

    def counted(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(checkpoints, "state_at", counted)
    saved = 0
    for at, when in _probes(store, names):
        calls.clear()
        got = fork_states.each_state_at(store, names, at, when, lambda i, s: _dumped(s))
        saved += len(got) - len(calls)
        for i, name in enumerate(names):
            want = _dumped(timelines[i].state_at(at, when))
            want_known = want.pop("_known")
            alone = real(store, name, at, when)
            if alone is not None:
                assert i in got, (name, at, when)
                same = _dumped(alone)
                assert same.pop("_known") <= want_known
                assert same == want, (name, at, when)
            if i in got:
                mine = dict(got[i])
                known = mine.pop("_known")
                assert mine == want, (name, at, when)
                assert known <= want_known, (name, at, when)
                if alone is not None:
                    assert known >= set(alone.known_posts), (name, at, when)
        assert len(got) >= len(names) - names.count("dated")  # only a date fork may miss
    return saved


@pytest.mark.parametrize("names", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_each_state_at_equals_a_full_replay_and_state_at(forks, names, monkeypatch):
    saved = _check_each_state_at(forks, names, monkeypatch)
    if "ahead" in names:
        assert saved > 0  # the fork at the head was folded on from its parent's state
    if names in (["base", "early"], ["base", "other"]):
        assert saved == 0  # nothing shared that can be folded on


def test_each_state_at_after_the_parent_moved_on(forks, monkeypatch):
    from orgsim.app.run import run_script
    from orgsim.scenario.load import parse_scenario

    run_script(forks, parse_scenario(LAST, "last.yaml"))  # ahead is no longer at the head
    assert _check_each_state_at(forks, ["base", "ahead", "behind"], monkeypatch) == 0


def test_compare_folds_a_fork_on_and_gives_the_replays_document(forks, monkeypatch):
    from orgsim.store import checkpoints, fork_states
    from orgsim.views.metrics import compare_branches

    probes = _probes(forks, ["base", "ahead"])
    lists = [["base", "ahead"], ["ahead", "base", "behind", "dated", "other"]]
    fast = [compare_branches(forks, names, at, when) for names in lists for at, when in probes]
    monkeypatch.setattr(checkpoints, "state_at", lambda *args: None)
    monkeypatch.setattr(fork_states, "each_state_at", lambda *args: {})
    slow = [compare_branches(forks, names, at, when) for names in lists for at, when in probes]
    assert json.dumps(fast) == json.dumps(slow)
    assert any(doc.get("difference", {}).get("posts") for doc in fast)  # the fork differs
