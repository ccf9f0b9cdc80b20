"""The ``orgsim`` command line. Commands live in modules named for what they do."""

from orgsim.cli.app import app, main

__all__ = ["app", "main"]
