AUDIT (
    name raw_rows_accounted_for
);

/* Nothing lost, nothing invented: each file-day's raw rows are exactly its staged, duplicate and
   rejected rows. */
SELECT
    landed_date,
    source_file,
    raw_rows,
    staged_rows,
    duplicate_rows,
    rejected_rows
FROM @this_model
WHERE
    raw_rows <> staged_rows + duplicate_rows + rejected_rows
