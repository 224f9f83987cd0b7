--- Value tiers: segments from the customer table's own fields rather than
-- scores, with a fallback for everyone else.  Use it with
--   custan run rfm.lua --input orders.csv --rules examples/segments/value_tiers.lua
-- `c` holds every column of the customer table (revenue, orders,
-- recency_days, tenure_days, cancel_share, ...) and the scores R, F, M, FM.
return {
  name = "value tiers",
  segments = {
    {name = "VIP", when = function(c) return c.revenue >= 5000 and c.recency_days <= 90 end,
     action = "Personal account manager; first look at new ranges."},
    {name = "Lapsed VIP", when = function(c) return c.revenue >= 5000 end,
     action = "Call them: find out why they stopped, and offer what fits."},
    {name = "Regular", when = function(c) return c.orders >= 3 and c.recency_days <= 180 end,
     action = "Keep them close with the newsletter and bundles."},
    {name = "Returner risk", when = function(c) return (c.cancel_share or 0) >= 0.3 end,
     action = "Check product fit and descriptions before marketing more."},
    {name = "One-off", when = function(c) return c.orders == 1 end,
     action = "A second-order incentive within 30 days of the first."},
  },
  fallback = "Occasional",
  fallback_action = "Seasonal campaigns only.",
}
