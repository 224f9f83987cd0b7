-- bench/fit_rounds.lua 'SHARDS': the rounds each fit takes when its work is
-- split across MPI ranks (custan.dist.blocks: one MPI_Allgatherv of the
-- blocks' results per round), with its blocks, the doubles each round
-- moves and the seconds, on the customer summary of a log (in weeks).
-- The counts are the same with one rank or many: run it without mpirun.
-- (A fit that does not converge runs its starts and shakes to the end:
-- its rounds say what the optimiser tried, not what a fit needs.)
-- Prints a Markdown table for docs/scale.md.
local clv = require "custan.clv"
local cluster = require "custan.cluster"
local dist = require "custan.dist"
local host = require "custan.core.host"
local ml = require "custan.ml"
local rfm = require "custan.rfm"

local s = rfm.summary_file(arg[1], {period = "day", unit = "week"})
print(string.format("%d customers\n", s:nrows()))
print("| fit | rounds | blocks per round | seconds (one process, 2 threads) | converged (optimiser iterations) |")
print("|---|---|---|---|---|")
local function measure(name, fn)
  local _, total0, rounds0 = dist.blocks()
  local t0 = host.now()
  local fit = fn()
  local seconds = host.now() - t0
  local _, total1, rounds1 = dist.blocks()
  local rounds = rounds1 - rounds0
  print(string.format("| %s | %d | %.0f | %.2f | %s |", name, rounds,
    rounds > 0 and (total1 - total0) / rounds or 0, seconds,
    type(fit) == "table" and fit.converged ~= nil and
      string.format("%s (%s)", tostring(fit.converged), tostring(fit.iterations)) or "-"))
  return fit
end
local bg = measure("BG/NBD", function() return clv.fit(s, {model = "bgnbd"}) end)
measure("MBG/NBD", function() return clv.fit(s, {model = "mbgnbd"}) end)
measure("Pareto/NBD", function() return clv.fit(s, {model = "pareto"}) end)
local gg = measure("Gamma-Gamma", function() return clv.fit_spend(s) end)
if bg.cov and gg.cov then
  measure("CLV interval (100 draws, 12 months)", function()
    clv.clv_interval(bg, gg, s, {draws = 100, seed = 1})
  end)
end
s.log_T = (s.T + 1):log()
s.log_recency = (s.recency + 1):log()
s.log_frequency = (s.frequency + 1):log()
local y = s.frequency:gt(2):cast("float64")
measure("logistic regression (3 features)", function()
  ml.train("logistic", s, {"log_T", "log_recency", "log_frequency"}, y)
end)
measure("k-means (k = 4, 10 starts)", function()
  cluster.kmeans(s, {features = {"log_T", "log_recency", "log_frequency"}, k = 4, seed = 1})
end)
measure("GMM (k = 4, full)", function()
  cluster.gmm(s, {features = {"log_T", "log_recency", "log_frequency"}, k = 4, seed = 1})
end)
