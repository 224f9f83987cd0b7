--- rfm.lua: one row per customer from a transaction log, with RFM scores
-- and named segments.
--
--   custan run rfm.lua --input examples/data/online_retail.csv.gz
--   custan run rfm.lua --input orders.csv --rules my_rules.lua --output out/
--
-- The file streams from disk (memory grows with customers, not rows).  The
-- summary fields follow lifetimes' summary_data_from_transaction_data; the
-- scores are quantile scores 1..5; the segments come from a Lua rule file.

local rfm = require "custan.rfm"
local cli = require "custan.cli"
local util = require "custan.util"

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
p:option("--rules", "Segment rule file (default: lua/custan/segments/rfm.lua).")
p:option("--top", "Customers listed by revenue.", "5"):convert(math.tointeger)
local args = cli.parse(p, arg)
local say = cli.printer(args)

local options = cli.transaction_options(args)
options.period = args.period
options.unit = args.unit or args.period
options["end"] = cli.check_date(args["end"], "--end")
options.calibration_end = cli.check_date(args.calibration_end, "--calibration-end")
options.encoding = cli.encoding(args)
options.read = cli.csv_options(args, nil, args.date)

local rules = args.rules and rfm.load_rules(args.rules) or rfm.default_rules()
cli.progress(args, "reading " .. args.input)
local customers, info = rfm.summary_file(args.input, options)
if customers:nrows() == 0 then
  cli.fail(string.format("%s: no purchases to summarise (%d rows read, %d without customer or " ..
    "date, %d after the end)", args.input, info.rows, info.skipped, info.excluded))
end
rfm.score(customers)
local _, notes = rfm.segment(customers, rules)
local segments = rfm.segment_table(customers, rules)

local result = {
  input = args.input,
  rows = info.rows,
  purchase_rows = info.purchase_rows,
  rows_without_customer_or_date = info.skipped,
  rows_after_end = info.excluded,
  rows_ignored = info.ignored,
  skipped_bad_rows = info.read.skipped,
  observation_end = info.end_day,
  period = args.period,
  unit = options.unit,
  customers = customers:nrows(),
  total_frequency = customers.frequency:sum(),
  revenue = customers.revenue:sum(),
  rules = args.rules or "custan.segments.rfm",
  segments = segments:to_rows(),
  notes = notes,
}

say(string.format("%s: %s customers from %s purchase rows (of %s), observation end %s",
  args.input, util.commas(customers:nrows()), util.commas(info.purchase_rows),
  util.commas(info.rows), info.end_day))
say(string.format("periods of a %s, recency and T in %ss; revenue %s",
  args.period, options.unit, util.commas(string.format("%.2f", result.revenue))))
if info.read.skipped > 0 then
  say(string.format("skipped %d bad rows (first at line %d)", info.read.skipped,
    info.read.skipped_lines[1]))
end
say("")
say(string.format("%-20s %9s %7s %15s %7s  %4s %4s %4s", "segment", "customers", "share",
  "revenue", "share", "R", "F", "M"))
for _, s in ipairs(result.segments) do
  say(string.format("%-20s %9s %6.1f%% %15s %6.1f%%  %4.1f %4.1f %4.1f", s.segment,
    util.commas(s.customers), 100 * s.customer_share, util.commas(string.format("%.2f", s.revenue)),
    100 * s.revenue_share, s.mean_R, s.mean_F, s.mean_M))
end
say("")
say("recommended actions")
for _, s in ipairs(result.segments) do say(string.format("  %-20s %s", s.segment, s.action)) end
for _, note in ipairs(notes) do say("note: " .. note) end
if args.top > 0 then
  say("")
  say(string.format("top %d customers by revenue", args.top))
  local top = customers:sort("revenue", {desc = true}):head(args.top)
  for _, c in ipairs(top:to_rows()) do
    say(string.format("  %-12s %12s  orders %4d  last %s  RFM %s  %s", tostring(c.customer),
      util.commas(string.format("%.2f", c.revenue)), c.orders, c.last_purchase:sub(1, 10),
      c.RFM, c.segment))
  end
end

local out = cli.output_dir(args)
if out then
  cli.write_results(out, {{"customers.csv", customers}, {"segments.csv", segments}}, result, say)
end
cli.print_json(args, result)
