AUDIT (
    name growth_accounting_identities
);

/* Social Capital's identities, and the derived columns that follow from them: a row returned
   here is a period whose numbers do not add up. A missing count or bound is one too (a NULL would
   make every comparison below unknown, and the row would pass), so the tables that use this audit
   need no not_null list of these columns of their own. */
SELECT
    *
FROM @this_model
WHERE
    period_start IS NULL
    OR period_end IS NULL
    OR active_users IS NULL
    OR new_users IS NULL
    OR retained_users IS NULL
    OR resurrected_users IS NULL
    OR churned_users IS NULL
    OR previous_period_whole IS NULL
    OR active_users <> new_users + retained_users + resurrected_users
    OR previous_active_users <> retained_users + churned_users
    OR net_change <> new_users + resurrected_users - churned_users
    OR LEAST(active_users, new_users, retained_users, resurrected_users, churned_users) < 0
    OR (
        churned_users = 0
    ) <> (
        quick_ratio IS NULL
    )
    OR ABS(quick_ratio * churned_users - (
        new_users + resurrected_users
    )) > 1e-6
    OR (
        previous_active_users = 0
    ) <> (
        retention_rate IS NULL
    )
    OR retention_rate < 0
    OR retention_rate > 1
    OR period_end < period_start
