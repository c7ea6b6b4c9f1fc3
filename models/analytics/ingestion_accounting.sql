/* Where every line of every landing file went, per landing day and file: records (raw_rows) =
   staged + duplicates + rejected, and the day's lines (landed_lines) hold the header, the blank
   lines and the records' lines, both audited here (raw_rows_accounted_for). That the pieces
   cover each file's own line count (file_lines, counted by the engine apart from the pieces) is
   audited in staging.stg_events_classified (pieces_cover_their_files): for a partitioned file
   landed_lines = file_lines; an unpartitioned file spreads its lines over the days its rows
   land on. A path that was skipped has a row too, with the reason. Also counts late arrivals. */
MODEL (
    name analytics.ingestion_accounting,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date
    ),
    grain (landed_date, source_file),
    audits (
        unique_combination_of_columns(columns := (landed_date, source_file)),
        not_null(columns := (landed_date, source_file)),
        raw_rows_accounted_for
    )
);

SELECT
    landed_date, /* Day the file's pieces landed. */
    source_file, /* Landing file, relative to the landing folder. */
    MAX(file_lines) AS file_lines, /* Physical lines (Parquet: rows) in the whole file, counted by the engine on their own. */
    SUM(line_count) AS landed_lines, /* Of those, the lines that landed this day (all of them for a partitioned file). */
    SUM(IF(status = 'header', line_count, 0)) AS header_lines, /* The header line. */
    SUM(IF(status = 'blank', line_count, 0)) AS blank_lines, /* Blank lines (not rows). */
    SUM(IF(status IN ('valid', 'duplicate', 'rejected'), 1, 0)) AS raw_rows, /* Records read from the file (a record may span lines). */
    SUM(IF(status = 'valid', 1, 0)) AS staged_rows, /* Records staged as valid events (staging.stg_user_events). */
    SUM(IF(status = 'duplicate', 1, 0)) AS duplicate_rows, /* Records repeating an event already staged. */
    SUM(IF(status = 'rejected', 1, 0)) AS rejected_rows, /* Records quarantined (analytics.rejected_events). */
    SUM(IF(status = 'valid' AND event_date < landed_date, 1, 0)) AS late_rows, /* Staged records whose event happened before the landing day. */
    SUM(
        IF(
            status = 'valid' AND DATE_DIFF(landed_date, event_date, DAY) > @late_arrival_days,
            1,
            0
        )
    ) AS late_beyond_window_rows, /* Staged records too late for the daily run's reach-back: restate to reflect them. */
    MAX(IF(status = 'skipped', reject_reason, NULL)) AS skipped_reason /* Why the path was not read (hidden_or_marker, broken_link, not_a_file); NULL for a file that was read. */
FROM staging.stg_events_classified
WHERE
    landed_date BETWEEN @start_ds AND @end_ds
GROUP BY
    landed_date,
    source_file
