"""Slotting engine benchmark (not a test).

5,000 displaced people and 5,000 vacant posts over a mixed grade scheme, about ten
eligible (same grade, at least 75%) pairs per person plus ineligible assessments
(below the threshold, or to another grade).  Prints the engine's time and its ratio
to a plain ``networkx`` maximum matching (Hopcroft–Karp) of the same eligible graph,
both measured in this run, as SPEC section 8 asks (ratios, not absolute figures).

    .venv/bin/python benchmarks/slotting.py [--people N] [--seed S] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from decimal import Decimal

import networkx as nx

from orgsim.domain.slotting import PRESETS, Candidate, Vacancy, check_decision, decide

GRADES = ["KR6", "KR7", "KR8", "KR9", "KR10", "KR11", "KR12", "KR13", "KR14", "KR15", "D", "CD"]
#: Many more posts at the bottom of the scheme than at the top, as in a real council.
WEIGHTS = [14, 14, 13, 12, 11, 10, 8, 6, 5, 4, 2, 1]


def build(people: int, seed: int, balanced: bool, eligible: int = 10, noise: int = 5):
    """Random instance.  ``balanced``: each grade has as many posts as people (most people
    are slotted: the placement step does the work); otherwise grades are drawn
    independently for people and posts (some grades over-subscribed: large pools)."""
    rng = random.Random(seed)
    person_grades = rng.choices(GRADES, WEIGHTS, k=people)
    post_grades = (
        rng.sample(person_grades, people) if balanced else rng.choices(GRADES, WEIGHTS, k=people)
    )
    candidates = [
        Candidate(f"p{i:05}", f"old{i:05}", g, Decimal(1)) for i, g in enumerate(person_grades)
    ]
    vacancies = [Vacancy(f"v{j:05}", g, Decimal(1)) for j, g in enumerate(post_grades)]
    by_grade: dict[str, list[str]] = {}
    for v in vacancies:
        by_grade.setdefault(v.grade, []).append(v.post)
    all_posts = [v.post for v in vacancies]
    matches: dict[tuple[str, str], Decimal] = {}
    for c in candidates:
        same = by_grade.get(c.grade, [])
        for post in rng.sample(same, min(eligible, len(same))):
            # whole percents mostly, some with one decimal, as HR panels record them
            value = (
                Decimal(rng.randint(75, 100))
                if rng.random() < 0.8
                else Decimal(rng.randint(750, 999)) / 10
            )
            matches[(c.old_post, post)] = value
        for post in rng.sample(all_posts, noise):
            matches.setdefault((c.old_post, post), Decimal(rng.randint(30, 74)))
    return candidates, vacancies, matches


def eligible_graph(candidates, vacancies, matches, threshold=Decimal(75)):
    grade = {v.post: v.grade for v in vacancies}
    old = {c.old_post: c for c in candidates}
    graph = nx.Graph()
    graph.add_nodes_from(("p", c.person) for c in candidates)
    graph.add_nodes_from(("v", v.post) for v in vacancies)
    for (o, q), pct in matches.items():
        c = old.get(o)
        if c is not None and q in grade and pct >= threshold and grade[q] == c.grade:
            graph.add_edge(("p", c.person), ("v", q))
    return graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    for balanced in (False, True):
        print(
            f"--- {'balanced grades (posts per grade = people per grade)' if balanced else 'independent grades'}"
        )
        run(*build(args.people, args.seed, balanced), args.repeat)


def run(candidates, vacancies, matches, repeat: int) -> None:
    graph = eligible_graph(candidates, vacancies, matches)
    top = [("p", c.person) for c in candidates]
    print(
        f"{len(candidates)} displaced people, {len(vacancies)} vacant posts, "
        f"{len(matches)} recorded matches, {graph.number_of_edges()} eligible pairs "
        f"({graph.number_of_edges() / len(candidates):.1f} per person), {len(GRADES)} grades"
    )

    def best_of(fn):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - start)
        return min(times), value

    t_hk, matching = best_of(lambda: nx.bipartite.hopcroft_karp_matching(graph, top_nodes=top))
    print(
        f"baseline networkx hopcroft_karp_matching: {t_hk:.3f} s "
        f"(maximum matching {len(matching) // 2})"
    )

    for name in ("kent", "london-65-50"):
        policy = PRESETS[name]
        t_engine, result = best_of(lambda: decide(candidates, vacancies, matches, policy))
        counts = Counter(o.outcome for o in result.outcomes)
        print(
            f"engine decide() [{name}]: {t_engine:.3f} s = {t_engine / t_hk:.1f}x the baseline; "
            f"slotted {counts['slotted']}, ring-fenced {counts['ring_fenced']} "
            f"in {len(result.pools)} pools, at risk {counts['at_risk']}, "
            f"unfilled {len(result.unfilled)}"
        )

    kent = decide(candidates, vacancies, matches, PRESETS["kent"])
    slotted = next(o for o in kent.outcomes if o.outcome == "slotted")
    t_check, verdict = best_of(
        lambda: check_decision(
            candidates, vacancies, matches, PRESETS["kent"], slotted.person, slotted.post or ""
        )
    )
    print(
        f"one check_decision() (audit of one decision): {t_check:.3f} s = "
        f"{t_check / t_hk:.1f}x the baseline; compliant={verdict.compliant}"
    )


if __name__ == "__main__":
    main()
