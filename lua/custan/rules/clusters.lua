--- Names and strategies for clusters found by segment.lua.
--
-- Clusters have no names of their own: this file ranks them by value and
-- recency and names them from those ranks.  `name(profiles)` receives one
-- table per cluster (cluster, customers, share, revenue, revenue_share,
-- mean_<feature> for each feature, mean_clv when a CLV column exists) and
-- returns, in the same order, {segment = ..., strategy = ...}.
--
-- Copy this file, change the thresholds, names or strategies, and pass it
-- with `--rules`.  The ranks below are shares in [0, 1]: 1 for the best
-- cluster on that measure, 0 for the worst.

local M = {}

M.strategies = {
  ["High-Value Loyal"] =
    "Protect and reward: loyalty perks, early access, referral asks; no blanket discounts.",
  ["At-Risk High Spenders"] =
    "Win back now: personal outreach, a tailored offer on past categories, ask why they left.",
  ["Active Low Spenders"] =
    "Grow basket size: bundles, free-shipping thresholds, cross-sell on recent purchases.",
  ["New or Low Engagement"] =
    "Onboard: welcome series, a reason for the second order, product guidance.",
  ["Lapsed Low Value"] =
    "Low-cost reactivation only (email, seasonal campaigns); do not spend on paid channels.",
}

-- The first of these present is the cluster's value measure.  Names are
-- custan's one vocabulary (docs/models.md): recency_days is days since the
-- last purchase; lifetimes' recency (first to last purchase) is no
-- measure of lapse, so it is not used here.
local value_columns = {"mean_clv", "mean_revenue", "mean_monetary_value", "mean_monetary"}
local recency_columns = {"mean_recency_days"}
local frequency_columns = {"mean_orders", "mean_frequency"}

local function first_present(rows, names)
  for _, n in ipairs(names) do
    if rows[1][n] ~= nil then return n end
  end
end

-- rank[i] in [0, 1]: the share of other clusters that cluster i beats.
local function ranks(rows, column, lower_is_better)
  local out = {}
  for i, r in ipairs(rows) do
    local beats = 0
    for j, q in ipairs(rows) do
      if i ~= j then
        local better = lower_is_better and r[column] < q[column] or
          (not lower_is_better and r[column] > q[column])
        if better then beats = beats + 1 end
      end
    end
    out[i] = #rows > 1 and beats / (#rows - 1) or 1
  end
  return out
end

local function pick(value, recent, frequent)
  if value >= 0.5 and recent >= 0.5 then return "High-Value Loyal" end
  if value >= 0.5 then return "At-Risk High Spenders" end
  if recent >= 0.5 and frequent >= 0.5 then return "Active Low Spenders" end
  if recent >= 0.5 then return "New or Low Engagement" end
  return "Lapsed Low Value"
end

-- Without a value or a recency measure among the features, the clusters
-- are named by what sets each apart (its feature furthest above the
-- clusters' average, in relative terms), not given RFM names they do not
-- earn.
local function plain_names(rows)
  local features = {}
  for k in pairs(rows[1]) do
    if k:match("^mean_") then features[#features + 1] = k end
  end
  table.sort(features)
  local out = {}
  for i, r in ipairs(rows) do
    local best, best_gap = nil, -math.huge
    for _, f in ipairs(features) do
      local sum = 0
      for _, q in ipairs(rows) do sum = sum + q[f] end
      local mean = sum / #rows
      local gap = (r[f] - mean) / (math.abs(mean) > 0 and math.abs(mean) or 1)
      if gap > best_gap then best, best_gap = f, gap end
    end
    local what = best and (best_gap > 0 and "high " or "low ") .. best:sub(6) or "all features"
    out[i] = {segment = string.format("Cluster %d: %s", r.cluster, what),
              strategy = "No value or recency measure among the features: name this segment " ..
                "and its strategy in a rules file (--rules)."}
  end
  return out
end

function M.name(rows, options)
  local value = (options and options.value) or first_present(rows, value_columns)
  local recency = first_present(rows, recency_columns)
  local frequency = first_present(rows, frequency_columns)
  if not value and not recency then return plain_names(rows) end
  local v = value and ranks(rows, value, false) or {}
  local r = recency and ranks(rows, recency, true) or {}
  local f = frequency and ranks(rows, frequency, false) or {}
  local out, seen = {}, {}
  for i = 1, #rows do
    local name = pick(v[i] or 0.5, r[i] or 0.5, f[i] or 0.5)
    seen[name] = (seen[name] or 0) + 1
    local label = seen[name] > 1 and string.format("%s (%d)", name, seen[name]) or name
    out[i] = {segment = label, strategy = M.strategies[name]}
  end
  return out
end

return M
