"""The Python API (SPEC section 11): the same documents as the CLI's ``--json``, errors
as :class:`orgsim.OrgsimError` with the CLI's one line, and nothing written on failure.

In-process and fast: the Kent scenarios are run once per module through the API, and the
CLI is run in-process (``orgsim.cli.main``) against the same SQLite file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

import orgsim
from orgsim.cli import main

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "kcc-2013-baseline.yaml"
TOP_TIER = ROOT / "scenarios" / "kcc-2014-top-tier.yaml"


def _steps(path: Path, kind: str) -> list[dict[str, Any]]:
    """The bodies of one kind of step in a scenario file: expected values come from here."""
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [step[kind] for step in script["steps"] if kind in step]


def run_cli(store: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["--store", store, *args])
        except SystemExit as done:
            code = int(done.code or 0)
        else:
            code = 0
    return code, out.getvalue(), err.getvalue()


def cli_json(store: str, *args: str) -> Any:
    code, out, err = run_cli(store, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def kent(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A SQLite store with both Kent scenarios, run through the API."""
    path = str(tmp_path_factory.mktemp("api") / "kent.sqlite")
    with orgsim.open_store(path) as store:
        store.run(BASELINE)
        store.run(str(TOP_TIER))
        yield path, store


def test_memory_store_runs_the_kent_scenarios() -> None:
    posts = _steps(BASELINE, "create_post")
    units = _steps(BASELINE, "create_unit")
    people = _steps(BASELINE, "join")
    with orgsim.open_store("memory") as store:
        report = store.run(BASELINE)
        assert report["branch"] == "baseline" and report["created"]
        assert report["counts"]["PostCreated"] == len(posts)
        structure = store.branch("baseline").structure(at="2013-04-01")
        assert [p.id for p in structure.posts.values()] == sorted(p["id"] for p in posts)
        assert len(structure.units) == len(units)
        assert len(structure.people) == len(people)
        top = store.run(TOP_TIER)
        assert top["parent"] == "baseline"
        assert [b["name"] for b in store.branches()] == ["baseline", "top-tier-2014"]


def test_show_is_the_cli_document(kent: Any) -> None:
    path, store = kent
    branch = store.branch("top-tier-2014")
    for at in ("2013-04-01", "2014-04-01"):
        assert branch.structure(at=at).to_json() == cli_json(
            path, "show", "--branch", "top-tier-2014", "--at", at
        )
    known = branch.structure(at=dt.date(2014, 4, 1), as_known_at="2099-01-01").to_json()
    assert known == cli_json(
        path, "show", "-b", "top-tier-2014", "--at", "2014-04-01", "--as-known-at", "2099-01-01"
    )
    assert known["as_known_at"].startswith("2099-01-01T23:59:59")


def test_queries_are_the_cli_documents(kent: Any) -> None:
    path, store = kent
    b = store.branch("top-tier-2014")
    assert store.branches() == cli_json(path, "branches")["branches"]
    assert b.history() == cli_json(path, "history", "-b", "top-tier-2014")
    assert b.history(all=True) == cli_json(path, "history", "-b", "top-tier-2014", "--all")
    assert b.slot() == cli_json(path, "slot", "-b", "top-tier-2014")
    assert b.slot(at="2014-04-01") == cli_json(
        path, "slot", "-b", "top-tier-2014", "--at", "2014-04-01"
    )
    assert b.audit() == cli_json(path, "audit", "-b", "top-tier-2014")
    assert b.suggest() == cli_json(path, "match", "suggest", "-b", "top-tier-2014")
    assert b.diff(since="2014-03-31", to="2014-04-01") == cli_json(
        path, "diff", "-b", "top-tier-2014", "--from", "2014-03-31", "--to", "2014-04-01"
    )
    assert b.diff(against=store.branch("baseline"), at="2014-04-01") == cli_json(
        path, "diff", "-b", "top-tier-2014", "--against", "baseline", "--at", "2014-04-01"
    )
    baseline = store.branch("baseline")
    assert orgsim.compare(baseline, b, at="2014-04-01") == cli_json(
        path, "compare", "baseline", "top-tier-2014", "--at", "2014-04-01"
    )


def test_run_report_is_the_cli_document(kent: Any, tmp_path: Path) -> None:
    path, store = kent
    script = tmp_path / "option.yaml"
    script.write_text(
        "scenario: option-c\nbased_on: baseline\neffective: 2014-04-01\n"
        "steps:\n  - delete_post: {id: dir-comms}\n",
        encoding="utf-8",
    )
    api_report = store.run(script, dry_run=True)
    assert cli_json(path, "run", str(script), "--dry-run") == api_report
    assert api_report["dry_run"] and api_report["counts"] == {"PostDeleted": 1}
    assert "option-c" not in [b["name"] for b in store.branches()]


def test_run_a_mapping() -> None:
    with orgsim.open_store("memory") as store:
        store.run(BASELINE)
        report = store.run(
            {
                "scenario": "option-b",
                "based_on": "baseline",
                "effective": dt.date(2014, 4, 1),
                "steps": [
                    {"delete_post": {"id": "dir-comms"}},
                    {"create_post": {"id": "head-comms", "title": "Head of Communications",
                                     "grade": "KR15", "unit": "kcc", "fte": Decimal("0.5")}},
                ],
            },
            dry_run=False,
        )  # fmt: skip
        assert report["branch"] == "option-b" and report["parent"] == "baseline"
        after = store.branch("option-b").structure(at="2014-04-01")
        assert after.post("dir-comms").deleted is not None
        assert after.post("head-comms").fte == Decimal("0.5")


def test_bad_input_raises_one_line_and_writes_nothing(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite"
    with orgsim.open_store(fresh) as store:
        with pytest.raises(orgsim.BadInput) as error:
            store.run({"scenario": "x", "effective": "2014-04-01",
                       "steps": [{"delete_post": {"id": "nope"}}]})  # fmt: skip
        assert str(error.value).startswith("<mapping>: step 1 (delete_post):")
        assert "\n" not in str(error.value)
        with pytest.raises(orgsim.BadInput, match=r"^<mapping>: step 1: unknown step 'remove'"):
            store.run({"scenario": "x", "steps": [{"remove": {"id": "a"}}]})
        with pytest.raises(orgsim.BadInput, match="no such file"):
            store.run(tmp_path / "missing.yaml")
        with pytest.raises(orgsim.BadInput, match=r"^unknown branch 'nope'"):
            store.branch("nope")
        assert store.branches() == []
    assert not fresh.exists()


def test_bad_dates_and_arguments(kent: Any) -> None:
    path, store = kent
    b = store.branch("baseline")
    with pytest.raises(orgsim.BadInput) as error:
        b.structure(at="2013-02-31")
    assert str(error.value) == "at: '2013-02-31' is not a date (use YYYY-MM-DD)"
    code, out, err = run_cli(path, "show", "-b", "baseline", "--at", "2013-02-31")
    assert (code, out) == (2, "")
    assert err == "orgsim: error: --at: '2013-02-31' is not a date (use YYYY-MM-DD)\n"
    with pytest.raises(orgsim.BadInput, match="is not a date or time"):
        b.structure(as_known_at="yesterday")
    with pytest.raises(orgsim.BadInput, match="two branches or more"):
        orgsim.compare(b)
    with pytest.raises(orgsim.BadInput, match="after the later date"):
        b.diff(since="2014-04-01", to="2013-04-01")
    with pytest.raises(orgsim.BadInput):
        orgsim.open_store(tmp_dir := str(Path(path).parent))  # a directory, not a file
    assert tmp_dir


def test_error_classes() -> None:
    assert issubclass(orgsim.BadInput, orgsim.OrgsimError)
    assert issubclass(orgsim.CheckFailed, orgsim.OrgsimError)
    assert orgsim.BadInput.exit_code == 2 and orgsim.CheckFailed.exit_code == 1
    assert str(orgsim.BadInput("two\n  lines")) == "two lines"
    from orgsim.cli.app import CheckFailed, UserError

    assert issubclass(UserError, orgsim.BadInput) and issubclass(CheckFailed, orgsim.CheckFailed)


def test_public_names() -> None:
    assert set(orgsim.__all__) >= {"open_store", "compare", "Store", "Branch", "OrgsimError"}
    for name in orgsim.__all__:
        assert hasattr(orgsim, name), name
    assert isinstance(orgsim.__version__, str)
    assert (ROOT / "orgsim" / "py.typed").exists()


def test_graph_has_typed_edges(kent: Any) -> None:
    _, store = kent
    structure = store.branch("baseline").structure(at="2013-04-01")
    graph = structure.graph
    assert isinstance(graph, nx.DiGraph)
    assert {kind for kind, _ in graph.nodes} == {"unit", "post", "person"}
    assert {data["rel"] for _, _, data in graph.edges(data=True)} == {
        "part_of", "reports_to", "holds"}  # fmt: skip
    first = _steps(BASELINE, "create_post")[0]
    assert graph.edges[("post", first["id"]), ("unit", first["unit"])]["rel"] == "part_of"
    assign = _steps(BASELINE, "assign")[0]
    holds = graph.edges[("person", assign["person"]), ("post", assign["post"])]
    assert holds["rel"] == "holds" and holds["kind"] == "substantive" and holds["fte"] > 0


def test_audit_does_not_raise(kent: Any) -> None:
    path, store = kent
    document = store.branch("top-tier-2014").audit()
    assert document["violations"] == sum(d["verdict"] == "violation" for d in document["decisions"])
    code, _, _ = run_cli(path, "audit", "-b", "top-tier-2014")
    assert code == (1 if document["violations"] else 0)


def test_chart_bytes(kent: Any) -> None:
    _, store = kent
    structure = store.branch("top-tier-2014").structure(at="2014-04-01")
    svg = structure.chart(fmt="svg")
    assert isinstance(svg, bytes) and b"<svg" in svg
    assert "<svg" in structure._repr_svg_()
    # the chart names the posts of the structure: the new Corporate Director post
    title = structure.posts["cd-scph"].title
    assert title.split()[0].encode() in svg


def test_every_expected_error_class_is_named_where_it_lives() -> None:
    """The API boundary's table of expected errors names real classes: a stale module
    path would let a user's bad input through as a traceback."""
    import importlib

    from orgsim.errors import _LEGACY

    for module_name, class_name in _LEGACY:
        cls = getattr(importlib.import_module(module_name), class_name)
        assert issubclass(cls, Exception), (module_name, class_name)
