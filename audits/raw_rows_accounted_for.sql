AUDIT (
    name raw_rows_accounted_for
);

/* Nothing lost, nothing invented: each file-day's records are exactly its staged, duplicate and
   rejected ones, and its lines exactly its header, blank and record lines (a record spans at least
   one line). The lines themselves are checked against the files in staging.stg_events_classified
   (pieces_cover_their_files). */
SELECT
    landed_date,
    source_file,
    raw_rows,
    staged_rows,
    duplicate_rows,
    rejected_rows,
    landed_lines,
    header_lines,
    blank_lines
FROM @this_model
WHERE
    raw_rows <> staged_rows + duplicate_rows + rejected_rows
    OR landed_lines < header_lines + blank_lines + raw_rows
    OR header_lines > 1
