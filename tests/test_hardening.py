"""Hardening cases that need more than one CLI call: faults (a full disk, read-only media),
what outputs hold (CSV cells, split file names, printed text), and printing with no
network. The error contract (exit code, one line, nothing written) is as in test_fuzz.py.
"""

from __future__ import annotations

import csv
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_fuzz import ORG, folder_state, store_state

ROOT = Path(__file__).resolve().parent.parent

EVIL = """\
scenario: base
effective: 2020-06-01
steps:
  - create_unit: {id: "a/b", name: "A slash", kind: directorate, parent: org}
  - create_unit: {id: "a?b", name: "A query", kind: directorate, parent: org}
  - create_unit: {id: "a b", name: "A space", kind: directorate, parent: org}
  - create_post: {id: evil, title: "=HYPERLINK(\\"http://x.invalid\\",\\"click\\")", grade: G2, unit: "a/b", reports_to: ceo}
  - create_post: {id: plus, title: "+SUM(1,2)", grade: G2, unit: "a?b", reports_to: ceo}
  - create_post: {id: markup, title: "[bold]Loud[/bold] file.csv:100:", grade: G2, unit: "a b", reports_to: ceo}
  - join: {id: p7, name: "@cmd Person", grade: G2}
  - assign: {person: p7, post: evil}
"""


@pytest.fixture
def evil(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(EVIL))
    return cli


# --- outputs --------------------------------------------------------------------------------


def test_csv_exports_neutralise_formulas(evil, tmp_path):
    """OWASP CSV injection: a cell starting with = + - @ tab or CR is prefixed with '."""
    evil.ok(
        "export",
        "-b",
        "base",
        "--at",
        "2020-07-01",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "flat.csv"),
    )
    evil.ok("export", "-b", "base", "--at", "2020-07-01", "-o", str(tmp_path / "org-senior.csv"))
    cells = []
    for name in ("flat.csv", "org-senior.csv", "org-junior.csv"):
        with open(tmp_path / name, encoding="utf-8", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert dangerous == []
    assert '\'=HYPERLINK("http://x.invalid","click")' in cells
    assert "'+SUM(1,2)" in cells
    stdout = evil.ok("export", "-b", "base", "--at", "2020-07-01", "--format", "csv", "-o", "-")
    assert "'=HYPERLINK" in stdout.stdout and ",=HYPERLINK" not in stdout.stdout


def test_split_charts_get_one_file_per_directorate(evil, tmp_path):
    """Ids a/b, a?b and a b all slugify to a-b: each must still get its own file."""
    out = tmp_path / "charts"
    out.mkdir()
    doc = evil.json(
        "chart",
        "-b",
        "base",
        "--at",
        "2020-07-01",
        "--split",
        "directorate",
        "-o",
        str(out / "org.dot"),
    )
    files = doc["files"]
    assert len(files) == len(set(files)) == 1 + 5  # index + people, place and the three
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(f).name for f in files)
    index = (out / "org.dot").read_text(encoding="utf-8")
    for name in files[1:]:
        assert Path(name).name in index  # the index links every file


def test_user_text_is_printed_literally(evil):
    """No Rich markup or emoji codes in what users wrote (file.csv:100: is not an emoji)."""
    out = evil.ok("show", "-b", "base", "--at", "2020-07-01").stdout
    assert "[bold]Loud[/bold] file.csv:100:" in out
    assert "\U0001f4af" not in out


def test_history_marks_what_it_cuts(cli, write):
    long = "Cabinet decision of 5 December 2023, minute 12, " * 3
    cli.ok("run", write(ORG))
    cli.ok(
        "run",
        write(
            "scenario: base\neffective: 2020-03-01\nsteps:\n"
            f'  - delete_post: {{id: head-b, reason: "{long}"}}\n'
        ),
    )
    out = cli.ok("history", "-b", "base").stdout
    assert "…" in out
    assert long[:30] in out and long not in out


def test_bare_orgsim_prints_help_and_exits_0(cli):
    result = cli._in_process([], None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: orgsim") and len(result.stdout.splitlines()) > 5
    assert result.stderr == ""


@pytest.mark.parametrize(
    "args",
    [
        ["chart", "-b", "base", "-o", "missing/c.dot"],
        ["export", "-b", "base", "-o", "missing/e.csv"],
        ["pack", "-b", "base", "--format", "html", "-o", "missing/pack"],
        ["verify", "--export-heads", "missing/heads.json"],
    ],
)
def test_one_rule_for_output_folders(cli, write, tmp_path, args):
    """The folder holding an output must exist (pack creates only its own folder)."""
    cli.ok("run", write(ORG))
    result = cli(*args)
    assert result.returncode == 2 and "does not exist" in result.stderr, result.stderr
    assert not (tmp_path / "missing").exists()


def test_pack_creates_its_own_folder(cli, write, tmp_path):
    cli.ok("run", write(ORG))
    cli.ok(
        "pack",
        "-b",
        "base",
        "--format",
        "html",
        "--at",
        "2020-06-01",
        "--before",
        "2020-01-01",
        "-o",
        str(tmp_path / "new-pack"),
    )
    assert [p.suffix for p in (tmp_path / "new-pack").iterdir()] == [".html"]


# --- faults: a full disk, read-only media -----------------------------------------------------

FULL_DISK = """\
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from orgsim.cli.app import main
main(sys.argv[2:])
"""


def _full_disk(store: str, cwd: Path, limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``orgsim ARGS`` in a process that cannot write a file beyond ``limit`` bytes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(limit), "--store", store, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def _clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("orgsim: error: "), result.stderr


def test_a_full_disk_leaves_no_store_file(tmp_path):
    script = tmp_path / "org.yaml"
    script.write_text(ORG, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    result = _full_disk(str(work / "new.sqlite"), work, 0, "run", str(script))
    _clean_failure(result)
    assert list(work.iterdir()) == []


def test_a_full_disk_leaves_outputs_and_store_untouched(cli, write, tmp_path):
    cli.ok("run", write(ORG))
    work = tmp_path / "work"
    work.mkdir()
    before = store_state(cli.store)
    for args in (
        ["export", "-b", "base", "--at", "2020-06-01", "-o", "org-senior.csv"],
        ["export", "-b", "base", "--format", "csv", "-o", "flat.csv"],
        ["verify", "--export-heads", "heads.json"],
        [
            "pack",
            "-b",
            "base",
            "--format",
            "html",
            "--at",
            "2020-06-01",
            "--before",
            "2020-01-01",
            "-o",
            "pack",
        ],
        ["chart", "-b", "base", "--at", "2020-06-01", "-o", "c.dot"],
        ["run", write(ORG.replace("scenario: base", "scenario: other"))],
    ):
        result = _full_disk(cli.store, work, 0 if args[0] != "run" else 4096, *args)
        if cli.store.startswith("postgresql") and args[0] == "run":
            assert result.returncode == 0  # a server's disk is not this process's limit
            continue
        _clean_failure(result)
        assert folder_state(work) == set(), args
    if not cli.store.startswith("postgresql"):
        assert store_state(cli.store) == before


def _as_nobody() -> list[str] | None:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_read_only_media_can_be_read_and_verified(sqlite_url, write, tmp_path_factory):
    """An archived copy on read-only media: every read works, nothing is written."""
    prefix = _as_nobody()
    if prefix is None:
        pytest.fail("need setpriv to drop root's override of file permissions")
    from conftest import CLI

    CLI(sqlite_url, Path(sqlite_url).parent).ok("run", write(ORG))
    archive = Path(f"/tmp/orgsim-archive-{os.getpid()}")
    archive.mkdir(mode=0o755)
    try:
        store = archive / "evidence.sqlite"
        shutil.copy(sqlite_url, store)
        store.chmod(0o444)
        archive.chmod(0o555)  # what read-only media gives a user who is not root
        before = store.read_bytes()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for args in (
            ["branches", "--json"],
            ["show", "-b", "base", "--at", "2020-06-01"],
            ["verify"],
            ["history", "-b", "base"],
            ["audit", "-b", "base"],
        ):
            done = subprocess.run(
                [*prefix, sys.executable, "-m", "orgsim", "--store", str(store), *args],
                capture_output=True,
                text=True,
                cwd="/",
                env=env,
                timeout=300,
            )
            assert done.returncode == 0, (args, done.stderr)
        assert (
            json.loads(
                subprocess.run(
                    [
                        *prefix,
                        sys.executable,
                        "-m",
                        "orgsim",
                        "--store",
                        str(store),
                        "branches",
                        "--json",
                    ],
                    capture_output=True,
                    text=True,
                    cwd="/",
                    env=env,
                    timeout=300,
                ).stdout
            )["branches"][0]["name"]
            == "base"
        )
        assert store.read_bytes() == before
        assert sorted(p.name for p in archive.iterdir()) == ["evidence.sqlite"]
    finally:
        archive.chmod(0o755)
        shutil.rmtree(archive)


# --- printing the PDF makes no network request ------------------------------------------------


def test_printing_makes_no_network_request(tmp_path):
    """A page that tries to load remote images (and Chromium's own Google services): no
    request reaches a server, and no DNS query is made (Chromium's net log shows none)."""
    from orgsim.pack.pdf import find_chromium, html_to_pdf

    hits: list[str] = []

    class Probe(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Probe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    html = (
        "<html><head><title>t</title></head><body><p>pack</p>"
        f'<img src="http://127.0.0.1:{port}/probe.png">'
        '<img src="http://example.com/remote.png"><img src="https://198.51.100.7/ip.png">'
        "</body></html>"
    )
    log = tmp_path / "net.json"
    try:
        data = html_to_pdf(html, find_chromium(), extra=(f"--log-net-log={log}",))
    finally:
        server.shutdown()
    assert data.startswith(b"%PDF")
    assert hits == []
    doc = json.loads(log.read_text(encoding="utf-8"))
    names = {v: k for k, v in doc["constants"]["logEventTypes"].items()}
    kinds = {names[e["type"]] for e in doc["events"]}
    assert not kinds & {"HOST_RESOLVER_DNS_TASK", "DNS_TRANSACTION", "HOST_RESOLVER_SYSTEM_TASK"}
    connected = [
        e["params"]["address"]
        for e in doc["events"]
        if names[e["type"]] == "TCP_CONNECT" and "address" in e.get("params", {})
    ]
    assert all(a.startswith(("127.0.0.1:", "[::1]:")) for a in connected), connected


# --- forging events in an encrypted store -----------------------------------------------------


def test_a_forged_event_in_an_encrypted_store_is_found_without_heads(tmp_path):
    """Whoever can write the file but has no key cannot forge an event, even recomputing
    the (unkeyed) chain: AES-GCM authenticates every row. Two forgeries are tried: a row
    rewritten in plain text with a correct chain, and another row's ciphertext spliced in.
    """
    import sqlite3

    from conftest import CLI
    from eventsourcing.cipher import AESCipher

    from orgsim.store.mapper import GENESIS, chain_hash
    from orgsim.store.recorder import branch_stream

    key = tmp_path / "k"
    key.write_text(AESCipher.create_key(32), encoding="utf-8")
    script = tmp_path / "org.yaml"
    script.write_text(ORG, encoding="utf-8")
    stream = branch_stream("base").hex
    for forgery in ("plain row, chain recomputed", "ciphertext spliced"):
        store = tmp_path / f"{forgery[:5]}.sqlite"
        cli = CLI(str(store), tmp_path)
        run = cli._in_process(
            ["--store", str(store), "--key-file", str(key), "run", str(script)], None
        )
        assert run.returncode == 0, run.stderr
        conn = sqlite3.connect(store)
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events WHERE originator_id=? "
            "ORDER BY originator_version",
            (stream,),
        ).fetchall()
        if forgery.startswith("plain"):
            body = b'{"effective":"2020-01-01","recorded":"2020-01-01T00:00:00Z"}'
            chain = chain_hash(GENESIS, rows[0][1], 1, body)
            new_state = chain.encode() + body
        else:
            new_state = rows[1][2]
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=1",
            (new_state, stream),
        )
        conn.commit()
        conn.close()
        done = cli._in_process(["--store", str(store), "--key-file", str(key), "verify"], None)
        assert done.returncode == 1, (forgery, done.stdout, done.stderr)
        assert "branch base, version 1" in done.stdout, done.stdout
