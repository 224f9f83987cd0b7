-- examples/make_events.lua [OUT.csv]: builds examples/data/events_sample.csv.gz,
-- a small event log in RetailRocket's layout (timestamp in milliseconds since
-- 1970 UTC, visitorid, event = view | addtocart | transaction, itemid,
-- transactionid), for the pipeline's event-log path and its tests.
--
--   build/custan run examples/make_events.lua /tmp/events.csv && gzip -9n /tmp/events.csv
--
-- 2,000 visitors over 139 days (2015-05-03 .. 2015-09-18, as RetailRocket's
-- log).  Each visitor's sessions come at a rate drawn from a gamma
-- distribution; after each session with a purchase a visitor leaves for
-- good with a probability drawn from a beta distribution (a BG/NBD world
-- on the purchases, so the purchase models have dropout to find).  A session views 1-8 items
-- of a catalogue of 400 (popular items more often), puts one in the cart
-- with probability 0.3, and buys what is in the cart with probability 0.45
-- (one row per item, one transaction id).  Seeded: the same file every run.
local custan = require "custan"

local out = arg[1] or "examples/data/events_sample.csv"
math.randomseed(20150503)
local start_ms = 1430611200000 -- 2015-05-03 00:00:00 UTC
local days = 139
local day_ms = 86400000

local function exp_draw(rate) return -math.log(1 - math.random()) / rate end
local function gamma(shape, scale) -- Marsaglia and Tsang
  if shape < 1 then return gamma(shape + 1, scale) * math.random() ^ (1 / shape) end
  local d = shape - 1 / 3
  local c = 1 / math.sqrt(9 * d)
  while true do
    local u1, u2 = 1 - math.random(), math.random()
    local z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
    local v = (1 + c * z) ^ 3
    if v > 0 and math.log(1 - math.random()) < 0.5 * z * z + d - d * v + d * math.log(v) then
      return d * v * scale
    end
  end
end
local function beta(a, b) local x = gamma(a, 1) return x / (x + gamma(b, 1)) end
local function item() return math.floor(400 * math.random() ^ 2.5) + 1 end -- popular items first

local ts, visitor, event, itemid, txid = {}, {}, {}, {}, {}
local n, next_tx = 0, 1
local function add(t, v, e, i, x)
  n = n + 1
  ts[n], visitor[n], event[n], itemid[n], txid[n] = t, v, e, i, x
end
for v = 1, 2000 do
  local rate = gamma(0.9, 1 / 8)     -- sessions per day
  local leave = beta(2, 5)           -- chance of leaving after a session with a purchase
  local t = math.random() * 100      -- first visit, days from the start
  while t < days do
    local at = start_ms + math.floor(t * day_ms)
    local cart
    for k = 1, math.random(1, 8) do
      local it = item()
      at = at + math.random(5, 120) * 1000
      add(at, v, "view", it, nil)
      if not cart and math.random() < 0.3 / 2 then
        at = at + math.random(5, 60) * 1000
        add(at, v, "addtocart", it, nil)
        cart = {it}
      end
    end
    if cart and math.random() < 0.45 then
      at = at + math.random(30, 600) * 1000
      for _, it in ipairs(cart) do add(at, v, "transaction", it, next_tx) end
      next_tx = next_tx + 1
    end
    if cart and txid[n] and math.random() < leave then break end
    t = t + exp_draw(rate)
  end
end
custan.frame({timestamp = custan.column(ts, "int64", n), visitorid = custan.column(visitor, "int64", n),
  event = custan.column(event, "string", n), itemid = custan.column(itemid, "int64", n),
  transactionid = custan.column(txid, "int64", n)},
  {"timestamp", "visitorid", "event", "itemid", "transactionid"}):write_csv(out)
print(string.format("wrote %d events of 2000 visitors (%d transactions) to %s", n, next_tx - 1, out))
