"""What Linux's /proc says about other processes: enough to tell whether a gunicorn left behind
is still serving, stop its process group, and name the process that holds a port.

A process this user may not inspect is skipped: it is nobody's to stop here.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"  # the TCP state in /proc/net/tcp


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    group: int
    state: str  # "Z" for a zombie: ended, not yet reaped by its parent
    started: int  # clock ticks after boot: with the pid, names one process even once pids wrap
    command: str


def process(pid: int) -> Process | None:
    """The process, or None when it has ended (or is not visible)."""
    try:
        # The command name in parentheses may hold spaces and parentheses: split after the last.
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        command = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return Process(
        pid=pid,
        parent=int(fields[1]),
        group=int(fields[2]),
        state=fields[0],
        started=int(fields[19]),
        command=command.strip(),
    )


def running_processes() -> list[Process]:
    """Every live process (zombies left out: they have ended)."""
    every = (process(int(path.name)) for path in PROC.glob("[0-9]*"))
    return [found for found in every if found is not None and found.state != "Z"]


def working_directory(pid: int) -> Path | None:
    try:
        return Path(os.readlink(PROC / str(pid) / "cwd"))
    except OSError:
        return None


def listening_sockets(port: int) -> set[str] | None:
    """The inodes of the sockets listening on a TCP port (IPv4 or IPv6), or None when /proc/net
    cannot be read."""
    inodes, readable = set(), False
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        readable = True
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if readable else None


def listening_pids(port: int) -> set[int] | None:
    """The processes holding a socket that listens on the port (a forking server's children
    hold it too), or None when /proc cannot tell."""
    inodes = listening_sockets(port)
    if inodes is None:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    pids = set()
    for fd_dir in PROC.glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in wanted for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:
            continue
    return pids


def group_members(group: int) -> list[Process]:
    return [found for found in running_processes() if found.group == group]


def stop_group(group: int, timeout: float = 30.0) -> None:
    """SIGTERM to a process group, SIGKILL to what is left of it after timeout seconds; returns
    once none of it runs. Its processes are not this one's children, so they are watched in
    /proc rather than waited for."""
    for signum, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not group_members(group):
                return
            time.sleep(0.2)
