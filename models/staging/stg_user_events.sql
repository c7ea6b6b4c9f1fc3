/* Valid, deduplicated events: typed, normalised, one row per event_id. A view of
   staging.stg_events_classified's valid rows, so the events are stored once; event_id, the
   fingerprint, is derived here rather than stored. Models keyed on event time read it by
   event_date, with landed_date >= the first event date read (an event lands on or after its own
   day), which lets BigQuery prune the landing-day partitions. No audits of its own: SQLMesh
   re-creates a view on every run and audits it over all its rows, which would read the whole
   history every day; staging.stg_events_classified audits the rows it selects per landing day
   (event_date <= landed_date, valid fields). */
MODEL (
    name staging.stg_user_events,
    kind VIEW,
    grain event_id,
    ignored_rules (
        nomissingaudits
    )
);

SELECT
    @event_id() AS event_id, /* Fingerprint of the normalised event (all eight fields). */
    event_time, /* When the event happened, UTC. */
    event_date, /* Date of event_time. */
    user_id, /* The user. */
    event_type, /* A type of the contract (seeds/event_types.csv). */
    transaction_category, /* Category of an earn or redeem, as sent. */
    miles_amount, /* Whole miles earned or redeemed; NULL on other events. */
    platform, /* A platform of the contract (seeds/platforms.csv). */
    utm_source, /* Acquisition source sent with the event. */
    country, /* Country code sent with the event, upper-cased. */
    landed_date, /* Day the event's file landed. */
    DATE_DIFF(landed_date, event_date, DAY) AS lateness_days, /* landed_date minus event_date. */
    DATE_DIFF(landed_date, event_date, DAY) > @late_arrival_days AS is_late_beyond_window, /* Arrived more than @late_arrival_days days late: reflected only after a restatement. */
    source_file, /* Landing file it came from. */
    source_line /* First line of the record in that file. */
FROM staging.stg_events_classified
WHERE
    status = 'valid'
