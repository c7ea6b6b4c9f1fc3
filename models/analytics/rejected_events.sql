/* Quarantine: every raw row that could not be staged, with the reason code, its file and line and
   the values as they landed, so it can be fixed at the source and replayed. */
MODEL (
    name analytics.rejected_events,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date
    ),
    grain (source_file, source_line),
    audits (
        unique_combination_of_columns(columns := (source_file, source_line)),
        not_null(columns := (landed_date, source_file, source_line, reject_reason)),
        accepted_values(
            column := reject_reason,
            is_in := (
                'wrong_column_count',
                'malformed_csv',
                'invalid_utf8',
                'invalid_header',
                'missing_header',
                'control_characters',
                'missing_event_time',
                'unparseable_event_time',
                'future_event_time',
                'before_start',
                'missing_user_id',
                'unknown_event_type',
                'invalid_platform',
                'missing_miles',
                'negative_miles',
                'non_numeric_miles',
                'fractional_miles',
                'miles_out_of_range',
                'miles_on_non_miles_event'
            )
        )
    )
);

SELECT
    landed_date, /* Day the row landed. */
    source_file, /* Landing file, relative to the landing folder. */
    source_line, /* 1-based first line (Parquet: row) of the record in the file. */
    reject_reason, /* Why it was rejected: the first failing check (docs/landing.md, "Nothing lost, nothing invented"). */
    event_time_text AS event_time, /* event_time as landed. */
    user_id, /* user_id as landed (trimmed). */
    event_type, /* event_type as landed (trimmed, lower-cased). */
    transaction_category, /* transaction_category as landed (trimmed). */
    miles_text AS miles_amount, /* miles_amount as landed. */
    platform, /* platform as landed (trimmed, lower-cased). */
    utm_source, /* utm_source as landed (trimmed). */
    country, /* country as landed (trimmed, upper-cased). */
    raw_line /* The whole line when it could not be split into fields. */
FROM staging.stg_events_classified
WHERE
    landed_date BETWEEN @start_ds AND @end_ds AND status = 'rejected'
