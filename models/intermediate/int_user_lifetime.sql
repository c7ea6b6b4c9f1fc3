/* Each user's whole history in one row, kept without rereading it: the lifetime totals and
   first touch behind analytics.dim_users, the first and last active days behind
   intermediate.int_user_first_active, the streaks behind analytics.user_streaks, and the miles
   state (first day earning, days that ended below zero) from which
   intermediate.int_user_miles_balance derives each day's running balance.
   A row holds two summaries of the same shape. The settled one (settled_ columns) covers the
   user's days at least @late_arrival_days before the end of the last run, which no later run
   reprocesses (every lookback stops there); the current one covers every day up to the
   interval's end. A run reads only the days it may have changed, from @late_arrival_days before
   its start, and adds those after the settled summary's last day to it. For that, the settled
   summary is taken as a few rows of the same shape as a day: its totals as one row; its last
   active day and the latest ones before that day's day, week and month as points; its latest
   and longest streaks as spans. One aggregation then combines it with the new days, for both
   summaries at once. Every answer the tables need is among those rows: a streak that crosses
   into the new days joins the settled latest one, and the latest active day before a week or
   month starts is either the settled last day or, when that is in the same week or month, the
   settled day before it.
   This needs intervals processed in order from the model's start, which SQLMesh does here: a
   self-referencing model runs one interval after the other, and an INCREMENTAL_BY_UNIQUE_KEY
   model is restated from its first interval (over the existing rows, which this model then sets
   aside). Rebuilt in one interval or day by day, the table is the same, settled columns included
   (tests/python/test_incremental_equals_rebuild.py). */
MODEL (
    name intermediate.int_user_lifetime,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
    clustered_by user_id,
    columns (
        user_id STRING,
        first_seen_at DATETIME,
        last_seen_at DATETIME,
        first_seen_date DATE,
        last_seen_date DATE,
        seen_days INT64,
        total_events INT64,
        total_miles_earned INT64,
        total_miles_redeemed INT64,
        first_earned_date DATE,
        negative_days INT64,
        first_negative_date DATE,
        first_negative_balance INT64,
        first_platform STRING,
        first_utm_source STRING,
        first_country STRING,
        first_active_date DATE,
        last_active_date DATE,
        active_before_last_active_day DATE,
        active_before_last_active_week DATE,
        active_before_last_active_month DATE,
        longest_streak_days INT64,
        longest_streak_start DATE,
        latest_streak_days INT64,
        latest_streak_start DATE,
        settled_first_seen_at DATETIME,
        settled_last_seen_at DATETIME,
        settled_first_seen_date DATE,
        settled_last_seen_date DATE,
        settled_seen_days INT64,
        settled_total_events INT64,
        settled_total_miles_earned INT64,
        settled_total_miles_redeemed INT64,
        settled_first_earned_date DATE,
        settled_negative_days INT64,
        settled_first_negative_date DATE,
        settled_first_negative_balance INT64,
        settled_first_platform STRING,
        settled_first_utm_source STRING,
        settled_first_country STRING,
        settled_first_active_date DATE,
        settled_last_active_date DATE,
        settled_active_before_last_active_day DATE,
        settled_active_before_last_active_week DATE,
        settled_active_before_last_active_month DATE,
        settled_longest_streak_days INT64,
        settled_longest_streak_start DATE,
        settled_latest_streak_days INT64,
        settled_latest_streak_start DATE
    ),
    audits (
        unique_values(columns := (
            user_id
        )),
        not_null(
            columns := (
                user_id,
                first_seen_at,
                first_seen_date,
                seen_days,
                total_events,
                negative_days,
                first_platform
            )
        ),
        forall(
            criteria := (
                first_seen_date <= last_seen_date,
                IFNULL(settled_seen_days <= seen_days, TRUE),
                IFNULL(settled_total_events <= total_events, TRUE),
                IFNULL(settled_first_seen_date = first_seen_date, TRUE),
                IFNULL(settled_first_platform = first_platform, TRUE),
                negative_days BETWEEN 0 AND seen_days,
                IFNULL(settled_negative_days <= negative_days, TRUE),
                (
                    first_negative_date IS NULL
                ) = (
                    negative_days = 0
                ),
                IFNULL(first_negative_balance < 0, first_negative_date IS NULL),
                (
                    first_earned_date IS NULL
                ) = (
                    total_miles_earned = 0
                ),
                IFNULL(first_active_date <= last_active_date, last_active_date IS NULL),
                IFNULL(settled_first_active_date = first_active_date, TRUE),
                IFNULL(latest_streak_days <= longest_streak_days, TRUE),
                IFNULL(
                    DATE_DIFF(last_active_date, latest_streak_start, DAY) + 1 = latest_streak_days,
                    last_active_date IS NULL
                )
            )
        )
    )
);

WITH days AS (
    /* The only days this run may have changed: the upstream lookback starts here. */
    SELECT
        activity.user_id,
        activity.activity_date,
        activity.first_event_time,
        activity.last_event_time,
        activity.events,
        activity.miles_earned,
        activity.miles_redeemed,
        activity.first_platform,
        activity.first_utm_source,
        activity.first_country,
        NOT active_days.user_id IS NULL AS is_active
    FROM intermediate.int_user_activity_daily AS activity
    LEFT JOIN intermediate.int_user_active_days AS active_days
        ON activity.user_id = active_days.user_id
        AND activity.activity_date = active_days.activity_date
        AND active_days.activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
    WHERE
        activity.activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
), touched_users AS (
    SELECT DISTINCT
        user_id
    FROM days
), previous AS (
    /* The columns are named: SQLMesh's schema of a model does not include the model itself. */
    SELECT
        lifetime.user_id,
        lifetime.settled_first_seen_at,
        lifetime.settled_last_seen_at,
        lifetime.settled_first_seen_date,
        lifetime.settled_last_seen_date,
        lifetime.settled_seen_days,
        lifetime.settled_total_events,
        lifetime.settled_total_miles_earned,
        lifetime.settled_total_miles_redeemed,
        lifetime.settled_first_earned_date,
        lifetime.settled_negative_days,
        lifetime.settled_first_negative_date,
        lifetime.settled_first_negative_balance,
        lifetime.settled_first_platform,
        lifetime.settled_first_utm_source,
        lifetime.settled_first_country,
        lifetime.settled_first_active_date,
        lifetime.settled_last_active_date,
        lifetime.settled_active_before_last_active_day,
        lifetime.settled_active_before_last_active_week,
        lifetime.settled_active_before_last_active_month,
        lifetime.settled_longest_streak_days,
        lifetime.settled_longest_streak_start,
        lifetime.settled_latest_streak_days,
        lifetime.settled_latest_streak_start
    FROM intermediate.int_user_lifetime AS lifetime
    INNER JOIN touched_users
        ON lifetime.user_id = touched_users.user_id
    /* A settled summary whose days are all read again is not used: the run recomputes the user
       from those days. That is a restatement, which SQLMesh runs from the model's first interval
       over the existing table. */
    WHERE
        lifetime.settled_first_seen_date < DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY)
), new_days AS (
    /* A day already in the settled summary is never counted twice, even if an interval is rerun. */
    SELECT
        days.*,
        days.activity_date <= DATE_SUB(@end_date, INTERVAL @late_arrival_days DAY) AS settles,
        IFNULL(previous.settled_total_miles_earned - previous.settled_total_miles_redeemed, 0) /* The balance at the end of the day. The settled days come before every new day, so it
           is the same in both summaries. */ + SUM(days.miles_earned - days.miles_redeemed) OVER (
            PARTITION BY days.user_id
            ORDER BY days.activity_date
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS miles_balance
    FROM days
    LEFT JOIN previous
        ON days.user_id = previous.user_id
    WHERE
        days.activity_date > IFNULL(previous.settled_last_seen_date, CAST('0001-01-01' AS DATE))
), targets AS (
    /* Each piece of history counts in the current summary, and in the settled one when no later
       run can change it. */
    SELECT
        'current' AS target
    UNION ALL
    SELECT
        'settled' AS target
), seen_pieces AS (
    SELECT
        user_id,
        settled_first_seen_date AS first_date,
        settled_last_seen_date AS last_date,
        settled_first_seen_at AS first_event_time,
        settled_last_seen_at AS last_event_time,
        settled_seen_days AS seen_days,
        settled_total_events AS events,
        settled_total_miles_earned AS miles_earned,
        settled_total_miles_redeemed AS miles_redeemed,
        settled_first_earned_date AS first_earned_date,
        settled_negative_days AS negative_days,
        settled_first_negative_date AS first_negative_date,
        settled_first_negative_balance AS first_negative_balance,
        settled_first_platform AS first_platform,
        settled_first_utm_source AS first_utm_source,
        settled_first_country AS first_country,
        TRUE AS settles
    FROM previous
    WHERE
        NOT settled_seen_days IS NULL
    UNION ALL
    SELECT
        user_id,
        activity_date AS first_date,
        activity_date AS last_date,
        first_event_time,
        last_event_time,
        1 AS seen_days,
        events,
        miles_earned,
        miles_redeemed,
        IF(miles_earned > 0, activity_date, NULL) AS first_earned_date,
        IF(miles_balance < 0, 1, 0) AS negative_days,
        IF(miles_balance < 0, activity_date, NULL) AS first_negative_date,
        IF(miles_balance < 0, miles_balance, NULL) AS first_negative_balance,
        first_platform,
        first_utm_source,
        first_country,
        settles
    FROM new_days
), seen_pieces_by_target AS (
    SELECT
        targets.target,
        seen_pieces.*
    FROM seen_pieces
    INNER JOIN targets
        ON targets.target = 'current' OR seen_pieces.settles
), seen AS (
    /* The sums are cast back to INT64: DuckDB sums BIGINT into HUGEINT. */
    SELECT
        user_id,
        target,
        MIN(first_event_time) AS first_seen_at,
        MAX(last_event_time) AS last_seen_at,
        MIN(first_date) AS first_seen_date,
        MAX(last_date) AS last_seen_date,
        CAST(SUM(seen_days) AS INT64) AS seen_days,
        CAST(SUM(events) AS INT64) AS total_events,
        CAST(SUM(miles_earned) AS INT64) AS total_miles_earned,
        CAST(SUM(miles_redeemed) AS INT64) AS total_miles_redeemed,
        MIN(first_earned_date) AS first_earned_date,
        CAST(SUM(negative_days) AS INT64) AS negative_days
    FROM seen_pieces_by_target
    GROUP BY
        user_id,
        target
), first_touch AS (
    /* The settled piece's days all come before the new ones, so the first piece is unique. A
       subquery rather than QUALIFY, which BigQuery accepts only beside WHERE, GROUP BY or HAVING. */
    SELECT
        user_id,
        target,
        first_platform,
        first_utm_source,
        first_country
    FROM (
        SELECT
            user_id,
            target,
            first_platform,
            first_utm_source,
            first_country,
            ROW_NUMBER() OVER (PARTITION BY user_id, target ORDER BY first_date) AS piece_rank
        FROM seen_pieces_by_target
    ) AS ranked
    WHERE
        piece_rank = 1
), first_negatives AS (
    /* The earliest piece that ended a day below zero: the settled one's first such day comes
       before every new day. */
    SELECT
        user_id,
        target,
        first_negative_date,
        first_negative_balance
    FROM (
        SELECT
            user_id,
            target,
            first_negative_date,
            first_negative_balance,
            ROW_NUMBER() OVER (PARTITION BY user_id, target ORDER BY first_negative_date) AS negative_rank
        FROM seen_pieces_by_target
        WHERE
            NOT first_negative_date IS NULL
    ) AS ranked
    WHERE
        negative_rank = 1
), active_points AS (
    SELECT
        previous.user_id,
        point AS activity_date,
        TRUE AS settles
    FROM previous
    CROSS JOIN UNNEST([
        previous.settled_first_active_date,
        previous.settled_last_active_date,
        previous.settled_active_before_last_active_day,
        previous.settled_active_before_last_active_week,
        previous.settled_active_before_last_active_month
    ]) AS point
    WHERE
        NOT point IS NULL
    UNION DISTINCT
    SELECT
        user_id,
        activity_date,
        settles
    FROM new_days
    WHERE
        is_active
), active_points_by_target AS (
    SELECT
        targets.target,
        active_points.*
    FROM active_points
    INNER JOIN targets
        ON targets.target = 'current' OR active_points.settles
), active_spans AS (
    SELECT
        user_id,
        target,
        MIN(activity_date) AS first_active_date,
        MAX(activity_date) AS last_active_date
    FROM active_points_by_target
    GROUP BY
        user_id,
        target
), active AS (
    SELECT
        active_spans.user_id,
        active_spans.target,
        active_spans.first_active_date,
        active_spans.last_active_date,
        MAX(
            IF(points.activity_date < active_spans.last_active_date, points.activity_date, NULL)
        ) AS active_before_last_active_day,
        MAX(
            IF(
                points.activity_date < @period_start(week, active_spans.last_active_date),
                points.activity_date,
                NULL
            )
        ) AS active_before_last_active_week,
        MAX(
            IF(
                points.activity_date < @period_start(month, active_spans.last_active_date),
                points.activity_date,
                NULL
            )
        ) AS active_before_last_active_month
    FROM active_spans
    INNER JOIN active_points_by_target AS points
        ON active_spans.user_id = points.user_id AND active_spans.target = points.target
    GROUP BY
        active_spans.user_id,
        active_spans.target,
        active_spans.first_active_date,
        active_spans.last_active_date
), streak_pieces AS (
    /* The settled streaks as spans of days, and each new active day as a span of one. */
    SELECT
        user_id,
        settled_latest_streak_start AS span_start,
        settled_last_active_date AS span_end,
        TRUE AS settles
    FROM previous
    WHERE
        NOT settled_latest_streak_start IS NULL
    UNION ALL
    SELECT
        user_id,
        settled_longest_streak_start AS span_start,
        DATE_ADD(settled_longest_streak_start, INTERVAL (
            settled_longest_streak_days - 1
        ) DAY) AS span_end,
        TRUE AS settles
    FROM previous
    WHERE
        NOT settled_longest_streak_start IS NULL
    UNION ALL
    SELECT
        user_id,
        activity_date AS span_start,
        activity_date AS span_end,
        settles
    FROM new_days
    WHERE
        is_active
), streak_pieces_by_target AS (
    SELECT
        targets.target,
        streak_pieces.*
    FROM streak_pieces
    INNER JOIN targets
        ON targets.target = 'current' OR streak_pieces.settles
), streak_breaks AS (
    /* A span starts a new streak when it begins after the day following every earlier span's end:
       gaps and islands over spans, which may overlap (the settled latest and longest streaks can
       be the same one). */
    SELECT
        user_id,
        target,
        span_start,
        span_end,
        IF(
            span_start > DATE_ADD(MAX(span_end) OVER (
                PARTITION BY user_id, target
                ORDER BY span_start, span_end
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ), INTERVAL '1' DAY),
            1,
            0
        ) AS starts_streak
    FROM streak_pieces_by_target
), streak_islands AS (
    SELECT
        user_id,
        target,
        span_start,
        span_end,
        SUM(starts_streak) OVER (
            PARTITION BY user_id, target
            ORDER BY span_start, span_end
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS streak_number
    FROM streak_breaks
), streaks AS (
    SELECT
        user_id,
        target,
        MIN(span_start) AS streak_start,
        MAX(span_end) AS streak_end,
        DATE_DIFF(MAX(span_end), MIN(span_start), DAY) + 1 AS streak_days
    FROM streak_islands
    GROUP BY
        user_id,
        target,
        streak_number
), ranked_streaks AS (
    SELECT
        user_id,
        target,
        streak_start,
        streak_days,
        ROW_NUMBER() OVER (PARTITION BY user_id, target ORDER BY streak_days DESC, streak_start) AS length_rank,
        ROW_NUMBER() OVER (PARTITION BY user_id, target ORDER BY streak_end DESC) AS recency_rank
    FROM streaks
), summaries AS (
    SELECT
        seen.user_id,
        seen.target,
        seen.first_seen_at,
        seen.last_seen_at,
        seen.first_seen_date,
        seen.last_seen_date,
        seen.seen_days,
        seen.total_events,
        seen.total_miles_earned,
        seen.total_miles_redeemed,
        seen.first_earned_date,
        seen.negative_days,
        first_negatives.first_negative_date,
        first_negatives.first_negative_balance,
        first_touch.first_platform,
        first_touch.first_utm_source,
        first_touch.first_country,
        active.first_active_date,
        active.last_active_date,
        active.active_before_last_active_day,
        active.active_before_last_active_week,
        active.active_before_last_active_month,
        CAST(longest.streak_days AS INT64) AS longest_streak_days,
        longest.streak_start AS longest_streak_start,
        CAST(latest.streak_days AS INT64) AS latest_streak_days,
        latest.streak_start AS latest_streak_start
    FROM seen
    INNER JOIN first_touch
        ON seen.user_id = first_touch.user_id AND seen.target = first_touch.target
    LEFT JOIN first_negatives
        ON seen.user_id = first_negatives.user_id AND seen.target = first_negatives.target
    LEFT JOIN active
        ON seen.user_id = active.user_id AND seen.target = active.target
    LEFT JOIN ranked_streaks AS longest
        ON seen.user_id = longest.user_id
        AND seen.target = longest.target
        AND longest.length_rank = 1
    LEFT JOIN ranked_streaks AS latest
        ON seen.user_id = latest.user_id
        AND seen.target = latest.target
        AND latest.recency_rank = 1
)
SELECT
    touched_users.user_id, /* The user. */
    to_end.first_seen_at, /* Time of the first valid event (UTC). */
    to_end.last_seen_at, /* Time of the latest valid event up to the interval's end (UTC). */
    to_end.first_seen_date, /* First day with a valid event. */
    to_end.last_seen_date, /* Latest such day. */
    to_end.seen_days, /* Days with at least one valid event. */
    to_end.total_events, /* Valid events, all time. */
    to_end.total_miles_earned, /* Miles earned, all time. */
    to_end.total_miles_redeemed, /* Miles redeemed, all time. */
    to_end.first_earned_date, /* First day with miles earned (> 0); NULL if none. */
    to_end.negative_days, /* Days with a valid event that ended with a negative miles balance (earned - redeemed so far). */
    to_end.first_negative_date, /* First such day; NULL if none. */
    to_end.first_negative_balance, /* The balance at the end of that day. */
    to_end.first_platform, /* Platform of the first event. */
    to_end.first_utm_source, /* utm_source of the first event (first touch). */
    to_end.first_country, /* country of the first event. */
    to_end.first_active_date, /* First day with an event that counts as activity; NULL if none. */
    to_end.last_active_date, /* Latest such day. */
    to_end.active_before_last_active_day, /* Latest active day before last_active_date. */
    to_end.active_before_last_active_week, /* Latest active day before the (Monday) week of last_active_date. */
    to_end.active_before_last_active_month, /* Latest active day before the month of last_active_date. */
    to_end.longest_streak_days, /* Longest run of consecutive active days. */
    to_end.longest_streak_start, /* Its first day (the earliest, on a tie). */
    to_end.latest_streak_days, /* Length of the run that ends on last_active_date. */
    to_end.latest_streak_start, /* Its first day. */
    settled.first_seen_at AS settled_first_seen_at, /* The same, over the settled days only (NULL if none). */
    settled.last_seen_at AS settled_last_seen_at,
    settled.first_seen_date AS settled_first_seen_date,
    settled.last_seen_date AS settled_last_seen_date,
    settled.seen_days AS settled_seen_days,
    settled.total_events AS settled_total_events,
    settled.total_miles_earned AS settled_total_miles_earned,
    settled.total_miles_redeemed AS settled_total_miles_redeemed,
    settled.first_earned_date AS settled_first_earned_date,
    settled.negative_days AS settled_negative_days,
    settled.first_negative_date AS settled_first_negative_date,
    settled.first_negative_balance AS settled_first_negative_balance,
    settled.first_platform AS settled_first_platform,
    settled.first_utm_source AS settled_first_utm_source,
    settled.first_country AS settled_first_country,
    settled.first_active_date AS settled_first_active_date,
    settled.last_active_date AS settled_last_active_date,
    settled.active_before_last_active_day AS settled_active_before_last_active_day,
    settled.active_before_last_active_week AS settled_active_before_last_active_week,
    settled.active_before_last_active_month AS settled_active_before_last_active_month,
    settled.longest_streak_days AS settled_longest_streak_days,
    settled.longest_streak_start AS settled_longest_streak_start,
    settled.latest_streak_days AS settled_latest_streak_days,
    settled.latest_streak_start AS settled_latest_streak_start
FROM touched_users
INNER JOIN summaries AS to_end
    ON touched_users.user_id = to_end.user_id AND to_end.target = 'current'
LEFT JOIN summaries AS settled
    ON touched_users.user_id = settled.user_id AND settled.target = 'settled'
