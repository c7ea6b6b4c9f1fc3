AUDIT (
    name user_growth_states_match_growth_accounting
);

/* The user-level states, counted per period, are growth accounting's numbers for the same grain:
   @suffix is the audited model's blueprint variable (weekly or monthly), and the model declares
   that table as a dependency, so that it is read in the same environment. The two tables are
   computed by different queries: a row returned here is a period of the audited interval where
   one of them is wrong, or that only one of them has. */
WITH states AS (
    SELECT
        period_start,
        SUM(IF(is_active, 1, 0)) AS active_users,
        SUM(IF(state = 'new', 1, 0)) AS new_users,
        SUM(IF(state = 'retained', 1, 0)) AS retained_users,
        SUM(IF(state = 'resurrected', 1, 0)) AS resurrected_users,
        SUM(IF(state = 'churned', 1, 0)) AS churned_users
    FROM @this_model
    GROUP BY
        period_start
), accounting AS (
    SELECT
        period_start,
        active_users,
        new_users,
        retained_users,
        resurrected_users,
        churned_users
    FROM analytics.growth_accounting_@{suffix}
    WHERE
        period_end BETWEEN @start_ds AND @end_ds
)
SELECT
    COALESCE(states.period_start, accounting.period_start) AS period_start,
    states.active_users AS user_table_active,
    accounting.active_users AS growth_accounting_active,
    states.new_users AS user_table_new,
    accounting.new_users AS growth_accounting_new,
    states.retained_users AS user_table_retained,
    accounting.retained_users AS growth_accounting_retained,
    states.resurrected_users AS user_table_resurrected,
    accounting.resurrected_users AS growth_accounting_resurrected,
    states.churned_users AS user_table_churned,
    accounting.churned_users AS growth_accounting_churned
FROM states
FULL OUTER JOIN accounting
    ON states.period_start = accounting.period_start
WHERE
    states.period_start IS NULL
    OR accounting.period_start IS NULL
    OR states.active_users <> accounting.active_users
    OR states.new_users <> accounting.new_users
    OR states.retained_users <> accounting.retained_users
    OR states.resurrected_users <> accounting.resurrected_users
    OR states.churned_users <> accounting.churned_users
