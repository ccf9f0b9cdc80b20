"""``pack --as-known-at``: the pack that could have been issued at a time, rebuilt byte for
byte, and a PDF whose dates come from the data, not the clock (issue 12, "Reproducible").
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

from conftest import CLI
from test_pack import base_script, pack, tables, visible_text

PROPOSAL = """\
scenario: later
based_on: base
fork_at: 2020-06-01
effective: 2021-04-01
steps:
  - consult: {opens: 2020-12-01, closes: 2021-01-15, effective: 2020-12-01}
  - create_post: {id: new-lead, title: Team Lead, grade: G1, unit: help, reports_to: mgr-help}
  - match: {old: off-01, new: new-lead, percent: 90, assessor: HR panel}
  - delete_post: {id: off-01}
  - delete_post: {id: off-02}
"""
#: recorded later: the decision and its slotting outcome
OUTCOME = """\
scenario: later
effective: 2021-04-01
steps:
  - slot: {}
"""


def pdf_dates(data: bytes) -> list[bytes]:
    return re.findall(rb"/(?:CreationDate|ModDate) \(D:(\d{14})", data)


def test_as_known_at_rebuilds_the_earlier_pack_byte_for_byte(lite: CLI, write, tmp_path: Path):
    lite.ok("run", write(base_script()))
    lite.ok("run", write(PROPOSAL))
    then, files_then = pack(lite, tmp_path / "then", "--branch", "later", "--at", "2021-04-01")
    time.sleep(1.1)  # recorded times are the clock's: the next run is recorded later
    moment = dt.datetime.now(dt.UTC).isoformat()
    time.sleep(1.1)
    lite.ok("run", write(OUTCOME))

    now, files_now = pack(lite, tmp_path, "--branch", "later", "--at", "2021-04-01")
    assert now["head_chain"] != then["head_chain"]  # the outcome is recorded since
    text_now = visible_text(files_now["html"].read_text(encoding="utf-8"))
    assert "Slotted into Team Lead (G1)" in text_now

    args = ("--branch", "later", "--at", "2021-04-01", "--as-known-at", moment)
    known, files_known = pack(lite, tmp_path, *args)
    # what the unions were told then: the head then, the outcome still pending
    assert known["head_chain"] == then["head_chain"]
    text_known = visible_text(files_known["html"].read_text(encoding="utf-8"))
    assert "Slotted into Team Lead (G1)" not in text_known
    assert "Pending: the slotting policy would slot into Team Lead (G1)" in text_known
    assert f"As known at {dt.datetime.fromisoformat(moment).isoformat()}" in text_known
    assert then["head_chain"] in text_known
    # the body agrees with the pack issued then, table for table
    assert tables(files_known["html"].read_text(encoding="utf-8")) == tables(
        files_then["html"].read_text(encoding="utf-8")
    )
    # the same store and options: the same bytes, HTML and PDF
    _again, files_again = pack(lite, tmp_path / "again", *args)
    assert files_again["html"].read_bytes() == files_known["html"].read_bytes()
    assert files_again["pdf"].read_bytes() == files_known["pdf"].read_bytes()
    # the PDF's dates are the recorded time of the latest event known, not the clock
    history = lite.json("history", "--branch", "later")["events"]
    recorded = [dt.datetime.fromisoformat(e["recorded"]) for e in history]
    latest = max(r for r in recorded if r <= dt.datetime.fromisoformat(moment))
    stamp = latest.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S").encode()
    assert pdf_dates(files_known["pdf"].read_bytes()) == [stamp, stamp]


def test_as_known_at_before_the_branch_existed_is_bad_input(lite: CLI, write, tmp_path: Path):
    lite.ok("run", write(base_script()))
    lite.ok("run", write(PROPOSAL))
    out = tmp_path / "none"
    result = lite("pack", "--branch", "later", "--as-known-at", "2000-01-01", "-o", str(out))
    assert result.returncode == 2 and "was not known then" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()
    bad = lite("pack", "--branch", "later", "--as-known-at", "yesterday", "-o", str(out))
    assert bad.returncode == 2 and not out.exists()


import pytest  # noqa: E402


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> CLI:
    return CLI(sqlite_url, tmp_path)
