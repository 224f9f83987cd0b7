--- experiment.lua: simulate policy scenarios, design a test, analyse a test.
--
--   custan run experiment.lua --customers examples/data/customers.csv.gz \
--       --policy examples/policies/winback_at_risk.lua --policy examples/policies/vip_perks.lua
--   custan run experiment.lua design --baseline 0.10 --mde 0.02
--   custan run experiment.lua analyze --input tests.csv --group arm --outcome converted
--
-- A policy is a Lua file (examples/policies/): who is targeted, the offer's
-- assumptions as distributions, costs, horizon and limits.  Each scenario is
-- simulated draw by draw (C kernel, binomial draws per group of customers)
-- and compared with doing nothing.  The work is custan.analysis.experiment;
-- the reports are custan.report.experiment, _design and _analysis.

local analysis = require "custan.analysis.experiment"
local cli = require "custan.cli"

local p = cli.parser("experiment.lua",
  "Policy scenarios and experiments: simulate the incremental impact of offers written as Lua " ..
  "files (with uncertainty, per segment, sensitivity and the best targeting), size a test, " ..
  "and analyse a finished one.",
  "Examples:\n" ..
  "  custan run experiment.lua --customers examples/data/customers.csv.gz --policy examples/policies/winback_at_risk.lua\n" ..
  "  custan run experiment.lua design --baseline 0.10 --mde 0.02 --json\n" ..
  "  custan run experiment.lua design --baseline 0.10 --n 5000\n" ..
  "  custan run experiment.lua analyze --input test.csv --group arm --outcome converted")
p:require_command(false)
p:command_target("command")
p:option("--customers", "Customer table the policies target (CSV or .csv.gz).")
p:option("--policy", "A policy scenario file (repeat for several).")
  :count("*")
p:option("--draws", "Monte Carlo draws.", "10000"):convert(math.tointeger)
p:option("--seed", "Seed of the draws.", "1"):convert(math.tointeger)
p:option("--id", "Customer id column (default: the first).")
p:option("--segment", "Column for per-segment results.", "segment")
p:option("--precision", "Customers whose retention rounds to the same multiple of this are " ..
  "simulated as one group (0: exact values).", "0.01"):convert(tonumber)
p:option("-o --output", "Folder for the result files, written as one set.")
p:flag("--force", "Write into an --output folder that holds files custan did not write.")
p:flag("--json", "Print one JSON result document.")
p:flag("-q --quiet", "Print nothing but errors.")
p:flag("--trust", "Run policy files without the sandbox (your own files).")

local design = p:command("design", "Sample size, power and detectable effect of a two-group test.")
design:option("--metric", "proportion or mean.", "proportion"):choices{"proportion", "mean"}
design:option("--baseline", "Control conversion or retention rate (proportions).")
  :convert(tonumber)
design:option("--sd", "Standard deviation of the outcome (means), e.g. observed.")
  :convert(tonumber)
design:option("--mde", "Effect to detect (absolute; see --relative)."):convert(tonumber)
design:flag("--relative", "--mde is relative to the baseline (0.1 = +10%).")
design:option("--n", "Treatment group size: report the detectable effect instead.")
  :convert(tonumber)
design:option("--alpha", "Significance level (two-sided).", "0.05"):convert(tonumber)
design:option("--power", "Power.", "0.8"):convert(tonumber)
design:option("--ratio", "Control size / treatment size.", "1"):convert(tonumber)
design:option("--eligible-per-day", "Eligible customers per day, for the duration.")
  :convert(tonumber)
design:flag("--json", "Print one JSON result document.")

local analyze = p:command("analyze", "Analyse a finished two-group test from a CSV.")
analyze:option("-i --input", "One row per customer: group and outcome."):count(1)
analyze:option("--group", "Group column."):count(1)
analyze:option("--outcome", "Outcome column (0/1 for a rate, numbers for a mean)."):count(1)
analyze:option("--control", "The control group's value (default: 'control', else the first).")
analyze:option("--alpha", "Significance level (two-sided).", "0.05"):convert(tonumber)
analyze:option("-o --output", "Folder for summary.json.")
analyze:flag("--force", "Write into an --output folder that holds files custan did not write.")
analyze:flag("--json", "Print one JSON result document.")

local args = cli.parse(p, arg)

if args.command == "design" then
  if args.mde and args.n then cli.usage_error("give --mde or --n, not both") end
  if not args.mde and not args.n then cli.usage_error("design needs --mde or --n") end
  if args.metric == "proportion" and not args.baseline then
    cli.usage_error("design needs --baseline (the control rate)")
  end
  if args.metric == "mean" and not args.sd then cli.usage_error("design --metric mean needs --sd") end
  if args.eligible_per_day and not (args.eligible_per_day > 0) then
    cli.usage_error("--eligible-per-day must be a positive number of customers")
  end
  cli.finish(args, cli.try(analysis.design, {metric = args.metric, baseline = args.baseline,
    sd = args.sd, mde = args.mde, relative = args.relative, n = args.n, alpha = args.alpha,
    power = args.power, ratio = args.ratio, eligible_per_day = args.eligible_per_day}))
  return
end

if args.command == "analyze" then
  cli.finish(args, cli.try(analysis.analyze, args.input, {group = args.group, outcome = args.outcome,
    control = args.control, alpha = args.alpha}))
  return
end

if not args.customers then cli.usage_error("give --customers FILE (or the design or analyze command)") end
if #args.policy == 0 then cli.usage_error("give at least one --policy FILE") end
if not args.draws or args.draws < 100 then cli.usage_error("--draws must be at least 100") end
if not args.precision or args.precision < 0 or args.precision >= 0.5 then
  cli.usage_error("--precision must be in [0, 0.5)")
end
cli.finish(args, cli.try(analysis.scenarios, args.customers, {policies = args.policy,
  draws = args.draws, seed = args.seed, id = args.id, segment = args.segment,
  precision = args.precision}))
