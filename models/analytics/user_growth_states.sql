/* Growth accounting per user, for the lists growth teams act on (who churned last week, who came
   back, who is dormant): one row per user and Monday week or calendar month, from the period of
   the user's first activity on, with the user's state in it. The periods and definitions are
   those of analytics.growth_accounting_weekly and _monthly, and the states counted per period are
   their numbers (an audit, user_growth_states_match_growth_accounting): new, retained and
   resurrected users are active; churned = active in the period before and not in this one;
   dormant = active in some earlier period, in neither this one nor the one before.
   Published like growth accounting: on daily intervals, a period in the run that processes its
   last day, never earlier, and recomputed while late events may still land (@late_arrival_days).
   There is no daily table: it would hold a row per user and day, almost all of them dormant.
   A row's last_active_date is the user's latest active day on or before period_end, which for a
   dormant user may be months back. Rather than reread everyone's history, a run carries it over
   from the table's own rows for the period before the first one it publishes (one row per user;
   days before that period are never reprocessed), so a daily run reads the users, one period of
   its own rows and the new active days. int_user_first_active cannot stand in: it keeps only
   each user's latest active days as of the last run, not as of every period of a backfill.
   Reading its own table makes SQLMesh run the intervals in order and restate from the first
   day asked for up to the last day processed. The model declares growth accounting of its grain
   as a dependency: the audit reads that table, in every environment, once it is built. */
MODEL (
    name analytics.user_growth_states_@{suffix},
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    blueprints ((grain := week, suffix := weekly), (grain := month, suffix := monthly)),
    grain (period_start, user_id),
    clustered_by (state, user_id),
    depends_on (
        analytics.growth_accounting_@{suffix}
    ),
    columns (
        period_start DATE,
        period_end DATE,
        user_id STRING,
        state STRING,
        is_active BOOL,
        last_active_date DATE,
        days_since_last_active INT64,
        first_active_date DATE,
        first_platform STRING,
        first_country STRING,
        first_utm_source STRING
    ),
    audits (
        unique_combination_of_columns(columns := (period_start, user_id)),
        not_null(
            columns := (
                period_start,
                period_end,
                user_id,
                state,
                is_active,
                last_active_date,
                days_since_last_active,
                first_active_date,
                first_platform,
                first_country,
                first_utm_source
            )
        ),
        accepted_values(column := state, is_in := ('new', 'retained', 'resurrected', 'churned', 'dormant')),
        forall(
            criteria := (
                is_active = (
                    state IN ('new', 'retained', 'resurrected')
                ),
                is_active = (
                    last_active_date >= period_start
                ),
                last_active_date <= period_end,
                first_active_date <= last_active_date,
                (
                    state = 'new'
                ) = (
                    first_active_date >= period_start
                ),
                days_since_last_active = DATE_DIFF(period_end, last_active_date, DAY)
            )
        ),
        user_growth_states_match_growth_accounting
    ),
    column_descriptions (
        period_start = 'First day of the period (a Monday, or the 1st of the month).',
        period_end = 'Last day of the period (the time column).',
        user_id = 'A user first active in this period or earlier.',
        state = CONCAT(
            'new (first active in this period), retained (active in it and the one before), ',
            'resurrected (active in it, not in the one before, active earlier), churned (active ',
            'in the period before, not in this one) or dormant (active earlier, in neither).'
        ),
        is_active = 'Active in the period (new, retained or resurrected).',
        last_active_date = 'The latest active day on or before period_end.',
        days_since_last_active = 'period_end - last_active_date, in days (0: active on the last day).',
        first_active_date = 'The first active day ever.',
        first_platform = 'Platform of the first event (analytics.dim_users).',
        first_country = CONCAT(
            'country of the first event (analytics.dim_users); ',
            '(none)',
            ' when it was empty.'
        ),
        first_utm_source = CONCAT(
            'utm_source of the first event (first touch, analytics.dim_users); ',
            '(none)',
            ' when it was empty.'
        )
    )
);

WITH periods AS (
    /* The periods this run publishes: those that end within the interval, so only complete ones. */
    SELECT
        period_start,
        @period_end(@grain, period_start) AS period_end,
        @period_start(@grain, DATE_SUB(period_start, INTERVAL '1' DAY)) AS previous_period_start
    FROM UNNEST(GENERATE_DATE_ARRAY(@period_start(@grain, @start_date), @end_date, INTERVAL '1' DAY)) AS period_start
    WHERE
        @period_start(@grain, period_start) = period_start
        AND @period_end(@grain, period_start) <= @end_date
), active_periods AS (
    /* Each user's latest active day in each period, from the period before the first one
       published (which decides who churned in that one). */
    SELECT
        user_id,
        @period_start(@grain, activity_date) AS period_start,
        MAX(activity_date) AS last_active_date
    FROM intermediate.int_user_active_days
    WHERE
        activity_date BETWEEN @period_start(@grain, DATE_SUB(@period_start(@grain, @start_date), INTERVAL '1' DAY)) AND @end_date
    GROUP BY
        user_id,
        period_start
), carried_over AS (
    /* The latest active day before the first period published: this table's row for the period
       before it, or that period's own days when the row is not there (the first run). */
    SELECT
        user_id,
        MAX(last_active_date) AS last_active_date
    FROM (
        SELECT
            previous_rows.user_id,
            previous_rows.last_active_date
        FROM analytics.user_growth_states_@{suffix} AS previous_rows
        WHERE
            previous_rows.period_end = DATE_SUB(@period_start(@grain, @start_date), INTERVAL '1' DAY)
        UNION ALL
        SELECT
            user_id,
            last_active_date
        FROM active_periods
        WHERE
            period_start < @period_start(@grain, @start_date)
    ) AS before_interval
    GROUP BY
        user_id
), users AS (
    /* First-touch segments as growth drivers take them: NULL is the segment '(none)'. */
    SELECT
        first_active.user_id,
        first_active.first_active_date,
        @period_start(@grain, first_active.first_active_date) AS first_period_start,
        IFNULL(dim_users.first_platform, '(none)') AS first_platform,
        IFNULL(dim_users.first_country, '(none)') AS first_country,
        IFNULL(dim_users.first_utm_source, '(none)') AS first_utm_source
    FROM intermediate.int_user_first_active AS first_active
    INNER JOIN analytics.dim_users AS dim_users
        ON first_active.user_id = dim_users.user_id
    WHERE
        first_active.first_active_date <= @end_date
), user_periods AS (
    /* A user's periods run consecutively from the first one published, so the latest active day
       on or before a period's end is the running maximum, or else the one carried over. */
    SELECT
        periods.period_start,
        periods.period_end,
        users.user_id,
        CASE
            WHEN current_period.user_id IS NULL AND previous_period.user_id IS NULL
            THEN 'dormant'
            WHEN current_period.user_id IS NULL
            THEN 'churned'
            WHEN users.first_period_start = periods.period_start
            THEN 'new'
            WHEN NOT previous_period.user_id IS NULL
            THEN 'retained'
            ELSE 'resurrected'
        END AS state,
        NOT current_period.user_id IS NULL AS is_active,
        COALESCE(
            MAX(current_period.last_active_date) OVER (
                PARTITION BY users.user_id
                ORDER BY periods.period_start
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ),
            carried_over.last_active_date
        ) AS last_active_date,
        users.first_active_date,
        users.first_platform,
        users.first_country,
        users.first_utm_source
    FROM users
    INNER JOIN periods
        ON users.first_period_start <= periods.period_start
    LEFT JOIN active_periods AS current_period
        ON users.user_id = current_period.user_id
        AND periods.period_start = current_period.period_start
    LEFT JOIN active_periods AS previous_period
        ON users.user_id = previous_period.user_id
        AND periods.previous_period_start = previous_period.period_start
    LEFT JOIN carried_over
        ON users.user_id = carried_over.user_id
)
SELECT
    period_start,
    period_end,
    user_id,
    state,
    is_active,
    last_active_date,
    DATE_DIFF(period_end, last_active_date, DAY) AS days_since_last_active,
    first_active_date,
    first_platform,
    first_country,
    first_utm_source
FROM user_periods
