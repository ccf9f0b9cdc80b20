"""The real ``python -m orgsim`` in a subprocess, on both stores.

Most tests call the CLI in-process (tests/conftest.py) because a subprocess per call made
the suite slow. These few keep proving that the installed command works end to end: the
entry point, exit codes and what reaches stdout and stderr of a real process, and that the
in-process harness shows the tests exactly what a shell would see.
"""

from __future__ import annotations

import json

from conftest import CLI

BASE = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: team, name: Team, kind: team, parent: org}
  - create_post: {id: boss, title: Chief, grade: G2, unit: org}
  - create_post: {id: lead, title: Lead, grade: G1, unit: team, reports_to: boss}
  - join: {id: p1, name: Robin Fictional, grade: G2}
  - assign: {person: p1, post: boss}
"""

BROKEN = """\
scenario: base
effective: 2020-02-01
steps:
  - create_post: {id: x1, title: X, grade: G1, unit: nowhere}
"""


def test_run_and_show_json_in_a_real_process(cli_process: CLI, write):
    out = cli_process.ok("run", write(BASE))
    assert "wrote 7 events" in out.stdout and out.stderr == ""
    doc = cli_process.json("show", "--branch", "base", "--at", "2020-06-01")
    assert doc["branch"] == "base" and doc["at"] == "2020-06-01"
    assert {u["id"] for u in doc["units"]} == {"org", "team"}
    assert {p["id"]: p["holders"] for p in doc["posts"]} == {"boss": ["p1"], "lead": []}


def test_a_failing_script_exits_2_with_one_line_in_a_real_process(cli_process: CLI, write):
    cli_process.ok("run", write(BASE))
    path = write(BROKEN)
    result = cli_process("run", path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("orgsim: error: ") and "Traceback" not in result.stderr
    assert f"{path}:4: step 1 (create_post): unknown unit 'nowhere'" in result.stderr
    assert cli_process.json("branches")["branches"][0]["version"] == 7


def test_in_process_calls_see_what_a_real_process_sees(cli_process: CLI, write):
    """Same store, same commands: identical exit codes, stdout and stderr both ways."""
    in_process = CLI(cli_process.store, cli_process.cwd)
    cli_process.ok("run", write(BASE))
    broken = write(BROKEN)
    for args in [
        ("show", "--branch", "base", "--at", "2020-06-01"),
        ("show", "--branch", "base", "--at", "2020-06-01", "--json"),
        ("history", "--branch", "base"),
        ("branches",),
        ("run", broken),
        ("show", "--branch", "nope"),
        ("show",),
        ("run", "--help"),
        ("--version",),
    ]:
        real, here = cli_process(*args), in_process(*args)
        assert (here.returncode, here.stdout, here.stderr) == (
            real.returncode,
            real.stdout,
            real.stderr,
        ), args
    assert json.loads(in_process("branches", "--json").stdout)["branches"][0]["version"] == 7
