--- cohort.lua: acquisition cohorts and purchase behaviour.
--
--   custan run cohort.lua --input examples/data/online_retail.csv.gz
--   custan run cohort.lua --input orders.csv --output out/
--
-- Monthly cohorts by months since the first purchase (active customers,
-- retention, revenue), revenue concentration (top customers' share, Gini,
-- the Lorenz curve), ABC classes of products, orders by weekday and hour,
-- countries, and a monthly view with new and returning customers.
-- The work is custan.analysis.cohort; the report is custan.report.cohort.

local analysis = require "custan.analysis.cohort"
local cli = require "custan.cli"
local util = require "custan.util"

local p = cli.parser("cohort.lua",
  "Monthly acquisition cohorts and retention, revenue concentration, ABC classes of " ..
  "products, orders by weekday and hour, countries, and monthly revenue with new and " ..
  "returning customers.",
  "Example:\n  custan run cohort.lua --input examples/data/online_retail.csv.gz --output out/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--end", "Leave out purchases after this date (YYYY-MM-DD).")
p:option("--top-share", "Share of customers called the top, for concentration.", "0.2")
  :convert(tonumber)
p:option("--abc", "Cumulative revenue limits of classes A and B.", "0.8,0.95")
p:option("--months", "Months of retention shown per cohort.", "12"):convert(math.tointeger)
p:option("--retention-model", "Model fitted to the cohorts' survival: sbg, or none.", "sbg")
  :choices{"sbg", "none"}
p:option("--grace", "Months of data needed after an age before a customer counts as lost at it.",
  "3"):convert(cli.whole(1))
local args = cli.parse(p, arg)

local options = cli.transaction_options(args)
options["end"] = cli.check_date(args["end"], "--end")
options.top_share = args.top_share
options.months = args.months
options.retention_model = args.retention_model
options.grace = args.grace
local limits = util.split(args.abc)
local a, b = tonumber(limits[1]), tonumber(limits[2])
if not (a and b and a > 0 and a < b and b < 1) then
  cli.usage_error("--abc needs two limits 0 < A < B < 1, e.g. 0.8,0.95")
end
options.abc = {a, b}

cli.progress(args, "reading " .. args.input)
cli.finish(args, cli.try(analysis.run, args.input, options))
