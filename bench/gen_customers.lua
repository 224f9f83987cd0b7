-- bench/gen_customers.lua N FILE: N customers with per-customer retention
-- probabilities for the policy benchmark: segment (A/B/C), churn_probability
-- (distinct per customer), orders_90d, mean_order_value.  Seeded through
-- custan.core.ml.permutation, the same file every run.
local custan = require "custan"
local ml = require "custan.core.ml"

local n, path = tonumber(arg[1]), arg[2]
local u1 = ml.permutation(n, 23, 1):cast("float64") / (n + 1)
local u2 = ml.permutation(n, 23, 2):cast("float64") / (n + 1)
local u3 = ml.permutation(n, 23, 3):cast("float64") / (n + 1)
local id = ml.permutation(n, 23, 4)
local seg = (id % 3):map(function(k) return ({"A", "B", "C"})[k + 1] end, "string")
custan.frame({customer = id, segment = seg, churn_probability = u1 * 0.9 + 0.05,
              orders_90d = u2 * 3 + 0.5, mean_order_value = u3 * 200 + 20},
             {"customer", "segment", "churn_probability", "orders_90d", "mean_order_value"})
  :write_csv(path)
