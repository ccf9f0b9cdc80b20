"""Forking a branch for a script's ``based_on`` / ``fork_at`` (the runner's)."""

from __future__ import annotations

import datetime as dt

from orgsim.scenario import parse as sc
from orgsim.store.branches import BranchLog, inherited_part
from orgsim.store.recorder import BranchRegistered


class ForkRefused(ValueError):
    """A fork point the parent branch cannot give; the message is the cause alone."""


def fork(
    parent: BranchLog, script: sc.Scenario, *, created: dt.datetime, actor: str | None
) -> BranchLog:
    """A new branch forked from ``parent`` at the script's ``fork_at`` (a version or a
    date; default its head). Raises ForkRefused with the cause. Kept apart so that the
    single fork rule of :mod:`orgsim.store.branches` can replace it in one place."""
    fork_at = script.fork_at
    fork_version, fork_date = parent.version, None
    if isinstance(fork_at, int) and not isinstance(fork_at, bool):
        if fork_at > parent.version:
            raise ForkRefused(
                f"fork_at: version {fork_at} is past the end of "
                f"{script.based_on!r} (version {parent.version})"
            )
        fork_version = fork_at
    elif isinstance(fork_at, dt.date):
        fork_date = fork_at
    info = BranchRegistered(
        name=script.scenario,
        parent=script.based_on,
        fork_version=fork_version,
        fork_date=fork_date,
        created=created,
        actor=actor,
    )
    return BranchLog(info, inherited_part(parent.log, info), [])
