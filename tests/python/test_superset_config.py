"""superset_config.py on its own, loaded by Superset's Python as Superset loads it, without a
Superset server: DuckDB engines made past Superset (the connection listener alone), the mutator's
output, many threads connecting to one file at once, and the telemetry settings. The same
configuration in a running Superset is tested in test_superset.py.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from growth_analytics.dashboards.server import CONFIG_PATH, SUPERSET_VENV

pytestmark = pytest.mark.server

LOCKED = "File system LocalFileSystem has been disabled by configuration"
PRELUDE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
config = importlib.util.module_from_spec(spec)
spec.loader.exec_module(config)
from sqlalchemy import create_engine, text
from sqlalchemy.engine.url import make_url
from sqlalchemy.pool import NullPool


def attempt(engine, sql):
    try:
        with engine.connect() as connection:
            return {"rows": [list(row) for row in connection.execute(text(sql)).fetchall()]}
    except Exception as exc:
        return {"error": str(exc).splitlines()[0]}
"""


def run_in_superset(tmp_path: Path, body: str, *args: str, serving: str | None = None) -> dict:
    """Run PRELUDE + body with Superset's Python (the config loaded as `config`); the JSON the
    body prints. The serving file, the one DuckDB file the configuration lets an engine of
    Superset's open, is the `files` fixture's database unless given ("": none)."""
    assert (SUPERSET_VENV / "bin" / "python").exists(), "run make superset-venv"
    script = tmp_path / "script.py"
    script.write_text(PRELUDE + textwrap.dedent(body))
    env = {
        "SUPERSET_HOME": str(tmp_path),
        "SUPERSET_SECRET_KEY": "not-a-secret",
        "HOME": str(tmp_path),
    }
    serving = str(tmp_path / SERVED) if serving is None else serving
    if serving:
        env["GROWTH_ANALYTICS_SERVING_FILE"] = serving
    done = subprocess.run(
        [str(SUPERSET_VENV / "bin" / "python"), str(script), str(CONFIG_PATH), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


SERVED = "served.duckdb"


@pytest.fixture
def files(tmp_path) -> dict[str, str]:
    """A DuckDB file with a table (the serving file), and a CSV file no connection may read."""
    database = tmp_path / SERVED
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE SCHEMA analytics")
        connection.execute("CREATE TABLE analytics.t AS SELECT range AS a FROM range(1000)")
    secret = tmp_path / "secret.csv"
    secret.write_text("secret\nonly the server's user may read this\n")
    return {"database": str(database), "secret": str(secret)}


def test_a_duckdb_engine_made_past_superset_is_locked_or_refused(tmp_path, files):
    """create_engine without the mutator, as code that bypasses Superset's Database model would:
    an open connection is locked by the listener; one already locked by its own settings (the
    local file system still on) is refused."""
    result = run_in_superset(
        tmp_path,
        """
        database, secret = sys.argv[2], sys.argv[3]
        opened = create_engine(
            "duckdb:///:memory:?enable_external_access=true", poolclass=NullPool
        )
        locked_by_entry = create_engine(
            "duckdb:///:memory:",
            poolclass=NullPool,
            connect_args={"config": {"enable_external_access": False, "lock_configuration": True}},
        )
        writable = create_engine(f"duckdb:///{database}", poolclass=NullPool)
        print(json.dumps({
            "open": attempt(opened, "SELECT 1 AS a"),
            "open_read": attempt(opened, f"SELECT * FROM read_csv('{secret}')"),
            "open_unlock": attempt(opened, "SET enable_external_access = true"),
            "locked_by_entry": attempt(locked_by_entry, "SELECT 1 AS a"),
            "file": attempt(writable, "SELECT count(*) FROM analytics.t"),
            "file_copy": attempt(writable, f"COPY analytics.t TO '{database}.wal'"),
        }))
        """,
        files["database"],
        files["secret"],
    )
    assert result["open"] == {"rows": [[1]]}
    assert LOCKED in result["open_read"]["error"]
    assert "the configuration has been locked" in result["open_unlock"]["error"]
    assert "DuckDB connection refused by superset_config.py" in result["locked_by_entry"]["error"]
    assert "the local file system is not disabled" in result["locked_by_entry"]["error"]
    assert result["file"] == {"rows": [[1000]]}
    assert LOCKED in result["file_copy"]["error"]
    assert not Path(f"{files['database']}.wal").exists()


def test_the_mutator_replaces_what_a_duckdb_entry_says(tmp_path, files):
    result = run_in_superset(
        tmp_path,
        """
        database, secret = sys.argv[2], sys.argv[3]
        given = {
            "connect_args": {
                "read_only": False,
                "preload_extensions": ["httpfs"],
                "config": {
                    "enable_external_access": True,
                    "temp_directory": "/etc",
                    "threads": 1,
                    "custom_user_agent": "apache-superset",
                },
            },
            "poolclass": NullPool,
        }
        outcome = {}
        for name, uri in (
            ("file", f"duckdb:///{database}?enable_external_access=true&lock_configuration=false"),
            ("memory", "duckdb:///:memory:?temp_directory=/etc"),
            ("bigquery", "bigquery://project?location=EU"),
        ):
            try:
                url, params = config.DB_CONNECTION_MUTATOR(make_url(uri), given, None, None, None)
            except config.DatabaseEntryRefused as refused:
                outcome[name] = {"refused": str(refused)}
                continue
            outcome[name] = {"url": str(url), "connect_args": params["connect_args"]}
            if name != "bigquery":
                engine = create_engine(url, **params)
                outcome[name]["read"] = attempt(engine, f"SELECT * FROM read_csv('{secret}')")
                outcome[name]["threads"] = attempt(engine, "SELECT current_setting('threads')")
        print(json.dumps(outcome))
        """,
        files["database"],
        files["secret"],
    )
    kept = {"enable_external_access": False, "threads": 1, "custom_user_agent": "apache-superset"}
    assert result["file"]["url"] == f"duckdb:///{files['database']}"
    assert result["file"]["connect_args"] == {"config": kept, "read_only": True}
    assert LOCKED in result["file"]["read"]["error"], result["file"]
    assert result["file"]["threads"] == {"rows": [[1]]}
    # An in-memory DuckDB is not the serving file: no engine at all (one made past Superset is
    # locked by the connection listener, test_a_duckdb_engine_made_past_superset_is_locked...).
    assert result["memory"] == {
        "refused": "connection refused by superset_config.py: a DuckDB entry must open the "
        f"serving file {files['database']} and nothing else, not :memory:"
    }
    # Not DuckDB: untouched.
    assert result["bigquery"]["url"] == "bigquery://project?location=EU"
    assert result["bigquery"]["connect_args"]["preload_extensions"] == ["httpfs"]


def test_the_mutator_opens_the_serving_file_and_bigquery_and_nothing_else(tmp_path, files):
    """Every engine Superset makes goes through the mutator: the serving file, under any name
    that resolves to it, and BigQuery pass; another DuckDB file (the warehouse), memory and
    other dialects (shillelagh opens the files a query names) are refused, and so is every
    DuckDB file when Superset was not told the serving file."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    (tmp_path / "link.duckdb").symlink_to(files["database"])
    uris = {
        "serving": f"duckdb:///{files['database']}",
        "serving, relative": f"duckdb:///{SERVED}",
        "serving, through ..": f"duckdb:///{tmp_path}/../{tmp_path.name}/{SERVED}",
        "serving, through a link": f"duckdb:///{tmp_path}/link.duckdb",
        "bigquery": "bigquery://project?location=EU",
        "warehouse": f"duckdb:///{warehouse}",
        "memory": "duckdb:///:memory:",
        "empty": "duckdb://",
        "shillelagh": "shillelagh+sqlglot://",
        "sqlite": f"sqlite:///{files['database']}",
    }
    body = """
        outcome = {}
        for name, uri in json.loads(sys.argv[2]).items():
            try:
                url, params = config.DB_CONNECTION_MUTATOR(make_url(uri), {}, None, None, None)
            except config.DatabaseEntryRefused as refused:
                outcome[name] = str(refused)
                continue
            if name.startswith("serving"):
                engine = create_engine(url, poolclass=NullPool, **params)
                outcome[name] = attempt(engine, "SELECT count(*) FROM analytics.t")
            else:
                outcome[name] = "made"
        print(json.dumps(outcome))
        """
    told = run_in_superset(tmp_path, body, json.dumps(uris))
    for name in ("serving", "serving, relative", "serving, through ..", "serving, through a link"):
        assert told[name] == {"rows": [[1000]]}, (name, told[name])
    assert told["bigquery"] == "made"
    refused = "connection refused by superset_config.py: "
    for name, shown in (
        ("warehouse", str(warehouse)),
        ("memory", ":memory:"),
        ("empty", ":memory:"),
    ):
        assert told[name] == (
            f"{refused}a DuckDB entry must open the serving file {files['database']} and "
            f"nothing else, not {shown}"
        ), told[name]
    for name, driver in (("shillelagh", "shillelagh+sqlglot"), ("sqlite", "sqlite")):
        assert told[name] == f"{refused}only duckdb and bigquery entries are allowed, not {driver}"

    untold = run_in_superset(tmp_path, body, json.dumps(uris), serving="")
    for name in ("serving", "warehouse", "memory"):
        assert untold[name] == (
            f"{refused}no DuckDB entry is allowed: GROWTH_ANALYTICS_SERVING_FILE is not set"
        ), untold[name]
    assert untold["bigquery"] == "made"


def test_connections_opened_at_once_to_one_file_are_all_locked(tmp_path, files):
    """gunicorn's threads open connections to the served file at the same moment, and DuckDB
    shares one instance among them: every connection answers, none is refused, none reads a
    file."""
    result = run_in_superset(
        tmp_path,
        """
        import collections, threading
        database, secret = sys.argv[2], sys.argv[3]
        url, params = config.DB_CONNECTION_MUTATOR(
            make_url(f"duckdb:///{database}"), {"poolclass": NullPool}, None, None, None
        )
        threads, rounds = 8, 150
        barrier = threading.Barrier(threads)
        outcomes = collections.Counter()

        def work():
            for _ in range(rounds):
                engine = create_engine(url, **params)
                barrier.wait(timeout=60)
                answer = attempt(engine, "SELECT count(*) FROM analytics.t")
                outcomes[json.dumps(answer)] += 1

        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        read = attempt(create_engine(url, **params), f"SELECT * FROM read_csv('{secret}')")
        print(json.dumps({"outcomes": outcomes, "read": read}))
        """,
        files["database"],
        files["secret"],
    )
    assert result["outcomes"] == {json.dumps({"rows": [[1000]]}): 1200}
    assert LOCKED in result["read"]["error"]


def test_telemetry_settings(tmp_path):
    """The Content Security Policy allows nothing from another host but theme fonts, so the
    browser blocks Scarf's pixel and Mapbox's events; Talisman cannot be switched off by its
    environment variable."""
    result = run_in_superset(
        tmp_path,
        """
        print(json.dumps({
            "enabled": config.TALISMAN_ENABLED,
            "policy": config.TALISMAN_CONFIG["content_security_policy"],
        }))
        """,
    )
    policy = result["policy"]
    assert result["enabled"] is True
    assert policy["img-src"] == ["'self'", "blob:", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert "scarf" not in json.dumps(policy) and "mapbox" not in json.dumps(policy)
    fonts = {"https://fonts.googleapis.com", "https://fonts.gstatic.com"}
    assert fonts <= set(policy["font-src"])


def test_the_theme_is_superset_s_default_with_the_axis_label_margin(tmp_path):
    """Both themes keep every token of Superset's own and add the ECharts override that moves
    the date labels off the y axis's lowest label and apart (screenshots show the effect)."""
    result = run_in_superset(
        tmp_path,
        """
        import superset.config as defaults
        print(json.dumps({
            name: {
                "missing": sorted(set(getattr(defaults, name)["token"]) - set(theme["token"])),
                "changed": sorted(
                    key for key, value in getattr(defaults, name)["token"].items()
                    if theme["token"].get(key) != value
                ),
                "algorithm": theme["algorithm"] == getattr(defaults, name)["algorithm"],
                "overrides": theme["token"].get("echartsOptionsOverrides"),
            }
            for name, theme in (
                ("THEME_DEFAULT", config.THEME_DEFAULT),
                ("THEME_DARK", config.THEME_DARK),
            )
        }))
        """,
    )
    for theme in result.values():
        assert theme["missing"] == [] and theme["changed"] == [] and theme["algorithm"]
        assert theme["overrides"] == {"xAxis": {"axisLabel": {"margin": 14, "padding": [0, 8]}}}
