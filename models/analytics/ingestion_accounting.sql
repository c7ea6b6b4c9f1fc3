/* Where every raw row went, per landing day and file: raw = staged + duplicates + rejected is an
   audit, so a row lost or invented between layers fails the run. Also counts late arrivals. */
MODEL (
    name analytics.ingestion_accounting,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date
    ),
    grain (landed_date, source_file),
    cron '@daily',
    audits (
        unique_combination_of_columns(columns := (landed_date, source_file)),
        not_null(columns := (landed_date, source_file)),
        raw_rows_accounted_for
    )
);

WITH raw_rows AS (
    SELECT
        landed_date,
        source_file,
        COUNT(*) AS raw_rows
    FROM raw.landed_events
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds
    GROUP BY
        landed_date,
        source_file
), staged_rows AS (
    SELECT
        landed_date,
        source_file,
        COUNT(*) AS staged_rows,
        SUM(IF(lateness_days > 0, 1, 0)) AS late_rows,
        SUM(IF(is_late_beyond_window, 1, 0)) AS late_beyond_window_rows
    FROM staging.stg_user_events
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds
    GROUP BY
        landed_date,
        source_file
), duplicate_rows AS (
    SELECT
        landed_date,
        source_file,
        COUNT(*) AS duplicate_rows
    FROM staging.stg_events_classified
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds AND status = 'duplicate'
    GROUP BY
        landed_date,
        source_file
), rejected_rows AS (
    SELECT
        landed_date,
        source_file,
        COUNT(*) AS rejected_rows
    FROM analytics.rejected_events
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds
    GROUP BY
        landed_date,
        source_file
), file_days AS (
    SELECT
        landed_date,
        source_file
    FROM raw_rows
    UNION DISTINCT
    SELECT
        landed_date,
        source_file
    FROM staged_rows
    UNION DISTINCT
    SELECT
        landed_date,
        source_file
    FROM duplicate_rows
    UNION DISTINCT
    SELECT
        landed_date,
        source_file
    FROM rejected_rows
)
SELECT
    file_days.landed_date, /* Day the file's rows landed. */
    file_days.source_file, /* Landing file, relative to the landing folder. */
    IFNULL(raw_rows.raw_rows, 0) AS raw_rows, /* Lines read from the file (raw.landed_events). */
    IFNULL(staged_rows.staged_rows, 0) AS staged_rows, /* Rows staged as valid events (staging.stg_user_events). */
    IFNULL(duplicate_rows.duplicate_rows, 0) AS duplicate_rows, /* Rows repeating an event already staged. */
    IFNULL(rejected_rows.rejected_rows, 0) AS rejected_rows, /* Rows quarantined (analytics.rejected_events). */
    IFNULL(staged_rows.late_rows, 0) AS late_rows, /* Staged rows whose event happened before the landing day. */
    IFNULL(staged_rows.late_beyond_window_rows, 0) AS late_beyond_window_rows /* Staged rows too late for the daily run's reach-back: restate to reflect them. */
FROM file_days
LEFT JOIN raw_rows
    ON file_days.landed_date = raw_rows.landed_date
    AND file_days.source_file = raw_rows.source_file
LEFT JOIN staged_rows
    ON file_days.landed_date = staged_rows.landed_date
    AND file_days.source_file = staged_rows.source_file
LEFT JOIN duplicate_rows
    ON file_days.landed_date = duplicate_rows.landed_date
    AND file_days.source_file = duplicate_rows.source_file
LEFT JOIN rejected_rows
    ON file_days.landed_date = rejected_rows.landed_date
    AND file_days.source_file = rejected_rows.source_file
