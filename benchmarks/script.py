"""A long scenario script is linear in its length (issue 17: 100,000 steps in ≤ 10 s).

Generates scripts of ``--steps`` steps (default 10k, 50k and 100k) in the shape of a real
restructure at scale — units, then per post: ``create_post``, ``join``, ``assign``,
``retitle_post``, ``match`` (against the previous post), with a ``consult`` every 1,000
posts, effective dates advancing a day every 100 posts, and one ``slot`` at the end — and
runs each in its own fresh process against a new SQLite store, the way ``orgsim run``
does: read and parse the file, translate every step, fold the timeline to check every
invariant, write the events in one transaction, take a snapshot.

Prints, per size: CPU seconds of parsing and of the run, µs per step, peak RSS (the
child's VmHWM, reset after the raw baseline, whose node tree would otherwise be the
peak), and the ratio of each size's time per step to the smallest's: linear
means that ratio stays near 1. The raw baseline of the same run is PyYAML's C parser
(``yaml.CSafeLoader``) loading the same file, the least any reader of it must do.

Usage: python benchmarks/script.py [--steps 10000,50000,100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = dt.date(2020, 1, 1)
#: Steps per post in the generated script (create_post, join, assign, retitle, match).
PER_POST = 5


def script_text(steps: int) -> str:
    """A valid script of about ``steps`` steps (YAML flow mappings, one step a line)."""
    units = max(10, steps // 1000)
    lines = [
        f"scenario: long-{steps}",
        f"effective: {START.isoformat()}",
        "grades: [G1, G2, G3, G4, G5]",
        "steps:",
        "  - create_unit: {id: org, name: Long Council, kind: organisation}",
    ]
    lines += [
        f"  - create_unit: {{id: u{u}, name: Unit {u}, kind: team, parent: org}}"
        for u in range(units)
    ]
    count = 1 + units
    post = 0
    while count + PER_POST + 2 <= steps:
        day = (START + dt.timedelta(days=post // 100)).isoformat()
        grade = f"G{1 + post % 5}"
        reports = "" if post == 0 else ", reports_to: p0"
        lines += [
            f"  - create_post: {{id: p{post}, title: Officer {post}, grade: {grade}, "
            f"unit: u{post % units}{reports}, effective: {day}}}",
            f"  - join: {{id: e{post}, name: Person {post}, effective: {day}}}",
            f"  - assign: {{person: e{post}, post: p{post}, effective: {day}}}",
            f"  - retitle_post: {{id: p{post}, title: Senior Officer {post}, effective: {day}}}",
            f"  - match: {{old: p{post - 1}, new: p{post}, percent: 80, effective: {day}}}"
            if post
            else f"  - regrade_post: {{id: p0, grade: G5, effective: {day}}}",
        ]
        count += PER_POST
        post += 1
        if post % 1000 == 0:
            lines.append(f"  - consult: {{opens: {day}, closes: {day}, scope: [u{post % units}]}}")
            count += 1
    lines.append(f"  - slot: {{effective: {day}}}")
    return "\n".join(lines) + "\n"


def child(path: Path, store: Path) -> None:
    import yaml

    from orgsim.app.run import run_script
    from orgsim.scenario.load import load_scenario
    from orgsim.store.recorder import open_store

    text = path.read_text(encoding="utf-8")
    start = time.process_time()
    yaml.load(text, Loader=yaml.CSafeLoader)
    raw = time.process_time() - start
    # The baseline's own peak (its node tree) is not orgsim's: reset the high-water mark.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    start = time.process_time()
    script = load_scenario(path)
    parse = time.process_time() - start
    start = time.process_time()
    report = run_script(open_store(str(store)), script)
    run = time.process_time() - start
    rss = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1]) / 1024
    out = {"steps": len(script.steps), "events": len(report.events), "raw": raw}
    print(json.dumps({**out, "parse": parse, "run": run, "rss": rss}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="10000,50000,100000")
    parser.add_argument("--keep", default=None, help="folder to keep the scripts in")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--store", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), Path(args.store))
        return
    folder = Path(args.keep or tempfile.mkdtemp(prefix="orgsim-script-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'steps':>8}{'events':>9}{'raw yaml':>10}{'parse s':>9}{'run s':>8}{'total':>8}"
        f"{'µs/step':>9}{'vs first':>9}{'peak RSS':>10}"
    )
    first = None
    for steps in (int(s) for s in args.steps.split(",")):
        path = folder / f"long-{steps}.yaml"
        path.write_text(script_text(steps), encoding="utf-8")
        store = folder / f"long-{steps}.sqlite"
        store.unlink(missing_ok=True)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path), "--store", str(store)],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            print(f"{steps:>8}: failed: {out.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        total = r["parse"] + r["run"]
        per = total / r["steps"] * 1e6
        first = first or per
        print(
            f"{r['steps']:>8,}{r['events']:>9,}{r['raw']:>9.2f}s{r['parse']:>8.2f}s"
            f"{r['run']:>7.2f}s{total:>7.2f}s{per:>9.0f}{per / first:>8.2f}x"
            f"{r['rss']:>7.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
