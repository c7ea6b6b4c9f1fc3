"""Calendar periods as small expressions, for models that take the grain as a blueprint
variable: @period_start(week, activity_date) and @period_end(week, period_start). The truncations
themselves are GRAINS in macros/growth_accounting.py, written once for every model."""

from sqlglot import exp
from sqlmesh import macro

from macros.growth_accounting import GRAINS


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
