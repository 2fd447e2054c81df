"""Where a batch's runs write before their outputs move in, and how a batch that died is cleaned up after.

A batch claims its output folder with a lock file, ``.lkt-batch.TOKEN.lock``, that it holds
locked while it runs (the operating system lets go of the lock when the process ends, however it
ends). Each run writes into a staging folder ``.STEM.TOKEN.*`` beside the outputs. The next batch
removes the staging folders, and the lock files, of every batch whose lock it can take: those of a
batch that died, never those of one still running.

A worker watches the batch that started it (``watch_parent``) and ends when the batch is gone, so
that a killed batch's workers stop within a second and move nothing more into the folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError
from .outputs import why

LOCK = ".lkt-batch.{token}.lock"
WATCH = 0.5  # seconds between a worker's checks that its batch is alive


@contextmanager
def claim(out: Path) -> Iterator[str]:
    """Hold the output folder ``out`` for one batch: remove what dead batches left, then yield this batch's
    token (its staging folders carry it), the lock held until the batch ends; its staging folders go then."""
    remove_dead(out)
    token = uuid.uuid4().hex[:12]
    path = out / LOCK.format(token=token)
    try:
        handle = path.open("a+b")
    except OSError as err:
        raise OutputError(out, f"nothing can be written here: {why(err)}") from None
    try:
        if not _lock(handle):
            raise OutputError(path, "is locked by another batch")
        yield token
    finally:
        _remove(out, token)
        handle.close()
        path.unlink(missing_ok=True)


def remove_dead(out: Path) -> list[str]:
    """Remove the staging folders and lock files of every batch in ``out`` that is no longer running; return
    their tokens."""
    dead = []
    for path in out.glob(LOCK.format(token="*")):
        token = path.name.split(".")[2]
        try:
            with path.open("a+b") as handle:
                if not _lock(handle):
                    continue  # its batch is running
                _remove(out, token)
        except OSError:
            continue
        path.unlink(missing_ok=True)
        dead.append(token)
    return dead


def _remove(out: Path, token: str) -> None:
    for folder in out.glob(f".*.{token}.*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def staging_folder(out: Path, stem: str, token: str) -> Path:
    """A new staging folder for the run ``stem`` of the batch ``token``."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{stem}.{token}.", dir=out))
    except OSError as err:
        raise OutputError(out, f"nothing can be written here: {why(err)}") from None


def watch_parent() -> None:
    """In a worker of the batch: end this process as soon as the batch that started it is gone."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        while parent.is_alive():
            time.sleep(WATCH)
        os._exit(1)

    threading.Thread(target=watch, name="lkt-watch-batch", daemon=True).start()


def orphaned() -> bool:
    """Whether this worker's batch is gone (then nothing more may be moved into its folder)."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


def _lock(handle: IO[bytes]) -> bool:
    """Take an exclusive lock on an open file without waiting; whether it was taken."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
