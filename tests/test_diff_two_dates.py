"""``diff`` between two dates folds the log once; each read model must still be the one
a fresh replay at its date gives (SPEC 7: the structure at a date, as known at a time).

The reference is the plain definition: ``Structure.from_state`` of
``Timeline.state_at(date, known_at)``, folded from nothing for each date. Logs are the
audit tests' generated restructures (dates out of order, back-dated events, deletions,
slotting), with dates and recorded times drawn across the whole log.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from orgsim.domain.structure import Structure
from orgsim.views.changes import structures_at_two_dates
from tests.test_audit_scope import _branch, _generated


@pytest.mark.parametrize("seed", range(6))
def test_both_read_models_are_a_fresh_replay_s(seed):
    branch = _branch(_generated(300 + seed, 200))
    rng = random.Random(seed)
    dates = sorted({i.event.effective for i in branch.log})
    times = sorted({i.event.recorded for i in branch.log})
    changed = 0
    for _ in range(8):
        start, end = rng.choice(dates), rng.choice(dates)
        start -= dt.timedelta(days=rng.choice([0, 1]))
        known_at = rng.choice([None, rng.choice(times)])
        before, after = structures_at_two_dates(branch, start, end, known_at)
        for got, day in ((before, start), (after, end)):
            fresh = Structure.from_state("generated", day, branch.timeline.state_at(day, known_at))
            assert got.at == day
            assert got.to_json() == fresh.to_json()
        changed += before.to_json() != after.to_json()
    assert changed > 0  # the dates drawn do tell states apart
