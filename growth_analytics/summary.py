"""The short, human-readable summary that `make demo` prints after a run: what production holds,
read through SQLMesh's connection to the selected gateway (DuckDB or BigQuery)."""

from __future__ import annotations

QUERIES = {
    "events": "SELECT COUNT(*), MIN(event_date), MAX(event_date) FROM analytics.fct_events",
    "users": "SELECT COUNT(*) FROM analytics.dim_users",
    "negative": "SELECT COUNT(*) FROM analytics.users_with_negative_miles",
    "sessions": "SELECT COUNT(DISTINCT session_id) FROM analytics.fct_events",
    "accounting": (
        "SELECT SUM(raw_rows), SUM(staged_rows), SUM(duplicate_rows), SUM(rejected_rows), "
        "SUM(late_rows), SUM(late_beyond_window_rows), COUNT(DISTINCT source_file) "
        "FROM analytics.ingestion_accounting"
    ),
    "reasons": (
        "SELECT reject_reason, COUNT(*) AS n FROM analytics.rejected_events "
        "GROUP BY reject_reason ORDER BY n DESC, reject_reason"
    ),
    # The same month the non-blocking audit latest_month_quick_ratio_below_one looks at.
    "latest_month": (
        "SELECT period_start, period_end, quick_ratio, new_users, resurrected_users, "
        "churned_users FROM analytics.quick_ratio_analysis WHERE period_grain = 'month' "
        "ORDER BY period_start DESC LIMIT 1"
    ),
    "latest": (
        "SELECT activity_date, COUNT(*) FROM intermediate.int_user_activity_daily "
        "GROUP BY activity_date ORDER BY activity_date DESC LIMIT 1"
    ),
}


def collect(adapter) -> dict[str, list[tuple]]:
    """The summary's figures, from an engine adapter of SQLMesh's (plain SQL both engines read)."""
    return {name: list(adapter.fetchall(sql)) for name, sql in QUERIES.items()}


def render(facts: dict[str, list[tuple]]) -> str:
    events, first_day, last_day = facts["events"][0]
    raw, staged, duplicates, rejected, late, very_late, files = facts["accounting"][0]
    lines = [
        "",
        f"Warehouse summary ({first_day} to {last_day})",
        f"  landing rows read      {raw or 0:>12,}  from {files or 0:,} files",
        f"    staged as events     {staged or 0:>12,}",
        f"    duplicates           {duplicates or 0:>12,}",
        f"    rejected             {rejected or 0:>12,}  (analytics.rejected_events)",
        f"  late arrivals          {late or 0:>12,}  ({very_late or 0:,} beyond the reach-back)",
        f"  events                 {events:>12,}  in {facts['sessions'][0][0]:,} sessions",
        f"  users                  {facts['users'][0][0]:>12,}",
        f"  negative miles balance {facts['negative'][0][0]:>12,}  users",
    ]
    if facts["latest"]:
        day, active = facts["latest"][0]
        lines.append(f"  active on {day}   {active:>12,}  users")
    if facts["latest_month"]:
        start, end, ratio, new, resurrected, churned = facts["latest_month"][0]
        if ratio is not None and ratio < 1:
            lines += [
                f"  growth alert for {start:%B %Y} ({start} to {end}): more users were lost "
                f"({churned:,}) than won ({new:,} new, {resurrected:,} back); quick ratio "
                f"{ratio:.2f}.",
                "    The audit warning above (latest_month_quick_ratio_below_one) reports it:",
                "    an alert about the business, not a failure of the pipeline.",
            ]
    if facts["reasons"]:
        lines.append("  rejected rows by reason:")
        lines += [f"    {reason:<26}{count:>8,}" for reason, count in facts["reasons"]]
    return "\n".join(lines) + "\n"


def print_summary(adapter) -> int:
    print(render(collect(adapter)))
    return 0
