"""HR extract import benchmark (issue 14): ``orgsim import table`` at council scale.

A fictional council of about 12,000 posts and 12,000 holders
(``scripts/make_example_extract.py --posts 12000``), then the same council a year later
with a few hundred changes. Prints each figure as a ratio against a raw baseline measured
in the same run on the same file: reading it with the ``csv`` module alone (every row
into a list, nothing else). Targets on the reference machine: the first import under
5 s, the second (onto the branch) under 10 s. Also prints the process's peak resident
memory after each import (ru_maxrss: tracemalloc would triple the times).

Usage: python benchmarks/import_table.py [--posts 12000] [--changes 300] [--store PATH]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from make_example_extract import GRADES, MAP, evolve, generate, write  # noqa: E402

from orgsim.interchange.table_import import import_table  # noqa: E402
from orgsim.store.recorder import open_store  # noqa: E402


def csv_baseline(path: Path, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        best = min(best, time.perf_counter() - start)
        assert rows
    return best


def timed_import(
    store_path: str, path: Path, map_path: Path, day: dt.date
) -> tuple[float, int, dict[str, float], int]:
    store = open_store(store_path)
    start = time.perf_counter()
    report = import_table(store, "bench", path, map_path, effective=day)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return seconds, len(report.events), report.timings, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=12000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument(
        "--store", default=None, help="a store URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = generate(args.posts)
        write(folder / "first.csv", rows)
        write(folder / "second.csv", evolve(rows, args.changes))
        (folder / "map.yaml").write_text(MAP % ", ".join(GRADES), encoding="utf-8")
        posts = len({r[0] for r in rows})
        holders = sum(1 for r in rows if r[7] != "VACANT")
        store = args.store or str(folder / "bench.sqlite")
        base1 = csv_baseline(folder / "first.csv")
        base2 = csv_baseline(folder / "second.csv")
        print(f"extract: {len(rows)} rows, {posts} posts, {holders} holders")
        print(
            f"baseline (csv module, read every row): first {base1 * 1000:.1f} ms, second {base2 * 1000:.1f} ms"
        )
        for label, name, base, day, limit in (
            ("first import ", "first.csv", base1, dt.date(2024, 4, 1), 5.0),
            ("second import", "second.csv", base2, dt.date(2025, 4, 1), 10.0),
        ):
            seconds, events, timings, peak = timed_import(
                store, folder / name, folder / "map.yaml", day
            )
            parts = ", ".join(f"{k} {v:.2f}s" for k, v in timings.items() if k != "total")
            verdict = "within" if seconds < limit else "OVER"
            print(
                f"{label}: {events} events, {seconds:.2f}s = {seconds / base:.0f}x the csv read "
                f"({parts}); peak RSS {peak / 2**20:.0f} MiB; {verdict} the {limit:.0f} s target"
            )
        seconds, events, _, _ = timed_import(
            store, folder / "second.csv", folder / "map.yaml", dt.date(2025, 4, 1)
        )
        print(
            f"same extract again: {events} events, {seconds:.2f}s = {seconds / base2:.0f}x the csv read"
        )


if __name__ == "__main__":
    main()
