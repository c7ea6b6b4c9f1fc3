/* DuckDB SQL: the pieces of CSV files (growth_analytics/landing/pieces.py fills in the files'
   local paths, each path's source_file and partition date, and the field patterns).

   The files are read whole as bytes (read_blob) and split into physical lines on \r\n, \n or \r,
   so every line has its number and nothing the parser does can lose one: the lines are also
   counted on their own (file_lines), and the accounting audits that the pieces cover them all.
   Working on the bytes' escaped text (BLOB to VARCHAR writes \xHH for every byte that is not
   printable ASCII, and for ", ' and \) keeps lines that are not UTF-8 apart: each is decoded on
   its own, and one that does not decode is quarantined alone.

   RFC 4180 records: a quoted field may hold commas, doubled quotes and line breaks. A line with
   an odd number of quotes opens a quoted field; it is joined with the lines up to the next line
   with an odd number of quotes when the joined text is a well-formed record. When it is not (an
   unclosed quote, text after a closing quote), the opening line alone is malformed and reading
   goes on at the line after it, so one bad quote never swallows the rest of its file. Which odd
   lines open a record is a chain (an accepted pair skips its closing line), computed with window
   functions over the odd lines only: after each rejected candidate the chain starts afresh, and
   from there every other odd line opens one. */
WITH csv_map AS (
    SELECT *
    FROM (VALUES {csv_map}) AS csv_map (path, source_file, partition_date)
), files AS (
    SELECT
        filename AS path,
        CAST(content AS VARCHAR) AS escaped
    FROM read_blob({csv_files})
), counted AS (
    SELECT
        path,
        CASE WHEN PREFIX(escaped, '\xEF\xBB\xBF') THEN escaped[13:] ELSE escaped END AS escaped,
        (LENGTH(escaped) - LENGTH(REPLACE(escaped, '\x0A', ''))) // 4
        + (LENGTH(escaped) - LENGTH(REPLACE(escaped, '\x0D', ''))) // 4
        - (LENGTH(escaped) - LENGTH(REPLACE(escaped, '\x0D\x0A', ''))) // 8
        + CASE WHEN escaped = '' OR SUFFIX(escaped, '\x0A') OR SUFFIX(escaped, '\x0D') THEN 0 ELSE 1 END
            AS file_lines
    FROM files
), split AS (
    SELECT
        path,
        file_lines,
        REGEXP_SPLIT_TO_ARRAY(escaped, '\\x0D\\x0A|\\x0A|\\x0D') AS parts
    FROM counted
), physical AS (
    SELECT
        path,
        file_lines,
        UNNEST(parts) AS escaped_line,
        UNNEST(RANGE(1, LEN(parts) + 1)) AS line_no
    FROM split
), lines AS (
    /* The piece after a final line break is not a line. */
    SELECT
        path,
        file_lines,
        line_no,
        escaped_line,
        TRY(DECODE(CAST(escaped_line AS BLOB))) AS text,
        (LENGTH(escaped_line) - LENGTH(REPLACE(escaped_line, '\x22', ''))) // 4 AS quotes
    FROM physical
    WHERE line_no <= file_lines
), odd AS (
    SELECT
        path,
        line_no,
        ROW_NUMBER() OVER (PARTITION BY path ORDER BY line_no) AS k
    FROM lines
    WHERE quotes % 2 = 1
), candidates AS (
    SELECT
        opening.path,
        opening.k,
        opening.line_no AS first_line,
        closing.line_no AS last_line
    FROM odd AS opening
    LEFT JOIN odd AS closing
        ON closing.path = opening.path AND closing.k = opening.k + 1
), candidate_text AS (
    SELECT
        candidates.path,
        candidates.k,
        STRING_AGG(lines.text, CHR(10) ORDER BY lines.line_no) AS text,
        COUNT(lines.text) = COUNT(*) AS is_utf8
    FROM candidates
    INNER JOIN lines
        ON lines.path = candidates.path
        AND lines.line_no BETWEEN candidates.first_line AND candidates.last_line
    GROUP BY candidates.path, candidates.k
), chained AS (
    SELECT
        candidates.path,
        candidates.k,
        candidates.first_line,
        candidates.last_line,
        candidate_text.text,
        COALESCE(candidate_text.is_utf8 AND REGEXP_FULL_MATCH(candidate_text.text, {record_pattern}), FALSE)
            AS is_record
    FROM candidates
    LEFT JOIN candidate_text
        ON candidate_text.path = candidates.path AND candidate_text.k = candidates.k
), resets AS (
    SELECT
        *,
        k = 1 OR NOT LAG(is_record) OVER (PARTITION BY path ORDER BY k) AS is_reset
    FROM chained
), spans AS (
    SELECT
        path,
        first_line,
        last_line,
        text
    FROM resets
    QUALIFY
        is_record
        AND (k - MAX(CASE WHEN is_reset THEN k END) OVER (PARTITION BY path ORDER BY k ROWS UNBOUNDED PRECEDING)) % 2 = 0
), line_pieces AS (
    SELECT
        spans.path,
        lines.file_lines,
        spans.first_line AS source_line,
        spans.last_line - spans.first_line + 1 AS line_count,
        spans.text,
        CAST(NULL AS VARCHAR) AS escaped_line
    FROM spans
    INNER JOIN lines
        ON lines.path = spans.path AND lines.line_no = spans.first_line
    UNION ALL
    SELECT
        lines.path,
        lines.file_lines,
        lines.line_no AS source_line,
        1 AS line_count,
        lines.text,
        CASE WHEN lines.text IS NULL THEN lines.escaped_line END AS escaped_line
    FROM lines
    WHERE
        NOT EXISTS (
            SELECT 1
            FROM spans
            WHERE spans.path = lines.path AND lines.line_no BETWEEN spans.first_line AND spans.last_line
        )
), parsed AS (
    SELECT
        *,
        text IS NOT NULL AND TRIM(text, ' ' || CHR(9)) = '' AS is_blank,
        text IS NOT NULL AND REGEXP_FULL_MATCH(text, {record_pattern}) AS is_well_formed,
        LIST_TRANSFORM(
            REGEXP_EXTRACT_ALL(',' || text, {field_pattern}, 1),
            field -> CASE WHEN PREFIX(field, '"') THEN REPLACE(field[2:-2], '""', '"') ELSE field END
        ) AS fields
    FROM line_pieces
), named AS (
    SELECT
        path,
        source_line,
        is_well_formed,
        LIST_TRANSFORM(fields, field -> LOWER(TRIM(field, ' ' || CHR(9)))) AS names
    FROM parsed
    WHERE NOT is_blank
    QUALIFY ROW_NUMBER() OVER (PARTITION BY path ORDER BY source_line) = 1
), header_candidates AS (
    /* A file's first line that is not blank is its header when it names every contract column,
       none twice. Otherwise the file has no header and that line is a row like the others: it
       "looks like a header" when every field is a name (a letter or _ first), which picks the
       reason its rows get. */
    SELECT
        path,
        source_line,
        names,
        is_well_formed
        AND LIST_HAS_ALL(names, {contract_columns})
        AND LEN(LIST_DISTINCT(names)) = LEN(names) AS is_header,
        is_well_formed
        AND LIST_BOOL_AND(LIST_TRANSFORM(names, name -> REGEXP_FULL_MATCH(name, '[a-z_][a-z0-9_ .-]*'))) AS is_header_like
    FROM named
), classified AS (
    SELECT
        parsed.path,
        parsed.source_line,
        parsed.line_count,
        parsed.file_lines,
        parsed.fields,
        CASE WHEN header_candidates.is_header THEN header_candidates.names END AS names,
        CASE
            WHEN header_candidates.source_line = parsed.source_line AND header_candidates.is_header THEN 'header'
            WHEN parsed.is_blank THEN 'blank'
            ELSE 'record'
        END AS piece,
        CASE
            WHEN parsed.text IS NULL THEN 'invalid_utf8'
            WHEN NOT parsed.is_well_formed THEN 'malformed_csv'
            WHEN NOT header_candidates.is_header AND header_candidates.is_header_like THEN 'invalid_header'
            WHEN NOT header_candidates.is_header THEN 'missing_header'
            WHEN LEN(parsed.fields) <> LEN(header_candidates.names) THEN 'wrong_column_count'
        END AS record_error,
        CASE
            WHEN parsed.text IS NULL
            THEN REPLACE(REPLACE(REPLACE(parsed.escaped_line, '\x22', '"'), '\x27', ''''), '\x5C', '\')
            ELSE parsed.text
        END AS line_text
    FROM parsed
    LEFT JOIN header_candidates
        ON header_candidates.path = parsed.path
), pieces AS (
    SELECT
        *,
        CASE WHEN piece = 'record' THEN record_error END AS parse_error
    FROM classified
)
SELECT
    csv_map.source_file,
    csv_map.partition_date,
    pieces.source_line,
    pieces.line_count,
    pieces.file_lines,
    pieces.piece,
{field_columns},
    pieces.parse_error,
    CASE WHEN pieces.parse_error IS NOT NULL THEN pieces.line_text END AS raw_line
FROM pieces
INNER JOIN csv_map
    ON csv_map.path = pieces.path
