"""Real processes against one store: racing writers and a writer killed mid-run.

Races are made deterministic by a test hook in ``Store.write``: with
``ORGSIM_TEST_BARRIER=DIR:N`` each process, having read the branch and built its events,
waits there until N processes have arrived, so all of them write at once. Crashes use
``ORGSIM_TEST_PAUSE_IN_WRITE`` (rows inserted, transaction open, not committed) or
``ORGSIM_TEST_PAUSE_BEFORE_WRITE``, with ``ORGSIM_TEST_MARKER`` telling the test when
to pull the trigger.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_integrity import BASE_EVENTS, OPTION, ORG, Raw, build


def spawn(cli, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orgsim", "--store", cli.store, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cli.cwd,
        env={**cli.env, **env},
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=240)
    return process.returncode, out, err


def race(cli, tmp_path: Path, *scripts: str) -> list[tuple[int, str, str]]:
    """Run ``orgsim run`` on every script at once; all of them write at the same moment."""
    barrier = tmp_path / f"barrier-{time.monotonic_ns()}"
    barrier.mkdir()
    hook = {"ORGSIM_TEST_BARRIER": f"{barrier}:{len(scripts)}"}
    processes = [spawn(cli, "run", script, **hook) for script in scripts]
    return [finish(p) for p in processes]


def versions(cli) -> dict[str, int]:
    return {b["name"]: b["version"] for b in cli.json("branches")["branches"]}


def units(cli, branch: str) -> set[str]:
    return {u["id"] for u in cli.json("show", "--branch", branch, "--at", "2030-01-01")["units"]}


def append(write, branch: str, unit: str) -> str:
    return write(
        f"scenario: {branch}\neffective: 2022-01-01\nsteps:\n"
        f"  - create_unit: {{id: {unit}, name: Unit {unit}, kind: division, "
        f"parent: org}}\n"
    )


def one_winner(results: list[tuple[int, str, str]]) -> int:
    """Exactly one process succeeded; every other one gave a one-line conflict."""
    codes = [code for code, _, _ in results]
    assert codes.count(0) == 1, results
    for code, out, err in results:
        if code != 0:
            assert code == 2, (code, out, err)
            assert err.count("\n") == 1 and err.startswith("orgsim: error: conflict:"), err
            assert "nothing was written" in err and out == ""
    return codes.index(0)


def test_two_appends_to_one_branch_one_wins(cli, store_url, write, tmp_path):
    build(store_url, ORG)
    raw = Raw(store_url)
    expected_units = units(cli, "base")
    for round_ in range(2):
        before = raw.count()
        names = [f"a{round_}", f"b{round_}"]
        results = race(cli, tmp_path, *(append(write, "base", n) for n in names))
        winner = names[one_winner(results)]
        expected_units.add(winner)
        # No event lost, none duplicated: exactly the winner's one event was added.
        assert raw.count() == before + 1
        assert versions(cli)["base"] == BASE_EVENTS + round_ + 1
        assert units(cli, "base") == expected_units
    assert cli.json("verify")["ok"] is True


def test_two_processes_creating_one_branch_one_wins(cli, store_url, write, tmp_path):
    build(store_url, ORG)
    before = Raw(store_url).count()
    results = race(cli, tmp_path, write(OPTION), write(OPTION))
    one_winner(results)
    assert Raw(store_url).count() == before + 1 + 2  # one registry entry, two events
    assert versions(cli) == {"base": BASE_EVENTS, "option": BASE_EVENTS + 2}
    assert cli.json("verify")["ok"] is True


def test_first_writes_to_an_empty_store_race_safely(cli, store_url, write, tmp_path):
    """Two new organisations at once both need registry entry 1: one waits for the other
    by failing cleanly, and simply runs again."""
    alpha = ORG.replace("scenario: base", "scenario: alpha")
    beta = ORG.replace("scenario: base", "scenario: beta")
    scripts = [write(alpha), write(beta)]
    results = race(cli, tmp_path, *scripts)
    winner = one_winner(results)
    cli.ok("run", scripts[1 - winner])
    assert versions(cli) == {"alpha": BASE_EVENTS, "beta": BASE_EVENTS}
    assert cli.json("verify")["ok"] is True


def test_writers_to_different_branches_do_not_conflict(cli, store_url, write, tmp_path):
    build(store_url, ORG, OPTION)
    results = race(cli, tmp_path, append(write, "base", "x1"), append(write, "option", "x2"))
    assert [code for code, _, _ in results] == [0, 0], results
    assert versions(cli) == {"base": BASE_EVENTS + 1, "option": BASE_EVENTS + 3}
    assert cli.json("verify")["ok"] is True


def long_script(write, branch: str = "base", steps: int = 400) -> str:
    lines = [f"scenario: {branch}", "effective: 2022-01-01", "steps:"]
    lines += [
        f"  - create_post: {{id: gen-{n}, title: Generated post {n}, grade: G1, unit: org}}"
        for n in range(steps)
    ]
    return write("\n".join(lines) + "\n")


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the run never reached the write")
        time.sleep(0.05)


@pytest.mark.parametrize("hook", ["ORGSIM_TEST_PAUSE_IN_WRITE", "ORGSIM_TEST_PAUSE_BEFORE_WRITE"])
def test_a_run_killed_mid_write_leaves_the_store_untouched(cli, store_url, write, tmp_path, hook):
    build(store_url, ORG, OPTION)
    raw = Raw(store_url)
    rows, before = raw.count(), versions(cli)
    heads = tmp_path / "heads.json"
    cli.ok("verify", "--export-heads", str(heads))
    script = long_script(write)
    marker = tmp_path / "paused"
    process = spawn(cli, "run", script, **{hook: "120", "ORGSIM_TEST_MARKER": str(marker)})
    wait_for(marker, process)
    if hook == "ORGSIM_TEST_PAUSE_IN_WRITE":
        # 400 rows are inserted but not committed: nobody else sees them.
        assert versions(cli) == before
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert raw.count() == rows
    assert versions(cli) == before
    assert cli.json("verify", "--heads", str(heads))["ok"] is True
    # The store is not left locked: the same run now goes through, whole.
    cli.ok("run", script)
    assert versions(cli)["base"] == BASE_EVENTS + 400
    assert raw.count() == rows + 400
    assert cli.json("verify", "--heads", str(heads))["ok"] is True


def test_a_long_run_killed_at_any_moment_is_all_or_nothing(cli, store_url, write, tmp_path):
    """No hook: SIGKILL a large run at several moments; each time the store holds either
    none or all of its events, and verifies."""
    build(store_url, ORG)
    raw = Raw(store_url)
    steps = 1500
    script = long_script(write, steps=steps)
    rows = raw.count()
    for delay in (0.5, 1.5, 3.0, 6.0):
        process = spawn(cli, "run", script)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        now = raw.count()
        assert now in (rows, rows + steps), (delay, now)
        assert cli.json("verify")["ok"] is True
        if now == rows + steps:
            break
    assert versions(cli)["base"] in (BASE_EVENTS, BASE_EVENTS + steps)
    assert json.loads(cli("verify", "--json").stdout)["ok"] is True


def test_a_reader_during_a_write_sees_the_run_whole_or_not_at_all(cli, store_url, write, tmp_path):
    """SPEC 8's team store: readers share the store with a writer. A run is one
    transaction, so a reader sees the branch before the run or after it, never part of
    it: here a reader looks while the run's 400 rows are inserted but not committed, and
    again once the writer has committed."""
    build(store_url, ORG)
    before = versions(cli)["base"]
    posts_before = len(cli.json("show", "--branch", "base", "--at", "2030-01-01")["posts"])
    marker = tmp_path / "paused"
    process = spawn(
        cli,
        "run",
        long_script(write),
        ORGSIM_TEST_PAUSE_IN_WRITE="4",  # under the library's 5 s idle-in-transaction limit
        ORGSIM_TEST_MARKER=str(marker),
    )
    wait_for(marker, process)
    during = cli.json("show", "--branch", "base", "--at", "2030-01-01")
    assert versions(cli)["base"] == before
    assert len(during["posts"]) == posts_before
    code, _out, err = finish(process)
    assert code == 0, err
    after = cli.json("show", "--branch", "base", "--at", "2030-01-01")
    assert versions(cli)["base"] == before + 400
    assert len(after["posts"]) == posts_before + 400
