"""Encryption keys: making one, checking one against a store, and re-keying a store.

With a key, every row's state is encrypted (the library's ``AESCipher``, AES-GCM). A store
is either wholly encrypted or wholly plain: :func:`check_key` tests the key against the
stored rows when a store is opened, so a missing, wrong or needless key is a one-line
:class:`StoreError`, and a store is never written with a mix of keys.

:func:`rekey` moves a store to a new key, or to none: it verifies the store first,
rewrites every row's state in one transaction (the snapshot cache in another), compacts
the tables so no old ciphertext lingers, and verifies again with only the new key. Hash
chains are over the plain events, so they (and exported heads) stay valid.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eventsourcing.persistence import AggregateRecorder, Cipher, StoredEvent
from eventsourcing.utils import Environment

from orgsim.store.backends import as_id
from orgsim.store.errors import StoreError

if TYPE_CHECKING:
    from orgsim.store.integrity import Report
    from orgsim.store.recorder import Store

KEY_HELP = (
    'create one with: python -c "from eventsourcing.cipher import AESCipher; '
    'print(AESCipher.create_key(32))"'
)

#: A plain stored state: 64 hex digits of chain, then a JSON object.
_PLAIN_STATE = re.compile(rb"[0-9a-f]{64}\{")


def create_key(num_bytes: int = 32) -> str:
    """A new random key: ``num_bytes`` (16, 24 or 32) in base64, as :func:`make_cipher`
    and ``--key-file`` take it."""
    from eventsourcing.cipher import AESCipher

    return AESCipher.create_key(num_bytes)


def make_cipher(key: str | None) -> Cipher | None:
    """The library's AES cipher for a base64 key of 16, 24 or 32 bytes (None: no key)."""
    if key is None:
        return None
    key = key.strip()
    if not key:
        raise StoreError(f"the encryption key is empty; {KEY_HELP}")
    from eventsourcing.cipher import AESCipher  # lazily: most stores have no key

    try:
        return AESCipher(Environment(env={"CIPHER_KEY": key}))
    except Exception:
        raise StoreError(
            "the encryption key is not valid: it must be 16, 24 or 32 random bytes "
            f"in base64; {KEY_HELP}"
        ) from None


# --- checking a key against the stored rows -------------------------------------------------


def check_key(store: Store) -> None:
    """Raise :class:`StoreError` unless the key (or its absence) fits the stored rows.

    Samples the registry's rows, then the first row of other streams, until one row
    settles it: a row that decrypts with the key, or a plain row when there is no key.
    Only when no sampled row is readable is the key judged wrong (one damaged row is
    left to ``orgsim verify``).
    """
    cipher = store.mapper.cipher
    samples = 0
    plain_seen = False
    try:
        for stored in store.sample_rows():  # lazily: the first readable row decides
            samples += 1
            state = stored.state
            if not isinstance(state, (bytes, bytearray, memoryview)):
                continue
            state = bytes(state)
            if cipher is None:
                if _plain(store, state):
                    return
            else:
                try:
                    cipher.decrypt(state)
                    return
                except Exception:
                    plain_seen = plain_seen or _plain(store, state, decompress=False)
    except StoreError:  # unreadable rows: left to the command (verify reports them)
        return
    if samples == 0:
        return
    if cipher is None:
        raise StoreError(
            "the store is encrypted: give its key with --key-file FILE or "
            "the ORGSIM_KEY environment variable"
        )
    if plain_seen:
        raise StoreError(
            "the store is not encrypted, but a key was given (--key-file or "
            "ORGSIM_KEY): drop the key, or encrypt the store with 'orgsim rekey'"
        )
    raise StoreError(
        "wrong encryption key: it cannot decrypt this store's events (check "
        "--key-file or ORGSIM_KEY)"
    )


def _plain(store: Store, state: bytes, decompress: bool = True) -> bool:
    compressor = store.mapper.compressor
    if decompress and compressor is not None:
        try:
            state = compressor.decompress(state)
        except Exception:
            return False
    return _PLAIN_STATE.match(state) is not None


# --- re-keying ------------------------------------------------------------------------------


class NotVerified(Exception):
    """The store failed verification, so it was not re-keyed; ``report`` says where."""

    def __init__(self, report: Report) -> None:
        super().__init__("not re-keyed: the store failed verification")
        self.report = report


@dataclass(frozen=True)
class Rekeyed:
    """What :func:`rekey` did, and the verification that followed with the new key."""

    events: int
    snapshots: int
    encrypted: bool
    after: Report


def rekey(store: Store, new_key: str | None) -> Rekeyed:
    """Re-encrypt every stored row of ``store`` with ``new_key``, or decrypt it (None).

    ``store`` is open with the current key and is closed here. Raises :class:`NotVerified`
    when the store fails verification first (nothing is written), :class:`StoreError`
    when there is nothing to do, when a row cannot be decrypted (another process is
    writing) or when the store does not reopen with the new key. The caller makes sure no
    other process writes meanwhile.
    """
    from orgsim.store import integrity
    from orgsim.store.recorder import open_store

    new_cipher = make_cipher(new_key)
    before = integrity.verify(store)
    if not before.ok:
        raise NotVerified(before)
    if store.mapper.cipher is None and new_cipher is None:
        raise StoreError("the store is not encrypted and no new key was given; nothing to do")
    rows = list(_events_rekeyed(store, new_cipher))
    snapshots = 0
    if store.recorder is not None:
        store.writable()  # open for writing now, so the snapshot table is the writable one
    snapshot_recorder = store.snapshot_recorder()
    if snapshot_recorder is not None:
        # Snapshots are a cache of folded state (personal data too): re-key them as well.
        snapshot_rows = list(_snapshots_rekeyed(store, snapshot_recorder, new_cipher))
        snapshots = store.replace_states(snapshot_rows, snapshot_recorder)
    store.replace_states(rows)
    store.compact()
    if snapshots and snapshot_recorder is not None:
        store.compact(snapshot_recorder)
    store.close()
    saved = os.environ.pop("ORGSIM_KEY", None)  # reopen with exactly the new key (or none)
    try:
        after_store = open_store(store.url, new_key)
    except StoreError as error:
        raise StoreError(
            f"re-keyed, but the store does not open with the new key: {error}"
        ) from None
    finally:
        if saved is not None:
            os.environ["ORGSIM_KEY"] = saved
    try:
        after = integrity.verify(after_store)
    finally:
        after_store.close()
    return Rekeyed(len(rows), snapshots, new_cipher is not None, after)


def _events_rekeyed(store: Store, new_cipher: Cipher | None) -> Iterator[StoredEvent]:
    for stream in store.stream_ids():
        for stored in store.select(as_id(stream), check=False):
            state = stored.state
            if store.mapper.cipher is not None:
                try:
                    state = store.mapper.cipher.decrypt(state)
                except Exception:
                    raise StoreError(
                        "cannot decrypt an event while re-keying: another process "
                        "is writing; stop it and try again"
                    ) from None
            yield _with_state(stored, state, new_cipher)


def _snapshots_rekeyed(
    store: Store, recorder: AggregateRecorder, new_cipher: Cipher | None
) -> Iterable[StoredEvent]:
    for stream in store.stream_ids(recorder):
        for stored in recorder.select_events(as_id(stream)):
            state = stored.state
            if store.mapper.cipher is not None:
                try:
                    state = store.mapper.cipher.decrypt(state)
                except Exception:
                    continue  # an unreadable cache row is left as it is
            yield _with_state(stored, state, new_cipher)


def _with_state(stored: StoredEvent, plain: bytes, new_cipher: Cipher | None) -> StoredEvent:
    state = new_cipher.encrypt(plain) if new_cipher is not None else plain
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)
