--- custan: customer analytics on columnar frames.
-- `local custan = require "custan"` gives the functions an analyst uses most;
-- submodules (custan.json, custan.cli, custan.util) hold the rest.
-- @module custan

local core = require "custan.core.frame"
local io_core = require "custan.core.io"
local host = require "custan.core.host"
require "custan.frame" -- adds the Lua-side frame and column methods
require "custan.join" -- and joins and reshaping

local M = {}

M.version = host.version
M.versions = {
  custan = host.version,
  lua = host.lua_version,
  gsl = host.gsl_version,
  libcsv = host.libcsv_version,
  zlib = host.zlib_version,
}

--- Reads a CSV (or .csv.gz) file into a frame.
-- @tparam string path
-- @tparam[opt] table options `delimiter` ("," ";" "|" "tab" "whitespace";
--   guessed from the header when absent), `header` (default true), `names`,
--   `types` ({col = "int64" | "float64" | "bool" | "string" | "timestamp" |
--   "timestamp:%d/%m/%Y"}), `na` (extra missing markers), `skip_bad_rows`,
--   `threads`, `quote`
-- @return frame, info (`skipped`, `skipped_lines`, `threads`, `restarts`)
-- @raise the reader's message, "FILE:LINE: column N (NAME): ..."
-- @usage local tx = custan.read_csv("orders.csv", {types = {CustomerID = "string"}})
function M.read_csv(path, options)
  if type(path) ~= "string" then
    error("read_csv: argument 1 expected a file name, got a " .. type(path), 2)
  end
  if options ~= nil and type(options) ~= "table" then
    error("read_csv: argument 2 expected an options table, got a " .. type(options), 2)
  end
  local frame, info = io_core.read_csv(path, options)
  if not frame then error(info, 0) end
  return frame, info
end

--- Like read_csv, but returns nil, message, code on bad data instead of
-- raising.
function M.try_read_csv(path, options)
  return io_core.read_csv(path, options)
end

--- Streams a CSV file: calls fn(chunk) for each block of rows (a frame
-- of some tens of thousands of rows), so a file larger than memory can be
-- processed with memory bounded by the block size.  Options as read_csv;
-- declare the types of the columns you rely on, since a chunk cannot be
-- re-read when an inferred type widens later in the file.
-- @tparam string path
-- @tparam table|nil options
-- @tparam function fn called as fn(chunk)
-- @return info (`rows`, `chunks`, ...)
-- @raise the reader's message, or the error fn raised
-- @usage local total = 0
-- custan.read_csv_chunks("big.csv", {columns = {"amount"}}, function(chunk)
--   total = total + chunk.amount:sum()
-- end)
function M.read_csv_chunks(path, options, fn)
  if type(path) ~= "string" then
    error("read_csv_chunks: argument 1 expected a file name, got a " .. type(path), 2)
  end
  if type(fn) ~= "function" then
    error("read_csv_chunks: argument 3 expected a function, got a " .. type(fn), 2)
  end
  local info, err = io_core.read_csv_chunks(path, options or {}, fn)
  if not info then error(err, 0) end
  return info
end

--- The column names of a CSV file, from its header (or `names`), reading
-- only the start of the file.
-- @tparam string path
-- @tparam[opt] table options as read_csv (delimiter, header, names, quote)
-- @treturn table names
function M.csv_columns(path, options)
  local o = options or {}
  local names
  local stop = {}
  -- the reader returns nil, message on a bad file (its errors are values,
  -- not raised); pcall catches our own stop signal
  local ok, info, err = pcall(io_core.read_csv_chunks, path, {
    delimiter = o.delimiter, header = o.header, names = o.names, quote = o.quote,
    block_size = 1 << 16, infer_rows = 100, threads = 1, skip_bad_rows = true, name = o.name,
  }, function(chunk)
    names = chunk:names()
    error(stop)
  end)
  if names then return names end
  if not ok then error(info, 0) end -- raised inside the reader or the callback
  if info then return o.names or {} end -- a header and no rows
  error(err, 0)
end

--- Builds a frame from Lua tables.
-- @tparam table columns maps column names to arrays (nil = missing) or columns
-- @tparam[opt] table order the column order; default the names sorted
-- @usage custan.frame({id = {1, 2}, name = {"a", "b"}}, {"id", "name"})
function M.frame(columns, order)
  if type(columns) ~= "table" then
    error("frame: argument 1 expected a table of columns, got a " .. type(columns), 2)
  end
  if order == nil then
    order = {}
    for name in pairs(columns) do order[#order + 1] = name end
    table.sort(order)
  end
  return core.new(columns, order)
end

--- Builds a frame from an array of row tables.
-- @tparam table rows e.g. {{id = 1, x = 2.5}, {id = 2, x = 3}}
-- @tparam table names column order (rows may lack some; they are missing)
function M.from_rows(rows, names)
  if type(rows) ~= "table" or type(names) ~= "table" then
    error("from_rows: expected an array of rows and an array of names", 2)
  end
  local cols = {}
  for _, name in ipairs(names) do cols[name] = {} end
  for i, row in ipairs(rows) do
    for _, name in ipairs(names) do cols[name][i] = row[name] end
  end
  local frame = core.new(cols, names)
  if #rows > 0 and frame:nrows() ~= #rows then
    -- trailing missing values shorten a Lua array; pad to the row count
    local padded = {}
    for _, name in ipairs(names) do padded[name] = core.column(cols[name], nil, #rows) end
    frame = core.new(padded, names)
  end
  return frame
end

--- A column from a Lua array; the type is inferred unless given.
-- @tparam table values
-- @tparam[opt] string type "float64", "int64", "timestamp", "bool", "string"
-- @tparam[opt] integer n the length, when trailing values are missing (nil)
function M.column(values, type_name, n)
  return core.column(values, type_name, n)
end

--- Stacks frames with the same column names (types widen int64 to float64).
function M.concat(...)
  return core.concat(...)
end

--- True if v is a frame.
function M.is_frame(v)
  return getmetatable(v) == core.Frame
end

--- True if v is a column.
function M.is_column(v)
  return getmetatable(v) == core.Column
end

return M
