--- Joins and reshaping of frames: `left:join(right, ...)`,
-- `left:asof_join(right, ...)`, `t:pivot(...)`, `t:unpivot(...)`.  The row
-- work is C (engine/kernels/frame/join.c); this module checks the
-- arguments and names the output columns.  docs/api.md puts them beside
-- pandas' and dplyr's names.  Loaded by `require "custan"`.
-- @module custan.join

local core = require "custan.core.frame"
local join_core = require "custan.core.join"

local Frame = core.Frame.methods

local M = {}

-- Calls a kernel binding; its error is raised at the caller's line, not
-- this module's.
local function call(fn, ...)
  local ok, r = pcall(fn, ...)
  if not ok then error((tostring(r):gsub("^[^:]*:%d+: ", "")), 3) end
  return r
end

-- A key argument as two arrays of names: "id", {"id", "day"}, or
-- {customer = "CustomerID"} (left name = right name).
local function key_names(on, what)
  if type(on) == "string" then return {on}, {on} end
  if type(on) ~= "table" then error(what .. ": `on` must be a column name or a table of them", 3) end
  local l, r = {}, {}
  for i, v in ipairs(on) do l[i], r[i] = v, v end
  local pairs_ = {}
  for k, v in pairs(on) do
    if type(k) == "string" then pairs_[#pairs_ + 1] = k end
  end
  table.sort(pairs_)
  for _, k in ipairs(pairs_) do l[#l + 1], r[#r + 1] = k, on[k] end
  if #l == 0 then error(what .. ": give at least one key column", 3) end
  for i = 1, #l do
    if type(l[i]) ~= "string" or type(r[i]) ~= "string" then
      error(what .. ": key names must be strings", 3)
    end
  end
  return l, r
end

local function check_columns(t, names, side, what)
  for _, n in ipairs(names) do
    if not t:has(n) then
      error(string.format("%s: the %s frame has no column '%s' (columns: %s)", what, side, n,
        table.concat(t:names(), ", ")), 3)
    end
  end
end

-- Output names: the left's columns as they are, then the right's columns
-- other than its keys, with `suffix` added to any name the left has.
local function output_names(left, right, rkeys, suffix)
  local lnames = left:names()
  local taken, skip = {}, {}
  for _, n in ipairs(lnames) do taken[n] = true end
  for _, n in ipairs(rkeys) do skip[n] = true end
  local rnames, rout = {}, {}
  for _, n in ipairs(right:names()) do
    if not skip[n] then
      local out = n
      if taken[out] then out = n .. suffix end
      if taken[out] then
        error(string.format("join: the column '%s' is in both frames, and '%s' too; rename one",
          n, out), 3)
      end
      taken[out] = true
      rnames[#rnames + 1], rout[#rout + 1] = n, out
    end
  end
  return lnames, lnames, rnames, rout
end

--- A key column made joinable with `like`'s: the same column when the
-- types already compare, else cast (text ids such as Online Retail's
-- "12346.0" become numbers where `like` holds numbers).  The one place
-- that decides how ids of two tables meet.
-- @tparam column col
-- @tparam column like
function M.align(col, like)
  local ct, lt = col:type(), like:type()
  if ct == lt or ((ct == "int64" or ct == "float64") and (lt == "int64" or lt == "float64")) then
    return col
  end
  return col:cast((lt == "int64" or lt == "float64") and "float64" or lt)
end

--- Joins two frames on equal keys (a hash join in C).
-- `how = "inner"` keeps the pairs that match; `"left"` keeps every left
-- row, with missing values where the right has no match.  Many-to-one and
-- many-to-many: a left row matching k right rows gives k rows, in the
-- left's row order, then the right's.  A missing key matches nothing (as
-- SQL; pandas and dplyr match missing to missing by default).  The key
-- columns appear once, from the left.
-- @tparam frame right
-- @tparam string|table on "id", {"id", "day"}, or {left_name = "right_name"}
-- @tparam[opt] table options `how` ("inner", "left"), `suffix` for right
--   columns whose names the left has ("_right")
-- @return frame
-- @usage orders:join(customers, "customer", {how = "left"})
function Frame:join(right, on, options)
  if getmetatable(right) ~= getmetatable(self) then
    error("join: argument 1 expected a frame", 2)
  end
  local o = options or {}
  local how = o.how or "inner"
  if how ~= "inner" and how ~= "left" then
    error("join: how must be \"inner\" or \"left\" (for a right join, swap the frames)", 2)
  end
  local lk, rk = key_names(on, "join")
  check_columns(self, lk, "left", "join")
  check_columns(right, rk, "right", "join")
  local ln, lo, rn, ro = output_names(self, right, rk, o.suffix or "_right")
  return call(join_core.join, self, right, lk, rk, how, ln, lo, rn, ro)
end

--- As-of join: each left row gets the right row with equal keys whose
-- time is the latest at or before the left row's time (pandas'
-- merge_asof with direction "backward", DuckDB's ASOF JOIN).  Every left
-- row is kept; those with no earlier right row get missing values.
-- @tparam frame right
-- @tparam table options `time` (a name in both, or {left = "t", right =
--   "since"}), `by` (keys as join's `on`; optional), `suffix`
-- @return frame
-- @usage orders:asof_join(prices, {by = "product", time = {left = "date", right = "valid_from"}})
function Frame:asof_join(right, options)
  if getmetatable(right) ~= getmetatable(self) then error("asof_join: argument 1 expected a frame", 2) end
  local o = options or {}
  local lt, rt = o.time, o.time
  if type(o.time) == "table" then lt, rt = o.time.left, o.time.right end
  if type(lt) ~= "string" or type(rt) ~= "string" then
    error("asof_join: give time = \"name\" or time = {left = ..., right = ...}", 2)
  end
  local lk, rk = {}, {}
  if o.by then lk, rk = key_names(o.by, "asof_join") end
  check_columns(self, {lt, table.unpack(lk)}, "left", "asof_join")
  check_columns(right, {rt, table.unpack(rk)}, "right", "asof_join")
  local skip = {table.unpack(rk)}
  if rt == lt then skip[#skip + 1] = rt end
  local ln, lo, rn, ro = output_names(self, right, skip, o.suffix or "_right")
  return call(join_core.asof, self, right, lk, rk, lt, rt, ln, lo, rn, ro)
end

--- Pivot, long to wide (pandas' pivot / pivot_table, dplyr's
-- pivot_wider): one row per distinct index, one column per distinct value
-- of `names`, holding `values`.  Rows and new columns come in order of
-- first appearance.  Without `agg`, two rows in one cell are an error;
-- with it ("sum", "mean", "min", "max", "first", "last", "count",
-- "size") they are summarised.  Empty cells are missing (0 for counts).
-- @tparam table options `index` (name or names), `names`, `values`, `agg`
-- @usage monthly = tx:pivot{index = "customer", names = "month", values = "revenue", agg = "sum"}
function Frame:pivot(options)
  local o = options or {}
  local index = type(o.index) == "string" and {o.index} or o.index
  if type(index) ~= "table" or #index == 0 or type(o.names) ~= "string" or type(o.values) ~= "string" then
    error("pivot: give index (a name or names), names and values (column names)", 2)
  end
  check_columns(self, {o.names, o.values, table.unpack(index)}, "", "pivot")
  return call(join_core.pivot, self, index, o.names, o.values, o.agg)
end

--- Unpivot, wide to long (pandas' melt, dplyr's pivot_longer): the id
-- columns repeated for each value column, a column of the value
-- columns' names and one of their values.
-- @tparam table options `id` (names kept), `values` (names to stack;
--   default every other column), `names_to` ("variable"), `values_to` ("value")
function Frame:unpivot(options)
  local o = options or {}
  local ids = type(o.id) == "string" and {o.id} or (o.id or {})
  local keep = {}
  for _, n in ipairs(ids) do keep[n] = true end
  local values = type(o.values) == "string" and {o.values} or o.values
  if not values then
    values = {}
    for _, n in ipairs(self:names()) do
      if not keep[n] then values[#values + 1] = n end
    end
  end
  if #values == 0 then error("unpivot: no value columns", 2) end
  check_columns(self, ids, "", "unpivot")
  check_columns(self, values, "", "unpivot")
  return call(join_core.unpivot, self, ids, values, o.names_to or "variable", o.values_to or "value")
end

return M
