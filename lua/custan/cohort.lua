--- Cohorts and purchase behaviour from a transaction log.
-- Every table is built from column operations and group-bys in C; the
-- choices (what a purchase is, ABC thresholds, the share called "top")
-- are options here.
--
-- Under mpirun a pipeline's purchases are partitioned by customer across
-- the ranks (each rank holds its own customers' rows, and an order's rows
-- without a customer stay together); the functions below take
-- `partitioned = true` and then merge every rank's partial tables
-- (custan.dist.merge_groups), so each rank returns what one process
-- returns for the whole log, to the bit: sums of money are exact.
-- @module custan.cohort

local custan = require "custan"
local dist = require "custan.dist"
local transactions = require "custan.data.transactions"

local M = {}

--- The purchase rows of a transaction frame, as a frame with the
-- columns customer, date, amount and, where the file has them, order,
-- product and country.  Purchases and cancellations are told apart by the
-- same rule as every script (custan.data.transactions); rows without a
-- customer are kept (they count in revenue and orders, not in customers).
-- @tparam frame tx
-- @tparam[opt] table options column names and rules, as custan.rfm
function M.purchases(tx, options)
  local o = transactions.options(options)
  local c = transactions.columns(tx, o)
  local cols, order = {customer = c.customer, date = c.date, amount = c.amount},
    {"customer", "date", "amount"}
  for _, role in ipairs{"order", "product", "country"} do
    if c[role] then cols[role], order[#order + 1] = c[role], role end
  end
  local keep = c.purchase
  if o["end"] then keep = keep & c.date:le(o["end"]:sub(1, 10) .. " 23:59:59") end
  return custan.frame(cols, order):filter(keep)
end

local function month_index(ts)
  return ts:year() * 12 + ts:month()
end

-- a frame every rank made of its own customers, concatenated on every rank
local function gathered(frame, partitioned)
  if not (partitioned and dist.size() > 1) then return frame end
  return dist.allgather_frame(frame)
end

-- specs with an exact float64 sum (and its rests when partitioned)
local function with_sum(specs, column, as)
  for _, spec in ipairs(dist.exact_sum_specs(column, as)) do specs[#specs + 1] = spec end
  return specs
end

--- Monthly acquisition cohorts by months since the first purchase.
-- @tparam frame p purchases (M.purchases)
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
-- @return a frame: cohort (first month), age (months since), active
--   (customers buying that month), size (the cohort's customers),
--   retention (active / size), revenue; by cohort and age
function M.cohorts(p, partitioned)
  local known = p:filter(~p.customer:is_missing())
  known.month = known.date:floor("month")
  known.cohort = known:group_by("customer"):transform("month", "min")
  known.age = month_index(known.month) - month_index(known.cohort)
  local t = known:group_by{"cohort", "age"}:agg(with_sum({{"customer", "n_unique", as = "active"}},
    "amount", "revenue"))
  if partitioned then t = dist.merge_groups(t, {"cohort", "age"}, {active = "sum", revenue = "exact"}) end
  t = t:sort({"cohort", "age"})
  local size = t:filter(t.age:eq(0)):select{"cohort", "active"}:rename{active = "size"}
  -- each row's cohort size: the age-0 row of its cohort
  local sizes = {}
  for _, r in ipairs(size:to_rows()) do sizes[r.cohort] = r.size end
  t.size = t.cohort:map(function(c) return sizes[c] end, "int64")
  t.retention = t.active / t.size
  return t:select{"cohort", "age", "active", "size", "retention", "revenue"}
end

--- Cohort survival for a retention model: per monthly cohort and age k,
-- the customers who buy again at age k or later.  In a non-contractual log
-- nobody says they left, so a customer counts as lost at age k when they
-- never buy at k or later, and only ages with `grace` more months of data
-- after them are used (a customer quiet for the last few months may still
-- come back).
-- @tparam frame p purchases (M.purchases)
-- @tparam[opt] table options `grace` (months, 3), `partitioned`
-- @return frame cohort, age, survivors, survival (survivors / size);
--   and an array of survivor arrays, one per cohort, for clv.fit_retention
function M.survival(p, options)
  local grace = (options or {}).grace or 3
  local known = p:filter(~p.customer:is_missing())
  -- per customer first and last purchase, then their months (on customers,
  -- not on rows)
  local per = known:group_by("customer"):agg{{"date", "min", as = "first"},
                                            {"date", "max", as = "last"}}
  per = gathered(per, (options or {}).partitioned)
  local first = month_index(per.first)
  local firsts, lasts = first:to_table(), (month_index(per.last) - first):to_table()
  local last_month = month_index(per.last):max()
  local by_cohort, order = {}, {}
  for i, f in ipairs(firsts) do
    local c = by_cohort[f]
    if not c then
      c = {first = f, lasts = {}}
      by_cohort[f] = c
      order[#order + 1] = f
    end
    c.lasts[#c.lasts + 1] = lasts[i] -- the last age at which this customer bought
  end
  table.sort(order)
  local rows, cohorts = {}, {}
  for _, first in ipairs(order) do
    local c = by_cohort[first]
    local horizon = last_month - first - grace -- ages judged with `grace` months after them
    if horizon >= 1 then
      -- survivors at k: customers whose last purchase age is k or more (a
      -- histogram of last ages, summed from the oldest age down)
      local at, survivors = {}, {}
      for _, age in ipairs(c.lasts) do
        local k = math.min(age, horizon)
        at[k] = (at[k] or 0) + 1
      end
      local acc = 0
      for k = horizon, 0, -1 do
        acc = acc + (at[k] or 0)
        survivors[k + 1] = acc
      end
      for k = 0, horizon do
        local n = survivors[k + 1]
        local y, mth = (first - 1) // 12, (first - 1) % 12 + 1
        rows[#rows + 1] = {cohort = string.format("%04d-%02d", y, mth), age = k, survivors = n,
                           survival = n / #c.lasts}
      end
      cohorts[#cohorts + 1] = survivors
    end
  end
  return custan.from_rows(rows, {"cohort", "age", "survivors", "survival"}), cohorts
end

--- Revenue concentration over customers.
-- @tparam frame p purchases
-- @tparam[opt] number top the share of customers called the top (0.2)
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
-- @return a table: top_share (of revenue from the top customers), gini,
--   customers, and lorenz (top_share, gini and lorenz are nil when the
--   total revenue is not positive), a frame of every point of the Lorenz curve:
--   customer_share (0..1) against revenue_share, customers ordered from
--   the smallest spender up
function M.concentration(p, top, partitioned)
  top = top or 0.2
  local known = p:filter(~p.customer:is_missing())
  local per = known:group_by("customer"):agg{{"amount", "sum", as = "revenue"}}
  per = gathered(per, partitioned):sort("revenue")
  local n, total = per:nrows(), per.revenue:exact_sum()
  local k = math.ceil(top * n)
  if not (total > 0) then
    -- no positive revenue: shares of it (and so the Lorenz curve and the
    -- Gini coefficient) are not defined; the caller warns
    return {customers = n, top = top, top_customers = k}
  end
  local idx = {}
  for i = 1, n do idx[i] = i end
  local position = custan.column(idx, "int64")
  local lorenz = custan.frame({
    customer_share = position / n,
    revenue_share = per.revenue:cumsum() / total,
  }, {"customer_share", "revenue_share"})
  local top_revenue = per:tail(k).revenue:exact_sum()
  -- Gini from the Lorenz curve (trapezoids): 1 - sum (L_i + L_{i-1}) / n
  local L = lorenz.revenue_share
  local area = (L:sum() * 2 - L:get(n)) / n
  return {
    customers = n,
    top = top,
    top_customers = k,
    top_share = top_revenue / total,
    gini = 1 - area,
    lorenz = custan.concat(custan.frame({customer_share = {0.0}, revenue_share = {0.0}},
      {"customer_share", "revenue_share"}), lorenz),
  }
end

--- ABC classification of products by revenue: A up to `a` of cumulative
-- revenue (0.8), B up to `b` (0.95), C the rest.
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
-- @return frame product, revenue, share, cumulative_share, class
function M.abc(p, a, b, partitioned)
  a, b = a or 0.8, b or 0.95
  if not p:has("product") then error("abc: the purchases have no product column", 2) end
  local t = p:group_by("product"):agg(with_sum({}, "amount", "revenue"))
  if partitioned then t = dist.merge_groups(t, {"product"}, {revenue = "exact"}) end
  t = t:select{"product", "revenue"}:sort({"revenue", "product"}, {desc = {true, false}})
  local total = t.revenue:exact_sum()
  t.share = t.revenue / total
  t.cumulative_share = t.revenue:cumsum() / total
  -- a product is in A while the revenue before it is under the A limit
  local before = t.cumulative_share - t.share
  t.class = before:map(function(x)
    if x < a then return "A" elseif x < b then return "B" end
    return "C"
  end, "string")
  return t
end

--- Orders and revenue by weekday (1 = Monday) and hour.
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
function M.weekday_hour(p, partitioned)
  local t = p:copy()
  t.weekday, t.hour = p.date:weekday(), p.date:hour()
  local count = p:has("order") and {"order", "n_unique", as = "orders"} or {"date", "size", as = "orders"}
  local w = t:group_by{"weekday", "hour"}:agg(with_sum({count}, "amount", "revenue"))
  if partitioned then
    w = dist.merge_groups(w, {"weekday", "hour"}, {orders = "sum", revenue = "exact"})
  end
  return w:select{"weekday", "hour", "orders", "revenue"}:sort({"weekday", "hour"})
end

--- Revenue, orders and customers by country, largest revenue first.
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
function M.by_country(p, partitioned)
  if not p:has("country") then error("by_country: the purchases have no country column", 2) end
  local specs = with_sum({{"customer", "n_unique", as = "customers"}}, "amount", "revenue")
  local how, names = {revenue = "exact", customers = "sum"}, {"country", "revenue", "customers"}
  if p:has("order") then
    specs[#specs + 1] = {"order", "n_unique", as = "orders"}
    how.orders, names[#names + 1] = "sum", "orders"
  end
  local t = p:group_by("country"):agg(specs)
  if partitioned then t = dist.merge_groups(t, {"country"}, how) end
  t = t:select(names)
  t.revenue_share = t.revenue / t.revenue:exact_sum()
  return t:sort({"revenue", "country"}, {desc = {true, false}})
end

--- Per calendar month: revenue, orders, customers, new and returning
-- customers (new: first purchase in that month), average order value.
-- @tparam[opt] boolean partitioned p is this rank's customers (mpirun)
function M.monthly(p, partitioned)
  local t = p:copy()
  t.month = p.date:floor("month")
  local orders = p:has("order") and {"order", "n_unique", as = "orders"} or {"date", "size", as = "orders"}
  local m = t:group_by("month"):agg(with_sum({orders, {"customer", "count", as = "rows_with_customer"}},
    "amount", "revenue"))
  local known = t:filter(~t.customer:is_missing())
  known.first = known:group_by("customer"):transform("month", "min")
  local active = known:group_by("month"):agg{{"customer", "n_unique", as = "customers"}}
  local new = known:filter(known.month:eq(known.first)):group_by("month")
    :agg{{"customer", "n_unique", as = "new_customers"}}
  if partitioned then
    m = dist.merge_groups(m, {"month"}, {revenue = "exact", orders = "sum", rows_with_customer = "sum"})
    active = dist.merge_groups(active, {"month"}, {customers = "sum"})
    new = dist.merge_groups(new, {"month"}, {new_customers = "sum"})
  end
  m = m:sort("month")
  local function lookup(frame, col)
    local map = {}
    for _, r in ipairs(frame:to_rows()) do map[r.month] = r[col] end
    return m.month:map(function(v) return map[v] or 0 end, "int64")
  end
  m.customers = lookup(active, "customers")
  m.new_customers = lookup(new, "new_customers")
  m.returning_customers = m.customers - m.new_customers
  m.average_order_value = m.revenue / m.orders
  return m:select{"month", "revenue", "orders", "customers", "new_customers",
    "returning_customers", "average_order_value"}
end

return M
