/* Daily, weekly and monthly active users and stickiness, every day from the first activity on:
   DAU (active that day), WAU (active in the 7 days ending that day), MAU (in the 28 days ending
   that day; 28 rather than a calendar month, so that every day compares the same four weeks),
   and DAU/MAU. Stickiness is defined once the MAU window is whole (docs/definitions.md,
   "Engagement and lifecycle", cold start): window_whole says so, and METRIC(stickiness) applies it. */
MODEL (
    name analytics.engagement_daily,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column engagement_date,
        lookback @late_arrival_days
    ),
    grain engagement_date,
    audits (
        unique_values(columns := (
            engagement_date
        )),
        not_null(columns := (engagement_date, dau, wau, mau, window_whole)),
        accepted_range(column := stickiness, min_v := 0, max_v := 1),
        forall(
            criteria := (dau <= wau, wau <= mau, (
                    mau = 0
                ) = (
                    stickiness IS NULL
            ))
        )
    )
);

WITH bounds AS (
    SELECT
        GREATEST(@start_date, MIN(first_active_date)) AS first_day,
        MIN(first_active_date) AS first_data_day /* The first day of data (anybody active). */
    FROM intermediate.int_user_first_active
), days AS (
    SELECT
        engagement_date
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_day, @end_date, INTERVAL '1' DAY)) AS engagement_date
), counts AS (
    SELECT
        engagement_date,
        SUM(IF(is_active_today, 1, 0)) AS dau,
        SUM(IF(l7 > 0, 1, 0)) AS wau,
        COUNT(*) AS mau,
        AVG(l28) AS mean_l28
    FROM analytics.user_engagement_daily
    WHERE
        engagement_date BETWEEN @start_ds AND @end_ds
    GROUP BY
        engagement_date
)
SELECT
    days.engagement_date, /* The day (UTC). */
    IFNULL(counts.dau, 0) AS dau, /* Users active that day. */
    IFNULL(counts.wau, 0) AS wau, /* Users active in the 7 days ending that day. */
    IFNULL(counts.mau, 0) AS mau, /* Users active in the 28 days ending that day. */
    SAFE_DIVIDE(counts.dau, counts.mau) AS stickiness, /* DAU / MAU; NULL when MAU is 0. Plain arithmetic: METRIC(stickiness) also needs window_whole. */
    counts.mean_l28, /* Mean L28 of the MAU: how many of the 28 days the typical monthly user is active. */
    DATE_SUB(days.engagement_date, INTERVAL '27' DAY) >= bounds.first_data_day AS window_whole /* The 28 days ending that day start on or after the first day of data, so stickiness is defined (docs/definitions.md, "Engagement and lifecycle", cold start). Before the 28th day of data MAU is cut short and DAU/MAU too high (100% on the first day). The stored stickiness stays the plain arithmetic; METRIC(stickiness), and so the dashboards, applies this flag. */
FROM days
CROSS JOIN bounds
LEFT JOIN counts
    ON days.engagement_date = counts.engagement_date
