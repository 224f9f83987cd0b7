--- The pipeline's stages, for pipeline files (docs/guide.md, "The pipeline").
--
-- A pipeline file lists stages; each is a table `{name = "clv", title =
-- "...", run = function(ctx, options) ... return doc end}`.  `run` gets the
-- pipeline's context and the file's `options[name]`, may add columns to the
-- customer table (`ctx:add(frame, columns)`), and returns a result document
-- (`{kind, summary, tables, warnings}`) whose tables are written to the
-- stage's own folder.  The context:
--
--   ctx.input      the log's path         ctx.options   reader and run options
--   ctx.source     what the summaries read (the path, streamed as the scripts do)
--   ctx.as_of      "YYYY-MM-DD"            ctx.tx        the log up to as_of (custan's names)
--   ctx.customers  one row per customer   ctx.results   the documents so far, by stage name
--   ctx.warnings   for the whole run      ctx:progress(fmt, ...)  a line on stderr
--   ctx:log()      the whole log (ctx.tx in one process)
--
-- Every stage here calls the same analysis the prepared script of its
-- name runs (custan.analysis.*), so its numbers are that script's numbers
-- with the same options.
--
-- Under mpirun (docs/scale.md) `ctx.partitioned` is true: ctx.tx holds only
-- this rank's customers' rows, and ctx.source is ctx.tx.  The stages here
-- pass `partitioned` on (it is in ctx.options), and their analyses merge
-- every rank's partial tables, so every rank ends with what one process
-- computes, to the bit; ctx.customers is the whole customer table on every
-- rank.  A stage of your own that needs every customer's rows at once
-- calls ctx:log() (it gathers the log on every rank); per-customer work on
-- ctx.tx gathers its results with custan.dist.
-- @module custan.pipeline

local custan = require "custan"
local join = require "custan.join"
local date = require "custan.date"
local transactions = require "custan.data.transactions"
local rfm_analysis = require "custan.analysis.rfm"
local segment_analysis = require "custan.analysis.segment"
local clv_analysis = require "custan.analysis.clv"
local churn_analysis = require "custan.analysis.churn"
local experiment_analysis = require "custan.analysis.experiment"
local funnel_analysis = require "custan.analysis.funnel"
local cohort_analysis = require "custan.analysis.cohort"
local clv = require "custan.clv"
local dist = require "custan.dist"

local M = {}

local function merged(...)
  local out = {}
  for _, t in ipairs{...} do
    for k, v in pairs(t or {}) do out[k] = v end
  end
  return out
end

-- "YYYY-MM-DD" of a timestamp column's min or max (text or microseconds)
local function day_of(ts)
  if type(ts) == "number" then return date.format(ts):sub(1, 10) end
  return tostring(ts):sub(1, 10)
end

-- ------------------------------------------------------------------ read --

--- Reads and cleans the log once; every later stage uses ctx.tx.  Sets
-- ctx.as_of (default: the day of the last purchase) and keeps the rows up
-- to it.  Its summary is the data-quality report.
-- Under mpirun, with the log in files: rank r reads the r-th run of the
-- files (runs in file order), one file at a time, and each file's rows go
-- to the rank owning their customer (custan.dist.exchange_parts) before
-- the next is read, so a rank never holds more than its share and one
-- file.  Each rank ends with all of its customers' rows in the log's order
-- (the pieces put in order of sending rank, then file), and `_row`, each
-- row's place in the whole log (for ctx:log()).  Rows without a customer
-- go by their order id, so an order stays whole.  Returns the rank's frame
-- and the read's facts for the whole log.
local function read_partitioned(ctx, o)
  local files = transactions.files(ctx.input)
  local size, rank = dist.size(), dist.rank()
  local function run_of(r) return #files * r // size + 1, #files * (r + 1) // size end
  local first, last = run_of(rank)
  -- the rows before each of this rank's files: every file's row count
  -- is known only once read, so _row counts from this rank's start and
  -- is shifted when all counts are in
  local pieces, mine, rows, skipped, lines, template = {}, {}, 0, 0, {}, nil
  local most = 0
  for r = 0, size - 1 do
    local a, b = run_of(r)
    most = math.max(most, b - a + 1)
  end
  for k = 1, most do -- every rank exchanges `most` times, with nothing when out of files
    local path = first + k - 1 <= last and files[first + k - 1] or nil
    local tx, info
    if path then
      tx, info = transactions.read(path, o)
      tx._row = tx.purchase:cast("int64"):fill(0) * 0 + 1
      tx._row = tx._row:cumsum() + rows
      rows, skipped = rows + info.rows, skipped + info.skipped_bad_rows
      for _, l in ipairs(info.skipped_lines or {}) do lines[#lines + 1] = l end
      mine[#mine + 1] = tx:nrows()
      template = template or tx:slice(1, 0)
    end
    pieces[k] = dist.exchange_parts(tx, "customer", "order")
    tx = nil -- luacheck: ignore
  end
  -- every rank's rows and skipped lines, to number rows and report the read
  local counts = dist.allgather({#mine > 0 and rows or 0, lines})
  local before, all_lines, total = 0, {}, 0
  for r, c in ipairs(counts) do
    if r <= rank then before = before + math.tointeger(c[1]) end
    total = total + math.tointeger(c[1])
    for _, l in ipairs(c[2]) do all_lines[#all_lines + 1] = math.tointeger(l) end
  end
  -- in the log's order: by the sending rank, then its files in turn
  local offsets = {}
  for r = 1, size do
    offsets[r] = 0
    for q = 1, r - 1 do offsets[r] = offsets[r] + math.tointeger(counts[q][1]) end
  end
  local ordered = {}
  for r = 1, size do
    for k = 1, most do
      local f = pieces[k][r]
      if f then
        f._row = f._row + offsets[r] -- from the sender's count to the log's
        ordered[#ordered + 1] = f
      end
      pieces[k][r] = false
    end
  end
  -- a rank that got no rows still needs the log's columns
  local templates = dist.allgather_frames(template)
  if #templates == 0 then error(ctx.input .. ": no rows", 0) end
  local tx = dist.concat(ordered) or templates[1]
  local bad = math.tointeger(dist.sum(skipped))
  return tx, {path = ctx.input, rows = total, skipped_bad_rows = bad, skipped_lines = all_lines}
end

-- A number over every rank (with one rank, the number itself): fn is
-- dist.sum, max or min; `none` stands in for a rank's nil and comes back
-- as nil when every rank had nil.
local function global(fn, value, none)
  if dist.size() == 1 then return value end
  local v = fn(value or none)
  if v == none then return nil end
  return math.tointeger(v) or v
end

M.read = {name = "read", title = "read and clean", run = function(ctx, options)
  local o = merged(ctx.options, options)
  local tx, info
  ctx.partitioned = dist.size() > 1 and type(ctx.input) ~= "userdata"
  if ctx.partitioned then
    tx, info = read_partitioned(ctx, o)
  else
    tx, info = transactions.read(ctx.input, o)
  end
  ctx.event_log = tx:has("event")
  ctx.counts_only = transactions.counts_only(o)
  local purchases = tx:filter(tx.purchase)
  local npurchases = global(dist.sum, purchases:nrows())
  if npurchases == 0 then error(tostring(ctx.input) .. ": no purchase rows", 0) end
  local function ts(v) return type(v) == "string" and date.parse(v) or v end
  local last = day_of(global(dist.max, ts(purchases.date:max()), -math.huge))
  local first = day_of(global(dist.min, ts(purchases.date:min()), math.huge))
  ctx.first_purchase = first
  ctx.as_of = o.as_of or last
  if not date.parse(ctx.as_of) then error("--as-of: not a date: " .. tostring(ctx.as_of), 0) end
  if ctx.as_of < first then
    error(string.format("--as-of %s is before the first purchase (%s)", ctx.as_of, first), 0)
  end
  local after = tx.date:gt(ctx.as_of .. " 23:59:59"):fill(false)
  local rows_after = after:sum()
  ctx.tx = rows_after > 0 and tx:filter(~after) or tx
  local month_end = date.add_days(date.add_months(ctx.as_of:sub(1, 8) .. "01", 1), -1)
  -- customers are disjoint across ranks, so their counts add
  local n = dist.sum({tx.cancelled:sum(), tx.customer:nmissing(), rows_after,
                      purchases.customer:n_unique()})
  for i = 1, #n do n[i] = math.tointeger(n[i]) end
  local q = {
    input = ctx.input, rows = info.rows, skipped_bad_rows = info.skipped_bad_rows,
    skipped_lines = info.skipped_lines, cancelled_rows = n[1],
    purchase_rows = math.tointeger(npurchases), rows_without_customer = n[2],
    first_purchase = first, last_purchase = last, as_of = ctx.as_of, rows_after_as_of = n[3],
    customers = n[4],
    -- the last calendar month is partial unless as_of is its last day
    partial_last_month = ctx.as_of ~= month_end,
    days_in_last_month = tonumber(ctx.as_of:sub(9, 10)),
    event_log = ctx.event_log or nil, counts_only = ctx.counts_only or nil,
  }
  local warnings = {}
  local skipped = transactions.skipped_message(info)
  if skipped then warnings[#warnings + 1] = skipped end
  if q.rows_without_customer > 0 then
    warnings[#warnings + 1] = string.format("%s rows have no customer id and are left out of " ..
      "every per-customer result", q.rows_without_customer)
  end
  ctx.quality = q
  -- the customer summaries stream the file as rfm.lua and clv.lua do (the
  -- same sums in the same order, so the same digits); a log given as a
  -- frame is summarised from the frame
  ctx.source = type(ctx.input) == "string" and ctx.input or ctx.tx
  if ctx.partitioned then
    -- under mpirun the summaries are of each rank's customers' rows, held
    -- here, and gathered (exact sums: the same digits as from the file);
    -- every stage's analysis hears so through the options
    ctx.source = ctx.tx
    ctx.options.partitioned, ctx.options.source_name = true, ctx.input
    ctx.options.source_skipped_bad_rows = q.skipped_bad_rows
  end
  ctx:progress("read %s rows (%s purchases, %s customers) up to %s", q.rows, q.purchase_rows,
    q.customers, ctx.as_of)
  if ctx.partitioned then -- how the log is spread: each rank holds its customers' rows
    local n = ctx.tx:nrows()
    ctx:progress("the %d ranks hold %d to %d rows each (their customers')", dist.size(),
      math.tointeger(dist.min(n)), math.tointeger(dist.max(n)))
  end
  return {kind = "read", summary = q, warnings = warnings, tables = {}}
end}

-- ------------------------------------------------------------- customers --

-- Revenue, orders and customers by week and segment, weeks counted back
-- from the end of as_of (week 0 is its last 7 days, so the last 4 weeks
-- are exactly 28 days) and labelled by their first day; a customer is new
-- in the week of their first purchase.  Orders are distinct order ids, or
-- purchase days where the log has none.  Also the last 4 weeks against the
-- 4 before (the operational dashboard's tiles).
local WEEK_US = 7 * 86400 * 1000000
local function weekly_tables(ctx, customers)
  local tx = ctx.tx
  local p = tx:filter(tx.purchase & ~tx.customer:is_missing())
  local end_us = date.parse(ctx.as_of .. " 23:59:59") + 1000000
  -- (end - ts - 1 us): a purchase at midnight starting a week belongs to it
  local function week_of(ts) return ((-ts:cast("int64") + (end_us - 1)) / WEEK_US):floor():cast("int64") end
  local first = customers:select{"customer"}
  first.first_week = week_of(customers.first_purchase:cast("timestamp"))
  first.segment = customers.segment
  local key = join.align(p.customer, first:col("customer"))
  local t = custan.frame({customer = key, week = week_of(p.date), amount = p.amount,
    order = p:has("order") and p.order or p.date:floor("day")}, {"customer", "week", "amount", "order"})
  local per = t:group_by({"week", "customer"}):agg{{"amount", "sum", as = "revenue"},
    {"order", "n_unique", as = "orders"}}
  per = per:join(first, "customer", {how = "left"})
  per.new = per.first_week:eq(per.week):fill(false):cast("int64")
  -- sums of the customers' weekly sums, exact: the same bits in any order,
  -- and under mpirun every rank's customers merged (custan.dist.merge_groups)
  local specs = dist.exact_sum_specs("revenue", "revenue")
  for _, spec in ipairs{{"orders", "sum", as = "orders"}, {"customer", "size", as = "customers"},
      {"new", "sum", as = "new_customers"}} do specs[#specs + 1] = spec end
  local w = per:group_by({"week", "segment"}):agg(specs)
  if ctx.partitioned then
    w = dist.merge_groups(w, {"week", "segment"},
      {revenue = "exact", orders = "sum", customers = "sum", new_customers = "sum"})
  end
  w.returning_customers = w.customers - w.new_customers
  local labels = {}
  w.week = w.week:map(function(k)
    labels[k] = labels[k] or date.add_days(ctx.as_of, -7 * k - 6)
    return labels[k]
  end, "string")
  w = w:sort({"week", "segment"})
  local function period(from, to)
    local x = per:filter(per.week:ge(from) & per.week:le(to))
    local revenue, n = x.revenue:exact_sum(), {x.orders:sum(), x.customer:n_unique()}
    if ctx.partitioned then -- customers are each on one rank: their counts add
      revenue, n = dist.exact_sum(x.revenue), dist.sum(n)
    end
    local orders = math.tointeger(n[1])
    return {revenue = revenue, orders = orders, customers = math.tointeger(n[2]),
      average_order_value = orders > 0 and revenue / orders or nil}
  end
  return w:select{"week", "segment", "revenue", "orders", "customers", "new_customers",
    "returning_customers"}, {weeks = 4, last = period(0, 3), previous = period(4, 7)}
end

--- The customer summary and the RFM segments (rfm.lua's analysis): the
-- customer table starts here, one row per customer with a purchase.
M.customers = {name = "customers", title = "customer summary and RFM segments",
  run = function(ctx, options)
  local o = merged(ctx.options, {period = "day", ["end"] = ctx.as_of}, options)
  local doc = rfm_analysis.run(ctx.source, o)
  ctx.customers = doc.customers:copy()
  -- each segment's recommended action, from the rules
  local actions = doc.segments:select{"segment", "action"}:rename{action = "segment_action"}
  ctx:add(ctx.customers:select{"customer", "segment"}:join(actions, "segment", {how = "left"}),
    {"segment_action"})
  -- orders per 90 days of a customer's life so far (at least 90 days): the
  -- example policies' expected orders
  ctx.customers.orders_90d = ctx.customers.orders:cast("float64") /
    ctx.customers.tenure_days:cast("float64"):clip(90, math.huge) * 90
  doc.weekly, doc.summary.periods = weekly_tables(ctx, ctx.customers)
  doc.tables[#doc.tables + 1] = {"weekly.csv", doc.weekly}
  return doc
end}

-- --------------------------------------------------------------- cohorts --

--- Monthly acquisition cohorts and their retention with the sBG
-- projection, revenue concentration, ABC products and countries
-- (cohort.lua's analysis on the log up to as_of).  options: cohort.lua's.
M.cohorts = {name = "cohorts", title = "cohorts, concentration, products, countries",
  run = function(ctx, options)
  if ctx.counts_only then return nil end -- shares of revenue need amounts
  -- under mpirun each rank's customers; the analysis merges the ranks' tables
  return cohort_analysis.run(ctx.tx, merged(ctx.options, options, {partitioned = ctx.partitioned}))
end}

-- ---------------------------------------------------------- segmentation --

-- Whether a fitted mixture is degenerate: no convergence, or a component
-- holding almost nobody (collapsed onto repeated values).
local function degenerate(doc)
  if not doc.model.converged then return "did not converge" end
  local n, tiny = doc.summary.customers, 0
  for _, r in ipairs(doc.profile:to_rows()) do
    if r.customers < math.max(2, 0.005 * n) then tiny = tiny + 1 end
  end
  if tiny > 0 then return string.format("%d component%s held fewer than 0.5%% of the customers", tiny,
    tiny == 1 and "" or "s") end
end

--- Segmentation (segment.lua's analysis) on log-scaled, standardised
-- recency, orders and revenue: a Gaussian mixture by default; when it is
-- degenerate, k-means instead, and the output says so.  options: method
-- ("gmm" | "kmeans"), k (4) or k_min and k_max, features, seed.
M.segments = {name = "segments", title = "segmentation", run = function(ctx, options)
  local o = merged({method = "gmm", k_min = 4, k_max = 4, seed = ctx.options.seed or 1,
    id = "customer"}, options)
  if o.k then o.k_min, o.k_max = o.k, o.k end
  local input = ctx.customers:copy()
  local doc = segment_analysis.run(input, o)
  if o.method == "gmm" then
    local why = degenerate(doc)
    if why then
      local fallback = merged(o, {method = "kmeans"})
      doc = segment_analysis.run(ctx.customers:copy(), fallback)
      doc.warnings[#doc.warnings + 1] = string.format("the Gaussian mixture was degenerate (%s); " ..
        "the segments are k-means' instead", why)
      doc.summary.fallback = {from = "gmm", to = "kmeans", reason = why}
    end
  end
  ctx.customers.cluster = doc.customers.cluster
  ctx.customers.cluster_segment = doc.customers.cluster_segment
  ctx:progress("segments: %s, k = %d", doc.summary.method, doc.summary.k)
  return doc
end}

-- -------------------------------------------------------------------- clv --

-- The model diagnostics lifetimes and CLVTools users know (the dashboards'
-- diagnostics page): the frequency/recency matrices of expected purchases
-- in the next month and of P(alive) at the largest T, customers by number
-- of repeat purchases against a simulation from the fitted model, the
-- calibration model's holdout purchases by calibration frequency, and
-- repeat transactions per week against the calibration model, into the
-- holdout.
local function diagnostics(ctx, doc, calibration, chosen, o)
  local model = doc.models[doc.best]
  local s = doc.customers
  local T = s.T:max()
  local F = math.min(math.tointeger(s.frequency:max()) or 0, 30)
  local step = math.max(1, math.ceil(T / 26))
  local f, r, t = {}, {}, {}
  for x = 0, F do
    for rec = 0, math.floor(T), step do
      if x > 0 or rec == 0 then f[#f + 1], r[#r + 1], t[#t + 1] = x, rec, T end
    end
  end
  local grid = custan.frame({frequency = custan.column(f, "float64"), recency = custan.column(r, "float64"),
    T = custan.column(t, "float64")}, {"frequency", "recency", "T"})
  local month = clv.per_month[o.unit] or 4.345
  grid.expected = model:conditional(grid, month)
  grid.p_alive = model:p_alive(grid)
  local d = {model = doc.best, params = model:parameters(), T = T, horizon = month, unit = o.unit,
    frequency_recency = grid, holdout_start = doc.summary.selection and doc.summary.selection.holdout_start}
  -- customers by repeat purchases: actual, and one simulation of the same
  -- customers' ages from the fitted model (seeded)
  local cap = 7
  local function counts(freq)
    local c = {}
    for i = 0, cap do c[i] = 0 end
    for _, v in ipairs(freq:to_table()) do
      local k = math.min(math.floor(v), cap)
      c[k] = c[k] + 1
    end
    return c
  end
  local ok, sim = pcall(clv.simulate, doc.best, model:parameters(), s.T,
    {seed = ctx.options.seed or 1, resolution = o.period == "day" and 1 / 7 or 0})
  local actual, simulated = counts(s.frequency), ok and counts(sim.frequency) or nil
  local rows = {}
  for k = 0, cap do
    rows[#rows + 1] = {frequency = k == cap and (cap .. "+") or tostring(k), actual = actual[k],
      simulated = simulated and simulated[k]}
  end
  d.period_transactions = custan.from_rows(rows, {"frequency", "actual", "simulated"})
  local cmodel = calibration.models[chosen.model]
  if cmodel and calibration.customers:has("frequency_holdout") then
    d.holdout_by_frequency = clv.holdout_by_frequency(cmodel, calibration.customers)
    local purchases = transactions.purchases(ctx.tx, {"customer", "date"})
    purchases = purchases:filter(~purchases.customer:is_missing())
    d.tracking = clv.tracking(cmodel, purchases, {customer = "customer", date = "date", unit = o.unit,
      partitioned = ctx.partitioned})
  end
  doc.diagnostics = d
  local t = doc.tables
  t[#t + 1] = {"frequency_recency.csv", grid}
  t[#t + 1] = {"period_transactions.csv", d.period_transactions}
  t[#t + 1] = {"holdout_by_frequency.csv", d.holdout_by_frequency}
  t[#t + 1] = {"tracking.csv", d.tracking}
  doc.summary.diagnostics = {model = d.model, params = d.params, T = T, horizon = month,
    unit = o.unit, holdout_start = d.holdout_start}
end

--- CLV per customer (clv.lua's analysis).  The purchase model is chosen by
-- its mean absolute error on a holdout split off the end of the log (the
-- last quarter of its span, or options.holdout_start), then refitted on
-- the whole log; Gamma-Gamma spend; CLV with its interval.  options:
-- models ({"bgnbd", "mbgnbd", "pareto"}), holdout_start, horizon (12
-- months), discount, margin, draws (100), unit ("week").
M.clv = {name = "clv", title = "purchase and spend models, CLV", run = function(ctx, options)
  local o = merged({model = "all", unit = "week", horizon = 12, draws = 100,
    seed = ctx.options.seed or 1}, ctx.options, options)
  o["end"] = ctx.as_of
  local first = ctx.first_purchase or day_of(ctx.tx:filter(ctx.tx.purchase).date:min())
  local span = date.days_between(first, ctx.as_of)
  local holdout_start = o.holdout_start or date.add_days(first, math.floor(span * 0.75) + 1)
  local calibration = clv_analysis.run(ctx.source, merged(o, {holdout_start = holdout_start, draws = 0}))
  local rows = calibration.summary.comparison
  -- rank by holdout error among the fits that converged; refit the best on
  -- the whole log, and take the next when that refit sits at the edge of
  -- what the data identify (a Pareto/NBD with no dropout) or has no
  -- standard errors (then it cannot carry its uncertainty)
  local ranked = {}
  for _, r in ipairs(rows) do
    if calibration.models[r.model].converged and r.holdout_mae then ranked[#ranked + 1] = r end
  end
  table.sort(ranked, function(x, y)
    if x.holdout_mae ~= y.holdout_mae then return x.holdout_mae < y.holdout_mae end
    return x.model < y.model
  end)
  if #ranked == 0 then ranked = {rows[1]} end
  local doc, chosen, passed_over = nil, nil, {}
  for _, r in ipairs(ranked) do
    local d = clv_analysis.run(ctx.source, merged(o, {model = r.model, holdout_start = false}))
    local m = d.models[r.model]
    local p, v = clv_analysis.edge_parameter(m)
    local why = not m.converged and "did not converge" or p and string.format("%s = %.4g", p, v)
      or (m.cov == nil and "no standard errors") or nil
    if not why or not doc then doc, chosen = d, r end
    if not why then break end
    passed_over[#passed_over + 1] = string.format("%s (whole-log fit: %s)", r.model, why)
    r.note = "whole-log fit: " .. why
  end
  if #passed_over > 0 then
    doc.warnings[#doc.warnings + 1] = string.format("passed over for the lowest holdout error: %s",
      table.concat(passed_over, ", "))
  end
  ctx:progress("clv: %s chosen (holdout MAE %.3f from %s)", chosen.model, chosen.holdout_mae or 0,
    holdout_start)
  doc.summary.selection = {holdout_start = holdout_start, calibration_end = date.add_days(holdout_start, -1),
    chosen = chosen.model, by = "holdout mean absolute error per customer", comparison = rows,
    holdout_length = calibration.summary.holdout_length}
  doc.tables[#doc.tables + 1] = {"holdout_comparison.csv", custan.from_rows(rows,
    {"model", "k", "loglik", "aic", "bic", "converged", "holdout_mae", "holdout_total_error",
     "holdout_relative_error", "note"})}
  for _, w in ipairs(calibration.warnings) do doc.warnings[#doc.warnings + 1] = "holdout fit: " .. w end
  local cols = {}
  for _, c in ipairs{"p_alive", "expected_purchases", "expected_spend", "clv", "clv_low", "clv_high"} do
    if doc.customers:has(c) then cols[#cols + 1] = c end
  end
  ctx:add(doc.customers, cols)
  diagnostics(ctx, doc, calibration, chosen, o)
  -- what the policies need to take their baseline from the models
  ctx.clv = {purchase = doc.models[doc.best], spend = doc.spend, summary = doc.customers,
             unit = o.unit, horizon = o.horizon, discount = o.discount, margin = o.margin}
  return doc
end}

-- ------------------------------------------------------------------ churn --

--- Churn (churn.lua's analysis): trained on the labelled window before
-- as_of (customers buying in the window's days before it, or not), every
-- customer then scored as of as_of.  options: window (90 days), model
-- ("all"), and churn.lua's others.
M.churn = {name = "churn", title = "churn model and scores", run = function(ctx, options)
  local o = merged({window = 90, model = "all", seed = ctx.options.seed or 1}, ctx.options, options)
  o.cutoff = o.cutoff or date.add_days(ctx.as_of, -o.window)
  o.as_of = ctx.as_of
  o.progress = function(what) ctx:progress("churn: %s", what) end
  o.partitioned = ctx.partitioned
  local doc = churn_analysis.train(ctx.tx, o)
  ctx:add(doc.current, {"churn_probability", "risk_tier"})
  -- the same model's scores 4 weeks earlier, for the dashboards' "against
  -- the 4 weeks before" (customers with a purchase by then)
  local before = date.add_days(ctx.as_of, -28)
  local ok, prev = pcall(function()
    local churn = require "custan.churn"
    local then_, _ = churn.customers(ctx.tx, {cutoff = before, activity_days = o.activity_days,
                                              partitioned = ctx.partitioned})
    local X = churn.build(then_, doc.definition, doc.state, {window = o.window})
    local p = doc.model:predict(X)
    local tiers = churn.tiers(p, churn.load_tiers(o.tiers))
    local r = {as_of = before, customers = then_:nrows(), churn_rate = p:mean(),
               at_risk = tiers:eq("High"):fill(false):sum()}
    -- value at stake then: the same CLV models on the customers' summaries
    -- as of that day
    local m = ctx.clv
    if m and m.spend then
      local rfm = require "custan.rfm"
      local s = rfm.summary(ctx.tx, {period = "day", unit = m.unit, ["end"] = before,
                                     partitioned = ctx.partitioned})
      local v = clv.clv(m.purchase, m.spend, s, {horizon = m.horizon, unit = m.unit,
        discount = m.discount, margin = m.margin})
      local scores = custan.frame({customer = then_:col("customer"), p = p}, {"customer", "p"})
      local values = custan.frame({customer = s:col("customer"), clv = v}, {"customer", "clv"})
      local j = scores:join(values, "customer", {how = "left"})
      r.value_at_stake = (j.p * j.clv:fill(0)):sum()
    end
    return r
  end)
  if ok then doc.summary.previous_scoring = prev end
  local c = ctx.customers
  -- value at stake: the CLV a customer takes along if they leave
  if c:has("clv") then c.value_at_stake = c.churn_probability * c.clv:fill(0) end
  return doc
end}

-- --------------------------------------------------------------- policies --

-- The library's default policies (lua/custan/rules/policies/).
local function default_policies()
  local out = {}
  for _, name in ipairs{"winback_at_risk", "vip_perks"} do
    local path = package.searchpath("custan.rules.policies." .. name, package.path)
    if path then out[#out + 1] = path end
  end
  return out
end

--- Policy scenarios (experiment.lua's analysis) on the joined customer
-- table.  A policy with `baseline = "clv"` takes each customer's P(alive),
-- expected purchases and order value from the CLV models, and its draws
-- also draw the models' parameters.  options: policies (paths; default
-- --policy, else the library's), draws (10,000), parameter_sets (100).
M.policies = {name = "policies", title = "policy scenarios", run = function(ctx, options)
  local o = merged({draws = 10000, parameter_sets = 100, seed = ctx.options.seed or 1},
    options, {policies = ctx.options.policies, draws = ctx.options.policy_draws})
  if ctx.counts_only then
    ctx.warnings[#ctx.warnings + 1] = "the log has no amounts: no policy can be valued, so " ..
      "the policies stage did not run"
    return nil
  end
  if not o.policies or #o.policies == 0 then o.policies = default_policies() end
  local sets
  if ctx.clv and o.parameter_sets > 0 then
    local seed = o.seed
    local p = clv.parameter_draws(ctx.clv.purchase, o.parameter_sets, seed, 11)
    local s = ctx.clv.spend and clv.parameter_draws(ctx.clv.spend, o.parameter_sets, seed, 12)
    if p and s then
      sets = {}
      for k = 1, o.parameter_sets do sets[k] = {purchase = p[k], spend = s[k]} end
    else
      ctx.warnings[#ctx.warnings + 1] = "the CLV models have no standard errors: the policies' " ..
        "intervals leave out the models' uncertainty"
    end
  end
  local doc = experiment_analysis.scenarios(ctx.customers, {policies = o.policies, draws = o.draws,
    seed = o.seed, id = "customer", segment = "segment", clv = ctx.clv, parameter_sets = sets,
    precision = o.precision})
  ctx:progress("policies: %d scenarios, %d draws each", #doc.results, o.draws)
  return doc
end}

-- ----------------------------------------------------------- test design --

-- Each contacted customer's revenue over the last `days` days (0 when
-- none), in the order of `ids` (a frame with a customer column).
local function recent_revenue(ctx, ids, days)
  local from = date.add_days(ctx.as_of, -days) .. " 23:59:59"
  local tx = ctx.tx
  local recent = tx:filter(tx.purchase & tx.date:gt(from)):group_by("customer")
    :agg{{"amount", "sum", as = "revenue"}}
  if ctx.partitioned then -- each rank's own customers, joined below by id
    recent = dist.allgather_frame(recent)
  end
  local t = ids:select{"customer"}
  recent.customer = join.align(recent:col("customer"), t:col("customer"))
  return t:join(recent, "customer", {how = "left"}):col("revenue"):fill(0)
end

--- The test that would prove the best scenario (the highest expected net
-- value), between its contacted customers and a control group of the
-- same kind, over the policy's horizon (the time its outcome needs to
-- show).  When the scenario mainly keeps customers (an expected retention
-- lift of at least `min_lift`, 0.005), the outcome is retention: a test of
-- two proportions at the contacted customers' baseline.  Otherwise (it
-- mainly makes customers buy more) the outcome is revenue per customer:
-- a test of two means, with the standard deviation of those customers'
-- revenue over the last horizon.  Two-sided, alpha 0.05, power 0.8.  When
-- the customers are too few, the effect they could detect instead.
M.test_design = {name = "test_design", title = "the test of the best scenario",
  run = function(ctx, options)
  local o = merged({alpha = 0.05, power = 0.8, min_lift = 0.005}, options)
  local scen = ctx.results.policies
  if not scen or #scen.results == 0 then return nil end
  local best
  for _, r in ipairs(scen.results) do
    if not best or r.total.net.mean > best.total.net.mean then best = r end
  end
  local contacted = best.contacted
  local horizon = best.horizon_days or 90
  local summary = {scenario = best.name, contacted = contacted, expected_net = best.total.net.mean,
    p_positive = best.total.p_positive, pays = best.total.net.mean > 0, alpha = o.alpha,
    power = o.power, duration_days = horizon}
  local warnings = {}
  if not summary.pays then
    warnings[#warnings + 1] = string.format("no scenario is expected to pay; '%s' loses least " ..
      "(%.0f): rework the offers before testing one", best.name, best.total.net.mean)
  end
  local tf = best.targeting_frame
  local who = tf:filter(tf.contacted):select{"customer"}
  if contacted < 4 then
    warnings[#warnings + 1] = string.format("'%s' contacts %d customers: too few to test", best.name, contacted)
    return {kind = "test_design", summary = summary, warnings = warnings, tables = {}}
  end
  local lift = best.total.retention_lift or 0
  local design
  if lift >= o.min_lift then
    local churn = ctx.customers:select{"customer", "churn_probability"}
    local base = 1 - who:join(churn, "customer", {how = "left"}).churn_probability:fill(0.5):mean()
    summary.metric, summary.outcome = "proportion", string.format("bought again within %d days", horizon)
    summary.baseline, summary.effect = base, math.min(lift, 1 - base - 1e-9)
    design = {metric = "proportion", baseline = base}
  else
    local revenue = recent_revenue(ctx, who, horizon)
    summary.metric, summary.outcome = "mean", string.format("revenue per customer over %d days", horizon)
    summary.baseline, summary.sd = revenue:mean(), revenue:std(1)
    summary.effect = best.total.revenue.mean / contacted
    design = {metric = "mean", sd = summary.sd}
  end
  if not (summary.effect > 0) or (summary.sd and not (summary.sd > 0)) then
    warnings[#warnings + 1] = string.format("'%s' expects no effect on %s to test", best.name, summary.outcome)
    return {kind = "test_design", summary = summary, warnings = warnings, tables = {}}
  end
  local d = experiment_analysis.design(merged(design, {mde = summary.effect, alpha = o.alpha,
    power = o.power})).summary
  summary.per_arm, summary.total = d.n_per_arm, d.n_total
  summary.feasible = d.n_total <= contacted
  if not summary.feasible then
    local avail = experiment_analysis.design(merged(design, {n = math.floor(contacted / 2),
      alpha = o.alpha, power = o.power})).summary
    summary.detectable_effect = avail.mde
    warnings[#warnings + 1] = string.format("proving '%s' on %s needs %d customers but it " ..
      "contacts %d; half of them against the other half detect an effect of %.4g, not the " ..
      "expected %.4g", best.name, summary.outcome, d.n_total, contacted, avail.mde or 0, summary.effect)
  end
  return {kind = "test_design", summary = summary, warnings = warnings, tables = {}}
end}

-- ---------------------------------------------------------------- funnel --

--- View -> cart -> purchase conversion of an event log (RetailRocket's
-- layout): overall, per RFM segment and per week (funnel.lua's analysis).
-- An order log has no funnel: the stage then does nothing.
M.funnel = {name = "funnel", title = "event funnel", run = function(ctx, options)
  if not ctx.tx:has("event") then return nil end
  local doc = funnel_analysis.run(ctx.tx, merged(ctx.options, {segments = ctx.customers,
    partitioned = ctx.partitioned}, options))
  local f = doc.summary.overall
  ctx:progress("funnel: %d visitors, view -> cart %.3f, cart -> purchase %.3f", f.visitors,
    f.view_to_cart or 0, f.cart_to_purchase or 0)
  return doc
end}

-- --------------------------------------------------------------- recovery --

--- The results against a generated world's truth (--truth FILE, from
-- generate.lua; custan.analysis.recovery); nothing without one.
M.recovery = {name = "recovery", title = "results against the truth", run = function(ctx, options)
  local path = (options or {}).truth or ctx.options.truth
  if not path then return nil end
  local doc = require("custan.analysis.recovery").run(ctx, path)
  local s = doc.summary
  ctx:progress("recovery: adjusted Rand %.3f, churn AUC %.3f against the truth",
    s.segments and s.segments.adjusted_rand or 0 / 0, s.churn and s.churn.roc_auc_truth or 0 / 0)
  return doc
end}

--- The default order of the stages (lua/custan/rules/pipeline.lua lists them).
M.default = {"read", "customers", "cohorts", "segments", "clv", "churn", "recovery", "policies",
  "test_design", "funnel"}

return M
