"""Run Apache Superset for the dashboards: its own virtual environment, a home folder with the
SQLite metadata and a generated secret key (never in git), readable by its owner only, an admin
whose password comes from the environment (and reaches Superset on standard input, never on a
command line), the import of the bundle and gunicorn on 127.0.0.1, which a later start stops if
it was left behind.

Superset lives in .venv/superset (make superset-venv): it cannot share SQLMesh's environment.
Everything here drives its `superset` and `gunicorn` commands as subprocesses.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from growth_analytics import PROJECT_ROOT
from growth_analytics.dashboards import processes

SUPERSET_VENV = PROJECT_ROOT / ".venv" / "superset"
CONFIG_PATH = PROJECT_ROOT / "superset_config" / "superset_config.py"
DEFAULT_HOME = PROJECT_ROOT / "data" / "superset"
DEFAULT_PORT = 8088
# Upgrade, init, admin, viewer role and import, in one Superset process (each pays ~5 s of app
# start-up).
SETUP_SCRIPT = Path(__file__).with_name("superset_setup.py")


class SupersetError(RuntimeError):
    """A Superset command failed; the message carries its output."""


# Superset's home holds its secret key, the admin password and the metadata with every user's
# password hash: readable by its owner only. The children run with this umask, so that what
# Superset writes there (superset.db and its journal) is born private.
PRIVATE_UMASK = 0o077
# What Superset and this module write in the home, made private again on every start, since a
# home made before (or by hand) may hold them readable by everyone.
HOME_FILES = (
    "superset.db*",
    "superset.log*",
    "secret_key",
    "admin_password",
    "gunicorn.log",
    "gunicorn-*.pid",
)


def private_file(path: Path, make: callable) -> str:
    """The content of a file readable only by its owner, written by make() the first time."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


@dataclass(frozen=True)
class Superset:
    home: Path = DEFAULT_HOME
    admin_user: str = "admin"
    password: str | None = None  # else SUPERSET_ADMIN_PASSWORD, else generated
    # The serving file, the one DuckDB file superset_config.py lets an entry open; with None,
    # no DuckDB entry can be saved or connected to.
    serving: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, serving: Path | None = None) -> Superset:
        env = os.environ if env is None else env
        home = Path(env.get("ANALYTICS_SUPERSET_HOME", str(DEFAULT_HOME))).expanduser()
        return cls(
            home=home if home.is_absolute() else PROJECT_ROOT / home,
            admin_user=env.get("SUPERSET_ADMIN_USER", "admin"),
            serving=serving,
        )

    @property
    def bin(self) -> Path:
        if not (SUPERSET_VENV / "bin" / "superset").exists():
            raise SupersetError(
                f"Superset is not installed in {SUPERSET_VENV}: run make superset-venv"
            )
        return SUPERSET_VENV / "bin"

    def secret_key(self) -> str:
        return private_file(self.home / "secret_key", lambda: secrets.token_urlsafe(48))

    def admin_password(self) -> str:
        """SUPERSET_ADMIN_PASSWORD, or a generated one kept in <home>/admin_password."""
        given = self.password or _taken_password or os.environ.get("SUPERSET_ADMIN_PASSWORD")
        if given:
            if given == "admin" or len(given) < 8:
                raise SupersetError(
                    "SUPERSET_ADMIN_PASSWORD must be at least 8 characters, not admin"
                )
            return given
        return private_file(self.home / "admin_password", lambda: secrets.token_urlsafe(18))

    def make_private(self) -> None:
        """The home 0700 and Superset's files in it 0600, whoever made them."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.home.chmod(0o700)
        for pattern in HOME_FILES:
            for path in self.home.glob(pattern):
                if path.is_file() and not path.is_symlink():
                    path.chmod(0o600)

    def env(self) -> dict[str, str]:
        # The admin password reaches the one command that sets it on its standard input; the
        # others, gunicorn for its whole life, have no need of it.
        dropped = ("VIRTUAL_ENV", "PYTHON", "SUPERSET_ADMIN_PASSWORD")
        env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
        env.update(
            SUPERSET_HOME=str(self.home),
            SUPERSET_CONFIG_PATH=str(CONFIG_PATH),
            SUPERSET_SECRET_KEY=self.secret_key(),
            FLASK_APP="superset.app:create_app()",
            PATH=f"{SUPERSET_VENV / 'bin'}:{env.get('PATH', '')}",
        )
        if self.serving is not None:
            env["GROWTH_ANALYTICS_SERVING_FILE"] = str(self.serving.resolve())
        return env

    def command(self, program: str, *args: str, stdin: str | None = None) -> str:
        """Run one of the Superset environment's programs in the home; its output, or an error
        carrying it."""
        self.make_private()
        done = subprocess.run(
            [str(self.bin / program), *args],
            cwd=self.home,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            umask=PRIVATE_UMASK,
        )
        if done.returncode != 0:
            raise SupersetError(
                f"{program} {' '.join(args[:1])} exited {done.returncode}:\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout + done.stderr

    def superset(self, *args: str) -> str:
        return self.command("superset", *args)

    def initialise(self, bundle: bytes | None = None) -> None:
        """Metadata database, Superset's roles and the project's (the dashboard viewer), the
        admin user with its password, then the bundle's import if one is given; one Superset
        process, safe to repeat."""
        # The viewer may read the project's database once an import has created it (the
        # import grants it too).
        self.setup(
            "--init", self.admin_user, "--databases", *project_database_uuids(), bundle=bundle
        )

    def import_bundle(self, bundle: bytes) -> None:
        """Import (and overwrite) every dashboard, chart, dataset and database of the bundle."""
        self.setup("--user", self.admin_user, bundle=bundle)

    def setup(self, *args: str, bundle: bytes | None = None) -> str:
        """superset_setup.py with these arguments, and --import of the bundle if one is given;
        the admin password on its standard input when it initialises."""
        self.make_private()
        stdin = self.admin_password() if "--init" in args else None
        with ExitStack() as files:
            if bundle is not None:
                handle = files.enter_context(
                    tempfile.NamedTemporaryFile(suffix=".zip", dir=self.home)
                )
                handle.write(bundle)
                handle.flush()
                args = (*args, "--import", handle.name)
            output = self.command("python", str(SETUP_SCRIPT), *args, stdin=stdin)
        self.make_private()
        return output

    def export_bundle(self) -> bytes:
        """Every dashboard (with its charts, datasets and database) as Superset exports it."""
        self.make_private()
        with tempfile.TemporaryDirectory(dir=self.home) as folder:
            target = Path(folder) / "export.zip"
            self.superset("export-dashboards", "-f", str(target))
            return target.read_bytes()

    def pid_file(self, port: int) -> Path:
        return self.home / f"gunicorn-{port}.pid"

    def stop_left_behind(self) -> None:
        """Stop every gunicorn of this home whose command is gone (killed with SIGKILL, which
        it cannot pass on): it would go on serving, holding its port, with nobody to stop it.
        One that its command still runs is left alone. Says so in one line each."""
        for path in sorted(self.home.glob("gunicorn-*.pid")):
            try:
                record = json.loads(path.read_text())
                found = processes.process(record["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                found, record = None, {}
            if found is None or found.state == "Z" or found.started != record.get("started"):
                path.unlink(missing_ok=True)  # ended; its pid may belong to another process now
                continue
            if found.parent == record["owner"]:
                continue
            print(
                f"stopping the Superset server left behind on port {record['port']}: gunicorn "
                f"pid {found.pid}, whose command (pid {record['owner']}) is gone",
                flush=True,
            )
            processes.stop_group(found.group)
            path.unlink(missing_ok=True)

    def claim_port(self, port: int) -> None:
        """Make the port free for this home's gunicorn: stop a server this home left behind,
        then refuse, naming the process, when anything else listens on the port."""
        self.stop_left_behind()
        with socket.socket() as probe:
            # gunicorn binds with SO_REUSEADDR too: a port in TIME_WAIT is free for it.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                return
            except OSError:
                pass
        raise SupersetError(f"port {port} is taken by {port_holder(port)}: stop it or use --port")

    def serve(self, port: int = DEFAULT_PORT, workers: int = 2, log: Path | None = None):
        """gunicorn on 127.0.0.1:port, as a child process in its own process group, recorded in
        the home (pid_file) so that a later start finds it if it is left behind."""
        self.make_private()
        self.claim_port(port)
        log = log or self.home / "gunicorn.log"
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "ab") as out:  # the child keeps its copy
            process = subprocess.Popen(
                [
                    str(self.bin / "gunicorn"),
                    "--workers",
                    str(workers),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "superset.app:create_app()",
                ],
                cwd=self.home,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=PRIVATE_UMASK,
            )
        started = processes.process(process.pid)
        record = {
            "pid": process.pid,
            "started": started.started if started else None,
            "owner": os.getpid(),
            "port": port,
        }
        fd = os.open(self.pid_file(port), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle)
        return process

    @contextmanager
    def running(
        self, port: int, log: Path | None = None
    ) -> Iterator[tuple[str, subprocess.Popen, float]]:
        """Superset served on 127.0.0.1:port for the length of the block, stopped after it:
        (its base URL, the gunicorn process, seconds until it answered)."""
        process = self.serve(port=port, log=log)
        try:
            base_url = f"http://127.0.0.1:{port}"
            yield base_url, process, wait_until_healthy(base_url, process)
        finally:
            stop(process)
            self.pid_file(port).unlink(missing_ok=True)


_taken_password: str | None = None


def take_admin_password() -> None:
    """Move SUPERSET_ADMIN_PASSWORD out of this process's environment, which every process it
    starts inherits: croniter 7.0, imported with SQLMesh, starts `file -b <python>` as it is
    imported (platform.architecture), and a process watch caught that child holding the password.
    admin_password() reads it from here."""
    global _taken_password
    _taken_password = os.environ.pop("SUPERSET_ADMIN_PASSWORD", None) or _taken_password


def port_holder(port: int) -> str:
    """The processes listening on the port, as an error message names them: the first of each
    family (a forking server's children share its socket)."""
    pids = processes.listening_pids(port)
    if not pids:
        return "a process this user cannot see"
    holders = [processes.process(pid) for pid in sorted(pids)]
    named = [p for p in holders if p is not None and p.parent not in pids]
    return ", ".join(f"pid {p.pid} ({p.command[:80]})" for p in named) or f"pid {min(pids)}"


def project_database_uuids() -> list[str]:
    """The uuids of the database entries in superset_exports/ (the same for every target)."""
    from growth_analytics.dashboards.bundle import read_tree

    return [doc["uuid"] for name, doc in read_tree().items() if name.startswith("databases/")]


def serves(process: subprocess.Popen, port: int) -> bool:
    """Whether the process's group holds the socket listening on the port: an answer on the
    port may come from another server, when gunicorn could not bind it."""
    pids = processes.listening_pids(port)
    if pids is None:
        return True  # /proc cannot tell: the answer is taken as it comes
    groups = {found.group for found in map(processes.process, pids) if found is not None}
    return process.pid in groups


def wait_until_healthy(base_url: str, process, timeout: float = 180.0) -> float:
    """Seconds until /health answers OK from this process; fails if it dies or the time runs
    out."""
    began = time.monotonic()
    port = urllib.parse.urlsplit(base_url).port
    while time.monotonic() - began < timeout:
        if process.poll() is not None:
            raise SupersetError(f"Superset exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=5) as response:
                if response.status == 200 and serves(process, port):
                    return time.monotonic() - began
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise SupersetError(f"Superset did not answer {base_url}/health within {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (gunicorn and its workers), SIGKILL if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
