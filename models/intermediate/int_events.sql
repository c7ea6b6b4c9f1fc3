/* The valid events by event time, sessionised: a session is a user's run of events with no gap
   longer than 30 minutes. The one event-time copy of the events (staging.stg_events_classified is
   keyed on the landing day), kept lean: analytics.fct_events is the view that adds the
   fingerprints (event_id, session_id) and the miles split. Each run reprocesses its interval plus
   @late_arrival_days earlier days (lookback), so late arrivals are reflected after the next daily
   run. Sessions cross midnight and run boundaries: the events of the 30 minutes before the
   interval are read back from this table with their session start (a self-reference), so daily
   runs give the same sessions as a full rebuild. Events of a user at one instant are ordered by
   their other fields (@in_event_order). */
MODEL (
    name intermediate.int_events,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column event_date,
        lookback @late_arrival_days,
        batch_size 31
    ),
    grain (
        user_id,
        event_time,
        event_type,
        transaction_category,
        miles_amount,
        platform,
        utm_source,
        country
    ),
    partitioned_by event_date,
    clustered_by user_id,
    columns (
        event_time DATETIME,
        event_date DATE,
        user_id STRING,
        event_type STRING,
        transaction_category STRING,
        miles_amount INT64,
        platform STRING,
        utm_source STRING,
        country STRING,
        session_start_time DATETIME,
        is_session_start BOOL,
        landed_date DATE
    ),
    audits (
        unique_combination_of_columns(
            columns := (
                event_time,
                user_id,
                event_type,
                transaction_category,
                miles_amount,
                platform,
                utm_source,
                country
            )
        ), /* Each event once, across every landing day (the duplicate look-up's result). */
        not_null(
            columns := (
                event_time,
                event_date,
                user_id,
                event_type,
                platform,
                session_start_time,
                landed_date
            )
        ),
        forall(
            criteria := (
                session_start_time <= event_time,
                NOT is_session_start OR session_start_time = event_time,
                event_date <= landed_date
            )
        )
    )
);

WITH events AS (
    SELECT
        event_time,
        event_date,
        user_id,
        event_type,
        transaction_category,
        miles_amount,
        platform,
        utm_source,
        country,
        landed_date
    FROM staging.stg_user_events
    WHERE
        event_date BETWEEN @start_ds AND @end_ds AND landed_date >= @start_ds
), events_just_before AS (
    /* Self-reference: the events of the 30 minutes before the interval, already sessionised. */
    SELECT
        previous.event_time,
        previous.event_date,
        previous.user_id,
        previous.event_type,
        previous.transaction_category,
        previous.miles_amount,
        previous.platform,
        previous.utm_source,
        previous.country,
        previous.landed_date,
        previous.session_start_time
    FROM intermediate.int_events AS previous
    WHERE
        previous.event_date = DATE_SUB(@start_date, INTERVAL '1' DAY)
        AND previous.event_time >= DATETIME_SUB(DATETIME(@start_date), INTERVAL '30' MINUTE)
), timeline AS (
    SELECT
        *,
        TRUE AS is_context
    FROM events_just_before
    UNION ALL
    SELECT
        *,
        CAST(NULL AS DATETIME) AS session_start_time,
        FALSE AS is_context
    FROM events
), with_gaps AS (
    SELECT
        *,
        DATETIME_DIFF(
            event_time,
            LAG(event_time) OVER (PARTITION BY user_id ORDER BY @in_event_order()),
            MICROSECOND
        ) AS microseconds_since_previous_event
    FROM timeline
), session_anchors AS (
    SELECT
        *,
        CASE
            WHEN is_context
            THEN session_start_time
            WHEN microseconds_since_previous_event IS NULL
            OR microseconds_since_previous_event > 30 * 60 * 1000000
            THEN event_time
        END AS session_anchor
    FROM with_gaps
), sessionised AS (
    SELECT
        *,
        LAST_VALUE(session_anchor IGNORE NULLS) OVER (
            PARTITION BY user_id
            ORDER BY @in_event_order()
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS sessionised_start_time
    FROM session_anchors
)
SELECT
    event_time, /* When the event happened, UTC. */
    event_date, /* Date of event_time (UTC): the partition. */
    user_id, /* The user. */
    event_type, /* A type of the contract (seeds/event_types.csv). */
    transaction_category, /* Category of an earn or redeem. */
    miles_amount, /* Whole miles; NULL on non-miles events. */
    platform, /* A platform of the contract (seeds/platforms.csv). */
    utm_source, /* Acquisition source sent with the event. */
    country, /* Country code sent with the event. */
    sessionised_start_time AS session_start_time, /* Time of the session's first event. */
    NOT session_anchor IS NULL AS is_session_start, /* This event opened its session (no event of the user's in the 30 minutes before). */
    landed_date /* Day the event's file landed. */
FROM sessionised
WHERE
    NOT is_context
