"""The Click application, global options and the error boundary.

Every expected failure is an exception with a one-line message; :func:`main` turns it
into ``orgsim: error: ...`` on stderr and exit 2, so no traceback reaches a user for bad
input. Exit 1 is reserved for checks that find a problem (audit, verify). The exit code
is the :class:`orgsim.errors.OrgsimError` subclass's, so the API and the CLI agree.

Click rather than Typer: Typer's recent releases vendor a private copy of Click, and the
error boundary below needs Click's public exception classes.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console

from orgsim import api, errors, jsontext
from orgsim.store.recorder import Store, open_store, resolve_url


def _console(stderr: bool = False) -> Console:
    """Rich output that does not wrap lines or squeeze tables to 80 columns when piped.

    Markup and emoji codes are off: what orgsim prints is mostly the user's own text
    (titles, names, file names, warnings quoting a CSV), and "file.csv:100:" must not
    become an emoji nor "[x]" vanish as a tag. Styling is given as Rich ``Text`` styles.
    """
    options = {"highlight": False, "soft_wrap": True, "markup": False, "emoji": False}
    console = Console(stderr=stderr, **options)  # type: ignore[arg-type]
    if not console.is_terminal:
        console = Console(stderr=stderr, width=160, **options)  # type: ignore[arg-type]
    return console


console = _console()
err_console = _console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class UserError(errors.BadInput):
    """Bad input from the command line: exit 2 with this one-line message."""


class CheckFailed(errors.CheckFailed):
    """A check found a problem: exit 1 (the report was already printed)."""


@dataclass
class Settings:
    store_url: str
    key: str | None
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.store_url, self.key)
        return self._store

    def api(self) -> api.Store:
        """The API over the same open store (closed by :func:`main`, not by the API)."""
        return api.Store(self.store)


_settings: Settings | None = None


def settings() -> Settings:
    assert _settings is not None
    return _settings


@click.group(context_settings=CONTEXT)
@click.option(
    "--store",
    "store",
    metavar="PATH|postgresql://...",
    default=None,
    help="Event store: a SQLite file (default ./orgsim.sqlite), 'memory', or a "
    "PostgreSQL URL. ORGSIM_STORE also sets it.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="File holding the encryption key (else ORGSIM_KEY).",
)
@click.version_option(package_name="orgsim")
def app(store: str | None, key_file: str | None) -> None:
    """Event-sourced organisational restructure simulator.

    Every change is an immutable event; the structure at any date is rebuilt from them.
    New here? `orgsim init demo` copies the example scenarios (the Kent case) into
    ./demo; then `cd demo && orgsim run scenarios/kcc-2013-baseline.yaml` and
    `orgsim serve` to look at it in a browser.
    """
    global _settings
    key = None
    if key_file is not None:
        try:
            with open(key_file, encoding="utf-8") as handle:
                key = handle.read().strip()
        except OSError as error:
            raise UserError(f"cannot read key file {key_file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise UserError(
                f"cannot read key file {key_file}: not text (a key is base64 text, as "
                "AESCipher.create_key prints it)"
            ) from None
    _settings = Settings(resolve_url(store), key)


#: Options several commands share, defined once.
branch_option = click.option("--branch", "-b", "branch", required=True, help="Branch name.")
at_option = click.option(
    "--at", "at", default=None, metavar="DATE", help="Effective date, YYYY-MM-DD (default: today)."
)
known_option = click.option(
    "--as-known-at",
    "as_known_at",
    default=None,
    metavar="TIME",
    help="Ignore events recorded after this time (ISO 8601; a date "
    "means the end of that day, UTC).",
)


def json_option(function: F) -> F:
    return click.option("--json", "json_out", is_flag=True, help="Print one JSON document.")(
        function
    )


def parse_date(value: str | None, option: str) -> dt.date | None:
    """The API's date rule, with the flag's name in the message."""
    return api.as_date(value, option)


def parse_time(value: str | None, option: str) -> dt.datetime | None:
    """A recorded-time bound: a bare date means the end of that day (UTC)."""
    return api.as_time(value, option)


def print_json(document: Any) -> None:
    """Every ``--json`` document: ``json.dumps(indent=2)``'s text, written faster."""
    sys.stdout.write(jsontext.dumps(document) + "\n")


def fail(message: str) -> NoReturn:
    raise UserError(message)


_one_line = errors.one_line


def _asked_for_help(error: click.ClickException) -> bool:
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", None)
    return no_args is not None and isinstance(error, no_args)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, map expected errors to exit codes."""
    import orgsim.cli.commands  # noqa: F401 - registers the commands

    code = 0
    try:
        app.main(args=argv, prog_name="orgsim", standalone_mode=False)
    except click.exceptions.Exit as done:
        code = done.exit_code
    except click.exceptions.Abort:
        sys.stderr.write("orgsim: aborted\n")
        code = 2
    except click.ClickException as error:
        if _asked_for_help(error):
            # bare `orgsim`: Click 8.2+ raises NoArgsIsHelpError (exit 2, the help as the
            # "error"); the help is what was asked for, so print it, exit 0
            assert isinstance(error, click.UsageError) and error.ctx is not None
            sys.stdout.write(error.ctx.get_help() + "\n")
            code = 0
        else:
            sys.stderr.write(f"orgsim: error: {_one_line(error.format_message())}\n")
            code = 2
    except errors.OrgsimError as error:
        if str(error):  # a failed check has printed its report already
            sys.stderr.write(f"orgsim: error: {_one_line(str(error))}\n")
        code = error.exit_code
    except BrokenPipeError:
        code = 0
    except Exception as error:
        # raised below the API by commands that call the layers directly (chart, pack,
        # import, verify): the same table of expected errors as the API's boundary
        translated = errors.translate(error)
        if translated is None:
            raise
        sys.stderr.write(f"orgsim: error: {_one_line(str(translated))}\n")
        code = translated.exit_code
    finally:
        if _settings is not None and _settings._store is not None:
            _settings._store.close()
    sys.exit(code)
