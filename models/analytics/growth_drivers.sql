/* Growth accounting by Monday week and calendar month for each first-touch segment: users are
   split by the utm_source, country and platform of their first event (analytics.dim_users; an
   empty attribute is the segment '(none)'), and each dimension's segments add up to
   analytics.growth_accounting_weekly and _monthly (tested). Rows for segments with users active in
   the period or the one before; published like growth accounting, a period in the run that
   processes its last day and again while late events may still land.
   The counts are those of the users' growth states (analytics.user_growth_states_weekly and
   _monthly: one row per user and period, with the user's first-touch segments), whose states per
   period are growth accounting's numbers (an audit there): counting them by segment applies the
   definitions once, and a run reads only the periods it publishes. */
MODEL (
    name analytics.growth_drivers_@{suffix},
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column period_end,
        lookback @late_arrival_days
    ),
    blueprints (
        (grain := week, suffix := weekly, week_label := TRUE),
        (grain := month, suffix := monthly, week_label := FALSE)
    ),
    grain (period_start, dimension, segment),
    audits (
        unique_combination_of_columns(columns := (period_start, dimension, segment)),
        not_null(columns := (dimension, segment)),
        accepted_values(column := dimension, is_in := ('utm_source', 'country', 'platform')),
        growth_accounting_identities
    ),
    column_descriptions (
        period_start = 'First day of the period (the Monday of the week, the 1st of the month).',
        period_end = 'Last day of the period (the time column).',
        @IF(
            @week_label,
            week_label = 'Weekly table only: period_start as text (YYYY-MM-DD), the week on the x axis of the dashboards.'
        ),
        dimension = 'utm_source, country or platform: the first-touch attribute the users are split by.',
        segment = CONCAT(
            'The attribute value of the first event of the users (',
            '(none)',
            ' when it was empty).'
        ),
        active_users = 'Users of the segment active in the period.',
        new_users = 'Of them, first active in this period.',
        retained_users = 'Of them, also active in the period before.',
        resurrected_users = 'Of them, not active in the period before but earlier.',
        churned_users = 'Users of the segment active in the period before and not in this one.',
        previous_active_users = 'Users of the segment active in the period before.',
        net_change = 'active_users - previous_active_users.',
        quick_ratio = '(new + resurrected) / churned; NULL when nobody churned. Plain arithmetic: the segment_quick_ratio metrics also need previous_period_whole.',
        retention_rate = 'retained / previous_active_users; NULL when nobody was active before. Plain arithmetic, like quick_ratio.',
        previous_period_whole = 'The period before starts on or after the first day of data (docs/definitions.md, "Growth accounting", cold start): only then are the ratios defined.'
    )
);

WITH first_activity AS (
    SELECT
        MIN(first_active_date) AS first_day
    FROM intermediate.int_user_first_active
), user_states AS (
    /* Dormant users were active in neither this period nor the one before: no segment counts
       them. */
    SELECT
        period_start,
        period_end,
        state,
        first_utm_source,
        first_country,
        first_platform
    FROM analytics.user_growth_states_@{suffix}
    WHERE
        period_end BETWEEN @start_date AND @end_date AND state <> 'dormant'
), by_segment AS (
    /* Each state once per dimension, in the user's first-touch segment of it. */
    SELECT
        user_states.period_start,
        user_states.period_end,
        segments.dimension,
        segments.segment,
        user_states.state
    FROM user_states
    CROSS JOIN UNNEST([
        STRUCT('utm_source' AS dimension, user_states.first_utm_source AS segment),
        STRUCT('country' AS dimension, user_states.first_country AS segment),
        STRUCT('platform' AS dimension, user_states.first_platform AS segment)
    ]) AS segments
), counts AS (
    SELECT
        period_start,
        period_end,
        dimension,
        segment,
        SUM(IF(state IN ('new', 'retained', 'resurrected'), 1, 0)) AS active_users,
        SUM(IF(state = 'new', 1, 0)) AS new_users,
        SUM(IF(state = 'retained', 1, 0)) AS retained_users,
        SUM(IF(state = 'resurrected', 1, 0)) AS resurrected_users,
        SUM(IF(state = 'churned', 1, 0)) AS churned_users,
        SUM(IF(state IN ('retained', 'churned'), 1, 0)) AS previous_active_users
    FROM by_segment
    GROUP BY
        1,
        2,
        3,
        4
)
SELECT
    counts.period_start,
    counts.period_end,
    @IF(@week_label, CAST(counts.period_start AS STRING) AS week_label), /* The week's Monday as text, the dashboards' x axis (growth_accounting.sql says why). */
    counts.dimension,
    counts.segment,
    counts.active_users,
    counts.new_users,
    counts.retained_users,
    counts.resurrected_users,
    counts.churned_users,
    counts.previous_active_users,
    counts.active_users - counts.previous_active_users AS net_change,
    SAFE_DIVIDE(counts.new_users + counts.resurrected_users, counts.churned_users) AS quick_ratio,
    SAFE_DIVIDE(counts.retained_users, counts.previous_active_users) AS retention_rate,
    CAST(DATE_SUB(counts.period_start, INTERVAL '1' @grain) AS DATE) /* Cold start (growth_accounting.sql): the ratios need the whole previous period. */ >= first_activity.first_day AS previous_period_whole
FROM counts
CROSS JOIN first_activity
