--- A synthetic e-commerce world with known truth: a world file (Lua, see
-- lua/custan/rules/world.lua) is read and checked here, and the draws and
-- the files are C (custan.core.sim.world, engine/kernels/sim/world.c).
--
-- The output folder holds, written as one set:
--   orders.csv      order lines in Online Retail's layout (or II's)
--   customers.csv   customer_id, signup_date, country, region, age_band, channel
--   products.csv    StockCode, Description, category, price, margin
--   truth.csv       each customer's segment, process parameters, alive at
--                   the log's end, and purchases and spend over the holdout
--   experiment.csv  (a world with an experiment) customer_id, arm, and the
--                   orders, revenue and purchased flag over the test window
--   events.csv      (events = true) web sessions in RetailRocket's layout
--   world.json      the world as run, with its seed, for the record
-- @module custan.analysis.generate

local core = require "custan.core.sim"
local date = require "custan.date"
local json = require "custan.json"
local sandbox = require "custan.sandbox"

local M = {}

--- What a world file may leave out.
M.defaults = {
  name = "world", start = "2023-01-01", days = 730, holdout_days = 180, layout = "online_retail",
  cancellation_rate = 0, return_rate = 0,
  countries = {{name = "United Kingdom", region = "Europe"}},
  age_bands = {"all"}, channels = {"direct"},
  catalogue = {{category = "General", products = 100, median_price = 10, price_spread = 0.5,
                popularity = 1, margin = 0.3}},
  seasonality = {weekday = {1, 1, 1, 1, 1, 1, 1}, month = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
}

M.segment_defaults = {
  basket = {lines = 1, quantity = 1},
  web = {views = 4, view_to_cart = 0.3, cart_to_purchase = 0.5},
}

local LAYOUTS = {online_retail = 0, online_retail_ii = 1}

--- Reads a world file (sandboxed unless trusted); errors name the file.
function M.load(path)
  local world = sandbox.run_file(path, "world")
  if type(world) ~= "table" then error(string.format("world %s: the file must return a table", path), 0) end
  return world
end

local function fail(where, fmt, ...)
  error(where .. ": " .. string.format(fmt, ...), 0)
end

local function number(where, v, field)
  if type(v) ~= "number" then fail(where, "%s must be a number (got %s)", field, tostring(v)) end
  return v
end

-- Weights by name: listed names get their weight, the rest 1.
local function weights(where, given, names, field)
  local out, known = {}, {}
  for i, n in ipairs(names) do out[i], known[n] = 1, i end
  if given == nil then return out end
  if type(given) ~= "table" then fail(where, "%s must be a table of weights by name", field) end
  for k, v in pairs(given) do
    if not known[k] then
      local list = table.concat(names, ", ")
      fail(where, "%s: unknown name '%s' (known: %s)", field, tostring(k), list)
    end
    out[known[k]] = number(where, v, field .. "." .. k)
  end
  return out
end

local function day_of(where, text, field)
  local us = date.parse(text)
  if not us then fail(where, "%s must be a date YYYY-MM-DD (got %s)", field, tostring(text)) end
  return us // (86400 * 1000000)
end

--- The world as the C kernel takes it, with every default filled in.
-- @tparam table world a world file's table
-- @tparam[opt] table options `days`, `holdout_days`, `layout` (override the file's), `where`
-- @return the flat spec (names as in world.h), and the resolved world (for world.json)
function M.resolve(world, options)
  local o = options or {}
  local where = o.where or "world"
  local w = {}
  for k, v in pairs(M.defaults) do w[k] = v end
  for k, v in pairs(world) do w[k] = v end
  w.days = o.days or w.days
  w.holdout_days = o.holdout_days or w.holdout_days
  w.layout = o.layout or w.layout
  if LAYOUTS[w.layout] == nil then fail(where, "layout must be online_retail or online_retail_ii") end
  local start = day_of(where, w.start, "start")
  local spec = {
    start_day = start, days = math.tointeger(number(where, w.days, "days")),
    holdout_days = math.tointeger(number(where, w.holdout_days, "holdout_days")),
    layout = LAYOUTS[w.layout],
    cancel_rate = number(where, w.cancellation_rate, "cancellation_rate"),
    return_rate = number(where, w.return_rate, "return_rate"),
    countries = {}, regions = {}, ages = {}, channels = {}, categories = {}, segments = {},
    weekday = w.seasonality.weekday or M.defaults.seasonality.weekday,
    month = w.seasonality.month or M.defaults.seasonality.month,
  }
  if not spec.days or not spec.holdout_days then fail(where, "days and holdout_days must be whole numbers") end
  for i, c in ipairs(w.countries) do
    if type(c) ~= "table" or type(c.name) ~= "string" then
      fail(where, "countries[%d] must be {name = ..., region = ...}", i)
    end
    spec.countries[i], spec.regions[i] = c.name, c.region or c.name
  end
  for i, a in ipairs(w.age_bands) do spec.ages[i] = tostring(a) end
  for i, c in ipairs(w.channels) do spec.channels[i] = tostring(c) end
  local category_names = {}
  for i, g in ipairs(w.catalogue) do
    if type(g) ~= "table" or type(g.category) ~= "string" then
      fail(where, "catalogue[%d] needs a category name", i)
    end
    category_names[i] = g.category
    spec.categories[i] = {name = g.category, products = g.products or 100,
      median_price = g.median_price or 10, price_spread = g.price_spread or 0.5,
      popularity = g.popularity or 1, margin = g.margin or 0.3}
  end
  if type(w.segments) ~= "table" or #w.segments == 0 then fail(where, "segments: at least one is needed") end
  for i, s in ipairs(w.segments) do
    local sw = string.format("%s: segment %s", where, s.name and ("'" .. s.name .. "'") or tostring(i))
    if type(s.name) ~= "string" then fail(sw, "needs a name") end
    local pur, spend = s.purchase or {}, s.spend or {}
    local model = pur.model or "bgnbd"
    if model ~= "bgnbd" and model ~= "pareto" then
      fail(sw, "purchase.model must be bgnbd or pareto (got %s)", tostring(model))
    end
    local basket, web = s.basket or {}, s.web or {}
    local signup = s.signup or {}
    spec.segments[i] = {
      name = s.name, share = number(sw, s.share or 1, "share"), process = model,
      r = number(sw, pur.r, "purchase.r"), alpha = number(sw, pur.alpha, "purchase.alpha"),
      a = number(sw, model == "bgnbd" and pur.a or pur.s, model == "bgnbd" and "purchase.a" or "purchase.s"),
      b = number(sw, model == "bgnbd" and pur.b or pur.beta, model == "bgnbd" and "purchase.b" or "purchase.beta"),
      p = number(sw, spend.p, "spend.p"), q = number(sw, spend.q, "spend.q"),
      gamma = number(sw, spend.gamma, "spend.gamma"),
      lines = basket.lines or M.segment_defaults.basket.lines,
      quantity = basket.quantity or M.segment_defaults.basket.quantity,
      views = web.views or M.segment_defaults.web.views,
      view_to_cart = web.view_to_cart or M.segment_defaults.web.view_to_cart,
      cart_to_purchase = web.cart_to_purchase or M.segment_defaults.web.cart_to_purchase,
      signup_from = signup.from or 0, signup_to = signup.to or spec.days,
      categories = weights(sw, s.categories, category_names, "categories"),
      countries = weights(sw, s.countries, spec.countries, "countries"),
      ages = weights(sw, s.age_bands, spec.ages, "age_bands"),
      channels = weights(sw, s.channels, spec.channels, "channels"),
    }
  end
  if w.experiment then
    local x = w.experiment
    local days = number(where, x.days, "experiment.days")
    spec.experiment = {start = number(where, x.start or spec.days - days, "experiment.start"),
      days = days, share = x.share or 0.5,
      lift = number(where, x.purchase_lift, "experiment.purchase_lift")}
  end
  return spec, w
end

--- Generates a world into a folder.
-- @tparam table options `world` (a path or a table; default the library's),
--   `customers` (n), `seed`, `days`, `holdout_days`, `layout`, `events`
--   (also write events.csv), `threads`, `output` (folder, required),
--   `force`
-- @return result document {kind = "generate", summary = {...}}
function M.run(options)
  local o = options or {}
  local path = o.world or package.searchpath("custan.rules.world", package.path)
  local world = type(path) == "table" and path or M.load(path)
  local where = type(path) == "string" and ("world " .. path) or "world"
  local spec, resolved = M.resolve(world, {days = o.days, holdout_days = o.holdout_days,
                                           layout = o.layout, where = where})
  local n = math.tointeger(o.customers)
  if not n or n < 1 then error("customers must be a whole number >= 1", 0) end
  local seed = math.tointeger(o.seed or 1)
  if not seed or seed < 0 then error("seed must be a whole number >= 0", 0) end
  if not o.output then error("generate: an output folder is needed", 0) end
  local summary = {world = resolved.name, world_file = type(path) == "string" and path or nil,
    customers = n, seed = seed, start = resolved.start,
    ["end"] = date.add_days(resolved.start, spec.days - 1), days = spec.days,
    holdout_days = spec.holdout_days, holdout_end = date.add_days(resolved.start, spec.days + spec.holdout_days - 1),
    layout = resolved.layout}
  local host = require "custan.core.host"
  local started = host.now()
  local files = require "custan.report.files"
  local produce = function(dir)
    local names = {"orders.csv", "customers.csv", "products.csv", "truth.csv"}
    local paths = {orders = dir .. "/orders.csv", customers = dir .. "/customers.csv",
                   products = dir .. "/products.csv", truth = dir .. "/truth.csv"}
    if spec.experiment then
      paths.experiment = dir .. "/experiment.csv"
      names[#names + 1] = "experiment.csv"
    end
    if o.events then
      paths.events = dir .. "/events.csv"
      names[#names + 1] = "events.csv"
    end
    local counts = core.world(spec, n, seed, o.threads or 0, paths)
    for k, v in pairs(counts) do summary[k] = v end
    local record = {seed = seed, customers = n, world = resolved}
    local ok, err = json.write(dir .. "/world.json", record)
    if not ok then error(err, 0) end
    names[#names + 1] = "world.json"
    return names
  end
  local written = files.write(o.output, {}, summary, {force = o.force, produce = produce})
  local seconds = host.now() - started
  return {kind = "generate", summary = summary, files = written, seconds = seconds,
          output = o.output, events = o.events}
end

return M
