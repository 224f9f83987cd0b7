--- rfm.lua: one row per customer from a transaction log, with RFM scores
-- and named segments.
--
--   custan run rfm.lua --input examples/data/online_retail.csv.gz
--   custan run rfm.lua --input orders.csv --rules my_rules.lua --output out/
--
-- The file streams from disk (memory grows with customers, not rows).  The
-- summary fields follow lifetimes' summary_data_from_transaction_data; the
-- scores are quantile scores 1..5; the segments come from a Lua rule file.
-- The work is custan.analysis.rfm; the report is custan.report.rfm.

local analysis = require "custan.analysis.rfm"
local cli = require "custan.cli"

local p = cli.parser("rfm.lua",
  "Summarise a transaction log per customer (frequency, recency, T, monetary value, " ..
  "orders, revenue, ...), score R, F and M from 1 to 5 and name segments from a rule file.",
  "Examples:\n" ..
  "  custan run rfm.lua --input examples/data/online_retail.csv.gz\n" ..
  "  custan run rfm.lua --input orders.csv --customer client --date day --amount total \\\n" ..
  "      --period week --end 2024-06-30 --rules my_rules.lua --output out/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--period", "Purchases in one period count once: day, week or month.", "day")
  :choices{"day", "week", "month"}
p:option("--unit", "Unit of recency and T: day, week or month (default: the period).")
  :choices{"day", "week", "month"}
p:option("--end", "Observation end (YYYY-MM-DD); later transactions are left out. " ..
  "Default: the last purchase.")
p:option("--calibration-end", "Split: calibration up to this date, holdout after it " ..
  "(adds frequency_holdout, monetary_value_holdout, duration_holdout).")
p:option("--rules", "Segment rule file (default: lua/custan/rules/segments.lua).")
p:option("--top", "Customers listed by revenue.", "5"):convert(cli.whole(0))
local args = cli.parse(p, arg)

local options = cli.transaction_options(args)
options.period = args.period
options.unit = args.unit
options["end"] = cli.check_date(args["end"], "--end")
options.calibration_end = cli.check_date(args.calibration_end, "--calibration-end")
options.rules = args.rules
options.top = args.top

cli.progress(args, "reading " .. args.input)
cli.finish(args, cli.try(analysis.run, args.input, options))
