AUDIT (
    name miles_growth_accounting_identity
);

/* Social Capital's revenue accounting applied to miles earned: this month's miles are last
   month's plus new, expansion and resurrected miles minus contraction and churned miles; every
   part is non-negative, and the quick ratio follows from them. A row returned here is a month
   whose numbers do not add up. */
SELECT
    *
FROM @this_model
WHERE
    miles_earned <> previous_miles_earned + new_miles + expansion_miles + resurrected_miles - contraction_miles - churned_miles
    OR net_change_miles <> miles_earned - previous_miles_earned
    OR LEAST(
        miles_earned,
        previous_miles_earned,
        new_miles,
        expansion_miles,
        resurrected_miles,
        contraction_miles,
        churned_miles,
        earning_users
    ) < 0
    OR new_miles + expansion_miles + resurrected_miles > miles_earned
    OR contraction_miles + churned_miles > previous_miles_earned
    OR (
        contraction_miles + churned_miles = 0
    ) <> (
        miles_quick_ratio IS NULL
    )
    OR ABS(
        miles_quick_ratio * (
            contraction_miles + churned_miles
        ) - (
            new_miles + expansion_miles + resurrected_miles
        )
    ) > 1e-6
    OR (
        earning_users = 0
    ) <> (
        miles_earned = 0
    )
    OR period_end < period_start
