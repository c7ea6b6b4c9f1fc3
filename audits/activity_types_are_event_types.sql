AUDIT (
    name activity_types_are_event_types
);

/* A type listed as activity that the contract does not know (a typo, or a type since removed)
   would match no event and silently count nothing: every row returned is such a type. On the
   backbone, which reads both seeds, so that both resolve to the plan's versions. */
SELECT
    activity.event_type
FROM seeds.activity_event_types AS activity
LEFT JOIN seeds.event_types AS event_types
    ON activity.event_type = event_types.event_type
WHERE
    event_types.event_type IS NULL
