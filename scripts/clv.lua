--- clv.lua: customer lifetime value from a transaction log or a summary.
--
--   custan run clv.lua --input examples/data/online_retail.csv.gz
--   custan run clv.lua --input orders.csv --holdout-start 2024-01-01 --output out/
--   custan run clv.lua --summary customers.csv --weight n
--
-- Fits the purchase models (BG/NBD, MBG/NBD, Pareto/NBD) and the Gamma-Gamma spend
-- model by maximum likelihood, compares them, and scores every customer:
-- probability alive, expected purchases and value, and CLV with a range
-- from parameter uncertainty.  docs/models.md has the math.

local custan = require "custan"
local rfm = require "custan.rfm"
local clv = require "custan.clv"
local cli = require "custan.cli"
local util = require "custan.util"
local date = require "custan.date"

local p = cli.parser("clv.lua",
  "Fit BG/NBD, MBG/NBD and Pareto/NBD purchase models and the Gamma-Gamma spend model to customer " ..
  "summaries, compare them (with a holdout period when asked), and compute each " ..
  "customer's probability of being alive, expected purchases, expected spend and CLV " ..
  "with an interval.",
  "Examples:\n" ..
  "  custan run clv.lua --input examples/data/online_retail.csv.gz --output out/clv\n" ..
  "  custan run clv.lua --input orders.csv --holdout-start 2024-01-01 --model all\n" ..
  "  custan run clv.lua --summary cdnow_summary.csv --customer ID")
cli.add_common(p, {optional_input = true})
p:option("--summary", "A ready customer summary (frequency, recency, T [, monetary_value]) " ..
  "instead of transactions.")
cli.add_transaction_columns(p)
p:option("--weight", "With --summary: a column counting the customers a row stands for.")
p:option("--model", "Purchase model: bgnbd, mbgnbd, pareto, all (those three), or bgbb " ..
  "(discrete opportunities: --summary with frequency, recency and n_periods).", "bgnbd")
  :choices{"bgnbd", "mbgnbd", "pareto", "all", "bgbb"}
p:option("--period", "Purchases in one period count once: day, week or month.", "day")
  :choices{"day", "week", "month"}
p:option("--unit", "Unit of recency and T: day, week or month.", "week")
  :choices{"day", "week", "month"}
p:option("--end", "Observation end (YYYY-MM-DD); default the last purchase.")
p:option("--holdout-start", "First day of a holdout period: fit on the days before, " ..
  "compare predictions with what happened after.")
p:option("--horizon", "CLV horizon in months.", "12"):convert(tonumber)
p:option("--discount", "Monthly discount rate.", "0.01"):convert(tonumber)
p:option("--margin", "Profit margin applied to spend.", "1"):convert(tonumber)
p:option("--penalizer", "L2 penalty on the parameters (as lifetimes' penalizer_coef).", "0")
  :convert(tonumber)
p:option("--draws", "Parameter draws for the CLV interval (0: no interval).", "100")
  :convert(math.tointeger)
p:option("--top", "Customers listed by CLV.", "10"):convert(math.tointeger)
local args = cli.parse(p, arg)
local say = cli.printer(args)
if not args.input and not args.summary then cli.usage_error("give --input (transactions) or --summary") end
if args.input and args.summary then cli.usage_error("give --input or --summary, not both") end
if not (args.horizon and args.horizon > 0) then cli.usage_error("--horizon must be a positive number of months") end
if not (args.discount and args.discount >= 0) then cli.usage_error("--discount must be >= 0") end

-- The customer summary -------------------------------------------------------
local summary, tx, info
local holdout_start = cli.check_date(args.holdout_start, "--holdout-start")
if args.summary then
  summary = custan.read_csv(args.summary, cli.csv_options(args))
  local needed = args.model == "bgbb" and {"frequency", "recency", "n_periods"} or {"frequency", "recency", "T"}
  for _, c in ipairs(needed) do
    if not summary:has(c) then cli.fail(args.summary .. ": no column '" .. c .. "'") end
  end
  if summary:has(args.customer) then summary.customer = summary:col(args.customer)
  elseif not summary:has("customer") then
    local ids = {}
    for i = 1, summary:nrows() do ids[i] = i end
    summary.customer = custan.column(ids, "int64")
  end
elseif args.model == "bgbb" then
  cli.usage_error("--model bgbb needs --summary with frequency, recency and n_periods")
else
  local options = cli.transaction_options(args)
  options.period, options.unit = args.period, args.unit
  options["end"] = cli.check_date(args["end"], "--end")
  if holdout_start then
    -- the calibration period ends the day before the holdout starts
    options.calibration_end = date.add_days(holdout_start, -1)
  end
  options.encoding = cli.encoding(args)
  options.read = cli.csv_options(args, nil, args.date)
  cli.progress(args, "reading " .. args.input)
  summary, info = rfm.summary_file(args.input, options)
end
if summary:nrows() == 0 then cli.fail("no customers to model") end

-- Fits ----------------------------------------------------------------------
local names = args.model == "all" and {"bgnbd", "mbgnbd", "pareto"} or {args.model}
local models, result = {}, {input = args.input or args.summary, customers = summary:nrows(),
  unit = args.unit, period = args.period, models = {}}
local fit_options = {penalizer = args.penalizer, weight = args.weight}
local function describe(m)
  local d = {params = m:parameters(), se = m.se, loglik = m.loglik, aic = m.aic, bic = m.bic,
    converged = m.converged, iterations = m.iterations, gradient_norm = m.gradient_norm,
    customers = m.customers, message = m.message}
  return d
end
for _, name in ipairs(names) do
  models[name] = clv.fit(summary, {model = name, penalizer = args.penalizer, weight = args.weight})
  result.models[name] = describe(models[name])
end
local spend
if summary:has("monetary_value") and summary:filter(summary.frequency:gt(0)):nrows() > 1 then
  spend = clv.fit_spend(summary, fit_options)
  result.models.gamma_gamma = describe(spend)
end
-- the model used for scores: the chosen one, or the lowest BIC among converged fits
local best
for _, name in ipairs(names) do
  local m = models[name]
  if m.converged and (not best or m.bic < models[best].bic) then best = name end
end
best = best or names[1]
result.scored_with = best
local model = models[best]

local function param_line(m)
  local parts = {}
  for _, n in ipairs(m.param_names) do
    parts[#parts + 1] = m.se and string.format("%s = %.4g (se %.2g)", n, m.params[n], m.se[n])
      or string.format("%s = %.4g", n, m.params[n])
  end
  return table.concat(parts, ", ")
end

say(string.format("%s: %s customers; recency and T in %ss", result.input,
  util.commas(summary:nrows()), args.unit))
for _, name in ipairs(names) do
  local m = models[name]
  say(string.format("%-7s %s", name, param_line(m)))
  say(string.format("        log-likelihood %.4f, AIC %.2f, BIC %.2f, %s after %d iterations",
    m.loglik, m.aic, m.bic, m.converged and "converged" or "NOT CONVERGED", m.iterations))
  if m.message then say("        " .. m.message) end
end
if spend then
  say(string.format("spend   %s (Gamma-Gamma, %s repeat customers)", param_line(spend),
    util.commas(spend.customers)))
  if not spend.converged then say("        " .. (spend.message or "not converged")) end
end

-- Evaluation ------------------------------------------------------------------
local comparison = clv.compare(models, summary)
result.comparison = comparison:to_rows()
local by_frequency
if summary:has("frequency_holdout") then
  by_frequency = clv.holdout_by_frequency(model, summary)
  result.holdout_by_frequency = by_frequency:to_rows()
  say("")
  say(string.format("holdout (%g %ss): actual against predicted purchases by calibration frequency (%s)",
    summary.duration_holdout:max(), args.unit, best))
  for _, r in ipairs(by_frequency:to_rows()) do
    say(string.format("  %3s%s %6d customers  actual %7.3f  predicted %7.3f", r.frequency,
      r.frequency == 7 and "+" or " ", r.customers, r.actual, r.predicted))
  end
  for _, r in ipairs(result.comparison) do
    say(string.format("  %-7s holdout MAE %.4f, total error %+.1f (%+.1f%%)", r.model,
      r.holdout_mae, r.holdout_total_error, 100 * r.holdout_relative_error))
  end
end

-- Scores ----------------------------------------------------------------------
local per_unit = clv.per_month[args.unit]
summary.p_alive = model:p_alive(summary)
summary.expected_purchases = model:conditional(summary, args.horizon * per_unit)
if spend then
  summary.expected_spend = spend:expected_spend(summary)
  local opts = {horizon = args.horizon, discount = args.discount, margin = args.margin,
    unit = args.unit, draws = args.draws, seed = args.seed}
  if args.draws > 0 and model.cov and spend.cov then
    summary.clv, summary.clv_low, summary.clv_high = clv.clv_interval(model, spend, summary, opts)
  else
    summary.clv = clv.clv(model, spend, summary, opts)
  end
  result.total_clv = summary.clv:sum()
  say("")
  say(string.format("CLV over %g months at %g%% a month (margin %g): total %s, mean %.2f",
    args.horizon, 100 * args.discount, args.margin, util.commas(string.format("%.2f", result.total_clv)),
    summary.clv:mean()))
  if args.top > 0 then
    say(string.format("top %d customers by CLV%s", args.top, summary:has("clv_low") and
      string.format(" (90%% range from %d parameter draws, seed %d)", args.draws, args.seed) or ""))
    for _, r in ipairs(summary:sort("clv", {desc = true}):head(args.top):to_rows()) do
      say(string.format("  %-10s CLV %10.2f%s  p_alive %.3f  expected purchases %.2f",
        tostring(r.customer), r.clv, r.clv_low and string.format(" [%.2f, %.2f]", r.clv_low, r.clv_high) or "",
        r.p_alive, r.expected_purchases))
    end
  end
else
  say("")
  say("no monetary values: CLV needs the Gamma-Gamma spend model (monetary_value)")
end

-- Files -----------------------------------------------------------------------
local out = cli.output_dir(args)
if out then
  local keep = {}
  for _, c in ipairs{"customer", "frequency", "recency", "T", "monetary_value", "frequency_holdout",
      "p_alive", "expected_purchases", "expected_spend", "clv", "clv_low", "clv_high"} do
    if summary:has(c) then keep[#keep + 1] = c end
  end
  local tracking
  if args.input and not args.summary then
    local read = cli.csv_options(args, nil, args.date)
    read.columns = {args.customer, args.date}
    read.types = read.types or {}
    read.types[args.date] = read.types[args.date] or "timestamp"
    local t = custan.read_csv(args.input, read)
    tracking = clv.tracking(model, t, {customer = args.customer, date = args.date, unit = args.unit})
  end
  cli.write_results(out, {{"customers.csv", summary:select(keep)}, {"comparison.csv", comparison},
    {"holdout_by_frequency.csv", by_frequency}, {"tracking.csv", tracking}}, result, say)
end
cli.print_json(args, result)
