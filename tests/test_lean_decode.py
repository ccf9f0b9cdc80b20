"""The lean decode path reads every stored event exactly as the validated path does.

Issue 17 asks for a replay that does not validate each row twice. ``Mapper.to_events``
(the bulk path every replay takes) must give, for every row, the very event that the
general, per-row path ``Mapper.to_model`` gives — including rows of old shapes, which are
upcast — so speed never changes an answer. Checked on every golden log ever committed
(events/golden/) and on every stored event of the shipped Kent scenarios.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCENARIOS
from eventsourcing.persistence import StoredEvent
from test_kent_scenarios import SCRIPTS

import orgsim
from orgsim.domain import events as ev
from orgsim.store.bulk import select_rows
from orgsim.store.mapper import GENESIS, Mapper, MappingError, chain_hash
from orgsim.store.recorder import branch_stream

GOLDEN = Path(__file__).resolve().parent.parent / "events" / "golden"


def _rows(records: list[dict]) -> list[tuple[int, str, bytes]]:
    """Rows as the store keeps them: CHAIN || BODY, positions from 1."""
    rows, chain = [], GENESIS
    for position, record in enumerate(records, start=1):
        body = json.dumps(record["body"]).encode()
        chain = chain_hash(chain, record["topic"], position, body)
        rows.append((position, record["topic"], chain.encode() + body))
    return rows


def _both_ways(mapper: Mapper, stream, rows) -> tuple[list, list]:
    lean, _chain = mapper.to_events(stream, rows)
    slow = [mapper.to_model(StoredEvent(stream, p, t, s)).model for p, t, s in rows]
    return lean, slow


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.jsonl")), ids=lambda p: p.stem)
def test_every_golden_event_decodes_the_same_both_ways(path: Path) -> None:
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = _rows(records)
    lean, slow = _both_ways(Mapper(), branch_stream("golden"), rows)
    assert len(lean) == len(records) > 0
    assert lean == slow
    # equal as models and as stored: same class, same fields, same JSON
    assert [type(e) for e in lean] == [type(e) for e in slow]
    assert [e.model_dump_json() for e in lean] == [e.model_dump_json() for e in slow]


def test_every_kent_event_decodes_the_same_both_ways(tmp_path: Path) -> None:
    with orgsim.open_store(str(tmp_path / "kent.sqlite")) as store:
        for script in SCRIPTS:
            store.run(str(SCENARIOS / f"{script}.yaml"))
        backend = store.backend
        decoded = []
        for branch in store.branches():
            stream = branch_stream(branch["name"])
            rows = select_rows(backend.recorder, stream)
            lean, slow = _both_ways(backend.mapper, stream, rows)
            assert lean == slow and [type(e) for e in lean] == [type(e) for e in slow]
            decoded.append(len(lean))
    # every script left a branch, and each branch was read in full
    assert len(decoded) >= len(SCRIPTS) - 1 and all(decoded)


def test_a_damaged_row_is_reported_by_the_lean_path_as_by_the_slow_one() -> None:
    records = [
        {"topic": "UnitCreated.v1", "body": {"effective": "2020-01-01",
         "recorded": "2020-01-01T00:00:00Z", "unit": "org", "name": "Org",
         "kind": "organisation"}},
        {"topic": "UnitCreated.v1", "body": {"effective": "2020-01-01",
         "recorded": "2020-01-01T00:00:00Z", "unit": "a", "name": "A", "kind": "galaxy"}},
    ]  # fmt: skip
    rows = _rows(records)
    with pytest.raises(MappingError, match=r"stored event 2 \(UnitCreated.v1\)"):
        Mapper().to_events(branch_stream("x"), rows)
    with pytest.raises(MappingError, match="stored event 2 is missing"):
        Mapper().to_events(branch_stream("x"), [rows[0], (3, rows[1][1], rows[1][2])])
    assert isinstance(Mapper().to_events(branch_stream("x"), rows[:1])[0][0], ev.UnitCreated)
