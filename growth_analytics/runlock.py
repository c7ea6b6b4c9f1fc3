"""One writer at a time. Two `sqlmesh run` processes on one DuckDB file can corrupt SQLMesh's
state (seen with 0.236.4: the loser reads DuckDB's lock error as "no state", starts migrations and
rolls back), so every scheduled or scripted write goes through `exclusive_run`, which holds an
exclusive, non-blocking flock on `<warehouse>.lock` for the whole command."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

EXIT_LOCKED = 75  # EX_TEMPFAIL: cron may simply try again at the next tick


class RunLocked(RuntimeError):
    """Another process holds the warehouse's run lock."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextlib.contextmanager
def exclusive_run(warehouse: Path, command: str) -> Iterator[Path]:
    """Hold the warehouse's run lock, or raise RunLocked at once naming the holder."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lifetime of the lock
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown process"
            raise RunLocked(
                f"another pipeline run holds {path} ({holder}); not starting `{command}`. "
                "Only one process may write the warehouse at a time."
            ) from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()}, `{command}` since {started}\n")
        handle.flush()
        yield path
    finally:
        handle.close()  # closing the descriptor releases the flock
