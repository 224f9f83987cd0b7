-- Win-back: a 15% coupon to At Risk customers worth over 100.
-- Baseline retention over the 90 days is 1 - churn_probability (from
-- churn.lua's model); about a quarter of those contacted use the coupon,
-- and of the responders who would have left, 10-35% stay.
local sim = require "custan.sim"

return {
  name = "Win-back coupon for At Risk",
  description = "15% coupon by email to At Risk customers with more than 100 spent",
  target = function(c) return c.segment:eq("At Risk") & c.revenue:gt(100) end,
  horizon_days = 90,
  baseline = {
    retention = function(c) return 1 - c.churn_probability end,
    orders = "orders_90d",           -- expected orders of a customer who stays
    order_value = "mean_order_value",
  },
  assumptions = {
    uptake = sim.beta(25, 75),                          -- about 25% use the coupon
    churn_reduction = sim.triangular(0.10, 0.20, 0.35), -- share of would-be leavers kept
    purchase_lift = sim.normal(0.05, 0.02),             -- responders who stay buy a little more
    order_value_change = 0,
    margin = 0.30,
  },
  costs = {contact = 0.10, redemption = 0.50, discount = 0.15},
  budget = 20000,
}
