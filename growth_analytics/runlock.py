"""One writer at a time. Two `sqlmesh run` processes on one DuckDB file can corrupt SQLMesh's
state (seen with 0.236.4: the loser reads DuckDB's lock error as "no state", starts migrations and
rolls back), so every scheduled or scripted write goes through `exclusive_run`, which holds an
exclusive, non-blocking POSIX record lock (`lockf`) on `<state>.lock` for the whole command.

Why a record lock and not `flock`: SQLMesh 0.236.4 forks its model loaders, one per CPU. An flock
belongs to the open file, which a forked child shares, so after a kill -9 of the command during
project load the orphaned loaders kept the lock for good and every later run exited 75. A record
lock belongs to the process that took it: a forked child never holds it, and the kernel drops it
when that process ends, however it ends. The catch: a process loses its record locks when it closes
*any* descriptor of the file, so the lock file is opened here once and nowhere else in the process.

A lock held longer than ANALYTICS_RUN_LOCK_MAX_HOURS, or by a process that is not running here,
is not "try later" but "look": LockStuck, exit 69, which the systemd unit counts as a failure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from growth_analytics.exits import EXIT_LOCK_STUCK, EXIT_LOCKED, Refusal

__all__ = ["EXIT_LOCKED", "LockStuck", "RunLocked", "exclusive_run", "lock_holder", "lock_path"]

# A daily run takes minutes and a backfill after an outage hours; the systemd unit stops a run
# after 6 h (TimeoutStartSec), so a lock older than that is held by something that is not a run.
DEFAULT_MAX_HOURS = 6.0
MAX_HOURS_VARIABLE = "ANALYTICS_RUN_LOCK_MAX_HOURS"
# struct flock of Linux (x86_64 and aarch64): l_type, l_whence, l_start, l_len, l_pid, padding.
_FLOCK = "hhqqixxxx"
_HOLDER = re.compile(r"^pid (\d+), `(.*)` since (\S+)$")
# The locks this process holds (resolved path -> command).
_HELD_HERE: dict[Path, str] = {}


class RunLocked(Refusal):
    """Another process holds the warehouse's run lock."""

    exit_code = EXIT_LOCKED


class LockStuck(Refusal):
    """The run lock has been held too long, or by a process that is not running on this machine."""

    exit_code = EXIT_LOCK_STUCK


def lock_path(anchor: Path) -> Path:
    return anchor.with_name(anchor.name + ".lock")


@dataclass(frozen=True)
class Holder:
    pid: int  # as the kernel reports it; 0 when the holder is outside this machine's view
    command: str | None  # what the holder wrote into the file, when it is the same process
    since: dt.datetime | None

    def describe(self) -> str:
        what = f"`{self.command}`" if self.command else "a process"
        when = f" since {self.since.isoformat(timespec='seconds')}" if self.since else ""
        return f"pid {self.pid}, {what}{when}"


def lock_holder(handle) -> Holder | None:
    """Who holds the record lock on the open lock file (F_GETLK: the kernel's answer, not the
    file's text), with the command and start time it wrote when the text is its own."""
    query = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(handle, fcntl.F_GETLK, query))
    if kind == fcntl.F_UNLCK:
        return None
    handle.seek(0)
    match = _HOLDER.match(handle.read().strip())
    if match and int(match.group(1)) == pid:
        return Holder(pid, match.group(2), dt.datetime.fromisoformat(match.group(3)))
    return Holder(pid, None, None)  # the holder has not written its line yet


def running_here(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def max_hours(env: dict[str, str] | None = None) -> float:
    """ANALYTICS_RUN_LOCK_MAX_HOURS (checked by growth_analytics.variables), else 6."""
    value = (os.environ if env is None else env).get(MAX_HOURS_VARIABLE, "")
    return float(value) if value else DEFAULT_MAX_HOURS


def refusal(path: Path, holder: Holder, command: str, now: dt.datetime) -> Refusal:
    """RunLocked for a run in progress; LockStuck for one that has to be looked at."""
    if holder.pid and not running_here(holder.pid):
        return LockStuck(
            f"the run lock {path} is held by pid {holder.pid}, which is not running on this "
            "machine (a lock file on a shared file system?); not starting "
            f"`{command}`. Stop that process where it runs, or move the lock file's folder to a "
            "local disk"
        )
    limit = max_hours()
    if holder.since is not None and (now - holder.since) > dt.timedelta(hours=limit):
        hours = (now - holder.since).total_seconds() / 3600
        return LockStuck(
            f"the run lock {path} has been held for {hours:.1f} h ({holder.describe()}), longer "
            f"than {MAX_HOURS_VARIABLE}={limit:g}; not starting `{command}`. If pid {holder.pid} "
            f"is stuck, stop it (kill {holder.pid}): its lock goes with it"
        )
    return RunLocked(
        f"another pipeline run holds {path} ({holder.describe()}); not starting `{command}`. "
        "Only one process may write the warehouse at a time."
    )


@contextlib.contextmanager
def exclusive_run(anchor: Path, command: str) -> Iterator[Path]:
    """Hold the run lock beside `anchor` for the block, or raise at once: RunLocked naming the
    holder, LockStuck when the holder has to be looked at."""
    path = lock_path(anchor)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    if key in _HELD_HERE:
        # Record locks do not exclude their own process, and a second descriptor's close would
        # drop the first one's lock: the process keeps its own count.
        holder = Holder(os.getpid(), _HELD_HERE[key], None)
        raise refusal(path, holder, command, dt.datetime.now(dt.UTC))
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lifetime of the lock
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            now = dt.datetime.now(dt.UTC)
            holder = lock_holder(handle) or Holder(0, None, None)
            raise refusal(path, holder, command, now) from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()}, `{command}` since {started}\n")
        handle.flush()
        _HELD_HERE[key] = command
        try:
            yield path
        finally:
            del _HELD_HERE[key]
    finally:
        handle.close()  # the process's record lock goes with its descriptor
