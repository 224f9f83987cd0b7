-- Refer-a-friend bonus for Loyal Customers: a voucher for each member who
-- takes part, and new customers through their referrals.  The referral
-- assumptions are the registry's referral_rate (new customers per
-- responder) and referral_value (what a referred customer spends over the
-- horizon, before the margin).
local sim = require "custan.sim"

return {
  name = "Referral bonus for Loyal Customers",
  description = "A 10 voucher per member who refers; friends get 10% off their first order",
  target = function(c) return c.segment:eq("Loyal Customers") end,
  horizon_days = 90,
  baseline = {
    retention = function(c) return 1 - c.churn_probability end,
    orders = "orders_90d",
    order_value = "mean_order_value",
  },
  assumptions = {
    uptake = sim.beta(15, 85),                      -- about 15% take part
    churn_reduction = sim.uniform(0.0, 0.10),
    referral_rate = sim.triangular(0.2, 0.5, 1.0),  -- friends brought per participant
    referral_value = sim.gamma(3, 40),              -- about 120 per new customer
    margin = 0.30,
  },
  costs = {contact = 0.05, redemption = 10},
}
