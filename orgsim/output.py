"""Writing output files: one rule for every command, and nothing half-written.

Why one module: ``chart``, ``pack``, ``export`` and ``verify --export-heads`` used to each
decide for themselves whether a missing folder was created or refused, and a full disk
left 0-byte or ``.tmp`` files behind. The rules, for every file orgsim writes:

- **the folder that holds the output must exist**: a typo in a path is refused, not
  silently created. ``pack -o DIR`` is the one output that is itself a folder: DIR is
  created if missing, its parent must exist;
- every file is first written to a hidden temporary file beside it, flushed to disk, then
  renamed over the target; on any failure every temporary file is removed and no target
  is touched, so a set of files (a chart split per directorate, a pack's HTML and PDF,
  the organogram's two CSVs) is written all or nothing.

Files get the permissions of an ordinary new file (``0666`` less the umask).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from orgsim.errors import BadInput


class OutputError(BadInput):
    """An output path that cannot be written: one line (exit 2), nothing written."""


def folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def check_target(path: Path, option: str = "-o") -> None:
    """Refuse an output path whose folder does not exist, or that is a folder."""
    folder = folder_of(path)
    if not folder.is_dir():
        raise OutputError(f"{option} {path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder, not a file")


def prepare_folder(folder: Path, option: str = "-o") -> bool:
    """For an output that is a folder: its parent must exist; returns True if the folder
    must be created (done by :func:`write_files` only once everything is ready)."""
    if folder.exists():
        if not folder.is_dir():
            raise OutputError(f"{option} {folder}: exists and is not a folder")
        return False
    parent = folder_of(folder)
    if not parent.is_dir():
        raise OutputError(f"{option} {folder}: folder {parent} does not exist")
    return True


def write_files(files: Mapping[Path, bytes], create_folder: Path | None = None) -> list[Path]:
    """Write every file or none (see the module's rules). ``create_folder``: a folder
    to create first (and remove again if the writing fails)."""
    created = False
    if create_folder is not None and not create_folder.exists():
        try:
            create_folder.mkdir()
        except OSError as error:
            raise OutputError(f"cannot create {create_folder}: {error.strerror}") from None
        created = True
    for path in files:
        check_target(path)
    umask = os.umask(0)
    os.umask(umask)
    staged: list[tuple[str, Path]] = []
    current: Path | None = None
    try:
        for path, data in files.items():
            current = path
            handle, temp = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".orgsim-tmp", dir=folder_of(path)
            )
            staged.append((temp, path))
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o666 & ~umask)
        for temp, path in staged:
            current = path
            os.replace(temp, path)
    except OSError as error:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        if created and create_folder is not None:
            with contextlib.suppress(OSError):
                create_folder.rmdir()
        raise OutputError(f"cannot write {current}: {error.strerror or error}") from None
    return [path for _, path in staged]


def write_text(path: Path, text: str) -> None:
    """One UTF-8 text file, atomically."""
    write_files({path: text.encode("utf-8")})
