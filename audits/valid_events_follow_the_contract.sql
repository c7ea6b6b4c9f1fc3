AUDIT (
    name valid_events_follow_the_contract
);

/* Every valid row has a user, an event type and a platform of the contract (seeds/), and carries
   a non-negative number of miles exactly when its type has a miles effect. Read from the seeds here,
   not from the staging query's own classification, so a mistake there fails the run. */
SELECT
    staged.source_file,
    staged.source_line,
    staged.event_type,
    staged.platform,
    staged.miles_amount
FROM @this_model AS staged
LEFT JOIN seeds.event_types AS event_types
    ON staged.event_type = event_types.event_type
LEFT JOIN seeds.platforms AS platforms
    ON staged.platform = platforms.platform
WHERE
    staged.status = 'valid'
    AND (
        staged.user_id IS NULL
        OR event_types.event_type IS NULL
        OR platforms.platform IS NULL
        OR (
            NOT event_types.miles_effect IS NULL
        ) <> (
            NOT staged.miles_amount IS NULL
        )
        OR IFNULL(staged.miles_amount, 0) < 0
    )
