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

``--organogram N`` instead times the default chart (stacked) of an organogram-shaped
organisation of N posts (12,000: the Ministry of Defence's 2011 release, whose chart once
failed on a 19,000-character tooltip): about 300 senior posts in four tiers, the junior
posts under them as published, one manager with 3,200 of them. It also prints peak
memory (ours, and Graphviz's as a child process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import resource
import shutil
import subprocess
import sys
import tempfile
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


def organogram_events(posts: int, widest: int = 3200) -> list[ev.Event]:
    """A senior hierarchy (1 + 8 + 48 + 240 posts) with the rest of ``posts`` as junior
    posts: ``widest`` under the first senior post of the bottom tier, the rest spread
    evenly, as an organogram's junior file reports them to their senior post."""

    def at(**kw):
        return {"effective": DAY, "recorded": NOW, **kw}

    out: list[ev.Event] = [ev.GradeSchemeDefined(**at(grades=GRADES))]
    out.append(ev.UnitCreated(**at(unit="org", name="Synthetic Ministry", kind="organisation")))
    out.append(
        ev.PostCreated(**at(post="perm", title="Permanent Secretary", grade="CEO", unit="org"))
    )
    tiers = [("dg", 8, "D"), ("dd", 6, "S6"), ("g6", 5, "S5")]
    above = ["perm"]
    for name, each, grade in tiers:
        level = []
        for boss in above:
            for i in range(each):
                post = f"{boss}-{name}{i}"
                out.append(
                    ev.PostCreated(
                        **at(post=post, title=f"{name.upper()} {post}", grade=grade, unit="org",
                             reports_to=boss)
                    )
                )  # fmt: skip
                level.append(post)
        above = level
    juniors = posts - (len(out) - 2)
    spread = juniors - widest
    for j in range(juniors):
        boss = above[0] if j < widest else above[1 + (j - widest) % (len(above) - 1)]
        out.append(
            ev.PostCreated(
                **at(post=f"j{j}", title=f"Officer {j}", grade="S2", unit="org", reports_to=boss)
            )
        )
    assert spread >= 0
    return out


def organogram(posts: int) -> None:
    """The default chart of an organogram-shaped organisation against ``dot`` alone."""
    events = organogram_events(posts)
    start = time.perf_counter()
    state = OrgState()
    for version, event in enumerate(events, start=1):
        state.apply(event, version)
    structure = Structure.from_state("bench", DAY, state)
    tree = build_tree(structure)
    heading = heading_for(tree, "bench", DAY, structure=structure)
    source = dot_source(tree, heading, ChartOptions())
    texted = time.perf_counter()
    ours_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # dot's own peak memory from GNU time (a child forked from this process would report
    # this process's size: the peak survives exec); dot reads and writes files
    timer = shutil.which("time") or ""
    wrap = [timer, "-f", "peak %M"] if timer else []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "in.dot").write_text(source, encoding="utf-8")
        with open(Path(tmp) / "err", "wb") as err:
            proc = subprocess.Popen(
                [
                    *wrap,
                    find_dot(),
                    "-Tsvg",
                    "-o",
                    str(Path(tmp) / "out.svg"),
                    str(Path(tmp) / "in.dot"),
                ],
                stderr=err,
            )
            status = proc.wait()
        end = time.perf_counter()
        returncode = status
        svg = (Path(tmp) / "out.svg").stat().st_size if returncode == 0 else 0
        stderr = (Path(tmp) / "err").read_text(errors="replace")
    peaks = re.findall(r"^peak (\d+)$", stderr, re.M)
    dot_peak = f"{int(peaks[-1]) / 1024:.0f} MB" if peaks else "unknown (no GNU time)"
    stderr = re.sub(r"^peak \d+\n?", "", stderr, flags=re.M)
    ours, graphviz = texted - start, end - texted
    longest = max(len(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', source))
    print(
        f"organogram {len(tree.nodes)} posts: ours {ours:6.2f}s  dot {graphviz:6.2f}s "
        f"(exit {returncode})  overhead {ours / graphviz:5.2f}x  "
        f"svg {svg / 1e6:5.1f} MB  peak memory ours {ours_peak:.0f} MB, "
        f"dot {dot_peak}  longest quoted string {longest:,} chars",
        flush=True,
    )
    if returncode:
        print(stderr[:300], flush=True)


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
    parser.add_argument("--organogram", type=int, default=None, metavar="POSTS")
    args = parser.parse_args()
    print(
        f"Graphviz: {subprocess.run([find_dot(), '-V'], capture_output=True, text=True).stderr.strip()}"
    )
    if args.organogram:
        organogram(args.organogram)
        return
    for size in args.sizes:
        run(size, args.layouts.split(","), args.naive_limit, args.timeout)


if __name__ == "__main__":
    main()
