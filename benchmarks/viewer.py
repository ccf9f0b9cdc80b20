"""Viewer speed on a generated 12,000-post organisation: first paint in a real browser.

Not a test. Run ``PYTHONPATH=. .venv/bin/python benchmarks/viewer.py [POSTS]`` (default
12000). It builds the organisation through the API into a SQLite store, serves it with
``orgsim.viewer`` on 127.0.0.1 and prints:

- raw: reading the branch's event rows straight from SQLite (the baseline, same run);
- cold page: the first ``GET /`` (folding the events, the read model, the chart tree);
- warm page: ``GET /`` again (read model and tree from the cache, rendering only);
- browser first paint: Debian Chromium (Playwright) loading the page after the first
  load, first-contentful-paint as the browser reports it (else the time until the chart's
  rows are in the page), median of 5;
- expand: ``GET /part/children`` for one manager (warm);
- each as a ratio to raw, and the peak resident memory of this process.
"""

from __future__ import annotations

import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orgsim
from tests.test_viewer import CHROMIUM, Server, big_organisation

#: first-contentful-paint from the page's own timeline (None if the browser gives none)
FCP = """() => new Promise(done => {
  const seen = performance.getEntriesByName('first-contentful-paint');
  if (seen.length) { done(seen[0].startTime); return; }
  new PerformanceObserver(list => done(list.getEntries()[0].startTime))
    .observe({type: 'paint', buffered: true});
  setTimeout(() => done(null), 3000);
})"""


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
    folder = Path(tempfile.mkdtemp())
    path = folder / "big.sqlite"
    store = orgsim.open_store(str(path))
    store.run(big_organisation(posts))

    def raw() -> None:
        with sqlite3.connect(path) as db:
            db.execute("SELECT * FROM stored_events").fetchall()

    raw()
    raw_s = min(timed(raw) for _ in range(3))
    server = Server(store)
    try:
        cold = timed(lambda: server.get("/?branch=generated"))
        warm = min(timed(lambda: server.get("/?branch=generated")) for _ in range(3))
        expand = min(
            timed(lambda: server.get("/part/children?branch=generated&post=dg0-h0"))
            for _ in range(3)
        )
        from playwright.sync_api import sync_playwright

        paints = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            for _ in range(5):
                start = time.perf_counter()
                page.goto(server.url + "/?branch=generated")
                page.wait_for_selector("#chart li[data-post]")
                loaded = time.perf_counter() - start
                paint = page.evaluate(FCP)
                paints.append(paint / 1000 if paint is not None else loaded)
            browser.close()
        paint = statistics.median(paints)
    finally:
        server.stop()
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{posts} posts; raw read of the event rows {raw_s * 1000:.0f} ms (baseline)")
    for label, value in (
        ("cold page (fold + read model + tree)", cold),
        ("warm page (cached read model)", warm),
        ("browser first paint, after the first load", paint),
        ("expand one manager (warm)", expand),
    ):
        print(f"  {label:44} {value * 1000:8.0f} ms  {value / raw_s:7.1f} x raw")
    print(f"  peak memory of this process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
