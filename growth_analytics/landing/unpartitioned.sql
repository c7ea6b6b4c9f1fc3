/* DuckDB SQL: the landing day of each piece of unpartitioned files (the pieces with a NULL
   partition date): the date of its own event_time, never before the project's first date; a piece
   with no readable date (a header, a blank line, a row that could not be read) lands with its
   file's earliest, or on the first date when the file has none. in_interval marks the pieces that
   landed in the interval read; file_lines_elsewhere counts each file's lines that landed on other
   days, so that the accounting can still check the file's lines add up. */
SELECT
    *,
    SUM(CASE WHEN in_interval THEN 0 ELSE line_count END) OVER (PARTITION BY source_file) AS file_lines_elsewhere
FROM (
    SELECT
        *,
        landed_date BETWEEN DATE '{start}' AND DATE '{end}' AS in_interval
    FROM (
        SELECT
            COALESCE(own_date, MIN(own_date) OVER (PARTITION BY source_file), DATE '{first_date}') AS landed_date,
            * EXCLUDE (partition_date, own_date)
        FROM (
            SELECT
                *,
                CASE
                    WHEN TRY_CAST(REGEXP_EXTRACT(event_time, '^\s*(\d{4}-\d{2}-\d{2})', 1) AS DATE) IS NOT NULL
                    THEN GREATEST(
                        DATE '{first_date}',
                        TRY_CAST(REGEXP_EXTRACT(event_time, '^\s*(\d{4}-\d{2}-\d{2})', 1) AS DATE)
                    )
                END AS own_date
            FROM ({branches}) AS unpartitioned_pieces
        ) AS dated
    ) AS landed
) AS marked
