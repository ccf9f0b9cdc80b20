"""Stored shapes: the mapper, the golden logs in events/, the catalogue, upcasting."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from orgsim.app.run import run_script
from orgsim.domain import events as ev
from orgsim.domain.structure import Structure
from orgsim.scenario.load import parse_scenario
from orgsim.store.branches import BranchReader
from orgsim.store.golden import catalogue, dump_log, fingerprint, load_log, replay
from orgsim.store.recorder import branch_stream, open_store

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "events" / "golden"
FIXED_NOW = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

SCRIPT = """\
scenario: golden
effective: 2020-01-01
grades: [G1, G2, G3]
steps:
  - create_unit: {id: org, name: Golden Org, kind: organisation}
  - create_unit: {id: ops, name: Operations, kind: directorate, parent: org}
  - create_post: {id: top, title: Chief Executive, grade: G3, unit: org, accountabilities: [lead, account]}
  - create_post: {id: ops-dir, title: Director of Operations, grade: G2, unit: ops, reports_to: top, fte: 0.8, accountabilities: [run services]}
  - create_post: {id: ops-new, title: Director of Services, grade: G2, unit: ops, reports_to: top, effective: 2021-04-01}
  - join: {id: g1, name: Casey Fictive, grade: G2}
  - assign: {person: g1, post: ops-dir, fte: 0.8}
  - match: {old: ops-dir, new: ops-new, percent: 74.9, assessor: panel}
  - delete_post: {id: ops-dir, effective: 2021-04-01, reason: restructure, source: illustrative}
  - consult: {opens: 2021-01-04, closes: 2021-02-15, scope: [ops-dir]}
  - decide: {by: Board, on: 2021-03-01, what: approve}
  - record_person: {person: g1, born: 1970-02-28, service_start: 1999-09-01, salary: 41000.5}
  - create_post: {id: ops-off, title: Operations Officer, grade: G1, unit: ops, reports_to: ops-new, effective: 2021-04-01}
  - change_post_fte: {id: ops-off, fte: 0.6, effective: 2021-04-01}
  - change_post_cost: {id: ops-off, cost: 21000.50, effective: 2021-04-01}
  - change_accountabilities: {id: ops-off, accountabilities: [rotas, {text: budgets, weight: 2}], effective: 2021-04-01}
  - clear_reports_to: {id: ops-off, effective: 2021-04-01}
  - rename_person: {id: g1, name: Casey Renamed, effective: 2021-04-01}
  - regrade_person: {id: g1, grade: G3, effective: 2021-04-01}
  - express_interest: {person: g1, outcome: declined, effective: 2021-01-10}
  - create_post: {id: ops-alt, title: Services Officer, grade: G2, unit: ops, reports_to: top, effective: 2021-04-01}
  - offer: {person: g1, post: ops-alt, effective: 2021-04-01}
  - accept_offer: {person: g1, post: ops-alt, effective: 2021-04-01}
  - protect_pay: {person: g1, months: 12, effective: 2021-04-01}
  - refuse_offer: {person: g1, post: ops-alt, reasonable: true, effective: 2021-04-20}
"""


def build_events() -> list[ev.Event]:
    store = open_store("memory")
    run_script(store, parse_scenario(SCRIPT, "golden.yaml"), now=FIXED_NOW)
    return [i.event for i in BranchReader(store).load("golden").log]


def test_stored_rows_keep_ids_out_of_the_body_and_dates_as_dates(tmp_path):
    store = open_store(str(tmp_path / "s.sqlite"))
    run_script(store, parse_scenario(SCRIPT, "golden.yaml"), now=FIXED_NOW)
    rows = store.select(branch_stream("golden"))
    assert [r.originator_version for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        body = row.state[64:]
        assert branch_stream("golden").hex.encode() not in body
        assert str(branch_stream("golden")).encode() not in body
        assert b"originator" not in body
    reread = open_store(str(tmp_path / "s.sqlite"))
    events = [d.model for d in reread.own_events("golden")]
    deleted = next(e for e in events if isinstance(e, ev.PostDeleted))
    assert type(deleted.effective) is dt.date and deleted.effective == dt.date(2021, 4, 1)
    assert deleted.recorded == FIXED_NOW
    match = next(e for e in events if isinstance(e, ev.JobMatchAssessed))
    assert match.percent == Decimal("74.9")  # exact, not 74.90000000000001


def test_a_stream_read_under_another_id_keeps_that_id(tmp_path):
    """Rows copied to another stream decode there: nothing in the body pins the old id."""
    store = open_store(str(tmp_path / "s.sqlite"))
    run_script(store, parse_scenario(SCRIPT, "golden.yaml"), now=FIXED_NOW)
    from eventsourcing.persistence import StoredEvent

    rows = store.select(branch_stream("golden"))
    other = branch_stream("copy")
    store.recorder.insert_events(
        [StoredEvent(other, r.originator_version, r.topic, r.state) for r in rows]
    )
    copied = [store.mapper.to_model(r) for r in store.select(other)]
    assert [c.position for c in copied] == [r.originator_version for r in rows]
    assert [type(c.model) for c in copied] == [type(d.model) for d in store.own_events("golden")]


def test_every_golden_log_replays_to_its_expected_structure():
    logs = sorted(GOLDEN.glob("*.jsonl"))
    assert logs, "events/golden must hold at least one log"
    for path in logs:
        expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        timeline = replay(load_log(path))
        for at, document in expected.items():
            structure = Structure.from_state(
                "golden", dt.date.fromisoformat(at), timeline.state_at(dt.date.fromisoformat(at))
            )
            assert _within(document, structure.to_json()), f"{path.name} at {at}"


def _within(expected: object, actual: object) -> bool:
    """``actual`` says everything ``expected`` says, the same way: fields the read model
    added later (``vacant_fte``, ``vacancies``) may be present in ``actual`` as well;
    every field the log's release wrote must still come back exactly."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _within(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_within(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


def test_v1_post_created_is_upcast_to_weighted_accountabilities():
    path = GOLDEN / "log-v1-post-created.jsonl"
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert any(r["topic"] == "PostCreated.v1" for r in raw)
    v1 = next(r for r in raw if r["topic"] == "PostCreated.v1" and r["body"]["accountabilities"])
    assert all(isinstance(a, str) for a in v1["body"]["accountabilities"])
    events = load_log(path)
    created = next(
        e for e in events if isinstance(e, ev.PostCreated) and e.post == v1["body"]["post"]
    )
    assert [a.text for a in created.accountabilities] == v1["body"]["accountabilities"]
    assert all(a.weight == Decimal(1) for a in created.accountabilities)


def test_the_current_shapes_have_a_golden_log():
    """Exports the current log the first time a schema changes (commit the new file);
    from then on every release must replay it."""
    path = GOLDEN / f"log-{fingerprint()}.jsonl"
    events = build_events()
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path.name} is missing: run the tests locally and commit it")
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_log(events), encoding="utf-8")
        timeline = replay(events)
        expected = {
            at: Structure.from_state(
                "golden", dt.date.fromisoformat(at), timeline.state_at(dt.date.fromisoformat(at))
            ).to_json()
            for at in ("2020-06-01", "2021-04-01")
        }
        path.with_suffix(".expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    assert load_log(path) == [e.model_copy() for e in events]


def test_catalogue_file_is_current():
    path = ROOT / "events" / "catalogue.json"
    current = json.dumps(catalogue(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("ORGSIM_UPDATE_CATALOGUE"):
        path.write_text(current, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == current, (
        "an event shape changed: bump its schema_version, add an upcaster, then "
        "ORGSIM_UPDATE_CATALOGUE=1 pytest tests/test_event_log.py"
    )


def test_renamed_types_stay_readable(monkeypatch):
    monkeypatch.setitem(ev.RENAMED, "PostAbolished", "PostDeleted")
    cls, version = ev.resolve_topic("PostAbolished.v1")
    assert cls is ev.PostDeleted and version == 1
