"""The domain model: state, invariants, timeline and structure. Free of I/O."""

from orgsim.domain.state import DomainError, OrgState
from orgsim.domain.structure import Structure
from orgsim.domain.timeline import Logged, Timeline

__all__ = ["DomainError", "Logged", "OrgState", "Structure", "Timeline"]
