"""The errors the Python API raises, and the exit codes the command line gives them.

SPEC section 11: a failure raises :class:`OrgsimError` whose message is the CLI's one
line, and nothing is written. Two kinds matter to a caller, because they mean different
things to a script or a CI job: the input was wrong (:class:`BadInput`, exit 2), or a
check ran and found a problem (:class:`CheckFailed`, exit 1).

The older error classes (``ScenarioError``, ``RunError``, ``StoreError``,
``DomainError``, ``ChartError``, ``PackError``, ``ImportFailed``…) live with the code
that raises them, in modules other engineers own; :func:`translate` turns any of them
into a :class:`BadInput` at the API boundary, keeping the original as ``cause`` (and as
``__cause__``) so that nothing is lost for a caller who wants the detail.
"""

from __future__ import annotations

import sys
from typing import ClassVar

__all__ = ["BadInput", "CheckFailed", "OrgsimError", "one_line", "translate"]


class OrgsimError(Exception):
    """Any expected failure of orgsim. ``str(error)`` is one line, as the CLI prints it."""

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str = "", *, cause: BaseException | None = None) -> None:
        super().__init__(one_line(message))
        self.cause = cause


class BadInput(OrgsimError):
    """The input was wrong (a script, a date, a branch name, the store): exit 2."""

    exit_code: ClassVar[int] = 2


class CheckFailed(OrgsimError):
    """A check ran and found a problem (audit violations, verify failure): exit 1.

    The API's ``audit()`` does not raise it (its document counts the violations); the
    command line raises it after printing the report, with an empty message.
    """

    exit_code: ClassVar[int] = 1


def one_line(message: object) -> str:
    """Collapse whitespace so a message always fits the CLI's ``orgsim: error:`` line."""
    return " ".join(str(message).split())


#: (module, class) of the expected errors raised below the API. Modules that are not
#: imported yet cannot have raised, so they are looked up only in ``sys.modules``: the
#: boundary never pulls in charts, packs or the importers just to name their errors.
_LEGACY = (
    ("orgsim.store.errors", "StoreError"),
    ("orgsim.store.mapper", "MappingError"),
    ("orgsim.store.heads", "HeadsError"),
    ("orgsim.scenario.load", "ScenarioError"),
    ("orgsim.app.run", "RunError"),
    ("orgsim.domain.state", "DomainError"),
    ("orgsim.domain.slotting.model", "SlottingError"),
    ("orgsim.charts.tree", "ChartError"),
    ("orgsim.charts.pdf", "PdfError"),
    ("orgsim.pack.document", "PackError"),
    ("orgsim.pack.letters", "LetterTemplateError"),
    ("orgsim.interchange.importer", "ImportFailed"),
    ("orgsim.interchange.organogram_csv", "OrganogramError"),
    ("orgsim.interchange.table_map", "MapError"),
    ("orgsim.interchange.table", "TableError"),
)


def expected_errors() -> tuple[type[BaseException], ...]:
    """The error classes that mean bad input, among the modules loaded so far."""
    found: list[type[BaseException]] = [OrgsimError]
    for module_name, class_name in _LEGACY:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


def translate(error: BaseException) -> OrgsimError | None:
    """The :class:`OrgsimError` for an expected error, or None for a bug (let it raise)."""
    if isinstance(error, OrgsimError):
        return error
    if isinstance(error, expected_errors()):
        # a legacy class may say it is a failed check (a damaged store: exit 1)
        if getattr(error, "exit_code", 2) == CheckFailed.exit_code:
            return CheckFailed(str(error), cause=error)
        return BadInput(str(error), cause=error)
    return None
