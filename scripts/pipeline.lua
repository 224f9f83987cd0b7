--- pipeline.lua: one run from a raw order log to a decision.
--
--   custan run pipeline.lua --input examples/data/online_retail.csv.gz --output out/
--   custan run pipeline.lua --input orders.csv --output out/ --as-of 2024-06-30 --policy my_offer.lua
--   custan run pipeline.lua --input orders.csv --output out/ --pipeline my_pipeline.lua
--
-- Read and clean -> customer summary and RFM segments -> segmentation ->
-- CLV per customer -> churn -> policy scenarios -> the test of the best
-- one -> insights.json.  The stages come from a pipeline file users copy
-- and edit (lua/custan/rules/pipeline.lua); each writes to its own folder
-- of --output, beside customers.csv (one row per customer, every
-- per-customer column) and insights.json.  The work is
-- custan.analysis.pipeline; the report is custan.report.pipeline.

local analysis = require "custan.analysis.pipeline"
local cli = require "custan.cli"
local report = require "custan.report"
local sandbox = require "custan.sandbox"

local p = cli.parser("pipeline.lua",
  "From a raw order log to a decision: customer summary and RFM segments, segmentation, CLV " ..
  "with its interval, churn scores as of a day, policy scenarios with the CLV models' " ..
  "uncertainty, the test that would prove the best one, and insights.json, in one run.",
  "Examples:\n" ..
  "  custan run pipeline.lua --input examples/data/online_retail.csv.gz --output out/\n" ..
  "  custan run pipeline.lua --input orders.csv --output out/ --as-of 2024-06-30 --policy offer.lua\n" ..
  "  custan run pipeline.lua --input cdnow.txt --preset cdnow --output out/cdnow")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--as-of", "The day the decision is made (YYYY-MM-DD): later rows are left out, churn " ..
  "is trained on the window before it and everyone is scored as of it; default the last purchase.")
p:option("--holdout-start", "First day of the holdout that chooses the purchase model; default " ..
  "the start of the last quarter of the log's span.")
p:option("--pipeline", "A pipeline file (Lua) listing the stages; default the library's " ..
  "(lua/custan/rules/pipeline.lua).")
p:option("--policy", "A policy scenario file (repeat for several); default the library's " ..
  "win-back and VIP policies.")
  :count("*")
p:option("--truth", "A generated world's truth.csv (generate.lua): adds the recovery stage, the " ..
  "results against the truth (segments' adjusted Rand index, churn and P(alive) AUC, holdout purchases).")
p:flag("--dashboards", "Also write the dashboards (dashboards/operational.html, " ..
  "dashboards/strategic.html, dashboards/diagnostics.html; docs/guide.md).")
p:option("--layout", "With --dashboards: layout files instead of the library's three."):count("*")
p:flag("--pdf", "Also print the strategic dashboard and the model diagnostics into report.pdf " ..
  "(headless Chromium).")
p:flag("--png", "Also write each dashboard chart as a PNG, for slides (charts/; headless Chromium).")
p:flag("--parts", "Write the customer table as one file per MPI rank, each rank's own " ..
  "customers (customers.part-RRRR.csv), with customers.manifest.json, instead of customers.csv " ..
  "(docs/scale.md); without mpirun, one part.")
p:option("--draws", "Monte Carlo draws of each policy (default 10,000, or the pipeline " ..
  "file's), a multiple of 100."):convert(math.tointeger)
local args = cli.parse(p, arg)
if not args.output and not args.json and not args.quiet then
  -- a run's results are its files; without --output only the summary shows
  io.stderr:write("pipeline.lua: no --output folder: showing the summary only\n")
end
if args.draws and (args.draws < 100 or args.draws % 100 ~= 0) then
  cli.usage_error("--draws must be a multiple of 100, at least 100")
end
if args.trust then sandbox.trusted = true end

local options = cli.transaction_options(args)
options.as_of = cli.check_date(args.as_of, "--as-of")
options.holdout_start = cli.check_date(args.holdout_start, "--holdout-start")
options.pipeline = args.pipeline
options.policies = #args.policy > 0 and args.policy or nil
options.seed = args.seed
options.truth = args.truth
options.policy_draws = args.draws
options.quiet = args.quiet or args.json
local doc = cli.try(analysis.run, args.input, options)
if (args.pdf or args.png) and not args.output then cli.usage_error("--pdf and --png need --output") end
-- the pages go into rank 0's files (under mpirun the other ranks write none)
if (args.dashboards or args.pdf or args.png) and require("custan.dist").is_root() then
  local browser = require "custan.report.browser"
  if args.pdf or args.png then
    local _, err = browser.find()
    if err then cli.fail(err) end
  end
  -- the pages join the run's files, so the folder stays one set
  local dashboard = require "custan.analysis.dashboard"
  local layouts = #args.layout > 0 and args.layout or
    {dashboard.layout_file("operational"), dashboard.layout_file("strategic"),
     dashboard.layout_file("diagnostics")}
  local data = dashboard.from_pipeline(doc)
  for i, layout in ipairs(layouts) do
    local page = cli.try(dashboard.build, data, layout)
    local name = layout:match("([^/\\]+)%.lua$") or ("dashboard" .. i)
    if args.dashboards then doc.extra[#doc.extra + 1] = {"dashboards/" .. name .. ".html", page} end
    if args.png then
      for _, img in ipairs(cli.try(browser.png_images, page)) do
        doc.extra[#doc.extra + 1] = {"charts/" .. name .. "/" .. img[1], img[2]}
      end
    end
  end
  if args.pdf then
    local report = cli.try(dashboard.build, data, dashboard.report_layout())
    doc.extra[#doc.extra + 1] = {"report.pdf", cli.try(browser.pdf_bytes, report)}
  end
end

if not args.quiet and not args.json then cli.try(report.render, doc, "terminal") end
if args.output then
  local parts
  if args.parts then
    -- each rank writes the customers it owns; the gathered table is not written
    local dist = require "custan.dist"
    parts = {{"customers", dist.owned(doc.customers, "customer")}}
    table.remove(doc.tables, 1) -- {"customers.csv", ...}
  end
  local names = cli.try(report.render, doc, "files", {dir = args.output, force = args.force,
                                                    extra = doc.extra, parts = parts})
  if not args.quiet and not args.json then
    print(string.format("\nwrote %d files in %s: %s, insights.json and a folder per stage",
      #names, args.output, args.parts and "the customer table's parts" or "customers.csv"))
  end
end
if args.json then cli.try(report.render, {kind = "pipeline", summary = doc.insights,
  warnings = {}}, "json") end
