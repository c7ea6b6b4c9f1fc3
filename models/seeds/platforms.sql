/* The platforms of the contract, written once: staging accepts these and no other (any casing),
   and the platform charts have a row for each. A new platform is one line of
   seeds/platforms.csv and a `sqlmesh plan`. A seed has no query to unit-test (hence ignored_rules):
   its audits check its rows, and the staging tests read it. */
MODEL (
  name seeds.platforms,
  kind SEED (
    path '../../seeds/platforms.csv'
  ),
  columns (
    platform STRING
  ),
  ignored_rules nomissingunittest,
  grain platform,
  audits (
    unique_values(columns := (
      platform
    )),
    not_null(columns := (
      platform
    )),
    forall(criteria := (
      platform = LOWER(TRIM(platform))
    ))
  )
)
