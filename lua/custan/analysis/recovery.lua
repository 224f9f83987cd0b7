--- The pipeline's results against a generated world's truth (truth.csv
-- and world.json from generate.lua): what a real log never tells.
--
--   segments  adjusted Rand index of the clusters against the true
--             segments, and the table of one against the other
--   churn     ROC AUC of the churn scores against the customers truly gone
--             at the log's end, beside the model's test AUC on the
--             observed label (no purchase in the window)
--   clv       ROC AUC of P(alive) against truly alive; predicted purchases
--             over the truth's holdout against the true ones, in all and
--             by frequency bucket (with a z score: the difference over the
--             standard error of the true mean)
-- @module custan.analysis.recovery

local custan = require "custan"
local cluster = require "custan.cluster"
local date = require "custan.date"
local join = require "custan.join"
local json = require "custan.json"
local ml = require "custan.ml"
local util = require "custan.util"

local M = {}

--- Frequency buckets of the holdout comparison.
M.buckets = {{0, 0}, {1, 1}, {2, 2}, {3, 4}, {5, 7}, {8, 12}, {13, math.huge}}

--- Reads truth.csv and the world.json beside it.
-- @return truth frame, world record (seed, customers, world)
function M.read_truth(path)
  local truth = custan.read_csv(path)
  for _, c in ipairs{"customer_id", "segment", "alive_at_end", "holdout_orders"} do
    if not truth:has(c) then error(string.format("%s: not a truth file (no column %s)", path, c), 0) end
  end
  local dir = path:match("^(.*)/[^/]*$") or "."
  local text = util.read_file(dir .. "/world.json")
  if not text then error(string.format("%s: no world.json beside it (generate.lua writes one)", path), 0) end
  return truth, json.decode(text)
end

local function bucket_label(b)
  if b[1] == b[2] then return tostring(b[1]) end
  if b[2] == math.huge then return b[1] .. "+" end
  return b[1] .. "-" .. b[2]
end

-- predicted against true holdout purchases, by frequency bucket
local function holdout_table(freq, predicted, actual)
  local f, p, a = freq:to_table(), predicted:to_table(), actual:to_table()
  local rows = {}
  for i, b in ipairs(M.buckets) do rows[i] = {frequency = bucket_label(b), customers = 0, sp = 0, sa = 0, sa2 = 0} end
  for i = 1, #f do
    for bi, r in ipairs(rows) do
      local b = M.buckets[bi]
      if f[i] >= b[1] and f[i] <= b[2] then
        r.customers, r.sp, r.sa, r.sa2 = r.customers + 1, r.sp + p[i], r.sa + a[i], r.sa2 + a[i] * a[i]
        break
      end
    end
  end
  local out = {}
  for _, r in ipairs(rows) do
    if r.customers > 0 then
      local n = r.customers
      local mean_a, mean_p = r.sa / n, r.sp / n
      local var = n > 1 and math.max(0, (r.sa2 - n * mean_a * mean_a) / (n - 1)) or 0
      local se = math.sqrt(var / n)
      out[#out + 1] = {frequency = r.frequency, customers = n, actual_mean = mean_a,
        predicted_mean = mean_p, se_actual = se, z = se > 0 and (mean_p - mean_a) / se or nil}
    end
  end
  return custan.from_rows(out, {"frequency", "customers", "actual_mean", "predicted_mean", "se_actual", "z"})
end

-- true segment x cluster counts
local function crosstab(truth_seg, clusters)
  local t, segs, ks = {}, {}, {}
  local s, c = truth_seg:to_table(), clusters:to_table()
  for i = 1, #s do
    if not t[s[i]] then t[s[i]] = {}; segs[#segs + 1] = s[i] end
    if not ks[c[i]] then ks[c[i]] = true end
    t[s[i]][c[i]] = (t[s[i]][c[i]] or 0) + 1
  end
  table.sort(segs)
  local klist = {}
  for k in pairs(ks) do klist[#klist + 1] = k end
  table.sort(klist)
  local rows, names = {}, {"segment"}
  for _, k in ipairs(klist) do names[#names + 1] = "cluster_" .. k end
  for _, seg in ipairs(segs) do
    local r = {segment = seg}
    for _, k in ipairs(klist) do r["cluster_" .. k] = t[seg][k] or 0 end
    rows[#rows + 1] = r
  end
  return custan.from_rows(rows, names)
end

--- Compares the pipeline's customer table with the truth.
-- @tparam table ctx the pipeline's context (customers, clv, results, as_of)
-- @tparam string path truth.csv
-- @return result document {kind = "recovery", summary, tables, warnings}
function M.run(ctx, path)
  local truth, record = M.read_truth(path)
  local world = record.world or {}
  local warnings, tables = {}, {}
  local c = ctx.customers
  local key = join.align(truth.customer_id, c.customer)
  local t = custan.frame({customer = key, true_segment = truth.segment,
    alive_at_end = truth.alive_at_end, holdout_orders = truth.holdout_orders},
    {"customer", "true_segment", "alive_at_end", "holdout_orders"})
  local j = c:join(t, "customer", {how = "inner"})
  local summary = {truth = path, world = world.name, seed = record.seed,
    customers_matched = j:nrows(), customers = c:nrows()}
  if j:nrows() < c:nrows() then
    warnings[#warnings + 1] = string.format("%d customers of the log are not in the truth file",
      c:nrows() - j:nrows())
  end
  local log_end = world.start and world.days and date.add_days(world.start, world.days - 1)
  summary.log_end, summary.as_of = log_end, ctx.as_of

  if j:has("cluster") then
    local tab = crosstab(j.true_segment, j.cluster)
    summary.segments = {adjusted_rand = cluster.adjusted_rand(j.true_segment, j.cluster),
      true_segments = tab:nrows(), clusters = #tab:names() - 1}
    tables[#tables + 1] = {"segments_vs_truth.csv", tab}
  end
  local gone = j.alive_at_end:eq(0)
  if j:has("churn_probability") then
    local churn = ctx.results.churn and ctx.results.churn.summary
    local best = churn and churn.models and churn.models[churn.best]
    summary.churn = {roc_auc_truth = ml.auc(gone, j.churn_probability),
      roc_auc_observed = best and best.test and best.test.roc_auc or nil,
      truly_gone = gone:sum(), model = churn and churn.best}
  end
  if j:has("p_alive") then
    summary.p_alive = {roc_auc_truth = ml.auc(j.alive_at_end:eq(1), j.p_alive),
      mean_p_alive = j.p_alive:mean(), share_truly_alive = j.alive_at_end:eq(1):mean()}
  end
  local m = ctx.clv
  if m and m.purchase and world.holdout_days and world.holdout_days > 0 then
    if log_end ~= ctx.as_of then
      warnings[#warnings + 1] = string.format("the holdout comparison assumes the log ends on %s " ..
        "(the world's last day); the pipeline's as-of is %s", tostring(log_end), ctx.as_of)
    end
    local s = m.summary
    local per_day = ({day = 1, week = 7, month = 365.25 / 12})[m.unit] or 7
    local h = world.holdout_days / per_day
    local pred = custan.frame({customer = s:col("customer"), frequency = s:col("frequency"),
      predicted = m.purchase:conditional(s, h)}, {"customer", "frequency", "predicted"})
    local k = pred:join(t, "customer", {how = "inner"})
    local total_p, total_a = k.predicted:sum(), k.holdout_orders:sum()
    summary.holdout = {days = world.holdout_days, model = m.purchase.model, predicted = total_p,
      actual = total_a, relative_error = total_a > 0 and (total_p - total_a) / total_a or nil}
    tables[#tables + 1] = {"holdout_by_frequency.csv", holdout_table(k.frequency, k.predicted, k.holdout_orders)}
  end
  return {kind = "recovery", summary = summary, tables = tables, warnings = warnings}
end

return M
