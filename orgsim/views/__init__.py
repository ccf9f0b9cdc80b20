"""Read-side views over the read model: changes, metrics, audit, history."""
