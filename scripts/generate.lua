--- generate.lua: a synthetic e-commerce world with known truth.
--
--   custan run generate.lua --customers 20000 --days 730 --seed 7 --output world/
--   custan run generate.lua --world examples/worlds/planted.lua --customers 3000 --output planted/
--
-- The world is a Lua file (default: lua/custan/rules/world.lua): segments
-- with their purchase, dropout and spend processes, attributes, a product
-- catalogue, seasonality, web sessions, cancellations and returns, and an
-- optional experiment.  The draws run in C from seeded streams: the same
-- seed gives the same files with any number of threads.  The order log is
-- in Online Retail's layout, so every script reads it as it is:
--
--   custan run pipeline.lua --input world/orders.csv --output out/ --truth world/truth.csv
--
-- The work is custan.analysis.generate; the report custan.report.generate.

local analysis = require "custan.analysis.generate"
local cli = require "custan.cli"

local p = cli.parser("generate.lua",
  "Generate a synthetic e-commerce world from a world file: an order log, customer and " ..
  "product tables, an optional event log, and a truth file with each customer's segment, " ..
  "parameters, whether they were alive at the end and their purchases over a holdout.",
  "Examples:\n" ..
  "  custan run generate.lua --customers 20000 --seed 7 --output world/\n" ..
  "  custan run generate.lua --world examples/worlds/planted.lua --customers 3000 --output planted/ --events")
p:option("--world", "World file (default: lua/custan/rules/world.lua).")
p:option("--customers", "Customers to draw.", "10000"):convert(cli.whole(1))
p:option("--days", "Days of order log (default: the world file's).") :convert(cli.whole(1))
p:option("--holdout-days", "Days simulated after the log for truth.csv (default: the world file's).")
  :convert(cli.whole(0))
p:option("--seed", "Seed of the draws.", "1"):convert(cli.whole(0))
p:option("--layout", "Order log layout (default: the world file's).")
  :choices{"online_retail", "online_retail_ii"}
p:flag("--events", "Also write events.csv, the web sessions in RetailRocket's layout.")
p:option("--threads", "Threads (default: CUSTAN_THREADS or 2).", "0"):convert(cli.whole(0))
p:option("-o --output", "Folder for the files, written as one set."):args(1)
p:flag("--force", "Write into an --output folder that holds files custan did not write.")
p:flag("--json", "Print one JSON result document.")
p:flag("-q --quiet", "Print nothing but errors.")
p:flag("--trust", "Run the world file without the sandbox (your own file).")
local args = cli.parse(p, arg)
if not args.output then cli.usage_error("--output is required: the folder the world is written to") end

cli.progress(args, string.format("generating %d customers", args.customers))
local doc = cli.try(analysis.run, {world = args.world, customers = args.customers,
  days = args.days, holdout_days = args.holdout_days, seed = args.seed, layout = args.layout,
  events = args.events, threads = args.threads, output = args.output, force = args.force})
if not args.quiet and not args.json then cli.try(require("custan.report").render, doc, "terminal") end
if args.json then cli.try(require("custan.report").render, doc, "json") end
