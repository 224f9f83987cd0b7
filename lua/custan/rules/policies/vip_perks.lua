-- VIP perks: free express shipping for a quarter to Champions and Loyal
-- Customers, to keep them buying.  Baseline from the CLV models, as the
-- win-back policy.  Most accept (it costs them nothing); the perk keeps
-- a few who would have left and lifts purchases a little.
local sim = require "custan.sim"

return {
  name = "VIP perks for Champions and Loyal",
  description = "free express shipping for 90 days",
  target = function(c) return c.segment:eq("Champions") | c.segment:eq("Loyal Customers") end,
  horizon_days = 90,
  baseline = "clv",
  assumptions = {
    uptake = sim.beta(60, 40),
    churn_reduction = sim.triangular(0.02, 0.05, 0.10),
    purchase_lift = sim.triangular(0.00, 0.03, 0.08),
    margin = 0.30,
  },
  costs = {contact = 0.05, redemption = 4.00},
}
