"""The event store on `eventsourcing`.

- :mod:`~orgsim.store.recorder`: the :class:`Store` (branches as streams) and opening a URL;
- :mod:`~orgsim.store.backends`: what differs between SQLite, PostgreSQL and memory;
- :mod:`~orgsim.store.mapper`: events to stored rows and back, with the hash chain;
- :mod:`~orgsim.store.keys`: encryption keys, checking them, re-keying a store;
- :mod:`~orgsim.store.branches`: a branch's full log, and the fork rule;
- :mod:`~orgsim.store.snapshots`: the snapshot cache;
- :mod:`~orgsim.store.chains`, :mod:`~orgsim.store.heads`, :mod:`~orgsim.store.integrity`:
  tamper evidence (``orgsim verify``);
- :mod:`~orgsim.store.golden`: golden event logs and the event catalogue.
"""
