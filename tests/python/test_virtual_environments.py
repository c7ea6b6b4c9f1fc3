"""Virtual environments, checked on a real DuckDB warehouse: a change is planned in `dev`, where
it cannot touch production; `table_diff` shows what it changes; promoting it swaps views over
the tables dev already built; a non-breaking or metadata-only change recomputes nothing
downstream. The project is copied so that the tests can edit its models."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN, PROJECT_ROOT, SAMPLE_LANDING, pipeline_env

pytestmark = pytest.mark.pipeline

START, END = "2025-03-01", "2025-03-21"
EXECUTION_TIME = "2025-03-22"
PROJECT_PARTS = ("models", "macros", "audits", "metrics", "seeds", "config.yaml")
ENGAGEMENT = Path("models/analytics/engagement_daily.sql")
USER_ENGAGEMENT = Path("models/analytics/user_engagement_daily.sql")


class Project:
    def __init__(self, root: Path) -> None:
        self.path = root / "project"
        self.path.mkdir(parents=True)
        for part in PROJECT_PARTS:
            source = PROJECT_ROOT / part
            if source.is_dir():
                shutil.copytree(source, self.path / part)
            else:
                shutil.copy(source, self.path / part)
        # The linter requires a unit test per model: the YAML tests come along.
        shutil.copytree(
            PROJECT_ROOT / "tests", self.path / "tests", ignore=shutil.ignore_patterns("python")
        )
        landing = root / "landing"
        for day in sorted(SAMPLE_LANDING.iterdir()):
            if START <= day.name.removeprefix("dt=") <= END:
                shutil.copytree(day, landing / day.name)
        self.warehouse = root / "wh" / "warehouse.duckdb"
        self.warehouse.parent.mkdir()
        self.env = pipeline_env(landing, self.warehouse, START)

    def sqlmesh(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "sqlmesh"), "--paths", str(self.path), *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"sqlmesh {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def plan(self, environment: str = "prod") -> str:
        env = [] if environment == "prod" else [environment]
        return self.sqlmesh(
            "plan",
            *env,
            "--auto-apply",
            "--no-prompts",
            "--skip-tests",
            "--execution-time",
            EXECUTION_TIME,
        )

    def edit(self, model: Path, old: str, new: str) -> str:
        """Edit a model file; returns its text before, to put back."""
        path = self.path / model
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} not found once in {model}"
        path.write_text(text.replace(old, new))
        return text

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def physical_checksums(self) -> dict[str, tuple]:
        """Every physical table SQLMesh manages: rows and an order-free hash of their content."""
        tables = self.query(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema LIKE 'sqlmesh__%' AND table_type = 'BASE TABLE'"
        )
        return {
            f"{schema}.{table}": self.query(
                f'SELECT COUNT(*), BIT_XOR(HASH(t)) FROM "{schema}"."{table}" AS t'
            )[0]
            for schema, table in tables
        }

    def view_target(self, view: str) -> str:
        """The physical table an environment's view selects from."""
        schema, name = view.split(".")
        (sql,) = self.query(
            "SELECT sql FROM duckdb_views() "
            f"WHERE schema_name = '{schema}' AND view_name = '{name}'"
        )[0]
        return sql.rsplit("FROM", 1)[1].strip().rstrip(";")

    def build_plan(self, environment: str):
        """The plan SQLMesh would apply, without applying it: what it would compute."""
        from sqlmesh import Context

        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            context = Context(paths=str(self.path))
            try:
                # The unit tests pin the current definitions, which these edits change on purpose.
                return context.plan_builder(
                    environment, execution_time=EXECUTION_TIME, skip_tests=True
                ).build()
            finally:
                context.close()  # its connection would lock the warehouse for the next step
        finally:
            os.environ.clear()
            os.environ.update(saved)


def model_name(snapshot) -> str:
    """analytics.x from SQLMesh's fully qualified "warehouse"."analytics"."x"."""
    return snapshot.name.replace('"', "").split(".", 1)[1]


def computed_models(plan) -> set[str]:
    """The models the plan would compute (evaluate for some interval)."""
    return {model_name(m.snapshot_id) for m in plan.missing_intervals if m.intervals}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    project = Project(tmp_path_factory.mktemp("virtual"))
    project.plan()
    return project


# What if mean L28 were a share of the 28 days rather than a count of days?
BREAKING = (ENGAGEMENT, "AVG(l28) AS mean_l28", "AVG(l28) / 28 AS mean_l28")


@pytest.fixture
def breaking_change_in_dev(project) -> Project:
    """The breaking change planned in dev: the first test's, or made here when a test runs
    without it (pytest path::name)."""
    model, _, changed = BREAKING
    if changed not in (project.path / model).read_text():
        project.edit(*BREAKING)
        project.plan("dev")
    return project


def test_a_breaking_change_planned_in_dev_leaves_production_untouched(project):
    before = project.physical_checksums()
    prod = project.query("SELECT engagement_date, mean_l28 FROM analytics.engagement_daily")
    project.edit(*BREAKING)
    out = project.plan("dev")
    assert "breaking" in out.lower(), out
    after = project.physical_checksums()
    assert {table: after[table] for table in before} == before
    assert set(after) - set(before), "dev built no table of its own"
    assert project.query("SELECT engagement_date, mean_l28 FROM analytics.engagement_daily") == prod
    dev = dict(
        project.query("SELECT engagement_date, mean_l28 FROM analytics__dev.engagement_daily")
    )
    assert len(dev) == len(prod)
    for day, value in prod:
        assert dev[day] == pytest.approx(value / 28) if value is not None else dev[day] is None


def test_table_diff_reports_the_change_between_prod_and_dev(breaking_change_in_dev):
    out = breaking_change_in_dev.sqlmesh(
        "table_diff", "prod:dev", "analytics.engagement_daily", "--on", "engagement_date"
    )
    lines = [line for line in out.splitlines() if "mean_l28" in line.lower()]
    assert lines, out
    assert "100.0" not in " ".join(lines), out
    for unchanged in ("dau", "wau", "mau"):
        assert any(unchanged in line.lower() and "100.0" in line for line in out.splitlines()), out


def test_promoting_reuses_the_tables_dev_built(breaking_change_in_dev):
    project = breaking_change_in_dev
    plan = project.build_plan("prod")
    assert computed_models(plan) == set(), "promotion would recompute"
    dev_table = project.view_target("analytics__dev.engagement_daily")
    dev_rows = project.query("SELECT * FROM analytics__dev.engagement_daily ORDER BY 1")
    before = project.physical_checksums()
    project.plan()
    assert project.view_target("analytics.engagement_daily") == dev_table
    assert project.query("SELECT * FROM analytics.engagement_daily ORDER BY 1") == dev_rows
    assert project.physical_checksums() == before


def test_a_non_breaking_change_computes_only_the_changed_model(project):
    original = project.edit(
        USER_ENGAGEMENT,
        "    SUM(1 << days_ago) AS activity_bits",
        "    SUM(1 << days_ago) AS activity_bits, /* Bit i set: active i days before. */\n"
        "    COUNT(*) - SUM(IF(days_ago < 7, 1, 0)) AS l28_before_l7 /* Active days 7-27 ago. */",
    )
    try:
        plan = project.build_plan("dev")
    finally:
        (project.path / USER_ENGAGEMENT).write_text(original)
    # The four models that read it keep their tables: none of them reads the new column.
    assert computed_models(plan) == {"analytics.user_engagement_daily"}, computed_models(plan)
    categories = {model_name(s): s.change_category for s in plan.new_snapshots}
    assert categories["analytics.user_engagement_daily"].name == "NON_BREAKING", categories


def test_a_metadata_only_change_computes_nothing(project):
    project.edit(
        ENGAGEMENT,
        "/* Daily, weekly and monthly active users and stickiness,",
        "/* Daily, weekly and monthly active users (DAU, WAU, MAU) and stickiness,",
    )
    plan = project.build_plan("dev")
    assert plan.has_changes
    assert computed_models(plan) == set(), computed_models(plan)


def test_the_activity_definition_is_one_seed_edit_and_a_plan(project):
    """The old stack's definition of activity (shares and likes do not count) is one edit of
    seeds/activity_event_types.csv: the plan rebuilds the backbone and what follows it, keeps the
    staged events (staging reads the contract, not this list), and DAU is then the users with an
    event of the three other types, counted here from the events."""
    seed = project.path / "seeds" / "activity_event_types.csv"
    original = seed.read_text()
    kept = [line for line in original.splitlines() if line not in ("share", "like")]
    assert len(kept) == len(original.splitlines()) - 2, original
    seed.write_text("\n".join(kept) + "\n")
    try:
        before = project.physical_checksums()
        out = project.plan("contract")
    finally:
        seed.write_text(original)
    assert "breaking" in out.lower(), out
    after = project.physical_checksums()
    assert {table: after[table] for table in before} == before, "production tables changed"
    built = {table.split(".")[1].split("__")[1] for table in set(after) - set(before)}
    assert {"int_user_activity_daily", "int_user_active_days", "engagement_daily"} <= built
    assert not built & {"stg_events_classified", "int_events", "event_types"}, built

    def dau(schema: str) -> dict:
        return dict(project.query(f"SELECT engagement_date, dau FROM {schema}.engagement_daily"))

    expected = dict(
        project.query(
            "SELECT event_date, COUNT(DISTINCT user_id) FROM analytics.fct_events "
            "WHERE event_type IN ('miles_earned', 'miles_redeemed', 'reward_search') "
            "GROUP BY event_date"
        )
    )
    every_type = dict(
        project.query(
            "SELECT event_date, COUNT(DISTINCT user_id) FROM analytics.fct_events GROUP BY 1"
        )
    )
    assert {day: n for day, n in dau("analytics__contract").items() if n} == expected
    assert {day: n for day, n in dau("analytics").items() if n} == every_type
    assert sum(expected.values()) < sum(every_type.values()), "the edit changed no day"
