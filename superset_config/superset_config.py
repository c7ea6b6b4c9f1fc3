"""Superset configuration for this project, read by Superset through SUPERSET_CONFIG_PATH.

Every value comes from the environment that `growth-analytics superset` sets up: the metadata
database (SQLite) and the secret key live in SUPERSET_HOME, outside git.

DuckDB runs inside Superset's own processes, so a DuckDB connection that may read files can read
anything Superset can: its secret key, the metadata, /etc/passwd. The database entry alone cannot
be trusted to prevent that (an admin can add `duckdb:///:memory:` or edit an entry), so this file
enforces it at three places:

- DB_CONNECTION_MUTATOR rewrites every DuckDB engine Superset creates (SQL Lab, charts, "test
  connection", metadata browsing): the DuckDB settings come from here, not from the entry, and a
  database file is opened read-only;
- a listener on every new DBAPI connection (whatever created the engine) switches external
  access off, disables DuckDB's local file system and locks the configuration, then checks that
  this holds, and refuses the connection otherwise;
- a check before a database entry is written (API, UI, import) refuses a DuckDB entry that does
  not itself say so, so that what is stored is what runs.

Which databases Superset may reach at all is narrower still: a DuckDB entry opens the serving
file `growth-analytics superset` names in GROWTH_ANALYTICS_SERVING_FILE and nothing else (not
the warehouse, whose staging tables and SQLMesh state a query would read, and whose lock it would
hold against the pipeline; not :memory:), the only other dialect is BigQuery (shillelagh, for
one, opens the files named in a query), and no entry may switch on DML, uploads, CTAS or CVAS.
Those are refused when an entry is saved and again whenever an engine is made for it.
"""

import json
import os
import threading
from contextlib import contextmanager, suppress

from sqlalchemy import event
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.orm import object_session
from sqlalchemy.pool import Pool

SUPERSET_HOME = os.environ["SUPERSET_HOME"]
# Generated once per SUPERSET_HOME by growth_analytics.superset and kept there, never in git.
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = (
    f"sqlite:///{os.path.join(SUPERSET_HOME, 'superset.db')}?check_same_thread=false"
)
DATA_DIR = SUPERSET_HOME
# The dashboards read one local DuckDB file; nothing here needs a cache server or workers.
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
# Keep the default: SQLite and other local-file databases cannot be registered from the UI.
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Charts are read-only views of the marts: no uploads, no example data.
CSV_EXTENSIONS: set[str] = set()

# Telemetry. The 6.1.0 wheel's frontend always draws Scarf's tracking pixel
# (apachesuperset.gateway.scarf.sh) in the menu bar: its SCARF_ANALYTICS switch is read when the
# JavaScript is built, not at run time, so no setting here removes it. The browser's Content
# Security Policy is what stops it: Superset's default policy allows the Scarf hosts and
# events.mapbox.com (Mapbox GL's usage events); this one is the default without them, and
# without the map tile hosts, which no chart of this project uses. Superset's Python side sends
# nothing out. TALISMAN_ENABLED is pinned so that the TALISMAN_ENABLED environment variable
# cannot drop the policy.
TALISMAN_ENABLED = True
_FONT_HOSTS = ["fonts.googleapis.com", "fonts.gstatic.com", "use.typekit.net", "use.typekit.com"]
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        # Fonts only when an admin's theme names them (the default theme names none).
        "style-src": ["'self'", "'unsafe-inline'", *[f"https://{h}" for h in _FONT_HOSTS]],
        "font-src": ["'self'", *[f"https://{h}" for h in _FONT_HOSTS]],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}

# Every ECharts chart: the x axis labels sit 14 px below the axis instead of ECharts' 8, because
# the first date label is centred on the y axis, right under its lowest label, and touched it
# ("-150" over "2025-01-01" on the daily charts); and each label keeps 8 px clear on both sides,
# so that ECharts' hideOverlap drops a label that would touch its neighbour (the last day's date
# ran into the month before it: "2025-04-012025-04-30"). Aligning the first label to the left
# instead (alignMinLabel) works for date axes but pushes it into its neighbour on the weekly
# charts' category axes. Superset 6.1 has no per-chart control for either, but merges the theme
# token echartsOptionsOverrides into every ECharts option. The theme extends Superset's own
# default (this file is imported at the end of superset.config, which has defined it by then).
import superset.config as _SUPERSET_DEFAULTS  # noqa: E402
from superset.errors import ErrorLevel, SupersetError, SupersetErrorType  # noqa: E402
from superset.exceptions import SupersetSecurityException  # noqa: E402

_ECHARTS_OVERRIDES = {"xAxis": {"axisLabel": {"margin": 14, "padding": [0, 8]}}}


def with_echarts_overrides(theme: dict) -> dict:
    return {**theme, "token": {**theme["token"], "echartsOptionsOverrides": _ECHARTS_OVERRIDES}}


THEME_DEFAULT = with_echarts_overrides(_SUPERSET_DEFAULTS.THEME_DEFAULT)
THEME_DARK = with_echarts_overrides(_SUPERSET_DEFAULTS.THEME_DARK)

# DuckDB settings an entry may choose (resource limits; Superset's own user agent). Anything
# else it sets is dropped: temp_directory, for one, becomes a directory DuckDB may read and
# write even with external access off.
DUCKDB_KEPT_SETTINGS = frozenset({"threads", "memory_limit", "custom_user_agent"})
# What a DuckDB entry must say to be saved; the connection gets it whatever the entry says.
DUCKDB_REQUIRED_CONFIG = {"enable_external_access": False, "lock_configuration": True}
DUCKDB_PROBE_PATH = "/superset-duckdb-lockdown-probe"
# Connections to one file share one DuckDB instance within a process (gunicorn's threads).
DUCKDB_LOCKDOWN = threading.Lock()
# The one file a DuckDB entry may open: the serving file, which `growth-analytics superset`
# names here (growth_analytics/dashboards/server.py). Unset, no DuckDB entry is allowed.
SERVING_FILE_VARIABLE = "GROWTH_ANALYTICS_SERVING_FILE"
# The dialects the project needs: DuckDB for the serving file, BigQuery in production. Superset's
# own blocklist misses some that read local files (shillelagh+sqlglot opens the CSV paths a query
# names), so this is a list of what is allowed rather than another blocklist.
ALLOWED_DRIVERS = ("duckdb", "bigquery")
# Off for every entry: the dashboards only read. DML, CTAS and CVAS write into the database (on
# BigQuery, with whatever rights Superset's credentials have); uploads write files into it.
REFUSED_FLAGS = ("allow_dml", "allow_file_upload", "allow_ctas", "allow_cvas")
ENTRY_COLUMNS = ("database_name", "sqlalchemy_uri", "extra", "encrypted_extra", *REFUSED_FLAGS)


class DuckDBLockdownError(RuntimeError):
    """A DuckDB connection or database entry that could reach the file system."""


class DatabaseEntryRefused(SupersetSecurityException):
    """A database entry Superset may not use: its dialect, its file or its write flags. A
    Superset security error, so that every endpoint answers it with its message (a chart's data
    opens its engine where any other exception becomes a bare 500 page)."""

    def __init__(self, message: str) -> None:
        error_type = SupersetErrorType.DATABASE_SECURITY_ACCESS_ERROR
        super().__init__(SupersetError(message, error_type, ErrorLevel.ERROR))


class ConnectionTestRefused(RuntimeError):
    """An entry not saved yet, tested before a create or by "Test connection", that may not be
    saved. A plain error: the connection test answers it with 422 and its message, where a
    Superset security error would become a 500."""


def is_duckdb(url: URL) -> bool:
    return url.get_backend_name() == "duckdb"


def in_memory(url: URL) -> bool:
    return not url.database or url.database.startswith(":memory:")


def serving_file() -> str | None:
    """The serving file's resolved path, or None when Superset was not told it."""
    value = os.environ.get(SERVING_FILE_VARIABLE)
    return os.path.realpath(value) if value else None


def connection_problem(url: URL) -> str | None:
    """Why no engine may be made for this URL (its dialect, or the file a DuckDB one opens), or
    None. Paths are compared resolved, as DuckDB would open them from Superset's working
    directory: a symlink or `..` to the serving file is the serving file, anything else is not."""
    if url.drivername not in ALLOWED_DRIVERS:
        return f"only {' and '.join(ALLOWED_DRIVERS)} entries are allowed, not {url.drivername}"
    if not is_duckdb(url):
        return None
    serving = serving_file()
    if serving is None:
        return f"no DuckDB entry is allowed: {SERVING_FILE_VARIABLE} is not set"
    named = None if in_memory(url) else os.path.realpath(url.database)
    if named != serving or url.host or url.port or url.username or url.password:
        return (
            f"a DuckDB entry must open the serving file {serving} and nothing else, "
            f"not {url.database or ':memory:'}"
        )
    return None


def duckdb_connect_args(connect_args: dict) -> dict:
    """The arguments every DuckDB connection gets: the entry's resource settings, external
    access off, the serving file read-only. lock_configuration is set by
    lock_duckdb_connection, once the local file system is off: a locked configuration cannot be
    changed any more, and DuckDB refuses disabled_filesystems before the database is open."""
    given = connect_args.get("config") or {}
    config = {key: value for key, value in given.items() if key in DUCKDB_KEPT_SETTINGS}
    config["enable_external_access"] = False
    return {"config": config, "read_only": True}


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):
    """Superset calls this just before create_engine, for every engine of a database entry."""
    if problem := connection_problem(uri):
        raise DatabaseEntryRefused(f"connection refused by superset_config.py: {problem}")
    if not is_duckdb(uri):
        return uri, params
    # duckdb_engine turns the URI's query into DuckDB settings that override connect_args,
    # and runs connect_args' preload_extensions and register_filesystems: none are kept.
    params = {**params, "connect_args": duckdb_connect_args(params.get("connect_args", {}))}
    return uri.set(query={}), params


def duckdb_connection(dbapi_connection):
    """The DuckDB connection under duckdb_engine's wrapper, or None for another database."""
    module = type(dbapi_connection).__module__.split(".")[0]
    return dbapi_connection if module in {"duckdb", "_duckdb", "duckdb_engine"} else None


def lock_duckdb_connection(dbapi_connection, connection_record) -> None:
    """Every new DuckDB connection, however its engine was made: external access and the local
    file system off, configuration locked; then checked, and refused if it does not hold.

    Connections to the same file in one process share one DuckDB instance, so a connection may
    arrive already locked by an earlier one: then it is only checked."""
    connection = duckdb_connection(dbapi_connection)
    if connection is None:
        return
    try:
        # One connection at a time: a thread that found the instance unlocked could otherwise
        # check it between another thread's SETs, before that thread locks it (measured: 2 and
        # 9 of 1,200 connections opened by 8 threads at once were refused that way).
        with DUCKDB_LOCKDOWN:
            ((locked,),) = connection.execute(
                "SELECT current_setting('lock_configuration')"
            ).fetchall()
            if not locked:
                # Disabling the local file system also covers what external access leaves
                # open: the database's own WAL and temp paths, which COPY ... TO could write.
                # The open database file keeps being read through its open handle.
                # A SET that fails is not the end: whether the result holds is what the check
                # below says.
                for setting in (
                    "SET enable_external_access = false",
                    "SET disabled_filesystems = 'LocalFileSystem'",
                    "SET lock_configuration = true",
                ):
                    with suppress(Exception):
                        connection.execute(setting)
        problems = duckdb_lockdown_problems(connection)
    except Exception as exc:
        problems = [f"{type(exc).__name__}: {exc}"]
    if problems:
        connection.close()
        raise DuckDBLockdownError(
            "DuckDB connection refused by superset_config.py: " + "; ".join(problems)
        )


def duckdb_lockdown_problems(connection) -> list[str]:
    """What is wrong with a DuckDB connection's lockdown, read back from DuckDB itself."""
    ((external, locked),) = connection.execute(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')"
    ).fetchall()
    problems = []
    if external:
        problems.append("enable_external_access is on")
    if not locked:
        problems.append("the configuration is not locked")
    # duckdb_settings() does not report disabled_filesystems: ask the file system itself.
    try:
        connection.execute(f"SELECT * FROM read_text('{DUCKDB_PROBE_PATH}')").fetchall()
        problems.append("the local file system answers")
    except Exception as exc:
        if "LocalFileSystem has been disabled" not in str(exc):
            problems.append(f"the local file system is not disabled ({exc})")
    return problems


if not event.contains(Pool, "connect", lock_duckdb_connection):
    event.listen(Pool, "connect", lock_duckdb_connection)


def duckdb_entry_problems(url: URL, extra: str | None, encrypted_extra: str | None) -> list[str]:
    """Why a DuckDB entry would allow file access as written (empty when it would not)."""
    problems = []
    if url.query:
        problems.append(f"settings in the URI ({', '.join(sorted(url.query))})")
    if encrypted_extra and json.loads(encrypted_extra):
        problems.append("a secure extra (it would replace the connection arguments)")
    engine_params = json.loads(extra or "{}").get("engine_params") or {}
    connect_args = engine_params.get("connect_args") or {}
    config = connect_args.get("config") or {}
    for key, value in DUCKDB_REQUIRED_CONFIG.items():
        if config.get(key) is not value:
            problems.append(f"engine_params.connect_args.config.{key} is not {json.dumps(value)}")
    allowed = DUCKDB_KEPT_SETTINGS | set(DUCKDB_REQUIRED_CONFIG)
    if extra_settings := sorted(set(config) - allowed):
        problems.append(f"DuckDB settings other than resource limits ({', '.join(extra_settings)})")
    if other_args := sorted(set(connect_args) - {"config", "read_only"}):
        problems.append(f"connection arguments {', '.join(other_args)}")
    if connect_args.get("read_only") is not True:
        problems.append("a database file not opened read_only")
    return problems


def flags_problem(entry: dict) -> str | None:
    if switched_on := [flag for flag in REFUSED_FLAGS if entry.get(flag)]:
        return f"{', '.join(switched_on)} must be off: the dashboards only read"
    return None


def entry_refusal(entry: dict) -> str | None:
    """Why a database entry, given as its columns (ENTRY_COLUMNS), may not be saved, or None:
    every reason, in one line."""
    try:
        url = make_url(entry["sqlalchemy_uri"])
    except Exception:  # Superset refuses a malformed URI itself
        return None
    reasons = []
    if problem := connection_problem(url):
        reasons.append(problem)
    if problem := flags_problem(entry):
        reasons.append(problem)
    if is_duckdb(url) and (
        problems := duckdb_entry_problems(url, entry.get("extra"), entry.get("encrypted_extra"))
    ):
        reasons.append(
            f"a DuckDB entry must not allow file access ({'; '.join(problems)}). Give it extra "
            '{"engine_params": {"connect_args": {"read_only": true, "config": '
            '{"enable_external_access": false, "lock_configuration": true}}}} and no settings '
            "in the URI"
        )
    return "; ".join(reasons) or None


def entry_columns(database) -> dict:
    """A Superset Database object's columns that entry_refusal reads."""
    return {column: getattr(database, column) for column in ENTRY_COLUMNS}


def entry_invalid(name: str | None, reason: str):
    """The exception Superset's database API answers with 422 and this message."""
    from marshmallow import ValidationError
    from superset.commands.database.exceptions import DatabaseInvalidError

    return DatabaseInvalidError(
        exceptions=[ValidationError([f"{name!r} not saved: {reason}"], "extra")]
    )


def refuse_entry(mapper, connection, target) -> None:
    """Before a database entry is written, whichever command writes it (API, UI, import, CLI):
    what enforces the rules at save. The API's create and update have refused it already, with
    the same message (check_before_commands); an import fails here."""
    session = object_session(target)
    if session is not None and not session.is_modified(target, include_collections=False):
        # SQLAlchemy calls before_update for an entry only its collections changed (a dataset
        # added to it): that writes none of its columns, and is not an edit to refuse.
        return
    if reason := entry_refusal(entry_columns(target)):
        raise entry_invalid(target.database_name, reason)


def check_before_commands() -> None:
    """The API's create and update check the entry before anything else, so that they answer
    with the reason: a refusal at the write (refuse_entry) reaches an update's caller, but the
    create command replaces it with "Database could not be created", and an update first opens
    an engine for the edited entry (its default catalog), which the mutator would refuse with
    a 500. Idempotent: the app mutator runs once per app."""
    from superset.commands.database.create import CreateDatabaseCommand
    from superset.commands.database.update import UpdateDatabaseCommand

    def create_validate(command) -> None:
        values = {column: command._properties.get(column) for column in ENTRY_COLUMNS}
        # A create saves the request's masked_encrypted_extra as the entry's encrypted_extra.
        values["encrypted_extra"] = command._properties.get("masked_encrypted_extra")
        if reason := entry_refusal(values):
            raise entry_invalid(values["database_name"], reason)
        create_validate.original(command)

    def update_validate(command) -> None:
        # The entry as the update would leave it: its saved columns, then what the request sets
        # (a secure extra it sets is refused at the write, which an update's caller sees).
        values = entry_columns(command._model)
        values |= {c: command._properties[c] for c in ENTRY_COLUMNS if c in command._properties}
        if reason := entry_refusal(values):
            raise entry_invalid(command._model.database_name, reason)
        update_validate.original(command)

    for command, validate in (
        (CreateDatabaseCommand, create_validate),
        (UpdateDatabaseCommand, update_validate),
    ):
        if not getattr(command.validate, "checks_entries", False):
            validate.original = command.validate
            validate.checks_entries = True
            command.validate = validate


@contextmanager
def ENGINE_CONTEXT_MANAGER(database, catalog, schema):
    """Around every engine Superset makes. An entry that is not saved yet is a connection test:
    the API's create runs one before it saves, the UI's "Test connection" button another.
    Refusing it there with every reason gives its author the reason. A saved entry is refused
    here only for its write flags (on BigQuery nothing else would stop DML): its URL is the
    mutator's to refuse, and whatever it says about DuckDB settings, the mutator and the
    connection listener hold for it."""
    columns = entry_columns(database)
    if database.id is None and (reason := entry_refusal(columns)):
        raise ConnectionTestRefused(reason)
    if database.id is not None and (reason := flags_problem(columns)):
        raise DatabaseEntryRefused(f"connection refused by superset_config.py: {reason}")
    yield


def date_literals_for_duckdb() -> None:
    """Superset 6.1's DuckDB engine spec writes a date into SQL only for string and timestamp
    columns; for a DATE column convert_dttm returns None and the query cannot compile ("Cannot
    compile Column object until its 'name' is assigned"), so a select filter on a date column
    (the user lists' Week and Month) fails on every pick. A DATE literal for those; the other
    types as before. Idempotent: the mutator runs once per app."""
    from sqlalchemy import types
    from superset.db_engine_specs.duckdb import DuckDBEngineSpec

    original = DuckDBEngineSpec.convert_dttm.__func__
    if getattr(original, "writes_dates", False):
        return

    def convert_dttm(cls, target_type, dttm, db_extra=None):
        if isinstance(cls.get_sqla_column_type(target_type), types.Date):
            return f"DATE '{dttm.date().isoformat()}'"
        return original(cls, target_type, dttm, db_extra)

    convert_dttm.writes_dates = True
    DuckDBEngineSpec.convert_dttm = classmethod(convert_dttm)


def FLASK_APP_MUTATOR(app) -> None:
    date_literals_for_duckdb()
    # Superset's models exist only once the app does; the listener sees every write of a
    # database entry, whichever command makes it.
    from superset.models.core import Database

    for moment in ("before_insert", "before_update"):
        if not event.contains(Database, moment, refuse_entry):
            event.listen(Database, moment, refuse_entry)
    check_before_commands()
