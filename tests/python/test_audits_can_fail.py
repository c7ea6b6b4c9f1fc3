"""The audits are checks that can fail: on a copy of the public-sample warehouse, one targeted
corruption per audited rule makes `sqlmesh audit` report exactly that audit on that model, while
the untouched copy passes every audit of the same models."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import duckdb
import pytest
from conftest import Pipeline

pytestmark = pytest.mark.pipeline

# (model, corruption of its physical table {t}, the audit that must catch it)
CASES = [
    (
        # Each row still adds up on its own (identities pass); only the next day's row disagrees.
        "analytics.growth_accounting_daily",
        "UPDATE {t} SET active_users = active_users + 1, new_users = new_users + 1, "
        "net_change = net_change + 1, quick_ratio = (new_users + 1 + resurrected_users) "
        "/ churned_users WHERE period_start = DATE '2025-03-08'",
        "growth_accounting_chain",
    ),
    (
        "analytics.growth_accounting_weekly",
        "INSERT INTO {t} SELECT * FROM {t} WHERE period_start = DATE '2025-03-10'",
        "unique_values",
    ),
    (
        "analytics.growth_accounting_monthly",
        "UPDATE {t} SET retained_users = retained_users + 1 WHERE period_start = DATE '2025-04-01'",
        "growth_accounting_identities",
    ),
    (
        # A missing count would make every identity unknown, and the row pass: the identities
        # audit returns it (it holds the growth tables' not-null checks).
        "analytics.growth_drivers_weekly",
        "UPDATE {t} SET churned_users = NULL WHERE dimension = 'country'",
        "growth_accounting_identities",
    ),
    (
        "analytics.growth_accounting_rolling_28d",
        "UPDATE {t} SET churned_users = churned_users + 1, retained_users = retained_users - 1, "
        "active_users = active_users - 1, net_change = net_change - 1, "
        "quick_ratio = (new_users + resurrected_users) / (churned_users + 1) "
        "WHERE period_start = DATE '2025-04-01'",
        "growth_accounting_chain",
    ),
    (
        "analytics.retention_cohorts_monthly",
        "INSERT INTO {t} SELECT cohort_start, 99, CAST(date_trunc('month', current_date) "
        "AS DATE), cohort_size, 0, 0, 0, 0, cumulative_miles_earned_per_member, "
        "cumulative_active_periods_per_member FROM {t} "
        "WHERE cohort_start = DATE '2025-03-01' AND age = 0",
        "retention_cells_finished",
    ),
    (
        "analytics.retention_cohorts_weekly",
        "UPDATE {t} SET active_users = cohort_size + 1 WHERE age = 1",
        "forall",
    ),
    (
        "analytics.power_user_curve_monthly",
        "UPDATE {t} SET share_of_mau = share_of_mau / 2 WHERE l28 = 1",
        "power_user_curve_shares_sum_to_one",
    ),
    (
        # The all-users curve has cohort_month NULL: uniqueness must still hold there.
        "analytics.power_user_curve_monthly",
        "INSERT INTO {t} SELECT * FROM {t} WHERE cohort_month IS NULL AND l28 = 2",
        "unique_combination_of_columns",
    ),
    (
        "analytics.lifecycle_stages_daily",
        "UPDATE {t} SET users = users + 1 "
        "WHERE stage_date = DATE '2025-03-20' AND lifecycle_stage = 'dormant'",
        "lifecycle_stages_partition_users",
    ),
    (
        "analytics.engagement_daily",
        "UPDATE {t} SET dau = wau + 1 WHERE engagement_date = DATE '2025-03-20'",
        "forall",
    ),
    (
        "analytics.miles_economy_daily",
        # outstanding = earned - redeemed still holds on the row: only the day-to-day chain breaks.
        "UPDATE {t} SET lifetime_miles_earned = lifetime_miles_earned + 1, "
        "outstanding_miles = outstanding_miles + 1 "
        "WHERE economy_date = DATE '2025-03-20'",
        "miles_economy_running_totals",
    ),
    (
        "analytics.miles_growth_accounting_monthly",
        "UPDATE {t} SET new_miles = new_miles + 1 WHERE period_start = DATE '2025-04-01'",
        "miles_growth_accounting_identity",
    ),
    (
        "analytics.ingestion_accounting",
        "UPDATE {t} SET raw_rows = raw_rows + 1",
        "raw_rows_accounted_for",
    ),
    (
        # Every row is still consistent on its own: only growth accounting's counts disagree.
        "analytics.user_growth_states_weekly",
        "UPDATE {t} SET state = 'resurrected' WHERE period_start = DATE '2025-03-17' "
        "AND user_id = (SELECT MIN(user_id) FROM {t} "
        "WHERE period_start = DATE '2025-03-17' AND state = 'retained')",
        "user_growth_states_match_growth_accounting",
    ),
    (
        # A user missing from a month's list.
        "analytics.user_growth_states_monthly",
        "DELETE FROM {t} WHERE period_start = DATE '2025-04-01' "
        "AND user_id = (SELECT MIN(user_id) FROM {t} "
        "WHERE period_start = DATE '2025-04-01' AND state = 'retained')",
        "user_growth_states_match_growth_accounting",
    ),
    (
        # A type listed as activity that the contract does not know: the seed the backbone reads
        # ({activity_seed}) is corrupted, and the backbone's audit names it.
        "intermediate.int_user_activity_daily",
        "INSERT INTO {activity_seed} VALUES ('shares')",
        "activity_types_are_event_types",
    ),
]
MODELS = sorted({model for model, _, _ in CASES})


def physical_table(con: duckdb.DuckDBPyConnection, model: str) -> str:
    schema, name = model.split(".")
    (sql,) = con.execute(
        "SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ?", [schema, name]
    ).fetchone()
    return re.search(r"FROM (\S+?);?$", sql.strip()).group(1)


def audit(pipeline: Pipeline) -> str:
    """`sqlmesh audit` of the cases' models over everything the warehouse holds."""
    last_day = pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")
    done = pipeline.sqlmesh(
        "audit",
        *[arg for model in MODELS for arg in ("--model", model)],
        "--start",
        pipeline.start,
        "--end",
        last_day.isoformat(),
        "--execution-time",
        (last_day + dt.timedelta(days=1)).isoformat(),
        check=False,
    )
    return done.stdout + done.stderr


def warehouse_copy(loaded: Pipeline, root) -> Pipeline:
    copy = Pipeline(root, start=loaded.start)
    shutil.copyfile(loaded.warehouse, copy.warehouse)
    # The landing folder is a model variable: keep it, or every model is a new, unapplied version.
    # A wide console keeps each audit's verdict on one line.
    copy.env = {**copy.env, "ANALYTICS_LANDING_DIR": str(loaded.landing), "COLUMNS": "400"}
    return copy


@pytest.fixture(scope="module")
def clean_output(loaded, tmp_path_factory) -> str:
    return audit(warehouse_copy(loaded, tmp_path_factory.mktemp("clean")))


@pytest.fixture(scope="module")
def broken_output(loaded, tmp_path_factory) -> str:
    broken = warehouse_copy(loaded, tmp_path_factory.mktemp("broken"))
    with duckdb.connect(str(broken.warehouse)) as con:
        activity_seed = physical_table(con, "seeds.activity_event_types")
        for model, corruption, _ in CASES:
            tables = {"t": physical_table(con, model), "activity_seed": activity_seed}
            changed = con.execute(corruption.format(**tables)).fetchone()[0]
            assert changed > 0, f"the corruption of {model} changed no row"
    return audit(broken)


def results(output: str) -> dict[tuple[str, str], list[str]]:
    """(audit, model) -> the verdicts `sqlmesh audit` printed for it, e.g. ["PASS"]."""
    verdicts: dict[tuple[str, str], list[str]] = {}
    for name, model, verdict in re.findall(r"^(\w+) on model (\S+) \W*\s*(\w+)", output, re.M):
        verdicts.setdefault((name, model), []).append(verdict)
    return verdicts


def test_the_untouched_warehouse_passes_every_audit(clean_output):
    found = results(clean_output)
    assert {model for _, model in found} == set(MODELS), clean_output
    assert all(v == ["PASS"] * len(v) for v in found.values()), clean_output
    assert "Finished with 0 audit errors" in clean_output, clean_output


@pytest.mark.parametrize(("model", "corruption", "audit_name"), CASES, ids=[c[0] for c in CASES])
def test_a_corruption_fails_its_audit(broken_output, model, corruption, audit_name):
    assert "PASS" not in results(broken_output)[(audit_name, model)], broken_output[-3000:]


def test_audit_coverage():
    """Every model is audited; every table with a grain audits its uniqueness; every
    growth-accounting model audits both identities; and the project keeps more data checks than
    the old stack's 179 (counted as it counted them: one per column of a not-null test, one per
    rule of a forall)."""
    from sqlglot import exp
    from sqlmesh import Context

    from growth_analytics import PROJECT_ROOT

    context = Context(paths=str(PROJECT_ROOT))
    checks = 0
    for model in context.models.values():
        if model.kind.is_embedded:
            # No table to audit: raw.landed_events is a subquery of stg_events_classified, which
            # audits its pieces against the files (pieces_cover_their_files).
            continue
        names = {name for name, _ in model.audits}
        if model.kind.is_view and not names:
            # SQLMesh audits a view over all its rows on every run: a view that projects one
            # table leaves the checks to that table's audits, which run on each interval.
            sources = [context.get_model(name) for name in model.depends_on]
            assert len(sources) == 1 and sources[0].audits, model.name
            continue
        assert names, f"{model.name} has no audits"
        # A view's rows are its source table's, whose own audit covers the grain
        # (int_events for fct_events); an audit on the view would re-read all history every run.
        if model.grains and not model.kind.is_view:
            assert names & {"unique_values", "unique_combination_of_columns"}, model.name
        if "growth_accounting" in model.name and "miles" not in model.name:
            assert {"growth_accounting_identities", "growth_accounting_chain"} <= names, model.name
        for name, args in model.audits:
            listed = args.get("columns") if name == "not_null" else args.get("criteria")
            checks += len(listed.expressions) if isinstance(listed, exp.Tuple) else 1
    assert checks > 179, checks
