/* One row per valid event, by event time and sessionised (a session is a user's run of events with
   no gap longer than 30 minutes): the event fact for analysts and drill-downs. A view of
   intermediate.int_events, which stores the events lean; the fingerprints are derived here:
   event_id from the event's eight fields (the same as staging.stg_user_events'), session_id from
   the user and the session's start. No audits of its own: SQLMesh re-creates a view on every run
   and audits it over all its rows, which would read the whole history every day; what it projects
   is audited per interval in intermediate.int_events (event_date <= landed_date, each event
   once). */
MODEL (
    name analytics.fct_events,
    kind VIEW,
    grain event_id,
    ignored_rules (
        nomissingaudits
    )
);

SELECT
    @event_id() AS event_id, /* Fingerprint of the normalised event. */
    event_time, /* When the event happened, UTC. */
    event_date, /* Date of event_time (UTC). */
    user_id, /* The user. */
    event_type, /* A type of the contract (seeds/event_types.csv). */
    transaction_category, /* Category of an earn or redeem. */
    miles_amount, /* Whole miles; NULL on non-miles events. */
    IF(event_type = 'miles_earned', miles_amount, 0) AS miles_earned, /* Miles earned by this event (0 if none). */
    IF(event_type = 'miles_redeemed', miles_amount, 0) AS miles_redeemed, /* Miles redeemed by this event (0 if none). */
    platform, /* A platform of the contract (seeds/platforms.csv). */
    utm_source, /* Acquisition source sent with the event. */
    country, /* Country code sent with the event. */
    @fingerprint(user_id, FORMAT_DATETIME('%F %H:%M:%E6S', session_start_time)) AS session_id, /* Fingerprint of (user_id, session_start_time). */
    session_start_time, /* Time of the session's first event. */
    is_session_start, /* This event opened its session (no event of the user's in the 30 minutes before). */
    landed_date, /* Day the event's file landed. */
    DATE_DIFF(landed_date, event_date, DAY) AS lateness_days /* landed_date minus event_date. */
FROM intermediate.int_events
