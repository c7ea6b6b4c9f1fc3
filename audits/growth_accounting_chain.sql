AUDIT (
    name growth_accounting_chain
);

/* The identity across rows: active(p-1) = retained(p) + churned(p), with active(p-1) read from
   the previous period's own row (the one ending the day before p starts; for rolling windows, the
   28 days before). growth_accounting_identities checks each row alone and cannot see this. Only
   pairs of rows both inside the audited interval are compared. */
SELECT
    current_period.period_start,
    current_period.retained_users + current_period.churned_users AS retained_plus_churned,
    previous_period.active_users AS previous_period_active_users
FROM @this_model AS current_period
INNER JOIN @this_model AS previous_period
    ON previous_period.period_end = CAST(DATE_SUB(current_period.period_start, INTERVAL '1' DAY) AS DATE)
WHERE
    current_period.retained_users + current_period.churned_users <> previous_period.active_users
