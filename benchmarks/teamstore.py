"""The team store (SPEC 8, issue 17): two readers showing the head while a writer runs.

A store holds branch ``big`` (``--events`` events over ``--posts`` posts, with the
snapshot a run leaves). Three phases, each with fresh processes, wall-clock seconds:

1. readers alone: two processes each ``show`` the structure at the head date over and
   over (``Branch.structure``, what ``orgsim show`` does) for ``--seconds``;
2. writer alone: one process applies ``--runs`` scenario runs of ``--steps`` steps each
   (``Store.run`` of a mapping: parse, fold to check, write, snapshot when due);
3. both: the same writer with the same two readers reading until it finishes.

Reported: reader latency (median, 95th percentile) alone and under writes, with the
ratio; writer throughput (runs and events a second) alone and with readers, with the
ratio; and what the readers saw. Each run retitles its own ``--steps`` posts to
``Run R …``, so every read can tell which runs it sees: a read is consistent when each
run appears in it with all of its posts or none, and the runs it sees are the first N
(never a half-written run, never a later run without an earlier one). The count of
inconsistent reads must be 0.

Usage: python benchmarks/teamstore.py [--events 50000] [--posts 5000] [--runs 20]
       [--steps 100] [--seconds 10] [--postgres postgresql://postgres@127.0.0.1:5432/test]
SQLite (a WAL file) by default; with ``--postgres`` a fresh schema in that database,
dropped at the end (as the test suite isolates its tests).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(url: str, posts: int, events: int) -> dict[str, Any]:
    from core import synthetic

    import orgsim
    from orgsim.app.run import append_events
    from orgsim.store.recorder import open_store

    log = synthetic(posts, events)
    store = open_store(url)
    append_events(store, "big", log, create=True)
    store.close()
    last = max(e.effective for e in log)
    head = (last + dt.timedelta(days=1)).isoformat()
    with orgsim.open_store(url) as api:
        ids = sorted(p["id"] for p in api.branch("big").structure(at=head).to_json()["posts"])
    return {"url": url, "head": head, "effective": last.isoformat(), "posts": ids}


def read_once(api: Any, head: str) -> tuple[float, dict[int, int]]:
    """One ``show`` at the head: its latency, and how many posts each run has retitled."""
    start = time.perf_counter()
    posts = api.branch("big").structure(at=head).to_json()["posts"]
    elapsed = time.perf_counter() - start
    seen: dict[int, int] = {}
    for post in posts:
        title = post.get("title") or ""
        if title.startswith("Run "):
            run = int(title.split()[1])
            seen[run] = seen.get(run, 0) + 1
    return elapsed, seen


def reader(info: dict[str, Any], steps: int, stop: Any, seconds: float, out: Any) -> None:
    import orgsim

    api = orgsim.open_store(info["url"])
    latencies: list[float] = []
    bad: list[str] = []
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (seconds <= 0 or time.monotonic() < deadline):
        elapsed, seen = read_once(api, info["head"])
        latencies.append(elapsed)
        runs = sorted(seen)
        if any(count != steps for count in seen.values()) or runs != list(range(len(runs))):
            bad.append(f"read {len(latencies)} saw {seen}")
    api.close()
    out.put({"latencies": latencies, "bad": bad})


def writer(info: dict[str, Any], first: int, runs: int, steps: int, out: Any) -> None:
    import orgsim

    api = orgsim.open_store(info["url"])
    start = time.perf_counter()
    events = 0
    for run in range(first, first + runs):
        chosen = info["posts"][1 + run * steps : 1 + (run + 1) * steps]
        doc = api.run(
            {
                "scenario": "big",
                "effective": info["effective"],
                "steps": [
                    {"retitle_post": {"id": post, "title": f"Run {run} {post}"}} for post in chosen
                ],
            }
        )
        events += doc["events"]
    elapsed = time.perf_counter() - start
    api.close()
    out.put({"seconds": elapsed, "runs": runs, "events": events})


def phase(
    info: dict[str, Any], steps: int, readers: int, runs: int, first: int, seconds: float
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    ctx = mp.get_context("spawn")
    stop, out, wout = ctx.Event(), ctx.Queue(), ctx.Queue()
    procs = [
        ctx.Process(target=reader, args=(info, steps, stop, 0 if runs else seconds, out))
        for _ in range(readers)
    ]
    for p in procs:
        p.start()
    written = None
    if runs:
        w = ctx.Process(target=writer, args=(info, first, runs, steps, wout))
        w.start()
        written = wout.get()
        w.join()
        stop.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return results, written


def summary(results: list[dict[str, Any]]) -> tuple[float, float, int, int]:
    latencies = sorted(x for r in results for x in r["latencies"])
    if not latencies:
        return 0.0, 0.0, 0, 0
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    bad = sum(len(r["bad"]) for r in results)
    return statistics.median(latencies), p95, len(latencies), bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", default=None, metavar="URL")
    args = parser.parse_args()
    if 2 * args.runs * args.steps + 1 > args.posts:
        parser.error("--posts must exceed 2 x runs x steps (every run retitles its own posts)")
    schema = None
    if args.postgres:
        import psycopg

        base = args.postgres.split("?")[0]
        schema = f"team_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{base}?schema={schema}"
        where = f"PostgreSQL schema {schema}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="orgsim-team-"))
        url = str(folder / "store.sqlite")
        where = f"SQLite (WAL) {url}"
    try:
        info = build(url, args.posts, args.events)
        print(
            f"{where}: branch big, {args.events:,} events, {args.posts:,} posts; "
            f"runs of {args.steps} steps"
        )
        alone, _ = phase(info, args.steps, 2, 0, 0, args.seconds)
        _, solo = phase(info, args.steps, 0, args.runs, 0, 0)
        busy, shared = phase(info, args.steps, 2, args.runs, args.runs, 0)
    finally:
        if schema is not None:
            import psycopg

            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert solo is not None and shared is not None
    m0, p0, n0, bad0 = summary(alone)
    m1, p1, n1, bad1 = summary(busy)
    print(f"{'':<34}{'median':>9}{'p95':>9}{'reads':>7}{'inconsistent':>14}")
    print(f"{'show at head, 2 readers alone':<34}{m0:>8.3f}s{p0:>8.3f}s{n0:>7}{bad0:>14}")
    print(f"{'show at head, 2 readers + writer':<34}{m1:>8.3f}s{p1:>8.3f}s{n1:>7}{bad1:>14}")
    print(f"{'reader latency ratio (median)':<34}{m1 / m0 if m0 else 0:>8.2f}x")
    for label, w in (("writer alone", solo), ("writer + 2 readers", shared)):
        print(
            f"{label:<34}{w['runs'] / w['seconds']:>8.2f} runs/s "
            f"{w['events'] / w['seconds']:>8.0f} events/s ({w['seconds']:.1f}s)"
        )
    print(f"{'writer throughput, with / alone':<34}{solo['seconds'] / shared['seconds']:>8.2f}x")
    for r in busy:
        for line in r["bad"][:3]:
            print("INCONSISTENT:", line)
    print(json.dumps({"inconsistent": bad0 + bad1}))


if __name__ == "__main__":
    main()
