AUDIT (
    name latest_month_quick_ratio_below_one
);

/* Warns (attached as non-blocking) when the latest complete month lost users faster than it
   gained them. */
SELECT
    period_start,
    quick_ratio
FROM @this_model
WHERE
    period_grain = 'month'
    AND period_start = (
        SELECT
            MAX(period_start)
        FROM @this_model
        WHERE
            period_grain = 'month'
    )
    AND quick_ratio < 1
