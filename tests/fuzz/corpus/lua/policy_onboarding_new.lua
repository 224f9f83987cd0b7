-- Onboarding for New Customers: a welcome series with 10% off the second
-- order.  The uncertainty is mostly whether it moves retention at all.
local sim = require "custan.sim"

return {
  name = "Onboarding for New Customers",
  description = "Three-email welcome series, 10% off the second order",
  target = function(c) return c.segment:eq("New Customers") end,
  horizon_days = 90,
  baseline = {
    retention = function(c) return 1 - c.churn_probability end,
    orders = 1,                      -- a new customer who stays buys about once a quarter
    order_value = "mean_order_value",
  },
  assumptions = {
    uptake = sim.beta(12, 88),
    churn_reduction_abs = sim.normal(0.05, 0.03), -- +5 points of retention, maybe none
    margin = 0.30,
  },
  costs = {contact = 0.05, discount = 0.10},
}
