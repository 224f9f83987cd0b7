--- Charts for the dashboards: each function takes data (frames, rows or a
-- result document's parts) and returns one Chart.js configuration
-- (`{type, data, options}`, turned into JSON and drawn by Chart.js in the
-- page).  Layout files name them (`chart = "weekly_revenue"`); add your own
-- with `charts.register(name, fn)`.  Every chart gets tooltips; colours
-- come from one palette so a segment has one colour on a page.
-- @module custan.report.charts

local M = {}

--- The palette (Tableau 10, colour-blind friendly enough for most uses).
M.palette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
             "#ff9da7", "#9c755f", "#bab0ac"}

--- The colour of the i-th series (1-based), cycling through the palette.
function M.colour(i) return M.palette[(i - 1) % #M.palette + 1] end

local function column(t, name)
  if type(t) == "table" and t[1] ~= nil then -- rows
    local out = {}
    for i, r in ipairs(t) do out[i] = r[name] end
    return out
  end
  return t:col(name):to_table()
end

local function base(kind, title, extra)
  local o = {responsive = true, maintainAspectRatio = false, animation = false,
    plugins = {title = {display = title ~= nil, text = title}, legend = {display = true},
      tooltip = {enabled = true, mode = "index", intersect = false}}}
  for k, v in pairs(extra or {}) do o[k] = v end
  return {type = kind, options = o}
end

--- A line chart of one or more series over shared labels.
-- @tparam table labels the x values
-- @tparam table series array of {label = , values = {...}}
-- @tparam[opt] table opts `title`, `y` (axis title), `stacked`
function M.line(labels, series, opts)
  opts = opts or {}
  local c = base("line", opts.title, {scales = {y = {title = {display = opts.y ~= nil, text = opts.y},
    beginAtZero = true}}})
  local ds = {}
  for i, s in ipairs(series) do
    ds[i] = {label = s.label, data = s.values, borderColor = s.colour or M.colour(i),
      backgroundColor = s.colour or M.colour(i), pointRadius = 0, borderWidth = 2, fill = false,
      yAxisID = s.axis}
  end
  c.data = {labels = labels, datasets = ds}
  return c
end

--- A bar chart of one or more series over shared labels.
-- @tparam[opt] table opts `title`, `y`, `stacked`, `horizontal`
function M.bar(labels, series, opts)
  opts = opts or {}
  local c = base("bar", opts.title, {indexAxis = opts.horizontal and "y" or "x",
    scales = {x = {stacked = opts.stacked or false}, y = {stacked = opts.stacked or false,
      title = {display = opts.y ~= nil, text = opts.y}}}})
  local ds = {}
  for i, s in ipairs(series) do
    ds[i] = {label = s.label, data = s.values, backgroundColor = s.colour or M.colour(i),
      yAxisID = s.axis}
  end
  c.data = {labels = labels, datasets = ds}
  return c
end

--- A doughnut of shares.
function M.doughnut(labels, values, opts)
  opts = opts or {}
  local c = base("doughnut", opts.title)
  local colours = {}
  for i = 1, #labels do colours[i] = M.colour(i) end
  c.data = {labels = labels, datasets = {{data = values, backgroundColor = colours}}}
  c.options.plugins.tooltip.mode = "nearest"
  return c
end

-- --------------------------------------------------------- domain charts --

--- Weekly revenue (bars) and orders (line, right axis) from a weekly
-- table (week, revenue, orders).
function M.weekly_revenue(weekly)
  local c = M.bar(column(weekly, "week"), {
    {label = "revenue", values = column(weekly, "revenue"), axis = "y"},
  }, {title = "Revenue and orders by week", y = "revenue"})
  c.data.datasets[2] = {type = "line", label = "orders", data = column(weekly, "orders"),
    borderColor = M.colour(2), backgroundColor = M.colour(2), pointRadius = 0, borderWidth = 2,
    yAxisID = "y2"}
  c.options.scales.y2 = {position = "right", grid = {drawOnChartArea = false},
    title = {display = true, text = "orders"}, beginAtZero = true}
  return c
end

--- Orders by week (bars), for logs without amounts.
function M.weekly_orders(weekly)
  return M.bar(column(weekly, "week"), {{label = "orders", values = column(weekly, "orders")}},
    {title = "Orders by week", y = "orders"})
end

--- New and returning customers by week (stacked bars), from a weekly
-- table (week, new_customers, returning_customers).
function M.new_vs_returning(weekly)
  return M.bar(column(weekly, "week"), {
    {label = "new", values = column(weekly, "new_customers")},
    {label = "returning", values = column(weekly, "returning_customers")},
  }, {title = "New and returning customers by week", stacked = true, y = "customers"})
end

--- Customers and revenue per segment (horizontal bars), from rows or a
-- frame with segment (or name), customers and revenue.
function M.segment_sizes(segments)
  local names = column(segments, segments[1] and segments[1].name and "name" or "segment")
  return M.bar(names, {{label = "customers", values = column(segments, "customers")}},
    {title = "Customers per segment", horizontal = true})
end

function M.segment_revenue(segments)
  local names = column(segments, segments[1] and segments[1].name and "name" or "segment")
  return M.bar(names, {{label = "revenue", values = column(segments, "revenue"), colour = M.colour(5)}},
    {title = "Revenue per segment", horizontal = true})
end

--- Colours of the churn risk tiers.
M.tier_colours = {High = "#e15759", Medium = "#f28e2b", Low = "#59a14f"}

--- Customers per churn risk tier (a doughnut), from rows {tier, customers}.
function M.risk_tiers(tiers)
  local names = column(tiers, "tier")
  local c = M.doughnut(names, column(tiers, "customers"), {title = "Customers by churn risk tier"})
  for i, n in ipairs(names) do c.data.datasets[1].backgroundColor[i] = M.tier_colours[n] or M.colour(i) end
  return c
end

--- The funnel of an event log: visitors at each stage (bars), from
-- insights' funnel {viewers, carters, buyers}.
function M.funnel(f)
  return M.bar({"viewed", "added to cart", "bought"}, {{label = "visitors",
    values = {f.viewers, f.carters, f.buyers}}}, {title = "Funnel: visitors at each stage"})
end

--- Customers by number of repeat purchases, actual against simulated from
-- the model (lifetimes' plot_period_transactions), from rows {frequency,
-- actual, simulated}.
function M.period_transactions(rows)
  return M.bar(column(rows, "frequency"), {{label = "actual", values = column(rows, "actual")},
    {label = "model (simulated)", values = column(rows, "simulated")}},
    {title = "Customers by number of repeat purchases", y = "customers"})
end

--- Mean holdout purchases by calibration frequency, actual and predicted
-- (lifetimes' plot_calibration_purchases_vs_holdout_purchases).
function M.holdout_by_frequency(rows)
  local labels = {}
  for i, f in ipairs(column(rows, "frequency")) do
    labels[i] = tostring(math.tointeger(f) or f) .. (i == #column(rows, "frequency") and "+" or "")
  end
  return M.line(labels, {{label = "actual", values = column(rows, "actual")},
    {label = "model", values = column(rows, "predicted")}},
    {title = "Holdout purchases by calibration frequency", y = "mean purchases in the holdout"})
end

--- Repeat transactions per period, actual against the model (CLVTools'
-- tracking plot), weekly and cumulative.
function M.tracking_weekly(rows)
  return M.line(column(rows, "period"), {{label = "actual", values = column(rows, "actual")},
    {label = "model", values = column(rows, "expected")}},
    {title = "Repeat transactions per week", y = "repeat transactions"})
end

function M.tracking_cumulative(rows)
  return M.line(column(rows, "period"), {{label = "actual", values = column(rows, "cumulative_actual")},
    {label = "model", values = column(rows, "cumulative_expected")}},
    {title = "Cumulative repeat transactions", y = "repeat transactions"})
end

-- ------------------------------------------------------ strategic charts --

--- A scatter chart: series of {label, points = {{x =, y =}, ...}}.
function M.scatter(series, opts)
  opts = opts or {}
  local c = base("scatter", opts.title, {scales = {
    x = {title = {display = opts.x ~= nil, text = opts.x}},
    y = {title = {display = opts.y ~= nil, text = opts.y}}}})
  c.options.plugins.tooltip.mode = "nearest"
  c.options.plugins.tooltip.intersect = true
  local ds = {}
  for i, s in ipairs(series) do
    ds[i] = {label = s.label, data = s.points, backgroundColor = s.colour or M.colour(i),
      pointRadius = opts.radius or 2, showLine = s.line or false, borderColor = s.colour or M.colour(i),
      borderWidth = s.line and 2 or 0}
  end
  c.data = {datasets = ds}
  return c
end

--- Mean CLV per segment with the mean of its customers' 90% ranges (a
-- floating bar from the mean low to the mean high), from rows {segment,
-- clv, clv_low, clv_high}.
function M.clv_by_segment(rows)
  local names, mean, range = column(rows, "segment"), column(rows, "clv"), {}
  local lo, hi = column(rows, "clv_low"), column(rows, "clv_high")
  for i = 1, #names do range[i] = {lo[i] or mean[i], hi[i] or mean[i]} end
  return M.bar(names, {{label = "mean CLV", values = mean},
    {label = "mean 90% range (parameters)", values = range, colour = "rgba(78,121,167,0.35)"}},
    {title = "CLV by segment", y = "CLV, next 12 months"})
end

--- The sBG projection of cohort survival against what was observed, from
-- retention_projection rows {age, survival, observed_survival}.
function M.survival_projection(rows)
  return M.line(column(rows, "age"), {{label = "observed (cohorts pooled)", values = column(rows, "observed_survival")},
    {label = "sBG projection", values = column(rows, "survival")}},
    {title = "Share of a cohort still buying, by month", y = "survival"})
end

--- The Lorenz curve of revenue over customers (at most 200 points), from
-- rows {customer_share, revenue_share}, with the line of equality.
function M.lorenz(rows)
  local xs, ys = column(rows, "customer_share"), column(rows, "revenue_share")
  local step, pts = math.max(1, #xs // 200), {}
  for i = 1, #xs, step do pts[#pts + 1] = {x = xs[i], y = ys[i]} end
  pts[#pts + 1] = {x = xs[#xs], y = ys[#ys]}
  -- the 80/20 point: where the customers above make 80% of revenue
  local mark
  for i = 1, #xs do
    if ys[i] >= 0.2 then mark = {x = xs[i], y = ys[i]}; break end
  end
  local series = {{label = "revenue share", points = pts, line = true},
    {label = "equality", points = {{x = 0, y = 0}, {x = 1, y = 1}}, line = true, colour = "#bab0ac"}}
  if mark then
    series[3] = {label = string.format("80%% of revenue from the top %.0f%% of customers",
      100 * (1 - mark.x)), points = {mark}, colour = "#e15759"}
  end
  local c = M.scatter(series,
    {title = "Revenue concentration (Lorenz curve)", x = "share of customers (smallest first)",
     y = "share of revenue", radius = 0})
  if mark then c.data.datasets[3].pointRadius = 6 end
  return c
end

--- Revenue by country (the top 10), from rows {country, revenue}.
function M.countries(rows)
  local names, rev = {}, {}
  for i = 1, math.min(10, #rows) do names[i], rev[i] = rows[i].country, rows[i].revenue end
  return M.bar(names, {{label = "revenue", values = rev, colour = M.colour(5)}},
    {title = "Revenue by country (top 10)", horizontal = true})
end

-- Points grouped into scatter series by a row field, in order of first
-- appearance (or sorted): series {label, points = {{x, y}}, line}.
local function series_by(rows, key, x, y, o)
  o = o or {}
  local by, order = {}, {}
  for _, r in ipairs(rows) do
    local k = r[key] or "?"
    if not by[k] then by[k] = {}; order[#order + 1] = k end
    by[k][#by[k] + 1] = {x = r[x], y = r[y]}
  end
  if o.sort then table.sort(order) end
  local series = {}
  for i, k in ipairs(order) do series[i] = {label = k, points = by[k], line = o.line} end
  return series
end

--- The segment map: the first two principal components of the scaled RFM
-- features, one colour per cluster, from rows {pc1, pc2, cluster_segment}.
function M.segment_map(rows)
  return M.scatter(series_by(rows, "cluster_segment", "pc1", "pc2", {sort = true}),
    {title = "Segment map (PCA of log-scaled RFM)", x = "PC1", y = "PC2"})
end

--- Histograms of each scenario's net value over the draws, from rows
-- {scenario, bin (the bin's centre), draws}.
function M.net_distributions(rows)
  return M.scatter(series_by(rows, "scenario", "bin", "draws", {line = true}), {title = "Net value over the draws", x = "net value against doing nothing",
    y = "draws", radius = 0})
end

--- Tornado: the expected net value with each assumption at its 5% and
-- 95% quantile, from sensitivity rows {scenario, assumption, net_at_low, net_at_high}.
function M.tornado(rows)
  local labels, ranges = {}, {}
  for i, r in ipairs(rows) do
    labels[i] = r.scenario .. ": " .. tostring(r.assumption):gsub("^assumptions%.", ""):gsub("^costs%.", "cost ")
    ranges[i] = {math.min(r.net_at_low, r.net_at_high), math.max(r.net_at_low, r.net_at_high)}
  end
  return M.bar(labels, {{label = "expected net, assumption from its 5% to its 95% quantile", values = ranges}},
    {title = "Sensitivity (tornado)", horizontal = true})
end

--- Targeting curves: the expected net value of contacting the best n
-- customers of each scenario's rule, from rows {scenario, customers, expected_net}.
function M.targeting(rows)
  return M.scatter(series_by(rows, "scenario", "customers", "expected_net", {line = true}), {title = "Targeting: expected net value of contacting the best n",
    x = "customers contacted (best first)", y = "expected net value", radius = 0})
end

--- The churn model's ROC curve on the test split, from rows {fpr, tpr}.
function M.roc(rows)
  local pts = {}
  for i, r in ipairs(rows) do pts[i] = {x = r.fpr, y = r.tpr} end
  return M.scatter({{label = "ROC (test split)", points = pts, line = true},
    {label = "chance", points = {{x = 0, y = 0}, {x = 1, y = 1}}, line = true, colour = "#bab0ac"}},
    {title = "ROC curve", x = "false positive rate", y = "true positive rate", radius = 0})
end

--- Cumulative gain by decile, from lift rows {group, gain}.
function M.gain(rows)
  local pts = {{x = 0, y = 0}}
  local groups, gains = column(rows, "group"), column(rows, "gain")
  for i = 1, #groups do pts[#pts + 1] = {x = groups[i] / #groups, y = gains[i]} end
  return M.scatter({{label = "model", points = pts, line = true},
    {label = "random", points = {{x = 0, y = 0}, {x = 1, y = 1}}, line = true, colour = "#bab0ac"}},
    {title = "Cumulative gain", x = "share of customers contacted (riskiest first)",
     y = "share of churners reached", radius = 3})
end

--- Calibration: mean predicted against observed churn per bin.
function M.calibration(rows)
  local pts = {}
  for i, r in ipairs(rows) do pts[i] = {x = r.mean_predicted, y = r.observed} end
  return M.scatter({{label = "model", points = pts, line = true},
    {label = "perfect", points = {{x = 0, y = 0}, {x = 1, y = 1}}, line = true, colour = "#bab0ac"}},
    {title = "Calibration", x = "mean predicted probability", y = "observed churn rate", radius = 3})
end

--- Permutation importance of the best churn model's features.
function M.importance(rows)
  return M.bar(column(rows, "feature"), {{label = "test AUC lost when shuffled", values = column(rows, "permutation")}},
    {title = "Feature importance", horizontal = true})
end

-- ------------------------------------------------------------- registry --

local registry = {
  weekly_revenue = M.weekly_revenue, weekly_orders = M.weekly_orders,
  new_vs_returning = M.new_vs_returning,
  segment_sizes = M.segment_sizes, segment_revenue = M.segment_revenue,
  risk_tiers = M.risk_tiers, funnel = M.funnel, period_transactions = M.period_transactions,
  holdout_by_frequency = M.holdout_by_frequency, tracking_weekly = M.tracking_weekly,
  tracking_cumulative = M.tracking_cumulative, clv_by_segment = M.clv_by_segment,
  survival_projection = M.survival_projection, lorenz = M.lorenz, countries = M.countries,
  segment_map = M.segment_map, net_distributions = M.net_distributions, tornado = M.tornado,
  targeting = M.targeting, roc = M.roc, gain = M.gain, calibration = M.calibration,
  importance = M.importance,
}

--- Charts that show amounts: a log without them (an event log) draws
-- `instead` or nothing.
M.needs_amounts = {weekly_revenue = "weekly_orders", segment_revenue = false, lorenz = false,
  countries = false, clv_by_segment = false}

--- Adds or replaces a named chart: `fn(data)` returns a Chart.js config.
function M.register(name, fn)
  if type(name) ~= "string" or type(fn) ~= "function" then
    error("charts.register(name, fn): a name and a function", 2)
  end
  registry[name] = fn
end

--- The chart function of a name, or nil.
function M.get(name) return registry[name] end

--- The registered names, sorted.
function M.names()
  local out = {}
  for k in pairs(registry) do out[#out + 1] = k end
  table.sort(out)
  return out
end

return M
