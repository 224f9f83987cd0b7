--- segment.lua: customer segments by k-means or a Gaussian mixture.
--
--   custan run segment.lua --input examples/data/online_retail.csv.gz
--   custan run segment.lua --input orders.csv --k-range 2..8 --method gmm --output out/
--   custan run segment.lua --input customers.csv --id client --features spend,visits,tenure
--
-- A transaction log is summarised per customer first (rfm.lua's summary:
-- recency_days = days since the last purchase, orders, revenue, and
-- lifetimes' frequency, recency, T); a file that already has the
-- --features columns is taken as a ready customer table.  Features are
-- scaled, clustered, measured, profiled and named by a Lua rule file
-- (lua/custan/rules/clusters.lua, or --rules).
-- The work is custan.analysis.segment; the report is custan.report.segment.

local analysis = require "custan.analysis.segment"
local cluster = require "custan.cluster"
local cli = require "custan.cli"

local p = cli.parser("segment.lua",
  "Segment customers with k-means or a Gaussian mixture on RFM or any numeric columns: " ..
  "fit one k or sweep a range, report inertia, log-likelihood, BIC, silhouette, " ..
  "Calinski-Harabasz and Davies-Bouldin, and profile and name the segments.",
  "Examples:\n" ..
  "  custan run segment.lua --input examples/data/online_retail.csv.gz\n" ..
  "  custan run segment.lua --input orders.csv --k-range 2..10 --method gmm --output out/\n" ..
  "  custan run segment.lua --input customers.csv --id client --features spend,visits")
cli.add_common(p)
cli.add_transaction_columns(p)
p:option("--id", "Customer id column of a ready customer table (default: --customer if " ..
  "present, else the first column).")
p:option("--features", "Columns to cluster on, comma-separated (transactions: recency_days, " ..
  "orders, revenue or any summary column).", "recency_days,orders,revenue")
p:option("--method", "kmeans or gmm.", "kmeans"):choices{"kmeans", "gmm"}
p:option("--k", "Number of segments.")
p:option("--k-range", "Fit every k in a range, e.g. 2..10, and use the suggested one.")
p:option("--covariance", "GMM covariance: full, diag or spherical.", "full")
  :choices{"full", "diag", "spherical"}
p:option("--scale", "Feature scaling.", "log-standard"):choices(cluster.scalings)
p:option("--n-init", "Restarts (default: 10 for k-means, 1 for a mixture)."):convert(math.tointeger)
p:option("--silhouette-max", "Exact silhouette up to this many rows, then on a seeded sample.",
  "10000"):convert(math.tointeger)
p:option("--rules", "Cluster naming rules (default: lua/custan/rules/clusters.lua).")
p:option("--end", "Observation end for transactions (YYYY-MM-DD); default the last purchase.")
local args = cli.parse(p, arg)
local say = cli.printer(args)

-- k or a range ----------------------------------------------------------------
local k_min, k_max
if args.k and args.k_range then cli.usage_error("give --k or --k-range, not both") end
if args.k_range then
  local a, b = args.k_range:match("^%s*(%d+)%s*%.%.%s*(%d+)%s*$")
  k_min, k_max = tonumber(a), tonumber(b)
  if not k_min or k_min < 2 or k_max < k_min then
    cli.usage_error("--k-range must look like 2..10 (from 2 up)")
  end
else
  local k = math.tointeger(tonumber(args.k or "4"))
  if not k or k < 1 then cli.usage_error("--k must be a whole number of at least 1") end
  k_min, k_max = k, k
end
local features = {}
for name in args.features:gmatch("[^,]+") do features[#features + 1] = name:match("^%s*(.-)%s*$") end
if #features == 0 then cli.usage_error("--features names no columns") end

local options = cli.transaction_options(args)
options.customer = args.customer or options.customer
options.features = features
options.k_min, options.k_max = k_min, k_max
options["end"] = cli.check_date(args["end"], "--end")
for _, k in ipairs{"id", "method", "scale", "covariance", "n_init", "seed", "silhouette_max", "rules"} do
  options[k] = args[k]
end
cli.progress(args, "reading " .. args.input)
cli.finish(args, cli.try(analysis.run, args.input, options))
