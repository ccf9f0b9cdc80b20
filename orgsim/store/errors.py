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


class StoreDamaged(StoreError):
    """A stored event cannot be read: the store was damaged or tampered with.

    Not bad input but a failed check (exit 1, as ``orgsim verify`` gives): the message
    says where, and to run ``orgsim verify`` for the full report.
    """

    exit_code = 1
