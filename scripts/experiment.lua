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
-- and compared with doing nothing.

local custan = require "custan"
local policy = require "custan.policy"
local experiment = require "custan.experiment"
local cli = require "custan.cli"
local util = require "custan.util"

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
p:option("-o --output", "Directory for the result files.")
p:flag("--json", "Print one JSON result document.")
p:flag("-q --quiet", "Print nothing but errors.")

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
analyze:option("-o --output", "Directory for summary.json.")
analyze:flag("--json", "Print one JSON result document.")

local args = cli.parse(p, arg)
local say = cli.printer(args)
local function try(fn, ...)
  local ok, a, b = pcall(fn, ...)
  if not ok then cli.fail(tostring(a)) end
  return a, b
end
local function pct(x) return x and string.format("%.2f%%", 100 * x) or "-" end
local function money(x) return x and util.commas(string.format("%.0f", x)) or "-" end

-- ========================================================================= design ==
if args.command == "design" then
  if args.mde and args.n then cli.usage_error("give --mde or --n, not both") end
  if not args.mde and not args.n then cli.usage_error("design needs --mde or --n") end
  if args.metric == "proportion" and not args.baseline then
    cli.usage_error("design needs --baseline (the control rate)")
  end
  if args.metric == "mean" and not args.sd then cli.usage_error("design --metric mean needs --sd") end
  local r = try(experiment.design, {metric = args.metric, baseline = args.baseline, sd = args.sd,
    mde = args.mde, relative = args.relative, n = args.n, alpha = args.alpha, power = args.power,
    ratio = args.ratio, eligible_per_day = args.eligible_per_day})
  if args.metric == "proportion" then
    say(string.format("baseline %s, treatment %s: an effect of %s (%s relative), Cohen's h %.4f",
      pct(r.baseline), pct(r.treatment_rate), pct(r.mde), pct(r.mde_relative), r.effect_size))
  else
    say(string.format("an effect of %.6g (sd %.6g): d = %.4f", r.mde, r.sd, r.effect_size))
  end
  say(string.format("alpha %.3g (two-sided), power %.3g, control/treatment ratio %.3g", r.alpha,
    r.power, r.ratio))
  say(string.format("treatment %s, control %s: %s in all (achieved power %.4f)",
    util.commas(r.n_per_arm), util.commas(r.n_control), util.commas(r.n_total), r.achieved_power))
  if r.days then say(string.format("at %s eligible a day: %.1f days", util.commas(args.eligible_per_day), r.days)) end
  cli.print_json(args, r)
  return
end

-- ======================================================================== analyze ==
if args.command == "analyze" then
  local t = try(custan.read_csv, args.input)
  local r = try(experiment.analyze, t, args.group, args.outcome,
    {control = args.control, alpha = args.alpha})
  r.input = args.input
  local T, C = r.groups[r.treatment], r.groups[r.control]
  local fmt = r.metric == "proportion" and pct or function(x) return string.format("%.6g", x) end
  say(string.format("%s: %s (%s) against %s (%s)", args.input, r.treatment, util.commas(T.n),
    r.control, util.commas(C.n)))
  say(string.format("%s: treatment %s, control %s; difference %s (%s relative)", r.metric,
    fmt(T.mean), fmt(C.mean), fmt(r.difference), r.relative_lift and pct(r.relative_lift) or "-"))
  say(string.format("%.0f%% interval %s to %s; %s %.4f, p = %.4g", 100 * (1 - r.alpha),
    fmt(r.ci[1]), fmt(r.ci[2]), r.metric == "proportion" and "z" or "Welch t", r.statistic, r.p_value))
  if r.bayes then
    say(string.format("Bayesian (Beta(1,1) priors): P(treatment beats control) = %.4f; expected " ..
      "loss choosing treatment %.6f, control %.6f", r.bayes.p_treatment_better,
      r.bayes.expected_loss_treatment, r.bayes.expected_loss_control))
  end
  local dir = cli.output_dir(args)
  if dir then cli.write_results(dir, {}, r, say) end
  cli.print_json(args, r)
  return
end

-- ====================================================================== scenarios ==
if not args.customers then cli.usage_error("give --customers FILE (or the design or analyze command)") end
if #args.policy == 0 then cli.usage_error("give at least one --policy FILE") end
if not args.draws or args.draws < 100 then cli.usage_error("--draws must be at least 100") end
if not args.precision or args.precision < 0 or args.precision >= 0.5 then
  cli.usage_error("--precision must be in [0, 0.5)")
end
local customers = try(custan.read_csv, args.customers)
local id = args.id or customers:names()[1]
if not customers:has(id) then cli.fail(string.format("%s: no id column '%s'", args.customers, id)) end

local scenarios, results = {}, {}
for i, path in ipairs(args.policy) do
  scenarios[i] = try(policy.load, path)
  scenarios[i].path = path
end
local host = require "custan.core.host"
for i, s in ipairs(scenarios) do
  local t0 = host.now()
  local plan = try(policy.plan, s, customers, {id = id, segment_column = args.segment,
                                                  precision = args.precision})
  local r = try(policy.simulate, plan, {draws = args.draws, seed = args.seed})
  r.seconds = host.now() - t0
  r.path = s.path
  r.description = s.description
  r.horizon_days = s.horizon_days
  local targeting, best = policy.targeting(plan)
  r.best_targeting = best
  r.targeting_frame = targeting
  results[i] = r
end

-- report -------------------------------------------------------------------------------
say(string.format("%s: %s customers; %d draws, seed %d", args.customers,
  util.commas(customers:nrows()), args.draws, args.seed))
say("")
local rows = {{scenario = "do nothing (baseline)", contacted = 0, conversions = "0", retained = "0",
               net_mean = "0", net_90 = "0 .. 0", p_positive = "-", roi = "-"}}
for _, r in ipairs(results) do
  local t = r.total
  rows[#rows + 1] = {scenario = r.name, contacted = r.contacted,
    conversions = string.format("%.1f", t.conversions.mean),
    retained = string.format("%.1f", t.retained.mean),
    net_mean = money(t.net.mean), net_90 = money(t.net.p05) .. " .. " .. money(t.net.p95),
    p_positive = string.format("%.3f", t.p_positive),
    roi = t.roi and string.format("%.2f", t.roi) or "-"}
end
say(custan.from_rows(rows, {"scenario", "contacted", "conversions", "retained", "net_mean",
  "net_90", "p_positive", "roi"}):preview(50))
for _, r in ipairs(results) do
  say("")
  say(string.format("%s (%s): %s of %s targeted contacted, %d groups, %.2f s", r.name, r.path,
    util.commas(r.contacted), util.commas(r.targeted), r.groups, r.seconds))
  local t = r.total
  say(string.format("  net value %s (95%%: %s .. %s); revenue %s; cost %s; conversion %s; " ..
    "retention lift %s", money(t.net.mean), money(t.net.p025), money(t.net.p975),
    money(t.revenue.mean), money(t.cost.mean), pct(t.conversion_rate), pct(t.retention_lift)))
  if #r.sensitivity > 0 then
    local parts = {}
    for k = 1, math.min(4, #r.sensitivity) do
      local s = r.sensitivity[k]
      parts[k] = string.format("%s %s..%s", s.assumption, money(s.net_at_low), money(s.net_at_high))
    end
    say("  sensitivity of net value (5%..95% of each assumption): " .. table.concat(parts, "; "))
  end
  local b = r.best_targeting
  say(string.format("  best targeting: %s customers with positive expected value, expected net %s " ..
    "(the rule as written: %s)", util.commas(b.customers), money(b.expected_net),
    money(b.rule_expected_net)))
  local names = {}
  for name in pairs(r.segments) do names[#names + 1] = name end
  table.sort(names)
  if #names > 1 then
    for _, name in ipairs(names) do
      local s = r.segments[name]
      say(string.format("    %-22s contacted %6s  net %10s  P(net > 0) %.3f", name,
        util.commas(s.contacted.mean), money(s.net.mean), s.p_positive))
    end
  end
end

-- files ----------------------------------------------------------------------------------
local doc = {customers = args.customers, draws = args.draws, seed = args.seed, scenarios = {}}
local seg_rows, sens_rows, draw_frames, files = {}, {}, {}, {}
local function slug(name) return (name:lower():gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", "")) end
for i, r in ipairs(results) do
  doc.scenarios[i] = {name = r.name, path = r.path, description = r.description,
    horizon_days = r.horizon_days, contacted = r.contacted, targeted = r.targeted,
    groups = r.groups, total = r.total, segments = r.segments, sensitivity = r.sensitivity,
    expected = r.expected, best_targeting = r.best_targeting}
  for name, s in pairs(r.segments) do
    seg_rows[#seg_rows + 1] = {scenario = r.name, segment = name, contacted = s.contacted.mean,
      conversions = s.conversions.mean, retained = s.retained.mean, revenue = s.revenue.mean,
      cost = s.cost.mean, net = s.net.mean, net_p05 = s.net.p05, net_p95 = s.net.p95,
      p_positive = s.p_positive, roi = s.roi}
  end
  for _, s in ipairs(r.sensitivity) do
    local row = {scenario = r.name}
    for k, v in pairs(s) do row[k] = v end
    sens_rows[#sens_rows + 1] = row
  end
  local pd = r.per_draw
  draw_frames[#draw_frames + 1] = custan.frame({scenario = pd.net:map(function() return r.name end, "string"),
    draw = pd.net:rank(), contacted = pd.contacted, conversions = pd.conversions,
    retained = pd.retained, orders = pd.orders, revenue = pd.revenue, cost = pd.cost, net = pd.net},
    {"scenario", "draw", "contacted", "conversions", "retained", "orders", "revenue", "cost", "net"})
  files[#files + 1] = {"targeting_" .. slug(r.name) .. ".csv", r.targeting_frame}
end
table.sort(seg_rows, function(a, b)
  if a.scenario ~= b.scenario then return a.scenario < b.scenario end
  return a.segment < b.segment
end)
local scen_rows = {{scenario = "do nothing (baseline)", contacted = 0, net = 0, net_p05 = 0,
                    net_p95 = 0, p_positive = 0}}
for _, r in ipairs(results) do
  local t = r.total
  scen_rows[#scen_rows + 1] = {scenario = r.name, contacted = r.contacted,
    conversions = t.conversions.mean, retained = t.retained.mean, orders = t.orders.mean,
    revenue = t.revenue.mean, cost = t.cost.mean, net = t.net.mean, net_median = t.net.median,
    net_p05 = t.net.p05, net_p95 = t.net.p95, net_p025 = t.net.p025, net_p975 = t.net.p975,
    p_positive = t.p_positive, roi = t.roi, conversion_rate = t.conversion_rate,
    retention_lift = t.retention_lift}
end
local dir = cli.output_dir(args)
if dir then
  local out = {
    {"scenarios.csv", custan.from_rows(scen_rows, {"scenario", "contacted", "conversions",
      "retained", "orders", "revenue", "cost", "net", "net_median", "net_p05", "net_p95",
      "net_p025", "net_p975", "p_positive", "roi", "conversion_rate", "retention_lift"})},
    {"segments.csv", custan.from_rows(seg_rows, {"scenario", "segment", "contacted",
      "conversions", "retained", "revenue", "cost", "net", "net_p05", "net_p95", "p_positive",
      "roi"})},
    {"sensitivity.csv", #sens_rows > 0 and custan.from_rows(sens_rows, {"scenario", "assumption",
      "distribution", "low", "high", "net_at_low", "net_at_high", "swing"}) or nil},
    {"draws.csv", custan.concat(table.unpack(draw_frames))},
  }
  for _, f in ipairs(files) do out[#out + 1] = f end
  cli.write_results(dir, out, doc, say)
end
cli.print_json(args, doc)
