"""Every ANALYTICS_* variable the project reads, checked by name before SQLMesh reads config.yaml.

config.yaml pastes the variables into YAML through Jinja, and SQLMesh builds every gateway's
connection when it loads: a `"` in a path broke the YAML, `ANALYTICS_LATE_DAYS='[1'` the YAML or,
as 1000000000, a model's date arithmetic, `ANALYTICS_BQ_PRIORITY=urgent` the BigQuery gateway's
connection even on the local gateway, each with a traceback of 20 to 110 lines; and a memory limit
DuckDB cannot read was accepted. Here each value is checked on its own, and the first that cannot
work is one line naming the variable (exit 2). docs/configuration.md lists the same variables.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping

from growth_analytics.settings import SettingsError

# The longest late window a daily run reaches back over: every run recomputes that many days.
MAX_LATE_DAYS = 366
# Landing days after today's UTC date that are still read: a producer east of UTC names its
# folder by its own date, up to a day ahead of UTC.
DEFAULT_AHEAD_DAYS = 1
MAX_AHEAD_DAYS = 7
# Characters that would change config.yaml rather than fill a value in it: a quote or a backslash
# ends or escapes YAML's double-quoted string, and a line break or another control character
# starts a new YAML line.
_BREAKS_YAML = re.compile(r'["\\\x00-\x1f\x7f]')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(name: str, value: str) -> None:
    if bad := _BREAKS_YAML.search(value):
        raise SettingsError(
            f"{name}={value!r}: the character {bad.group()!r} is not allowed in a setting "
            "(config.yaml quotes every value); rename the path or remove it"
        )


def _date_not_after_today(name: str, value: str) -> None:
    if not _DATE.match(value):
        raise SettingsError(f"{name}={value!r}: expected a date, YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r}: not a day of the calendar") from None
    today = dt.datetime.now(dt.UTC).date()
    if day > today:
        raise SettingsError(
            f"{name}={value}: the first day the models cover is after today ({today}, UTC)"
        )


def _whole_number(low: int, high: int) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        if not re.fullmatch(r"\d+", value.strip()):
            raise SettingsError(f"{name}={value!r}: expected a whole number from {low} to {high}")
        if not low <= int(value) <= high:
            raise SettingsError(f"{name}={value}: expected a whole number from {low} to {high}")

    return check


def _positive_whole_number(name: str, value: str) -> None:
    if not re.fullmatch(r"[1-9]\d*", value.strip()):
        raise SettingsError(f"{name}={value!r}: expected a whole number of bytes, above 0")


def _positive_hours(name: str, value: str) -> None:
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not hours > 0 or hours == float("inf"):
        raise SettingsError(f"{name}={value!r}: expected a number of hours above 0, e.g. 6 or 0.5")


def _one_of(*choices: str) -> Callable[[str, str], None]:
    def check(name: str, value: str) -> None:
        if value not in choices:
            raise SettingsError(f"{name}={value!r}: expected one of {', '.join(choices)}")

    return check


def _memory_limit(name: str, value: str) -> None:
    """As DuckDB itself reads it (a number and a unit: 2GB, 512MiB), asked of DuckDB."""
    import duckdb

    _text(name, value)
    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].removeprefix("Parser Error: ")
        raise SettingsError(f"{name}={value!r}: {reason}") from None


def _url(name: str, value: str) -> None:
    _text(name, value)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise SettingsError(f"{name}={value!r}: expected an https:// URL")


def _landing(name: str, value: str) -> None:
    _text(name, value)
    if value.startswith("gs://") and not re.fullmatch(r"gs://[a-z0-9][a-z0-9._-]*(/.*)?", value):
        raise SettingsError(f"{name}={value!r}: expected gs://bucket/prefix")


def _identifier(name: str, value: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:-]*", value):
        raise SettingsError(
            f"{name}={value!r}: expected letters, digits, '-', '.', ':' (e.g. my-gcp-project, US)"
        )


CHECKS: Mapping[str, Callable[[str, str], None]] = {
    "ANALYTICS_LANDING_DIR": _landing,
    "ANALYTICS_WAREHOUSE": _text,
    "ANALYTICS_SERVING": _text,
    "ANALYTICS_START": _date_not_after_today,
    "ANALYTICS_LATE_DAYS": _whole_number(0, MAX_LATE_DAYS),
    "ANALYTICS_LANDING_AHEAD_DAYS": _whole_number(0, MAX_AHEAD_DAYS),
    "ANALYTICS_RUN_LOCK_MAX_HOURS": _positive_hours,
    "ANALYTICS_DUCKDB_MEMORY_LIMIT": _memory_limit,
    "ANALYTICS_GATEWAY": _one_of("local", "bigquery"),
    "ANALYTICS_BQ_PROJECT": _identifier,
    "ANALYTICS_BQ_LOCATION": _identifier,
    "ANALYTICS_BQ_METHOD": _one_of("oauth", "oauth-secrets"),
    "ANALYTICS_BQ_TOKEN": _text,
    "ANALYTICS_BQ_USE_ADC": _one_of("0", "1"),
    "ANALYTICS_BQ_STATE": _text,
    "ANALYTICS_BQ_MAXIMUM_BYTES_BILLED": _positive_whole_number,
    "ANALYTICS_BQ_PRIORITY": _one_of("interactive", "batch"),
    "ANALYTICS_SLACK_WEBHOOK_URL": _url,
    "ANALYTICS_SUPERSET_HOME": _text,
}


# config.yaml tests these with `if env_var(...)`, and the commands with `if value`: empty is unset.
# Any other variable set to nothing would be pasted in as nothing (an in-memory warehouse, a
# start date of '').
EMPTY_IS_UNSET = frozenset(
    {
        "ANALYTICS_SERVING",
        "ANALYTICS_LANDING_AHEAD_DAYS",
        "ANALYTICS_RUN_LOCK_MAX_HOURS",
        "ANALYTICS_BQ_PROJECT",
        "ANALYTICS_BQ_TOKEN",
        "ANALYTICS_BQ_USE_ADC",
        "ANALYTICS_BQ_MAXIMUM_BYTES_BILLED",
        "ANALYTICS_BQ_PRIORITY",
        "ANALYTICS_SLACK_WEBHOOK_URL",
    }
)


def check_environment(env: Mapping[str, str] | None = None) -> None:
    """Every ANALYTICS_* variable that is set, in the order of CHECKS; SettingsError naming the
    first that cannot work."""
    env = os.environ if env is None else env
    for name, check in CHECKS.items():
        value = env.get(name)
        if value is None or (not value and name in EMPTY_IS_UNSET):
            continue
        if not value.strip():
            raise SettingsError(f"{name} is set but empty: unset it to use the default")
        check(name, value)


def landing_ahead_days(env: Mapping[str, str] | None = None) -> int:
    value = (os.environ if env is None else env).get("ANALYTICS_LANDING_AHEAD_DAYS")
    return int(value) if value else DEFAULT_AHEAD_DAYS
