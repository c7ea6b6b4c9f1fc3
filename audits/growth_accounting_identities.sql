AUDIT (
    name growth_accounting_identities
);

/* Social Capital's identities, and the derived columns that follow from them: a row returned
   here is a period whose numbers do not add up. */
SELECT
    *
FROM @this_model
WHERE
    active_users <> new_users + retained_users + resurrected_users
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
