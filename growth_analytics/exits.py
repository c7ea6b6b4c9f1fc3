"""Every exit code of `growth-analytics`, and the exceptions that end a command with one.

A command that cannot do its job prints one line, `error: <why, and what to do>`, and exits with
the code of its exception (growth_analytics.cli.main). docs/operations.md shows the same table,
and the systemd unit counts EXIT_LOCKED alone as success beside 0: tests/python/test_exit_codes.py
keeps the three in step. Codes above 2 follow sysexits.h where one fits.
"""

from __future__ import annotations

# Done, or nothing to do (no landing day has arrived yet).
EXIT_OK = 0
# SQLMesh failed: a model, a blocking audit, a plan's unit tests. SQLMesh's own log says which.
EXIT_FAILED = 1
# A setting or an argument cannot work (a date that is not one, an end day no file supports).
EXIT_SETTING = 2
# The warehouse was updated but the serving file could not be; the old one is still served.
EXIT_PUBLISH_FAILED = 3
# EX_DATAERR: the landing folder cannot be read as landing files (missing, a file, a file type the
# readers do not take, a landing day that has not happened yet).
EXIT_LANDING = 65
# EX_UNAVAILABLE: the run lock is stuck (held longer than ANALYTICS_RUN_LOCK_MAX_HOURS, or by a
# process that is gone); retrying will not help until someone looks.
EXIT_LOCK_STUCK = 69
# EX_IOERR: a file could not be created or written (a read-only folder, a full disk).
EXIT_IO_ERROR = 74
# EX_TEMPFAIL: another process holds the run lock or SQLMesh's state; the next tick tries again.
EXIT_LOCKED = 75
# EX_CONFIG: production needs someone to apply a reviewed plan (none yet, an interrupted one, or
# settings that differ from production's); retrying will not help.
EXIT_NEEDS_PLAN = 78

# Exit codes a scheduler may count as success: the command did nothing and the next tick will do
# it (deploy/systemd/growth-analytics.service, SuccessExitStatus).
RETRY_LATER = (EXIT_LOCKED,)


class Refusal(RuntimeError):
    """A command that cannot do its job; the message is the one line it prints."""

    exit_code = EXIT_FAILED


class NeedsPlan(Refusal):
    """Production does not exist, a plan applying to it was interrupted, or the settings its models
    were planned with differ from this machine's."""

    exit_code = EXIT_NEEDS_PLAN


class LandingRefused(Refusal):
    """The landing folder holds something no run may read as it is (a day in the future)."""

    exit_code = EXIT_LANDING


class DiskFull(Refusal):
    """A write failed for want of space (DuckDB's 'No space left on device')."""

    exit_code = EXIT_IO_ERROR
