--- Cohort analysis: monthly acquisition cohorts and retention, revenue
-- concentration, ABC products, weekday and hour, countries, and a monthly
-- view with new and returning customers; returns a result document.
-- @module custan.analysis.cohort

local custan = require "custan"
local clv = require "custan.clv"
local cohort = require "custan.cohort"
local dist = require "custan.dist"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {top_share = 0.2, abc = {0.8, 0.95}, months = 12, retention_model = "sbg",
              grace = 3}

-- The retention model fitted to the pooled cohorts' survival, with its
-- projection: survival and retention by age, observed and fitted.
local function retention_model(purchases, o, warnings)
  local survival, cohorts = cohort.survival(purchases, {grace = o.grace, partitioned = o.partitioned})
  if #cohorts == 0 then
    warnings[#warnings + 1] = "too few months of data for a retention model"
    return survival, nil
  end
  local ok, m = pcall(clv.fit_retention, cohorts, {model = o.retention_model})
  if not ok then
    warnings[#warnings + 1] = "no retention model: " .. tostring(m)
    return survival, nil
  end
  -- the observed pooled share at age k: survivors at k over the starts of
  -- the cohorts observed that long
  local observed, size, starts = {}, {}, {}
  local rows = survival:to_rows()
  for _, r in ipairs(rows) do
    observed[r.age] = (observed[r.age] or 0) + r.survivors
    if r.age == 0 then size[r.cohort] = r.survivors end
  end
  for _, r in ipairs(rows) do starts[r.age] = (starts[r.age] or 0) + size[r.cohort] end
  local projection = {}
  for k = 1, o.months + 12 do
    projection[k] = {age = k, survival = m:survival(k), retention = m:retention(k),
                     observed_survival = starts[k] and observed[k] / starts[k] or nil}
  end
  if not m.converged then
    warnings[#warnings + 1] = "the retention model did not converge: " .. tostring(m.message)
  end
  return survival, {model = m.model, params = m:parameters(), se = m.se, loglik = m.loglik,
                    converged = m.converged, grace_months = o.grace, projection = projection}
end

--- Runs the analysis.
-- @tparam string|frame input a transaction file, or a frame read by
--   custan.data.transactions.read
-- @tparam[opt] table options the reader's, `end`, `top_share` (0.2), `abc`
--   ({A, B} cumulative revenue limits, {0.8, 0.95}), `months` (12, shown),
--   `retention_model` ("sbg", or "none"), `grace` (months of data needed
--   after an age before a customer counts as lost at it, 3)
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
  local purchases = transactions.purchases(tx, {"customer", "date", "amount", "order", "product",
                                                "country"})
  tx = nil -- the log's other columns are not needed again: let the collector have them
  -- under mpirun a pipeline hands over its rank's customers' rows: every
  -- table below merges all ranks' (custan.cohort)
  local part = o.partitioned and dist.size() > 1
  local nrows = part and math.tointeger(dist.sum(purchases:nrows())) or purchases:nrows()
  if nrows == 0 then error(name .. ": no purchases in the file", 0) end
  local warnings = {}
  local amount = purchases.amount:cast("float64")
  local revenue = part and dist.exact_sum(amount) or amount:exact_sum()
  local cohorts = cohort.cohorts(purchases, part)
  local conc = cohort.concentration(purchases, o.top_share, part)
  if not (revenue > 0) then
    warnings[#warnings + 1] = string.format("total revenue is %.2f: shares and the Gini " ..
      "coefficient mean nothing (are the prices or amounts right?)", revenue)
  end
  local abc = purchases:has("product") and revenue > 0 and cohort.abc(purchases, a, b, part) or nil
  local hours = cohort.weekday_hour(purchases, part)
  local countries = purchases:has("country") and revenue > 0 and cohort.by_country(purchases, part) or nil
  local monthly = cohort.monthly(purchases, part)
  local survival, retention
  if o.retention_model and o.retention_model ~= "none" then
    survival, retention = retention_model(purchases, o, warnings)
  end
  local first, last = purchases.date:min(), purchases.date:max()
  if part then -- the first and last purchase over every rank
    first, last = nil, nil
    for _, d in ipairs(dist.allgather({purchases.date:min() or false, purchases.date:max() or false})) do
      if d[1] and (not first or d[1] < first) then first = d[1] end
      if d[2] and (not last or d[2] > last) then last = d[2] end
    end
  end
  local abc_classes = abc and abc:group_by("class"):agg{{"class", "size", as = "products"},
    {"revenue", "sum", as = "revenue"}} or nil
  local finite = function(x) return x == x and x or nil end
  local summary = {
    input = name,
    skipped_bad_rows = info.skipped_bad_rows,
    purchase_rows = nrows,
    customers = conc.customers,
    first = first:sub(1, 10),
    last = last:sub(1, 10),
    concentration = {top = conc.top, top_customers = conc.top_customers,
      top_share = finite(conc.top_share), gini = finite(conc.gini)},
    cohorts = cohorts:to_rows(),
    monthly = monthly:to_rows(),
    weekday_hour = hours:to_rows(),
    countries = countries and countries:to_rows() or nil,
    abc = abc_classes and abc_classes:to_rows() or nil,
    retention_model = retention,
  }
  return {
    kind = "cohort", summary = summary, warnings = warnings, info = info, months = o.months,
    cohorts = cohorts, abc = abc, hours = hours, countries = countries, monthly = monthly,
    tables = {{"cohorts.csv", cohorts}, {"lorenz.csv", conc.lorenz}, {"abc.csv", abc},
      {"weekday_hour.csv", hours}, {"countries.csv", countries}, {"monthly.csv", monthly},
      {"survival.csv", survival},
      {"retention_projection.csv", retention and custan.from_rows(retention.projection,
        {"age", "survival", "retention", "observed_survival"}) or nil}},
  }
end

return M
