-- The win-back coupon again, with its uptake and effect taken from last
-- quarter's test instead of guesses: winback_test.json is what
--   custan run experiment.lua analyze --input examples/data/winback_test.csv \
--       --group arm --outcome redeemed --output DIR
-- wrote (DIR/summary.json, copied here).  The uptake is the treatment
-- arm's Beta posterior of the redemption rate (289 of 1,200 redeemed);
-- the other assumptions are as in winback_at_risk.lua.
local sim = require "custan.sim"
local experiment = require "custan.experiment"

local here = ...
local test = experiment.load_result(here .. "/winback_test.json")
local post = test.bayes.posterior[test.treatment]

return {
  name = "Win-back coupon (from the test)",
  description = "As winback_at_risk.lua, with the uptake measured in a test",
  target = function(c) return c.segment:eq("At Risk") & c.monetary:gt(100) end,
  horizon_days = 90,
  baseline = {
    retention = function(c) return 1 - c.churn_probability end,
    orders = "orders_90d",
    order_value = "mean_order_value",
  },
  assumptions = {
    uptake = sim.beta(post.alpha, post.beta),
    churn_reduction = sim.triangular(0.10, 0.20, 0.35),
    purchase_lift = sim.normal(0.05, 0.02),
    margin = 0.30,
  },
  costs = {contact = 0.10, redemption = 0.50, discount = 0.15},
  budget = 20000,
}
