/* The event types that count as activity: the days growth accounting, retention and engagement
   count (docs/definitions.md, "Active") are the days with an event of one of these types. Every
   type by default; the old stack counted only miles_earned, miles_redeemed and reward_search.
   Apart from seeds.event_types on purpose: staging reads the contract, not this list, so a change
   of the definition rebuilds the backbone and what follows it, never the staged history. A seed
   has no query to unit-test (hence ignored_rules): its audits check its rows, and the backbone's
   audit activity_types_are_event_types checks them against the contract. */
MODEL (
  name seeds.activity_event_types,
  kind SEED (
    path '../../seeds/activity_event_types.csv'
  ),
  columns (
    event_type STRING
  ),
  ignored_rules nomissingunittest,
  grain event_type,
  audits (
    unique_values(columns := (
      event_type
    )),
    not_null(columns := (
      event_type
    )),
    forall(criteria := (
      event_type = LOWER(TRIM(event_type))
    ))
  )
)
