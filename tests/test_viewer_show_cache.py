"""``/api/show`` writes a read model out as JSON once, and keeps those bytes with it.

The body must be the bytes Starlette's ``JSONResponse`` makes of the ``show --json``
document (names withheld without ``--names``), and must go exactly when the read model
goes from the cache: when the branch changes, or when the structure is evicted.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from conftest import SCENARIOS
from starlette.responses import JSONResponse
from test_viewer import Server

import orgsim
from orgsim.viewer.data import ViewerData

AT = dt.date(2013, 4, 1)


def test_the_body_is_rendered_once_and_dropped_with_its_structure(tmp_path: Path) -> None:
    store = orgsim.open_store(str(tmp_path / "k.sqlite"))
    store.run(SCENARIOS / "kcc-2013-baseline.yaml")
    data = ViewerData(store)
    rendered: list[int] = []

    def render(document: Any) -> bytes:
        rendered.append(1)
        return JSONResponse(document).body

    first = data.show_body("baseline", AT, render)
    expected = JSONResponse(data.show("baseline", AT)).body
    assert first == expected
    assert all(p["name"] is None for p in json.loads(first)["people"])
    assert data.show_body("baseline", AT, render) is first and len(rendered) == 1

    # the branch changes: a new version key, a new structure, a new body
    store.run(
        {
            "scenario": "baseline",
            "effective": "2013-04-01",
            "steps": [{"delete_post": {"id": "cd-bss", "reason": "test"}}],
        }
    )
    second = data.show_body("baseline", AT, render)
    assert len(rendered) == 2 and second != first
    assert "cd-bss" not in {p["id"] for p in json.loads(second)["posts"]}
    assert second == JSONResponse(data.show("baseline", AT)).body

    # the structure evicted by twelve other dates: the body goes with it
    for day in range(1, 13):
        data.structure("baseline", AT + dt.timedelta(days=day))
    assert data.show_body("baseline", AT, render) == second and len(rendered) == 3
    store.close()


def test_the_route_serves_those_bytes_as_json(tmp_path: Path) -> None:
    store = orgsim.open_store(str(tmp_path / "k.sqlite"))
    store.run(SCENARIOS / "kcc-2013-baseline.yaml")
    for names in (False, True):
        server = Server(store, names=names)
        try:
            responses = []
            for _ in range(2):
                url = server.url + "/api/show?branch=baseline&at=2013-04-01"
                with urlopen(url, timeout=30) as response:
                    responses.append((response.status, response.headers, response.read()))
        finally:
            server.stop()
        document = ViewerData(store, names).show("baseline", AT)
        for status, headers, body in responses:
            assert status == 200 and headers["content-type"] == "application/json"
            assert int(headers["content-length"]) == len(body)
            assert body == JSONResponse(document).body
        assert any(p["name"] for p in json.loads(responses[0][2])["people"]) is names
    store.close()
