"""The local BigQuery API emulator (local-bigquery, bigquery_emulator/launcher.py) as the tests
start it: a fresh one for each module that uses it (conftest.py's `emulator` fixture)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import stop_process_group

PROJECT_ROOT = Path(__file__).resolve().parents[3]
EMULATOR_PYTHON = PROJECT_ROOT / ".venv" / "bigquery-emulator" / "bin" / "python"
LAUNCHER = PROJECT_ROOT / "bigquery_emulator" / "launcher.py"
# The emulator's default project; a module that writes datasets uses a project of its own.
DEFAULT_PROJECT = "test-project"


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Emulator:
    url: str
    log: Path
    started_in: float

    def client(self, project: str = DEFAULT_PROJECT):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.url},
        )

    def rows(
        self, sql: str, project: str = DEFAULT_PROJECT
    ) -> tuple[list[tuple[str, str]], list[tuple]]:
        """(column name, BigQuery type) and the rows of a query, over the REST API only."""
        result = self.client(project).query(sql).result()
        columns = [(f.name, f.field_type) for f in result.schema]
        # row[:] is the row's own tuple of values; Row.values() deep-copies it, which took a fifth
        # of the time test_bigquery_emulator.py spent reading tables (google-cloud-bigquery 3.47).
        rows = [tuple(row[:]) for row in result]
        return columns, rows


@contextlib.contextmanager
def running_emulator(root: Path, check_patches: bool = False) -> Iterator[Emulator]:
    """The emulator on free ports of 127.0.0.1 for the length of the block. With check_patches
    (or BIGQUERY_EMULATOR_CHECK_PATCHES=1 in the tests' environment), the launcher's faster
    catalog lookups are compared with local-bigquery's own at every call (launcher.py)."""
    check = check_patches or os.environ.get("BIGQUERY_EMULATOR_CHECK_PATCHES") == "1"
    port, grpc_port = free_ports(2)
    log = root / "emulator.log"
    began = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(EMULATOR_PYTHON),
                str(LAUNCHER),
                "--home",
                str(root / "home"),
                "--data-dir",
                str(root / "data"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--grpc-port",
                str(grpc_port),
                "--project",
                DEFAULT_PROJECT,
            ],
            # Its settings read unprefixed variables (DATA_DIR, CALLER, ...): give it a clean slate.
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "LANG": "C.UTF-8",
                **({"BIGQUERY_EMULATOR_CHECK_PATCHES": "1"} if check else {}),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/bigquery/v2/projects/{DEFAULT_PROJECT}/datasets", process, log)
        yield Emulator(url=url, log=log, started_in=time.monotonic() - began)
    finally:
        stop_process_group(process)


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    # Straight to 127.0.0.1, whatever proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the emulator exited with {process.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the emulator did not answer {url} within {timeout:.0f}s:\n{log.read_text()}")
