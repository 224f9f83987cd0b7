--- summary.lua: load a transactions file into a typed frame and say what is
-- in it: columns, types, missing values and ranges, and, by the one
-- purchase rule every script uses, orders, customers, revenue,
-- cancellations and the leading countries.
--
--   custan run summary.lua --input examples/data/online_retail.csv.gz
--
-- The work is custan.analysis.summary; the report is custan.report.summary.

local analysis = require "custan.analysis.summary"
local cli = require "custan.cli"

local p = cli.parser("summary.lua",
  "Load a transactions file and summarise it: columns, types, missing values and " ..
  "ranges; when order columns are present, orders, customers, revenue, cancellations " ..
  "and the leading countries.",
  "Example:\n  custan run summary.lua --input examples/data/online_retail.csv.gz --output out/")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--top", "Countries listed.", "5"):convert(cli.whole(0))
local args = cli.parse(p, arg)

local options = cli.transaction_options(args)
options.top = args.top
cli.progress(args, "reading " .. args.input)
cli.finish(args, cli.try(analysis.run, args.input, options))
