AUDIT (
    name miles_economy_running_totals
);

/* The running totals of analytics.miles_economy_daily carry over from day to day: no day is
   missing, and each day's lifetime totals are the day before's plus that day's miles. A row
   returned here is a day that breaks the chain (checked within the rows audited). */
SELECT
    economy_date,
    previous_date,
    lifetime_miles_earned,
    previous_lifetime_miles_earned,
    lifetime_miles_redeemed,
    previous_lifetime_miles_redeemed
FROM (
    SELECT
        economy_date,
        miles_earned,
        miles_redeemed,
        lifetime_miles_earned,
        lifetime_miles_redeemed,
        LAG(economy_date) OVER (ORDER BY economy_date) AS previous_date,
        LAG(lifetime_miles_earned) OVER (ORDER BY economy_date) AS previous_lifetime_miles_earned,
        LAG(lifetime_miles_redeemed) OVER (ORDER BY economy_date) AS previous_lifetime_miles_redeemed
    FROM @this_model
) AS chained
WHERE
    NOT previous_date IS NULL
    AND (
        DATE_DIFF(economy_date, previous_date, DAY) <> 1
        OR lifetime_miles_earned <> previous_lifetime_miles_earned + miles_earned
        OR lifetime_miles_redeemed <> previous_lifetime_miles_redeemed + miles_redeemed
    )
