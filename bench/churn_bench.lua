-- bench/churn_bench.lua FILE ROUNDS THREADS: fits on FILE (x1..xD, y from
-- bench/gen_classification.lua), timed inside the process.
-- Prints: logistic_seconds iterations auc xgboost_seconds xgboost_auc
local custan = require "custan"
local ml = require "custan.ml"
local host = require "custan.core.host"

local t = custan.read_csv(arg[1])
local rounds, threads = tonumber(arg[2]), tonumber(arg[3])
local features = {}
for _, name in ipairs(t:names()) do
  if name ~= "y" then features[#features + 1] = name end
end
local y = t:col("y"):cast("float64")
local t0 = host.now()
local lr = ml.train("logistic", t, features, y, {class_weight = "none", C = 1, threads = threads})
local t1 = host.now()
local lr_auc = ml.auc(y, lr:predict(t))
local xgb_seconds, xgb_auc = 0, 0
if rounds > 0 then
  local t2 = host.now()
  local m = ml.train("xgboost", t, features, y, {class_weight = "none", rounds = rounds,
    eta = 0.1, max_depth = 6, subsample = 1, colsample_bytree = 1, threads = threads})
  xgb_seconds = host.now() - t2
  xgb_auc = ml.auc(y, m:predict(t))
end
print(string.format("%.4f %d %.6f %.4f %.6f", t1 - t0, lr.iterations, lr_auc, xgb_seconds, xgb_auc))
