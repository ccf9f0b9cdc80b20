"""Tests for the pure slotting engine and policy (SPEC section 5, section 4 ``policy:``).

Hand-made cases pin the rules an HR analyst would check by eye; the randomised cases
compare the engine against a brute-force reading of SPEC 5 (enumerate every matching /
every placement) on small instances, so that Dulmage–Mendelsohn, the optimal placement
and the id tie-break are checked against their definitions, not against themselves.
"""

from __future__ import annotations

import itertools
import json
import random
from decimal import Decimal

import networkx as nx
import pydantic
import pytest

from orgsim.domain.slotting import (
    PRESETS,
    Candidate,
    Policy,
    SlottingError,
    Vacancy,
    check_decision,
    decide,
    resolve_policy,
)

D = Decimal
KENT = PRESETS["kent"]
#: SPEC section 5's FTE rule as written: capacities only (the hours-cut rule, on by
#: default, is tested on its own in tests/test_slotting_hours.py).
FTE = Policy(count="fte", no_hours_cut=False)
GRADES = ["KR13", "KR14", "KR15", "D", "CD"]


def cand(person: str, old: str, grade: str = "D", fte: str | int = 1) -> Candidate:
    return Candidate(person=person, old_post=old, grade=grade, fte=D(str(fte)))


def vac(post: str, grade: str = "D", fte: str | int = 1) -> Vacancy:
    return Vacancy(post=post, grade=grade, fte=D(str(fte)))


def outcome_map(result) -> dict[str, tuple]:
    return {
        o.person: (
            o.outcome,
            o.post,
            o.pool.posts if o.pool else None,
            o.pool.candidates if o.pool else None,
        )
        for o in result.outcomes
    }


# --- thresholds and grades -----------------------------------------------------------------


def test_exactly_75_is_slotted_and_74_9_is_not() -> None:
    result = decide(
        [cand("p1", "a"), cand("p2", "b"), cand("p3", "c")],
        [vac("x"), vac("y"), vac("z")],
        {("a", "x"): D(75), ("b", "y"): D("74.9"), ("c", "z"): 74.9},
        KENT,
    )
    got = outcome_map(result)
    assert got["p1"][:2] == ("slotted", "x")
    assert got["p2"][0] == "at_risk"
    assert got["p3"][0] == "at_risk"  # a float 74.9 is 74.9, not 74.900000000000006
    assert result.unfilled == ["y", "z"]
    p1 = result.outcome_for("p1")
    assert p1.reasons[0] == "same grade D, 75% match to x, 1 candidate for 1 post"
    p2 = result.outcome_for("p2")
    assert p2.reasons == [
        "no vacant post of grade D matches at least 75%",
        "best recorded match: 74.9% to y",
    ]


def test_threshold_given_as_float_is_exact() -> None:
    policy = Policy(match_threshold=74.9)
    assert policy.match_threshold == D("74.9")
    result = decide([cand("p1", "a")], [vac("x")], {("a", "x"): D("74.9")}, policy)
    assert result.outcomes[0].outcome == "slotted"
    result = decide([cand("p1", "a")], [vac("x")], {("a", "x"): D("74.89")}, policy)
    assert result.outcomes[0].outcome == "at_risk"


@pytest.mark.parametrize("post_grade,direction", [("CD", "higher"), ("KR15", "lower")])
def test_other_grade_post_is_never_slotted(post_grade: str, direction: str) -> None:
    candidates = [cand("p1", "a", grade="D")]
    vacancies = [vac("x", grade=post_grade)]
    matches = {("a", "x"): D(100)}
    result = decide(candidates, vacancies, matches, KENT, grades=GRADES)
    outcome = result.outcomes[0]
    assert outcome.outcome == "at_risk"
    assert f"x matches 100% but is grade {post_grade}, a {direction} grade" in outcome.reasons
    assert result.unfilled == ["x"]
    # the grade rule is the policy's: without it the same pair is slotted
    loose = decide(candidates, vacancies, matches, Policy(same_grade=False))
    assert loose.outcomes[0].outcome == "slotted"
    assert loose.outcomes[0].reasons[0].startswith(f"grade {post_grade} (old post grade D), 100%")


def test_grade_is_the_old_posts_not_a_personal_one() -> None:
    # Candidate.grade is the old post's grade: a KR15 post holder matches KR15 posts.
    result = decide(
        [cand("p1", "a", grade="KR15")],
        [vac("x", grade="KR15"), vac("y", grade="D")],
        {("a", "x"): 80, ("a", "y"): 95},
        KENT,
    )
    assert (result.outcomes[0].outcome, result.outcomes[0].post) == ("slotted", "x")


def test_candidate_with_no_match_at_all_is_at_risk() -> None:
    result = decide([cand("p1", "a")], [vac("x")], {}, KENT)
    outcome = result.outcomes[0]
    assert outcome.outcome == "at_risk" and outcome.post is None and outcome.pool is None
    assert outcome.reasons == [
        "no vacant post of grade D matches at least 75%",
        "no match recorded from a to any vacant post",
    ]
    assert result.unfilled == ["x"]
    assert outcome.to_json() == {"person": "p1", "outcome": "at_risk", "reasons": outcome.reasons}


def test_match_to_a_post_that_is_not_vacant_is_ignored() -> None:
    result = decide([cand("p1", "a")], [vac("x")], {("a", "held"): D(100)}, KENT)
    assert result.outcomes[0].outcome == "at_risk"


# --- heads: counting people against posts --------------------------------------------------


def test_two_people_for_one_post_form_a_pool() -> None:
    result = decide(
        [cand("p2", "b"), cand("p1", "a")], [vac("x")], {("a", "x"): D(80), ("b", "x"): D(90)}, KENT
    )
    for outcome in result.outcomes:
        assert outcome.outcome == "ring_fenced"
        assert outcome.pool is not None
        assert outcome.pool.posts == ("x",) and outcome.pool.candidates == ("p1", "p2")
        assert outcome.reasons[0] == "2 candidates for 1 post: ring-fenced competition"
        assert outcome.to_json()["pool"] == {"posts": ["x"], "candidates": ["p1", "p2"]}
        assert "post" not in outcome.to_json()
    assert [o.person for o in result.outcomes] == ["p1", "p2"]
    assert result.unfilled == []
    assert len(result.pools) == 1


def test_one_person_two_posts_takes_the_better_match_and_leaves_the_other() -> None:
    result = decide(
        [cand("p1", "a")], [vac("x"), vac("y")], {("a", "x"): D(80), ("a", "y"): D(90)}, KENT
    )
    assert (result.outcomes[0].outcome, result.outcomes[0].post) == ("slotted", "y")
    assert result.outcomes[0].reasons[0] == "same grade D, 90% match to y, 1 candidate for 2 posts"
    assert result.unfilled == ["x"]
    # equal matches: the lower post id
    result = decide(
        [cand("p1", "a")], [vac("y"), vac("x")], {("a", "x"): D(80), ("a", "y"): D("80.0")}, KENT
    )
    assert result.outcomes[0].post == "x"
    assert result.unfilled == ["y"]


def test_slotting_everyone_beats_giving_one_person_their_best_match() -> None:
    # p1's best match is x (95) but x is p2's only eligible post.
    result = decide(
        [cand("p1", "a"), cand("p2", "b")],
        [vac("x"), vac("y")],
        {("a", "x"): D(95), ("a", "y"): D(80), ("b", "x"): D(76)},
        KENT,
    )
    got = outcome_map(result)
    assert got["p1"][:2] == ("slotted", "y")
    assert got["p2"][:2] == ("slotted", "x")
    assert result.unfilled == []


def test_among_full_placements_the_total_match_is_maximised() -> None:
    # both placements slot both people: p1->x,p2->y totals 170; p1->y,p2->x totals 165
    matches = {("a", "x"): 90, ("a", "y"): 80, ("b", "x"): 85, ("b", "y"): 80}
    result = decide([cand("p1", "a"), cand("p2", "b")], [vac("x"), vac("y")], matches, KENT)
    assert [o.post for o in result.outcomes] == ["x", "y"]
    matches[("b", "x")] = 95  # now 175 the other way
    result = decide([cand("p1", "a"), cand("p2", "b")], [vac("x"), vac("y")], matches, KENT)
    assert [o.post for o in result.outcomes] == ["y", "x"]


def test_several_people_and_posts_chain() -> None:
    # p1: w x; p2: x y; p3: y z; p4: z.  Everybody can be slotted only as p1w p2x p3y p4z
    # although each of p1..p3 matches their second post best.
    matches = {
        ("a", "w"): 75,
        ("a", "x"): 99,
        ("b", "x"): 75,
        ("b", "y"): 99,
        ("c", "y"): 75,
        ("c", "z"): 99,
        ("d", "z"): 75,
    }
    result = decide(
        [cand("p1", "a"), cand("p2", "b"), cand("p3", "c"), cand("p4", "d")],
        [vac("w"), vac("x"), vac("y"), vac("z")],
        matches,
        KENT,
    )
    assert [(o.outcome, o.post) for o in result.outcomes] == [
        ("slotted", "w"),
        ("slotted", "x"),
        ("slotted", "y"),
        ("slotted", "z"),
    ]


def test_pool_holds_exactly_the_oversubscribed_posts() -> None:
    # p1, p2 compete for x only; p3 could take x too but also has y, so p3 is
    # matched in every maximum matching (to y) and x goes to a pool of p1 and p2.
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "x"): 90, ("c", "y"): 75}
    result = decide(
        [cand("p1", "a"), cand("p2", "b"), cand("p3", "c")], [vac("x"), vac("y")], matches, KENT
    )
    got = outcome_map(result)
    assert got["p1"] == got["p2"] == ("ring_fenced", None, ("x",), ("p1", "p2"))
    assert got["p3"][:2] == ("slotted", "y")
    assert result.unfilled == []


def test_separate_pools_per_connected_component() -> None:
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "y"): 80, ("d", "y"): 80, ("e", "y"): 80}
    result = decide(
        [cand(p, o) for p, o in zip(["p1", "p2", "p3", "p4", "p5"], "abcde")],
        [vac("x"), vac("y")],
        matches,
        KENT,
    )
    pools = {o.person: o.pool for o in result.outcomes}
    assert pools["p1"] == pools["p2"] and pools["p1"].posts == ("x",)
    assert pools["p3"].posts == ("y",) and pools["p3"].candidates == ("p3", "p4", "p5")
    assert result.outcome_for("p3").reasons[0] == "3 candidates for 1 post: ring-fenced competition"
    assert len(result.pools) == 2


# --- FTE ------------------------------------------------------------------------------------


def test_job_share_is_a_pool_under_heads_and_slotted_under_fte() -> None:
    candidates = [cand("p1", "a", fte="0.5"), cand("p2", "b", fte="0.5")]
    vacancies = [vac("x", fte="1.0")]
    matches = {("a", "x"): 80, ("b", "x"): 90}
    heads = decide(candidates, vacancies, matches, KENT)
    assert {o.outcome for o in heads.outcomes} == {"ring_fenced"}
    fte = decide(candidates, vacancies, matches, FTE)
    assert [(o.outcome, o.post) for o in fte.outcomes] == [("slotted", "x"), ("slotted", "x")]
    assert fte.outcomes[0].reasons[0] == (
        "same grade D, 80% match to x, 2 candidates (1 FTE) for 1 post (1 FTE)"
    )
    assert "job share: x (1 FTE) holds p1 (0.5 FTE) + p2 (0.5 FTE)" in fte.outcomes[1].reasons
    assert fte.unfilled == []


def test_fte_group_that_does_not_fit_is_one_pool_with_all_its_posts() -> None:
    candidates = [cand("p1", "a", fte="0.6"), cand("p2", "b", fte="0.6"), cand("p3", "c")]
    vacancies = [vac("x"), vac("y", fte="0.5")]
    matches = {("a", "x"): 80, ("b", "x"): 80, ("b", "y"): 80, ("c", "z"): 80}
    result = decide(candidates, vacancies, matches, FTE)
    got = outcome_map(result)
    assert got["p1"] == got["p2"] == ("ring_fenced", None, ("x", "y"), ("p1", "p2"))
    assert result.outcome_for("p1").reasons[0] == (
        "2 candidates (1.2 FTE) for 2 posts (1.5 FTE) cannot all be placed: ring-fenced competition"
    )
    assert got["p3"][0] == "at_risk"


def test_fte_person_does_not_fit_a_smaller_post() -> None:
    result = decide([cand("p1", "a", fte="1.0")], [vac("x", fte="0.5")], {("a", "x"): 90}, FTE)
    assert result.outcomes[0].outcome == "ring_fenced"
    result = decide([cand("p1", "a", fte="0.5")], [vac("x", fte="0.5")], {("a", "x"): 90}, FTE)
    assert result.outcomes[0].outcome == "slotted"


def test_fte_prefers_higher_total_match() -> None:
    candidates = [cand("p1", "a", fte="0.5"), cand("p2", "b", fte="0.5"), cand("p3", "c")]
    vacancies = [vac("x"), vac("y")]
    # p3 needs a whole post; p1 and p2 share the other.  p3 is better in y.
    matches = {
        ("a", "x"): 80,
        ("a", "y"): 80,
        ("b", "x"): 80,
        ("b", "y"): 80,
        ("c", "x"): 80,
        ("c", "y"): 95,
    }
    result = decide(candidates, vacancies, matches, FTE)
    assert [o.post for o in result.outcomes] == ["x", "x", "y"]


def test_fte_large_easy_group_is_decided_and_hard_one_refused_not_guessed() -> None:
    # 70 half-time people, 40 full-time posts, all equal: decided (job shares) quickly.
    people = [cand(f"p{i:03}", f"o{i:03}", fte="0.5") for i in range(70)]
    posts = [vac(f"x{i:03}") for i in range(40)]
    matches = {(c.old_post, v.post): 80 for c in people for v in posts}
    result = decide(people, posts, matches, FTE)
    assert {o.outcome for o in result.outcomes} == {"slotted"}
    assert len(result.unfilled) == 5
    # 20 people of 0.7 and 20 of 0.4 need 30 posts of 1.0 but the FTE total (22) fits in
    # 25: proving that no packing exists is exponential for a plain search, so the
    # engine refuses with a clear error instead of guessing either way.
    people = [cand(f"a{i:02}", f"oa{i:02}", fte="0.7") for i in range(20)] + [
        cand(f"b{i:02}", f"ob{i:02}", fte="0.4") for i in range(20)
    ]
    posts = [vac(f"x{i:02}") for i in range(25)]
    matches = {(c.old_post, v.post): 80 for c in people for v in posts}
    with pytest.raises(SlottingError, match="too large to decide exactly"):
        decide(people, posts, matches, FTE)


# --- ring-fence threshold -------------------------------------------------------------------


def test_ring_fence_threshold_pools() -> None:
    policy = PRESETS["london-65-50"]
    candidates = [
        cand("p1", "a"),
        cand("p2", "b"),
        cand("p3", "c"),
        cand("p4", "d"),
        cand("p5", "e"),
        cand("p6", "f"),
        cand("p7", "g"),
    ]
    vacancies = [vac("u"), vac("w"), vac("x"), vac("y"), vac("z")]
    matches = {
        ("a", "x"): 60,  # ring-fenced for x alone
        ("b", "y"): D("49.9"),  # below the ring-fence: at risk
        ("c", "z"): 65,  # slotted (65% assimilation)
        ("d", "z"): 55,  # z is taken: at risk
        ("e", "w"): 55,
        ("f", "w"): 50,  # one pool for w
        ("g", "u"): 64,  # its own pool
    }
    result = decide(candidates, vacancies, matches, policy)
    got = outcome_map(result)
    assert got["p1"] == ("ring_fenced", None, ("x",), ("p1",))
    assert got["p2"][0] == "at_risk"
    assert got["p3"][:2] == ("slotted", "z")
    assert got["p4"][0] == "at_risk"
    assert got["p5"] == got["p6"] == ("ring_fenced", None, ("w",), ("p5", "p6"))
    assert got["p7"] == ("ring_fenced", None, ("u",), ("p7",))
    assert result.unfilled == ["y"]
    assert result.outcome_for("p1").reasons == [
        "no vacant post of grade D matches at least 65%",
        "same grade D, 60% match to x: at least the 50% ring-fence threshold",
        "1 candidate for 1 post: ring-fenced competition",
    ]
    assert (
        "no unclaimed vacant post of grade D matches at least the 50% ring-fence threshold"
        in result.outcome_for("p4").reasons
    )
    # Without the ring-fence the same people are simply at risk.
    plain = decide(candidates, vacancies, matches, Policy(match_threshold=65))
    assert outcome_map(plain)["p1"][0] == outcome_map(plain)["p5"][0] == "at_risk"


def test_ring_fence_respects_same_grade() -> None:
    result = decide(
        [cand("p1", "a", grade="D")],
        [vac("x", grade="CD")],
        {("a", "x"): 60},
        PRESETS["london-65-50"],
    )
    assert result.outcomes[0].outcome == "at_risk"


# --- determinism ----------------------------------------------------------------------------


def _random_instance(
    rng: random.Random,
    n: int,
    m: int,
    grades: list[str],
    values: list,
    ftes: list[str] | None = None,
):
    if ftes is None:
        ftes = ["1"]
    candidates = [
        cand(f"p{i:02}", f"o{i:02}", rng.choice(grades), rng.choice(ftes)) for i in range(n)
    ]
    vacancies = [vac(f"v{j:02}", rng.choice(grades), rng.choice(ftes)) for j in range(m)]
    matches = {}
    for c in candidates:
        for v in vacancies:
            value = rng.choice(values)
            if value is not None:
                matches[(c.old_post, v.post)] = D(str(value))
    return candidates, vacancies, matches


def test_result_does_not_depend_on_input_order() -> None:
    rng = random.Random(7)
    for _ in range(20):
        candidates, vacancies, matches = _random_instance(
            rng, 12, 12, ["D", "CD"], [None, None, 75, 75, 80, 80, 90, 60]
        )
        for policy in (KENT, PRESETS["london-65-50"]):
            expected = json.dumps(decide(candidates, vacancies, matches, policy).to_json())
            for _ in range(3):
                c2, v2 = candidates[:], vacancies[:]
                rng.shuffle(c2)
                rng.shuffle(v2)
                items = list(matches.items())
                rng.shuffle(items)
                got = decide(c2, v2, dict(items), policy).to_json()
                assert json.dumps(got) == expected


def test_ties_are_broken_by_id() -> None:
    # Everyone matches everything equally: people in id order take posts in id order.
    people = [cand(p, f"o{p}") for p in ["p3", "p1", "p2"]]
    posts = [vac(q) for q in ["z", "y", "x", "w"]]
    matches = {(c.old_post, v.post): 80 for c in people for v in posts}
    result = decide(people, posts, matches, KENT)
    assert [(o.person, o.post) for o in result.outcomes] == [("p1", "w"), ("p2", "x"), ("p3", "y")]
    assert result.unfilled == ["z"]


# --- reference implementation of SPEC 5 by exhaustive enumeration ---------------------------


def _eligible(candidates, vacancies, matches, policy):
    grade = {v.post: v.grade for v in vacancies}
    return {
        c.person: {
            v.post: D(str(matches[(c.old_post, v.post)]))
            for v in vacancies
            if (c.old_post, v.post) in matches
            and policy.meets_threshold(D(str(matches[(c.old_post, v.post)])))
            and (not policy.same_grade or grade[v.post] == c.grade)
        }
        for c in candidates
    }


def _all_matchings(people, elig):
    """Every matching (including partial ones) as dict person -> post."""
    result = []

    def walk(k, used, current):
        if k == len(people):
            result.append(dict(current))
            return
        p = people[k]
        walk(k + 1, used, current)
        for q in sorted(elig[p]):
            if q not in used:
                current[p] = q
                walk(k + 1, used | {q}, current)
                del current[p]

    walk(0, frozenset(), {})
    return result


def _components(edges):
    graph = nx.Graph()
    for p, qs in edges.items():
        graph.add_node(("p", p))
        for q in qs:
            graph.add_edge(("p", p), ("q", q))
    comps = []
    for comp in nx.connected_components(graph):
        people = tuple(sorted(x for k, x in comp if k == "p"))
        posts = tuple(sorted(x for k, x in comp if k == "q"))
        if posts:
            comps.append((posts, people))
    return comps


def _reference(candidates, vacancies, matches, policy):
    """SPEC 5 read literally, by brute force."""
    people = sorted(c.person for c in candidates)
    by = {c.person: c for c in candidates}
    elig = _eligible(candidates, vacancies, matches, policy)
    outcomes: dict[str, tuple] = {}
    slotted: dict[str, str] = {}
    pools = []
    if policy.count == "heads":
        matchings = _all_matchings(people, elig)
        nu = max(len(m) for m in matchings)
        maximum = [m for m in matchings if len(m) == nu]
        s = [p for p in people if all(p in m for m in maximum)]
        over = {p: elig[p] for p in people if p not in s}
        over_posts = {q for qs in over.values() for q in qs}
        pools = _components(over)
        best = None
        for m in _all_matchings(
            s, {p: {q: v for q, v in elig[p].items() if q not in over_posts} for p in s}
        ):
            if len(m) != len(s):
                continue
            key = (-sum(elig[p][q] for p, q in m.items()), tuple(m[p] for p in s))
            if best is None or key < best[0]:
                best = (key, m)
        slotted = best[1] if best else {}
    else:
        vcap = {v.post: v.fte for v in vacancies}
        for posts, group in _components({p: elig[p] for p in people}):
            best = None
            for choice in itertools.product(*[sorted(elig[p]) for p in group]):
                load = {}
                for p, q in zip(group, choice):
                    load[q] = load.get(q, 0) + by[p].fte
                if any(load[q] > vcap[q] for q in load):
                    continue
                key = (-sum(elig[p][q] for p, q in zip(group, choice)), choice)
                if best is None or key < best[0]:
                    best = (key, dict(zip(group, choice)))
            if best is None:
                pools.append((posts, group))
            else:
                slotted.update(best[1])
    pooled = {p for _, group in pools for p in group}
    if policy.ring_fence_threshold is not None:
        taken = set(slotted.values()) | {q for posts, _ in pools for q in posts}
        grade = {v.post: v.grade for v in vacancies}
        rf = {}
        for p in people:
            if p in slotted or p in pooled:
                continue
            c = by[p]
            rf[p] = [
                v.post
                for v in vacancies
                if v.post not in taken
                and (c.old_post, v.post) in matches
                and D(str(matches[(c.old_post, v.post)])) >= policy.ring_fence_threshold
                and (not policy.same_grade or grade[v.post] == c.grade)
            ]
        pools += _components(rf)
    for posts, group in pools:
        for p in group:
            outcomes[p] = ("ring_fenced", None, posts, group)
    for p in people:
        if p in slotted:
            outcomes[p] = ("slotted", slotted[p], None, None)
        elif p not in outcomes:
            outcomes[p] = ("at_risk", None, None, None)
    used = set(slotted.values()) | {q for posts, _ in pools for q in posts}
    unfilled = sorted(v.post for v in vacancies if v.post not in used)
    return outcomes, unfilled, elig


def _reference_compliant(candidates, vacancies, matches, policy, person, post):
    outcomes, _, elig = _reference(candidates, vacancies, matches, policy)
    if post not in elig.get(person, {}) or outcomes[person][0] != "slotted":
        return False
    people = sorted(c.person for c in candidates)
    if policy.count == "heads":
        matchings = _all_matchings(people, elig)
        nu = max(len(m) for m in matchings)
        return any(len(m) == nu and m.get(person) == post for m in matchings)
    by = {c.person: c for c in candidates}
    vcap = {v.post: v.fte for v in vacancies}
    group = next(g for posts, g in _components({p: elig[p] for p in people}) if person in g)
    for choice in itertools.product(*[sorted(elig[p]) if p != person else [post] for p in group]):
        load = {}
        for p, q in zip(group, choice):
            load[q] = load.get(q, 0) + by[p].fte
        if all(load[q] <= vcap[q] for q in load):
            return True
    return False


@pytest.mark.parametrize(
    "policy",
    [KENT, PRESETS["london-65-50"], Policy(same_grade=False)],
    ids=["kent", "london", "any-grade"],
)
def test_heads_matches_brute_force_reading_of_the_spec(policy: Policy) -> None:
    rng = random.Random(2014)
    for _ in range(250):
        n, m = rng.randint(1, 6), rng.randint(1, 6)
        candidates, vacancies, matches = _random_instance(
            rng, n, m, ["D", "CD"], [None, None, None, 50, 60, "74.9", 75, 80, 80, 95]
        )
        expected, unfilled, _ = _reference(candidates, vacancies, matches, policy)
        result = decide(candidates, vacancies, matches, policy)
        assert outcome_map(result) == expected, (candidates, vacancies, matches)
        assert result.unfilled == unfilled


def test_fte_matches_brute_force_reading_of_the_spec() -> None:
    rng = random.Random(1)
    for policy in (FTE, Policy(count="fte", ring_fence_threshold=50, no_hours_cut=False)):
        for _ in range(200):
            n, m = rng.randint(1, 5), rng.randint(1, 4)
            candidates, vacancies, matches = _random_instance(
                rng, n, m, ["D"], [None, None, 60, 75, 80, 90], ["0.5", "0.5", "1", "0.4"]
            )
            expected, unfilled, _ = _reference(candidates, vacancies, matches, policy)
            result = decide(candidates, vacancies, matches, policy)
            assert outcome_map(result) == expected, (candidates, vacancies, matches)
            assert result.unfilled == unfilled


def test_check_decision_matches_brute_force() -> None:
    rng = random.Random(99)
    checked = {True: 0, False: 0}
    for policy in (KENT, FTE):
        for _ in range(120):
            candidates, vacancies, matches = _random_instance(
                rng,
                rng.randint(1, 5),
                rng.randint(1, 5),
                ["D", "CD"],
                [None, None, 60, 75, 80, 90],
                ["0.5", "1"] if policy is FTE else ["1"],
            )
            for c in candidates:
                for v in vacancies:
                    verdict = check_decision(
                        candidates, vacancies, matches, policy, c.person, v.post
                    )
                    expected = _reference_compliant(
                        candidates, vacancies, matches, policy, c.person, v.post
                    )
                    assert verdict.compliant == expected, (c, v, candidates, vacancies, matches)
                    assert verdict.reasons and all("\n" not in r for r in verdict.reasons)
                    checked[expected] += 1
    assert checked[True] > 50 and checked[False] > 50


def test_large_random_instance_slots_exactly_the_always_matched_people() -> None:
    """Beyond brute-force sizes: check DM against its definition vertex by vertex
    (a person is in every maximum matching iff removing them lowers the maximum)."""
    rng = random.Random(3)
    candidates, vacancies, matches = _random_instance(
        rng, 40, 35, ["D"], [None] * 12 + [75, 80, 90]
    )
    result = decide(candidates, vacancies, matches, KENT)
    elig = _eligible(candidates, vacancies, matches, KENT)
    graph = nx.Graph()
    graph.add_nodes_from(("p", c.person) for c in candidates)
    graph.add_nodes_from(("q", v.post) for v in vacancies)
    graph.add_edges_from((("p", p), ("q", q)) for p, qs in elig.items() for q in qs)
    top = [("p", c.person) for c in candidates]

    def size(g, tops):
        return len(nx.bipartite.hopcroft_karp_matching(g, top_nodes=tops)) // 2

    nu = size(graph, top)
    kinds = {o.person: o.outcome for o in result.outcomes}
    assert sum(1 for k in kinds.values() if k == "slotted") < nu  # some competition exists
    for c in candidates:
        g = graph.copy()
        g.remove_node(("p", c.person))
        always = size(g, [t for t in top if t[1] != c.person]) < nu
        assert (kinds[c.person] == "slotted") == always
    # the placement is a matching over eligible pairs
    posts = [o.post for o in result.outcomes if o.outcome == "slotted"]
    assert len(posts) == len(set(posts))
    for o in result.outcomes:
        if o.outcome == "slotted":
            assert o.post in elig[o.person]


def test_placement_total_is_optimal_beyond_brute_force_sizes() -> None:
    """The slotted people's total match equals a general maximum-weight matching
    (networkx blossom, maximum cardinality) of the slotted people over the posts no
    pool needs, on instances too large to enumerate."""
    rng = random.Random(11)
    for _ in range(5):
        candidates, vacancies, matches = _random_instance(
            rng, 60, 55, ["D"], [None] * 14 + [75, "75.5", 80, 88, 90, 100]
        )
        result = decide(candidates, vacancies, matches, KENT)
        elig = _eligible(candidates, vacancies, matches, KENT)
        pooled_posts = {q for pool in result.pools for q in pool.posts}
        slotted = {o.person: o.post for o in result.outcomes if o.outcome == "slotted"}
        graph = nx.Graph()
        for p in slotted:
            for q, pct in elig[p].items():
                if q not in pooled_posts:
                    graph.add_edge(("p", p), ("q", q), weight=int(pct * 10))
        best = nx.max_weight_matching(graph, maxcardinality=True)
        assert len(best) == len(slotted)
        assert sum(graph.edges[e]["weight"] for e in best) == sum(
            int(elig[p][q] * 10) for p, q in slotted.items()
        )


def test_recursion_fallback_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    candidates, vacancies, matches = _random_instance(rng, 30, 30, ["D"], [None] * 8 + [80, 90])
    expected = decide(candidates, vacancies, matches, KENT).to_json()

    def deep(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(nx.bipartite, "hopcroft_karp_matching", deep)
    assert decide(candidates, vacancies, matches, KENT).to_json() == expected


# --- check_decision -------------------------------------------------------------------------


def test_check_decision_accepts_an_equal_alternative_to_the_engines_pick() -> None:
    candidates = [cand("p1", "a")]
    vacancies = [vac("x"), vac("y")]
    matches = {("a", "x"): 80, ("a", "y"): 80}
    assert decide(candidates, vacancies, matches, KENT).outcomes[0].post == "x"
    verdict = check_decision(candidates, vacancies, matches, KENT, "p1", "y")
    assert verdict.compliant
    assert (
        verdict.reasons[0]
        == "same grade D, 80% match to y, 1 candidate for 2 posts: p1 would be slotted"
    )
    assert "the engine would pick x; y also lets everyone eligible be slotted" in verdict.reasons
    assert verdict.to_json()["verdict"] == "compliant"
    # a lower (but eligible) match is compliant too: the rule is "some assignment", not "best"
    matches[("a", "y")] = 76
    assert check_decision(candidates, vacancies, matches, KENT, "p1", "y").compliant


@pytest.mark.parametrize("post_grade,word", [("CD", "higher"), ("KR15", "lower")])
def test_check_decision_wrong_grade(post_grade: str, word: str) -> None:
    verdict = check_decision(
        [cand("p1", "a")],
        [vac("x", grade=post_grade)],
        {("a", "x"): 90},
        KENT,
        "p1",
        "x",
        grades=GRADES,
    )
    assert not verdict.compliant
    assert verdict.reasons == [
        f"post x is grade {post_grade}, {word} than grade D of old post a: "
        f"a {word} grade is never slotted"
    ]
    no_scheme = check_decision(
        [cand("p1", "a")], [vac("x", grade=post_grade)], {("a", "x"): 90}, KENT, "p1", "x"
    )
    assert no_scheme.reasons == [f"post x is grade {post_grade}, not grade D of old post a"]


def test_check_decision_match_below_threshold_or_missing() -> None:
    below = check_decision([cand("p1", "a")], [vac("x")], {("a", "x"): D("74.9")}, KENT, "p1", "x")
    assert not below.compliant
    assert below.reasons == ["74.9% match from a to x is below the 75% threshold"]
    missing = check_decision([cand("p1", "a")], [vac("x")], {}, KENT, "p1", "x")
    assert missing.reasons == ["no match recorded from a to x"]
    assert missing.to_json()["verdict"] == "violation"


def test_check_decision_should_have_been_a_pool() -> None:
    candidates = [cand("p1", "a"), cand("p2", "b"), cand("p3", "c")]
    vacancies = [vac("x"), vac("y")]
    matches = {(c.old_post, v.post): 80 for c in candidates for v in vacancies}
    verdict = check_decision(candidates, vacancies, matches, KENT, "p1", "x")
    assert not verdict.compliant
    assert verdict.reasons == [
        "3 eligible candidates for 2 posts: should have been a ring-fenced pool"
    ]


def test_check_decision_person_not_displaced_and_post_not_vacant() -> None:
    verdict = check_decision([cand("p1", "a")], [vac("x")], {("a", "x"): 90}, KENT, "p9", "q9")
    assert not verdict.compliant
    assert verdict.reasons == [
        "p9 is not displaced at this point (no deleted substantive post awaiting an outcome)",
        "post q9 is not vacant at this point",
    ]
    verdict = check_decision([cand("p1", "a")], [vac("x")], {("a", "x"): 90}, KENT, "p1", "q9")
    assert verdict.reasons == ["post q9 is not vacant at this point"]


def test_check_decision_taking_a_post_someone_else_needs() -> None:
    candidates = [cand("p1", "a"), cand("p2", "b")]
    vacancies = [vac("x"), vac("y")]
    matches = {("a", "x"): 95, ("a", "y"): 80, ("b", "x"): 76}
    verdict = check_decision(candidates, vacancies, matches, KENT, "p1", "x")
    assert not verdict.compliant
    assert verdict.reasons == [
        "giving x to p1 would leave p2, who is slotted, without an eligible post"
    ]
    # p3 is slotted (to y) in every maximum matching; x belongs to the pool of p1, p2
    candidates = [cand("p1", "a"), cand("p2", "b"), cand("p3", "c")]
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "x"): 90, ("c", "y"): 75}
    verdict = check_decision(candidates, vacancies, matches, KENT, "p3", "x")
    assert not verdict.compliant
    assert verdict.reasons == [
        "post x is needed by a ring-fenced pool (2 candidates for 1 post): "
        "giving it to p3 deprives eligible candidates"
    ]
    assert check_decision(candidates, vacancies, matches, KENT, "p3", "y").compliant


def test_check_decision_fte() -> None:
    candidates = [cand("p1", "a", fte="0.5"), cand("p2", "b", fte="0.5"), cand("p3", "c")]
    vacancies = [vac("x"), vac("y"), vac("z", fte="0.5")]
    matches = {("a", "x"): 80, ("b", "x"): 80, ("c", "x"): 80, ("c", "y"): 80, ("c", "z"): 90}
    assert check_decision(candidates, vacancies, matches, FTE, "p3", "y").compliant
    assert check_decision(candidates, vacancies, matches, FTE, "p1", "x").compliant
    crowding = check_decision(candidates, vacancies, matches, FTE, "p3", "x")
    assert not crowding.compliant  # p1 and p2 share x, their only post
    assert crowding.reasons == [
        "placing p3 in x leaves no room for everyone else in the group "
        "of 3 candidates (2 FTE) for 3 posts (2.5 FTE)"
    ]
    pooled = check_decision(candidates[:2], [vac("x", fte="0.8")], matches, FTE, "p1", "x")
    assert pooled.reasons == [
        "the group of 2 candidates (1 FTE) for 1 post (0.8 FTE) cannot all "
        "be placed: should have been a ring-fenced pool"
    ]
    too_big = check_decision(candidates, vacancies, matches, FTE, "p3", "z")
    assert not too_big.compliant
    assert too_big.reasons == ["p3's 1 FTE does not fit post z (0.5 FTE)"]


# --- policy and presets ---------------------------------------------------------------------


def test_presets() -> None:
    assert resolve_policy(None) == KENT
    assert (KENT.match_threshold, KENT.same_grade, KENT.count, KENT.ring_fence_threshold) == (
        D(75),
        True,
        "heads",
        None,
    )
    london = resolve_policy("london-65-50")
    assert (london.match_threshold, london.ring_fence_threshold) == (D(65), D(50))
    scotland = resolve_policy("scotland-majority")
    assert scotland.match_strict and scotland.match_threshold == D(50)


def test_scotland_majority_means_strictly_more_than_half() -> None:
    policy = PRESETS["scotland-majority"]
    matches = {("a", "x"): D(50), ("b", "y"): D("50.001"), ("c", "z"): D(51)}
    result = decide(
        [cand("p1", "a"), cand("p2", "b"), cand("p3", "c")],
        [vac("x"), vac("y"), vac("z")],
        matches,
        policy,
    )
    assert [o.outcome for o in result.outcomes] == ["at_risk", "slotted", "slotted"]
    assert result.outcomes[0].reasons[0] == "no vacant post of grade D matches more than 50%"
    verdict = check_decision([cand("p1", "a")], [vac("x")], matches, policy, "p1", "x")
    assert verdict.reasons == ["50% match from a to x is not more than the 50% threshold"]
    # "single claimant": two claimants for one post compete
    two = decide(
        [cand("p1", "a"), cand("p2", "b")], [vac("x")], {("a", "x"): 60, ("b", "x"): 70}, policy
    )
    assert {o.outcome for o in two.outcomes} == {"ring_fenced"}


def test_resolve_policy_dict_with_preset_and_overrides() -> None:
    policy = resolve_policy({"preset": "london-65-50", "ring_fence_threshold": 40})
    assert (policy.match_threshold, policy.ring_fence_threshold, policy.preset) == (
        D(65),
        D(40),
        "london-65-50",
    )
    policy = resolve_policy(
        {"match_threshold": "80%", "count": "FTE", "ring_fence_threshold": 60.5}
    )
    assert (policy.match_threshold, policy.count, policy.ring_fence_threshold) == (
        D(80),
        "fte",
        D("60.5"),
    )
    # the spec's YAML block (Kent defaults) resolves to the Kent rule
    spec_block = {
        "match_threshold": 75,
        "same_grade": True,
        "count": "heads",
        "ring_fence_threshold": None,
    }
    assert resolve_policy(spec_block).model_dump(exclude={"preset"}) == KENT.model_dump(
        exclude={"preset"}
    )
    # a stored policy (JSON) reads back to the same policy
    for preset in PRESETS.values():
        assert resolve_policy(json.loads(json.dumps(preset.model_dump(mode="json")))) == preset


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("manchester", "unknown slotting policy preset 'manchester'"),
        ({"preset": "nope"}, "unknown slotting policy preset 'nope'"),
        ({"match_threshold": 101}, "match_threshold: match_threshold must be between 0 and 100"),
        ({"match_threshold": "seventy"}, "must be a number"),
        ({"match_threshold": True}, "must be a number"),
        ({"match_threshold": float("nan")}, "finite"),
        ({"count": "people"}, "count"),
        ({"same_grade": "yes"}, "same_grade: must be true or false"),
        ({"threshold": 75}, "unknown field 'threshold'"),
        (
            {"match_threshold": 60, "ring_fence_threshold": 70},
            "ring_fence_threshold 70 is above match_threshold 60",
        ),
        (["kent"], "must be a preset name or a mapping"),
    ],
)
def test_bad_policies_raise_one_line_value_errors(value, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        resolve_policy(value)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_policy_is_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        KENT.match_threshold = D(10)  # type: ignore[misc]


# --- input checks ---------------------------------------------------------------------------


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(SlottingError, match="duplicate candidate: p1"):
        decide([cand("p1", "a"), cand("p1", "b")], [vac("x")], {}, KENT)
    with pytest.raises(SlottingError, match="duplicate vacancy: x"):
        decide([cand("p1", "a")], [vac("x"), vac("x")], {}, KENT)
    with pytest.raises(SlottingError, match="between 0 and 100"):
        decide([cand("p1", "a")], [vac("x")], {("a", "x"): 120}, KENT)
    with pytest.raises(SlottingError, match="positive"):
        cand("p1", "a", fte=0)
    assert Candidate("p1", "a", "D", 0.5).fte == D("0.5")  # floats are read as written
