--- Funnel analysis of an event log: view -> cart -> purchase conversion,
-- overall (visitors), per segment and per week (events).  Returns a
-- result document.
--
-- Overall, a visitor counts at a stage when they have at least one event
-- of it: view_to_cart is the share of viewers who put something in a
-- cart, cart_to_purchase the share of those who then bought (any
-- purchase), view_to_purchase the share of viewers who bought.  Per
-- segment and per week the rates are of events: carts per view and
-- purchases (transactions) per cart.
-- @module custan.analysis.funnel

local custan = require "custan"
local join = require "custan.join"
local transactions = require "custan.data.transactions"
local dist = require "custan.dist"

local M = {}

-- Per visitor: whether they viewed, carted and bought.
local function visitor_flags(tx, o)
  local ev = tx.event
  local t = custan.frame({customer = tx.customer, view = ev:eq(o.view_event):fill(false):cast("int64"),
    cart = ev:eq(o.cart_event):fill(false):cast("int64"), buy = tx.purchase:cast("int64")},
    {"customer", "view", "cart", "buy"})
  t = t:filter(~t.customer:is_missing())
  return t:group_by("customer"):agg{{"view", "max", as = "viewed"}, {"cart", "max", as = "carted"},
    {"buy", "max", as = "bought"}}
end

local function share(a, b) return b > 0 and a / b or nil end

-- Event counts and rates by a key column (segment, week); with
-- o.partitioned (mpirun) the counts of every rank's visitors.
local function by_key(t, key, o)
  local g = t:group_by(key):agg{{"view", "sum", as = "views"}, {"cart", "sum", as = "carts"},
    {"buy", "sum", as = "purchases"}, {"customer", "n_unique", as = "visitors"}}
  if o.partitioned then
    g = dist.merge_groups(g, {key}, {views = "sum", carts = "sum", purchases = "sum", visitors = "sum"})
      :select{key, "views", "carts", "purchases", "visitors"}
  end
  g = g:sort(key)
  g.cart_rate = (g.carts:cast("float64") / g.views:cast("float64"))
  g.purchase_rate = (g.purchases:cast("float64") / g.carts:cast("float64"))
  return g
end

--- Runs the analysis.
-- @tparam string|frame input an event log (a path, read with the options'
--   preset, e.g. retailrocket), or a frame from custan.data.transactions.read
-- @tparam[opt] table options the reader's, `segments` (a frame with
--   customer and segment: the segment of each visitor who bought; others
--   count as "(no purchase)")
-- @return result document {kind = "funnel", summary, tables}
function M.run(input, options)
  local o = transactions.options(options)
  local tx = input
  if type(input) == "string" then tx = transactions.read(input, o) end
  if not tx:has("event") then
    error("funnel: the log has no event column (an event log, e.g. --preset retailrocket)", 0)
  end
  o.partitioned = o.partitioned and dist.size() > 1 or nil
  local flags = visitor_flags(tx, o)
  -- visitors on every rank when partitioned (each rank has its own)
  local n = {flags:nrows(), flags.viewed:sum(), (flags.viewed:eq(1) & flags.carted:eq(1)):sum(),
    (flags.carted:eq(1) & flags.bought:eq(1)):sum(), (flags.viewed:eq(1) & flags.bought:eq(1)):sum(),
    flags.carted:sum(), flags.bought:sum()}
  if o.partitioned then n = dist.sum(n) end
  for i = 1, #n do n[i] = math.tointeger(n[i]) end
  local visitors, viewers, carters, buyers_after_cart, viewer_buyers, carted, bought = table.unpack(n)
  local overall = {visitors = visitors, viewers = viewers, carters = carted,
    buyers = bought, view_to_cart = share(carters, viewers),
    cart_to_purchase = share(buyers_after_cart, carted),
    view_to_purchase = share(viewer_buyers, viewers)}

  local ev = tx.event
  local events = custan.frame({customer = tx.customer, view = ev:eq(o.view_event):fill(false):cast("int64"),
    cart = ev:eq(o.cart_event):fill(false):cast("int64"), buy = tx.purchase:cast("int64"),
    week = tx.date:floor("week")}, {"customer", "view", "cart", "buy", "week"})
  events = events:filter(~events.customer:is_missing())
  local weekly = by_key(events, "week", o)
  local per_segment
  if o.segments then
    local seg = o.segments:select{"customer", "segment"}
    seg.customer = join.align(seg:col("customer"), events:col("customer"))
    local joined = events:join(seg, "customer", {how = "left"})
    joined.segment = joined.segment:fill("(no purchase)")
    per_segment = by_key(joined, "segment", o)
  end
  local warnings = {}
  if overall.buyers == 0 then warnings[#warnings + 1] = "no visitor bought anything" end
  return {kind = "funnel", summary = {overall = overall, weeks = weekly:nrows()}, warnings = warnings,
    tables = {{"funnel_weekly.csv", weekly}, {"funnel_segments.csv", per_segment}}}
end

return M
