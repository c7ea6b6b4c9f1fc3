"""The synthetic data generator: determinism, the dirt it is asked for, and the behaviour it
models. Every check reads the files back and judges rows by the event contract, independently of
the generator's internals; configurations are small so the whole module runs in seconds."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from growth_analytics import contract
from growth_analytics.generator import (
    EVENT_COLUMNS,
    PRESETS,
    GenerationStats,
    GeneratorConfig,
    GeneratorError,
    add_generate_parser,
    generate,
    main,
    run_generate,
)

# The contract the rows are judged by: the project's seeds.
EVENT_TYPES = {event_type.name for event_type in contract.event_types()}
MILES_TYPES = {event_type.name for event_type in contract.event_types() if event_type.miles_effect}
PLATFORMS = set(contract.platforms())
# Rates far above the sample's so that a few thousand rows measure them well.
DIRTY = GeneratorConfig(
    users=1_500, days=40, seed=11, bad_row_rate=0.02, duplicate_rate=0.02, late_rate=0.05
)
MEDIUM = GeneratorConfig(users=500, days=150, seed=5)


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.*"))}


def load(out: Path) -> pd.DataFrame:
    """All rows, in partition order and file order, with their partition date `dt`; text is
    trimmed and empty text is null, as the landing reader does."""
    frames = []
    for path in sorted(out.glob("dt=*/events.parquet")):
        frame = pq.read_table(path).to_pandas()
        frame["dt"] = dt.date.fromisoformat(path.parent.name.removeprefix("dt="))
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    for name in EVENT_COLUMNS:
        text = rows[name].str.strip()
        rows[name] = text.where(text != "")
    return rows


def classify(rows: pd.DataFrame) -> pd.DataFrame:
    """Adds `t` (parsed event time), `valid` (the contract's rules), `repeat` (the same values as
    an earlier row) and `dup` (a valid repeat, what the pipeline counts as a duplicate)."""
    rows = rows.copy()
    rows["t"] = pd.to_datetime(rows["event_time"], format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    miles = rows["miles_amount"]
    is_miles = rows["event_type"].isin(MILES_TYPES)
    miles_ok = (is_miles & miles.str.fullmatch(r"\d+\.0", na=False)) | (~is_miles & miles.isna())
    rows["valid"] = (
        rows["t"].notna()
        & (rows["t"].dt.date <= rows["dt"])
        & rows["user_id"].notna()
        & rows["event_type"].isin(EVENT_TYPES)
        & rows["platform"].str.lower().isin(PLATFORMS)
        & miles_ok
    )
    rows["repeat"] = rows.duplicated(subset=list(EVENT_COLUMNS), keep="first")
    rows["dup"] = rows["repeat"] & rows["valid"]
    return rows


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> tuple[GenerationStats, pd.DataFrame]:
    out = tmp_path_factory.mktemp("dirty")
    stats = generate(DIRTY, out)
    return stats, classify(load(out))


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> tuple[GenerationStats, pd.DataFrame]:
    out = tmp_path_factory.mktemp("medium")
    stats = generate(MEDIUM, out)
    rows = classify(load(out))
    return stats, rows[rows["valid"] & ~rows["dup"]]


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    config = GeneratorConfig(users=200, days=20, seed=3, bad_row_rate=0.02, duplicate_rate=0.02)
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(config, first)
    generate(config, second)
    generate(dataclasses.replace(config, seed=4), other)
    assert len(files_of(first)) == 20
    assert files_of(first) == files_of(second)
    assert files_of(first).keys() == files_of(other).keys()
    assert files_of(first) != files_of(other)


def test_one_all_text_file_per_landing_day_even_when_empty(tmp_path: Path) -> None:
    stats = generate(GeneratorConfig(users=1, days=5, bad_row_rate=0, duplicate_rate=0), tmp_path)
    paths = sorted(tmp_path.glob("dt=*/events.parquet"))
    assert [p.parent.name for p in paths] == [f"dt=2025-01-0{d}" for d in range(1, 6)]
    for path in paths:
        schema = pq.read_schema(path)
        assert schema.names == list(EVENT_COLUMNS)
        assert set(schema.types) == {pa.string()}
    assert min(pq.read_metadata(p).num_rows for p in paths) == 0
    assert stats.files == 5
    assert stats.bad_rows == stats.duplicate_rows == 0
    assert sum(pq.read_metadata(p).num_rows for p in tmp_path.rglob("*.parquet")) == (
        stats.events_written
    )


def test_values_follow_the_contract(dirty) -> None:
    stats, rows = dirty
    assert list(rows.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert len(rows) == stats.events_written
    valid = rows[rows["valid"]]
    assert valid["event_time"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}").all()
    assert valid["user_id"].str.fullmatch(r"u_\d{6}").all()
    earned = valid.loc[valid["event_type"] == "miles_earned", "miles_amount"].astype(float)
    redeemed = valid.loc[valid["event_type"] == "miles_redeemed", "miles_amount"].astype(float)
    assert earned.between(80, 1200).all() and redeemed.between(800, 2400).all()
    social = valid[valid["event_type"].isin({"like", "share"})]
    assert social["transaction_category"].isna().all()
    searches = valid.loc[valid["event_type"] == "reward_search", "transaction_category"]
    assert searches.isna().any() and searches.notna().any()


def test_requested_rates_are_met(dirty) -> None:
    stats, rows = dirty
    bad, dup = ~rows["valid"], rows["dup"]
    # The files agree exactly with what the generator says it wrote...
    assert int(bad.sum()) == stats.bad_rows
    assert int(dup.sum()) == stats.duplicate_rows
    assert int((rows["valid"] & ~dup).sum()) == stats.valid_events
    assert stats.events_written == stats.valid_events + stats.bad_rows + stats.duplicate_rows
    # ...and with the rates asked for (fractions of generated events).
    generated = stats.valid_events + stats.bad_rows
    assert stats.bad_rows / generated == pytest.approx(DIRTY.bad_row_rate, rel=0.2)
    assert stats.duplicate_rows / generated == pytest.approx(DIRTY.duplicate_rate, rel=0.2)
    assert stats.late_rows / generated == pytest.approx(DIRTY.late_rate, rel=0.2)


def test_bad_rows_come_in_varied_kinds(dirty) -> None:
    _, rows = dirty
    bad = rows[~rows["valid"]]
    is_miles = bad["event_type"].isin(MILES_TYPES)
    kinds = {
        "missing time": bad["event_time"].isna(),
        "garbage time": bad["event_time"].notna() & bad["t"].isna(),
        "future time": bad["t"].dt.date > bad["dt"],
        "missing user": bad["user_id"].isna(),
        "unknown type": ~bad["event_type"].isin(EVENT_TYPES),
        "negative miles": is_miles & bad["miles_amount"].str.startswith("-", na=False),
        "non-numeric miles": is_miles & ~bad["miles_amount"].str.fullmatch(r"-?\d+\.0", na=False),
        "miles on like/share": bad["event_type"].isin({"like", "share"})
        & bad["miles_amount"].notna(),
        "unknown platform": ~bad["platform"].str.lower().isin(PLATFORMS),
    }
    for kind, mask in kinds.items():
        assert mask.any(), kind
    # Odd casing is dirt the contract accepts: such rows are valid.
    odd_case = rows["platform"].notna() & (rows["platform"] != rows["platform"].str.lower())
    assert rows.loc[odd_case & rows["platform"].str.lower().isin(PLATFORMS), "valid"].sum() > 0


def test_late_events_sit_in_a_later_partition(dirty) -> None:
    stats, rows = dirty
    events = rows[rows["valid"] & ~rows["dup"]]
    lateness = (pd.to_datetime(events["dt"]) - events["t"].dt.normalize()).dt.days
    late = lateness[lateness > 0]
    assert lateness.min() == 0
    assert late.max() <= 6
    assert (late <= 3).mean() >= 0.7
    assert len(late) / len(events) == pytest.approx(DIRTY.late_rate, rel=0.2)
    # stats.late_rows also counts late bad rows, which the files cannot date.
    assert len(late) <= stats.late_rows <= len(late) + stats.bad_rows


def test_duplicates_are_exact_repeats_in_the_same_or_a_later_file(dirty) -> None:
    _, rows = dirty
    # One hash per row stands for its eight values (grouping on them directly is slow).
    key = pd.util.hash_pandas_object(rows[list(EVENT_COLUMNS)], index=False)
    landed = pd.to_datetime(rows["dt"])
    first_landed = landed.groupby(key).transform("min")
    copies = rows[rows["dup"]]
    assert len(copies) > 0
    # Only valid rows are copied; bad rows repeat by chance only when they lost their time (two
    # likes of one user on one platform without a timestamp are the same row).
    assert rows.loc[rows["repeat"] & ~rows["valid"], "t"].isna().all()
    delay = (landed[copies.index] - first_landed[copies.index]).dt.days
    assert delay.between(0, 3).all()
    assert (delay == 0).any() and (delay > 0).any()


def test_negative_balances_are_a_minority(medium) -> None:
    stats, events = medium
    miles = events["miles_amount"].astype(float).fillna(0)
    sign = events["event_type"].map({"miles_earned": 1, "miles_redeemed": -1}).fillna(0)
    balance = (miles * sign).groupby(events["user_id"]).sum()
    share = (balance < 0).mean()
    assert 0.10 <= share <= 0.30
    assert (balance < 0).sum() == stats.negative_balance_users


def test_utm_source_and_country_are_constant_per_user(dirty, medium) -> None:
    for _, rows in (dirty, medium):
        valid = rows[rows["valid"]]
        per_user = valid.groupby("user_id")[["utm_source", "country"]].nunique(dropna=False)
        assert (per_user == 1).all().all()


def test_users_have_a_primary_platform_but_use_others(medium) -> None:
    _, events = medium
    platforms = events["platform"].str.lower()
    share = platforms.groupby(events["user_id"]).agg(
        lambda p: p.value_counts(normalize=True).iloc[0]
    )
    assert share.median() >= 0.8
    assert (share < 1).mean() >= 0.1


def test_acquisition_grows_then_decays(medium) -> None:
    _, events = medium
    first = events.groupby("user_id")["t"].min()
    weekly = first.dt.to_period("W").value_counts().sort_index().iloc[1:-1]
    peak = weekly.values.argmax()
    assert 0 < peak < len(weekly) - 1
    assert weekly.iloc[0] < weekly.max() / 2
    assert weekly.iloc[-1] < weekly.max() * 0.7


def test_retention_drops_early_and_keeps_a_tail(medium) -> None:
    _, events = medium
    days = events.assign(day=events["t"].dt.normalize())[["user_id", "day"]].drop_duplicates()
    age = (days["day"] - days.groupby("user_id")["day"].transform("min")).dt.days
    users = days["user_id"].nunique()
    active_after = age.groupby(days["user_id"]).max()
    assert (active_after < 7).mean() > 0.4  # about half the users are gone within a week
    assert (active_after >= 60).sum() / users > 0.05  # a long tail stays


def test_some_users_resurrect_after_a_long_dormancy(medium) -> None:
    _, events = medium
    days = events.assign(day=events["t"].dt.normalize())[["user_id", "day"]].drop_duplicates()
    days = days.sort_values(["user_id", "day"])
    gaps = days.groupby("user_id")["day"].diff().dt.days
    assert (gaps >= 30).any()
    assert (gaps.between(7, 29)).any() and (gaps.between(2, 6)).any()


def test_sessions_are_bursty_and_some_cross_midnight(medium) -> None:
    _, events = medium
    events = events.sort_values(["user_id", "t"])
    previous = events.groupby("user_id")["t"].shift()
    gap = (events["t"] - previous).dt.total_seconds()
    within = gap <= 30 * 60
    assert within.mean() > 0.6  # most events follow another within minutes
    assert gap[within].median() < 5 * 60
    assert gap.between(3600, 12 * 3600).sum() > 0.1 * (~within).sum()  # sessions hours apart
    crosses_midnight = within & (events["t"].dt.date != previous.dt.date)
    assert crosses_midnight.any()


def test_csv_has_the_exact_header_and_the_same_rows(tmp_path: Path) -> None:
    config = GeneratorConfig(users=150, days=10, seed=9, bad_row_rate=0.05, duplicate_rate=0.02)
    generate(config, tmp_path / "parquet")
    stats = generate(dataclasses.replace(config, fmt="csv"), tmp_path / "csv")
    paths = sorted((tmp_path / "csv").glob("dt=*/events.csv"))
    assert len(paths) == stats.files == 10
    header = (
        "event_time,user_id,event_type,transaction_category,"
        "miles_amount,platform,utm_source,country"
    )
    for path in paths:
        assert path.read_text().split("\n", 1)[0] == header
    from_csv = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True
    )
    from_parquet = load(tmp_path / "parquet")[list(EVENT_COLUMNS)]
    # CSV cannot tell an empty string from a null: both are empty fields.
    assert from_csv.equals(from_parquet.fillna(""))


def test_sample_preset_is_small(tmp_path: Path) -> None:
    sample = PRESETS["sample"]
    assert (sample.users, sample.days, sample.start) == (2_000, 120, dt.date(2025, 1, 1))
    assert 0 < sample.bad_row_rate <= 0.005 and 0 < sample.duplicate_rate <= 0.005
    assert 0 < sample.late_rate <= 0.02
    stats = generate(sample, tmp_path)
    assert stats.bytes_written < 5_000_000
    assert stats.bytes_written == sum(p.stat().st_size for p in tmp_path.rglob("*.parquet"))
    assert stats.bad_rows > 0 and stats.duplicate_rows > 0 and stats.late_rows > 0


def test_config_is_validated() -> None:
    for bad in ({"users": 0}, {"days": 0}, {"seed": -1}, {"late_rate": 0.9}, {"fmt": "json"}):
        with pytest.raises(GeneratorError):
            GeneratorConfig(**bad)


def test_cli_generates_refuses_stale_partitions_and_cleans(tmp_path: Path, capsys) -> None:
    out = tmp_path / "landing"
    assert main(["generate", "--users", "20", "--days", "3", "--seed", "1", "--out", str(out)]) == 0
    assert len(list(out.glob("dt=*/events.parquet"))) == 3
    stale = out / "dt=2024-12-31" / "events.parquet"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    args = ["generate", "--users", "20", "--days", "3", "--format", "csv", "--out", str(out)]
    assert main(args) == 2
    assert "--clean" in capsys.readouterr().err
    assert main([*args, "--clean"]) == 0
    assert sorted(p.name for p in out.rglob("*") if p.is_file()) == ["events.csv"] * 3
    assert not stale.parent.exists()


def test_parser_registers_on_another_cli() -> None:
    parser = argparse.ArgumentParser(prog="growth-analytics")
    add_generate_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["generate", "--preset", "sample", "--days", "2", "--bad-rate", "0.1", "--out", "x"]
    )
    assert args.func is run_generate
    assert (args.days, args.bad_row_rate, args.users) == (2, 0.1, None)
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--late-rate", "2", "--out", "x"])


def test_a_type_added_to_the_seed_needs_its_behaviour(tmp_path):
    """The generator simulates each type by name: a seed with a type it does not know is refused
    by name, not simulated with a made-up mix."""
    from growth_analytics.generator import parameters

    seed = (contract.SEEDS / "event_types.csv").read_text() + "miles_transfer,redeemed\n"
    (tmp_path / "event_types.csv").write_text(seed)
    shutil.copy(contract.SEEDS / "activity_event_types.csv", tmp_path)
    names = tuple(event_type.name for event_type in contract.event_types(tmp_path))
    assert names[-1] == "miles_transfer"
    with pytest.raises(ValueError, match="miles_transfer"):
        parameters.in_seed_order(parameters.EVENT_TYPE_MIX, names, "event types")
    assert parameters.in_seed_order(parameters.EVENT_TYPE_MIX, names[:-1], "event types") == (
        parameters.EVENT_TYPE_WEIGHTS
    )
