"""What Axon keeps on disk is readable by the server's own user only.

The data folder holds the database (messages, password hashes, tokens' hashes) and, on a first
start, the admin's initial password. With the usual umask 022 those would be world-readable, so:
the process creates files 0600 and folders 0700 from the start (``restrict_new_files``), folders
are made private when Axon creates or opens them, and the secret file is created with its mode
rather than chmod-ed after it was written. Folders and files of an older install are tightened
when the node opens them (only those it owns: someone else's file is left alone, with a warning).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("axon.files")

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def restrict_new_files() -> None:
    """Everything this process creates from now on: no group or other access."""
    os.umask(0o077)


def private_directory(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700, or tighten it if it exists and is ours."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    _tighten(path, DIRECTORY_MODE)
    return path


def private_sqlite_files(database: Path) -> None:
    """Tighten an existing SQLite database and its companion files (WAL, shared memory, journal)."""
    for suffix in SQLITE_SUFFIXES:
        candidate = database.with_name(database.name + suffix)
        if candidate.exists():
            _tighten(candidate, FILE_MODE)


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a file that is 0600 from the moment it exists (replacing any older file)."""
    private_directory(path.parent)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # an older file keeps its mode when opened: start from a new one
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _tighten(path: Path, mode: int) -> None:
    info = path.stat()
    if stat.S_IMODE(info.st_mode) & ~mode == 0:
        return
    if stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
        # A shared folder (/tmp: sticky, everyone's): a database or a secret put there makes its own
        # files private; the folder is not Axon's to close (tightening /tmp broke every other user).
        log.warning("%s is a shared folder: left as it is (Axon's own files in it are private)", path)
        return
    if info.st_uid != os.geteuid():
        log.warning("%s is readable by others and not ours to restrict (owner uid %d)", path, info.st_uid)
        return
    path.chmod(stat.S_IMODE(info.st_mode) & mode)
