"""``verify``'s quick walk over an intact stream (chains._intact) must give exactly the
chain values of the one definition, ``mapper.chain_hash``, and hand anything irregular
to the careful walk (which words the problem)."""

from __future__ import annotations

import datetime as dt

from eventsourcing.persistence import StoredEvent

from orgsim.store.chains import _intact, check_rows
from orgsim.store.mapper import GENESIS, chain_hash
from orgsim.store.recorder import REGISTRY_ID, BranchRegistered, open_store


def _rows(count: int) -> tuple[list[StoredEvent], object]:
    store = open_store("memory")
    mapper = store.registry_mapper
    rows, chain = [], GENESIS
    for n in range(1, count + 1):
        # a non-ASCII name: the body is UTF-8, hashed as stored
        model = BranchRegistered(name=f"café-{n}", created=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
        row, chain = mapper.to_stored(REGISTRY_ID, n, model, chain)
        rows.append(row)
    return rows, mapper


def test_the_quick_walk_gives_chain_hash_values() -> None:
    rows, mapper = _rows(5)
    expected, previous = [], GENESIS
    for row in rows:
        previous = chain_hash(previous, row.topic, row.originator_version, row.state[64:])
        expected.append(previous)
    assert _intact(rows, mapper) == expected
    assert check_rows(rows, mapper) == (expected, None, None)


def test_a_changed_byte_leaves_the_quick_walk_to_the_careful_one() -> None:
    rows, mapper = _rows(4)
    row = rows[2]
    changed = row.state[:-2] + bytes([row.state[-2] ^ 1]) + row.state[-1:]
    rows[2] = StoredEvent(row.originator_id, row.originator_version, row.topic, changed)
    assert _intact(rows, mapper) is None
    chains, position, problem = check_rows(rows, mapper)
    assert position == 3 and len(chains) == 2 and problem is not None
    assert "hash chain breaks" in problem


def test_a_gap_leaves_the_quick_walk_to_the_careful_one() -> None:
    rows, mapper = _rows(4)
    assert _intact(rows[:1] + rows[2:], mapper) is None
    assert check_rows(rows[:1] + rows[2:], mapper)[1:] == (
        2,
        "event 2 is missing (deleted from the store)",
    )
