"""The viewer's web application (SPEC section 12): read-only, GET only, offline.

Routes:

- ``GET /`` — branch picker, date slider, the chart at that date (``?branch=&at=``), the
  change view (``&since=DATE0`` or ``&against=B2``), search (``&q=``), a focused post
  (``&focus=POST``: its line opened and its details shown) and a subtree (``&root=POST``);
- ``GET /part/children`` — the reports under one post (expand on click, htmx);
- ``GET /part/post`` — the details panel of one post (htmx);
- ``GET /api/branches``, ``/api/show``, ``/api/diff`` — the CLI's ``--json`` documents;
- ``GET /static/...`` — htmx, the style sheet and the script, served by orgsim itself.

Every parameter is validated; bad input is a 400 whose body is one line (JSON
``{"error": ...}`` on ``/api``), never a traceback. Starlette (not FastAPI): the viewer
needs routing, query strings and static files, not a schema layer; uvicorn serves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from orgsim import api
from orgsim.errors import BadInput, OrgsimError, one_line
from orgsim.viewer.data import ViewerData
from orgsim.viewer.page import children_rows, link_of, page_context, post_details

HERE = Path(__file__).parent
ALLOWED = {
    "/": {"branch", "at", "since", "against", "q", "focus", "root"},
    "/part/children": {"branch", "at", "since", "against", "post"},
    "/part/post": {"branch", "at", "post"},
    "/api/branches": set(),
    "/api/show": {"branch", "at"},
    "/api/diff": {"branch", "since", "to", "against", "at"},
}

Handler = Callable[[Request], Awaitable[Response]]


def create_app(store: api.Store, names: bool = False) -> Starlette:
    """The application over an open store; ``names`` shows holders' names."""
    data = ViewerData(store, names)
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def html(name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        return HTMLResponse(templates.get_template(name).render(**context), status_code=status)

    def guarded(kind: str, handler: Callable[[Request], Response]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                unknown = set(request.query_params) - ALLOWED[request.url.path]
                if unknown:
                    raise BadInput(f"unknown parameter {sorted(unknown)[0]!r}")
                return handler(request)
            except OrgsimError as error:
                message = one_line(str(error))
                if kind == "api":
                    return JSONResponse({"error": message}, status_code=400)
                if kind == "part":
                    return HTMLResponse(f'<p class="error">{_escape(message)}</p>', 400)
                return html("error.html.j2", {"message": message}, 400)

        return endpoint

    def params(request: Request) -> dict[str, Any]:
        q = request.query_params
        branch = data.branch(q.get("branch"))
        since = api.as_date(q.get("since") or None, "since")
        against = q.get("against") or None
        if since is not None and against is not None:
            raise BadInput("give since (a date) or against (a branch), not both")
        if against is not None:
            against = data.branch(against)
        at = api.as_date(q.get("at") or None, "at") or data.default_date(branch)
        if since is not None and since > at:
            raise BadInput(f"since {since} is after at {at}")
        return {"branch": branch, "at": at, "since": since, "against": against}

    def index(request: Request) -> Response:
        p = params(request)
        q = request.query_params
        context = page_context(
            data, **p, q=q.get("q", ""), focus=q.get("focus") or None, root=q.get("root") or None
        )
        return html("index.html.j2", context)

    def children(request: Request) -> Response:
        p = params(request)
        rows = children_rows(data, **p, post=_required(request, "post"))
        context = {
            "rows": rows,
            "names": data.names,
            "branch": p["branch"],
            "at": p["at"].isoformat(),
            "link": link_of(**p),
            "focus": "",
        }
        return html("children.html.j2", context)

    def post(request: Request) -> Response:
        p = params(request)
        context = post_details(data, p["branch"], p["at"], _required(request, "post"))
        return html("post.html.j2", context)

    def api_branches(request: Request) -> Response:
        return JSONResponse({"branches": data.branches()})

    def api_show(request: Request) -> Response:
        branch = data.branch(_required(request, "branch"))
        at = api.as_date(request.query_params.get("at") or None, "at") or dt.date.today()
        body = data.show_body(branch, at, lambda document: bytes(JSONResponse(document).body))
        return Response(body, media_type=JSONResponse.media_type)

    def api_diff(request: Request) -> Response:
        q = request.query_params
        branch = data.branch(_required(request, "branch"))
        return JSONResponse(
            data.diff(
                branch,
                api.as_date(q.get("since") or None, "since"),
                api.as_date(q.get("to") or None, "to"),
                q.get("against") or None,
                api.as_date(q.get("at") or None, "at"),
            )
        )

    routes = [
        Route("/", guarded("page", index)),
        Route("/part/children", guarded("part", children)),
        Route("/part/post", guarded("part", post)),
        Route("/api/branches", guarded("api", api_branches)),
        Route("/api/show", guarded("api", api_show)),
        Route("/api/diff", guarded("api", api_diff)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.data = data
    return app


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise BadInput(f"missing parameter {name!r}")
    return value


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
