"""No command publishes a day that has not happened or that no landing file supports, and no run
mixes production's settings with another machine's (docs/operations.md, "Which days a command
publishes"). Each scenario exited 0 before and published days on which everybody seemed to have
churned; a real delivery after it was then never read.

The landing days here are relative to today's UTC date, since "has not happened" is the machine's
clock's to say."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import Pipeline, one_error_line, write_csv

from growth_analytics.end_day import landing_days
from growth_analytics.exits import EXIT_LANDING, EXIT_NEEDS_PLAN, EXIT_SETTING

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)
TODAY = dt.datetime.now(dt.UTC).date()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def land(pipeline: Pipeline, landing_day: dt.date, *users: str, folder=None) -> None:
    """One file for the day, one like per user at 10:00 that day."""
    lines = [f"{landing_day} 10:00:00,{user},like,,,web,organic,SG" for user in users]
    path = (folder or pipeline.landing) / f"dt={landing_day}" / "events.csv"
    write_csv(path, "\n".join([HEADER, *lines]) + "\n")


def last_published_day(pipeline: Pipeline) -> dt.date:
    return pipeline.scalar("SELECT MAX(period_end) FROM analytics.growth_accounting_daily")


def active_on(pipeline: Pipeline, when: dt.date) -> int | None:
    rows = pipeline.query(
        f"SELECT active_users FROM analytics.growth_accounting_daily WHERE period_end = '{when}'"
    )
    return rows[0][0] if rows else None


def landed_rows(pipeline: Pipeline, when: dt.date) -> list[tuple]:
    return pipeline.query(
        "SELECT source_file, raw_rows FROM analytics.ingestion_accounting "
        f"WHERE landed_date = '{when}'"
    )


def land_recent(pipeline: Pipeline) -> Pipeline:
    """Four days up to yesterday: u_1 and u_2 every day."""
    for offset in (-4, -3, -2, -1):
        land(pipeline, day(offset), "u_1", "u_2")
    return pipeline


@pytest.fixture
def recent(make_pipeline) -> Pipeline:
    """The four recent days landed, nothing planned."""
    return land_recent(make_pipeline("recent", start=day(-4).isoformat()))


@pytest.fixture(scope="module")
def planned_once(tmp_path_factory) -> Path:
    """The four recent days landed and planned, once for the module: the folder `live` (its
    landing folder and warehouse) and the copy `as-planned` that restores it."""
    root = tmp_path_factory.mktemp("recent-planned")
    land_recent(Pipeline(root / "live", start=day(-4).isoformat())).cli("plan")
    shutil.copytree(root / "live", root / "as-planned")
    return root


@pytest.fixture
def planned(planned_once) -> Pipeline:
    """The four recent days as their first plan leaves them, for a test that writes: the module's
    plan restored into the same folder (the landing folder is one of production's settings, so a
    copy anywhere else would be refused as a setting changed since the plan)."""
    shutil.rmtree(planned_once / "live")
    shutil.copytree(planned_once / "as-planned", planned_once / "live")
    return Pipeline(planned_once / "live", start=day(-4).isoformat())


def test_a_landing_day_in_the_future_is_refused_and_the_real_one_is_read_after(recent):
    """Builds its own warehouse: its landing days are relative to today, and it delivers more."""
    land(recent, day(40), "u_1")  # a producer whose clock is wrong
    done = recent.cli("run", "--init", check=False)
    assert done.returncode == EXIT_LANDING, done.stderr[-3000:]
    line = one_error_line(done)
    assert str(day(40)) in line and f"dt={day(40)}/events.csv" in line
    # The real days were done, and nothing after them.
    assert last_published_day(recent) == day(-1)
    assert active_on(recent, day(-1)) == 2
    assert landed_rows(recent, day(40)) == []

    # The folder goes, the real delivery of today lands: the next run reads it.
    shutil.rmtree(recent.landing / f"dt={day(40)}")
    land(recent, day(0), "u_1", "u_3")
    recent.cli("run")
    assert last_published_day(recent) == day(0)
    assert active_on(recent, day(0)) == 2
    assert landed_rows(recent, day(0)) == [(f"dt={day(0)}/events.csv", 2)]
    serving = recent.warehouse.with_name("serving.duckdb")
    import duckdb

    with duckdb.connect(str(serving), read_only=True) as con:
        published = con.execute("SELECT latest_landed_date FROM publication.published")
        ((latest,),) = published.fetchall()
    assert latest == day(0)


def test_how_far_ahead_a_landing_day_may_be_is_a_setting(tmp_path):
    landing = tmp_path / "landing"
    for offset in (-1, 0, 1, 2):
        write_csv(landing / f"dt={day(offset)}" / "events.csv", HEADER + "\n")
    strict = landing_days(str(landing), today=TODAY, ahead=0)
    assert strict.end == day(0)
    assert [when for when, _ in strict.future] == [day(1), day(2)]
    lenient = landing_days(str(landing), today=TODAY, ahead=1)
    assert lenient.end == day(1)
    assert [when for when, _ in lenient.future] == [day(2)]
    assert "ANALYTICS_LANDING_AHEAD_DAYS=1" in str(lenient.future_refusal())


def test_an_end_outside_the_days_that_arrived_is_refused_before_anything_is_written(recent):
    for args, mentions in [
        (("run", "--init", "--end", str(day(0))), f"the last landing day is {day(-1)}"),
        (("plan", "--end", str(day(0))), f"the last landing day is {day(-1)}"),
        (("plan", "--end", str(day(-5))), f"before ANALYTICS_START={day(-4)}"),
        (("plan", "--end", "2024-12-01"), f"before ANALYTICS_START={day(-4)}"),
        (("plan", "--end", "2025-02-30"), "expected a date"),
    ]:
        done = recent.cli(*args, check=False)
        assert done.returncode == EXIT_SETTING, (args, done.stderr[-3000:])
        assert mentions in one_error_line(done), args
    assert not recent.warehouse.exists()

    empty = Pipeline(recent.landing.parent.parent / "empty", start=str(day(-4)))
    done = empty.cli("plan", check=False)
    assert done.returncode == EXIT_LANDING
    assert "no landing day has arrived" in one_error_line(done)
    assert not empty.warehouse.exists()


def test_a_restatement_stays_within_what_production_covers(planned):
    recent = planned
    assert last_published_day(recent) == day(-1)
    for start, end in [(day(-2), day(5)), (day(-30), day(-29)), (day(-5), day(-3))]:
        done = recent.cli("restate", "--start", str(start), "--end", str(end), check=False)
        assert done.returncode == EXIT_SETTING, done.stderr[-3000:]
        line = one_error_line(done)
        assert f"outside what production covers, {day(-4)} (ANALYTICS_START) to {day(-1)}" in line
    assert last_published_day(recent) == day(-1)

    # The day after production's last one is still the next run's to read.
    land(recent, day(0), "u_3")
    recent.cli("run")
    assert active_on(recent, day(0)) == 1
    assert landed_rows(recent, day(0)) == [(f"dt={day(0)}/events.csv", 1)]


def test_a_setting_changed_since_the_plan_is_refused_until_it_is_planned(planned, tmp_path):
    recent = planned
    moved = tmp_path / "moved"
    shutil.copytree(recent.landing, moved)
    land(recent, day(0), "u_3", folder=moved)
    refused = {
        "ANALYTICS_LANDING_DIR": str(moved),
        "ANALYTICS_LATE_DAYS": "5",
        "ANALYTICS_START": str(day(-3)),
    }
    planned_env = dict(recent.env)
    for name, value in refused.items():
        recent.env = {**planned_env, name: value}
        done = recent.cli("run", check=False)
        assert done.returncode == EXIT_NEEDS_PLAN, (name, done.stderr[-3000:])
        line = one_error_line(done)
        assert name in line and value in line and "growth-analytics plan" in line, line
    recent.env = planned_env
    assert last_published_day(recent) == day(-1)

    # Planned, the new folder is production's, and its new day is read in full.
    recent.env["ANALYTICS_LANDING_DIR"] = str(moved)
    recent.cli("plan")
    assert last_published_day(recent) == day(0)
    assert active_on(recent, day(0)) == 1
    assert landed_rows(recent, day(0)) == [(f"dt={day(0)}/events.csv", 1)]
    recent.cli("run")
