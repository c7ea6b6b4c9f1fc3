/* DuckDB SQL: the rows of Parquet files that share one schema (growth_analytics/landing/pieces.py
   fills in the files, their source_file and partition date, and each contract column's text,
   written for this schema).
   source_line is the 1-based row number in the file; file_lines is the row count the file's own
   footer declares, so the accounting checks every row reached the table. */
WITH parquet_map AS (
    SELECT *
    FROM (VALUES {parquet_map}) AS parquet_map (path, source_file, partition_date)
), row_counts AS (
    SELECT
        file_name AS path,
        num_rows
    FROM parquet_file_metadata({parquet_files})
)
SELECT
    parquet_map.source_file,
    parquet_map.partition_date,
    file_rows.file_row_number + 1 AS source_line,
    1 AS line_count,
    row_counts.num_rows AS file_lines,
    'record' AS piece,
{field_columns},
    {parse_error} AS parse_error,
    {raw_line} AS raw_line
FROM read_parquet({parquet_files}, filename = TRUE, file_row_number = TRUE) AS file_rows
INNER JOIN parquet_map
    ON parquet_map.path = file_rows.filename
INNER JOIN row_counts
    ON row_counts.path = file_rows.filename
