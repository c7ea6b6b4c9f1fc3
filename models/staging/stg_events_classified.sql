/* Every piece of every landing file exactly once, typed and normalised, with its fate: `valid`
   (staged), `duplicate` (an earlier record was the same event), `rejected` (with the first
   failing reason code), or `header`, `blank` and `skipped` for a file's header line, its blank
   lines and the paths skipped (listed, never silently ignored). The pieces cover their files:
   each file's line_count adds up to its own line count (audited, against the files as the engine
   counts them). Keyed on the landing date like the raw layer, which it reads straight from the
   files (raw.landed_events is embedded).

   Two records are the same event when their eight normalised fields are equal. Duplicates are
   found by aggregation, not by ranking every row: the interval's valid records are grouped on the
   eight fields, and only groups of two or more are ranked (first by landing day, file and line);
   then the interval's late records (dated before it) are joined on the fields to the records
   staged on earlier landing days, and, when a past day is restated, all its records to those
   staged on later ones. So memory follows the interval and its few repeated or late events, and a
   daily run costs in proportion to its own data. Reason codes and their order are listed in docs/landing.md.

   The table keeps events typed only: the text of event_time and miles_amount, and the whole line,
   only for rejected rows (NULL otherwise, which costs nothing); fingerprints (event_id) are not
   stored but derived where they are shown (staging.stg_user_events, analytics.fct_events). On
   BigQuery it is partitioned by landing date and clustered by event date, the duplicate
   look-up's filter. */
MODEL (
    name staging.stg_events_classified,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date,
        batch_size 31
    ),
    grain (source_file, source_line),
    partitioned_by landed_date,
    clustered_by (event_date, user_id),
    columns (
        landed_date DATE,
        source_file STRING,
        source_line INT64,
        line_count INT64,
        file_lines INT64,
        file_lines_elsewhere INT64,
        status STRING,
        reject_reason STRING,
        event_time DATETIME,
        event_date DATE,
        user_id STRING,
        event_type STRING,
        transaction_category STRING,
        miles_amount INT64,
        platform STRING,
        utm_source STRING,
        country STRING,
        event_time_text STRING,
        miles_text STRING,
        raw_line STRING
    ),
    audits (
        not_null(columns := (landed_date, source_file, line_count, file_lines, status)),
        unique_combination_of_columns(columns := (source_file, source_line)),
        accepted_values(
            column := status,
            is_in := ('valid', 'duplicate', 'rejected', 'header', 'blank', 'skipped')
        ),
        forall(
            criteria := (
                (
                    status IN ('rejected', 'skipped')
                ) = (
                    NOT reject_reason IS NULL
                ),
                NOT status IN ('valid', 'duplicate')
                OR (
                    NOT event_time IS NULL AND event_date <= landed_date
                ),
                (
                    status = 'skipped'
                ) = (
                    source_line IS NULL
                )
            )
        ),
        pieces_cover_their_files,
        valid_events_follow_the_contract
    )
);

WITH landed AS (
    /* The reader has trimmed every value and turned empty ones into NULL. */
    SELECT
        landed_date,
        source_file,
        source_line,
        line_count,
        file_lines,
        file_lines_elsewhere,
        piece,
        parse_error,
        raw_line,
        event_time AS event_time_text,
        user_id,
        LOWER(event_type) AS event_type,
        transaction_category,
        miles_amount AS miles_text,
        LOWER(platform) AS platform,
        utm_source,
        UPPER(country) AS country
    FROM raw.landed_events
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds
), parsed AS (
    /* The contract's timestamps carry no zone and mean UTC. A trailing Z or +00:00 is accepted;
       any other offset is refused (DuckDB's cast silently drops offsets), and so are hours past 23
       (DuckDB reads 24:00:00 as the next midnight, BigQuery refuses it). Fractions beyond the
       microsecond (pandas writes nanoseconds) are cut to it, DATETIME's resolution on both engines.
       The plain form is cast as it is; only the others are rewritten first (a third of the cost).
       The event types and platforms are the contract's (seeds.event_types, seeds.platforms). */
    SELECT
        landed.*,
        CASE
            WHEN REGEXP_CONTAINS(
                event_time_text,
                '^\\d{4}-\\d{2}-\\d{2} ([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?$'
            )
            THEN SAFE_CAST(event_time_text AS DATETIME)
            WHEN REGEXP_CONTAINS(
                event_time_text,
                '^\\d{4}-\\d{2}-\\d{2}[ T]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+]00:?00)?$'
            )
            THEN SAFE_CAST(REGEXP_REPLACE(
                REGEXP_REPLACE(REPLACE(event_time_text, 'T', ' '), '(Z|[+]00:?00)$', ''),
                '(\\.\\d{6})\\d+$',
                '\\1'
            ) AS DATETIME)
        END AS event_time,
        CASE
            WHEN REGEXP_CONTAINS(miles_text, '^[+]?(0*\\d{1,15}\\.?0*|\\.0+)$')
            THEN CAST(SAFE_CAST(miles_text AS FLOAT64) AS INT64)
        END AS miles_amount, /* Miles are whole numbers (files often write them as floats, "516.0") of up to 15 digits,
           exact through FLOAT64 on both engines. */
        NOT event_types.event_type IS NULL AS is_known_event_type,
        NOT event_types.miles_effect IS NULL AS is_miles_event,
        NOT platforms.platform IS NULL AS is_known_platform
    FROM landed
    LEFT JOIN seeds.event_types AS event_types
        ON landed.event_type = event_types.event_type
    LEFT JOIN seeds.platforms AS platforms
        ON landed.platform = platforms.platform
), validated AS (
    SELECT
        *,
        CASE
            WHEN piece <> 'record'
            THEN parse_error
            WHEN NOT parse_error IS NULL
            THEN parse_error
            WHEN REGEXP_CONTAINS(
                CONCAT(
                    IFNULL(user_id, ''),
                    IFNULL(transaction_category, ''),
                    IFNULL(utm_source, ''),
                    IFNULL(country, '')
                ),
                '[^\\P{Cc}\\t\\n\\r]'
            )
            THEN 'control_characters' /* Unicode controls (C0, DEL, C1) but tab and line breaks; a
               \x00 escape in the pattern would say it too, but the BigQuery emulator the tests
               use (local-bigquery 0.4.0) turns it into a NUL that ends its SQL text. */
            WHEN event_time_text IS NULL
            THEN 'missing_event_time'
            WHEN event_time IS NULL
            THEN 'unparseable_event_time'
            WHEN DATE(event_time) > landed_date
            THEN 'future_event_time'
            WHEN DATE(event_time) < CAST(@first_date AS DATE)
            THEN 'before_start'
            WHEN user_id IS NULL
            THEN 'missing_user_id'
            WHEN NOT is_known_event_type
            THEN 'unknown_event_type'
            WHEN NOT is_known_platform
            THEN 'invalid_platform'
            WHEN is_miles_event AND NOT miles_amount IS NULL
            THEN NULL
            WHEN is_miles_event AND miles_text IS NULL
            THEN 'missing_miles'
            WHEN is_miles_event AND REGEXP_CONTAINS(miles_text, '^-(\\d+\\.?\\d*|\\.\\d+)$')
            THEN 'negative_miles'
            WHEN is_miles_event
            AND NOT REGEXP_CONTAINS(miles_text, '^[+]?(\\d+\\.?\\d*|\\.\\d+)$')
            THEN 'non_numeric_miles'
            WHEN is_miles_event AND NOT REGEXP_CONTAINS(miles_text, '^[+]?(\\d+\\.?0*|\\.0+)$')
            THEN 'fractional_miles'
            WHEN is_miles_event
            THEN 'miles_out_of_range'
            WHEN NOT miles_text IS NULL
            THEN 'miles_on_non_miles_event'
        END AS reject_reason,
        DATE(event_time) AS event_date
    FROM parsed
), events AS (
    /* The interval's valid records, with a key that is never NULL for each nullable field: the
       reader turns empty values into NULL, so '' (and -1 for miles) stands for a missing value. */
    SELECT
        landed_date,
        source_file,
        source_line,
        event_date,
        @duplicate_key_of()
    FROM validated
    WHERE
        piece = 'record' AND reject_reason IS NULL
), repeated AS (
    /* Events the interval holds more than once. */
    SELECT
        @duplicate_key()
    FROM events
    GROUP BY
        @duplicate_key()
    HAVING
        COUNT(*) > 1
), later_copies AS (
    /* Of each repeated event, every record but the first (by landing day, file, line). */
    SELECT
        source_file,
        source_line
    FROM (
        SELECT
            events.source_file,
            events.source_line,
            ROW_NUMBER() OVER (
                PARTITION BY @duplicate_key(events)
                ORDER BY events.landed_date, events.source_file, events.source_line
            ) AS occurrence
        FROM events
        INNER JOIN repeated
            ON @same_duplicate_key(events, repeated)
    ) AS ranked
    WHERE
        occurrence > 1
), late_events AS (
    /* The interval's records of events dated before it: only they can have been staged on an
       earlier landing day, as an event lands on or after its own day. */
    SELECT
        *
    FROM events
    WHERE
        event_date < @start_ds
), staged_earlier AS (
    /* Self-reference: events already valid on an earlier landing day, on the days the late
       records could meet them. Not made distinct: joined to the few late records, this side is
       only read, never held (a DISTINCT here held days of events in memory). */
    SELECT
        @duplicate_key_of(previous)
    FROM staging.stg_events_classified AS previous
    WHERE
        previous.landed_date < @start_ds
        AND previous.landed_date >= (
            SELECT
                MIN(event_date)
            FROM late_events
        )
        AND previous.status = 'valid'
), staged_later AS (
    /* Self-reference: events already valid on a later landing day, which happens only when a
       past day is restated; then the later copy keeps the event, so an event is never valid
       twice. Empty in daily runs and backfills. */
    SELECT
        @duplicate_key_of(previous)
    FROM staging.stg_events_classified AS previous
    WHERE
        previous.landed_date > @end_ds AND previous.status = 'valid'
), already_staged AS (
    SELECT
        late_events.source_file,
        late_events.source_line
    FROM late_events
    INNER JOIN staged_earlier
        ON @same_duplicate_key(late_events, staged_earlier)
    UNION ALL
    SELECT
        events.source_file,
        events.source_line
    FROM events
    INNER JOIN staged_later
        ON @same_duplicate_key(events, staged_later)
), duplicates AS (
    SELECT
        source_file,
        source_line
    FROM later_copies
    UNION DISTINCT
    SELECT
        source_file,
        source_line
    FROM already_staged
), classified AS (
    /* A join to the few duplicates rather than EXISTS: DuckDB plans the correlated EXISTS as a
       join that first groups every record's (file, line), 6 s of a week at 100 M events. */
    SELECT
        validated.*,
        CASE
            WHEN validated.piece <> 'record'
            THEN validated.piece
            WHEN NOT validated.reject_reason IS NULL
            THEN 'rejected'
            WHEN NOT duplicates.source_line IS NULL
            THEN 'duplicate'
            ELSE 'valid'
        END AS status
    FROM validated
    LEFT JOIN duplicates
        ON duplicates.source_file = validated.source_file
        AND duplicates.source_line = validated.source_line
)
SELECT
    landed_date, /* Day the piece landed (see raw.landed_events). */
    source_file, /* Landing file, relative to the landing folder. */
    source_line, /* 1-based first line (Parquet: row) in the file; NULL for a skipped path. */
    line_count, /* Physical lines the piece spans. */
    file_lines, /* Physical lines (Parquet: rows) of the whole file, counted on their own. */
    file_lines_elsewhere, /* Lines of the file that landed on days outside this piece's run (unpartitioned files). */
    status, /* valid, duplicate, rejected, header, blank or skipped. */
    reject_reason, /* First failing check for a rejected row, or why a path was skipped (docs/landing.md lists them); NULL otherwise. */
    IF(status IN ('valid', 'duplicate', 'rejected'), event_time, NULL) AS event_time, /* Parsed event time, UTC (DATETIME: the contract's times carry no zone). */
    IF(status IN ('valid', 'duplicate', 'rejected'), event_date, NULL) AS event_date, /* Date of event_time. */
    user_id, /* As landed, without surrounding spaces (the reader trims fields). */
    event_type, /* Lower-cased. */
    transaction_category, /* As landed, trimmed. */
    IF(status IN ('valid', 'duplicate'), miles_amount, NULL) AS miles_amount, /* Whole miles; NULL on non-miles events. */
    platform, /* A platform of the contract (seeds/platforms.csv), lower-cased. */
    utm_source, /* As landed, trimmed. */
    country, /* Upper-cased. */
    IF(status = 'rejected', event_time_text, NULL) AS event_time_text, /* The event_time text as landed, for a rejected row. */
    IF(status = 'rejected', miles_text, NULL) AS miles_text, /* The miles_amount text as landed, for a rejected row. */
    raw_line /* The whole record, when it could not be split into fields. */
FROM classified
