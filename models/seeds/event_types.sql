/* The event types of the contract, written once: staging accepts these and no other (any casing);
   an event of a type with a miles_effect (earned or redeemed) must carry a whole, non-negative
   amount and any other must carry none; the backbone adds the amounts up by their effect. A new
   type is one line of seeds/event_types.csv (and of seeds/activity_event_types.csv if it counts
   as activity) and a `sqlmesh plan`, which restages the landing files: rows of the new type
   quarantined until then become valid. A seed has no query to unit-test
   (hence ignored_rules): its audits check its rows, and the staging tests read it. */
MODEL (
  name seeds.event_types,
  kind SEED (
    path '../../seeds/event_types.csv'
  ),
  columns (
    event_type STRING,
    miles_effect STRING
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
    accepted_values(column := miles_effect, is_in := ('earned', 'redeemed')),
    forall(criteria := (
      event_type = LOWER(TRIM(event_type))
    ))
  )
)
