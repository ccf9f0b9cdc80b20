"""Tamper evidence: ``orgsim verify`` finds changed, deleted, reordered and truncated events.

Every test damages the store behind orgsim's back, directly in SQLite or (with psycopg)
in PostgreSQL, then runs the real command. A damaged store is a finding (exit 1, the
branch and version of the first break), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import pytest

from orgsim.app.run import run_script
from orgsim.scenario.load import parse_scenario
from orgsim.store.integrity import check_rows, verify
from orgsim.store.mapper import GENESIS
from orgsim.store.recorder import (
    REGISTRY_ID,
    BranchRegistered,
    StreamWrite,
    branch_stream,
    open_store,
)

ORG = """\
scenario: base
effective: 2020-01-01
grades: [G1, G2, G3, G4]
steps:
  - create_unit: {id: org, name: Example Council, kind: organisation}
  - create_unit: {id: people, name: People, kind: directorate, parent: org}
  - create_post: {id: ceo, title: Chief Executive, grade: G4, unit: org}
  - create_post: {id: dir-people, title: Director of People, grade: G3, unit: people, reports_to: ceo}
  - join: {id: p1, name: Robin Fictional, grade: G4}
  - join: {id: p2, name: Sam Imaginary, grade: G3}
  - assign: {person: p1, post: ceo}
  - assign: {person: p2, post: dir-people}
"""
# base: GradeSchemeDefined + 8 steps = 9 events.
BASE_EVENTS = 9

OPTION = """\
scenario: option
based_on: base
effective: 2021-01-01
steps:
  - retitle_post: {id: dir-people, title: Director of People and Place}
  - create_unit: {id: comms, name: Communications, kind: division, parent: people}
"""
DATED = """\
scenario: dated
based_on: base
fork_at: 2019-06-01
effective: 2021-01-01
steps:
  - create_unit: {id: org2, name: Another Council, kind: organisation}
"""

BASE, OPTION_ID = branch_stream("base"), branch_stream("option")


class Raw:
    """Direct access to the store's table, behind orgsim's back (SQLite or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgresql://")
        if self.postgres:
            parsed = urlparse(url)
            self.schema = parse_qs(parsed.query)["schema"][0]
            self.table = f'"{self.schema}".stored_events'
        else:
            self.table = "stored_events"

    def execute(self, sql: str, *params: object) -> list[tuple]:
        sql = sql.format(table=self.table)
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url.split("?")[0], autocommit=True) as conn:
                cursor = conn.execute(sql.replace("?", "%s"), params)
                return cursor.fetchall() if cursor.description else []
        conn = sqlite3.connect(self.url)
        try:
            with conn:
                cursor = conn.execute(sql, params)
                return cursor.fetchall()
        finally:
            conn.close()

    def sid(self, stream: UUID) -> object:
        return stream if self.postgres else stream.hex

    def get(self, stream: UUID, version: int) -> tuple[str, bytes]:
        ((topic, state),) = self.execute(
            "SELECT topic, state FROM {table} WHERE originator_id=? AND originator_version=?",
            self.sid(stream),
            version,
        )
        return topic, bytes(state)

    def set(
        self, stream: UUID, version: int, topic: str | None = None, state: bytes | None = None
    ) -> None:
        old_topic, old_state = self.get(stream, version)
        self.execute(
            "UPDATE {table} SET topic=?, state=? WHERE originator_id=? AND originator_version=?",
            topic if topic is not None else old_topic,
            state if state is not None else old_state,
            self.sid(stream),
            version,
        )

    def flip(self, stream: UUID, version: int, at: int) -> None:
        """Change one byte of a stored state (``at`` counts from the start)."""
        _, state = self.get(stream, version)
        changed = bytearray(state)
        changed[at] ^= 0x01
        self.set(stream, version, state=bytes(changed))

    def delete(self, stream: UUID, version: int) -> None:
        self.execute(
            "DELETE FROM {table} WHERE originator_id=? AND originator_version=?",
            self.sid(stream),
            version,
        )

    def swap(self, stream: UUID, a: int, b: int) -> None:
        """Exchange two rows' contents, keeping their positions."""
        topic_a, state_a = self.get(stream, a)
        topic_b, state_b = self.get(stream, b)
        self.set(stream, a, topic_b, state_b)
        self.set(stream, b, topic_a, state_a)

    def renumber(self, stream: UUID, old: int, new: int) -> None:
        self.execute(
            "UPDATE {table} SET originator_version=? "
            "WHERE originator_id=? AND originator_version=?",
            new,
            self.sid(stream),
            old,
        )

    def count(self) -> int:
        return self.execute("SELECT count(*) FROM {table}")[0][0]


def build(url: str, *scripts: str, key: str | None = None) -> None:
    store = open_store(url, key)
    try:
        for n, text in enumerate(scripts, start=1):
            run_script(store, parse_scenario(text, f"script{n}.yaml"))
    finally:
        store.close()


@pytest.fixture
def raw(store_url: str) -> Raw:
    return Raw(store_url)


def broken(cli, *args: str) -> dict:
    """Run verify --json expecting a break; return the first break."""
    result = cli("verify", "--json", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    document = json.loads(result.stdout)
    assert document["ok"] is False and document["breaks"]
    return document["first_break"]


def test_an_untouched_store_verifies(cli, store_url):
    build(store_url, ORG, OPTION)
    result = cli.ok("verify")
    assert "every hash chain is intact" in result.stdout
    document = cli.json("verify")
    assert document["ok"] is True and document["first_break"] is None
    assert document["events"] == 2 + BASE_EVENTS + 2
    kinds = [(s["stream"], s["branch"], s["events"]) for s in document["streams"]]
    assert kinds == [
        ("registry", None, 2),
        ("branch", "base", BASE_EVENTS),
        ("branch", "option", 2),
    ]
    assert all(s["ok"] and len(s["head"]) == 64 for s in document["streams"])


def test_an_empty_or_new_store_verifies(cli):
    assert cli("verify").returncode == 0


def test_a_changed_body_byte_is_found_with_branch_and_version(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    _, state = raw.get(BASE, 5)
    raw.flip(BASE, 5, len(state) - 5)  # inside the JSON body
    first = broken(cli)
    assert (first["branch"], first["version"], first["position"]) == ("base", 5, 5)
    assert "changed" in first["problem"]
    text = cli("verify")
    assert text.returncode == 1
    assert text.stdout.splitlines()[0].startswith("BROKEN: branch base, version 5: ")


def test_a_changed_chain_byte_is_found(cli, store_url, raw):
    build(store_url, ORG)
    raw.flip(BASE, 3, 10)  # inside the 64-hex-digit chain value
    first = broken(cli)
    assert (first["branch"], first["version"]) == ("base", 3)


def test_a_changed_topic_is_found(cli, store_url, raw):
    build(store_url, ORG)
    topic, _ = raw.get(BASE, 4)
    raw.set(BASE, 4, topic=topic.replace(".v", "X.v"))
    assert broken(cli)["version"] == 4


def test_a_break_in_a_fork_reports_the_full_log_version(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    _, state = raw.get(OPTION_ID, 2)
    raw.flip(OPTION_ID, 2, len(state) - 3)
    first = broken(cli)
    # option inherits base's 9 events: its own event 2 is version 11 of its log.
    assert (first["branch"], first["position"], first["version"]) == ("option", 2, BASE_EVENTS + 2)
    text = cli("verify").stdout
    assert f"branch option, version {BASE_EVENTS + 2} (own event 2)" in text


def test_a_break_in_a_date_fork_reports_its_version(cli, store_url, raw):
    build(store_url, ORG, DATED)
    raw.flip(branch_stream("dated"), 1, 70)
    first = broken(cli)
    # Forked at a date before anything was effective: it inherits only the undated grades.
    assert (first["branch"], first["position"], first["version"]) == ("dated", 1, 2)


def test_a_deleted_event_is_found(cli, store_url, raw):
    build(store_url, ORG)
    raw.delete(BASE, 6)
    first = broken(cli)
    assert (first["branch"], first["version"]) == ("base", 6)
    assert "missing" in first["problem"]


def test_swapped_events_are_found(cli, store_url, raw):
    build(store_url, ORG)
    raw.swap(BASE, 3, 4)
    first = broken(cli)
    assert (first["branch"], first["version"]) == ("base", 3)
    assert "reordered" in first["problem"] and "position 4" in first["problem"]


def test_renumbered_events_are_found(cli, store_url, raw):
    build(store_url, ORG)
    raw.renumber(BASE, 7, 100)
    raw.renumber(BASE, 8, 7)
    raw.renumber(BASE, 100, 8)
    first = broken(cli)
    assert (first["branch"], first["version"]) == ("base", 7)
    assert "reordered" in first["problem"]


def test_a_deleted_event_with_the_rest_renumbered_is_found(cli, store_url, raw):
    build(store_url, ORG)
    raw.delete(BASE, 4)
    for version in range(5, BASE_EVENTS + 1):
        raw.renumber(BASE, version, version - 1)
    assert broken(cli)["version"] == 4


def test_damaged_rows_are_reported_not_raised(cli, store_url, raw):
    build(store_url, ORG)
    raw.set(BASE, 2, state=b"")
    assert broken(cli)["version"] == 2
    raw.set(BASE, 2, state=b"\x00\xff" * 40)
    assert broken(cli)["version"] == 2
    raw.execute(
        "UPDATE {table} SET state=NULL WHERE originator_id=? AND originator_version=?",
        raw.sid(BASE),
        2,
    )
    assert broken(cli)["version"] == 2
    raw.execute(
        "UPDATE {table} SET topic=NULL WHERE originator_id=? AND originator_version=?",
        raw.sid(BASE),
        1,
    )
    assert broken(cli)["version"] == 1


def test_a_damaged_registry_is_found(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    raw.flip(REGISTRY_ID, 1, 80)
    first = broken(cli)
    assert first["stream"] == "registry" and first["position"] == 1
    assert "the branch registry, entry 1" in cli("verify").stdout


def test_a_truncated_registry_leaves_an_orphan_stream(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    raw.delete(REGISTRY_ID, 2)  # the last entry: its chain alone cannot tell
    first = broken(cli)
    assert first["stream"] == "unknown" and first["id"] == OPTION_ID.hex


def test_a_parent_truncated_below_a_fork_point_is_found(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    raw.delete(BASE, BASE_EVENTS)  # option was forked at version 9
    first = broken(cli)
    assert (first["branch"], first["version"]) == ("base", BASE_EVENTS)
    assert "forked from it at version 9" in first["problem"]


def test_truncation_is_caught_against_exported_heads(cli, store_url, raw, tmp_path):
    build(store_url, ORG)
    heads = tmp_path / "heads.json"
    result = cli.ok("verify", "--export-heads", str(heads))
    assert "head hashes written" in result.stdout
    document = json.loads(heads.read_text())
    assert document["format"] == "orgsim-heads"
    raw.delete(BASE, BASE_EVENTS)
    # The chain of what is left is intact: only the heads can tell.
    assert cli("verify").returncode == 0
    first = broken(cli, "--heads", str(heads))
    assert (first["branch"], first["position"]) == ("base", BASE_EVENTS)
    assert "truncated" in first["problem"]


def test_appending_after_export_still_matches_the_heads(cli, store_url, tmp_path, write):
    build(store_url, ORG)
    heads = tmp_path / "heads.json"
    cli.ok("verify", "--export-heads", str(heads))
    build(store_url, OPTION)
    cli.ok(
        "run",
        write(
            "scenario: base\neffective: 2022-01-01\nsteps:\n"
            "  - rename_unit: {id: people, name: People and Place}\n"
        ),
    )
    document = cli.json("verify", "--heads", str(heads))
    assert document["ok"] and document["heads"]["streams"] == 2


def test_a_rewritten_chain_is_caught_only_by_the_heads(cli, store_url, raw, tmp_path):
    """An attacker who recomputes every hash defeats the chain; the heads kept elsewhere
    do not move."""
    build(store_url, ORG)
    heads = tmp_path / "heads.json"
    cli.ok("verify", "--export-heads", str(heads))
    store = open_store(store_url)
    rows = store.select(BASE)
    models = [store.mapper.to_model(row).model for row in rows]
    store.close()
    index = next(n for n, m in enumerate(models) if type(m).__name__ == "PersonJoined")
    models[index] = models[index].model_copy(update={"name": "Someone Else"})
    raw.execute("DELETE FROM {table} WHERE originator_id=?", raw.sid(BASE))
    store = open_store(store_url)
    store.write([StreamWrite(BASE, 0, GENESIS, models)])
    store.close()
    assert cli("verify").returncode == 0
    first = broken(cli, "--heads", str(heads))
    assert (first["branch"], first["position"]) == ("base", BASE_EVENTS)
    assert "rewritten" in first["problem"]


def test_a_branch_missing_against_the_heads_is_found(cli, store_url, raw, tmp_path):
    build(store_url, ORG, OPTION)
    heads = tmp_path / "heads.json"
    cli.ok("verify", "--export-heads", str(heads))
    raw.delete(REGISTRY_ID, 2)
    raw.execute("DELETE FROM {table} WHERE originator_id=?", raw.sid(OPTION_ID))
    assert cli("verify").returncode == 0  # an intact, shorter history...
    first = broken(cli, "--heads", str(heads))  # ...that the heads know was longer
    assert first["stream"] == "registry" and first["position"] == 2
    document = json.loads(cli("verify", "--json", "--heads", str(heads)).stdout)
    assert any(b["branch"] == "option" and "missing" in b["problem"] for b in document["breaks"])


def test_branch_option_checks_only_that_branch_and_its_ancestors(cli, store_url, raw):
    build(store_url, ORG, OPTION, DATED)
    raw.flip(branch_stream("dated"), 1, 70)
    document = cli.json("verify", "--branch", "option")
    assert [s["branch"] for s in document["streams"]] == [None, "base", "option"]
    assert broken(cli, "--branch", "dated")["branch"] == "dated"
    raw.flip(BASE, 2, 70)
    assert broken(cli, "--branch", "option")["branch"] == "base"


def test_every_break_is_listed_first_one_first(cli, store_url, raw):
    build(store_url, ORG, OPTION)
    raw.flip(OPTION_ID, 1, 70)
    raw.delete(BASE, 3)
    document = json.loads(cli("verify", "--json").stdout)
    assert [(b["branch"], b["position"]) for b in document["breaks"]] == [
        ("base", 3),
        ("option", 1),
    ]
    lines = cli("verify").stdout.splitlines()
    assert lines[0].startswith("BROKEN: branch base, version 3")
    assert lines[1].startswith("also broken: branch option")


def test_heads_are_not_exported_from_a_broken_store(cli, store_url, raw, tmp_path):
    build(store_url, ORG)
    raw.delete(BASE, 2)
    heads = tmp_path / "heads.json"
    result = cli("verify", "--export-heads", str(heads))
    assert result.returncode == 1 and not heads.exists()
    assert "not written" in result.stdout


@pytest.mark.parametrize(
    "content, cause",
    [
        (None, "cannot read heads file"),
        ("not json", "is not JSON"),
        ("{}", "is not an orgsim heads file"),
        ('{"format": "orgsim-heads", "version": 9, "streams": []}', "version 9"),
        ('{"format": "orgsim-heads", "version": 1, "streams": [{"stream": "branch"}]}', "stream 1"),
        (
            '{"format": "orgsim-heads", "version": 1, "streams": [{"stream": "registry", "events": 1, '
            '"head": "xyz"}]}',
            "64 hex digits",
        ),
    ],
)
def test_a_bad_heads_file_is_bad_input(cli, store_url, tmp_path, content, cause):
    build(store_url, ORG)
    heads = tmp_path / "heads.json"
    if content is not None:
        heads.write_text(content)
    result = cli("verify", "--heads", str(heads))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and cause in result.stderr
    assert result.stdout == ""


def test_bad_input_exits_2_and_writes_nothing(cli, store_url, tmp_path):
    build(store_url, ORG)
    result = cli("verify", "--branch", "nope")
    assert result.returncode == 2 and "unknown branch 'nope'" in result.stderr
    target = tmp_path / "missing" / "heads.json"
    result = cli("verify", "--export-heads", str(target))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert not target.parent.exists()


def test_a_sqlite_file_that_is_not_a_database_is_one_line(tmp_path):
    from conftest import CLI

    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    result = CLI(str(path), tmp_path)("verify")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_check_rows_directly():
    """The chain walk itself, on rows built in memory."""
    store = open_store("memory")
    mapper = store.registry_mapper
    rows, chain = [], GENESIS
    for n in range(1, 4):
        model = BranchRegistered(name=f"b{n}", created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        row, chain = mapper.to_stored(REGISTRY_ID, n, model, chain)
        rows.append(row)
    chains, position, problem = check_rows(rows, mapper)
    assert (position, problem) == (None, None) and chains[-1] == chain
    assert check_rows(rows[:1] + rows[2:], mapper)[1] == 2
    assert check_rows([rows[1], rows[0], rows[2]], mapper)[1] == 1
    assert verify(store).ok
