"""The whole pipeline on a landing folder of valid and deliberately broken files: every raw row ends
staged, duplicate or rejected with a reason; late events are reflected after the next daily run;
a second run changes nothing. Expectations are written out by hand below."""

from __future__ import annotations

import pytest
from conftest import Pipeline, write_csv

pytestmark = pytest.mark.pipeline

HEADER = (
    "event_time,user_id,event_type,transaction_category,miles_amount,platform,utm_source,country"
)

GOOD = [
    "2025-03-08 09:00:00,u_1,miles_earned,dining,100.0,ios,organic,SG",
    "2025-03-08 09:10:00,u_1,reward_search,,,IOS,organic,SG",  # casing: valid
    "2025-03-08 09:20:00,u_1,miles_redeemed,travel,900,Web ,organic,SG",  # casing + space
    "2025-03-08 23:50:00,u_2,like,,,android,google,TH",
    "2025-03-09 00:10:00,u_2,share,,,android,google,TH",  # future for a 03-08 file
    "2025-03-08 23:50:00,u_2,like,,,android,google,TH",  # exact duplicate of line 5
]

FIELD_ERRORS = {
    ",u_3,like,,,web,organic,SG": "missing_event_time",
    "2025-02-30 10:00:00,u_3,like,,,web,organic,SG": "unparseable_event_time",
    "2025-03-08 10:00:00+08:00,u_3,like,,,web,organic,SG": "unparseable_event_time",
    "2025-02-20 10:00:00,u_3,like,,,web,organic,SG": "before_start",  # the pipeline starts 03-01
    "2025-03-08 10:00:00,u_\x003,like,,,web,organic,SG": "control_characters",  # a NUL
    "2025-03-08 10:00:00,,like,,,web,organic,SG": "missing_user_id",
    "2025-03-08 10:00:00,u_3,purchase,,,web,organic,SG": "unknown_event_type",
    "2025-03-08 10:00:00,u_3,like,,,windows,organic,SG": "invalid_platform",
    "2025-03-08 10:00:00,u_3,miles_earned,dining,,web,organic,SG": "missing_miles",
    "2025-03-08 10:00:00,u_3,miles_earned,dining,-5,web,organic,SG": "negative_miles",
    "2025-03-08 10:00:00,u_3,miles_redeemed,dining,lots,web,organic,SG": "non_numeric_miles",
    "2025-03-08 10:00:00,u_3,miles_earned,dining,12.5,web,organic,SG": "fractional_miles",
    "2025-03-08 10:00:00,u_3,share,,40,web,organic,SG": "miles_on_non_miles_event",
}

MALFORMED = (
    f"{HEADER}\n"
    '2025-03-08 11:00:00,"u_4,like,,,web,organic,SG\n'  # line 2: unclosed quote
    "2025-03-08 11:00:00,u_4,like\n"  # line 3: too few columns
).encode() + (
    b"2025-03-08 11:00:00,u_\xe9,like,,,web,organic,SG\n"  # line 4: Latin-1, not UTF-8
    b"2025-03-08 11:05:00,u_4,like,,,web,organic,SG\n"  # line 5: fine, after the bad ones
)


def landing_files(pipeline) -> None:
    day8, day9 = (pipeline.landing / f"dt=2025-03-{d:02d}" for d in (8, 9))
    write_csv(day8 / "good.csv", "\n".join([HEADER, *GOOD]) + "\n")
    write_csv(day8 / "field_errors.csv", "\n".join([HEADER, *FIELD_ERRORS]) + "\n")
    write_csv(day8 / "malformed.csv", MALFORMED)
    write_csv(day9 / "replayed_good.csv", "\n".join([HEADER, *GOOD[:4]]) + "\n")
    write_csv(day9 / "wrong_header.csv", f"time,user,type\n{GOOD[0]}\n{GOOD[1]}\n")
    write_csv(day9 / "no_header.csv", f"{GOOD[0]}\n")
    write_csv(day9 / "empty.csv", "")
    write_csv(day9 / "header_only.csv", HEADER + "\n")
    write_csv(day9 / "new.csv", f"{HEADER}\n2025-03-09 08:00:00,u_5,like,,,web,referral,MY\n")


# (landed_date, file): (raw, staged, duplicate, rejected), counted by hand from the files above.
EXPECTED_ACCOUNTING = {
    ("2025-03-08", "dt=2025-03-08/good.csv"): (6, 4, 1, 1),
    ("2025-03-08", "dt=2025-03-08/field_errors.csv"): (13, 0, 0, 13),
    ("2025-03-08", "dt=2025-03-08/malformed.csv"): (4, 1, 0, 3),
    ("2025-03-09", "dt=2025-03-09/replayed_good.csv"): (4, 0, 4, 0),
    # A header that is not the contract's is a record like the others, and quarantined with them.
    ("2025-03-09", "dt=2025-03-09/wrong_header.csv"): (3, 0, 0, 3),
    ("2025-03-09", "dt=2025-03-09/no_header.csv"): (1, 0, 0, 1),
    ("2025-03-09", "dt=2025-03-09/new.csv"): (1, 1, 0, 0),
    ("2025-03-09", "dt=2025-03-09/header_only.csv"): (0, 0, 0, 0),  # listed, with its header line
}


@pytest.fixture(scope="module")
def broken_landing(tmp_path_factory):
    """Built once for the module: the tests read it, and the last one runs it again to show that
    nothing changes."""
    pipeline = Pipeline(tmp_path_factory.mktemp("broken"), start="2025-03-01")
    landing_files(pipeline)
    pipeline.cli("run", "--init")
    return pipeline


def test_every_raw_row_is_accounted_for(broken_landing):
    rows = broken_landing.query(
        "SELECT CAST(landed_date AS VARCHAR), source_file, raw_rows, staged_rows, duplicate_rows, "
        "rejected_rows FROM analytics.ingestion_accounting"
    )
    assert {(r[0], r[1]): tuple(r[2:]) for r in rows} == EXPECTED_ACCOUNTING
    raw = broken_landing.scalar(
        "SELECT COUNT(*) FROM staging.stg_events_classified "
        "WHERE status IN ('valid', 'duplicate', 'rejected')"
    )
    staged = broken_landing.scalar("SELECT COUNT(*) FROM staging.stg_user_events")
    rejected = broken_landing.scalar("SELECT COUNT(*) FROM analytics.rejected_events")
    duplicates = broken_landing.scalar(
        "SELECT COUNT(*) FROM staging.stg_events_classified WHERE status = 'duplicate'"
    )
    assert (raw, staged, duplicates, rejected) == (32, 6, 5, 21)


def test_every_rejected_row_has_its_reason_file_and_line(broken_landing):
    rejected = broken_landing.query(
        "SELECT source_file, source_line, reject_reason FROM analytics.rejected_events"
    )
    by_place = {(f, line): reason for f, line, reason in rejected}
    for line, reason in enumerate(FIELD_ERRORS.values(), start=2):
        assert by_place[("dt=2025-03-08/field_errors.csv", line)] == reason
    assert by_place[("dt=2025-03-08/good.csv", 6)] == "future_event_time"
    assert by_place[("dt=2025-03-08/malformed.csv", 2)] == "malformed_csv"
    assert by_place[("dt=2025-03-08/malformed.csv", 3)] == "wrong_column_count"
    assert by_place[("dt=2025-03-08/malformed.csv", 4)] == "invalid_utf8"
    assert by_place[("dt=2025-03-09/wrong_header.csv", 1)] == "invalid_header"
    assert by_place[("dt=2025-03-09/wrong_header.csv", 2)] == "invalid_header"
    assert by_place[("dt=2025-03-09/no_header.csv", 1)] == "missing_header"
    assert all(reason for reason in by_place.values())
    raw_line = broken_landing.scalar(
        "SELECT raw_line FROM analytics.rejected_events WHERE reject_reason = 'invalid_utf8'"
    )
    assert raw_line == "2025-03-08 11:00:00,u_\\xE9,like,,,web,organic,SG"


def test_staged_events_are_normalised(broken_landing):
    platforms = broken_landing.query(
        "SELECT platform, COUNT(*) FROM analytics.fct_events GROUP BY 1 ORDER BY 1"
    )
    assert platforms == [("android", 1), ("ios", 2), ("web", 3)]
    balance = broken_landing.query(
        "SELECT user_id, total_miles_earned, total_miles_redeemed, miles_balance, "
        "has_negative_balance FROM analytics.dim_users WHERE user_id = 'u_1'"
    )
    assert balance == [("u_1", 100, 900, -800, True)]


def test_running_again_changes_nothing(broken_landing):
    tables = {
        "staging.stg_events_classified": "source_file, source_line",
        "analytics.rejected_events": "source_file, source_line",
        "analytics.fct_events": "event_id",
        "intermediate.int_user_activity_daily": "user_id, activity_date",
        "analytics.dim_users": "user_id",
        "analytics.ingestion_accounting": "landed_date, source_file",
    }
    before = {t: broken_landing.table_digest(t, o) for t, o in tables.items()}
    broken_landing.cli("run", "--init")
    # Up to the last landing day: a bare `sqlmesh run` goes up to the machine's date otherwise.
    broken_landing.sqlmesh("run", "--end", "2025-03-09")
    after = {t: broken_landing.table_digest(t, o) for t, o in tables.items()}
    assert before == after
    # 32 records and the contract's header line of six files (good, field_errors, malformed,
    # replayed_good, new, header_only); empty.csv has no line, so no piece.
    assert len(before["staging.stg_events_classified"]) == 32 + 6
