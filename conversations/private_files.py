"""Files only the assistant's own user can read: its state folder 0700, every file in it 0600.

The tracker store (Rasa server) and the outbox (action server) keep what people wrote, sealed,
under `var/`, with the keyrings that open it. Each service creates what it owns private from the
start (before SQLite opens a file with its own, wider mode) and at start-up narrows whatever of
its own it finds more open, logging the path and the modes, never the content.

A folder is narrowed only when it is the project's `var/` or was created here: a database pointed
at a shared folder (say /tmp) must not change that folder for everyone; such a folder is reported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path
from typing import Iterable

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
PROJECT_VAR = Path(__file__).resolve().parent.parent / "var"
# SQLite's companions of a database file: they hold its pages too.
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def private_folder(folder: Path) -> None:
    """Create `folder` (0700) if missing; narrow it to 0700 if it is the project's `var/`."""
    if not folder.exists():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        tighten(folder, FOLDER_MODE)
    elif folder.resolve() == PROJECT_VAR.resolve():
        tighten(folder, FOLDER_MODE)
    elif stat.S_IMODE(folder.stat().st_mode) & 0o077:
        logger.warning("The folder %s can be opened by other users; 0700 is expected", folder)


def private_file(path: Path) -> None:
    """Create `path` empty (0600) if missing, else narrow it to 0600; its folder made private."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    tighten(path, FILE_MODE)


def private_database(path: Path) -> None:
    """A SQLite file and whichever of its companions exist (-journal, -wal, -shm): 0600."""
    private_file(path)
    tighten_all(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)


def tighten_all(paths: Iterable[Path]) -> None:
    for path in paths:
        tighten(path, FILE_MODE)


def tighten(path: Path, mode: int) -> bool:
    """Narrow `path` to `mode` if it is more open (a missing path is left alone). True if changed."""
    try:
        found = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return False
    if found & ~mode == 0:
        return False
    os.chmod(path, mode)
    logger.warning("%s was %04o, readable beyond its owner: narrowed to %04o", path, found, mode)
    return True


def write_private_file(path: Path, text: str, *, replace: bool = True) -> bool:
    """Write `text` to `path` (0600) complete or not at all. False if `replace` is off and it exists.

    Written under a temporary name created 0600, then renamed over `path` (or linked, which fails
    if another process created `path` first), so a reader never sees half a file.
    """
    private_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
