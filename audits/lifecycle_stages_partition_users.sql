AUDIT (
    name lifecycle_stages_partition_users
);

/* Every user seen so far is in exactly one stage each day. */
SELECT
    stage_date,
    SUM(users) AS users_in_stages,
    MAX(users_seen) AS users_seen
FROM @this_model
GROUP BY
    stage_date
HAVING
    SUM(users) <> MAX(users_seen) OR MIN(users_seen) <> MAX(users_seen)
