--- cohort.lua: acquisition cohorts and purchase behaviour.
--
--   custan run cohort.lua --input examples/data/online_retail.csv.gz
--   custan run cohort.lua --input orders.csv --output out/
--
-- Monthly cohorts by months since the first purchase (active customers,
-- retention, revenue), revenue concentration (top customers' share, Gini,
-- the Lorenz curve), ABC classes of products, orders by weekday and hour,
-- countries, and a monthly view with new and returning customers.

local custan = require "custan"
local cohort = require "custan.cohort"
local rfm = require "custan.rfm"
local cli = require "custan.cli"
local util = require "custan.util"

local p = cli.parser("cohort.lua",
  "Monthly acquisition cohorts and retention, revenue concentration, ABC classes of " ..
  "products, orders by weekday and hour, countries, and monthly revenue with new and " ..
  "returning customers.",
  "Example:\n  custan run cohort.lua --input examples/data/online_retail.csv.gz --output out/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--country", "Country column (used when the file has it).", "Country")
p:option("--end", "Leave out purchases after this date (YYYY-MM-DD).")
p:option("--top-share", "Share of customers called the top, for concentration.", "0.2")
  :convert(tonumber)
p:option("--abc", "Cumulative revenue limits of classes A and B.", "0.8,0.95")
p:option("--months", "Months of retention shown per cohort.", "12"):convert(math.tointeger)
local args = cli.parse(p, arg)
local say = cli.printer(args)

local options = cli.transaction_options(args)
options.country = args.country
options["end"] = cli.check_date(args["end"], "--end")
local limits = util.split(args.abc)
local a, b = tonumber(limits[1]), tonumber(limits[2])
if not (a and b and a > 0 and a < b and b < 1) then
  cli.usage_error("--abc needs two limits 0 < A < B < 1, e.g. 0.8,0.95")
end

-- read only the columns used, with their types declared
local read = rfm.read_options(options, cli.csv_options(args, nil, args.date))
local have = {}
for _, name in ipairs(custan.csv_columns(args.input, read)) do have[name] = true end
local wanted = {}
for _, k in ipairs{"customer", "date", "amount", "quantity", "price", "order", "product", "country"} do
  local name = options[k]
  if name and have[name] then wanted[#wanted + 1] = name end
end
read.columns = wanted
for name in pairs(read.types) do
  if not have[name] then read.types[name] = nil end
end
cli.progress(args, "reading " .. args.input)
local tx, info = custan.read_csv(args.input, read)
local enc = cli.encoding(args)
if enc then
  for _, name in ipairs(tx:names()) do
    if tx:col(name):type() == "string" then tx[name] = tx:col(name):transcode(enc) end
  end
end
local purchases = cohort.purchases(tx, options)
if purchases:nrows() == 0 then cli.fail(args.input .. ": no purchases in the file") end

local cohorts = cohort.cohorts(purchases)
local conc = cohort.concentration(purchases, args.top_share)
local abc = purchases:has("product") and cohort.abc(purchases, a, b) or nil
local hours = cohort.weekday_hour(purchases)
local countries = purchases:has("country") and cohort.by_country(purchases) or nil
local monthly = cohort.monthly(purchases)

-- Text ----------------------------------------------------------------------
say(string.format("%s: %s purchase rows, %s customers, %s .. %s", args.input,
  util.commas(purchases:nrows()), util.commas(conc.customers),
  purchases.date:min():sub(1, 10), purchases.date:max():sub(1, 10)))
if info.skipped > 0 then
  say(string.format("skipped %d bad rows (first at line %d)", info.skipped, info.skipped_lines[1]))
end
say("")
say("retention by monthly cohort (share of the cohort buying N months after its first month)")
local header = {string.format("%-8s %6s", "cohort", "size")}
for m = 1, args.months do header[#header + 1] = string.format("%5s", "+" .. m) end
say(table.concat(header, " "))
local by_cohort = {}
for _, r in ipairs(cohorts:to_rows()) do
  local key = r.cohort:sub(1, 7)
  by_cohort[key] = by_cohort[key] or {size = r.size, ret = {}}
  by_cohort[key].ret[r.age] = r.retention
end
local keys = {}
for k in pairs(by_cohort) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do
  local line = {string.format("%-8s %6d", k, by_cohort[k].size)}
  for m = 1, args.months do
    local r = by_cohort[k].ret[m]
    line[#line + 1] = r and string.format("%4.0f%%", 100 * r) or "     "
  end
  say((table.concat(line, " "):gsub("%s+$", "")))
end
say("")
say(string.format("revenue concentration: the top %d%% of customers (%s) bring %.1f%% of revenue; Gini %.3f",
  math.floor(100 * conc.top + 0.5), util.commas(conc.top_customers), 100 * conc.top_share, conc.gini))
if abc then
  local counts = {}
  for _, r in ipairs(abc:group_by("class"):agg{{"class", "size", as = "n"}, {"revenue", "sum", as = "revenue"}}:to_rows()) do
    counts[r.class] = r
  end
  local parts = {}
  for _, c in ipairs{"A", "B", "C"} do
    if counts[c] then
      parts[#parts + 1] = string.format("%s %s products (%.1f%% of revenue)", c,
        util.commas(counts[c].n), 100 * counts[c].revenue / abc.revenue:sum())
    end
  end
  say("ABC classes: " .. table.concat(parts, ", "))
end
local days = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
local by_day = hours:group_by("weekday"):agg{{"orders", "sum", as = "orders"}, {"revenue", "sum", as = "revenue"}}
say("")
say("orders by weekday: " .. table.concat((function()
  local out = {}
  for _, r in ipairs(by_day:to_rows()) do out[#out + 1] = days[r.weekday] .. " " .. util.commas(r.orders) end
  return out
end)(), ", "))
local peak = hours:sort("orders", {desc = true}):row(1)
say(string.format("busiest hour: %s %02d:00 (%s orders)", days[peak.weekday], peak.hour, util.commas(peak.orders)))
if countries then
  say("")
  say("top countries by revenue")
  for _, r in ipairs(countries:head(5):to_rows()) do
    say(string.format("  %-20s %15s %5.1f%%  %5s customers", r.country,
      util.commas(string.format("%.2f", r.revenue)), 100 * r.revenue_share, util.commas(r.customers)))
  end
end
say("")
say(string.format("%-7s %14s %7s %9s %5s %9s %8s", "month", "revenue", "orders", "customers", "new",
  "returning", "AOV"))
for _, r in ipairs(monthly:to_rows()) do
  say(string.format("%-7s %14s %7s %9s %5s %9s %8.2f", r.month:sub(1, 7),
    util.commas(string.format("%.2f", r.revenue)), util.commas(r.orders), util.commas(r.customers),
    util.commas(r.new_customers), util.commas(r.returning_customers), r.average_order_value))
end

-- Files ---------------------------------------------------------------------
local result = {
  input = args.input,
  purchase_rows = purchases:nrows(),
  customers = conc.customers,
  concentration = {top = conc.top, top_customers = conc.top_customers, top_share = conc.top_share,
    gini = conc.gini},
  cohorts = cohorts:to_rows(),
  monthly = monthly:to_rows(),
  weekday_hour = hours:to_rows(),
  countries = countries and countries:to_rows() or nil,
  abc = abc and abc:group_by("class"):agg{{"class", "size", as = "products"},
    {"revenue", "sum", as = "revenue"}}:to_rows() or nil,
}
local out = cli.output_dir(args)
if out then
  cli.write_results(out, {{"cohorts.csv", cohorts}, {"lorenz.csv", conc.lorenz}, {"abc.csv", abc},
    {"weekday_hour.csv", hours}, {"countries.csv", countries}, {"monthly.csv", monthly}}, result, say)
end
cli.print_json(args, result)
