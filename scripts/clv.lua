--- clv.lua: customer lifetime value from a transaction log or a ready
-- customer summary.
--
--   custan run clv.lua --input examples/data/online_retail.csv.gz --output out/clv
--   custan run clv.lua --input orders.csv --holdout-start 2024-01-01 --model all
--   custan run clv.lua --summary cdnow_summary.csv --customer ID
--
-- The work is custan.analysis.clv; the report is custan.report.clv.

local analysis = require "custan.analysis.clv"
local clv = require "custan.clv"
local cli = require "custan.cli"

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
-- the purchase models come from the C registry: a model added there is a choice here
local counts, discrete = clv.model_names("counts"), clv.model_names("opportunities")
local choices = {table.unpack(counts)}
choices[#choices + 1] = "all"
for _, name in ipairs(discrete) do choices[#choices + 1] = name end
p:option("--model", "Purchase model: " .. table.concat(counts, ", ") .. ", all (those), or " ..
  table.concat(discrete, ", ") .. " (discrete opportunities: --summary with frequency, recency " ..
  "and n_periods).", "bgnbd")
  :choices(choices)
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
p:option("--penalizer", "L2 penalty on the parameters: lifetimes' penalizer_coef (docs/models.md).", "0")
  :convert(tonumber)
p:option("--draws", "Parameter draws for the CLV interval (0: no interval).", "100")
  :convert(math.tointeger)
p:option("--top", "Customers listed by CLV.", "10"):convert(cli.whole(0))
local args = cli.parse(p, arg)
if not args.input and not args.summary then cli.usage_error("give --input (transactions) or --summary") end
if args.input and args.summary then cli.usage_error("give --input or --summary, not both") end
if not (args.horizon and args.horizon > 0) then cli.usage_error("--horizon must be a positive number of months") end
if not (args.discount and args.discount >= 0) then cli.usage_error("--discount must be >= 0") end
for _, name in ipairs(discrete) do
  if args.model == name and not args.summary then
    cli.usage_error("--model " .. name .. " needs --summary with frequency, recency and n_periods")
  end
end

local options = cli.transaction_options(args)
for _, k in ipairs{"summary", "weight", "model", "period", "unit", "horizon", "discount", "margin",
    "penalizer", "draws", "seed", "top"} do
  options[k] = args[k]
end
options["end"] = cli.check_date(args["end"], "--end")
options.holdout_start = cli.check_date(args.holdout_start, "--holdout-start")
options.tracking = args.output ~= nil

cli.progress(args, "reading " .. (args.input or args.summary))
cli.finish(args, cli.try(analysis.run, args.input, options))
