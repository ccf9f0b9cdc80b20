"""Encryption at rest: with a key, no personal data is readable in the store's bytes.

A wrong, missing or needless key is one line on stderr and exit 2, and writes nothing.
Keys rotate with ``orgsim rekey`` without breaking the hash chains or exported heads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from test_integrity import BASE, ORG, Raw, build

NAMES = ("Robin Fictional", "Sam Imaginary")
MORE = """\
scenario: base
effective: 2021-01-01
steps:
  - join: {id: p3, name: Alex Invented, grade: G2}
"""


def new_key(size: int = 32) -> str:
    return AESCipher.create_key(size)


def stored_bytes(url: str) -> bytes:
    """Everything the store keeps on disk (SQLite: the file, its WAL and shared memory) or
    in its table (PostgreSQL: every stored state and topic)."""
    if url.startswith("postgresql://"):
        rows = Raw(url).execute("SELECT topic, state FROM {table}")
        return b"".join(topic.encode() + bytes(state) for topic, state in rows)
    path = Path(url)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def with_key(cli, key: str | None):
    """The same CLI with ORGSIM_KEY set (or removed)."""
    from conftest import CLI

    other = CLI(cli.store, cli.cwd)
    other.env.pop("ORGSIM_KEY", None)
    if key is not None:
        other.env["ORGSIM_KEY"] = key
    return other


def one_line_error(result, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("orgsim: error: ")
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_plain_store_shows_names_in_its_bytes(cli, store_url, write):
    """The control for the next test: the search does find names when they are there."""
    cli.ok("run", write(ORG))
    assert all(name.encode() in stored_bytes(store_url) for name in NAMES)


def test_encrypted_store_has_no_name_in_its_bytes(cli, store_url, write):
    key = new_key()
    keyed = with_key(cli, key)
    keyed.env["ORGSIM_SNAPSHOT_EVERY"] = "1"  # snapshots hold names too: encrypt them as well
    keyed.ok("run", write(ORG))
    keyed.ok("run", write(MORE))
    data = stored_bytes(store_url)
    assert len(data) > 1000
    for name in (*NAMES, "Alex Invented"):
        assert name.encode() not in data
        assert name.encode("utf-16-le") not in data
    people = {
        p["name"] for p in keyed.json("show", "--branch", "base", "--at", "2021-06-01")["people"]
    }
    assert people == {*NAMES, "Alex Invented"}
    assert keyed.ok("verify").returncode == 0


def test_key_file_and_environment_are_the_same_key(cli, store_url, write, tmp_path):
    key = new_key(16)
    key_file = tmp_path / "orgsim.key"
    key_file.write_text(key + "\n")
    cli.ok("--key-file", str(key_file), "run", write(ORG))
    shown = with_key(cli, key).json("show", "--branch", "base", "--at", "2020-06-01")
    assert {p["name"] for p in shown["people"]} == set(NAMES)
    assert NAMES[0].encode() not in stored_bytes(store_url)


def test_missing_key_is_one_line_and_writes_nothing(cli, store_url, write):
    with_key(cli, new_key()).ok("run", write(ORG))
    rows = Raw(store_url).count()
    one_line_error(cli("show", "--branch", "base"), "encrypted", "ORGSIM_KEY")
    one_line_error(cli("run", write(MORE)), "encrypted")
    one_line_error(cli("verify"), "encrypted")
    assert Raw(store_url).count() == rows


def test_wrong_key_is_one_line_and_writes_nothing(cli, store_url, write, tmp_path):
    with_key(cli, new_key()).ok("run", write(ORG))
    rows = Raw(store_url).count()
    wrong = with_key(cli, new_key())
    one_line_error(wrong("show", "--branch", "base"), "wrong encryption key")
    one_line_error(wrong("run", write(MORE)), "wrong encryption key")
    one_line_error(wrong("verify"), "wrong encryption key")
    key_file = tmp_path / "wrong.key"
    key_file.write_text(new_key(24))
    one_line_error(cli("--key-file", str(key_file), "branches"), "wrong encryption key")
    assert Raw(store_url).count() == rows


def test_a_key_for_a_plain_store_is_one_line(cli, store_url, write):
    cli.ok("run", write(ORG))
    rows = Raw(store_url).count()
    keyed = with_key(cli, new_key())
    one_line_error(keyed("show", "--branch", "base"), "not encrypted")
    one_line_error(keyed("run", write(MORE)), "not encrypted")
    assert Raw(store_url).count() == rows


@pytest.mark.parametrize(
    "key, words",
    [
        ("not base64 at all!", ["not valid", "create_key"]),
        ("c2hvcnQ=", ["not valid", "16, 24 or 32"]),  # 5 bytes
    ],
)
def test_a_malformed_key_is_one_line(cli, store_url, write, key, words):
    one_line_error(with_key(cli, key)("run", write(ORG)), *words)
    assert cli("branches", "--json").returncode == 0  # nothing was created


def test_an_empty_key_file_is_refused_not_ignored(cli, store_url, write, tmp_path):
    empty = tmp_path / "empty.key"
    empty.write_text("\n")
    one_line_error(cli("--key-file", str(empty), "run", write(ORG)), "empty")
    assert cli.json("branches")["branches"] == []


def test_a_changed_encrypted_byte_is_a_break_not_a_key_error(cli, store_url, write):
    keyed = with_key(cli, new_key())
    keyed.ok("run", write(ORG))
    raw = Raw(store_url)
    raw.flip(BASE, 4, 40)
    result = keyed("verify", "--json")
    assert result.returncode == 1, result.stderr
    first = json.loads(result.stdout)["first_break"]
    assert (first["branch"], first["version"]) == ("base", 4)
    assert "decrypted" in first["problem"]
    raw.swap(BASE, 4, 6)  # AES-GCM authenticates each row, not its place: the chain does
    first = json.loads(keyed("verify", "--json").stdout)["first_break"]
    assert first["version"] == 4


def test_rotating_the_key_keeps_chains_and_heads(cli, store_url, write, tmp_path):
    old, new = new_key(), new_key()
    old_cli, new_cli = with_key(cli, old), with_key(cli, new)
    old_cli.env["ORGSIM_SNAPSHOT_EVERY"] = "1"
    old_cli.ok("run", write(ORG))
    heads = tmp_path / "heads.json"
    old_cli.ok("verify", "--export-heads", str(heads))
    before = old_cli.json("show", "--branch", "base", "--at", "2020-06-01")
    new_file = tmp_path / "new.key"
    new_file.write_text(new)
    result = old_cli.ok("rekey", "--new-key-file", str(new_file))
    assert "verify passes" in result.stdout
    one_line_error(old_cli("show", "--branch", "base"), "wrong encryption key")
    assert new_cli.json("show", "--branch", "base", "--at", "2020-06-01") == before
    assert new_cli.json("verify", "--heads", str(heads))["ok"] is True
    new_cli.ok("run", write(MORE))
    assert new_cli.ok("verify").returncode == 0


def test_rotation_re_encrypts_snapshots_too(cli, store_url, write, tmp_path):
    from orgsim.store import snapshots
    from orgsim.store.recorder import open_store

    old, new = new_key(), new_key()
    old_cli = with_key(cli, old)
    old_cli.env["ORGSIM_SNAPSHOT_EVERY"] = "1"
    old_cli.ok("run", write(ORG))
    new_file = tmp_path / "new.key"
    new_file.write_text(new)
    assert old_cli.json("rekey", "--new-key-file", str(new_file))["snapshots"] >= 1
    store = open_store(store_url, new)
    try:
        assert snapshots.latest(store, "base") is not None  # still a usable cache
    finally:
        store.close()


def test_encrypting_a_plain_store_leaves_no_name_behind(cli, store_url, write, tmp_path):
    cli.env["ORGSIM_SNAPSHOT_EVERY"] = "1"
    cli.ok("run", write(ORG))
    heads = tmp_path / "heads.json"
    cli.ok("verify", "--export-heads", str(heads))
    key = new_key()
    key_file = tmp_path / "k"
    key_file.write_text(key)
    cli.ok("rekey", "--new-key-file", str(key_file))
    data = stored_bytes(store_url)
    assert not any(name.encode() in data for name in NAMES)
    keyed = with_key(cli, key)
    assert keyed.json("verify", "--heads", str(heads))["ok"] is True
    shown = keyed.json("show", "--branch", "base", "--at", "2020-06-01")
    assert {p["name"] for p in shown["people"]} == set(NAMES)
    # And back: --decrypt.
    keyed.ok("rekey", "--decrypt")
    assert cli.json("verify", "--heads", str(heads))["ok"] is True
    one_line_error(keyed("branches"), "not encrypted")


def test_rekey_needs_exactly_one_target_and_a_sound_store(cli, store_url, write, tmp_path):
    cli.ok("run", write(ORG))
    one_line_error(cli("rekey"), "--new-key-file")
    one_line_error(cli("rekey", "--decrypt"), "not encrypted")
    Raw(store_url).delete(BASE, 3)
    key_file = tmp_path / "k"
    key_file.write_text(new_key())
    result = cli("rekey", "--new-key-file", str(key_file))
    assert result.returncode == 1 and "not re-keyed" in result.stdout
    assert NAMES[0].encode() in stored_bytes(store_url)  # untouched


def test_encryption_in_process(store_url):
    """The library's cipher through the public API, without the CLI."""
    from orgsim.store.recorder import StoreError, open_store

    key = new_key()
    build(store_url, ORG, key=key)
    store = open_store(store_url, key)
    names = [e.model.name for e in store.own_events("base") if hasattr(e.model, "name")]
    store.close()
    assert set(NAMES) <= set(names)
    with pytest.raises(StoreError, match="wrong encryption key"):
        open_store(store_url, new_key())
    with pytest.raises(StoreError, match="encrypted"):
        open_store(store_url)
