/* One row per valid event, keyed on event time and sessionised: a session is a user's run of
   events with no gap longer than 30 minutes. Each run reprocesses its interval plus
   @late_arrival_days earlier days (lookback), so late arrivals are reflected after the next daily
   run. Sessions cross midnight and run boundaries: the events of the 30 minutes before the
   interval are read back from this table with their session start (a self-reference), so daily
   runs give the same sessions as a full rebuild. */
MODEL (
    name analytics.fct_events,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column event_date,
        lookback @late_arrival_days
    ),
    grain event_id,
    cron '@daily',
    partitioned_by event_date,
    clustered_by user_id,
    columns (
        event_id STRING,
        event_time DATETIME,
        event_date DATE,
        user_id STRING,
        event_type STRING,
        transaction_category STRING,
        miles_amount INT64,
        miles_earned INT64,
        miles_redeemed INT64,
        platform STRING,
        utm_source STRING,
        country STRING,
        session_id STRING,
        session_start_time DATETIME,
        is_session_start BOOL,
        landed_date DATE,
        lateness_days INT64
    ),
    audits (
        unique_values(columns := (
            event_id
        )),
        not_null(
            columns := (
                event_id,
                event_time,
                event_date,
                user_id,
                event_type,
                platform,
                session_id,
                session_start_time
            )
        ),
        accepted_values(
            column := event_type,
            is_in := ('miles_earned', 'miles_redeemed', 'reward_search', 'share', 'like')
        ),
        accepted_values(column := platform, is_in := ('ios', 'android', 'web')),
        accepted_range(column := miles_earned, min_v := 0),
        accepted_range(column := miles_redeemed, min_v := 0),
        forall(
            criteria := (
                session_start_time <= event_time,
                NOT is_session_start OR session_start_time = event_time,
                miles_earned = IF(event_type = 'miles_earned', miles_amount, 0),
                miles_redeemed = IF(event_type = 'miles_redeemed', miles_amount, 0)
            )
        )
    )
);

WITH events AS (
    SELECT
        event_id,
        event_time,
        event_date,
        user_id,
        event_type,
        transaction_category,
        miles_amount,
        platform,
        utm_source,
        country,
        landed_date,
        lateness_days
    FROM staging.stg_user_events
    WHERE
        event_date BETWEEN @start_ds AND @end_ds
), events_just_before AS (
    /* Self-reference: the events of the 30 minutes before the interval, already sessionised. */
    SELECT
        previous.event_id,
        previous.event_time,
        previous.user_id,
        previous.session_start_time
    FROM analytics.fct_events AS previous
    WHERE
        previous.event_date = DATE_SUB(@start_date, INTERVAL '1' DAY)
        AND previous.event_time >= DATETIME_SUB(DATETIME(@start_date), INTERVAL '30' MINUTE)
), timeline AS (
    SELECT
        event_id,
        event_time,
        user_id,
        session_start_time,
        TRUE AS is_context
    FROM events_just_before
    UNION ALL
    SELECT
        event_id,
        event_time,
        user_id,
        CAST(NULL AS DATETIME) AS session_start_time,
        FALSE AS is_context
    FROM events
), with_gaps AS (
    SELECT
        *,
        DATETIME_DIFF(
            event_time,
            LAG(event_time) OVER (PARTITION BY user_id ORDER BY event_time, event_id),
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
        event_id,
        NOT session_anchor IS NULL AS is_session_start,
        LAST_VALUE(session_anchor IGNORE NULLS) OVER (
            PARTITION BY user_id
            ORDER BY event_time, event_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS session_start_time
    FROM session_anchors
)
SELECT
    events.event_id, /* Fingerprint of the normalised event. */
    events.event_time, /* When the event happened, UTC. */
    events.event_date, /* Date of event_time (UTC): the partition. */
    events.user_id, /* The user. */
    events.event_type, /* miles_earned, miles_redeemed, reward_search, share or like. */
    events.transaction_category, /* Category of an earn or redeem. */
    events.miles_amount, /* Whole miles; NULL on non-miles events. */
    IF(events.event_type = 'miles_earned', events.miles_amount, 0) AS miles_earned, /* Miles earned by this event (0 if none). */
    IF(events.event_type = 'miles_redeemed', events.miles_amount, 0) AS miles_redeemed, /* Miles redeemed by this event (0 if none). */
    events.platform, /* ios, android or web. */
    events.utm_source, /* Acquisition source sent with the event. */
    events.country, /* Country code sent with the event. */
    @fingerprint(events.user_id, FORMAT_DATETIME('%F %H:%M:%E6S', sessionised.session_start_time)) AS session_id, /* Fingerprint of (user_id, session_start_time). */
    sessionised.session_start_time, /* Time of the session's first event. */
    sessionised.is_session_start, /* This event opened its session (no event of the user's in the 30 minutes before). */
    events.landed_date, /* Day the event's file landed. */
    events.lateness_days /* landed_date minus event_date. */
FROM events
INNER JOIN sessionised
    ON events.event_id = sessionised.event_id
