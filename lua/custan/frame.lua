--- Lua-side methods of frames and columns: iteration, per-row functions,
-- group-by, conversion to tables, printing.  They are added to the same
-- method tables as the C methods, so `t:rows()` and `t:filter()` look alike.
-- Loaded by `require "custan"`.
-- @module custan.frame

local core = require "custan.core.frame"
local io_core = require "custan.core.io"

local Frame = core.Frame.methods
local Column = core.Column.methods

local M = {}

-- ------------------------------------------------------------ iteration --

--- Iterates rows as tables: `for i, row in t:rows() do ... row.Quantity ... end`.
-- Use it for rules that need Lua per row; column operations are faster.
function Frame:rows()
  local n, i = self:nrows(), 0
  return function()
    i = i + 1
    if i <= n then return i, self:row(i) end
  end
end

--- Applies fn(row, i) to every row and returns the results as a column.
-- @tparam function fn returns a number, string, boolean or nil per row
-- @tparam[opt] string type the result type; inferred from the values
function Frame:map(fn, type_name)
  if type(fn) ~= "function" then
    error("map: argument 1 expected a function, got a " .. type(fn), 2)
  end
  local out, n = {}, self:nrows()
  for i = 1, n do out[i] = fn(self:row(i), i) end
  return core.column(out, type_name, n)
end

--- Applies fn(value, i) to every value of a column.
function Column:map(fn, type_name)
  if type(fn) ~= "function" then
    error("map: argument 1 expected a function, got a " .. type(fn), 2)
  end
  local out, n = {}, self:len()
  for i = 1, n do out[i] = fn(self:get(i), i) end
  return core.column(out, type_name, n)
end

--- The rows as an array of tables (small frames only).
function Frame:to_rows()
  local out = {}
  for i = 1, self:nrows() do out[i] = self:row(i) end
  return out
end

--- The columns as a table of arrays (missing values are nil).
function Frame:to_columns()
  local out = {}
  for _, name in ipairs(self:names()) do out[name] = self:col(name):to_table() end
  return out
end

-- -------------------------------------------------------------- group-by --

local GroupBy = {}
GroupBy.__index = GroupBy

--- Groups rows by one or more key columns.
-- @tparam string|table keys a column name or an array of names
-- @tparam[opt] table options `sort` (default true: groups ordered by key;
--   false: in order of first appearance)
-- @usage tx:group_by("CustomerID"):agg{
--   {"Revenue", "sum", as = "revenue"}, {"InvoiceNo", "n_unique", as = "orders"}}
function Frame:group_by(keys, options)
  if type(keys) == "string" then keys = {keys} end
  if type(keys) ~= "table" or #keys == 0 then
    error("group_by: argument 1 expected a column name or an array of names", 2)
  end
  for _, k in ipairs(keys) do
    if not self:has(k) then error(string.format("group_by: no column named '%s'", k), 2) end
  end
  local sort = true
  if options and options.sort == false then sort = false end
  return setmetatable({frame = self, keys = keys, sort = sort}, GroupBy)
end

--- Aggregates each group.  Functions: count (non-missing), size (rows),
-- sum, mean, min, max, first, last, n_unique, std, var.
-- @tparam table spec an array of {column, function, as = name}, or a map
--   {name = {column, function}} (output columns then sorted by name)
-- @return a frame: the keys, then one column per aggregation
function GroupBy:agg(spec)
  if type(spec) ~= "table" then error("agg: expected a table of aggregations", 2) end
  local specs = {}
  if #spec > 0 then
    for i, s in ipairs(spec) do
      if type(s) ~= "table" or type(s[1]) ~= "string" or type(s[2]) ~= "string" then
        error(string.format("agg: item %d must be {column, function, as = name}", i), 2)
      end
      specs[i] = {s[1], s[2], s.as or (s[2] == "size" and "size" or s[1] .. "_" .. s[2])}
    end
  else
    local names = {}
    for name in pairs(spec) do names[#names + 1] = name end
    table.sort(names)
    for i, name in ipairs(names) do
      local s = spec[name]
      if type(s) ~= "table" or type(s[2]) ~= "string" then
        error(string.format("agg: '%s' must be {column, function}", name), 2)
      end
      specs[i] = {s[1] or "", s[2], name}
    end
  end
  return self.frame:aggregate(self.keys, specs, self.sort)
end

--- The group's aggregate, repeated on each of its rows (pandas'
-- groupby().transform): `tx:group_by("CustomerID"):transform("InvoiceDate", "min")`
-- gives every transaction its customer's first purchase.
-- @return a column as long as the frame
function GroupBy:transform(column, fn)
  local ids = self.frame:group_ids(self.keys)
  local agg = self.frame:aggregate(self.keys, {{column, fn, "value"}}, false)
  return agg:col("value"):take(ids)
end

--- Rows per group, in a column named `size`.
function GroupBy:size()
  return self:agg{{self.keys[1], "size", as = "size"}}
end

--- The rows of a column where a bool mask is true (missing counts as false).
function Column:filter(mask)
  return core.new({x = self}, {"x"}):filter(mask):col("x")
end

--- Counts of each value, most frequent first (ties by value).
-- @return a frame with columns `value` and `count`
function Column:value_counts()
  local f = core.new({value = self}, {"value"})
  return f:aggregate({"value"}, {{"value", "size", "count"}}, true)
          :sort({"count", "value"}, {desc = {true, false}})
end

--- The distinct values (missing included once), sorted.
function Column:unique()
  local f = core.new({value = self}, {"value"})
  return f:aggregate({"value"}, {}, true):col("value")
end

--- True where the value is one of `values` (a Lua array).
function Column:isin(values)
  if type(values) ~= "table" then error("isin: expected an array of values", 2) end
  local mask = self:is_missing() & false
  for _, v in ipairs(values) do mask = mask | self:eq(v):fill(false) end
  return mask
end

-- ------------------------------------------------------------------ I/O --

--- Writes the frame as CSV (or gzip-compressed CSV for a .gz path), whole
-- or not at all.
-- @tparam string path
-- @tparam[opt] table options `delimiter`, `na` (text for missing values)
-- @raise "PATH: cannot write: reason"; and an error when called from a
--   sandboxed file (custan.sandbox)
function Frame:write_csv(path, options)
  local sandbox = package.loaded["custan.sandbox"]
  if sandbox and sandbox.inside() then
    error(string.format("%s: a sandboxed file cannot write files (--trust lifts the sandbox)",
      tostring(path)), 2)
  end
  local ok, err = io_core.write_csv(self, path, options)
  if not ok then error(err, 2) end
  return true
end

--- Per-column summary: type, count, missing, distinct, mean, min, max.
-- @return a frame, one row per column of self
function Frame:describe()
  local rows = {}
  for i, name in ipairs(self:names()) do
    local c = self:col(name)
    local ty = c:type()
    local numeric = ty == "float64" or ty == "int64" or ty == "bool"
    local r = {column = name, type = ty, count = c:count(), missing = c:nmissing(),
               distinct = c:n_unique()}
    if numeric then
      r.mean = c:mean()
      r.min, r.max = c:min(), c:max()
      if ty == "bool" then r.min, r.max = (r.min and 1 or 0), (r.max and 1 or 0) end
      r.min, r.max = tostring(r.min), tostring(r.max)
    elseif ty == "timestamp" or ty == "string" then
      r.min, r.max = c:min(), c:max()
    end
    rows[i] = r
  end
  local names = {"column", "type", "count", "missing", "distinct", "mean", "min", "max"}
  local cols = {}
  for _, n in ipairs(names) do cols[n] = {} end
  for i, r in ipairs(rows) do
    for _, n in ipairs(names) do cols[n][i] = r[n] end
  end
  local n = #rows
  local built = {}
  for _, k in ipairs(names) do
    local ty = (k == "count" or k == "missing" or k == "distinct") and "int64"
               or k == "mean" and "float64" or "string"
    built[k] = core.column(cols[k], ty, n)
  end
  return core.new(built, names)
end

-- ------------------------------------------------------------- printing --

local function cell_text(v)
  if v == nil then return "NA" end
  if math.type(v) == "float" then
    if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%.1f", v) end
    return string.format("%.10g", v)
  end
  return tostring(v)
end

local function clip(s, width)
  if #s <= width then return s end
  return s:sub(1, width - 3) .. "..."
end

--- Formats the first and last rows of a frame as a text table.
-- @tparam[opt] number n rows shown at each end (default 5)
function Frame:preview(n)
  n = n or 5
  local nrows, names = self:nrows(), self:names()
  local types = self:types()
  local shown = {}
  if nrows <= 2 * n then
    for i = 1, nrows do shown[#shown + 1] = i end
  else
    for i = 1, n do shown[#shown + 1] = i end
    shown[#shown + 1] = false
    for i = nrows - n + 1, nrows do shown[#shown + 1] = i end
  end
  local width = {#tostring(nrows)}
  local grid = {}
  for j, name in ipairs(names) do
    local c = self:col(name)
    local w = math.max(#name, #types[name])
    grid[j] = {}
    for k, i in ipairs(shown) do
      local s = i and clip(cell_text(c:get(i)), 30) or "..."
      grid[j][k] = s
      w = math.max(w, #s)
    end
    width[j + 1] = math.min(w, 30)
  end
  local lines = {string.format("frame: %d rows x %d columns", nrows, #names)}
  local function line(first, cells)
    local parts = {string.format("%" .. width[1] .. "s", first)}
    for j, s in ipairs(cells) do parts[j + 1] = string.format("%-" .. width[j + 1] .. "s", clip(s, 30)) end
    lines[#lines + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local header, typerow = {}, {}
  for j, name in ipairs(names) do header[j], typerow[j] = name, types[name] end
  line("", header)
  line("", typerow)
  for k, i in ipairs(shown) do
    local cells = {}
    for j = 1, #names do cells[j] = grid[j][k] end
    line(i and tostring(i) or "", cells)
  end
  return table.concat(lines, "\n")
end

core.Frame.__tostring = function(self) return self:preview() end

core.Column.__tostring = function(self)
  local n = self:len()
  local parts = {}
  for i = 1, math.min(n, 10) do parts[i] = cell_text(self:get(i)) end
  if n > 10 then parts[#parts + 1] = "..." end
  return string.format("column<%s>[%d]: %s", self:type(), n, table.concat(parts, ", "))
end

return M
