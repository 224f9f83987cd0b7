--- Customer lifetime value: purchase-count models, the spend model, and
-- CLV with an interval.  The likelihoods, fits and predictions are C
-- kernels (custan.core.clv); this module names columns, holds fitted
-- models, and composes CLV the way lifetimes' customer_lifetime_value does.
-- Models: whatever the C registry holds (clv.models()): BG/NBD, MBG/NBD,
-- Pareto/NBD, BG/BB, Gamma-Gamma and sBG (docs/models.md).
-- @module custan.clv

local core = require "custan.core.clv"
local sim_core = require "custan.core.sim"
local custan = require "custan"
local dist = require "custan.dist"

local M = {}

local Model = {}
Model.__index = Model

--- The registered models (the C registry, clv_model.h): an array of
-- {name, title, params, shape ("counts", "opportunities", "spend",
-- "survival"), predicts = {expected, conditional, p_alive, pmf, spend,
-- survival, simulate}}.  A model added in C appears here.
function M.models()
  return core.models()
end

--- The names of the registered models of one data shape, in table order.
function M.model_names(shape)
  local out = {}
  for _, m in ipairs(core.models()) do
    if shape == nil or m.shape == shape then out[#out + 1] = m.name end
  end
  return out
end

-- The summary columns a model reads: frequency, recency and T, or for
-- BG/BB n_periods (the opportunities) where the summary has it.
local function columns(frame, o, model_name)
  local function col(name)
    if not frame:has(name) then
      error(string.format("no column '%s' in the summary (columns: %s)", name,
        table.concat(frame:names(), ", ")), 3)
    end
    return frame:col(name)
  end
  local T = o.T or ((model_name == "bgbb" and frame:has("n_periods")) and "n_periods" or "T")
  return col(o.frequency or "frequency"), col(o.recency or "recency"), col(T),
    o.weight and col(o.weight) or nil
end

--- Fits a purchase-count model to a customer summary.
-- @tparam frame summary with frequency, recency and T (custan.rfm's output,
--   or any table with those columns)
-- @tparam[opt] table options `model` ("bgnbd", "mbgnbd", "pareto" or "bgbb";
--   for BG/BB recency is the opportunity of the last purchase and T, or
--   n_periods when present, the number of opportunities), column names `frequency`,
--   `recency`, `T`, `weight` (rows standing for many customers),
--   `penalizer` (lifetimes' penalizer_coef: an L2 penalty on the parameters,
--   for BG/NBD, MBG/NBD and Pareto/NBD of the fit on time rescaled so that
--   the largest T is 1, as lifetimes does), `start`, `max_iter`, `tol`
-- @return a model: `params` (named as in the paper), `se`, `loglik` (total),
--   `aic`, `bic`, `converged`, `iterations`, `gradient_norm`, `message`
-- The parameters measured in units of time, per model: lifetimes fits
-- these models on time rescaled so that the oldest customer's T is 1, and
-- its penalizer_coef acts on the parameters of that scale.
local TIME_PARAMS = {bgnbd = {alpha = true}, mbgnbd = {alpha = true},
                     pareto = {alpha = true, beta = true}}

-- With a penalizer, the fit lifetimes makes: on rescaled time, its time
-- parameters (and their standard errors and covariance) rescaled back, and
-- the log-likelihood of the original data at them.
local function penalized_fit(name, x, tx, T, w, o)
  local scale = 1 / T:max()
  local so = {}
  for k, v in pairs(o) do so[k] = v end
  if o.start then
    so.start = {}
    for k, v in pairs(o.start) do so.start[k] = TIME_PARAMS[name][k] and v * scale or v end
  end
  if name == "pareto" then
    -- lifetimes' Pareto/NBD divides the summed log-likelihood by the mean
    -- weight, not the total: its penalty is n_rows times weaker per customer
    so.penalizer = o.penalizer / x:len()
  end
  local fit = core.fit(name, x, tx * scale, T * scale, nil, w, so)
  local factor = {}
  for i, p in ipairs(fit.param_names) do
    factor[i] = TIME_PARAMS[name][p] and 1 / scale or 1
    fit.params[p] = fit.params[p] * factor[i]
    if fit.se then fit.se[p] = fit.se[p] * factor[i] end
  end
  if fit.cov then
    local k = #fit.param_names
    for i = 1, k do
      for j = 1, k do fit.cov[(i - 1) * k + j] = fit.cov[(i - 1) * k + j] * factor[i] * factor[j] end
    end
  end
  local ll = core.loglik(name, fit.params, x, tx, T, nil, w)
  if ll then
    local k = #fit.param_names
    fit.loglik, fit.aic, fit.bic = ll, 2 * k - 2 * ll, k * math.log(fit.customers) - 2 * ll
  end
  return fit
end

function M.fit(summary, options)
  local o = options or {}
  local name = o.model or "bgnbd"
  local x, tx, T, w = columns(summary, o, name)
  local fit
  if (o.penalizer or 0) > 0 and TIME_PARAMS[name] then
    fit = penalized_fit(name, x, tx, T, w, o)
  else
    fit = core.fit(name, x, tx, T, nil, w, o)
  end
  fit.unit = o.unit
  return setmetatable(fit, Model)
end

--- A model from known parameters (a saved fit, a published table), for
-- predictions: e.g. clv.from_params("bgnbd", {r = 0.243, alpha = 4.414,
-- a = 0.793, b = 2.426}):p_alive(summary).
function M.from_params(model_name, params)
  return setmetatable({model = model_name, params = params}, Model)
end

--- Fits the Gamma-Gamma spend model on the customers with repeat purchases.
-- @tparam frame summary with frequency and monetary_value (the mean value of
--   repeat purchases)
-- @tparam[opt] table options column names `frequency`, `monetary_value`,
--   `weight`, and `penalizer`
function M.fit_spend(summary, options)
  local o = options or {}
  local mcol = o.monetary_value or "monetary_value"
  if not summary:has(mcol) then error("no column '" .. mcol .. "' in the summary", 2) end
  local rep = summary:filter(summary:col(o.frequency or "frequency"):gt(0)
    & summary:col(mcol):gt(0))
  local x = rep:col(o.frequency or "frequency")
  local fit = core.fit("gamma_gamma", x, nil, nil, rep:col(mcol),
    o.weight and rep:col(o.weight) or nil, o)
  return setmetatable(fit, Model)
end

--- Fits a retention model (sBG by default) to cohort survivor counts.
-- @tparam table cohorts one array of survivor counts per cohort: the
--   customers at the start, then still there after each period, e.g.
--   {{1000, 631, 468, 382}} (cohorts may be observed for different lengths)
-- @tparam[opt] table options `model` ("sbg"), `penalizer`, `start`
-- @return a model with `params`, `se`, `loglik`, and :survival(t), :retention(t)
-- @raise when a cohort's count grows or nothing is lost
-- @usage clv.fit_retention({{1000, 631, 468, 382, 326, 289, 262, 241}}).params.alpha --> 0.704
function M.fit_retention(cohorts, options)
  local o = options or {}
  local period, lost, weight = {}, {}, {}
  local function row(t, was_lost, w)
    if w > 0 then
      period[#period + 1], lost[#lost + 1], weight[#weight + 1] = t, was_lost, w
    end
  end
  for c, survivors in ipairs(cohorts) do
    for t = 2, #survivors do
      local drop = survivors[t - 1] - survivors[t]
      if drop < 0 then
        error(string.format("cohort %d: survivors grow from %s to %s in period %d", c,
          tostring(survivors[t - 1]), tostring(survivors[t]), t - 1), 2)
      end
      row(t - 1, 1, drop)
    end
    if #survivors >= 2 then row(#survivors - 1, 0, survivors[#survivors]) end
  end
  if #period == 0 then error("fit_retention: no cohort was observed for a period", 2) end
  local fit = core.fit(o.model or "sbg", custan.column(period, "float64"),
    custan.column(lost, "float64"), nil, nil, custan.column(weight, "float64"), o)
  return setmetatable(fit, Model)
end

--- Survival models: the share of a cohort still there after t periods.
function Model:survival(t)
  return core.predict(self.model, "survival", self.params, t)
end

--- Survival models: the retention rate of period t, S(t) / S(t - 1).
function Model:retention(t)
  return core.predict(self.model, "retention", self.params, t)
end

--- Expected purchases in (0, t] of a new customer.
function Model:expected(t)
  return core.predict(self.model, "expected", self.params, t)
end

--- Probability of exactly n purchases in (0, t] for a new customer (BG/BB:
-- in its first t opportunities).
function Model:pmf(t, n)
  return core.predict(self.model, "pmf", self.params, t, n)
end

--- Expected purchases in the next t of each customer of a summary.
function Model:conditional(summary, t, options)
  local x, tx, T = columns(summary, options or {}, self.model)
  return core.predict(self.model, "conditional", self.params, t, x, tx, T)
end

--- Probability that each customer is still active.
function Model:p_alive(summary, options)
  local x, tx, T = columns(summary, options or {}, self.model)
  return core.predict(self.model, "p_alive", self.params, x, tx, T)
end

--- Gamma-Gamma: the expected mean value of each customer's future
-- purchases, E(M | x, m); customers without repeat purchases get the
-- population mean p gamma / (q - 1).
function Model:expected_spend(summary, options)
  local o = options or {}
  return core.predict(self.model, "spend", self.params,
    summary:col(o.frequency or "frequency"), summary:col(o.monetary_value or "monetary_value"))
end

--- Simulated customers of a purchase model (BG/NBD, MBG/NBD or Pareto/NBD) with known
-- parameters, for checks and benchmarks: each customer's first purchase is
-- at 0 and it is watched for T; seeded (GSL's mt19937).
-- @tparam string model "bgnbd", "mbgnbd" or "pareto" (resolution is for the first two)
-- @tparam table params e.g. {r = 0.243, alpha = 4.414, a = 0.793, b = 2.426}
-- @tparam column T each customer's age
-- @tparam[opt] table options `seed` (1), `holdout` (extra time whose purchases
--   go to frequency_holdout), `resolution` (record times rounded down to whole
--   multiples, e.g. 1/7 for days in weeks)
-- @return frame frequency, recency, T[, frequency_holdout]
function M.simulate(model_name, params, T, options)
  local o = options or {}
  local x, tx, xh = core.simulate(model_name, params, T, o.seed or 1, o.holdout or 0,
    o.resolution or 0)
  local cols, order = {frequency = x, recency = tx, T = T}, {"frequency", "recency", "T"}
  if (o.holdout or 0) > 0 then cols.frequency_holdout, order[4] = xh, "frequency_holdout" end
  return custan.frame(cols, order)
end

--- Simulated BG/BB customers: `count` customers with `n` opportunities
-- (and `holdout` more, whose purchases go to frequency_holdout).
-- @return frame frequency, recency, n_periods[, frequency_holdout]
function M.simulate_bgbb(params, count, n, options)
  local o = options or {}
  local x, tx, xh = core.simulate_bgbb(params, count, n, o.seed or 1, o.holdout or 0)
  local periods = {}
  for i = 1, count do periods[i] = n end
  local cols = {frequency = x, recency = tx, n_periods = custan.column(periods, "float64", count)}
  local order = {"frequency", "recency", "n_periods"}
  if (o.holdout or 0) > 0 then cols.frequency_holdout, order[4] = xh, "frequency_holdout" end
  return custan.frame(cols, order)
end

--- The parameters in the paper's order, as {name = value}.
function Model:parameters()
  local out = {}
  for _, n in ipairs(self.param_names) do out[n] = self.params[n] end
  return out
end

-- units per month, as lifetimes' customer_lifetime_value (freq "W" is 4.345)
M.per_month = {day = 30, week = 4.345, month = 1}

--- CLV: the discounted expected margin over a horizon, as lifetimes'
-- customer_lifetime_value: for each month i = 1..horizon, the expected
-- purchases between months i - 1 and i times the expected spend (times
-- the margin), discounted by (1 + discount)^i.
-- @tparam Model tx the purchase model (BG/NBD)
-- @tparam Model spend the Gamma-Gamma model
-- @tparam frame summary customers (frequency, recency, T, monetary_value)
-- @tparam[opt] table options `horizon` (months, 12), `discount` (monthly,
--   0.01), `margin` (1), `unit` of recency and T ("week", "day", "month")
-- @return a column, one CLV per customer
function M.clv(tx, spend, summary, options)
  local o = options or {}
  local horizon, discount, margin = o.horizon or 12, o.discount or 0.01, o.margin or 1
  local factor = M.per_month[o.unit or "week"] or error("unit must be day, week or month", 2)
  local value = spend:expected_spend(summary, o) * margin
  local total = value * 0
  local before = nil
  for i = 1, horizon do
    local upto = tx:conditional(summary, i * factor, o)
    local step = before and (upto - before) or upto
    total = total + value * step / (1 + discount) ^ i
    before = upto
  end
  return total
end

-- `draws` parameter sets from the asymptotic normal of the log parameters
-- (the delta method: Var(log p) = Var(p) / p^2 elementwise in D^-1 S D^-1),
-- drawn by GSL (custan.core.sim.mvnormal) from the seed's stream, as one
-- flat row-major array (draws x k); nil when the covariance is not
-- positive definite.
local function draw_params(model, draws, seed, stream)
  local k, names = #model.param_names, model.param_names
  local mean, cov = {}, {}
  for i = 1, k do
    mean[i] = math.log(model.params[names[i]])
    for j = 1, k do
      cov[(i - 1) * k + j] = model.cov[(i - 1) * k + j] / (model.params[names[i]] * model.params[names[j]])
    end
  end
  local ok, z = pcall(sim_core.mvnormal, mean, cov, draws, seed, stream)
  if not ok then return nil end
  local flat = {}
  for d = 1, draws do
    for i = 1, k do flat[(d - 1) * k + i] = math.exp(z[d][i]) end
  end
  return flat
end
M.draw_params = draw_params

--- `count` models whose parameters are drawn from the fitted model's
-- asymptotic normal (on log parameters; seeded stream), for carrying the
-- models' uncertainty into a simulation; nil when the fit has no
-- covariance (its Hessian was not positive definite).
function M.parameter_draws(model, count, seed, stream)
  if not model.cov then return nil end
  local flat = draw_params(model, count, seed, stream)
  if not flat then return nil end
  local k, out = #model.param_names, {}
  for d = 1, count do
    local p = {}
    for i, name in ipairs(model.param_names) do p[name] = flat[(d - 1) * k + i] end
    out[d] = setmetatable({model = model.model, params = p, param_names = model.param_names}, Model)
  end
  return out
end

--- CLV with an interval from parameter uncertainty: `draws` parameter sets
-- from the asymptotic normal of both models' MLEs (on log parameters),
-- CLV for each, and per customer the 5% and 95% quantiles.  The per-draw
-- work is C (custan.core.clv.interval; customers with equal frequency,
-- recency and age share it).  Seeded: the same seed gives the same interval.
-- @return clv, low, high (columns), and a column of each draw's total CLV
--   over the customers (for the interval of the total)
function M.clv_interval(tx, spend, summary, options)
  local o = options or {}
  local draws, seed = o.draws or 100, o.seed or 1
  if not (tx.cov and spend.cov) then
    error("clv_interval: a model has no standard errors (its Hessian was not positive definite)", 2)
  end
  local ptx, psp = draw_params(tx, draws, seed, 1), draw_params(spend, draws, seed, 2)
  if not (ptx and psp) then
    local point = M.clv(tx, spend, summary, o)
    local missing = point:is_missing():cast("float64") * 0
    return point, missing / 0, missing / 0 -- no draws: the interval is unknown (missing)
  end
  -- the point estimates ride along as one more row of parameters
  for _, pair in ipairs{{ptx, tx}, {psp, spend}} do
    for _, name in ipairs(pair[2].param_names) do pair[1][#pair[1] + 1] = pair[2].params[name] end
  end
  local factor = M.per_month[o.unit or "week"] or error("unit must be day, week or month", 2)
  return core.interval(tx.model, spend.model, draws, ptx, psp, summary.frequency,
    summary.recency, summary.T, summary.monetary_value, {horizon = o.horizon or 12,
    per_month = factor, discount = o.discount or 0.01, margin = o.margin or 1,
    low = o.low or 0.05, high = o.high or 0.95, threads = o.threads})
end

-- ------------------------------------------------------------ evaluation --

--- Predicted against actual holdout purchases by calibration frequency
-- (Fader, Hardie & Lee 2005, figure 3): customers grouped by frequency
-- (the last group is `cap` and more), mean actual frequency_holdout and mean
-- conditional expectation over duration_holdout.
-- @tparam Model model a purchase model
-- @tparam frame summary with frequency_holdout and duration_holdout
-- @tparam[opt] integer cap the last group (7: "7+")
-- @return frame frequency, customers, actual, predicted
function M.holdout_by_frequency(model, summary, cap)
  cap = cap or 7
  local duration = summary.duration_holdout:max()
  local s = summary:copy()
  s.predicted = model:conditional(summary, duration)
  s.group = s.frequency:map(function(f) return math.min(math.tointeger(f) or f, cap) end, "int64")
  local g = s:group_by("group"):agg{{"group", "size", as = "customers"},
    {"frequency_holdout", "mean", as = "actual"}, {"predicted", "mean", as = "predicted"}}
  return g:rename{group = "frequency"}
end

--- Holdout accuracy of a model on a calibration/holdout summary.
-- @return a table: mae (mean absolute error per customer), total_actual,
--   total_predicted, total_error (predicted - actual) and relative_error
function M.holdout_error(model, summary)
  local predicted = model:conditional(summary, summary.duration_holdout:max())
  local actual = summary.frequency_holdout
  local total_p, total_a = predicted:sum(), actual:sum()
  return {mae = (predicted - actual):abs():mean(), total_actual = total_a,
    total_predicted = total_p, total_error = total_p - total_a,
    relative_error = (total_p - total_a) / total_a}
end

--- A comparison table of fitted models: parameters count, log-likelihood,
-- AIC, BIC and, when the summary has holdout columns, holdout MAE and
-- total error.
-- @tparam table models {name = Model, ...}
-- @return frame model, k, loglik, aic, bic, converged[, holdout_mae,
--   holdout_total_error, holdout_relative_error]
function M.compare(models, summary)
  local names = {}
  for name in pairs(models) do names[#names + 1] = name end
  table.sort(names)
  local rows = {}
  local holdout = summary and summary:has("frequency_holdout") and summary:has("duration_holdout")
  for i, name in ipairs(names) do
    local m = models[name]
    local r = {model = name, k = #m.param_names, loglik = m.loglik, aic = m.aic, bic = m.bic,
      converged = m.converged}
    if holdout then
      local h = M.holdout_error(m, summary)
      r.holdout_mae, r.holdout_total_error, r.holdout_relative_error = h.mae, h.total_error, h.relative_error
    end
    rows[i] = r
  end
  local cols = {"model", "k", "loglik", "aic", "bic", "converged"}
  if holdout then
    for _, c in ipairs{"holdout_mae", "holdout_total_error", "holdout_relative_error"} do cols[#cols + 1] = c end
  end
  return custan.from_rows(rows, cols)
end

--- Tracking data (Fader, Hardie & Lee 2005, figures 1 and 2): repeat
-- transactions per unit of calendar time, actual and expected, and their
-- cumulative sums.  Expected repeat transactions by calendar time tau are
-- the sum over customers of E[X(tau - first purchase)].
-- @tparam Model model a purchase model fitted with recency and T in `unit`
-- @tparam frame tx transactions of the customers (any period, also after
--   the calibration end)
-- @tparam table options `customer`, `date` column names, `unit` ("week",
--   "day"), `period` (purchases in one "day" count once), `start` (ISO date;
--   default the first purchase), `periods` (how many units to report),
--   `partitioned` (tx is this rank's customers' share of the log, under mpirun)
-- @return frame period (units since start), actual, expected,
--   cumulative_actual, cumulative_expected
function M.tracking(model, tx, options)
  local o = options or {}
  local cust, date = tx:col(o.customer or "customer"), tx:col(o.date or "date")
  local unit_days = ({day = 1, week = 7, month = 30.436875})[o.unit or "week"]
  local day = date:floor("day")
  local t = custan.frame({customer = cust, day = day}, {"customer", "day"})
  t = t:group_by{"customer", "day"}:size():select{"customer", "day"} -- purchases merged per day
  t.first = t:group_by("customer"):transform("day", "min")
  if o.partitioned and dist.size() > 1 then -- every rank's customers' days, on every rank
    t = dist.allgather_frame(t)
  end
  local start = o.start or t.first:min()
  local repeat_ = t:filter(t.day:gt(t.first))
  local n = o.periods or math.ceil((t.day - start):max() / unit_days)
  -- actual repeat transactions per unit
  repeat_.period = ((repeat_.day - start) / unit_days):floor():cast("int64") + 1
  local actual = {}
  for _, r in ipairs(repeat_:group_by("period"):size():to_rows()) do actual[r.period] = r.size end
  -- customers by first-purchase day, in units since start
  -- (in day order, so the expected counts add in one order however t's rows came)
  local firsts = t:group_by("first"):agg{{"customer", "n_unique", as = "customers"}}:sort("first")
  firsts.offset = (firsts.first - start) / unit_days
  local groups = firsts:to_rows()
  local rows, ca, ce, prev = {}, 0, 0, 0
  for k = 1, n do
    local e = 0
    for _, g in ipairs(groups) do
      if k > g.offset then e = e + g.customers * model:expected(k - g.offset) end
    end
    local a = actual[k] or 0
    ca, ce = ca + a, e
    rows[k] = {period = k, actual = a, expected = e - prev, cumulative_actual = ca, cumulative_expected = e}
    prev = e
  end
  return custan.from_rows(rows, {"period", "actual", "expected", "cumulative_actual", "cumulative_expected"})
end

return M
