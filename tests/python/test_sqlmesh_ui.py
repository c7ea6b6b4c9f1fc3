"""The editor front ends SQLMesh 0.236.4 ships, started for real on this project: the browser UI
(`sqlmesh ui`, from the `web` extra; deprecated upstream in favour of the VS Code extension) and the
language server the VS Code extension runs (`sqlmesh_lsp`, from the `lsp` extra).

Neither needs a built warehouse: both only load the project (config, models, macros). Measured on
0.236.4: `/api/models` lists every model with ANALYTICS_WAREHOUSE pointing at a file that does not
exist, and does not create it. So the tests point both at an empty, throw-away warehouse path and
never touch data/. All traffic goes to 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import BIN, PROJECT_ROOT, Pipeline, model_files

pytestmark = pytest.mark.server

STARTUP_TIMEOUT_S = 120  # until the UI answers HTTP / the language server answers `initialize`
MODELS_TIMEOUT_S = 180  # /api/models loads the whole project on first call (about 30 s cold here)
STOP_TIMEOUT_S = 15  # SIGTERM, then SIGKILL the process group

# Never send these requests through a proxy configured in the environment.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def expected_models() -> dict[str, str]:
    """Model name -> file (relative to the project) that the UI should report, read from the files
    themselves: the `name` in each SQL file's MODEL block (blueprints expanded)."""
    found = {
        name: path.relative_to(PROJECT_ROOT).as_posix() for name, (path, _) in model_files().items()
    }
    assert "raw.landed_events" in found, found
    assert "intermediate.int_retention_cells_week" in found, found
    return found


def model_type(path: str) -> str:
    """The type the UI gives a model file: a seed model (kind SEED) is a "source" there."""
    if path.endswith(".py"):
        return "python"
    text = (PROJECT_ROOT / path).read_text()
    return "source" if re.search(r"\bkind\s+SEED\b", text, re.IGNORECASE) else "sql"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no output)"


def stop(proc: subprocess.Popen) -> None:
    """Stop the process and everything it started (it leads its own session)."""
    if proc.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT_S)
            return


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen]]:
    """Popen in a new session; every process started is stopped at teardown, whatever happened."""
    started: list[subprocess.Popen] = []

    def start(cmd: list[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, start_new_session=True, **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop(proc)


def get(url: str, timeout: float) -> tuple[int, str, bytes]:
    try:
        with HTTP.open(url, timeout=timeout) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


def test_sqlmesh_ui_starts_and_lists_the_projects_models(
    make_pipeline: Callable[..., Pipeline], spawn, tmp_path: Path, record_property
) -> None:
    pipeline = make_pipeline("ui")  # empty landing folder; the warehouse file does not exist
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "ui.log"
    cmd = [str(BIN / "sqlmesh"), "--paths", str(PROJECT_ROOT), "ui", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        started = time.monotonic()
        proc = spawn(
            [*cmd, "--port", str(port)],
            env=pipeline.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    deadline = started + STARTUP_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"sqlmesh ui exited {proc.returncode} before answering:\n{tail(log)}")
        with contextlib.suppress(OSError):
            if get(f"{base}/health", timeout=5)[0] == 200:
                break
        if time.monotonic() > deadline:
            pytest.fail(f"sqlmesh ui did not answer within {STARTUP_TIMEOUT_S} s:\n{tail(log)}")
        time.sleep(0.5)
    startup_s = time.monotonic() - started

    status, content_type, body = get(f"{base}/", timeout=30)
    assert status == 200, body[:500]
    assert content_type.startswith("text/html"), content_type
    assert b"<html" in body.lower(), body[:500]

    before = time.monotonic()
    status, content_type, body = get(f"{base}/api/models", timeout=MODELS_TIMEOUT_S)
    models_s = time.monotonic() - before
    assert status == 200, f"{body[:2000]!r}\n{tail(log)}"
    assert content_type.startswith("application/json"), content_type
    listed = {model["name"]: model for model in json.loads(body)}

    expected = expected_models()
    assert not set(expected) - set(listed), f"not listed: {sorted(set(expected) - set(listed))}"
    for name, path in expected.items():
        assert listed[name]["path"] == path, (name, listed[name]["path"])
        assert listed[name]["type"] == model_type(path), name

    # Listing models opens no connection: an open UI does not hold the DuckDB file.
    assert not pipeline.warehouse.exists()

    record_property("ui_startup_s", round(startup_s, 1))
    record_property("ui_models_s", round(models_s, 1))
    print(f"sqlmesh ui answered HTTP after {startup_s:.1f} s; /api/models took {models_s:.1f} s")
    assert "deprecated" in tail(log), tail(log)  # the upstream warning, pointing to VS Code


class LspClient:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdin/stdout."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.received: queue.Queue[dict | None] = queue.Queue()
        self.notifications: list[dict] = []
        threading.Thread(target=self._read, args=(proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                headers: dict[str, str] = {}
                while (line := stream.readline()) not in (b"\r\n", b""):
                    key, _, value = line.decode().partition(":")
                    headers[key.strip().lower()] = value.strip()
                if not line:
                    return
                self.received.put(json.loads(stream.read(int(headers["content-length"]))))
        finally:
            self.received.put(None)  # end of stream

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, id_: int, method: str, params: Any, timeout: float) -> dict:
        self.send({"id": id_, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.received.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no answer to {method} within {timeout} s") from None
            if message is None:
                raise EOFError(f"the server closed its output before answering {method}")
            if message.get("id") == id_ and "method" not in message:
                return message
            self.notifications.append(message)


def test_sqlmesh_lsp_answers_initialize(
    make_pipeline: Callable[..., Pipeline], spawn, tmp_path: Path, record_property
) -> None:
    pipeline = make_pipeline("lsp")
    log = tmp_path / "lsp.log"  # the server logs at DEBUG on stderr; stdout is the protocol
    with log.open("wb") as err:
        started = time.monotonic()
        proc = spawn(
            [str(BIN / "sqlmesh_lsp")],
            env=pipeline.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    client = LspClient(proc)
    root = PROJECT_ROOT.as_uri()
    try:
        answer = client.request(
            1,
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root,
                # 0.236.4 loads the project at initialize only from workspaceFolders.
                "workspaceFolders": [{"uri": root, "name": PROJECT_ROOT.name}],
                "capabilities": {},
            },
            timeout=STARTUP_TIMEOUT_S,
        )
    except (TimeoutError, EOFError) as e:
        pytest.fail(f"{e}; exit code {proc.poll()}\n{tail(log)}")
    startup_s = time.monotonic() - started

    assert "error" not in answer, answer
    capabilities = answer["result"]["capabilities"]
    assert capabilities.get("documentFormattingProvider"), capabilities
    messages = [
        n["params"]["message"] for n in client.notifications if n["method"] == "window/showMessage"
    ]
    assert "Loaded SQLMesh Context" in messages, (messages, tail(log))

    assert not pipeline.warehouse.exists()  # loading the project opens no connection

    client.send({"method": "initialized", "params": {}})
    shutdown = client.request(2, "shutdown", None, timeout=30)
    assert "error" not in shutdown, shutdown
    client.send({"method": "exit"})
    assert proc.wait(timeout=STOP_TIMEOUT_S) == 0, tail(log)

    record_property("lsp_initialize_s", round(startup_s, 1))
    print(f"sqlmesh_lsp answered initialize (project loaded) after {startup_s:.1f} s")
