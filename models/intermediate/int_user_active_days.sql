/* The days each user was active: at least one event of a type that counts as activity
   (seeds/activity_event_types.csv; every type today). The base of growth accounting,
   retention and engagement. Reprocessed @late_arrival_days days back like the backbone. */
MODEL (
    name intermediate.int_user_active_days,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column activity_date,
        lookback @late_arrival_days
    ),
    grain (user_id, activity_date),
    partitioned_by activity_date,
    clustered_by user_id,
    audits (
        unique_combination_of_columns(columns := (user_id, activity_date)),
        not_null(columns := (user_id, activity_date, counted_events)),
        accepted_range(column := counted_events, min_v := 1)
    )
);

SELECT
    activity_date, /* The day (UTC). */
    user_id, /* A user active that day. */
    counted_events, /* Events that count as activity that day. */
    miles_earned, /* Miles earned that day. */
    miles_redeemed /* Miles redeemed that day. */
FROM intermediate.int_user_activity_daily
WHERE
    activity_date BETWEEN @start_ds AND @end_ds AND counted_events > 0
