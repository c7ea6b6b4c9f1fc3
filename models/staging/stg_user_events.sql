/* Valid, deduplicated events: typed, normalised, one row per event_id. Keyed on the landing date;
   models keyed on event time (analytics.fct_events) read it by event_date and reach back
   @late_arrival_days days for late arrivals. */
MODEL (
    name staging.stg_user_events,
    kind INCREMENTAL_BY_TIME_RANGE (
        time_column landed_date
    ),
    grain event_id,
    cron '@daily',
    partitioned_by landed_date,
    clustered_by user_id,
    audits (
        unique_values(columns := (
            event_id
        )),
        not_null(
            columns := (event_id, event_time, event_date, user_id, event_type, platform, landed_date)
        ),
        accepted_values(
            column := event_type,
            is_in := ('miles_earned', 'miles_redeemed', 'reward_search', 'share', 'like')
        ),
        accepted_values(column := platform, is_in := ('ios', 'android', 'web')),
        accepted_range(column := miles_amount, min_v := 0),
        forall(
            criteria := (
                (
                    event_type IN ('miles_earned', 'miles_redeemed')
                ) = (
                    NOT miles_amount IS NULL
                ),
                event_date <= landed_date
            )
        )
    )
);

SELECT
    event_id, /* Fingerprint of the normalised event (all eight fields). */
    event_time, /* When the event happened, UTC. */
    event_date, /* Date of event_time. */
    user_id, /* The user. */
    event_type, /* miles_earned, miles_redeemed, reward_search, share or like. */
    transaction_category, /* Category of an earn or redeem, as sent. */
    miles_amount, /* Whole miles earned or redeemed; NULL on other events. */
    platform, /* ios, android or web. */
    utm_source, /* Acquisition source sent with the event. */
    country, /* Country code sent with the event, upper-cased. */
    landed_date, /* Day the event's file landed. */
    lateness_days, /* landed_date minus event_date. */
    is_late_beyond_window, /* Arrived more than @late_arrival_days days late: reflected only after a restatement. */
    source_file, /* Landing file it came from. */
    source_line /* Line in that file. */
FROM staging.stg_events_classified
WHERE
    landed_date BETWEEN @start_ds AND @end_ds AND status = 'valid'
