--- Churn: labels from a transaction log, the feature builder, risk tiers.
-- The per-customer work is C (the summary kernel of custan.rfm, the CLV
-- model of custan.clv); what the features are, how they are encoded and
-- how scores become tiers is decided here and in the editable files of
-- lua/custan/churn/ (features, tiers, costs, grid).
-- @module custan.churn

local custan = require "custan"
local join = require "custan.join"
local rfm = require "custan.rfm"
local dates = require "custan.date"
local transactions = require "custan.data.transactions"
local clv = require "custan.clv"
local dist = require "custan.dist"
local util = require "custan.util"

local M = {}

local here = debug.getinfo(1, "S").source:match("^@(.*)custan[/\\]churn%.lua$") or ""

--- Path of one of the shipped configuration files ("features", "tiers",
-- "costs", "grid").
function M.default_path(which)
  local file = which == "features" and "churn_features" or which
  return here .. "custan/rules/" .. file .. ".lua"
end

-- ------------------------------------------------------------ loading --

local transforms = {log1p = true, log = true, sqrt = true}
local clv_kinds = {p_alive = true, expected_purchases = true}

--- Checks a feature list; errors name the file and the entry.
function M.check_features(spec, where)
  where = where or "features"
  if type(spec) ~= "table" or #spec == 0 then
    error(where .. ": must return a non-empty array of features", 0)
  end
  local seen = {}
  for i, f in ipairs(spec) do
    local at = string.format("%s: feature %d", where, i)
    if type(f) ~= "table" or type(f.name) ~= "string" or f.name == "" then
      error(at .. ": needs a name", 0)
    end
    at = string.format("%s: feature %d (%s)", where, i, f.name)
    if seen[f.name] then error(at .. ": the name is used twice", 0) end
    seen[f.name] = true
    if f.transform and not transforms[f.transform] then
      error(at .. ": transform must be log1p, log or sqrt", 0)
    end
    if f.clv and not clv_kinds[f.clv] then
      error(at .. ": clv must be p_alive or expected_purchases", 0)
    end
    if f.value ~= nil and type(f.value) ~= "function" then
      error(at .. ": value must be a function(customers) returning a column", 0)
    end
    if f.categorical and f.encoding and f.encoding ~= "onehot" and f.encoding ~= "frequency" then
      error(at .. ": encoding must be onehot or frequency", 0)
    end
    if f.clip and (type(f.clip) ~= "table" or type(f.clip[1]) ~= "number"
                   or type(f.clip[2]) ~= "number" or f.clip[1] > f.clip[2]) then
      error(at .. ": clip must be {lo, hi} with lo <= hi", 0)
    end
    if f.fill ~= nil and type(f.fill) ~= "number" then error(at .. ": fill must be a number", 0) end
    if f.optional ~= nil and type(f.optional) ~= "boolean" then
      error(at .. ": optional must be true or false", 0)
    end
  end
  return spec
end

--- A feature definition from Lua source: {spec, source}.  The source is
-- kept so a saved model can rebuild the same features elsewhere.
function M.features_from_source(text, name)
  local spec = util.load_lua_text(text, name, "features")
  return {spec = M.check_features(spec, "features " .. name), source = text, name = name}
end

--- A definition as data for a saved model: the spec itself when no entry
-- has a `value` function (the shipped features, a ready table's), so
-- scoring runs no code; otherwise the source, which scoring runs in the
-- sandbox.
function M.definition_for_model(definition)
  for _, f in ipairs(definition.spec) do
    if f.value ~= nil then return {source = definition.source, name = definition.name} end
  end
  local spec = {}
  for i, f in ipairs(definition.spec) do
    local entry = {}
    for k, v in pairs(f) do entry[k] = v end
    if entry.clip then entry.clip = {f.clip[1], f.clip[2] == math.huge and "inf" or f.clip[2]} end
    spec[i] = entry
  end
  return {spec = spec, name = definition.name}
end

--- The feature definition a saved model carries (definition_for_model's).
function M.definition_from_model(d, where)
  if d.spec then
    local spec = {}
    for i, f in ipairs(d.spec) do
      local entry = {}
      for k, v in pairs(f) do entry[k] = v end
      if type(entry.clip) == "table" and entry.clip[2] == "inf" then entry.clip = {f.clip[1], math.huge} end
      spec[i] = entry
    end
    return {spec = M.check_features(spec, where), name = d.name}
  end
  return M.features_from_source(d.source, d.name)
end

--- The feature definition in a file (default: the shipped one).
function M.load_features(path)
  path = path or M.default_path("features")
  local text, err = util.read_file(path)
  if not text then error("features " .. err, 0) end
  return M.features_from_source(text, path)
end

--- A definition for a ready customer table: every numeric column but the
-- id and the label, and text columns one-hot encoded (top 10 levels).
function M.table_features(customers, id, label)
  local spec, lines, ids = {}, {"return {"}, {}
  local n = customers:nrows()
  for _, name in ipairs(customers:names()) do
    local c = customers:col(name)
    local t = c:type()
    -- a text or whole-number column with a different value in every row is
    -- an id, not a feature (one-hot of ids, or a row number, learns nothing
    -- that carries over)
    local id_like = (t == "string" or t == "int64") and n > 10 and c:n_unique() == n
    if id_like and name ~= id and name ~= label then ids[#ids + 1] = name end
    if name ~= id and name ~= label and not id_like then
      if t == "float64" or t == "int64" or t == "bool" then
        spec[#spec + 1] = {name = name}
        lines[#lines + 1] = string.format("  {name = %q},", name)
      elseif t == "string" then
        spec[#spec + 1] = {name = name, categorical = true, encoding = "onehot", top = 10}
        lines[#lines + 1] = string.format(
          "  {name = %q, categorical = true, encoding = \"onehot\", top = 10},", name)
      end
    end
  end
  lines[#lines + 1] = "}"
  if #spec == 0 then error("the table has no feature columns besides the id and label", 0) end
  return {spec = spec, source = table.concat(lines, "\n") .. "\n", name = "(table columns)",
          ids_left_out = #ids > 0 and ids or nil}
end

--- A grid of hyperparameters to search (default lua/custan/rules/grid.lua).
function M.load_grid(path)
  return util.load_lua(path or M.default_path("grid"), "grid")
end

--- Risk tiers from a file (default: the shipped one), checked.
function M.load_tiers(path)
  path = path or M.default_path("tiers")
  local tiers = util.load_lua(path, "tiers")
  if type(tiers) ~= "table" or #tiers == 0 then error("tiers " .. path .. ": no tiers", 0) end
  for i, t in ipairs(tiers) do
    if type(t.name) ~= "string" or type(t.min) ~= "number" then
      error(string.format("tiers %s: tier %d needs a name and a min", path, i), 0)
    end
  end
  table.sort(tiers, function(a, b) return a.min > b.min end)
  return tiers
end

--- The cost table from a file (default: the shipped one), checked.
function M.load_costs(path)
  path = path or M.default_path("costs")
  local c = util.load_lua(path, "costs")
  if type(c) ~= "table" then error("costs " .. path .. ": must return a table", 0) end
  for _, k in ipairs{"contact", "saved_value", "save_rate", "offer_cost"} do
    if c[k] ~= nil and (type(c[k]) ~= "number" or c[k] < 0) then
      error(string.format("costs %s: %s must be a number >= 0", path, k), 0)
    end
  end
  if c.save_rate and c.save_rate > 1 then
    error(string.format("costs %s: save_rate is a share, at most 1", path), 0)
  end
  return c
end

-- -------------------------------------------------- customers and labels --

local add_days = dates.add_days

--- Customers of a transaction frame with churn labels: the calibration
-- summary up to `cutoff` (with the activity columns), and, when `window`
-- days are given, `churned` = no purchase in the window after the cutoff.
-- Only customers with a calibration purchase are kept.
-- @tparam frame tx transactions, as custan.data.transactions.read gives them
-- @tparam[opt] table options `cutoff` ("YYYY-MM-DD"; default the last
--   purchase day less the window), `window` (days), `activity_days` (90),
--   `partitioned` (true when tx is this rank's share of a log partitioned
--   by customer across MPI ranks: the result is every rank's customers)
-- @return customers frame (with `country`, the last one, when tx has it),
--   info {cutoff, window_end, rows, ...}
function M.customers(tx, options)
  local o = options or {}
  if not transactions.is_standard(tx) then
    error("churn.customers: expected the frame of custan.data.transactions.read", 2)
  end
  local cutoff = o.cutoff
  if not cutoff then
    local last = tx.date:max()
    if o.partitioned and dist.size() > 1 then -- the last day over every rank's rows
      local days = dist.allgather(last and tostring(last):sub(1, 10) or false)
      last = nil
      for _, d in ipairs(days) do if d and (not last or d > last) then last = d end end
    end
    if not last then error("the transaction log has no dates", 0) end
    if type(last) == "number" then last = dates.format(last) end
    cutoff = add_days(tostring(last):sub(1, 10), -(o.window or 0))
  end
  local so = {period = "day", unit = "day", activity_days = o.activity_days or 90,
              memory_mb = o.memory_mb}
  if o.window then
    so.calibration_end = cutoff
    so["end"] = add_days(cutoff, o.window)
  else
    so["end"] = cutoff
  end
  local s, info = rfm.summary(tx, so)
  if o.window then s.churned = s:col("frequency_holdout"):eq(0) end
  if tx:has("country") then s.country = M.last_value(tx, s, cutoff, "country") end
  -- tx partitioned by customer across ranks (a pipeline under mpirun):
  -- each rank has its own customers' rows; the table goes to every rank
  if o.partitioned and dist.size() > 1 then s, info = rfm.gather_partitioned(s, info) end
  if s:nrows() == 0 then
    error(string.format("no customer has a purchase on or before the cutoff %s", cutoff), 0)
  end
  info.cutoff = cutoff
  info.window_end = o.window and so["end"] or nil
  return s, info
end

--- Each summary customer's last value of a text column (in row order among
-- rows up to the cutoff day): country, channel, plan.
-- @tparam frame tx transactions (custan.data.transactions.read)
-- @tparam frame s the customer summary
-- @tparam string cutoff "YYYY-MM-DD"
-- @tparam string column
function M.last_value(tx, s, cutoff, column)
  local until_ = custan.column({add_days(cutoff, 1)}, "string"):cast("timestamp"):get(1)
  local rows = tx:filter(tx.date:lt(until_))
  local g = rows:group_by("customer"):agg{{column, "last", as = "value"}}
  -- the summary holds numeric ids as numbers where the log may have text ("12346.0")
  g.customer = join.align(g:col("customer"), s:col("customer"))
  return s:select{"customer"}:join(g, "customer", {how = "left"}):col("value"):cast("string")
end

-- ------------------------------------------------------ feature builder --

local function apply_transform(c, f)
  if f.clip then c = c:clip(f.clip[1], f.clip[2]) end
  if f.transform == "log1p" then c = c:log1p()
  elseif f.transform == "log" then c = c:log()
  elseif f.transform == "sqrt" then c = c:sqrt() end
  if f.fill ~= nil then c = c:fill(f.fill) end
  return c
end

-- The most frequent levels of a text column (ties by level), at most top.
local function top_levels(c, top)
  local counts = c:value_counts()
  local out = {}
  for i = 1, math.min(top, counts:nrows()) do
    local v = counts:col("value"):get(i)
    if v ~= nil then out[#out + 1] = v end
  end
  return out
end

--- Builds the feature frame of a customer table.
-- @tparam frame customers
-- @tparam table definition from load_features / table_features
-- @tparam[opt] table state what was learned on the training rows (levels,
--   frequencies, the BG/NBD parameters); nil to learn it from these rows
-- @tparam[opt] table options `window` (days, for expected purchases)
-- @return features frame, names of the model's feature columns, state
function M.build(customers, definition, state, options)
  local o = options or {}
  local learn = state == nil
  state = state or {window = o.window}
  local out, names = {}, {}
  local function add(name, c)
    names[#names + 1] = name
    out[name] = c
  end
  local bgnbd
  for _, f in ipairs(definition.spec) do
    local at = "feature " .. f.name
    -- an optional feature whose column this log lacks (no product or
    -- country column) is left out when learning; a trained model keeps
    -- exactly the features it learned (state.skipped)
    local source = f.column or f.name
    local skip = f.optional and not f.clv and not f.value and not customers:has(source)
    if learn and skip then
      state.skipped = state.skipped or {}
      state.skipped[#state.skipped + 1] = f.name
    end
    local skipped_before = false
    for _, name in ipairs(state.skipped or {}) do skipped_before = skipped_before or name == f.name end
    if skipped_before then -- luacheck: ignore 542 (an optional feature left out adds nothing)
    elseif f.clv then
      if not bgnbd then
        for _, k in ipairs{"frequency", "recency", "T"} do
          if not customers:has(k) then
            error(string.format("%s: the CLV features need a '%s' column", at, k), 0)
          end
        end
        if learn then
          local fit = clv.fit(customers, {model = "bgnbd"})
          if not fit.converged then
            error(at .. ": the BG/NBD model did not converge on the training customers", 0)
          end
          state.bgnbd = fit.params
        end
        if not state.bgnbd then error(at .. ": the model has no BG/NBD parameters", 0) end
        bgnbd = clv.from_params("bgnbd", state.bgnbd)
      end
      local c
      if f.clv == "p_alive" then
        c = bgnbd:p_alive(customers)
      else
        local horizon = state.window or o.window
        if not horizon then error(at .. ": expected purchases need the label window (--window)", 0) end
        c = bgnbd:conditional(customers, horizon)
      end
      add(f.name, apply_transform(c, f))
    elseif f.categorical then
      local col = f.column or f.name
      if not customers:has(col) then error(string.format("%s: no column '%s'", at, col), 0) end
      local c = customers:col(col)
      if c:type() ~= "string" then c = c:cast("string") end
      state.levels = state.levels or {}
      if (f.encoding or "onehot") == "onehot" then
        if learn then state.levels[f.name] = f.levels or top_levels(c, f.top or 10) end
        for _, level in ipairs(state.levels[f.name] or {}) do
          add(f.name .. "=" .. level, c:eq(level):fill(false):cast("float64"))
        end
      else
        if learn then
          local share = {}
          local counts = c:value_counts()
          local total = c:len()
          for i = 1, counts:nrows() do
            local v = counts:col("value"):get(i)
            if v ~= nil then share[v] = counts:col("count"):get(i) / total end
          end
          state.levels[f.name] = share
        end
        local share = state.levels[f.name] or {}
        add(f.name, c:map(function(v) return share[v] or 0.0 end, "float64"))
      end
    else
      local c
      if f.value then
        local ok, v = pcall(f.value, customers)
        if not ok then error(string.format("%s: %s", at, tostring(v)), 0) end
        if not custan.is_column(v) then error(at .. ": value must return a column", 0) end
        c = v
      else
        local col = f.column or f.name
        if not customers:has(col) then
          error(string.format("%s: no column '%s' (columns: %s)", at, col,
            table.concat(customers:names(), ", ")), 0)
        end
        c = customers:col(col)
      end
      local t = c:type()
      if t ~= "float64" and t ~= "int64" and t ~= "bool" then
        error(string.format("%s: column '%s' holds %s values, not numbers", at,
          f.column or f.name, t), 0)
      end
      add(f.name, apply_transform(c:cast("float64"), f))
    end
  end
  return custan.frame(out, names), names, state
end

--- The first missing or infinite value among the feature columns, as a
-- message naming the feature and the customer, or nil.
function M.find_bad_value(frame, names, ids)
  for _, name in ipairs(names) do
    local c = frame:col(name)
    if c:nmissing() > 0 or c:abs():gt(math.huge / 2):fill(false):sum() > 0 then
      for i = 1, frame:nrows() do
        local v = c:get(i)
        if v == nil or v ~= v or v == math.huge or v == -math.huge then
          return string.format("feature %s is %s for customer %s (row %d); give the feature a " ..
            "fill value in the features file", name, v == nil and "missing" or tostring(v),
            tostring(ids and ids:get(i) or i), i)
        end
      end
    end
  end
  return nil
end

--- Risk tier of each probability: the first tier whose min it reaches.
function M.tiers(p, tiers)
  return p:map(function(v)
    for _, t in ipairs(tiers) do
      if v >= t.min then return t.name end
    end
    return tiers[#tiers].name
  end, "string")
end

return M
