--- custan.cluster: segment customers with k-means or Gaussian mixtures.
--
--   local cluster = require "custan.cluster"
--   local m = cluster.fit(customers, {features = {"recency_days", "orders", "revenue"},
--                                     method = "kmeans", k = 4, seed = 1})
--   customers.cluster = m.labels
--   print(m.inertia, m:metrics().silhouette)
--
-- Features are scaled first (default "log-standard": log1p, then zero mean
-- and unit variance), and the model keeps its scaler, so m:predict(new)
-- scales new rows the same way.  Clusters are numbered 1..k.  The kernels
-- are C (custan.core.cluster); every random start comes from `seed`.

local core = require "custan.core.cluster"
local custan = require "custan"
local util = require "custan.util"
local select = require "custan.models.select"

local M = {}

-- ------------------------------------------------------------ preprocessing --

--- log(1 + x); values at or below -1 are an error naming the row.
function M.log1p(col, name)
  local low = col:min()
  if low and low <= -1 then
    error(string.format("%s: log1p needs values above -1, found %g", name or "column", low), 2)
  end
  return col:log1p()
end

--- (x - mean) / standard deviation (population, as scikit-learn's
-- StandardScaler); a constant column is only centred.
function M.standardize(col)
  local mean, sd = col:mean(), col:std(0)
  if not sd or sd == 0 then sd = 1 end
  return (col - mean) / sd, {center = mean, scale = sd}
end

--- (x - median) / interquartile range (scikit-learn's RobustScaler); a
-- zero range is treated as 1.
function M.robust_scale(col)
  local med, iqr = col:median(), col:quantile(0.75) - col:quantile(0.25)
  if iqr == 0 then iqr = 1 end
  return (col - med) / iqr, {center = med, scale = iqr}
end

--- Values below lo become lo and above hi become hi (either may be nil).
function M.clip(col, lo, hi) return col:clip(lo, hi) end

local scalings = {
  ["log-standard"] = {log = true, scale = M.standardize},
  ["log-robust"] = {log = true, scale = M.robust_scale},
  standard = {scale = M.standardize},
  robust = {scale = M.robust_scale},
  none = {},
}

--- The scaling names fit and prepare accept.
M.scalings = {"log-standard", "standard", "robust", "log-robust", "none"}

local Scaler = {}
Scaler.__index = Scaler

--- Scales the features of `frame` as they were when the scaler was made.
-- @return array of float64 columns, in feature order
function Scaler:transform(frame)
  local out = {}
  for i, name in ipairs(self.features) do
    if not frame:has(name) then error(string.format("no column '%s' to cluster on", name), 2) end
    local col = frame:col(name)
    if self.log then col = M.log1p(col, name) end
    local p = self.params[i]
    if p then col = (col - p.center) / p.scale end
    out[i] = col:cast("float64")
  end
  return out
end

--- Learns a scaling of `features` on `frame`.
-- @param method one of M.scalings (default "log-standard")
function M.scaler(frame, features, method)
  method = method or "log-standard"
  local how = scalings[method]
  if not how then
    error(string.format("unknown scaling '%s' (choose %s)", method, table.concat(M.scalings, ", ")), 2)
  end
  local s = setmetatable({features = features, method = method, log = how.log, params = {}}, Scaler)
  for i, name in ipairs(features) do
    if not frame:has(name) then error(string.format("no column '%s' to cluster on", name), 2) end
    local col = frame:col(name)
    if how.log then col = M.log1p(col, name) end
    if how.scale then
      local _, p = how.scale(col)
      s.params[i] = p
    end
  end
  return s
end

-- ------------------------------------------------------------------ models --

local Model = {}
Model.__index = Model

--- Cluster numbers (1..k) for the rows of a frame with the same features.
function Model:predict(frame)
  local X = self.scaler:transform(frame)
  if self.method == "kmeans" then
    return (core.nearest(X, self.features, self.centers))
  end
  return (core.gmm_predict(self.handle, X, self.features))
end

--- GMM only: a frame of the posterior probability of each component,
-- columns p1..pk, and the log-density of each row.
function Model:predict_proba(frame)
  if self.method ~= "gmm" then error("predict_proba needs a Gaussian mixture", 2) end
  local _, probs, logp = core.gmm_predict(self.handle, self.scaler:transform(frame), self.features)
  local cols, order = {}, {}
  for j, c in ipairs(probs) do
    order[j] = "p" .. j
    cols[order[j]] = c
  end
  return custan.frame(cols, order), logp
end

--- Silhouette, Calinski-Harabasz, Davies-Bouldin and inertia of the fitted
-- labels on the scaled features.  The silhouette is exact up to
-- `silhouette_max` rows (10,000), then on a seeded sample of that size.
function Model:metrics(options)
  local o = options or {}
  return core.metrics(self.X, self.features, self.labels, self.k,
    {silhouette_max = o.silhouette_max, seed = o.seed or self.seed})
end

--- Cluster centres in the features' original units (for k-means the
-- centres, for a mixture the component means), undoing the scaling.
function Model:centers_original()
  local src = self.method == "kmeans" and self.centers or self.means
  local out = {}
  for j, row in ipairs(src) do
    out[j] = {}
    for i, v in ipairs(row) do
      local p = self.scaler.params[i]
      if p then v = v * p.scale + p.center end
      if self.scaler.log then v = math.exp(v) - 1 end
      out[j][i] = v
    end
  end
  return out
end

local function features_of(o)
  local f = o.features or {"recency_days", "orders", "revenue"}
  if type(f) == "string" then
    local list = {}
    for name in f:gmatch("[^,]+") do list[#list + 1] = name:match("^%s*(.-)%s*$") end
    f = list
  end
  if #f == 0 then error("no features to cluster on", 3) end
  return f
end

--- Fits k-means or a Gaussian mixture on columns of a frame.
-- @param frame customers (or any rows)
-- @param options `features` (array or comma list; default recency,
--   frequency, monetary), `method` "kmeans" (default) or "gmm", `k` (4),
--   `scale` (see M.scalings), `seed` (0); k-means: `n_init` (10),
--   `max_iter` (300), `tol` (1e-4), `weights` (a column name); GMM:
--   `covariance` "full" (default), "diag" or "spherical", `n_init` (1),
--   `max_iter` (100), `tol` (1e-3), `reg_covar` (1e-6).
-- @return Model with labels (int64 column), k, features, scaler and the
--   method's results (centers and inertia; or weights, means,
--   covariances, mean_loglik, loglik, aic, bic)
function M.fit(frame, options)
  local o = options or {}
  local features = features_of(o)
  local scaler = o.scaler or M.scaler(frame, features, o.scale)
  local X = scaler:transform(frame)
  local method = o.method or "kmeans"
  local k = o.k or 4
  local r
  if method == "kmeans" then
    local w
    if o.weights then
      if not frame:has(o.weights) then error(string.format("no weight column '%s'", o.weights), 2) end
      w = frame:col(o.weights)
    end
    r = core.kmeans(X, features, {k = k, n_init = o.n_init, max_iter = o.max_iter, tol = o.tol,
      seed = o.seed or 0, weights = w, init = o.init, threads = o.threads})
  elseif method == "gmm" then
    r = core.gmm(X, features, {k = k, covariance = o.covariance or "full", n_init = o.n_init,
      max_iter = o.max_iter, tol = o.tol, reg_covar = o.reg_covar, seed = o.seed or 0,
      threads = o.threads})
  else
    error(string.format("unknown method '%s' (kmeans or gmm)", tostring(method)), 2)
  end
  r.method, r.k, r.features, r.scaler, r.X, r.seed = method, k, features, scaler, X, o.seed or 0
  return setmetatable(r, Model)
end

--- k-means: M.fit with method "kmeans".
function M.kmeans(frame, options)
  local o = setmetatable({method = "kmeans"}, {__index = options})
  return M.fit(frame, o)
end

--- Gaussian mixture: M.fit with method "gmm".
function M.gmm(frame, options)
  local o = setmetatable({method = "gmm"}, {__index = options})
  return M.fit(frame, o)
end

--- Metrics of any labelling (an int64 column of 1..k) on scaled features.
function M.metrics(frame, labels, options)
  local o = options or {}
  local features = features_of(o)
  local scaler = o.scaler or M.scaler(frame, features, o.scale)
  local k = o.k or labels:max()
  return core.metrics(scaler:transform(frame), features, labels, k,
    {silhouette_max = o.silhouette_max, seed = o.seed})
end

--- Principal components of the scaled features, for 2-D maps of segments.
-- @return {mean, components, variance, variance_ratio, scores = {pc1, pc2}}
--- t-SNE: a 2-D map of the rows (van der Maaten & Hinton 2008), as
-- scikit-learn's TSNE(method="exact") with its defaults; the features are
-- scaled as for the clusters first.  O(n^2) time and memory per
-- iteration: a few thousand rows (sample larger tables).
-- @tparam frame frame
-- @tparam table options `features`, `scale` ("log-standard"), `perplexity` (30),
--   `iterations` (1000), `threads`
-- @return x, y columns
function M.tsne(frame, options)
  local o = options or {}
  local features = o.features or error("tsne: give features", 2)
  local scaler = o.scaler or M.scaler(frame, features, o.scale or "log-standard")
  return core.tsne(scaler:transform(frame), features, o.perplexity or 30, o.iterations or 1000, o.threads)
end

--- Trustworthiness of an embedding (sklearn.manifold.trustworthiness):
-- the share of each row's k nearest neighbours in the embedding that are
-- near in the original space, penalised by how far they rank there.
-- @tparam frame frame the rows; `features` its columns (as they are)
-- @tparam table embedded {x column, y column}
-- @tparam[opt] integer k (5)
function M.trustworthiness(frame, features, embedded, k)
  local cols = {}
  for i, f in ipairs(features) do cols[i] = frame:col(f) end
  return core.trustworthiness(cols, features, embedded, {"x", "y"}, k or 5)
end

--- Adjusted Rand index of two labelings (columns of any type: text,
-- numbers), as scikit-learn's adjusted_rand_score: 1 for the same
-- partition, about 0 for unrelated ones.  Missing labels are an error.
function M.adjusted_rand(a, b)
  local function codes(col)
    local seen, out, k = {}, {}, 0
    for i, v in ipairs(col:to_table()) do
      if v == nil then error(string.format("adjusted_rand: row %d has no label", i), 2) end
      if not seen[v] then k = k + 1; seen[v] = k end
      out[i] = seen[v]
    end
    if #out ~= col:len() then error("adjusted_rand: a label is missing", 2) end
    return custan.column(out, "int64", #out)
  end
  return core.adjusted_rand(codes(a), codes(b))
end

function M.pca(frame, options)
  local o = options or {}
  local features = features_of(o)
  local scaler = o.scaler or M.scaler(frame, features, o.scale)
  return core.pca(scaler:transform(frame), features, o.components or 2)
end

--- Fits every k in a range and measures each.
-- @param options as M.fit, plus `k_min` (2) and `k_max` (10)
-- @return rows {k, inertia | loglik, mean_loglik, bic, aic, silhouette,
--   calinski_harabasz, davies_bouldin}, the suggested k, the reason, and
--   the models by k
function M.sweep(frame, options)
  local o = options or {}
  local kmin, kmax = o.k_min or 2, o.k_max or 10
  if kmin < 2 or kmax < kmin then
    error(string.format("bad k range %d..%d (k starts at 2)", kmin, kmax), 2)
  end
  local base = {}
  for key, v in pairs(o) do base[key] = v end
  base.scaler = o.scaler or M.scaler(frame, features_of(o), o.scale)
  local rows, models = {}, {}
  for k = kmin, kmax do
    base.k = k
    local m = M.fit(frame, base)
    local q = m:metrics{silhouette_max = o.silhouette_max}
    local row = {k = k, silhouette = q.silhouette, calinski_harabasz = q.calinski_harabasz,
      davies_bouldin = q.davies_bouldin, silhouette_rows = q.silhouette_rows,
      silhouette_sampled = q.silhouette_sampled}
    if m.method == "kmeans" then
      row.inertia = m.inertia
    else
      row.loglik, row.mean_loglik, row.bic, row.aic = m.loglik, m.mean_loglik, m.bic, m.aic
    end
    rows[#rows + 1] = row
    models[k] = m
  end
  local best, reason
  if (o.method or "kmeans") == "gmm" then
    best = select.best(rows, {score = function(r) return r.bic end})
    reason = string.format("lowest BIC (%.1f) of k = %d..%d", best.bic, kmin, kmax)
  else
    best = select.best(rows, {score = function(r) return r.silhouette end, higher = true}) or rows[1]
    reason = string.format("highest silhouette (%.3f) of k = %d..%d", best.silhouette or 0 / 0,
      kmin, kmax)
  end
  return rows, best.k, reason, models
end

-- ---------------------------------------------------------------- profiles --

--- One row per cluster: size and share, revenue and its share (if a
-- revenue column is given), the mean of each feature in original units and
-- of `clv` when present.
-- @param frame the customers, with the labels in column `cluster`
-- @param options `features`, `cluster` (column name, default "cluster"),
--   `revenue` (column name, default "monetary" when present), `clv`
--   (column name, default "clv" when present)
-- @return frame
function M.profile(frame, options)
  local o = options or {}
  local features = features_of(o)
  local ccol = o.cluster or "cluster"
  local revenue = o.revenue or (frame:has("revenue") and "revenue") or nil
  local clv = o.clv or (frame:has("clv") and "clv") or nil
  local aggs = {{ccol, "size", as = "customers"}}
  for _, f in ipairs(features) do aggs[#aggs + 1] = {f, "mean", as = "mean_" .. f} end
  if revenue then aggs[#aggs + 1] = {revenue, "sum", as = "revenue"} end
  if clv then aggs[#aggs + 1] = {clv, "mean", as = "mean_clv"} end
  local p = frame:group_by{ccol}:agg(aggs):sort(ccol)
  p.share = p.customers / frame:nrows()
  if revenue then
    local total = frame:col(revenue):sum()
    p.revenue_share = p.revenue / (total ~= 0 and total or 1)
  end
  return p
end

--- Names and strategies for clusters from a rule file (default
-- lua/custan/rules/clusters.lua).  Adds columns `segment` and `strategy`
-- to the profile and returns a map cluster -> name.
function M.name_clusters(profile, rules, options)
  rules = rules or require "custan.rules.clusters"
  if type(rules) ~= "table" or type(rules.name) ~= "function" then
    error("cluster rules must be a table with a name(profiles, options) function", 2)
  end
  local rows = profile:to_rows()
  local named = rules.name(rows, options or {})
  if type(named) ~= "table" then
    error(string.format("cluster rules: name() returned %s, not a table of names", type(named)), 0)
  end
  local names, strategies, map, seen = {}, {}, {}, {}
  for i, r in ipairs(rows) do
    local n = named[i]
    if type(n) ~= "table" or type(n.segment) ~= "string" then
      error(string.format("cluster rules: no segment name for cluster %s", tostring(r.cluster)), 0)
    end
    if seen[n.segment] then
      error(string.format("cluster rules: clusters %s and %s are both named '%s'; names must " ..
        "be distinct", tostring(seen[n.segment]), tostring(r.cluster), n.segment), 0)
    end
    seen[n.segment] = r.cluster
    names[i], strategies[i] = n.segment, n.strategy or ""
    map[r.cluster] = n.segment
  end
  profile.segment = custan.column(names)
  profile.strategy = custan.column(strategies)
  return map
end

--- Loads a cluster-naming rule file.
function M.load_rules(path)
  local rules = util.load_lua(path, "rules")
  if type(rules) ~= "table" or type(rules.name) ~= "function" then
    error(string.format("rules %s: must return a table with a name(profiles, options) function",
      path), 0)
  end
  return rules
end

return M
