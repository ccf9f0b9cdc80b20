"""``history --json`` is streamed page by page: the same document as the one built in
memory, on a fork and with inherited events, and paged with --since/--limit."""

from __future__ import annotations

import io
import json

from orgsim.store import bulk
from orgsim.store.recorder import open_store
from orgsim.views.history import history, write_history_json
from tests.test_slotting_cli import ORG, RESTRUCTURE


def test_streamed_history_is_the_document_built_in_memory(cli, write, store_url, monkeypatch):
    monkeypatch.setattr(bulk, "PAGE", 3)
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE + "  - slot: {}\n"))
    store = open_store(store_url)
    try:
        for name, everything in [("base", False), ("option", False), ("option", True)]:
            out = io.StringIO()
            # a page smaller than the branch: the reader must carry on across pages
            write_history_json(store, name, out, everything)
            text = out.getvalue()
            assert json.loads(text) == json.loads(json.dumps(history(store, name, everything)))
            # one event a line
            assert len(text.splitlines()) == len(json.loads(text)["events"]) + 2
    finally:
        store.close()
    shown = cli("history", "--branch", "option", "--all", "--json")
    assert shown.returncode == 0
    doc = json.loads(shown.stdout)
    # the date fork at 2020-06-01 inherits the base's 16 events, all effective 2020-01-01
    assert doc["fork_version"] == 16 and doc["events"][0]["inherited"] is True
    assert [e["version"] for e in doc["events"]] == list(range(1, doc["version"] + 1))


def test_paging_with_since_and_limit(cli, write):
    cli.ok("run", write(ORG))
    cli.ok("run", write(RESTRUCTURE))
    whole = cli.json("history", "--branch", "option", "--all")["events"]
    pages, since = [], 0
    while True:
        page = cli.json(
            "history", "--branch", "option", "--all", "--since", str(since), "--limit", "5"
        )["events"]
        if not page:
            break
        assert len(page) <= 5
        pages.extend(page)
        since = page[-1]["version"]
    assert pages == whole
    own = cli.json("history", "--branch", "option", "--since", "20", "--limit", "2")["events"]
    assert [e["version"] for e in own] == [21, 22]
    empty = cli("history", "--branch", "option", "--json", "--since", "999")
    assert empty.returncode == 0 and json.loads(empty.stdout)["events"] == []
    bad = cli("history", "--branch", "option", "--json", "--limit", "-1")
    assert bad.returncode == 2 and bad.stdout == ""
