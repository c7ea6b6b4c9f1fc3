"""The project's own command on the bigquery gateway, against the local BigQuery API emulator:
`growth-analytics plan` and `run` as cron runs them (ANALYTICS_GATEWAY=bigquery), with SQLMesh's
state in its own DuckDB file (ANALYTICS_BQ_STATE) and no warehouse file anywhere: no production
yet, the first plan, a daily run after a new landing day, a run with nothing new, a run with a
local model change (production's models run as planned), the summary, and the exit codes the
systemd unit expects. Not tested here: real BigQuery (see test_bigquery_emulator.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bigquery_emulator.emulator import EMULATOR_PYTHON
from conftest import PROJECT_ROOT, SAMPLE_LANDING, pipeline_env, without_checks

from growth_analytics.cli import EXIT_NEEDS_PLAN

# A BigQuery project of its own on the module's emulator, apart from the emulator's default one,
# which test_bigquery_emulator.py writes.
PROJECT = "growth-analytics-cli"
ON_EMULATOR = Path(__file__).parent / "bigquery_emulator" / "growth_analytics_on_emulator.py"
START, FIRST_END, NEXT = "2025-03-01", "2025-03-04", "2025-03-05"
# What a copy of the project needs to run the command from it (see the local-change test).
PROJECT_PARTS = (
    "models",
    "macros",
    "audits",
    "metrics",
    "seeds",
    "config.yaml",
    "growth_analytics",
    "superset_exports",
)

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(
        not EMULATOR_PYTHON.exists(),
        reason=f"no BigQuery emulator at {EMULATOR_PYTHON}: make bigquery-emulator-venv",
    ),
]


class Cron:
    """`growth-analytics` on the bigquery gateway, as the deploy example configures it."""

    def __init__(self, root: Path, url: str) -> None:
        self.landing = root / "landing"
        self.state = root / "state" / "bigquery_state.duckdb"
        self.warehouse = root / "never-written" / "warehouse.duckdb"
        self.landing.mkdir(parents=True)
        self.env = pipeline_env(
            self.landing,
            self.warehouse,
            START,
            ANALYTICS_GATEWAY="bigquery",
            ANALYTICS_BQ_PROJECT=PROJECT,
            ANALYTICS_BQ_METHOD="oauth-secrets",
            ANALYTICS_BQ_TOKEN="emulator-takes-any-token",
            ANALYTICS_BQ_STATE=str(self.state),
            BIGQUERY_EMULATOR_HOST=url,
            PYTHONWARNINGS="ignore::SyntaxWarning",
        )

    def land(self, day: str) -> None:
        shutil.copytree(SAMPLE_LANDING / f"dt={day}", self.landing / f"dt={day}")

    def cli(self, *args: str, project: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if project != PROJECT_ROOT:  # the copy's own package: its models, its PROJECT_ROOT
            env["PYTHONPATH"] = str(project)
        return subprocess.run(
            [sys.executable, str(ON_EMULATOR), *without_checks(args)],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )


def rows(emulator, sql: str) -> list[tuple]:
    return emulator.rows(sql, PROJECT)[1]


@pytest.fixture(scope="module")
def cron(emulator, tmp_path_factory) -> Cron:
    cron = Cron(tmp_path_factory.mktemp("bigquery-cli"), emulator.url)
    for day in ("2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"):
        cron.land(day)
    return cron


@pytest.fixture
def production(cron) -> Cron:
    """Production as the first plan leaves it: the first-plan test's, or made here when a test
    runs without it (pytest path::name)."""
    if not cron.state.exists():
        done = cron.cli("plan", "--end", FIRST_END)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return cron


@pytest.fixture
def after_a_daily_run(production) -> Cron:
    """Production after the daily run of NEXT: the daily-run test's, or made here."""
    if not (production.landing / f"dt={NEXT}").exists():
        production.land(NEXT)
        done = production.cli("run")
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return production


def test_no_production_yet_is_exit_78_and_plans_nothing(cron):
    done = cron.cli("run", "--end", FIRST_END)
    assert done.returncode == EXIT_NEEDS_PLAN, done.stderr[-3000:]
    assert "growth-analytics plan" in done.stderr
    assert "bigquery" in done.stderr


def test_the_first_plan_builds_production_on_bigquery_with_state_in_its_own_file(
    cron,
    emulator,
):
    """Builds production on the emulator: the first plan on BigQuery is the subject."""
    done = cron.cli("plan", "--end", FIRST_END)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Not publishing a serving file" in done.stderr
    assert cron.state.exists()
    assert not cron.warehouse.parent.exists()  # no DuckDB warehouse, no serving file
    (last,) = rows(emulator, "SELECT MAX(period_end) FROM analytics.growth_accounting_daily")[0]
    assert str(last) == FIRST_END


def test_a_daily_run_then_a_run_with_nothing_new(production, emulator):
    cron = production
    cron.land(NEXT)
    done = cron.cli("run")  # up to the last landing day that has arrived: NEXT
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Not publishing a serving file" in done.stderr
    daily = rows(emulator, "SELECT period_end, active_users FROM analytics.growth_accounting_daily")
    assert str(max(day for day, _ in daily)) == NEXT

    again = cron.cli("run", "--end", NEXT)
    assert again.returncode == 0, again.stderr[-3000:]
    same = rows(emulator, "SELECT period_end, active_users FROM analytics.growth_accounting_daily")
    assert sorted(same) == sorted(daily)


def test_the_summary_reads_production_on_bigquery(after_a_daily_run):
    done = after_a_daily_run.cli("summary")
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"Warehouse summary ({START} to {NEXT})" in done.stdout


def test_a_local_model_change_runs_production_as_planned(after_a_daily_run, emulator, tmp_path):
    cron = after_a_daily_run
    project = tmp_path / "project"
    for part in PROJECT_PARTS:
        source = PROJECT_ROOT / part
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, project / part)
    model = project / "models" / "analytics" / "engagement_daily.sql"
    text = model.read_text()
    # A column added before one of the select list's (any will do: production must not see it).
    old_last_column = "counts.mean_l28, /* Mean L28"
    assert text.count(old_last_column) == 1
    model.write_text(
        text.replace(old_last_column, "1 AS local_change_probe,\n    " + old_last_column)
    )
    day = "2025-03-06"
    cron.land(day)
    done = cron.cli("run", "--end", day, project=project)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "the local models differ from production's (analytics.engagement_daily" in done.stderr
    columns, _ = emulator.rows("SELECT * FROM analytics.engagement_daily", PROJECT)
    columns = [name for name, _ in columns]
    assert "local_change_probe" not in columns
    (last,) = rows(emulator, "SELECT MAX(engagement_date) FROM analytics.engagement_daily")[0]
    assert str(last) == day
