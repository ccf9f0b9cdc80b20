"""What a write keeps for later reads: the snapshot, and the states its fold passes for
the checkpoints (:mod:`orgsim.store.snapshots`, :mod:`orgsim.store.checkpoint_upkeep`)."""

from __future__ import annotations

from orgsim.domain.state import OrgState
from orgsim.domain.timeline import Timeline
from orgsim.scenario.progress import Marks
from orgsim.store.branches import BranchLog, BranchReader
from orgsim.store.recorder import Store


def marks_for(store: Store, reader: BranchReader, branch: BranchLog) -> Marks | None:
    """What the fold should keep for the checkpoint upkeep after the write, if anything."""
    from orgsim.store.checkpoint_upkeep import marks_every

    lineage, parent = [branch.name], branch.info.parent
    while parent is not None and parent in reader.registry and parent not in lineage:
        lineage.append(parent)
        parent = reader.registry[parent].parent
    every = marks_every(store, lineage)
    return Marks(every) if every else None


def keep_snapshot(
    store: Store,
    branch: BranchLog,
    timeline: Timeline,
    state: OrgState,
    added: int,
    marks: dict[int, str] | None = None,
) -> None:
    """Keep the state just folded as a snapshot when the branch has grown enough (with
    the log and the states kept on the way, for the checkpoints)."""
    from orgsim.store.snapshots import maybe_take

    maybe_take(
        store,
        branch.name,
        timeline.version,
        branch.own_length + added,
        timeline.latest_effective(),
        state,
        timeline.log,  # the checkpoints fold the log as held, not read back
        marks,
    )
