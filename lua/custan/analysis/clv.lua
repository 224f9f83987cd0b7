--- CLV analysis: purchase models (BG/NBD, MBG/NBD, Pareto/NBD, or BG/BB on
-- a ready summary) and the Gamma-Gamma spend model fitted to customer
-- summaries, compared (on a holdout when asked), and every customer's
-- P(alive), expected purchases, expected spend and CLV with an interval.
-- Returns a result document.
-- @module custan.analysis.clv

local custan = require "custan"
local clv = require "custan.clv"
local rfm = require "custan.rfm"
local date = require "custan.date"
local select = require "custan.models.select"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {model = "bgnbd", period = "day", unit = "week", horizon = 12, discount = 0.01,
              margin = 1, penalizer = 0, draws = 100, seed = 1, top = 10}

--- The purchase models `all` stands for: every registered model of
-- purchase counts (custan.clv.models()).
M.all = clv.model_names("counts")

local function describe(m)
  return {params = m:parameters(), se = m.se, loglik = m.loglik, aic = m.aic, bic = m.bic,
    converged = m.converged, iterations = m.iterations, gradient_norm = m.gradient_norm,
    customers = m.customers, message = m.message}
end

-- The data shape of a registered model ("counts", "opportunities", ...).
local function shape_of(name)
  for _, m in ipairs(clv.models()) do
    if m.name == name then return m.shape end
  end
end

-- The summary of a ready table (path or frame), checked.
local function ready_summary(s, o)
  local name = type(s) == "string" and s or "summary"
  if type(s) == "string" then s = custan.read_csv(s, transactions.file_options(o)) end
  local needed = shape_of(o.model) == "opportunities" and {"frequency", "recency", "n_periods"}
    or {"frequency", "recency", "T"}
  for _, c in ipairs(needed) do
    if not s:has(c) then error(name .. ": no column '" .. c .. "'", 0) end
  end
  if o.customer and s:has(o.customer) then
    s.customer = s:col(o.customer)
  elseif not s:has("customer") then
    local ids = {}
    for i = 1, s:nrows() do ids[i] = i end
    s.customer = custan.column(ids, "int64")
  end
  return s, name
end

--- The first parameter of a fit at the edge of what data can identify
-- (above 1e3 or below 1e-4: no dropout, or no repeat purchases), as
-- name, value; nil when none is.
function M.edge_parameter(m)
  for _, p in ipairs(m.param_names or {}) do
    local v = m.params[p]
    if v and (v > 1e3 or v < 1e-4) then return p, v end
  end
end

-- Warnings for fits that converged to something that is no answer.
local function fit_warnings(name, m, warnings)
  if not m.converged then
    warnings[#warnings + 1] = string.format("%s did not converge: %s", name, m.message or "no reason given")
  end
  for _, p in ipairs(m.param_names or {}) do
    local v = m.params[p]
    if v and (v > 1e3 or v < 1e-4) then
      warnings[#warnings + 1] = string.format("%s: %s = %.4g is at the edge of what the data " ..
        "can identify (no dropout or no repeat purchases in the data?); its predictions are " ..
        "not to be trusted", name, p, v)
    end
  end
end

--- Runs the analysis.
-- @tparam string|frame|nil input a transaction file or frame (nil with `summary`)
-- @tparam[opt] table options the reader's, `summary` (a ready summary: a
--   path or a frame with frequency, recency, T [, monetary_value]),
--   `model` ("bgnbd", "mbgnbd", "pareto", "all", "bgbb"), `period`, `unit`,
--   `end`, `holdout_start`, `horizon` (months), `discount` (monthly),
--   `margin`, `penalizer`, `draws`, `seed`, `top`, `weight`, `tracking`
--   (true: the tracking table from the transactions)
-- @return result document {kind = "clv", summary, tables, customers, ...}
function M.run(input, options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  local summary, name, info
  if o.summary then
    summary, name = ready_summary(o.summary, o)
  elseif shape_of(o.model) == "opportunities" then
    error(o.model .. " needs a ready summary with frequency, recency and n_periods", 0)
  else
    local so = {}
    for k, v in pairs(o) do so[k] = v end
    if o.holdout_start then so.calibration_end = date.add_days(o.holdout_start, -1) end
    name = type(input) == "string" and input or o.source_name or "transactions"
    if type(input) == "string" then
      summary, info = rfm.summary_file(input, so)
    else
      summary, info = rfm.summary(input, so)
      -- a log read before (a pipeline's): the rows its read skipped
      if o.source_skipped_bad_rows then info.read = {skipped_bad_rows = o.source_skipped_bad_rows} end
    end
    if o.holdout_start and summary:nrows() > 0 and not summary:has("frequency_holdout") then
      error(string.format("%s: the holdout starts %s, after the last purchase", name, o.holdout_start), 0)
    end
  end
  if summary:nrows() == 0 then
    error(string.format("%s: no customers to model%s", name,
      o.holdout_start and " (is --holdout-start after the data, or before it?)" or ""), 0)
  end
  if o.holdout_start and summary:has("duration_holdout") and not (summary.duration_holdout:max() > 0) then
    error(string.format("%s: the holdout starting %s has no days of data", name, o.holdout_start), 0)
  end

  local names = o.model == "all" and M.all or {o.model}
  local result = {input = name, customers = summary:nrows(), unit = o.unit, period = o.period,
                  models = {}, skipped_bad_rows = info and info.read and info.read.skipped_bad_rows or nil}
  local warnings, models, fits = {}, {}, {}
  for _, model_name in ipairs(names) do
    local m = clv.fit(summary, {model = model_name, penalizer = o.penalizer, weight = o.weight})
    models[model_name] = m
    fits[#fits + 1] = {name = model_name, model = m}
    result.models[model_name] = describe(m)
    fit_warnings(model_name, m, warnings)
  end
  local spend
  if summary:has("monetary_value") and summary:filter(summary.frequency:gt(0)):nrows() > 1
      and not transactions.counts_only(o) then
    spend = clv.fit_spend(summary, {penalizer = o.penalizer, weight = o.weight})
    result.models.gamma_gamma = describe(spend)
    fit_warnings("gamma_gamma", spend, warnings)
  end
  -- the model used for scores: the lowest BIC among converged fits
  local chosen = select.best(fits, {score = function(f) return f.model.bic end,
    eligible = function(f) return f.model.converged end}) or fits[1]
  local best, model = chosen.name, chosen.model
  result.scored_with = best

  local comparison = clv.compare(models, summary)
  result.comparison = comparison:to_rows()
  local by_frequency
  if summary:has("frequency_holdout") then
    by_frequency = clv.holdout_by_frequency(model, summary)
    result.holdout_by_frequency = by_frequency:to_rows()
    result.holdout_length = summary.duration_holdout:max()
  end

  local per_unit = clv.per_month[o.unit]
  summary.p_alive = model:p_alive(summary)
  summary.expected_purchases = model:conditional(summary, o.horizon * per_unit)
  if spend then
    summary.expected_spend = spend:expected_spend(summary)
    local opts = {horizon = o.horizon, discount = o.discount, margin = o.margin,
      unit = o.unit, draws = o.draws, seed = o.seed}
    if o.draws > 0 and model.cov and spend.cov then
      local totals
      summary.clv, summary.clv_low, summary.clv_high, totals = clv.clv_interval(model, spend, summary, opts)
      if totals and totals:nmissing() < totals:len() then
        local q = totals:quantiles({0.05, 0.95})
        result.total_clv_low, result.total_clv_high = q[1], q[2]
      end
    else
      summary.clv = clv.clv(model, spend, summary, opts)
    end
    result.total_clv = summary.clv:sum()
  end

  local keep = {}
  for _, c in ipairs{"customer", "frequency", "recency", "T", "monetary_value", "frequency_holdout",
      "p_alive", "expected_purchases", "expected_spend", "clv", "clv_low", "clv_high"} do
    if summary:has(c) then keep[#keep + 1] = c end
  end
  local tracking
  if o.tracking and type(input) == "string" then
    -- repeat purchases per unit of time against the model: the purchase rows
    -- of the same reader, so tracking counts what the summary counts
    local tx = transactions.purchases((transactions.read(input, o)))
    tracking = clv.tracking(model, tx, {customer = "customer", date = "date", unit = o.unit})
  end
  return {
    kind = "clv", summary = result, warnings = warnings, options = o, info = info,
    models = models, names = names, spend = spend, best = best, customers = summary,
    tables = {{"customers.csv", summary:select(keep)}, {"comparison.csv", comparison},
      {"holdout_by_frequency.csv", by_frequency}, {"tracking.csv", tracking}},
  }
end

return M
