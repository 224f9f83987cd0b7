--- JSON result documents.
-- Decoding and string escaping are lua-cjson's.  Encoding walks the value
-- itself for two reasons cjson cannot meet: object keys come out sorted
-- (Lua 5.4 randomises table order per run, and a result document must be
-- the same on every run), and numbers keep all 17 significant digits
-- (cjson stops at 16).
-- @module custan.json

local cjson = require "cjson"

local M = {}

--- Marks a table to be written as a JSON array even when empty.
M.array_mt = {__jsontype = "array"}

--- Decodes a JSON text.
function M.decode(text)
  return cjson.decode(text)
end

local function format_number(v)
  if math.type(v) == "integer" then return string.format("%d", v) end
  if v ~= v or v == math.huge or v == -math.huge then
    error("json: cannot encode " .. tostring(v) .. " (not a finite number)", 0)
  end
  if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%.1f", v) end
  for digits = 15, 17 do
    local s = string.format("%." .. digits .. "g", v)
    if tonumber(s) == v then return s end
  end
  return string.format("%.17g", v)
end

local function is_array(t)
  local mt = getmetatable(t)
  if mt and mt.__jsontype == "array" then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value

local function encode_table(t, indent, depth, seen)
  if seen[t] then error("json: cannot encode a table that contains itself", 0) end
  seen[t] = true
  local pad, inner, sep, colon = "", "", ",", ":"
  if indent then
    pad = "\n" .. string.rep(indent, depth)
    inner = "\n" .. string.rep(indent, depth + 1)
    colon = ": "
  end
  local parts = {}
  local open, close
  if is_array(t) then
    open, close = "[", "]"
    for i = 1, #t do parts[i] = inner .. encode_value(t[i], indent, depth + 1, seen) end
  else
    open, close = "{", "}"
    local keys = {}
    for k in pairs(t) do
      if type(k) ~= "string" and type(k) ~= "number" then
        error("json: object keys must be strings, got a " .. type(k), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for i, k in ipairs(keys) do
      parts[i] = inner .. cjson.encode(tostring(k)) .. colon ..
                 encode_value(t[k], indent, depth + 1, seen)
    end
  end
  seen[t] = nil
  if #parts == 0 then return open .. close end
  return open .. table.concat(parts, sep) .. pad .. close
end

function encode_value(v, indent, depth, seen)
  local tv = type(v)
  if tv == "nil" then return "null" end
  if tv == "boolean" then return v and "true" or "false" end
  if tv == "number" then return format_number(v) end
  if tv == "string" then return cjson.encode(v) end
  if tv == "table" then return encode_table(v, indent, depth, seen) end
  error("json: cannot encode a " .. tv, 0)
end

--- Encodes a value; tables with keys 1..n are arrays, others objects.
-- @param value
-- @tparam[opt] table options `indent` (string, e.g. "  ") for pretty output
function M.encode(value, options)
  local indent = options and options.indent
  return encode_value(value, indent, 0, {})
end

--- Writes a document to a file whole or not at all.
-- @treturn[1] true
-- @treturn[2] nil, message
function M.write(path, value, options)
  local util = require "custan.util"
  local ok, text = pcall(M.encode, value, options or {indent = "  "})
  if not ok then return nil, text end
  return util.write_file_atomic(path, text .. "\n")
end

return M
