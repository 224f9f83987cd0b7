-- VIP perks for Champions: free shipping and early access for a quarter.
-- Champions rarely leave, so the value is in more and larger orders; the
-- perks cost a fixed amount per member who takes them up.
local sim = require "custan.sim"

return {
  name = "VIP perks for Champions",
  description = "Free shipping and early access for Champions, for 90 days",
  target = function(c) return c.segment:eq("Champions") end,
  horizon_days = 90,
  baseline = {
    retention = function(c) return 1 - c.churn_probability end,
    orders = "orders_90d",
    order_value = "mean_order_value",
  },
  assumptions = {
    uptake = sim.beta(60, 40),                           -- most activate the perks
    churn_reduction = sim.uniform(0.0, 0.15),
    purchase_lift = sim.truncnormal(0.10, 0.05, 0, 0.3), -- 10% more orders, never fewer
    order_value_change = sim.triangular(-0.02, 0.03, 0.08),
    margin = 0.30,
  },
  costs = {contact = 0.10, redemption = sim.gamma(4, 2.5)}, -- shipping given away: about 10 each
}
