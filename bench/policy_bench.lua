-- bench/policy_bench.lua CUSTOMERS DRAWS: the win-back-like scenario below
-- over every customer of the file; prints plan_seconds simulate_seconds
-- groups mean_net (simulation = drawing the assumptions and the kernel).
local custan = require "custan"
local sim = require "custan.sim"
local policy = require "custan.policy"
local host = require "custan.core.host"

local customers = custan.read_csv(arg[1])
local draws = tonumber(arg[2])
local s = policy.check({
  name = "bench", target = "all",
  baseline = {retention = function(c) return 1 - c.churn_probability end,
              orders = "orders_90d", order_value = "mean_order_value"},
  assumptions = {uptake = sim.beta(25, 75), churn_reduction = sim.triangular(0.1, 0.2, 0.35),
                 purchase_lift = sim.normal(0.05, 0.02), margin = 0.3},
  costs = {contact = 0.1, redemption = 0.5, discount = 0.15},
}, "bench")
local t0 = host.now()
local plan = policy.plan(s, customers, {precision = tonumber(arg[3])})
local t1 = host.now()
local r = policy.simulate(plan, {draws = draws, seed = 1})
local t2 = host.now()
print(string.format("%.4f %.4f %d %.2f", t1 - t0, t2 - t1, plan.ngroups, r.total.net.mean))
