/* Growth accounting (Social Capital) by day, Monday week and calendar month: active users split
   into new, retained and resurrected, churned users, quick ratio, retention rate and net change;
   one row per period from the first activity on, empty periods included.
   Every grain runs on daily intervals and publishes a period in the run that processes its last
   day, so only complete periods: with week or month intervals SQLMesh 0.236 creates no table
   until the first period is over (a plan applied earlier fails on the missing table), and a
   weekly cron over day intervals fails plans whose execution time comes before the first Monday.
   Each run reaches back @late_arrival_days days, so the last periods are recomputed while late
   events may still land. Definitions: docs/definitions.md, "Growth accounting". */
MODEL (
    name analytics.growth_accounting_@{suffix},
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    blueprints (
        (grain := day, suffix := daily, week_label := FALSE),
        (grain := week, suffix := weekly, week_label := TRUE),
        (grain := month, suffix := monthly, week_label := FALSE)
    ),
    grain period_start,
    audits (
        unique_values(columns := (
            period_start
        )),
        growth_accounting_identities,
        growth_accounting_chain
    ),
    column_descriptions (
        period_start = 'First day of the period (the day, the Monday of the week, the 1st of the month).',
        period_end = 'Last day of the period (the time column).',
        @IF(
            @week_label,
            week_label = 'Weekly table only: period_start as text (YYYY-MM-DD), the week on the x axis of the dashboards.'
        ),
        active_users = 'Users with at least one counted event in the period.',
        new_users = 'Active users whose first counted event falls in this period.',
        retained_users = 'Active users who were also active in the period before.',
        resurrected_users = 'Active users not active in the period before but active earlier.',
        churned_users = 'Users active in the period before and not in this one.',
        previous_active_users = 'Active users of the period before (= retained + churned).',
        net_change = 'active_users - previous_active_users (= new + resurrected - churned).',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: the quick_ratio metrics also need previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic: the retention_rate metrics also need previous_period_whole.',
        previous_period_whole = 'The period before starts on or after the first day of data (docs/definitions.md, "Growth accounting", cold start): only then are the quick ratio and retention rate defined.'
    )
);

WITH bounds AS (
    /* The periods this run publishes: those ending within the interval (so only complete ones),
       from the period of the first activity ever onwards. */
    SELECT
        GREATEST(
            @period_start(@grain, @start_date),
            @period_start(@grain, first_activity.first_active_date)
        ) AS first_period,
        @last_whole_period(@grain, @end_date) AS last_period,
        first_activity.first_active_date AS first_day
    FROM (
        SELECT
            MIN(first_active_date) AS first_active_date
        FROM intermediate.int_user_first_active
    ) AS first_activity
), active_periods AS (
    /* Users active per period, from the period before the first one published. */
    SELECT DISTINCT
        active_days.user_id,
        @period_start(@grain, active_days.activity_date) AS period_start
    FROM intermediate.int_user_active_days AS active_days
    WHERE
        active_days.activity_date BETWEEN CAST(DATE_SUB(@period_start(@grain, @start_date), INTERVAL '1' @grain) AS DATE) AND @end_date
), first_periods AS (
    SELECT
        first_active.user_id,
        @period_start(@grain, first_active.first_active_date) AS first_period_start
    FROM intermediate.int_user_first_active AS first_active
    INNER JOIN (
        SELECT DISTINCT
            user_id
        FROM active_periods
    ) AS window_users
        ON first_active.user_id = window_users.user_id
), transitions AS (
    /* Each user's state in a period and in the period before it. */
    SELECT
        COALESCE(
            current_period.period_start,
            CAST(DATE_ADD(previous_period.period_start, INTERVAL '1' @grain) AS DATE)
        ) AS period_start,
        COALESCE(current_period.user_id, previous_period.user_id) AS user_id,
        NOT current_period.user_id IS NULL AS is_active,
        NOT previous_period.user_id IS NULL AS was_active
    FROM active_periods AS current_period
    FULL OUTER JOIN active_periods AS previous_period
        ON current_period.user_id = previous_period.user_id
        AND current_period.period_start = CAST(DATE_ADD(previous_period.period_start, INTERVAL '1' @grain) AS DATE)
), counts AS (
    SELECT
        transitions.period_start,
        SUM(IF(transitions.is_active, 1, 0)) AS active_users,
        SUM(
            IF(
                transitions.is_active
                AND first_periods.first_period_start = transitions.period_start,
                1,
                0
            )
        ) AS new_users,
        SUM(IF(transitions.is_active AND transitions.was_active, 1, 0)) AS retained_users,
        SUM(
            IF(
                transitions.is_active
                AND NOT transitions.was_active
                AND first_periods.first_period_start < transitions.period_start,
                1,
                0
            )
        ) AS resurrected_users,
        SUM(IF(transitions.was_active AND NOT transitions.is_active, 1, 0)) AS churned_users,
        SUM(IF(transitions.was_active, 1, 0)) AS previous_active_users
    FROM transitions
    INNER JOIN first_periods
        ON transitions.user_id = first_periods.user_id
    GROUP BY
        transitions.period_start
), spine AS (
    SELECT
        period_start
    FROM bounds
    CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(bounds.first_period, bounds.last_period, INTERVAL '1' @grain)) AS period_start
)
SELECT
    spine.period_start,
    @period_end(@grain, spine.period_start) AS period_end,
    @IF(@week_label, CAST(spine.period_start AS STRING) AS week_label), /* The week's Monday as text, the dashboards' x axis: Superset 6.1 draws a date column only on
       a time axis, ticked at month starts, and labels a category axis of dates NaN; a week is read
       by its start. */
    IFNULL(counts.active_users, 0) AS active_users,
    IFNULL(counts.new_users, 0) AS new_users,
    IFNULL(counts.retained_users, 0) AS retained_users,
    IFNULL(counts.resurrected_users, 0) AS resurrected_users,
    IFNULL(counts.churned_users, 0) AS churned_users,
    IFNULL(counts.previous_active_users, 0) AS previous_active_users,
    IFNULL(counts.active_users, 0) - IFNULL(counts.previous_active_users, 0) AS net_change,
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio,
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate,
    CAST(DATE_SUB(spine.period_start, INTERVAL '1' @grain) AS DATE) /* Cold start: nobody is seen before the first day of data (the first day anybody was
       active, from the data, not the run), so a previous period that starts earlier is cut
       short; churn and retention measured against it are artefacts. The stored ratios stay the
       plain arithmetic (the identities audit checks them); the metrics, and so the dashboards,
       apply this flag (docs/definitions.md, "Growth accounting", cold start). */ >= bounds.first_day AS previous_period_whole
FROM spine
CROSS JOIN bounds
LEFT JOIN counts
    ON spine.period_start = counts.period_start
