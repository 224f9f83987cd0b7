--- segment.lua: customer segments by k-means or a Gaussian mixture.
--
--   custan run segment.lua --input examples/data/online_retail.csv.gz
--   custan run segment.lua --input orders.csv --k-range 2..8 --method gmm --output out/
--   custan run segment.lua --input customers.csv --id client --features spend,visits,tenure
--
-- A transaction log is summarised per customer first (recency = days since
-- the last purchase, frequency = orders, monetary = revenue, and every
-- other column of rfm.lua's summary); a file that already has the
-- --features columns is taken as a ready customer table.  Features are
-- scaled, clustered, measured, profiled and named by a Lua rule file
-- (lua/custan/segments/clusters.lua, or --rules).

local custan = require "custan"
local rfm = require "custan.rfm"
local cluster = require "custan.cluster"
local cli = require "custan.cli"
local util = require "custan.util"

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
p:option("--features", "Columns to cluster on, comma-separated (transactions: recency, " ..
  "frequency, monetary or any summary column).", "recency,frequency,monetary")
p:option("--method", "kmeans or gmm.", "kmeans"):choices{"kmeans", "gmm"}
p:option("--k", "Number of segments.")
p:option("--k-range", "Fit every k in a range, e.g. 2..10, and use the suggested one.")
p:option("--covariance", "GMM covariance: full, diag or spherical.", "full")
  :choices{"full", "diag", "spherical"}
p:option("--scale", "Feature scaling.", "log-standard"):choices(cluster.scalings)
p:option("--n-init", "Restarts (default: 10 for k-means, 1 for a mixture)."):convert(math.tointeger)
p:option("--silhouette-max", "Exact silhouette up to this many rows, then on a seeded sample.",
  "10000"):convert(math.tointeger)
p:option("--rules", "Cluster naming rules (default: lua/custan/segments/clusters.lua).")
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
local rules = args.rules and cluster.load_rules(args.rules) or nil

-- Customers: a ready table, or a summary of transactions ------------------------
local read = cli.csv_options(args)
local ok, header = pcall(custan.csv_columns, args.input, read)
if not ok then cli.fail(tostring(header)) end
local has = {}
for _, n in ipairs(header) do has[n] = true end
local is_table = true
for _, f in ipairs(features) do is_table = is_table and has[f] end

local missing = {}
for _, f in ipairs(features) do if not has[f] then missing[#missing + 1] = f end end
if not is_table and not has[args.customer] then
  cli.fail(string.format("%s: no column %s to cluster on, and no customer column '%s' of a " ..
    "transaction log (columns: %s)", args.input, table.concat(missing, ", "), args.customer,
    table.concat(header, ", ")))
end

local customers, id, info
if is_table then
  customers = custan.read_csv(args.input, read)
  id = args.id or (has[args.customer] and args.customer) or header[1]
  if not customers:has(id) then cli.fail(string.format("%s: no id column '%s'", args.input, id)) end
else
  local options = cli.transaction_options(args)
  options.period, options.unit = "day", "day"
  options["end"] = cli.check_date(args["end"], "--end")
  options.encoding = cli.encoding(args)
  options.read = cli.csv_options(args, nil, args.date)
  cli.progress(args, "reading " .. args.input)
  local s
  s, info = rfm.summary_file(args.input, options)
  -- the classic RFM features under their usual names, beside the summary
  s.recency, s.frequency, s.monetary = s.recency_days, s.orders, s.revenue
  customers, id = s, "customer"
  for _, f in ipairs(features) do
    if not customers:has(f) then
      cli.fail(string.format("%s: no column '%s' (the transaction summary has %s)", args.input, f,
        table.concat(customers:names(), ", ")))
    end
  end
end
local n = customers:nrows()
if n < k_max then
  cli.fail(string.format("%s: %d customers cannot make %d segments", args.input, n, k_max))
end

-- Fits ----------------------------------------------------------------------------
local fit_options = {features = features, method = args.method, scale = args.scale,
  covariance = args.covariance, n_init = args.n_init, seed = args.seed,
  silhouette_max = args.silhouette_max}
local ok_fit, err = pcall(function()
  fit_options.scaler = cluster.scaler(customers, features, args.scale)
end)
if not ok_fit then cli.fail(args.input .. ": " .. tostring(err)) end

local rows, k, reason, models
local function run()
  if k_min == k_max then
    fit_options.k = k_min
    local m = cluster.fit(customers, fit_options)
    local row = {k = k_min}
    if k_min >= 2 then
      local q = m:metrics{silhouette_max = args.silhouette_max, seed = args.seed}
      for key, v in pairs(q) do row[key] = v end
      row.clusters = nil
    end
    if m.method == "kmeans" then row.inertia = m.inertia
    else row.loglik, row.mean_loglik, row.bic, row.aic = m.loglik, m.mean_loglik, m.bic, m.aic end
    rows, k, reason, models = {row}, k_min, "as asked (--k)", {[k_min] = m}
  else
    fit_options.k_min, fit_options.k_max = k_min, k_max
    rows, k, reason, models = cluster.sweep(customers, fit_options)
  end
end
local ok_run, run_err = pcall(run)
if not ok_run then cli.fail(args.input .. ": " .. tostring(run_err)) end
local model = models[k]

-- Profiles and names ----------------------------------------------------------------
customers.cluster = model.labels
local profile = cluster.profile(customers, {features = features,
  revenue = customers:has("revenue") and "revenue" or nil})
local ok_names, names = pcall(cluster.name_clusters, profile, rules)
if not ok_names then cli.fail(tostring(names)) end
local seg = {}
for i, c in ipairs(model.labels:to_table()) do seg[i] = names[c] end
customers.segment = custan.column(seg)
local pca = #features >= 2 and cluster.pca(customers, {features = features,
  scaler = fit_options.scaler}) or nil

-- Report ------------------------------------------------------------------------------
local result = {
  input = args.input,
  input_kind = is_table and "customer table" or "transactions",
  customers = n,
  features = features,
  scale = args.scale,
  method = args.method,
  covariance = args.method == "gmm" and args.covariance or nil,
  seed = args.seed,
  fits = rows,
  k = k,
  reason = reason,
  converged = model.converged,
  iterations = model.iterations,
  segments = profile:to_rows(),
  pca = pca and {variance_ratio = pca.variance_ratio, components = pca.components} or nil,
}

local function fmt(v, f) return v and string.format(f, v) or "-" end
say(string.format("%s: %s customers (%s), features %s, scaling %s", args.input, util.commas(n),
  result.input_kind, table.concat(features, ", "), args.scale))
say(string.format("%s%s, seed %d", args.method == "kmeans" and "k-means" or "Gaussian mixture",
  args.method == "gmm" and (" (" .. args.covariance .. " covariance)") or "", args.seed))
say("")
if args.method == "kmeans" then
  say(string.format("%4s %14s %11s %18s %15s", "k", "inertia", "silhouette", "Calinski-Harabasz",
    "Davies-Bouldin"))
  for _, r in ipairs(rows) do
    say(string.format("%4d %14.2f %11s %18s %15s", r.k, r.inertia, fmt(r.silhouette, "%.4f"),
      fmt(r.calinski_harabasz, "%.1f"), fmt(r.davies_bouldin, "%.4f")))
  end
else
  say(string.format("%4s %14s %12s %11s %18s %15s", "k", "log-lik", "BIC", "silhouette",
    "Calinski-Harabasz", "Davies-Bouldin"))
  for _, r in ipairs(rows) do
    say(string.format("%4d %14.2f %12.1f %11s %18s %15s", r.k, r.loglik, r.bic,
      fmt(r.silhouette, "%.4f"), fmt(r.calinski_harabasz, "%.1f"), fmt(r.davies_bouldin, "%.4f")))
  end
end
if rows[1].silhouette_sampled then
  say(string.format("(silhouette on a seeded sample of %s rows)", util.commas(rows[1].silhouette_rows)))
end
say(string.format("k = %d: %s", k, reason))
if not model.converged then say("note: the fit did not converge within its iteration limit") end
say("")
local head = string.format("%-26s %9s %7s", "segment", "customers", "share")
for _, f in ipairs(features) do head = head .. string.format(" %12s", f) end
if profile:has("revenue_share") then head = head .. string.format(" %8s", "revenue") end
say(head)
for _, r in ipairs(result.segments) do
  local line = string.format("%-26s %9s %6.1f%%", r.segment, util.commas(r.customers), 100 * r.share)
  for _, f in ipairs(features) do line = line .. string.format(" %12.2f", r["mean_" .. f]) end
  if r.revenue_share then line = line .. string.format(" %7.1f%%", 100 * r.revenue_share) end
  say(line)
end
say("")
say("strategies")
for _, r in ipairs(result.segments) do say(string.format("  %-26s %s", r.segment, r.strategy)) end

local out = cli.output_dir(args)
if out then
  local cols = {id, table.unpack(features)}
  cols[#cols + 1] = "cluster"
  cols[#cols + 1] = "segment"
  local table_out = customers:select(cols)
  if args.method == "gmm" then
    local probs = model:predict_proba(customers)
    for j = 1, k do table_out["p" .. j] = probs:col("p" .. j) end
  end
  if pca then
    table_out.pc1 = pca.scores[1]
    table_out.pc2 = pca.scores[2]
  end
  cli.write_results(out, {{"customers.csv", table_out}, {"segments.csv", profile}}, result, say)
end
cli.print_json(args, result)
