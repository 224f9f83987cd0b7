--- Cohort analysis: monthly acquisition cohorts and retention, revenue
-- concentration, ABC products, weekday and hour, countries, and a monthly
-- view with new and returning customers; returns a result document.
-- @module custan.analysis.cohort

local cohort = require "custan.cohort"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {top_share = 0.2, abc = {0.8, 0.95}, months = 12}

--- Runs the analysis.
-- @tparam string|frame input a transaction file, or a frame read by
--   custan.data.transactions.read
-- @tparam[opt] table options the reader's, `end`, `top_share` (0.2), `abc`
--   ({A, B} cumulative revenue limits, {0.8, 0.95}), `months` (12, shown)
-- @return result document {kind = "cohort", summary, tables, ...}
function M.run(input, options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  local a, b = o.abc[1], o.abc[2]
  if not (a and b and a > 0 and a < b and b < 1) then
    error("abc needs two limits 0 < A < B < 1, e.g. {0.8, 0.95}", 0)
  end
  local tx, info
  if type(input) == "string" then
    tx, info = transactions.read(input, o)
  else
    tx, info = input, {rows = input:nrows(), skipped_bad_rows = 0, skipped_lines = {}}
  end
  local name = type(input) == "string" and input or "transactions"
  local purchases = transactions.purchases(tx)
  if purchases:nrows() == 0 then error(name .. ": no purchases in the file", 0) end
  local warnings = {}
  local revenue = purchases.amount:sum()
  local cohorts = cohort.cohorts(purchases)
  local conc = cohort.concentration(purchases, o.top_share)
  if not (revenue > 0) then
    warnings[#warnings + 1] = string.format("total revenue is %.2f: shares and the Gini " ..
      "coefficient mean nothing (are the prices or amounts right?)", revenue)
  end
  local abc = purchases:has("product") and revenue > 0 and cohort.abc(purchases, a, b) or nil
  local hours = cohort.weekday_hour(purchases)
  local countries = purchases:has("country") and revenue > 0 and cohort.by_country(purchases) or nil
  local monthly = cohort.monthly(purchases)
  local abc_classes = abc and abc:group_by("class"):agg{{"class", "size", as = "products"},
    {"revenue", "sum", as = "revenue"}} or nil
  local finite = function(x) return x == x and x or nil end
  local summary = {
    input = name,
    skipped_bad_rows = info.skipped_bad_rows,
    purchase_rows = purchases:nrows(),
    customers = conc.customers,
    first = purchases.date:min():sub(1, 10),
    last = purchases.date:max():sub(1, 10),
    concentration = {top = conc.top, top_customers = conc.top_customers,
      top_share = finite(conc.top_share), gini = finite(conc.gini)},
    cohorts = cohorts:to_rows(),
    monthly = monthly:to_rows(),
    weekday_hour = hours:to_rows(),
    countries = countries and countries:to_rows() or nil,
    abc = abc_classes and abc_classes:to_rows() or nil,
  }
  return {
    kind = "cohort", summary = summary, warnings = warnings, info = info, months = o.months,
    cohorts = cohorts, abc = abc, hours = hours, countries = countries, monthly = monthly,
    tables = {{"cohorts.csv", cohorts}, {"lorenz.csv", conc.lorenz}, {"abc.csv", abc},
      {"weekday_hour.csv", hours}, {"countries.csv", countries}, {"monthly.csv", monthly}},
  }
end

return M
