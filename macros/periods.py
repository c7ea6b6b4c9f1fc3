"""Calendar periods as small expressions, for models that take the grain as a blueprint
variable: @period_start(week, activity_date), @period_end(week, period_start),
@period_age(week, period_start, cohort_start) and @last_whole_period(week, day). The grains'
truncations are written once, here."""

from sqlglot import exp
from sqlmesh import macro

GRAINS = {
    # grain: (truncation of a DATE column, interval of one period)
    "day": ("{col}", "INTERVAL 1 DAY"),
    # Monday weeks, by arithmetic from a known Monday (1970-01-05). DATE_TRUNC(d, WEEK) starts
    # weeks on Sunday on BigQuery and Monday on DuckDB; DATE_TRUNC(d, WEEK(MONDAY)) is right on
    # both but sqlglot 30.8's optimizer crashes on it ("'Simplifier' object has no attribute
    # 'type'"), and SQLMesh optimizes every query.
    "week": (
        "CAST(DATE_SUB({col}, INTERVAL MOD(DATE_DIFF({col}, DATE '1970-01-05', DAY), 7) DAY)"
        " AS DATE)",
        "INTERVAL 1 WEEK",
    ),
    "month": ("CAST(DATE_TRUNC({col}, MONTH) AS DATE)", "INTERVAL 1 MONTH"),
}


def _grain(grain: exp.Expression | str) -> str:
    name = (grain.name if isinstance(grain, exp.Expression) else str(grain)).lower()
    if name not in GRAINS:
        raise ValueError(f"grain={name!r}: expected one of {', '.join(GRAINS)}")
    return name


@macro()
def period_start(evaluator, grain: exp.Expression, column: exp.Expression) -> exp.Expression:
    """The first day of the `grain` period (day, Monday week or month) that holds DATE `column`."""
    trunc, _ = GRAINS[_grain(grain)]
    return exp.maybe_parse(trunc.format(col=column.sql(dialect="bigquery")), dialect="bigquery")


@macro()
def period_end(evaluator, grain: exp.Expression, column: exp.Expression) -> exp.Expression:
    """The last day of the `grain` period that starts on DATE `column`."""
    _, interval = GRAINS[_grain(grain)]
    start = column.sql(dialect="bigquery")
    return exp.maybe_parse(
        f"CAST(DATE_SUB(DATE_ADD({start}, {interval}), INTERVAL 1 DAY) AS DATE)", dialect="bigquery"
    )


@macro()
def period_age(
    evaluator, grain: exp.Expression, period: exp.Expression, cohort: exp.Expression
) -> exp.Expression:
    """Whole `grain` periods from the period starting on DATE `cohort` to the one starting on
    DATE `period` (0 = the same period). Weeks count days / 7 rather than
    DATE_DIFF(..., WEEK): BigQuery's WEEK boundaries are Sundays."""
    name = _grain(grain)
    later, earlier = period.sql(dialect="bigquery"), cohort.sql(dialect="bigquery")
    if name == "week":
        return exp.maybe_parse(f"DIV(DATE_DIFF({later}, {earlier}, DAY), 7)", dialect="bigquery")
    return exp.maybe_parse(f"DATE_DIFF({later}, {earlier}, {name.upper()})", dialect="bigquery")


@macro()
def last_whole_period(evaluator, grain: exp.Expression, day: exp.Expression) -> exp.Expression:
    """The first day of the last `grain` period that is over by the end of DATE `day`: the period
    before the one holding the day after. Only whole periods are published."""
    trunc, interval = GRAINS[_grain(grain)]
    after = f"CAST(DATE_ADD({day.sql(dialect='bigquery')}, INTERVAL '1' DAY) AS DATE)"
    return exp.maybe_parse(
        f"CAST(DATE_SUB({trunc.format(col=after)}, {interval}) AS DATE)", dialect="bigquery"
    )
