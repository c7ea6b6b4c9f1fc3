/* The user x day backbone that growth models build on: one row per user per day with at least one
   event, with its events (all of them, and those of a type that counts as activity), miles,
   sessions, platforms and the day's first-touch attributes. The event types' miles effect comes
   from seeds.event_types and which count as activity from seeds.activity_event_types, so a change
   there is a change here.
   Keyed on activity date and reprocessed @late_arrival_days days back like analytics.fct_events. */
MODEL (
    name intermediate.int_user_activity_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days,
        batch_size 31
    ),
    grain (user_id, activity_date),
    partitioned_by activity_date,
    clustered_by user_id,
    audits (
        unique_combination_of_columns(columns := (user_id, activity_date)),
        not_null(columns := (user_id, activity_date, events, first_event_time, first_platform)),
        accepted_range(column := events, min_v := 1),
        accepted_range(column := miles_earned, min_v := 0),
        accepted_range(column := miles_redeemed, min_v := 0),
        forall(
            criteria := (
                counted_events <= events,
                platform_count BETWEEN 1 AND events,
                sessions_started <= events,
                first_event_time <= last_event_time
            )
        ),
        activity_types_are_event_types
    )
);

WITH event_types AS (
    SELECT
        event_types.event_type,
        event_types.miles_effect,
        NOT activity.event_type IS NULL AS counts_as_activity
    FROM seeds.event_types AS event_types
    LEFT JOIN seeds.activity_event_types AS activity
        ON event_types.event_type = activity.event_type
), events AS (
    /* A LEFT JOIN, so that no event is dropped here whatever the seed says: staging admits only
       the seed's types. event_type, transaction_category and miles_amount break ties in
       @in_event_order. */
    SELECT
        events.event_time,
        events.event_date,
        events.user_id,
        events.event_type,
        events.transaction_category,
        events.miles_amount,
        IF(event_types.miles_effect = 'earned', events.miles_amount, 0) AS miles_earned,
        IF(event_types.miles_effect = 'redeemed', events.miles_amount, 0) AS miles_redeemed,
        IFNULL(event_types.counts_as_activity, FALSE) AS counts_as_activity,
        events.platform,
        events.utm_source,
        events.country,
        events.is_session_start
    FROM intermediate.int_events AS events
    LEFT JOIN event_types
        ON events.event_type = event_types.event_type
    WHERE
        events.event_date BETWEEN @start_ds AND @end_ds
), daily AS (
    /* SUM(IF(...)) rather than COUNTIF: sqlglot turns COUNTIF into DuckDB's COUNT_IF, which differs
     from BigQuery on all-NULL input. */
    SELECT
        user_id,
        event_date AS activity_date,
        COUNT(*) AS events,
        SUM(IF(counts_as_activity, 1, 0)) AS counted_events,
        SUM(miles_earned) AS miles_earned,
        SUM(miles_redeemed) AS miles_redeemed,
        SUM(IF(is_session_start, 1, 0)) AS sessions_started,
        COUNT(DISTINCT platform) AS platform_count,
        MIN(event_time) AS first_event_time,
        MAX(event_time) AS last_event_time
    FROM events
    GROUP BY
        user_id,
        event_date
), first_events AS (
    /* The day's first event: only the events at the day's first time are ranked, among
       themselves (@in_event_order breaks ties); a row number, not ARRAY_AGG: BigQuery's
       ARRAY_AGG fails on NULL elements (utm_source, country). */
    SELECT
        user_id,
        event_date,
        platform AS first_platform,
        utm_source AS first_utm_source,
        country AS first_country
    FROM (
        SELECT
            events.user_id,
            events.event_date,
            events.platform,
            events.utm_source,
            events.country,
            ROW_NUMBER() OVER (PARTITION BY events.user_id, events.event_date ORDER BY @in_event_order(events)) AS event_rank
        FROM events
        INNER JOIN daily
            ON events.user_id = daily.user_id
            AND events.event_date = daily.activity_date
            AND events.event_time = daily.first_event_time
    ) AS ranked
    WHERE
        event_rank = 1
)
SELECT
    daily.activity_date, /* The day (UTC). */
    daily.user_id, /* The user, active that day. */
    daily.events, /* Valid events that day. */
    daily.counted_events, /* Events of a type that counts as activity (seeds.activity_event_types), 0 on a day of others only. */
    daily.miles_earned, /* Miles earned that day. */
    daily.miles_redeemed, /* Miles redeemed that day. */
    daily.miles_earned - daily.miles_redeemed AS net_miles, /* Earned minus redeemed that day. */
    daily.sessions_started, /* Sessions that began that day (a session crossing midnight counts on its first day). */
    daily.platform_count, /* Distinct platforms used that day. */
    daily.first_event_time, /* The day's first event. */
    daily.last_event_time, /* The day's last event. */
    first_events.first_platform, /* Platform of the day's first event. */
    first_events.first_utm_source, /* utm_source of the day's first event. */
    first_events.first_country /* country of the day's first event. */
FROM daily
INNER JOIN first_events
    ON daily.user_id = first_events.user_id
    AND daily.activity_date = first_events.event_date
