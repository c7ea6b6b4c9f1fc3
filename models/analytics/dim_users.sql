/* One row per user ever active: first and last seen, first-touch attributes and lifetime miles.
   Kept by intermediate.int_user_lifetime, which folds new days into each user's totals without
   rereading their history; this table takes the users whose days this run may have changed. */
MODEL (
    name analytics.dim_users,
    kind INCREMENTAL_BY_UNIQUE_KEY (
        unique_key user_id
    ),
    grain user_id,
    clustered_by user_id,
    audits (
        unique_values(columns := (
            user_id
        )),
        not_null(
            columns := (
                user_id,
                first_seen_at,
                last_seen_at,
                first_platform,
                total_miles_earned,
                total_miles_redeemed,
                miles_balance
            )
        ),
        accepted_range(column := total_miles_earned, min_v := 0),
        accepted_range(column := total_miles_redeemed, min_v := 0),
        accepted_range(column := active_days, min_v := 1),
        forall(
            criteria := (
                miles_balance = total_miles_earned - total_miles_redeemed,
                has_negative_balance = (
                    miles_balance < 0
                ),
                first_seen_at <= last_seen_at,
                first_active_date <= last_active_date
            )
        )
    )
);

WITH touched_users AS (
    SELECT DISTINCT
        user_id
    FROM intermediate.int_user_activity_daily
    WHERE
        activity_date BETWEEN DATE_SUB(@start_date, INTERVAL @late_arrival_days DAY) AND @end_date
)
SELECT
    lifetime.user_id, /* The user. */
    lifetime.first_seen_at, /* Time of the user's first valid event (UTC). */
    lifetime.last_seen_at, /* Time of the user's latest valid event (UTC). */
    lifetime.first_seen_date AS first_active_date, /* Date of first_seen_at. */
    lifetime.last_seen_date AS last_active_date, /* Date of last_seen_at. */
    lifetime.seen_days AS active_days, /* Days with at least one event. */
    lifetime.total_events, /* Valid events, all time. */
    lifetime.first_platform, /* Platform of the user's first event. */
    lifetime.first_utm_source, /* utm_source of the user's first event (first touch). */
    lifetime.first_country, /* country of the user's first event. */
    lifetime.total_miles_earned, /* Miles earned, all time. */
    lifetime.total_miles_redeemed, /* Miles redeemed, all time. */
    lifetime.total_miles_earned - lifetime.total_miles_redeemed AS miles_balance, /* Earned minus redeemed. */
    lifetime.total_miles_earned - lifetime.total_miles_redeemed < 0 AS has_negative_balance /* Redeemed more than earned: the events do not explain the balance. */
FROM intermediate.int_user_lifetime AS lifetime
INNER JOIN touched_users
    ON lifetime.user_id = touched_users.user_id
