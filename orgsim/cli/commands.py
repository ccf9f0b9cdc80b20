"""Imports every command module so that each registers its commands on the app.

A command module that needs optional parts (Graphviz, Chromium) imports them lazily
inside its functions, so ``orgsim --help`` always works.
"""

from orgsim.cli import (
    changes,  # noqa: F401
    charts,  # noqa: F401
    core,  # noqa: F401
    cost,  # noqa: F401
    integrity,  # noqa: F401
    interchange,  # noqa: F401
    pack,  # noqa: F401
    serve,  # noqa: F401
    slotting,  # noqa: F401
    starter,  # noqa: F401
)
