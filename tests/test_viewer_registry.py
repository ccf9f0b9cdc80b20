"""The viewer decodes the branch registry again only when it has grown.

One viewer request asks for the registry several times (each branch name it checks, each
version key); the registry is an append-only stream, so an unchanged one is answered from
what was decoded, and a branch registered while the viewer is open (a run from the CLI)
still shows at the next request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLI, SCENARIOS

import orgsim
from orgsim.store.recorder import Store
from orgsim.viewer.data import ViewerData


def test_registry_decoded_once_until_a_branch_is_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    cli = CLI(str(path), tmp_path)
    cli.ok("run", str(SCENARIOS / "kcc-2013-baseline.yaml"))
    data = ViewerData(orgsim.open_store(str(path)))
    decoded: list[int] = []
    branches = Store.branches

    def counted(self: Store) -> object:
        if self is data.store.backend:  # not the CLI's own reads of the store
            decoded.append(1)
        return branches(self)

    monkeypatch.setattr(Store, "branches", counted)
    assert set(data.registry()) == {"baseline"}
    assert len(decoded) == 1
    assert data.branch("baseline") == "baseline"
    data.version_key("baseline")
    data.registry()
    assert len(decoded) == 1, "an unchanged registry was decoded again"

    cli.ok("run", str(SCENARIOS / "kcc-2013-proposal.yaml"))  # a fork of the baseline
    assert set(data.registry()) == {"baseline", "proposal-2013-10"}
    assert len(decoded) == 2
    assert [name for name, _ in data.version_key("proposal-2013-10")] == [
        "proposal-2013-10",
        "baseline",
    ]
