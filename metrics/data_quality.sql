/* Data quality, docs/landing.md, "Landing files" and "Reason codes": what happened to every row that
   landed. raw = staged + duplicates + rejected holds for every landing day and file (audited). */

/* Rows read from landing files.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name landed_rows,
    expression SUM(analytics.ingestion_accounting.raw_rows),
    owner data
);

/* Rows that became events.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name staged_rows,
    expression SUM(analytics.ingestion_accounting.staged_rows),
    owner data
);

/* Rows dropped as exact duplicates of an event already staged (same event_id).
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name duplicate_rows,
    expression SUM(analytics.ingestion_accounting.duplicate_rows),
    owner data
);

/* Rows quarantined in analytics.rejected_events with a reason.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name rejected_rows,
    expression SUM(analytics.ingestion_accounting.rejected_rows),
    owner data
);

/* Staged rows that landed after their event day.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name late_rows,
    expression SUM(analytics.ingestion_accounting.late_rows),
    owner data
);

/* Late rows that landed more than late_arrival_days after their event day: they need growth-analytics restate to reach the marts.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name late_beyond_window_rows,
    expression SUM(analytics.ingestion_accounting.late_beyond_window_rows),
    owner data
);

/* Share of landed rows rejected.
   Grain: one row per landing day and file of analytics.ingestion_accounting; group by landed_date (adds up over days and files).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name rejection_rate,
    expression rejected_rows / NULLIF(landed_rows, 0),
    owner data
);

/* The latest landing day loaded: how fresh the data is. A day without files has no row, so a gap
   since the latest day shows as this date standing still.
   Grain: one row per landing day and file of analytics.ingestion_accounting; no grouping (or by source_file).
   Filters: none: every landed row, whatever its type. */
METRIC (
    name latest_landed_date,
    expression MAX(analytics.ingestion_accounting.landed_date),
    owner data
);

/* Quarantined lines, counted per reason code (docs/landing.md, "Nothing lost, nothing invented").
   Grain: one row per rejected line of analytics.rejected_events; group by landed_date and/or reject_reason.
   Filters: none: every landed row, whatever its type. */
METRIC (
    name rejected_lines,
    expression COUNT(analytics.rejected_events.reject_reason),
    owner data
);
