"""The local viewer (SPEC section 12), in a real browser: Debian's Chromium driven by
Playwright (launched from /usr/bin/chromium; no browser is downloaded).

Expected facts come from the Kent scenarios and the SPEC: on 1 April 2014 the top-tier
realignment deletes the Corporate Director posts of the five old directorates (cd-bss is
one, KCC paper 001, 3.3.3) and creates the new ones; before it the baseline has them.
A generated organisation of 12,000 posts checks that the page stays small (levels
collapsed) and that search still jumps to a post.
"""

from __future__ import annotations

import html
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlparse
from urllib.request import urlopen

import pytest

import orgsim
from tests.conftest import SCENARIOS

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("ORGSIM_SCREENSHOTS")  # a folder: save screenshots there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, store: orgsim.Store, names: bool = False) -> None:
        import uvicorn

        from orgsim.viewer import create_app

        self.port = _free_port()
        config = uvicorn.Config(
            create_app(store, names=names), host="127.0.0.1", port=self.port, log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.05)
        assert self.server.started
        self.url = f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urlopen(self.url + path, timeout=30) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def kent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("kent") / "kent.sqlite"
    store = orgsim.open_store(str(path))
    for name in ("kcc-2013-baseline", "kcc-2014-top-tier", "kcc-2014-option-three-directorates"):
        store.run(SCENARIOS / f"{name}.yaml")
    server = Server(store)
    yield server
    server.stop()
    store.close()


def big_organisation(posts: int) -> dict[str, object]:
    """A deterministic organisation of exactly ``posts`` posts: a chief executive,
    8 directorates, 10 services each, teams of a manager and up to 14 staff."""
    steps: list[dict[str, object]] = [
        {"create_unit": {"id": "org", "name": "Generated Department", "kind": "organisation"}},
        {
            "create_post": {
                "id": "ceo",
                "title": "Permanent Secretary",
                "grade": "SCS4",
                "unit": "org",
            }
        },
    ]
    count = 1
    d = 0
    while count < posts:
        dunit, dpost = f"d{d}", f"dg{d}"
        steps.append(
            {
                "create_unit": {
                    "id": dunit,
                    "name": f"Directorate {d}",
                    "kind": "directorate",
                    "parent": "org",
                }
            }
        )
        steps.append(
            {
                "create_post": {
                    "id": dpost,
                    "title": f"Director General {d}",
                    "grade": "SCS3",
                    "unit": dunit,
                    "reports_to": "ceo",
                }
            }
        )
        count += 1
        for s in range(10):
            if count >= posts:
                break
            sunit, spost = f"{dunit}s{s}", f"{dpost}-h{s}"
            steps.append(
                {
                    "create_unit": {
                        "id": sunit,
                        "name": f"Service {d}.{s}",
                        "kind": "service",
                        "parent": dunit,
                    }
                }
            )
            steps.append(
                {
                    "create_post": {
                        "id": spost,
                        "title": f"Head of Service {d}.{s}",
                        "grade": "SCS1",
                        "unit": sunit,
                        "reports_to": dpost,
                    }
                }
            )
            count += 1
            for t in range(10):
                if count >= posts:
                    break
                lead = f"{spost}-t{t}"
                steps.append(
                    {
                        "create_post": {
                            "id": lead,
                            "title": f"Team Leader {d}.{s}.{t}",
                            "grade": "G7",
                            "unit": sunit,
                            "reports_to": spost,
                        }
                    }
                )
                count += 1
                for m in range(14):
                    if count >= posts:
                        break
                    steps.append(
                        {
                            "create_post": {
                                "id": f"{lead}-{m}",
                                "title": f"Officer {d}.{s}.{t}.{m}",
                                "grade": "EO",
                                "unit": sunit,
                                "reports_to": lead,
                            }
                        }
                    )
                    count += 1
        d += 1
    return {
        "scenario": "generated",
        "effective": "2020-04-01",
        "grades": ["EO", "G7", "SCS1", "SCS3", "SCS4"],
        "steps": steps,
    }  # fmt: skip


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("big") / "big.sqlite"
    store = orgsim.open_store(str(path))
    store.run(big_organisation(12000))
    server = Server(store)
    yield server
    server.stop()
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page that records every request it makes."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    yield page
    context.close()


def _offline(page: object, server: Server) -> None:
    hosts = {urlparse(url).hostname for url in page.requests}  # type: ignore[attr-defined]
    assert page.requests and hosts == {"127.0.0.1"}, hosts  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))  # type: ignore[attr-defined]


def _chart_posts(page: object) -> set[str]:
    return set(
        page.eval_on_selector_all("#chart li[data-post]", "els => els.map(e => e.dataset.post)")
    )  # type: ignore[attr-defined]


# --- the browser --------------------------------------------------------------------


def test_page_loads_slider_changes_the_chart_and_nothing_leaves_the_machine(kent, page):
    page.goto(kent.url + "/?branch=top-tier-2014")
    assert page.locator("#slider").is_visible()
    after = _chart_posts(page)
    # 1 April 2014: the new directorates' directors are in post, the old ones gone
    assert "cd-bss" not in after and "hops" in after
    _shot(page, "viewer-chart")
    slider = page.locator("#slider")
    dates = slider.get_attribute("data-dates").split(",")
    assert dates[0] == "2013-04-01" and dates[-1] == "2014-04-01"
    slider.fill("0")  # the first effective date: the baseline structure
    page.wait_for_selector('#app[data-at="2013-04-01"]')
    before = _chart_posts(page)
    assert "cd-bss" in before and before != after
    assert "at=2013-04-01" in page.url
    _offline(page, kent)


def test_branch_picker_switches_branches(kent, page):
    page.goto(kent.url + "/?branch=baseline")
    assert "cd-bss" in _chart_posts(page)
    page.select_option("#branch", "top-tier-2014")
    page.wait_for_selector('#app[data-branch="top-tier-2014"]')
    assert page.locator("#app").get_attribute("data-at") == "2014-04-01"
    assert "cd-bss" not in _chart_posts(page)
    _offline(page, kent)


def test_search_focuses_a_post_and_shows_its_details(kent, page):
    page.goto(kent.url + "/?branch=baseline&at=2013-04-01")
    page.fill("#q", "Business Strategy")
    page.click("#controls button[type=submit]")
    page.wait_for_selector("#hits a.hit")
    page.locator("#hits a.hit", has_text="Corporate Director Business Strategy and Support").click()
    page.wait_for_selector("li.focused")
    assert page.locator("li.focused").get_attribute("data-post") == "cd-bss"
    panel = page.locator("#panel .details")
    assert panel.get_attribute("data-post") == "cd-bss"
    assert "Grade" in panel.inner_text() and "CD" in panel.inner_text()
    # names only with --names: the panel counts holders, it does not name them
    assert "names shown only with" in panel.inner_text()
    _offline(page, kent)


def test_change_view_marks_a_deleted_post(kent, page):
    page.goto(kent.url + "/?branch=top-tier-2014&at=2014-04-01&since=2013-04-01")
    deleted = page.locator('li[data-post="cd-bss"]')
    assert deleted.get_attribute("data-status") == "deleted"
    assert "DELETED" in deleted.locator(".box").first.inner_text()
    # the line-through is the mark that survives black-and-white printing
    style = deleted.locator(".title").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in style
    _shot(page, "viewer-changes")
    deleted.locator(".title").first.click()
    page.wait_for_selector('#panel .details[data-post="cd-bss"]')
    history = page.locator("#panel table.history").inner_text()
    assert "PostDeleted" in history and "KCC paper 001, 3.3.3" in history
    _offline(page, kent)


def test_against_another_branch(kent, page):
    page.goto(kent.url + "/?branch=top-tier-2014&at=2014-04-01&against=baseline")
    assert page.locator('li[data-post="cd-bss"]').get_attribute("data-status") == "deleted"
    _offline(page, kent)


def test_12000_posts_collapsed_and_search_jumps(big, page):
    page.goto(big.url + "/?branch=generated")
    assert "12000 posts" in page.locator(".summary").inner_text()
    shown = _chart_posts(page)
    assert len(shown) < 200  # levels collapsed: the CEO, 8 directors and their heads
    head = page.locator('li[data-post="dg0-h0"]')
    head.locator(".toggle").first.click()
    page.wait_for_selector('li[data-post="dg0-h0-t0"]')
    assert len(_chart_posts(page)) == len(shown) + 10
    page.fill("#q", "Officer 6.9.9.13")
    page.click("#controls button[type=submit]")
    page.locator("#hits a.hit", has_text="Officer 6.9.9.13").click()
    page.wait_for_selector("li.focused")
    assert page.locator("li.focused").get_attribute("data-post") == "dg6-h9-t9-13"
    assert page.locator("li.focused").is_visible()
    _shot(page, "viewer-12000")
    _offline(page, big)


# --- the HTTP surface ---------------------------------------------------------------


def test_json_endpoints_are_the_cli_documents(kent):
    store_branches = json.loads(kent.get("/api/branches")[1])["branches"]
    assert {b["name"] for b in store_branches} == {
        "baseline",
        "top-tier-2014",
        "option-three-directorates",
    }
    status, body = kent.get("/api/show?branch=baseline&at=2013-04-01")
    show = json.loads(body)
    assert status == 200 and show["branch"] == "baseline" and show["at"] == "2013-04-01"
    assert "cd-bss" in {p["id"] for p in show["posts"]}
    assert show["people"] and all(p["name"] is None for p in show["people"])  # no --names
    status, body = kent.get("/api/diff?branch=top-tier-2014&since=2014-03-31&to=2014-04-01")
    diff = json.loads(body)
    deleted = {p["id"] for p in diff["posts"] if p["change"] == "deleted"}
    assert status == 200 and "cd-bss" in deleted


@pytest.mark.parametrize(
    "path, message",
    [
        ("/?branch=nope", "unknown branch 'nope'"),
        ("/?branch=baseline&at=2014-02-30", "is not a date"),
        ("/?branch=baseline&focus=nope", "unknown post 'nope'"),
        ("/?branch=baseline&colour=red", "unknown parameter 'colour'"),
        ("/api/show?branch=nope", "unknown branch 'nope'"),
        ("/api/show?branch=baseline&at=yesterday", "is not a date"),
        ("/api/diff?branch=baseline", "needs a date"),
        ("/part/post?branch=baseline&post=nope", "unknown post 'nope'"),
        ("/part/children?branch=baseline", "missing parameter 'post'"),
    ],
)
def test_bad_input_is_a_400_with_one_line(kent, path, message):
    status, body = kent.get(path)
    text = html.unescape(body.decode())
    assert status == 400 and message in text and "Traceback" not in text
    if path.startswith("/api"):
        assert "\n" not in json.loads(text)["error"]


def test_read_only(kent):
    from urllib.request import Request

    for path in ("/", "/api/show?branch=baseline", "/api/branches"):
        request = Request(kent.url + path, data=b"{}", method="POST")
        try:
            urlopen(request, timeout=10)
            status = 200
        except HTTPError as error:
            status = error.code
        assert status == 405


def test_names_only_with_names(tmp_path):
    store = orgsim.open_store(str(tmp_path / "k.sqlite"))
    store.run(SCENARIOS / "kcc-2013-baseline.yaml")
    people = store.branch("baseline").structure("2013-04-01").to_json()["people"]
    holder = next(p for p in people if p["posts"] == ["cd-bss"])
    for names in (False, True):
        server = Server(store, names=names)
        try:
            panel = server.get("/part/post?branch=baseline&at=2013-04-01&post=cd-bss")[1].decode()
            show = json.loads(server.get("/api/show?branch=baseline&at=2013-04-01")[1])
        finally:
            server.stop()
        assert (holder["name"] in panel) is names
        assert any(p["name"] == holder["name"] for p in show["people"]) is names
    store.close()


def test_serve_refuses_a_missing_store(tmp_path):
    from tests.conftest import CLI

    result = CLI(str(tmp_path / "none.sqlite"), tmp_path)("serve")
    assert result.returncode == 2 and "no store at" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_a_run_written_while_serving_shows_at_the_next_request(tmp_path):
    """The cache is keyed by the branch's version: an appended event is seen at once."""
    store = orgsim.open_store(str(tmp_path / "k.sqlite"))
    store.run(SCENARIOS / "kcc-2013-baseline.yaml")
    server = Server(store)
    try:
        page = server.get("/?branch=baseline&at=2013-04-01")[1].decode()
        assert 'data-post="cd-bss"' in page
        store.run(
            {
                "scenario": "baseline",
                "effective": "2013-04-01",
                "steps": [{"delete_post": {"id": "cd-bss", "reason": "test"}}],
            }
        )
        page = server.get("/?branch=baseline&at=2013-04-01")[1].decode()
        assert 'data-post="cd-bss"' not in page
        show = json.loads(server.get("/api/show?branch=baseline&at=2013-04-01")[1])
        assert "cd-bss" not in {p["id"] for p in show["posts"]}
    finally:
        server.stop()
        store.close()
