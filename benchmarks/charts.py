"""Chart speed: our pipeline against Graphviz ``dot`` alone, on synthetic organisations.

Not a test. Run ``.venv/bin/python benchmarks/charts.py [SIZES...]`` (default 1000 5000
20000 posts). For each size and layout it prints

- build: folding the events, the read model and the chart tree (our code),
- dot text: drawing and writing DOT (our code),
- dot: Graphviz ``dot -Tsvg`` on that same DOT text, timed alone in the same run,
- total: everything ``orgsim chart`` does after reading the store, and
- overhead: (total - dot) / dot, our share as a ratio of Graphviz's own time.

The organisation is built through the public API (events applied to an ``OrgState``), no
store needed: a chief executive, directorates, divisions, services, and teams of a leader
and 6-10 staff, 5% of posts vacant. The naive layout is skipped above ``--naive-limit``
posts (default: none), and any ``dot`` run is stopped after ``--timeout`` seconds
(default 120: the naive 20,000-post tree takes longer) and reported as such.

"stacked" draws each leaf as its own box hanging from a line up to 1,000 posts, and one
list box per manager above that (see ``orgsim.charts.layouts.SPINE_LIMIT``); the 1,000-post
row is run both ways (``stacked`` and ``stacked-list``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orgsim.charts import ChartOptions, build_tree, dot_source, draw, find_dot, heading_for, to_dot
from orgsim.domain import events as ev
from orgsim.domain.state import OrgState
from orgsim.domain.structure import Structure

DAY = dt.date(2020, 1, 1)
NOW = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
GRADES = ["S1", "S2", "S3", "S4", "S5", "S6", "D", "CEO"]


def synthetic_events(posts: int) -> list[ev.Event]:
    """An organisation of exactly ``posts`` posts, deterministic."""

    def at(**kw):
        return {"effective": DAY, "recorded": NOW, **kw}

    directorates = 5 if posts < 10000 else 6
    divisions, services = 4, 5 if posts < 10000 else 6
    out: list[ev.Event] = [ev.GradeSchemeDefined(**at(grades=GRADES))]
    out.append(ev.UnitCreated(**at(unit="org", name="Synthetic Council", kind="organisation")))
    out.append(ev.PostCreated(**at(post="ceo", title="Chief Executive", grade="CEO", unit="org")))
    count = 1
    service_heads: list[tuple[str, str]] = []
    for d in range(directorates):
        dunit, dpost = f"d{d}", f"dir{d}"
        out.append(
            ev.UnitCreated(
                **at(unit=dunit, name=f"Directorate {d}", kind="directorate", parent="org")
            )
        )
        out.append(
            ev.PostCreated(
                **at(post=dpost, title=f"Director {d}", grade="D", unit=dunit, reports_to="ceo")
            )
        )
        count += 1
        for v in range(divisions):
            vunit, vpost = f"{dunit}v{v}", f"{dpost}-h{v}"
            out.append(
                ev.UnitCreated(
                    **at(unit=vunit, name=f"Division {d}.{v}", kind="division", parent=dunit)
                )
            )
            out.append(
                ev.PostCreated(
                    **at(
                        post=vpost,
                        title=f"Head of Division {d}.{v}",
                        grade="S6",
                        unit=vunit,
                        reports_to=dpost,
                    )
                )
            )
            count += 1
            for s in range(services):
                sunit, spost = f"{vunit}s{s}", f"{vpost}-m{s}"
                out.append(
                    ev.UnitCreated(
                        **at(unit=sunit, name=f"Service {d}.{v}.{s}", kind="service", parent=vunit)
                    )
                )
                out.append(
                    ev.PostCreated(
                        **at(
                            post=spost,
                            title=f"Service Manager {d}.{v}.{s}",
                            grade="S5",
                            unit=sunit,
                            reports_to=vpost,
                        )
                    )
                )
                count += 1
                service_heads.append((sunit, spost))
    team = 0
    while count < posts:
        sunit, spost = service_heads[team % len(service_heads)]
        leader = f"{spost}-t{team}"
        out.append(
            ev.PostCreated(
                **at(
                    post=leader,
                    title=f"Team Leader {team}",
                    grade="S4",
                    unit=sunit,
                    reports_to=spost,
                )
            )
        )
        count += 1
        for i in range(6 + team % 5):
            if count >= posts:
                break
            out.append(
                ev.PostCreated(
                    **at(
                        post=f"{leader}-{i}",
                        title=f"Officer {team}.{i}",
                        grade="S2" if i % 3 else "S3",
                        unit=sunit,
                        reports_to=leader,
                        fte=Decimal("1"),
                    )
                )
            )
            count += 1
        team += 1
    people = 0
    for event in list(out):
        if isinstance(event, ev.PostCreated) and people % 20 != 7:
            pid = f"x{people}"
            out.append(ev.PersonJoined(**at(person=pid, name=f"Person {people}")))
            out.append(ev.PersonAssigned(**at(person=pid, post=event.post)))
        people += 1 if isinstance(event, ev.PostCreated) else 0
    return out


def synthetic_state(posts: int) -> OrgState:
    state = OrgState()
    for version, event in enumerate(synthetic_events(posts), start=1):
        state.apply(event, version)
    return state


def run(posts: int, layouts: list[str], naive_limit: int, timeout: float) -> None:
    events = synthetic_events(posts)
    for layout in layouts:
        if layout == "stacked-list" and posts > 1000:
            continue  # above 1,000 posts "stacked" is already the list form
        if layout == "naive" and posts > naive_limit:
            print(
                f"{posts:>6} {layout:<8} skipped: naive layout above {naive_limit} posts "
                "(Graphviz takes minutes)",
                flush=True,
            )
            continue
        start = time.perf_counter()
        state = OrgState()
        for version, event in enumerate(events, start=1):
            state.apply(event, version)
        structure = Structure.from_state("bench", DAY, state)
        tree = build_tree(structure)
        heading = heading_for(tree, "bench", DAY, structure=structure)
        built = time.perf_counter()
        if layout == "stacked-list":
            source = to_dot(draw(tree, "stacked", spine_limit=0), heading)
        else:
            source = dot_source(tree, heading, ChartOptions(layout=layout))  # type: ignore[arg-type]
        texted = time.perf_counter()
        try:
            done = subprocess.run(
                [find_dot(), "-Tsvg"],
                input=source.encode(),
                capture_output=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            print(f"{posts:>6} {layout:<8} stopped: dot ran over {timeout:.0f} s", flush=True)
            continue
        end = time.perf_counter()
        ours = texted - start
        graphviz = end - texted
        total = end - start
        print(
            f"{posts:>6} {layout:<8} build {built - start:6.2f}s  dot text {texted - built:5.2f}s  "
            f"dot {graphviz:7.2f}s  total {total:7.2f}s  overhead {ours / graphviz:5.2f}x  "
            f"svg {len(done.stdout) / 1e6:5.1f} MB  dot lines {source.count(chr(10))}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 20000])
    parser.add_argument("--layouts", default="naive,stacked,stacked-list,hanging")
    parser.add_argument("--naive-limit", type=int, default=10**9)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    print(
        f"Graphviz: {subprocess.run([find_dot(), '-V'], capture_output=True, text=True).stderr.strip()}"
    )
    for size in args.sizes:
        run(size, args.layouts.split(","), args.naive_limit, args.timeout)


if __name__ == "__main__":
    main()
