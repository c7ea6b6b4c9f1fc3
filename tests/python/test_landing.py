"""The landing reader on its own: what a line is, which day it landed, what fails loudly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from growth_analytics import landing

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)
GOOD = "2025-03-08 10:00:00,u_1,miles_earned,dining,516.0,web,organic,SG"
D = dt.date.fromisoformat


def rows(landing_dir: Path, start="2025-03-01", end="2025-03-31", first="2025-03-01"):
    frames = list(landing.landed_rows(landing_dir, D(start), D(end), D(first)))
    if not frames:
        return pd.DataFrame(columns=list(landing.RAW_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("dt=2025-03-08/events.csv", D("2025-03-08")),
        ("2025/dt=2025-03-08/part-0.parquet", D("2025-03-08")),
        ("events_2025-03-09.csv", D("2025-03-09")),
        ("dt=2025-03-08/events_2025-03-09.csv", D("2025-03-08")),  # the folder wins
        ("event_stream.csv", None),
        ("dt=2025-02-30/events.csv", None),  # not a date: unpartitioned
        ("events_20250308.csv", None),
    ],
)
def test_partition_date_of(relative, expected):
    assert landing.partition_date_of(Path(relative)) == expected


def test_each_line_is_one_row_and_bad_lines_stay_alone(tmp_path):
    text = "\n".join(
        [
            HEADER,
            GOOD,
            '2025-03-08 10:01:00,"u_2,miles_earned,dining,1,web,organic,SG',  # unclosed quote
            "2025-03-08 10:02:00,u_3,like",  # too few columns
            "",  # blank lines are not rows
            "2025-03-08 10:03:00,u_4,like,,,web,organic,SG,extra",  # too many
            GOOD.replace("u_1", "u_5"),
        ]
    )
    data = text.encode() + b"\n2025-03-08 10:04:00,u_\xff,like,,,web,organic,SG\r\n" + GOOD.encode()
    write(tmp_path / "dt=2025-03-08" / "a.csv", data)
    out = rows(tmp_path)
    assert list(out["source_line"]) == [2, 3, 4, 6, 7, 8, 9]
    assert list(out["parse_error"].fillna("ok")) == [
        "ok",
        "malformed_csv",
        "wrong_column_count",
        "wrong_column_count",
        "ok",
        "invalid_utf8",
        "ok",
    ]
    assert out.loc[5, "raw_line"] == "2025-03-08 10:04:00,u_\\xff,like,,,web,organic,SG"
    assert out.loc[0, "miles_amount"] == "516.0"
    assert set(out["landed_date"]) == {D("2025-03-08")}
    assert set(out["source_file"]) == {"dt=2025-03-08/a.csv"}


def test_empty_strings_are_null_and_columns_are_matched_by_name(tmp_path):
    names = ("country", "platform", "user_id", "event_time", "event_type", "transaction_category")
    reordered = ",".join((*names, "miles_amount", "utm_source"))
    write(
        tmp_path / "dt=2025-03-08" / "a.csv",
        f"\ufeff{reordered}\nSG, WEB ,u_1,2025-03-08 10:00:00,like,,,\n",
    )
    out = rows(tmp_path)
    assert out.loc[0, "user_id"] == "u_1"
    assert out.loc[0, "platform"] == "WEB"  # casing is normalised in SQL, not here
    assert out.loc[0, "country"] == "SG"
    assert out.loc[0, "miles_amount"] is None
    assert out.loc[0, "utm_source"] is None


def test_wrong_header_quarantines_every_line(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"time,user,type\n{GOOD}\n{GOOD}\n")
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["invalid_header", "invalid_header"]
    assert list(out["source_line"]) == [2, 3]
    assert out.loc[0, "raw_line"] == GOOD


def test_missing_header_quarantines_every_line_including_the_first(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{GOOD}\n{GOOD}\n")
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["missing_header", "missing_header"]
    assert list(out["source_line"]) == [1, 2]


@pytest.mark.parametrize("content", [b"", HEADER.encode() + b"\n", b"\n\n"])
def test_empty_files_give_no_rows_and_no_error(tmp_path, content):
    write(tmp_path / "dt=2025-03-08" / "a.csv", content)
    out = rows(tmp_path)
    assert len(out) == 0
    assert list(out.columns) == list(landing.RAW_COLUMNS)


def test_daily_interval_reads_only_its_partitions(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n{GOOD}\n")
    write(tmp_path / "dt=2025-03-09" / "a.csv", f"{HEADER}\n{GOOD}\n")
    out = rows(tmp_path, start="2025-03-09", end="2025-03-09")
    assert list(out["source_file"]) == ["dt=2025-03-09/a.csv"]


def test_unpartitioned_rows_land_on_their_event_date_never_before_the_start(tmp_path):
    write(
        tmp_path / "history.csv",
        "\n".join(
            [
                HEADER,
                GOOD.replace("2025-03-08", "2025-02-20"),  # before the start: lands on the start
                GOOD,
                GOOD.replace("2025-03-08", "2025-03-12"),
                "not a time,u_9,like,,,web,organic,SG",  # no date: the file's earliest
            ]
        ),
    )
    out = rows(tmp_path, start="2025-03-01", end="2025-03-31", first="2025-03-05")
    assert list(out["landed_date"]) == [
        D("2025-03-05"),
        D("2025-03-08"),
        D("2025-03-12"),
        D("2025-03-05"),
    ]
    only_ninth = rows(tmp_path, start="2025-03-12", end="2025-03-12", first="2025-03-05")
    assert list(only_ninth["source_line"]) == [4]


def test_parquet_rows_are_text_with_row_numbers(tmp_path):
    table = pa.table(
        {
            "event_time": pa.array([dt.datetime(2025, 3, 8, 10, 0, 0, 784808), None]),
            "user_id": ["u_1", "u_2"],
            "event_type": ["miles_earned", "like"],
            "transaction_category": ["dining", None],
            "miles_amount": [516.0, None],
            "platform": ["web", "IOS"],
            "utm_source": ["organic", "google"],
            "country": ["SG", "TH"],
        }
    )
    path = tmp_path / "dt=2025-03-08" / "part.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)
    out = rows(tmp_path)
    assert list(out["source_line"]) == [1, 2]
    assert out.loc[0, "event_time"] == "2025-03-08 10:00:00.784808"
    assert out.loc[0, "miles_amount"] == "516"
    assert out.loc[1, "event_time"] is None or pd.isna(out.loc[1, "event_time"])
    assert out["parse_error"].isna().all()


def test_parquet_without_the_contract_columns_is_quarantined(tmp_path):
    path = tmp_path / "dt=2025-03-08" / "part.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"when": ["2025-03-08"], "who": ["u_1"]}), path)
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["invalid_header"]
    assert '"who": "u_1"' in out.loc[0, "raw_line"]


def test_unreadable_files_fail_loudly_naming_the_file(tmp_path):
    bad = write(tmp_path / "dt=2025-03-08" / "broken.parquet", b"PAR1 this is not parquet")
    with pytest.raises(landing.LandingError, match=str(bad)):
        rows(tmp_path)


def test_unknown_file_types_fail_but_markers_are_skipped(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "_SUCCESS", "")
    write(tmp_path / ".DS_Store", "x")
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n{GOOD}\n")
    assert len(rows(tmp_path)) == 1
    write(tmp_path / "dt=2025-03-08" / "events.json", "{}")
    with pytest.raises(landing.LandingError, match=r"events\.json"):
        rows(tmp_path)


def test_missing_landing_folder_fails(tmp_path):
    with pytest.raises(landing.LandingError, match="ANALYTICS_LANDING_DIR"):
        rows(tmp_path / "nope")
