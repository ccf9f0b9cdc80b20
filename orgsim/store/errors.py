"""The store's errors: one-line messages for the user (the CLI prints them, exit 2)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or read: a one-line message for the user."""


class ConflictError(StoreError):
    """Another writer got there first; nothing was written."""


CONFLICT_MESSAGE = (
    "conflict: another process wrote to this branch at the same time; "
    "nothing was written, run the command again"
)
