--- Segmentation: k-means or a Gaussian mixture on customer features (RFM
-- from a transaction log, or any numeric columns of a customer table),
-- one k or a sweep, measured, profiled and named; returns a result document.
-- @module custan.analysis.segment

local custan = require "custan"
local cluster = require "custan.cluster"
local rfm = require "custan.rfm"
local select = require "custan.models.select"
local transactions = require "custan.data.transactions"

local M = {}

--- The classic RFM features under custan's names: days since the last
-- purchase, orders, revenue (see docs/models.md, "One vocabulary").
M.rfm_features = {"recency_days", "orders", "revenue"}

M.defaults = {method = "kmeans", scale = "log-standard", covariance = "full", k_min = 4,
              k_max = 4, seed = 1, silhouette_max = 10000}

-- The customers: a ready table (every feature is a column) or a summary
-- of a transaction log.
local function customers_of(input, o, features)
  if type(input) ~= "string" then return input, o.id or "customer", "customer table" end
  local header = transactions.header(input, o)
  local has = {}
  for _, n in ipairs(header) do has[n] = true end
  local is_table = true
  for _, f in ipairs(features) do is_table = is_table and has[f] end
  if is_table then
    local t = custan.read_csv(input, transactions.file_options(o))
    local id = o.id or (has[o.customer] and o.customer) or header[1]
    if not t:has(id) then error(string.format("%s: no id column '%s'", input, id), 0) end
    return t, id, "customer table"
  end
  local missing = {}
  for _, f in ipairs(features) do if not has[f] then missing[#missing + 1] = f end end
  if not has[o.customer] then
    error(string.format("%s: no column %s to cluster on, and no customer column '%s' of a " ..
      "transaction log (columns: %s)", input, table.concat(missing, ", "), o.customer,
      table.concat(header, ", ")), 0)
  end
  local so = {}
  for k, v in pairs(o) do so[k] = v end
  so.period, so.unit = "day", "day"
  local s, info = rfm.summary_file(input, so)
  for _, f in ipairs(features) do
    if not s:has(f) then
      error(string.format("%s: no column '%s' (the transaction summary has %s)", input, f,
        table.concat(s:names(), ", ")), 0)
    end
  end
  return s, "customer", "transactions", info
end

local function fit_row(m, k, o)
  local row = {k = k}
  if k >= 2 then
    local q = m:metrics{silhouette_max = o.silhouette_max, seed = o.seed}
    for key, v in pairs(q) do row[key] = v end
    row.clusters = nil
  end
  if m.method == "kmeans" then row.inertia = m.inertia
  else row.loglik, row.mean_loglik, row.bic, row.aic = m.loglik, m.mean_loglik, m.bic, m.aic end
  return row
end

-- Warnings on a fit that found less than it claims.
local function fit_warnings(o, k, model, profile, n, warnings)
  if o.k_min < o.k_max and select.at_edge(k, o.k_min, o.k_max) then
    warnings[#warnings + 1] = string.format("the suggested k = %d is at the edge of the range " ..
      "%d..%d: the best k may lie outside it", k, o.k_min, o.k_max)
  end
  if not model.converged then
    warnings[#warnings + 1] = "the fit did not converge within its iteration limit"
  end
  local repeated = 0
  for _, r in ipairs(profile:to_rows()) do
    if r.segment:match(" %(%d+%)$") then repeated = repeated + 1 end
  end
  if repeated > 0 then
    warnings[#warnings + 1] = string.format("%d segment%s share a name with another (numbered): " ..
      "the naming rules tell them apart by rank only; fewer segments may read better",
      repeated, repeated == 1 and "" or "s")
  end
  local tiny = 0
  for _, r in ipairs(profile:to_rows()) do
    if r.customers < math.max(2, 0.005 * n) then tiny = tiny + 1 end
  end
  if tiny > 0 then
    warnings[#warnings + 1] = string.format("%d segment%s hold%s fewer than 0.5%% of the " ..
      "customers: components may have collapsed onto single values (integer-valued " ..
      "features?); try k-means or fewer segments", tiny, tiny == 1 and "" or "s", tiny == 1 and "s" or "")
  end
end

--- Runs the analysis.
-- @tparam string|frame input a transaction file, a customer table's file,
--   or a customer frame
-- @tparam[opt] table options the reader's, `features` (default
--   M.rfm_features), `id`, `method` ("kmeans" | "gmm"), `k_min`, `k_max`
--   (one k when equal), `scale`, `covariance`, `n_init`, `seed`,
--   `silhouette_max`, `rules` (a cluster naming table or file path)
-- @return result document {kind = "segment", summary, tables, customers, profile, ...}
function M.run(input, options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  local features = o.features or M.rfm_features
  local rules = type(o.rules) == "string" and cluster.load_rules(o.rules) or o.rules
  local name = type(input) == "string" and input or "customers"
  local customers, id, input_kind, info = customers_of(input, o, features)
  local n = customers:nrows()
  if n < o.k_max then
    error(string.format("%s: %d customers cannot make %d segments", name, n, o.k_max), 0)
  end
  local fit_options = {features = features, method = o.method, scale = o.scale,
    covariance = o.covariance, n_init = o.n_init, seed = o.seed, silhouette_max = o.silhouette_max}
  local ok, err = pcall(function() fit_options.scaler = cluster.scaler(customers, features, o.scale) end)
  if not ok then error(name .. ": " .. tostring(err), 0) end

  local rows, k, reason, models
  if o.k_min == o.k_max then
    fit_options.k = o.k_min
    local m = cluster.fit(customers, fit_options)
    rows, k, reason, models = {fit_row(m, o.k_min, o)}, o.k_min, "as asked (--k)", {[o.k_min] = m}
  else
    fit_options.k_min, fit_options.k_max = o.k_min, o.k_max
    rows, k, reason, models = cluster.sweep(customers, fit_options)
  end
  local model = models[k]
  customers.cluster = model.labels
  local profile = cluster.profile(customers, {features = features,
    revenue = customers:has("revenue") and "revenue" or nil})
  local names = cluster.name_clusters(profile, rules)
  local seg = {}
  for i, c in ipairs(model.labels:to_table()) do seg[i] = names[c] end
  -- `segment` is rfm.lua's rule-based segment in every output; a cluster's
  -- name is `cluster_segment`, so the two can sit in one customer table
  customers.cluster_segment = custan.column(seg)
  local pca = #features >= 2 and cluster.pca(customers, {features = features,
    scaler = fit_options.scaler}) or nil
  local warnings = {}
  fit_warnings(o, k, model, profile, n, warnings)

  local summary = {
    input = name,
    input_kind = input_kind,
    customers = n,
    features = features,
    scale = o.scale,
    method = o.method,
    covariance = o.method == "gmm" and o.covariance or nil,
    seed = o.seed,
    fits = rows,
    k = k,
    reason = reason,
    converged = model.converged,
    iterations = model.iterations,
    segments = profile:to_rows(),
    pca = pca and {variance_ratio = pca.variance_ratio, components = pca.components} or nil,
    skipped_bad_rows = info and info.read.skipped_bad_rows or nil,
  }
  local cols = {id, table.unpack(features)}
  cols[#cols + 1] = "cluster"
  cols[#cols + 1] = "cluster_segment"
  local table_out = customers:select(cols)
  if o.method == "gmm" then
    local probs = model:predict_proba(customers)
    for j = 1, k do table_out["p" .. j] = probs:col("p" .. j) end
  end
  if pca then
    table_out.pc1 = pca.scores[1]
    table_out.pc2 = pca.scores[2]
  end
  return {
    kind = "segment", summary = summary, warnings = warnings, info = info, features = features,
    customers = customers, profile = profile, model = model, rows = rows,
    tables = {{"customers.csv", table_out}, {"segments.csv", profile}},
  }
end

return M
