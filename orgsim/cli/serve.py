"""``orgsim serve``: the local viewer (SPEC section 12) over the store.

Binds to 127.0.0.1 unless told otherwise, serves GET requests only and shows holders'
names only with ``--names``. A store that does not exist is bad input (exit 2): the
viewer never creates one.
"""

from __future__ import annotations

import os

import click

from orgsim.cli.app import app, err_console, fail, settings


@app.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--names", is_flag=True, help="Show holders' names (personal data).")
def serve(host: str, port: int, names: bool) -> None:
    """A read-only web viewer of the store: branches, a date slider, the chart, changes."""
    url = settings().store_url
    if "://" not in url and url != "memory" and not os.path.exists(url):
        fail(f"no store at {url}: run a scenario first (orgsim run FILE)")
    import uvicorn

    from orgsim.viewer import create_app

    application = create_app(settings().api(), names=names)
    application.state.data.registry()  # a bad store or key fails here, before listening
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"orgsim: warning: the viewer listens on {host}, not only this machine")
    err_console.print(f"orgsim: viewer on http://{host}:{port}/ (Ctrl-C stops it)", markup=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")
