AUDIT (
    name power_user_curve_shares_sum_to_one
);

/* Each curve (a month end, and a cohort or all users) is a distribution: its shares add up to 1. */
SELECT
    month_end,
    cohort_month,
    SUM(share_of_mau) AS total_share
FROM @this_model
GROUP BY
    month_end,
    cohort_month
HAVING
    ABS(SUM(share_of_mau) - 1) > 1e-9
