/* Every line of every landing file, read by the engine: one row per piece of a file, a record
   (a CSV record, which may span lines when a quoted field holds line breaks, or a Parquet row),
   its header line, a blank line, or a skipped path, with its file, first line, number of lines and
   the file's own line count; a record's fields as text. Keyed on the landing (arrival) date,
   never on event_time: SQLMesh filters an incremental model's output to its interval on the time
   column, so a raw layer keyed on event_time would silently drop every late event.

   EMBEDDED, not a table: staging.stg_events_classified reads it as a subquery, so the files are
   read once per interval, straight into the typed table, and no layer keeps every row as text.
   A SQL model with an engine-aware macro rather than a Python model: a Python model hands
   SQLMesh one DataFrame per round trip, through the runner's memory. On DuckDB @landed_pieces
   is DuckDB's own readers over the interval's files (read_blob split into lines for CSV,
   read_parquet with file_row_number). On BigQuery, whose loaders give no line numbers and cannot
   count a file's lines apart from its records, the runner's embedded DuckDB runs the same SQL
   into one Parquet file and one load job per batch of landing days ships it to a scratch table.
   growth_analytics/landing holds the layout rules and that SQL. */
MODEL (
    name raw.landed_events,
    kind EMBEDDED,
    columns (
        landed_date DATE,
        source_file STRING,
        source_line INT64,
        line_count INT64,
        file_lines INT64,
        file_lines_elsewhere INT64,
        piece STRING,
        event_time STRING,
        user_id STRING,
        event_type STRING,
        transaction_category STRING,
        miles_amount STRING,
        platform STRING,
        utm_source STRING,
        country STRING,
        parse_error STRING,
        raw_line STRING
    ),
    column_descriptions (
        landed_date = CONCAT(
            'Day the piece landed: its dt= folder or file-name date; for an unpartitioned file, the row',
            's own event date (never before the project start).'
        ),
        source_file = 'Path of the landing file, relative to the landing folder.',
        source_line = '1-based first physical line of the piece (Parquet: row number); NULL for a skipped path.',
        line_count = 'Physical lines the piece spans (a quoted field may hold line breaks); 0 for a skipped path.',
        file_lines = 'Physical lines (Parquet: rows, from its footer) of the whole file, counted apart from the pieces.',
        file_lines_elsewhere = CONCAT(
            'Lines of the file that landed outside the interval read (an unpartitioned file',
            's other days); 0 for a partitioned file.'
        ),
        piece = 'record, header, blank or skipped.',
        parse_error = CONCAT(
            'Why a record could not be split into the contract',
            's fields, or why a path was skipped (NULL otherwise).'
        ),
        raw_line = 'The record as text when it could not be split into fields.'
    )
);

SELECT
    landed_date,
    source_file,
    source_line,
    line_count,
    file_lines,
    file_lines_elsewhere,
    piece,
    event_time,
    user_id,
    event_type,
    transaction_category,
    miles_amount,
    platform,
    utm_source,
    country,
    parse_error,
    raw_line
FROM @landed_pieces(@start_ds, @end_ds) AS pieces
