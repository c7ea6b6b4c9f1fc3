/* Engagement depth per user and day: on how many of the last 7 and 28 days (the day included) the
   user was active (L7, L28), and the last 28 days as bits (bit i = active i days before). One row
   per user and day while the user has been active in the last 28 days. Reads active days from 27
   days before the interval, explicitly: the windows need them. */
MODEL (
    name analytics.user_engagement_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column engagement_date,
        lookback @late_arrival_days,
        batch_size 31
    ),
    grain (user_id, engagement_date),
    partitioned_by engagement_date,
    clustered_by user_id,
    audits (
        unique_combination_of_columns(columns := (user_id, engagement_date)),
        not_null(columns := (user_id, engagement_date, l7, l28, activity_bits)),
        accepted_range(column := l28, min_v := 1, max_v := 28),
        accepted_range(column := l7, min_v := 0, max_v := 7),
        forall(
            criteria := (
                l7 <= l28,
                BIT_COUNT(activity_bits) = l28,
                is_active_today = (
                    activity_bits & 1 = 1
                )
            )
        )
    )
);

WITH days AS (
    SELECT
        engagement_date
    FROM UNNEST(GENERATE_DATE_ARRAY(@start_date, @end_date, INTERVAL '1' DAY)) AS engagement_date
), active_days AS (
    SELECT
        user_id,
        activity_date
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL '27' DAY) AND @end_date
), days_ago AS (
    SELECT
        days.engagement_date,
        active_days.user_id,
        DATE_DIFF(days.engagement_date, active_days.activity_date, DAY) AS days_ago
    FROM days
    INNER JOIN active_days
        ON active_days.activity_date BETWEEN DATE_SUB(days.engagement_date, INTERVAL '27' DAY) AND days.engagement_date
)
SELECT
    engagement_date, /* The day (UTC). */
    user_id, /* A user active at least once in the 28 days ending that day. */
    LOGICAL_OR(days_ago = 0) AS is_active_today, /* Active that day. */
    SUM(IF(days_ago < 7, 1, 0)) AS l7, /* Active days among the 7 ending that day (0-7). */
    COUNT(*) AS l28, /* Active days among the 28 ending that day (1-28). */
    SUM(1 << days_ago) AS activity_bits /* Bit i set: active i days before (bit 0: that day). */
FROM days_ago
GROUP BY
    engagement_date,
    user_id
@ORDER_BY(@orders_storage())
    engagement_date,
    user_id
