/* Users who redeemed more miles than their events show them earning: a data-quality and fraud
   signal (missing earn events, or redemptions the ledger should have refused). */
MODEL (
    name analytics.users_with_negative_miles,
    kind VIEW,
    grain user_id,
    audits (
        unique_values(columns := (
            user_id
        )),
        accepted_range(column := miles_balance, max_v := -1)
    )
);

SELECT
    user_id, /* The user. */
    miles_balance, /* Earned minus redeemed, below zero. */
    total_miles_earned, /* Miles earned, all time. */
    total_miles_redeemed, /* Miles redeemed, all time. */
    first_seen_at, /* Time of the user's first event. */
    last_seen_at /* Time of the user's latest event. */
FROM analytics.dim_users
WHERE
    has_negative_balance
