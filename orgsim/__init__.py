"""orgsim: an event-sourced organisational restructure simulator.

The public Python API (SPEC section 11) is what ``__all__`` lists; everything else may
change. Importing ``orgsim`` stays light: the store, the views and the charts are
imported when first used, so ``orgsim --help`` and ``import orgsim`` are quick.
"""

from orgsim.api import Branch, Store, Structure, compare, open_store
from orgsim.errors import BadInput, CheckFailed, OrgsimError

__version__ = "0.1.0"

__all__ = [
    "BadInput",
    "Branch",
    "CheckFailed",
    "OrgsimError",
    "Store",
    "Structure",
    "__version__",
    "compare",
    "open_store",
]
