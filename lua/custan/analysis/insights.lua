--- insights.json: the one document an analyst hands to a manager or a CRM
-- system, built from a pipeline run's results.  Its JSON Schema is
-- docs/insights.schema.json; docs/guide.md explains each field.
-- @module custan.analysis.insights

local date = require "custan.date"
local dist = require "custan.dist"
local host = require "custan.core.host"
local json = require "custan.json"

local M = {}

M.SCHEMA = "custan.insights/1"

--- Customers at risk listed, and the window of the trend (days).
M.defaults = {top_at_risk = 20, trend_days = 90, active_days = 90}

-- Hanley and McNeil (1982): the standard error of an AUC from the
-- numbers of positives and negatives it was measured on.
function M.auc_se(auc, positives, negatives)
  if not (auc and positives and negatives and positives > 0 and negatives > 0) then return nil end
  local q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
  local v = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) +
             (negatives - 1) * (q2 - auc * auc)) / (positives * negatives)
  return math.sqrt(math.max(v, 0))
end

-- Revenue of the purchases in (from, to] days, and their rows.  The sum is
-- exact (rounded once), over every rank's rows under mpirun: the same
-- bits however the log is spread.
local function revenue_between(tx, from, to)
  local p = tx:filter(tx.purchase & tx.date:gt(from .. " 23:59:59") & tx.date:le(to .. " 23:59:59"))
  return dist.exact_sum(p.amount:cast("float64")), math.tointeger(dist.sum(p:nrows()))
end

local function kpis(ctx, o)
  local c = ctx.customers
  local as_of = ctx.as_of
  local recent_from = date.add_days(as_of, -o.trend_days)
  local before_from = date.add_days(as_of, -2 * o.trend_days)
  local now, rows_now = revenue_between(ctx.tx, recent_from, as_of)
  local before = revenue_between(ctx.tx, before_from, recent_from)
  local k = {
    customers = c:nrows(),
    active_customers = c.recency_days:le(o.active_days):sum(),
    active_days = o.active_days,
    revenue = c.revenue:sum(),
    revenue_trend = {days = o.trend_days, last_period = now, previous_period = before,
                     change = before > 0 and (now - before) / before or nil, purchase_rows = rows_now},
  }
  if c:has("p_alive") then k.expected_alive = c.p_alive:sum() end
  if c:has("churn_probability") then
    k.predicted_churn_rate = c.churn_probability:mean()
    k.churn_window_days = ctx.results.churn and ctx.results.churn.summary.window or nil
    k.customers_at_risk = c.risk_tier:eq("High"):fill(false):sum()
  end
  local clvdoc = ctx.results.clv
  if clvdoc and clvdoc.summary.total_clv then
    k.expected_value = {horizon_months = clvdoc.options.horizon, value = clvdoc.summary.total_clv,
      low = clvdoc.summary.total_clv_low, high = clvdoc.summary.total_clv_high,
      discount = clvdoc.options.discount, margin = clvdoc.options.margin}
  end
  if c:has("value_at_stake") then k.value_at_stake = c.value_at_stake:sum() end
  return k
end

local function segments(ctx)
  local c = ctx.customers
  local total = c.revenue:sum()
  local specs = {{"customer", "size", as = "customers"}, {"revenue", "sum", as = "revenue"},
                 {"segment_action", "first", as = "action"}}
  if c:has("clv") then specs[#specs + 1] = {"clv", "mean", as = "mean_clv"} end
  if c:has("churn_probability") then specs[#specs + 1] = {"churn_probability", "mean", as = "churn_risk"} end
  local g = c:group_by("segment"):agg(specs):sort("revenue", {desc = true})
  local out = {}
  for _, r in ipairs(g:to_rows()) do
    out[#out + 1] = {name = r.segment, customers = r.customers, revenue = r.revenue,
      revenue_share = total > 0 and r.revenue / total or nil, mean_clv = r.mean_clv,
      churn_risk = r.churn_risk, action = r.action}
  end
  return out
end

local function at_risk(ctx, o)
  local c = ctx.customers
  if not (c:has("value_at_stake") and c:has("risk_tier")) then return {} end
  local risky = c:filter(c.risk_tier:eq("High"):fill(false)):sort("value_at_stake", {desc = true})
  local out = {}
  for _, r in ipairs(risky:head(o.top_at_risk):to_rows()) do
    out[#out + 1] = {customer = tostring(r.customer), segment = r.segment, cluster_segment = r.cluster_segment,
      clv = r.clv, p_alive = r.p_alive, churn_probability = r.churn_probability,
      value_at_stake = r.value_at_stake, recency_days = r.recency_days, action = r.segment_action}
  end
  return out
end

local function policies(ctx)
  local doc = ctx.results.policies
  if not doc then return {} end
  local out = {}
  for _, r in ipairs(doc.results) do
    local t = r.total
    out[#out + 1] = {name = r.name, description = r.description, baseline = r.baseline,
      horizon_days = r.horizon_days, targeted = r.targeted, contacted = r.contacted,
      net = {mean = t.net.mean, median = t.net.median, p05 = t.net.p05, p95 = t.net.p95},
      p_positive = t.p_positive, roi = t.roi, cost = t.cost.mean, revenue = t.revenue.mean,
      targeting = {customers = r.best_targeting.customers, expected_net = r.best_targeting.expected_net},
      uncertainty = r.uncertainty and {model_share = r.uncertainty.model_share,
        assumptions_share = r.uncertainty.assumptions_share,
        net_p05_point_estimates = r.uncertainty.net_p05_point_estimates,
        net_p95_point_estimates = r.uncertainty.net_p95_point_estimates} or nil}
  end
  return out
end

local function model_quality(ctx)
  local q = {}
  local clvdoc = ctx.results.clv
  if clvdoc then
    local sel = clvdoc.summary.selection
    local row
    for _, r in ipairs(sel and sel.comparison or {}) do
      if r.model == clvdoc.best then row = r end
    end
    q.purchase_model = {name = clvdoc.best, holdout_start = sel and sel.holdout_start,
      holdout_mae = row and row.holdout_mae, holdout_relative_error = row and row.holdout_relative_error,
      converged = clvdoc.models[clvdoc.best].converged}
    if clvdoc.spend then q.spend_model = {name = "gamma_gamma", converged = clvdoc.spend.converged} end
  end
  local ch = ctx.results.churn
  if ch then
    local s = ch.summary
    local test = s.models[s.best].test
    local n_test = s.split.test
    local positives = test.confusion and (test.confusion.tp + test.confusion.fn) or nil
    q.churn = {model = s.best, auc = test.roc_auc, pr_auc = test.pr_auc,
      auc_se = M.auc_se(test.roc_auc, positives, positives and n_test - positives),
      test_customers = n_test, cv_auc = s.models[s.best].cv_auc, window_days = s.window,
      cutoff = s.cutoff}
  end
  local seg = ctx.results.segments
  if seg then
    q.segmentation = {method = seg.summary.method, k = seg.summary.k,
      fallback = seg.summary.fallback and seg.summary.fallback.reason or nil}
    for _, f in ipairs(seg.summary.fits or {}) do
      if f.k == seg.summary.k then q.segmentation.silhouette = f.silhouette end
    end
  end
  return q
end

-- A copy of a stage's summary for the document: its own fields only (the
-- report layer adds `warnings` to stage summaries; insights lists them once).
local function plain(t, arrays)
  if not t then return nil end
  local out = {}
  for k, v in pairs(t) do
    if k ~= "warnings" then out[k] = v end
  end
  for _, k in ipairs(arrays or {}) do
    out[k] = setmetatable({table.unpack(out[k] or {})}, json.array_mt)
  end
  return out
end

--- The insights document of a pipeline context (after its stages ran).
-- @tparam table ctx the pipeline's context (custan.analysis.pipeline)
-- @tparam[opt] table options `top_at_risk` (20), `trend_days` (90), `active_days` (90)
-- @return table, ready for JSON
function M.build(ctx, options)
  local o = {}
  for k, v in pairs(M.defaults) do o[k] = v end
  for k, v in pairs(options or {}) do o[k] = v end
  local doc = {
    schema = M.SCHEMA, generated_by = "custan " .. host.version, input = ctx.input,
    as_of = ctx.as_of, currency_note = "amounts are in the log's currency",
    kpis = kpis(ctx, o), segments = segments(ctx), at_risk = at_risk(ctx, o),
    policies = policies(ctx), model_quality = model_quality(ctx),
    data_quality = plain(ctx.quality, {"skipped_lines"}),
  }
  local test = ctx.results.test_design
  if test and test.summary.scenario then doc.recommended_test = plain(test.summary) end
  if ctx.results.funnel then doc.funnel = ctx.results.funnel.summary.overall end
  local warnings = {}
  for _, name in ipairs(ctx.order) do
    for _, w in ipairs(ctx.results[name].warnings or {}) do warnings[#warnings + 1] = name .. ": " .. w end
  end
  for _, w in ipairs(ctx.warnings) do warnings[#warnings + 1] = w end
  doc.warnings = setmetatable(warnings, json.array_mt)
  for _, k in ipairs{"segments", "at_risk", "policies"} do setmetatable(doc[k], json.array_mt) end
  return doc
end

return M
