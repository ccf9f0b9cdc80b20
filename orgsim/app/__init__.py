"""Use cases: apply a scenario script (or an import) to a branch in one commit."""
