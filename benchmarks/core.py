"""Core benchmark: a synthetic branch at the reference scale (SPEC section 8).

50,000 posts, 50,000 people, 500,000 events over ten years of effective dates. Prints
each figure as a ratio against a raw baseline measured in the same run on the same rows:

- write: our store (pydantic -> JSON, hash chain, the library's SQLite recorder) against
  raw ``sqlite3`` ``executemany`` of the same bytes;
- load head: read the branch and fold everything (the structure "today") against raw
  ``sqlite3`` SELECT + ``json.loads`` of the same rows;
- show --at a past date: read, fold up to a date five years back, build the structure.

Usage: python benchmarks/core.py [--posts 50000] [--events 500000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orgsim.app import load
from orgsim.domain import events as ev
from orgsim.domain.structure import Structure
from orgsim.store import snapshots
from orgsim.store.branches import BranchReader
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import (
    REGISTRY_ID,
    BranchRegistered,
    StreamWrite,
    branch_stream,
    open_store,
)

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
START = dt.date(2015, 1, 1)


def synthetic(posts: int, total: int, seed: int = 7) -> list[ev.Event]:
    """A valid log: build the organisation, then churn until ``total`` events."""
    rng = random.Random(seed)
    meta = {"recorded": NOW, "effective": START}
    out: list[ev.Event] = [
        ev.GradeSchemeDefined(
            effective=ev.UNDATED, recorded=NOW, grades=[f"G{i}" for i in range(1, 11)]
        )
    ]
    out.append(ev.UnitCreated(**meta, unit="org", name="Synthetic Council", kind="organisation"))
    units = []
    for d in range(10):
        out.append(
            ev.UnitCreated(
                **meta, unit=f"d{d}", name=f"Directorate {d}", kind="directorate", parent="org"
            )
        )
        for v in range(10):
            out.append(
                ev.UnitCreated(
                    **meta,
                    unit=f"d{d}v{v}",
                    name=f"Division {d}.{v}",
                    kind="division",
                    parent=f"d{d}",
                )
            )
            for t in range(posts // 500):
                unit = f"d{d}v{v}t{t}"
                out.append(
                    ev.UnitCreated(
                        **meta, unit=unit, name=f"Team {d}.{v}.{t}", kind="team", parent=f"d{d}v{v}"
                    )
                )
                units.append(unit)
    out.append(ev.PostCreated(**meta, post="p0", title="Chief Executive", grade="G10", unit="org"))
    managers = ["p0"]
    for n in range(1, posts):
        unit = units[n % len(units)]
        manager = managers[rng.randrange(len(managers))] if n > 10 else "p0"
        out.append(
            ev.PostCreated(
                **meta,
                post=f"p{n}",
                title=f"Officer {n}",
                grade=f"G{rng.randint(1, 9)}",
                unit=unit,
                reports_to=manager,
                fte=Decimal(1),
            )
        )
        if n < posts // 8:
            managers.append(f"p{n}")
    for n in range(posts):
        out.append(ev.PersonJoined(**meta, person=f"x{n}", name=f"Person {n}"))
        out.append(ev.PersonAssigned(**meta, person=f"x{n}", post=f"p{n}"))
    holder = {f"p{n}": f"x{n}" for n in range(posts)}
    day = START
    while len(out) < total:
        day += dt.timedelta(days=1)
        when = {"recorded": NOW, "effective": day}
        for _ in range(150):
            kind = rng.random()
            n = rng.randrange(1, posts)
            if kind < 0.4:
                out.append(
                    ev.PostRetitled(**when, post=f"p{n}", title=f"Officer {n} rev {len(out)}")
                )
            elif kind < 0.55:
                out.append(ev.PostRegraded(**when, post=f"p{n}", grade=f"G{rng.randint(1, 9)}"))
            elif kind < 0.7:
                out.append(
                    ev.PostMoved(**when, post=f"p{n}", unit=units[rng.randrange(len(units))])
                )
            elif kind < 0.8:
                out.append(
                    ev.UnitRenamed(
                        **when,
                        unit=units[rng.randrange(len(units))],
                        name=f"Team renamed {len(out)}",
                    )
                )
            else:
                m = rng.randrange(1, posts)
                if m == n:
                    continue
                a, b = holder[f"p{n}"], holder[f"p{m}"]
                out.extend(
                    [
                        ev.PersonUnassigned(**when, person=a, post=f"p{n}"),
                        ev.PersonUnassigned(**when, person=b, post=f"p{m}"),
                        ev.PersonAssigned(**when, person=a, post=f"p{m}"),
                        ev.PersonAssigned(**when, person=b, post=f"p{n}"),
                    ]
                )
                holder[f"p{n}"], holder[f"p{m}"] = b, a
    return out[:total] if isinstance(out[total - 1], ev.PersonAssigned) else _trim(out, total)


def _trim(events: list[ev.Event], total: int) -> list[ev.Event]:
    """Cut at ``total`` without splitting a four-event swap."""
    cut = total
    while cut < len(events) and type(events[cut]) in (ev.PersonAssigned, ev.PersonUnassigned):
        cut += 1
    return events[:cut]


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=500_000)
    args = parser.parse_args()

    t_build, events = timed("build", lambda: synthetic(args.posts, args.events))
    print(
        f"synthetic log: {len(events):,} events, {args.posts:,} posts "
        f"(built in {t_build:.1f}s, not counted)"
    )
    folder = Path(tempfile.mkdtemp(prefix="orgsim-bench-"))

    # --- write ----------------------------------------------------------------------
    store = open_store(str(folder / "store.sqlite"))
    info = BranchRegistered(name="big", created=NOW)
    t_write, _ = timed(
        "write",
        lambda: store.write(
            [
                StreamWrite(REGISTRY_ID, 0, GENESIS, [info]),
                StreamWrite(branch_stream("big"), 0, GENESIS, events),
            ]
        ),
    )
    rows = store.select(branch_stream("big"))
    raw = sqlite3.connect(folder / "raw.sqlite")
    raw.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
    )
    params = [
        (getattr(r.originator_id, "hex", r.originator_id), r.originator_version, r.topic, r.state)
        for r in rows
    ]
    start = time.perf_counter()
    with raw:
        raw.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", params)
    t_raw_write = time.perf_counter() - start

    # --- raw read baseline -------------------------------------------------------------
    def raw_read() -> int:
        cursor = raw.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id=? "
            "ORDER BY originator_version",
            (branch_stream("big").hex,),
        )
        return sum(1 for _topic, state in cursor if json.loads(state[64:]))

    t_raw_read, count = timed("raw", raw_read)
    assert count == len(events)

    # --- load head -------------------------------------------------------------------
    def load_head() -> Structure:
        reader = BranchReader(open_store(str(folder / "store.sqlite")))
        branch = reader.load("big")
        today = dt.date(2030, 1, 1)
        return Structure.from_state("big", today, branch.timeline.state_at(today))

    t_head, head = timed("head", load_head)
    assert len(head.posts) == args.posts

    def show_past() -> Structure:
        reader = BranchReader(open_store(str(folder / "store.sqlite")))
        branch = reader.load("big")
        past = START + (branch.timeline.latest_effective() - START) / 2
        return Structure.from_state("big", past, branch.timeline.state_at(past))

    t_past, _ = timed("past", show_past)

    # fold alone (events already decoded): the replay path's own cost
    branch = BranchReader(store).load("big")
    t_fold, state = timed("fold", lambda: branch.timeline.state_at())

    # snapshot, as a run takes one after writing; then `show` at today reads it + the tail
    t_snap, _ = timed(
        "snap",
        lambda: snapshots.take(
            store, "big", branch.version, len(branch.own), branch.timeline.latest_effective(), state
        ),
    )

    def show_head_snapshot() -> Structure:
        return load.structure(open_store(str(folder / "store.sqlite")), "big", dt.date(2030, 1, 1))

    t_fast, fast = timed("fast", show_head_snapshot)
    assert fast.to_json() == head.to_json(), "snapshot and full replay disagree"

    print(f"{'measure':<34}{'ours':>10}{'raw':>10}{'ratio':>8}")
    for label, ours, base in [
        ("write (one transaction)", t_write, t_raw_write),
        ("load head, full replay", t_head, t_raw_read),
        ("show --at a past date", t_past, t_raw_read),
        ("fold alone (decoded events)", t_fold, t_raw_read),
        ("show head from a snapshot", t_fast, t_raw_read),
        ("take a snapshot (after a run)", t_snap, t_raw_read),
    ]:
        print(f"{label:<34}{ours:>9.2f}s{base:>9.2f}s{ours / base:>7.1f}x")
    per_event = t_head / len(events) * 1e6
    print(
        f"load head: {per_event:.1f} µs per event; raw read + json.loads: "
        f"{t_raw_read / len(events) * 1e6:.1f} µs per event"
    )


if __name__ == "__main__":
    main()
