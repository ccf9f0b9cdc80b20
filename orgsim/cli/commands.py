"""Imports every command module so that each registers its commands on the app.

A command module that needs optional parts (Graphviz, Chromium) imports them lazily
inside its functions, so ``orgsim --help`` always works.
"""

from orgsim.cli import core  # noqa: F401
from orgsim.cli import slotting  # noqa: F401
from orgsim.cli import interchange  # noqa: F401
from orgsim.cli import charts  # noqa: F401
from orgsim.cli import pack  # noqa: F401
from orgsim.cli import integrity  # noqa: F401
