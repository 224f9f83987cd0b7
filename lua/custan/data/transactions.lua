--- The one transaction reader: every prepared script and analysis reads an
-- order log through here, so they count, read and date the same way.
--
-- It maps the file's columns to custan's roles (customer, date, amount or
-- quantity and price, order, product, country) from a preset and explicit
-- names, reads only the columns it needs with their types declared,
-- transcodes text, and applies the one purchase and cancellation rule:
--
-- * a row is **cancelled** when its order id starts with `cancel_prefix`
--   (Online Retail's "C536379") or its quantity (without a quantity, its
--   amount) is negative;
-- * a row is a **purchase** when it is not cancelled and its quantity, if
--   the file has one, is positive.
--
-- Revenue is gross by default (lifetimes' convention, and every reference
-- number in the tests): cancellations are counted, not subtracted.  With
-- `returns = "net"` the analyses also report revenue net of each
-- customer's cancelled amounts (`returned`, `net_revenue`); the lifetimes
-- fields (frequency, recency, T, monetary_value) stay gross.
--
-- Dates are parsed by the C reader in UTC; skipped bad rows are counted in
-- the info every caller reports.
-- @module custan.data.transactions

local custan = require "custan"
local lfs = require "lfs"

local M = {}

--- Column layouts of well-known exports.  `online_retail` is the default.
M.presets = {
  -- UCI Online Retail (Chen, Sain & Guo 2012)
  online_retail = {
    customer = "CustomerID", date = "InvoiceDate", quantity = "Quantity", price = "UnitPrice",
    order = "InvoiceNo", product = "StockCode", country = "Country", cancel_prefix = "C",
  },
  -- UCI Online Retail II (2009-2011): other names for the same fields
  online_retail_ii = {
    customer = "Customer ID", date = "InvoiceDate", quantity = "Quantity", price = "Price",
    order = "Invoice", product = "StockCode", country = "Country", cancel_prefix = "C",
  },
  -- the CDNOW sample of Fader, Hardie and Lee: whitespace, no header,
  -- master id, customer id, date YYYYMMDD, CDs, dollars
  cdnow = {
    customer = "customer", date = "date", amount = "amount", quantity = "cds",
    names = {"master", "customer", "date", "cds", "amount"}, header = false,
    delimiter = "whitespace", date_format = "%Y%m%d", cancel_prefix = "",
  },
  -- an event log in RetailRocket's layout (Kaggle "Retailrocket
  -- recommender system dataset", events.csv): milliseconds since 1970,
  -- visitor, event (view, addtocart, transaction), item, transaction id.
  -- Transactions are the purchases; with no amounts, counts only.
  retailrocket = {
    customer = "visitorid", date = "timestamp", date_format = "epoch_ms", event = "event",
    product = "itemid", order = "transactionid", cancel_prefix = "",
    view_event = "view", cart_event = "addtocart", purchase_event = "transaction",
  },
}

--- Date formats that are numbers rather than text: seconds or
-- milliseconds since 1970-01-01 UTC, to microseconds.
M.epoch = {epoch_s = 1000000, epoch_ms = 1000}

--- True when the options read an event log (an event column names what
-- each row is; the purchase event's rows are the purchases).
function M.is_event_log(o) return o.event ~= nil and o.purchase_event ~= nil end

--- True when the log has no amounts (an event log without prices): the
-- analyses count purchases only, and revenue and spend are left out.
function M.counts_only(o)
  return not o.amount and not (o.quantity and o.price) and M.is_event_log(o)
end

--- The roles a transaction column can play, in the order frames list them.
M.roles = {"customer", "date", "amount", "quantity", "price", "order", "product", "country", "event"}

--- The default names (Online Retail's), for callers that need one role's.
M.defaults = M.presets.online_retail

local READ_KEYS = {"names", "header", "delimiter", "date_format", "encoding", "skip_bad_rows",
                   "cancel_prefix", "returns"}

--- Options with a preset filled in: `preset` (a name in M.presets, default
-- "online_retail"), then every role given explicitly.  A role set to
-- false is left out (a file with no product column, say).
-- @raise on an unknown preset or `returns` value
function M.options(options)
  local o = options or {}
  local name = o.preset or "online_retail"
  local preset = M.presets[name]
  if not preset then
    local names = {}
    for k in pairs(M.presets) do names[#names + 1] = k end
    table.sort(names)
    error(string.format("unknown preset '%s' (presets: %s)", tostring(name),
      table.concat(names, ", ")), 0)
  end
  local r = {}
  for k, v in pairs(preset) do r[k] = v end
  -- an explicit amount replaces the preset's quantity x price
  if o.amount then r.price = nil end
  for k, v in pairs(o) do r[k] = v end
  for _, role in ipairs(M.roles) do
    if r[role] == false then r[role] = nil end
  end
  r.returns = r.returns or "gross"
  if r.returns ~= "gross" and r.returns ~= "net" then
    error(string.format("returns must be 'gross' or 'net', got '%s'", tostring(r.returns)), 0)
  end
  return r
end

local function list(names) return table.concat(names, ", ") end

--- The read_csv options for a file with the given header: only the role
-- columns the file has, their types declared, the date format applied.
-- Required roles that are missing raise one message naming the file and
-- listing its columns.  With `all_columns`, every column is read (the role
-- columns the file has still typed, so a bad value names its line) and no
-- role is required.
-- @tparam table o options (M.options)
-- @tparam table header the file's column names
-- @tparam string shown the file name for messages
function M.read_options(o, header, shown, all_columns)
  local have = {}
  for _, name in ipairs(header) do have[name] = true end
  local function need(role)
    if all_columns then return end -- a file overview: roles are optional
    if not have[o[role]] then
      error(string.format("%s: no %s column '%s' (columns: %s)", shown, role, tostring(o[role]),
        list(header)), 0)
    end
  end
  need("customer")
  need("date")
  if M.is_event_log(o) then need("event") end
  if o.amount then
    need("amount")
  elseif not all_columns and not M.counts_only(o) and
      not (o.quantity and o.price and have[o.quantity] and have[o.price]) then
    error(string.format("%s: no amount: give --amount, or --quantity and --price (columns: %s)",
      shown, list(header)), 0)
  end
  local r = M.file_options(o)
  local declared = r.types or {}
  local types, columns = {}, {}
  local type_of = {customer = "string", date = M.epoch[o.date_format or ""] and "int64" or "timestamp",
                   amount = "float64", quantity = "float64", price = "float64", order = "string",
                   product = "string", country = "string", event = "string"}
  for _, role in ipairs(M.roles) do
    local name = o[role]
    if name and have[name] and not types[name] then
      columns[#columns + 1] = name
      types[name] = declared[name] or type_of[role]
    end
  end
  r.types = types
  if not all_columns then r.columns = columns end
  return r
end

--- The options with only the roles the file fills: each role's column
-- name, or nil where the file lacks it.
function M.present(o, header)
  local have = {}
  for _, name in ipairs(header) do have[name] = true end
  local p = {}
  for k, v in pairs(o) do p[k] = v end
  for _, role in ipairs(M.roles) do
    if p[role] and not have[p[role]] then p[role] = nil end
  end
  if p.amount then p.price = nil end
  return p
end

local STANDARD = {"customer", "date", "amount", "quantity", "order", "product", "country", "event"}

--- True when t is a frame M.read made (custan's column names, with the
-- cancelled and purchase masks): every analysis takes one as its input.
function M.is_standard(t)
  return t:has("customer") and t:has("date") and t:has("amount") and t:has("cancelled")
    and t:has("purchase")
end

--- The purchase rule on a frame of raw columns: a table with customer,
-- date, amount, and (where present) quantity, order, product, country,
-- and the masks cancelled and purchase.  `options.cancelled(t, o)` and
-- `options.purchase(t, o, cancelled)` replace the rule.
-- A frame from M.read is taken as it is.
-- @tparam frame t a frame with the file's column names, or one from M.read
-- @tparam table o options whose roles name t's columns (M.options)
function M.columns(t, o)
  if M.is_standard(t) and not (o.cancelled or o.purchase) then
    -- a frame from M.read: its columns are the roles, its rule applied
    local c = {cancelled = t.cancelled, purchase = t.purchase}
    for _, role in ipairs(STANDARD) do c[role] = t:has(role) and t:col(role) or nil end
    return c
  end
  local function col(role, required)
    local name = o[role]
    if name and t:has(name) then return t:col(name) end
    if required then
      error(string.format("no %s column '%s' (columns: %s)", role, tostring(name),
        list(t:names())), 0)
    end
  end
  local c = {customer = col("customer", o.need_customer ~= false), date = col("date", true),
             order = col("order"), event = col("event"),
             product = col("product"), country = col("country"), quantity = col("quantity")}
  local scale = M.epoch[o.date_format or ""]
  if scale and c.date:type() ~= "timestamp" then
    c.date = (c.date:cast("int64") * scale):cast("timestamp") -- seconds or ms since 1970, UTC
  end
  if o.amount then
    c.amount = col("amount", true)
  elseif c.quantity and o.price and t:has(o.price) then
    c.amount = c.quantity * t:col(o.price)
  elseif M.counts_only(o) and c.event then
    c.amount = c.date:is_missing():cast("float64") * 0 -- no amounts: counts only
  else
    error(string.format("give --amount, or --quantity and --price (columns: %s)",
      list(t:names())), 0)
  end
  if c.date:type() ~= "timestamp" then
    error(string.format("the date column '%s' holds %s values, not dates (give --date-format)",
      o.date, c.date:type()), 0)
  end
  if o.cancelled then
    c.cancelled = o.cancelled(t, o)
  elseif c.event and M.is_event_log(o) then
    c.cancelled = c.date:is_missing() & false -- an event log cancels nothing
  else
    local sign = c.quantity or c.amount
    c.cancelled = sign:lt(0)
    if c.order and c.order:type() == "string" and o.cancel_prefix and o.cancel_prefix ~= "" then
      c.cancelled = c.cancelled | c.order:startswith(o.cancel_prefix)
    end
    c.cancelled = c.cancelled:fill(false)
  end
  if o.purchase then
    c.purchase = o.purchase(t, o, c.cancelled)
  elseif c.event and M.is_event_log(o) then
    c.purchase = c.event:eq(o.purchase_event):fill(false)
  elseif c.quantity then
    c.purchase = ~c.cancelled & c.quantity:gt(0):fill(false)
  else
    c.purchase = ~c.cancelled
  end
  return c
end

--- The encoding to transcode from (the options' `encoding`), nil for UTF-8.
function M.encoding(o)
  local e = o.encoding
  if e == nil or e == "utf-8" or e == "utf8" then return nil end
  return e
end

--- Transcodes a frame's text columns to UTF-8 from the options' `encoding`.
function M.transcode(t, o)
  local encoding = M.encoding(o)
  if not encoding then return t end
  for _, name in ipairs(t:names()) do
    if t:col(name):type() == "string" then t[name] = t:col(name):transcode(encoding) end
  end
  return t
end

--- The read_csv options for every column of the file (no roles checked):
-- the file's layout, the date format on the date column.
function M.file_options(o)
  local r = {}
  for k, v in pairs(o.read or {}) do r[k] = v end
  for _, k in ipairs{"names", "delimiter", "skip_bad_rows"} do
    if o[k] ~= nil then r[k] = o[k] end
  end
  if o.header == false then r.header = false end
  if o.date_format then
    r.types = r.types or {}
    r.types[o.date] = M.epoch[o.date_format] and "int64" or "timestamp:" .. o.date_format
  end
  return r
end

--- The column names of a transaction file (of the first, for shards), as
-- the options read it.
function M.header(path, options)
  local o = M.options(options)
  local r = M.file_options(o)
  r.types = nil
  return custan.csv_columns(M.files(path)[1], r)
end

--- The files an input names, in order: a list of paths as it is, a path
-- with a wildcard (`shards/*.csv.gz`: `*`, `?` and `[...]` in the file
-- name) as the matching files sorted by name, any other path as itself.
-- Sharded logs are read as one log.
-- @raise when a wildcard matches no file
function M.files(input)
  if type(input) == "table" then return input end
  if type(input) ~= "string" then error("transactions: expected a file name, got a " .. type(input), 3) end
  local dir, name = input:match("^(.*)/([^/]*)$")
  if not dir then dir, name = ".", input end
  if not name:find("[%*%?%[]") then return {input} end
  local pattern = "^" .. name:gsub("[%^%$%(%)%%%.%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".") .. "$"
  local found = {}
  local ok, iter, state = pcall(lfs.dir, dir)
  if ok then
    for entry in iter, state do
      local path = dir == "." and input:sub(1, 2) ~= "./" and entry or dir .. "/" .. entry
      if entry:match(pattern) and lfs.attributes(path, "mode") == "file" then
        found[#found + 1] = path
      end
    end
  end
  if #found == 0 then error(string.format("no file matches '%s'", input), 0) end
  table.sort(found)
  return found
end

--- The file's header and the read options, checked (shared by read,
-- each_chunk and the summary's fast reader): the options, the read_csv
-- options, and the options with only the roles the file fills.
-- @raise naming the file when a required column is missing
function M.open(path, options)
  if type(path) ~= "string" and type(path) ~= "table" then
    error("transactions: expected a file name, got a " .. type(path), 3)
  end
  local o = M.options(options)
  local header = M.header(path, o)
  return o, M.read_options(o, header, path), M.present(o, header)
end
local open = M.open

--- Reads a whole transaction log into a frame with custan's column names:
-- customer, date, amount, and where the file has them quantity, order,
-- product and country; then cancelled and purchase (booleans) by the one
-- rule.
-- @tparam string path CSV or .csv.gz
-- @tparam[opt] table options roles and `preset`, `date_format`, `encoding`,
--   `skip_bad_rows`, `delimiter`, `header`, `names`, `cancel_prefix`,
--   `returns`, `end` (drop rows after that day), `read` (more read_csv options)
-- @return frame, info {path, rows (read), skipped_bad_rows, skipped_lines}
function M.read(path, options)
  local o, read, p = open(path, options)
  local files = M.files(path)
  if #files > 1 then -- shards of one log, one after another
    local parts, rows, skipped = {}, 0, 0
    for i, f in ipairs(files) do
      local raw, rinfo = custan.read_csv(f, read)
      parts[i] = M.standardize(M.transcode(raw, o), p)
      rows, skipped = rows + raw:nrows(), skipped + (rinfo.skipped or 0)
    end
    local info = M.info(files, {skipped = skipped}, rows)
    return custan.concat(table.unpack(parts)), info
  end
  local raw, rinfo = custan.read_csv(path, read)
  M.transcode(raw, o)
  return M.standardize(raw, p), M.info(path, rinfo, raw:nrows())
end

--- A frame of raw transaction columns (the file's names) as M.read returns
-- it: custan's names, the cancelled and purchase masks, rows up to `end`.
-- @tparam frame raw
-- @tparam[opt] table options roles naming raw's columns (M.options)
function M.standardize(raw, options)
  local o = M.options(options)
  local c = M.columns(raw, o)
  local cols, order = {}, {}
  for _, role in ipairs(STANDARD) do
    if c[role] then cols[role], order[#order + 1] = c[role], role end
  end
  cols.cancelled, cols.purchase = c.cancelled, c.purchase
  order[#order + 1] = "cancelled"
  order[#order + 1] = "purchase"
  local t = custan.frame(cols, order)
  if o["end"] then t = t:filter(t.date:le(o["end"]:sub(1, 10) .. " 23:59:59")) end
  return t
end

--- Streams a log in chunks: `fn(c, chunk)` gets M.columns of each chunk
-- (memory grows with what fn keeps, not with the file).
-- @return info as read's
function M.each_chunk(path, options, fn)
  local o, read, p = open(path, options)
  local rows, skipped, lines = 0, 0, {}
  for _, f in ipairs(M.files(path)) do -- shards of one log, one after another
    local rinfo = custan.read_csv_chunks(f, read, function(chunk)
      rows = rows + chunk:nrows()
      M.transcode(chunk, o)
      fn(M.columns(chunk, p), chunk)
    end)
    skipped = skipped + (rinfo.skipped or 0)
    for _, l in ipairs(rinfo.skipped_lines or {}) do lines[#lines + 1] = l end
  end
  return M.info(path, {skipped = skipped, skipped_lines = lines}, rows)
end

--- The reading facts every script reports (the same keys everywhere).
function M.info(path, rinfo, rows)
  local lines = {}
  for i, line in ipairs(rinfo.skipped_lines or {}) do lines[i] = line end
  return {path = path, rows = rows, skipped_bad_rows = rinfo.skipped or 0,
          skipped_lines = lines}
end

--- "skipped N bad rows (first at line L)", or nil when none were.
function M.skipped_message(info)
  local n = info.skipped_bad_rows or 0
  if n == 0 then return nil end
  local first = info.skipped_lines and info.skipped_lines[1]
  return string.format("skipped %d bad row%s%s", n, n == 1 and "" or "s",
    first and string.format(" (first at line %d)", first) or "")
end

--- The purchase rows of `read`'s result, with customer, date, amount and
-- whatever else was read, or only the named columns that t has (every
-- later filter copies the columns it carries: ask for what you use).
-- @tparam frame t from M.read
-- @tparam[opt] table columns e.g. {"customer", "date", "amount", "country"}
function M.purchases(t, columns)
  local names = {}
  if columns then
    for _, n in ipairs(columns) do
      if t:has(n) then names[#names + 1] = n end
    end
  else
    for _, n in ipairs(t:names()) do
      if n ~= "cancelled" and n ~= "purchase" then names[#names + 1] = n end
    end
  end
  return t:select(names):filter(t.purchase)
end

return M
