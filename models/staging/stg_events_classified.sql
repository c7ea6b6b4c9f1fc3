/* Every raw row exactly once, typed and normalised, with its fate: `valid` (staged), `duplicate`
   (an earlier row had the same event_id) or `rejected` (with the first failing reason code).
   Keyed on the landing date like the raw layer. Duplicates are looked for within the interval and
   among rows staged before it, restricted to the event dates the interval brings, so a run costs
   in proportion to its own data. Reason codes and their order are listed in README.md. On
   BigQuery it is partitioned by landing date and clustered by event_id, the duplicate look-up's key. */
MODEL (
    name staging.stg_events_classified,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date
    ),
    grain (source_file, source_line),
    cron '@daily',
    partitioned_by landed_date,
    clustered_by event_id,
    columns (
        landed_date DATE,
        source_file STRING,
        source_line INT64,
        status STRING,
        reject_reason STRING,
        event_id STRING,
        event_time DATETIME,
        event_date DATE,
        user_id STRING,
        event_type STRING,
        transaction_category STRING,
        miles_amount INT64,
        platform STRING,
        utm_source STRING,
        country STRING,
        lateness_days INT64,
        is_late_beyond_window BOOL,
        event_time_text STRING,
        miles_text STRING,
        raw_line STRING
    ),
    audits (
        not_null(columns := (landed_date, source_file, source_line, status)),
        unique_combination_of_columns(columns := (source_file, source_line)),
        accepted_values(column := status, is_in := ('valid', 'duplicate', 'rejected')),
        forall(
            criteria := (
                (
                    status = 'rejected'
                ) = (
                    NOT reject_reason IS NULL
                ),
                status = 'rejected'
                OR (
                    NOT event_id IS NULL AND NOT event_time IS NULL AND lateness_days >= 0
                )
            )
        )
    )
);

WITH landed AS (
    SELECT
        landed_date,
        source_file,
        source_line,
        parse_error,
        raw_line,
        TRIM(event_time) AS event_time_text,
        TRIM(user_id) AS user_id,
        LOWER(TRIM(event_type)) AS event_type,
        TRIM(transaction_category) AS transaction_category,
        TRIM(miles_amount) AS miles_text,
        LOWER(TRIM(platform)) AS platform,
        TRIM(utm_source) AS utm_source,
        UPPER(TRIM(country)) AS country
    FROM raw.landed_events
    WHERE
        landed_date BETWEEN @start_ds AND @end_ds
), parsed AS (
    /* The contract's timestamps carry no zone and mean UTC. A trailing Z or +00:00 is accepted;
       any other offset is refused (DuckDB's cast silently drops offsets), and so are hours past 23
       (DuckDB reads 24:00:00 as the next midnight, BigQuery refuses it). */
    SELECT
        *,
        CASE
            WHEN REGEXP_CONTAINS(
                event_time_text,
                '^\\d{4}-\\d{2}-\\d{2}[ T]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?(Z|[+]00:?00)?$'
            )
            THEN SAFE_CAST(REGEXP_REPLACE(REPLACE(event_time_text, 'T', ' '), '(Z|[+]00:?00)$', '') AS DATETIME)
        END AS event_time,
        REGEXP_CONTAINS(miles_text, '^-(\\d+\\.?\\d*|\\.\\d+)$') AS is_miles_negative,
        REGEXP_CONTAINS(miles_text, '^[+]?(\\d+\\.?\\d*|\\.\\d+)$') AS is_miles_numeric,
        REGEXP_CONTAINS(miles_text, '^[+]?(\\d+\\.?0*|\\.0+)$') AS is_miles_whole, /* Miles are whole numbers; files often write them as floats ("516.0"). */
        CASE
            WHEN REGEXP_CONTAINS(miles_text, '^[+]?(0*\\d{1,15}\\.?0*|\\.0+)$')
            THEN CAST(SAFE_CAST(miles_text AS FLOAT64) AS INT64)
        END AS miles_amount, /* Up to 15 significant digits: exact through FLOAT64 on both engines. */
        event_type IN ('miles_earned', 'miles_redeemed') AS is_miles_event
    FROM landed
), validated AS (
    SELECT
        *,
        CASE
            WHEN NOT parse_error IS NULL
            THEN parse_error
            WHEN event_time_text IS NULL
            THEN 'missing_event_time'
            WHEN event_time IS NULL
            THEN 'unparseable_event_time'
            WHEN DATE(event_time) > landed_date
            THEN 'future_event_time'
            WHEN user_id IS NULL
            THEN 'missing_user_id'
            WHEN event_type IS NULL
            OR NOT event_type IN ('miles_earned', 'miles_redeemed', 'reward_search', 'share', 'like')
            THEN 'unknown_event_type'
            WHEN platform IS NULL OR NOT platform IN ('ios', 'android', 'web')
            THEN 'invalid_platform'
            WHEN is_miles_event AND miles_text IS NULL
            THEN 'missing_miles'
            WHEN is_miles_event AND is_miles_negative
            THEN 'negative_miles'
            WHEN is_miles_event AND NOT is_miles_numeric
            THEN 'non_numeric_miles'
            WHEN is_miles_event AND NOT is_miles_whole
            THEN 'fractional_miles'
            WHEN is_miles_event AND miles_amount IS NULL
            THEN 'miles_out_of_range'
            WHEN NOT is_miles_event AND NOT miles_text IS NULL
            THEN 'miles_on_non_miles_event'
        END AS reject_reason
    FROM parsed
), identified AS (
    SELECT
        *,
        DATE(event_time) AS event_date,
        @fingerprint(
            FORMAT_DATETIME('%F %H:%M:%E6S', event_time),
            user_id,
            event_type,
            transaction_category,
            miles_amount,
            platform,
            utm_source,
            country
        ) AS event_id
    FROM validated
), batch_event_dates AS (
    SELECT DISTINCT
        event_date
    FROM identified
    WHERE
        reject_reason IS NULL
), staged_before AS (
    /* Self-reference: an event already valid on another landing day. In daily runs that is an
       earlier day, so the first occurrence wins across runs as within one; when a past day is
       restated and a later day already holds the event, the later copy keeps it, so an event is
       never valid twice. */
    SELECT DISTINCT
        previous.event_id
    FROM staging.stg_events_classified AS previous
    INNER JOIN batch_event_dates
        ON previous.event_date = batch_event_dates.event_date
    WHERE
        NOT previous.landed_date BETWEEN @start_ds AND @end_ds
        AND previous.status = 'valid'
), ranked AS (
    SELECT
        identified.*,
        ROW_NUMBER() OVER (
            PARTITION BY identified.reject_reason IS NULL, identified.event_id
            ORDER BY identified.landed_date, identified.source_file, identified.source_line
        ) AS occurrence,
        NOT staged_before.event_id IS NULL AS is_staged_before
    FROM identified
    LEFT JOIN staged_before
        ON identified.event_id = staged_before.event_id
)
SELECT
    landed_date, /* Day the row landed (see raw.landed_events). */
    source_file, /* Landing file, relative to the landing folder. */
    source_line, /* 1-based line (Parquet: row) in the file. */
    CASE
        WHEN NOT reject_reason IS NULL
        THEN 'rejected'
        WHEN occurrence > 1 OR is_staged_before
        THEN 'duplicate'
        ELSE 'valid'
    END AS status, /* valid, duplicate or rejected. */
    reject_reason, /* First failing check for a rejected row (README lists them); NULL otherwise. */
    CASE WHEN reject_reason IS NULL THEN event_id END AS event_id, /* Fingerprint of the normalised event; a duplicate shares its original's. */
    event_time, /* Parsed event time, UTC (DATETIME: the contract's times carry no zone). */
    event_date, /* Date of event_time. */
    user_id, /* Trimmed. */
    event_type, /* Lower-cased. */
    transaction_category, /* Trimmed. */
    miles_amount, /* Whole miles; NULL on non-miles events. */
    platform, /* ios, android or web, lower-cased. */
    utm_source, /* Trimmed. */
    country, /* Upper-cased. */
    DATE_DIFF(landed_date, event_date, DAY) AS lateness_days, /* Days between the event and its landing. */
    DATE_DIFF(landed_date, event_date, DAY) > @late_arrival_days AS is_late_beyond_window, /* Landed too late for the next daily run to pick up: needs a restatement. */
    event_time_text, /* The event_time text as landed. */
    miles_text, /* The miles_amount text as landed. */
    raw_line /* The whole line, when it could not be split into fields. */
FROM ranked
