"""The read path at the reference scale: every row of issue 17, as ratios to raw reads.

Builds (once, not counted) a SQLite store with branch ``big`` of ``--events`` events
(``--posts`` posts and people; recorded times one second apart so ``--as-known-at`` has
a middle), a fork ``alt`` of it with a few own events, and branch ``audited``: ``big``'s
log plus a restructure of ``--decisions`` slotting decisions. Then each operation runs in
its own fresh process (so its peak RSS is its own) and prints CPU seconds, the ratio to
the raw baseline of the same run — ``sqlite3`` SELECT + ``json.loads`` of the branch's
rows — and peak RSS (``verify`` also against ``raw_read_all``, the same read of every
event row of the store, which is what it reads: SQLite only). The write rows' baseline is SPEC 8's: JSON, hash, ``executemany``
of the same events in one transaction: ``write`` is the store's own write of the branch
(encode, hash chain, insert), ``append_events`` the API's whole append of it to a new
branch of a fresh store (fold to check every invariant, write, snapshot).

With ``--postgres URL`` the same rows run on PostgreSQL: a fresh schema is made in that
database for the run (as the test suite isolates its tests) and dropped at the end, and
the raw baselines are psycopg's — ``executemany`` into, and SELECT + ``json.loads`` from,
a plain table of the same rows in that schema.

Usage: python benchmarks/perf.py [--events 500000] [--posts 50000] [--decisions 5000]
       [--ops show_head,show_past,...] [--store DIR]   (reuse a built store)
       [--repeat N]   (each operation's least of N interleaved runs: steadier ratios)
       (``--ops raw_write,append_events`` measures the write rows again, SQLite only)
       [--postgres postgresql://postgres@127.0.0.1:5432/test]
Run it against another checkout with PYTHONPATH to get "before" figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
#: CPU seconds on SQLite (the machine is shared); wall seconds on PostgreSQL, whose work
#: is done in the server process, outside this one's CPU time.
CLOCK = time.process_time
OPS = [
    "raw_read",
    "raw_read_all",
    "import",
    "show_head",
    "show_past",
    "show_known",
    "show_cli",
    "compare",
    "diff",
    "history",
    "verify",
    "audit",
    "full_replay",
]
#: Write rows run again on request (not in the default list: each regenerates the
#: branch's events first, untimed): their ratio is to ``raw_write`` of the same run.
WRITE_OPS = ("raw_write", "append_events")


def build(
    folder: Path, posts: int, total: int, decisions: int, url: str | None = None
) -> dict[str, Any]:
    from core import synthetic

    from orgsim.domain import events as ev
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

    base = synthetic(posts, total)
    events = [
        e.model_copy(update={"recorded": NOW + dt.timedelta(seconds=i)}) for i, e in enumerate(base)
    ]
    last = max(e.effective for e in events)
    store = open_store(url or str(folder / "store.sqlite"))
    reg = [BranchRegistered(name="big", created=NOW)]
    start = CLOCK()
    store.write([StreamWrite(REGISTRY_ID, 0, GENESIS, reg)])
    store.write([StreamWrite(branch_stream("big"), 0, GENESIS, events)])
    t_write = CLOCK() - start
    raw_write = _raw_write(folder, events, url)
    t_append = _append_events(folder, events, url)
    # a fork at the latest version with a handful of its own events
    later = NOW + dt.timedelta(seconds=len(events) + 10)
    alt = [
        ev.PostRetitled(recorded=later, effective=last, post=f"p{n}", title=f"Alt {n}")
        for n in range(1, 50)
    ]
    store.write(
        [
            StreamWrite(
                REGISTRY_ID,
                1,
                store.registry_head()[1],
                [
                    BranchRegistered(
                        name="alt", parent="big", fork_version=len(events), created=later
                    )
                ],
            ),
            StreamWrite(branch_stream("alt"), 0, GENESIS, alt),
        ]
    )
    # branch "audited": big's events + a restructure with `decisions` slotting decisions
    day = last + dt.timedelta(days=30)
    meta = {"recorded": later, "effective": day}
    reader = BranchReader(store)
    state = reader.load("big").timeline.state_at()
    holders = {}
    for post_id, by_person in state.holders.items():
        for person_id, a in by_person.items():
            if a.kind == "substantive" and post_id not in holders:
                holders[post_id] = person_id
    chosen = [
        p for p in sorted(state.posts, key=lambda x: int(x[1:])) if p in holders and p != "p0"
    ]
    chosen = chosen[:decisions]
    restructure: list[ev.Event] = []
    for n, old in enumerate(chosen):
        post = state.posts[old]
        restructure.append(
            ev.PostCreated(
                **meta,
                post=f"n{n}",
                title=f"New {n}",
                grade=post.grade,
                unit=post.unit,
                reports_to="p0",
                fte=Decimal(1),
            )
        )
        restructure.append(ev.JobMatchAssessed(**meta, old=old, new=f"n{n}", percent=Decimal(80)))
    restructure.extend(ev.PostDeleted(**meta, post=old) for old in chosen)
    restructure.extend(
        ev.PersonSlotted(**meta, person=holders[old], post=f"n{n}", by_engine=True)
        for n, old in enumerate(chosen)
    )
    head = store.registry_head()[1]
    store.write(
        [
            StreamWrite(REGISTRY_ID, 2, head, [BranchRegistered(name="audited", created=later)]),
            StreamWrite(branch_stream("audited"), 0, GENESIS, [*events, *restructure]),
        ]
    )
    # a snapshot of "big" as a run takes one after writing
    branch = BranchReader(store).load("big")
    snapshots.take(
        store, "big", branch.version, len(branch.own), branch.timeline.latest_effective(), state
    )
    store.close()
    info = {
        "events": len(events),
        "posts": posts,
        "decisions": len(chosen),
        "write": t_write,
        "raw_write": raw_write,
        "append_events": t_append,
        "url": url,
        "past": (dt.date(2015, 1, 1) + (last - dt.date(2015, 1, 1)) / 2).isoformat(),
        "known": (NOW + dt.timedelta(seconds=len(events) // 2)).isoformat(),
        "head": (last + dt.timedelta(days=1)).isoformat(),
    }
    (folder / "info.json").write_text(json.dumps(info))
    return info


def _raw_write(folder: Path, events: list[Any], url: str | None = None) -> float:
    """SPEC 8's least any store must do: JSON, hash, executemany in one transaction."""
    if url is not None:
        return _raw_write_postgres(url, events)
    raw = sqlite3.connect(folder / "raw.sqlite")
    raw.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
    )
    start = CLOCK()
    rows = _raw_rows(events)
    with raw:
        raw.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", rows)
    elapsed = CLOCK() - start
    # the read baseline reads these rows back
    raw.close()
    return elapsed


def _raw_rows(events: list[Any]) -> list[tuple[str, int, str, bytes]]:
    rows = []
    chain = "0" * 64
    for n, e in enumerate(events, start=1):
        body = e.model_dump_json().encode()
        chain = hashlib.sha256(chain.encode() + body).hexdigest()
        rows.append(("big", n, type(e).__name__, chain.encode() + body))
    return rows


def _pg_parts(url: str) -> tuple[str, str]:
    """The server URL without options, and the run's schema from ``?schema=``."""
    base, _, query = url.partition("?")
    return base, dict(p.split("=", 1) for p in query.split("&") if "=" in p)["schema"]


def _raw_write_postgres(url: str, events: list[Any]) -> float:
    import psycopg

    base, schema = _pg_parts(url)
    with psycopg.connect(base) as conn:
        conn.execute(
            f"CREATE TABLE {schema}.raw_events (originator_id text, originator_version "
            "bigint, topic text, state bytea, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        start = CLOCK()
        rows = _raw_rows(events)
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {schema}.raw_events VALUES (%s,%s,%s,%s)", rows)
        return CLOCK() - start


def _append_events(folder: Path, events: list[Any], url: str | None) -> float:
    """The API's append of the whole log to a new branch of a fresh, empty store."""
    from orgsim.app.run import append_events
    from orgsim.store.recorder import open_store

    if url is not None:
        base, schema = _pg_parts(url)
        target = f"{base}?schema={schema}_append"
        _pg_schema(base, f"{schema}_append", create=True)
    else:
        target = str(folder / "append.sqlite")
    store = open_store(target)
    start = CLOCK()
    append_events(store, "appended", events, create=True)
    elapsed = CLOCK() - start
    store.close()
    if url is not None:
        _pg_schema(base, f"{schema}_append", create=False)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return elapsed


def _pg_schema(base: str, schema: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}" if create else f"DROP SCHEMA {schema} CASCADE")


def _events_again(info: dict[str, Any]) -> list[Any]:
    """The branch's events as :func:`build` made them (deterministic; not timed)."""
    from core import synthetic

    base = synthetic(info["posts"], info["events"])
    return [
        e.model_copy(update={"recorded": NOW + dt.timedelta(seconds=i)}) for i, e in enumerate(base)
    ]


def _write_op(folder: Path, op: str, info: dict[str, Any]) -> tuple[float, Any]:
    """``raw_write`` or ``append_events`` again, in a scratch folder (SQLite only): the
    write rows measured like the others, so ``--repeat`` takes their best too."""
    events = _events_again(info)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        if op == "raw_write":
            return _raw_write(Path(scratch), events), len(events)
        return _append_events(Path(scratch), events, None), len(events)


def run_op(folder: Path, op: str) -> tuple[float, Any]:
    global CLOCK
    info = json.loads((folder / "info.json").read_text())
    url = info.get("url") or str(folder / "store.sqlite")
    if info.get("url"):
        CLOCK = time.perf_counter
    elif op in WRITE_OPS:
        return _write_op(folder, op, info)
    start = CLOCK()
    result: Any = None
    if op == "raw_read" and info.get("url"):
        import psycopg

        base, schema = _pg_parts(url)
        with psycopg.connect(base) as conn, conn.cursor() as cursor:
            cursor.execute(
                f"SELECT topic, state FROM {schema}.raw_events WHERE originator_id='big' "
                "ORDER BY originator_version"
            )
            result = sum(1 for _topic, state in cursor if json.loads(state[64:]))
    elif op == "raw_read":
        raw = sqlite3.connect(folder / "raw.sqlite")
        cursor = raw.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id='big' "
            "ORDER BY originator_version"
        )
        result = sum(1 for _topic, state in cursor if json.loads(state[64:]))
    elif op == "raw_read_all" and not info.get("url"):
        # verify's baseline: every event row it reads (registry and every branch's
        # stream, ``audited``'s own copy of big's events included), same SELECT + loads
        raw = sqlite3.connect(f"file:{url}?mode=ro", uri=True)
        cursor = raw.execute(
            "SELECT topic, state FROM stored_events ORDER BY originator_id, originator_version"
        )
        result = sum(1 for _topic, state in cursor if json.loads(state[64:]))
    elif op == "show_cli":  # `orgsim show --json` at a past date, stdout to /dev/null
        result = _show_cli(url, info["past"])
    else:
        import orgsim

        store = orgsim.open_store(url)
        if op == "import":  # the fixed cost every other row includes
            from orgsim.store.branches import BranchReader

            result = len(BranchReader(store.backend).registry)
        elif op == "show_head":
            result = len(store.branch("big").structure(at=info["head"]).to_json()["posts"])
        elif op == "show_past":
            result = len(store.branch("big").structure(at=info["past"]).to_json()["posts"])
        elif op == "show_known":
            s = store.branch("big").structure(at=info["head"], as_known_at=info["known"])
            result = len(s.to_json()["posts"])
        elif op == "compare":
            doc = orgsim.compare(store.branch("big"), store.branch("alt"), at=info["head"])
            result = len(doc["branches"])
        elif op == "diff":  # everything that changed from a past date to the head
            doc = store.branch("big").diff(info["past"], info["head"])
            result = len(doc["posts"]) + len(doc["people"])
        elif op == "history":
            result = _history_bytes(store)
        elif op == "verify":
            from orgsim.store.integrity import verify

            result = verify(store.backend).ok
        elif op == "audit":
            doc = store.branch("audited").audit()
            result = (len(doc["decisions"]), doc["violations"])
        elif op == "full_replay":
            from orgsim.store.branches import BranchReader

            result = len(BranchReader(store.backend).load("big").timeline.state_at().posts)
    return CLOCK() - start, result


def _show_cli(url: str, at: str) -> int:
    """The CLI in this process (import, parse, read model, ``--json`` text, write)."""
    from orgsim.cli import main

    stdout = sys.stdout
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sys.stdout = sink
        try:
            main(["--store", url, "show", "--branch", "big", "--at", at, "--json"])
        except SystemExit as done:
            return int(done.code or 0)
        finally:
            sys.stdout = stdout
    return 0


def _history_bytes(store: Any) -> int:
    """``history --json`` written to a file, as the CLI writes it to stdout."""
    with open(os.devnull, "w") as sink:
        try:
            from orgsim.views.history import write_history_json
        except ImportError:  # before streaming: one document in memory
            text = json.dumps(store.branch("big").history(), indent=2)
            sink.write(text)
            return len(text)
        return write_history_json(store.backend, "big", sink)


def _peak_rss_mb() -> float:
    """This process's high-water RSS (VmHWM: unlike ``ru_maxrss`` it is not inherited
    from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: Path, op: str) -> None:
    elapsed, result = run_op(folder, op)
    rss = _peak_rss_mb()
    print(json.dumps({"op": op, "cpu": elapsed, "rss_mb": rss, "result": str(result)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--decisions", type=int, default=5_000)
    parser.add_argument("--ops", default=",".join(OPS))
    parser.add_argument("--store", default=None, help="reuse a store built by a previous run")
    parser.add_argument(
        "--postgres",
        default=None,
        metavar="URL",
        help="run on PostgreSQL (a fresh schema in this database, dropped afterwards)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every operation N times, in interleaved rounds, and report each one's "
        "least CPU time (the machine's own speed drifts; the least is the least disturbed)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.store), args.child)
        return
    if args.postgres:
        import uuid

        global CLOCK
        CLOCK = time.perf_counter
        base = args.postgres.split("?")[0]
        schema = f"perf_{uuid.uuid4().hex[:12]}"
        _pg_schema(base, schema, create=True)
        folder = Path(tempfile.mkdtemp(prefix="orgsim-perf-pg-"))
        try:
            info = build(folder, args.posts, args.events, args.decisions, f"{base}?schema={schema}")
            report(folder, info, args.ops, args.repeat)
        finally:
            _pg_schema(base, schema, create=False)
        return
    if args.store and (Path(args.store) / "info.json").exists():
        folder = Path(args.store)
        info = json.loads((folder / "info.json").read_text())
    else:
        folder = Path(args.store or tempfile.mkdtemp(prefix="orgsim-perf-"))
        folder.mkdir(parents=True, exist_ok=True)
        info = build(folder, args.posts, args.events, args.decisions)
    report(folder, info, args.ops, args.repeat)


def _child_run(folder: Path, op: str) -> dict[str, Any] | str:
    """One operation in a fresh process: its figures, or the last line of its error."""
    out = subprocess.run(
        [sys.executable, __file__, "--store", str(folder), "--child", op],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        return str(out.stderr.strip().splitlines()[-1:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def report(folder: Path, info: dict[str, Any], ops: str, repeat: int = 1) -> None:
    where = "PostgreSQL schema " + _pg_parts(info["url"])[1] if info.get("url") else str(folder)
    print(
        f"store {where}: {info['events']:,} events, {info['posts']:,} posts, "
        f"{info['decisions']:,} decisions"
    )
    unit = "wall s" if info.get("url") else "cpu s"
    print(f"{'operation':<28}{unit:>9}{'ratio':>8}{'peak RSS':>11}  result")
    print(
        f"{'write (store.write)':<28}{info['write']:>9.2f}"
        f"{info['write'] / info['raw_write']:>7.1f}x{'':>11}  vs raw JSON+hash+executemany "
        f"{info['raw_write']:.2f}s"
    )
    if "append_events" in info:
        print(
            f"{'append_events (validated)':<28}{info['append_events']:>9.2f}"
            f"{info['append_events'] / info['raw_write']:>7.1f}x{'':>11}  "
            "fold + write + snapshot, new branch"
        )
    asked = [o for o in ops.split(",") if o != "raw_read"]
    order = ["raw_read", *asked]
    if any(o in WRITE_OPS for o in asked) and "raw_write" not in asked:
        order.insert(1, "raw_write")
    if repeat > 1:
        print(f"(least of {repeat} interleaved runs of each operation)")
    best: dict[str, dict[str, Any]] = {}
    for round_ in range(repeat):
        for op in order:
            r = _child_run(folder, op)
            if isinstance(r, str):
                print(f"{op}: failed: {r}", flush=True)
                continue
            known = best.get(op)
            if known is None or r["cpu"] < known["cpu"]:
                r["rss_mb"] = max(r["rss_mb"], known["rss_mb"] if known else 0)
                best[op] = r
            if round_ == repeat - 1:
                _print_row(op, best[op], best)


def _print_row(op: str, r: dict[str, Any], best: dict[str, dict[str, Any]]) -> None:
    raw = best.get("raw_read", r)["cpu"]
    raw_all = best.get("raw_read_all", {}).get("cpu")
    note = r["result"]
    if op == "verify" and raw_all:
        note += f"  ({r['cpu'] / raw_all:.1f}x raw_read_all; the ratio column is to big's rows)"
    if op in WRITE_OPS and "raw_write" in best:
        raw = best["raw_write"]["cpu"]
        note += " (ratio to raw_write)"
    print(
        f"{op:<28}{r['cpu']:>9.2f}{r['cpu'] / raw:>7.1f}x{r['rss_mb']:>8.0f} MB  {note}",
        flush=True,
    )


if __name__ == "__main__":
    main()
