AUDIT (
    name retention_cells_finished
);

/* A cohort counts toward age k only once the period of age k is over: every cell's period must
   have ended before the execution date. The tables stop at the last day processed, which always
   comes before a run's execution date, whatever the clock says. @period is the cohort grain: DAY,
   WEEK or MONTH. */
SELECT
    cohort_start,
    age,
    period_start
FROM @this_model
WHERE
    CAST(DATE_ADD(period_start, INTERVAL '1' @period) AS DATE) > @execution_date
    OR period_start < cohort_start
