"""The example scenarios shipped in the wheel: a copy of the repository's ``scenarios/``
(SPEC section 9 keeps them there; tests/test_wheel.py checks the copy is identical), and
the README that ``orgsim init`` puts beside them."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def example_files() -> list[Traversable]:
    """The shipped scenario scripts, by name."""
    return sorted(
        (f for f in files(__name__).iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name
    )


def readme() -> str:
    return files(__name__).joinpath("README.md").read_text(encoding="utf-8")
