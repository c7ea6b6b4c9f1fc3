AUDIT (
    name pieces_cover_their_files
);

/* Nothing lost, nothing invented, checked against the files themselves: the pieces of a file
   (records, header, blank lines) span exactly the lines the engine counted in the file on its own
   (Parquet: the rows its footer declares), less those that landed on days outside the run
   (file_lines_elsewhere, for an unpartitioned file). A line the reader never turned into a piece
   fails here. */
SELECT
    source_file,
    file_lines,
    file_lines_elsewhere,
    SUM(line_count) AS lines_in_pieces
FROM @this_model
WHERE
    status <> 'skipped'
GROUP BY
    source_file,
    file_lines,
    file_lines_elsewhere
HAVING
    SUM(line_count) + file_lines_elsewhere <> file_lines
