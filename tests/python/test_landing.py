"""The landing reader on its own: what a line is, which day it landed, what fails loudly."""

from __future__ import annotations

import datetime as dt
import gzip
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


def pieces(landing_dir: Path, start="2025-03-01", end="2025-03-31", first="2025-03-01"):
    """Every piece (record, header, blank, skipped) of the interval, by file and line."""
    return landing.read_pieces(landing_dir, D(start), D(end), D(first)).to_pandas()


def rows(landing_dir: Path, start="2025-03-01", end="2025-03-31", first="2025-03-01"):
    """The records only: what staging types and classifies."""
    out = pieces(landing_dir, start, end, first)
    return out[out["piece"] == "record"].reset_index(drop=True)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def assert_lines_covered(out: pd.DataFrame) -> None:
    """The pieces of each file cover exactly its own line count (the accounting's audit)."""
    read = out[out["piece"] != "skipped"]
    for _, group in read.groupby("source_file"):
        assert group["line_count"].sum() == group["file_lines"].iloc[0]


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
    everything = pieces(tmp_path)
    assert list(everything["piece"]) == ["header"] + ["record"] * 3 + ["blank"] + ["record"] * 4
    assert_lines_covered(everything)
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
    # A line that is not UTF-8 keeps its bytes, the others escaped as \xHH.
    assert out.loc[5, "raw_line"] == "2025-03-08 10:04:00,u_\\xFF,like,,,web,organic,SG"
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


def test_wrong_header_quarantines_every_line_and_the_header(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"time,user,type\n{GOOD}\n{GOOD}\n")
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["invalid_header"] * 3
    assert list(out["source_line"]) == [1, 2, 3]
    assert list(out["raw_line"]) == ["time,user,type", GOOD, GOOD]


def test_missing_header_quarantines_every_line_including_the_first(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{GOOD}\n{GOOD}\n")
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["missing_header", "missing_header"]
    assert list(out["source_line"]) == [1, 2]


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", []), (HEADER.encode() + b"\n", ["header"]), (b"\n\n", ["blank", "blank"])],
)
def test_empty_files_give_no_records_and_no_error(tmp_path, content, expected):
    write(tmp_path / "dt=2025-03-08" / "a.csv", content)
    out = pieces(tmp_path)
    assert list(out["piece"]) == expected
    assert list(out.columns) == list(landing.PIECE_COLUMNS)


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
    out = pieces(tmp_path)
    assert list(out["source_line"]) == [1, 2]
    assert list(out["file_lines"]) == [2, 2]  # the footer's row count
    assert out.loc[0, "event_time"] == "2025-03-08 10:00:00.784808"
    assert out.loc[0, "miles_amount"] == "516.0"  # a DOUBLE as DuckDB writes it
    assert out.loc[1, "event_time"] is None or pd.isna(out.loc[1, "event_time"])
    assert out["parse_error"].isna().all()


def test_parquet_without_the_contract_columns_is_quarantined(tmp_path):
    path = tmp_path / "dt=2025-03-08" / "part.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"when": ["2025-03-08"], "who": ["u_1"]}), path)
    out = rows(tmp_path)
    assert list(out["parse_error"]) == ["invalid_header"]
    assert out.loc[0, "raw_line"] == '{"when":"2025-03-08","who":"u_1"}'


def test_unreadable_files_fail_loudly_naming_the_file(tmp_path):
    bad = write(tmp_path / "dt=2025-03-08" / "broken.parquet", b"PAR1 this is not parquet")
    with pytest.raises(landing.LandingError, match=str(bad)):
        rows(tmp_path)


def test_unknown_file_types_fail_but_markers_are_skipped_and_listed(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "_SUCCESS", "")
    write(tmp_path / ".DS_Store", "x")
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n{GOOD}\n")
    assert len(rows(tmp_path)) == 1
    skipped = pieces(tmp_path).query("piece == 'skipped'")
    # A dated path is a row of its day; an undated one (.DS_Store) is a warning in the log.
    assert list(skipped["source_file"]) == ["dt=2025-03-08/_SUCCESS"]
    assert list(skipped["parse_error"]) == ["hidden_or_marker"]
    write(tmp_path / "dt=2025-03-08" / "events.json", "{}")
    with pytest.raises(landing.LandingError, match=r"events\.json"):
        rows(tmp_path)


def test_missing_landing_folder_fails(tmp_path):
    with pytest.raises(landing.LandingError, match="ANALYTICS_LANDING_DIR"):
        rows(tmp_path / "nope")


# The layouts below each lost or invented lines with the previous reader (issue 9's hostile
# folder): every line now ends a record (loaded or quarantined with a reason), a header, a blank
# or a listed skip, and the pieces of every file cover its own line count.


def test_carriage_return_only_line_endings_are_lines(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\r{GOOD}\r{GOOD}")
    out = pieces(tmp_path)
    assert list(out["piece"]) == ["header", "record", "record"]
    assert out["parse_error"].isna().all()
    assert_lines_covered(out)


def test_crlf_and_a_byte_order_mark_load(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"\ufeff{HEADER}\r\n{GOOD}\r\n{GOOD}\r\n")
    out = rows(tmp_path)
    assert len(out) == 2
    assert out["parse_error"].isna().all()
    assert list(out["country"]) == ["SG", "SG"]  # no \r left on the last field


def test_gzip_compressed_csv_loads(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv.gz", gzip.compress(f"{HEADER}\n{GOOD}\n".encode()))
    out = pieces(tmp_path)
    assert list(out["piece"]) == ["header", "record"]
    assert out.loc[1, "user_id"] == "u_1"
    assert list(out["source_file"]) == ["dt=2025-03-08/a.csv.gz"] * 2


@pytest.mark.parametrize(
    "first_row",
    [
        b",u_1,like,,,web,organic,SG",  # an empty time
        b"03/01/2025,u_1,like,,,web,organic,SG",  # a date that is not ISO
        b"2025-03-08 10:00:00,u_\xe9,like,,,web,organic,SG",  # latin-1
    ],
)
def test_a_header_less_file_keeps_its_first_row(tmp_path, first_row):
    write(tmp_path / "dt=2025-03-08" / "a.csv", first_row + b"\n" + GOOD.encode() + b"\n")
    out = pieces(tmp_path)
    assert list(out["piece"]) == ["record", "record"]
    assert list(out["source_line"]) == [1, 2]
    assert out.loc[1, "parse_error"] == "missing_header"
    assert out.loc[0, "parse_error"] in ("missing_header", "invalid_utf8")


def test_a_quoted_line_break_is_one_record_not_two(tmp_path):
    inner = "2025-03-08 11:00:00,u_9,like,,,web,organic,SG"  # shaped like a row, inside quotes
    write(
        tmp_path / "dt=2025-03-08" / "a.csv",
        f'{HEADER}\n2025-03-08 10:00:00,u_1,like,"a\n{inner}\nb",,web,organic,SG\n{GOOD}\n',
    )
    out = pieces(tmp_path)
    assert list(out["piece"]) == ["header", "record", "record"]
    assert list(out["source_line"]) == [1, 2, 5]
    assert list(out["line_count"]) == [1, 3, 1]
    assert out.loc[1, "transaction_category"] == f"a\n{inner}\nb"
    assert "u_9" not in set(out["user_id"].dropna())
    assert_lines_covered(out)


def test_an_unclosed_quote_does_not_swallow_the_rest_of_the_file(tmp_path):
    write(
        tmp_path / "dt=2025-03-08" / "a.csv",
        f'{HEADER}\n2025-03-08 10:00:00,"u_1,like,,,web,organic,SG\n{GOOD}\n{GOOD}\n',
    )
    out = rows(tmp_path)
    assert list(out["parse_error"].fillna("ok")) == ["malformed_csv", "ok", "ok"]


def test_a_one_megabyte_line_is_read(tmp_path):
    long = "2025-03-08 10:00:00,u_1,like,,,web," + "x" * 1_000_000 + ",SG"
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n{long}\n")
    out = rows(tmp_path)
    assert len(out) == 1
    assert len(out.loc[0, "utm_source"]) == 1_000_000


def test_nul_bytes_reach_staging_as_they_are(tmp_path):
    # The reader keeps the value; staging rejects it (control_characters).
    write(
        tmp_path / "dt=2025-03-08" / "a.csv",
        f"{HEADER}\n2025-03-08 10:00:00,u_\x001,like,,,web,x,SG\n",
    )
    assert rows(tmp_path).loc[0, "user_id"] == "u_\x001"


def test_pandas_nanosecond_timestamps_are_text_to_the_microsecond(tmp_path):
    frame = pd.DataFrame(
        {
            "event_time": pd.to_datetime(["2025-03-08 10:00:00.123456789"]),
            "user_id": ["u_1"],
            "event_type": ["like"],
            "transaction_category": [None],
            "miles_amount": [None],
            "platform": ["web"],
            "utm_source": ["organic"],
            "country": ["SG"],
        }
    )
    path = tmp_path / "dt=2025-03-08" / "part.parquet"
    path.parent.mkdir(parents=True)
    frame.to_parquet(path)  # pandas' default: datetime64[ns]
    out = rows(tmp_path)
    assert out.loc[0, "event_time"] == "2025-03-08 10:00:00.123456"
    assert pd.isna(out.loc[0, "parse_error"])


def test_skipped_paths_are_listed_with_their_reason(tmp_path):
    day = tmp_path / "dt=2025-03-08"
    write(day / "_retry_events.csv", f"{HEADER}\n{GOOD}\n")
    (day / "events.csv").mkdir()
    (day / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    out = pieces(tmp_path)
    assert dict(zip(out["source_file"], out["parse_error"], strict=True)) == {
        "dt=2025-03-08/_retry_events.csv": "hidden_or_marker",
        "dt=2025-03-08/events.csv": "not_a_file",
        "dt=2025-03-08/gone.csv": "broken_link",
    }
    assert set(out["piece"]) == {"skipped"}


def test_undated_skipped_paths_are_a_warning(tmp_path, caplog):
    write(tmp_path / "_retry_events.csv", f"{HEADER}\n{GOOD}\n")
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n{GOOD}\n")
    with caplog.at_level("WARNING", logger="growth_analytics.landing"):
        assert len(rows(tmp_path)) == 1
    assert "_retry_events.csv" in caplog.text
    assert "hidden_or_marker" in caplog.text


def test_an_empty_first_field_keeps_the_fields_in_place(tmp_path):
    write(tmp_path / "dt=2025-03-08" / "a.csv", f"{HEADER}\n,u_1,like,,,web,organic,SG\n")
    out = rows(tmp_path)
    assert pd.isna(out.loc[0, "parse_error"])
    assert pd.isna(out.loc[0, "event_time"])
    assert (out.loc[0, "user_id"], out.loc[0, "country"]) == ("u_1", "SG")
