"""The local viewer (SPEC section 12): ``orgsim serve``, a read-only web application over
a store for people who never open a terminal. It reads everything through
:mod:`orgsim.api` and the chart tree, and serves its own script and style (no CDN).

Optional part: it needs Starlette and uvicorn (``pip install orgsim`` brings them); the
CLI imports this package only when ``serve`` runs.
"""

from orgsim.viewer.app import create_app

__all__ = ["create_app"]
