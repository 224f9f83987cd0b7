-- Win-back: a 15% coupon to the customers the RFM rules call At Risk or
-- Can't Lose Them.  The baseline: the chance of staying is the churn
-- model's (1 - churn_probability, buying again within its window), and
-- what a customer who stays buys comes from the CLV models (the
-- purchases expected over the 90 days and Gamma-Gamma's order value), so
-- the models' parameter uncertainty enters the draws.  About a quarter of
-- those contacted use the coupon, and of the responders who would have
-- left, 10-35% stay.
local sim = require "custan.sim"

return {
  name = "Win-back coupon for At Risk",
  description = "15% coupon by email to At Risk and Can't Lose Them customers",
  target = function(c) return c.segment:eq("At Risk") | c.segment:eq("Can't Lose Them") end,
  horizon_days = 90,
  baseline = {source = "clv", retention = function(c) return 1 - c.churn_probability end},
  assumptions = {
    uptake = sim.beta(25, 75),
    churn_reduction = sim.triangular(0.10, 0.20, 0.35),
    purchase_lift = sim.normal(0.05, 0.02),
    margin = 0.30,
  },
  costs = {contact = 0.10, redemption = 0.50, discount = 0.15},
  budget = 20000,
}
