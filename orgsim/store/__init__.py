"""The event store on `eventsourcing`: recorder, mapper with its hash chain, branches
assembled without copies, snapshots, integrity checks and golden logs."""
