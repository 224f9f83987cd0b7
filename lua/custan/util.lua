--- Small helpers shared by custan's Lua modules and prepared scripts.
-- @module custan.util

local lfs = require "lfs"

local M = {}

--- Writes a file whole or not at all: a temporary file beside it, renamed.
-- @treturn[1] true
-- @treturn[2] nil, message
function M.write_file_atomic(path, content)
  local tmp = string.format("%s.tmp%d", path, math.random(1, 1 << 30))
  local f, err = io.open(tmp, "wb")
  if not f then return nil, string.format("%s: cannot write: %s", path, err) end
  local ok, werr = f:write(content)
  local closed, cerr = f:close()
  if not ok or not closed then
    os.remove(tmp)
    return nil, string.format("%s: cannot write: %s", path, tostring(werr or cerr))
  end
  local renamed, rerr = os.rename(tmp, path)
  if not renamed then
    os.remove(tmp)
    return nil, string.format("%s: cannot write: %s", path, rerr)
  end
  return true
end

--- Creates a directory and its parents (like mkdir -p).
-- @treturn[1] true
-- @treturn[2] nil, message
function M.mkdir_p(path)
  local so_far = path:sub(1, 1) == "/" and "/" or ""
  for part in path:gmatch("[^/]+") do
    so_far = so_far .. part
    local mode = lfs.attributes(so_far, "mode")
    if mode == nil then
      local ok, err = lfs.mkdir(so_far)
      if not ok and lfs.attributes(so_far, "mode") ~= "directory" then
        return nil, string.format("%s: cannot create directory: %s", so_far, err)
      end
    elseif mode ~= "directory" then
      return nil, string.format("%s: exists and is not a directory", so_far)
    end
    so_far = so_far .. "/"
  end
  return true
end

--- Joins path parts with "/".
function M.join(...)
  return (table.concat({...}, "/"):gsub("/+", "/"))
end

--- Splits "a,b,c" into {"a", "b", "c"} (blanks around items removed).
function M.split(s, sep)
  local out = {}
  for item in (s .. (sep or ",")):gmatch("(.-)" .. (sep or ",")) do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

--- Thousands separators: 541909 -> "541,909".
function M.commas(n)
  local s = type(n) == "number" and tostring(math.tointeger(n) or n) or tostring(n)
  local sign, int, frac = s:match("^([-]?)(%d+)(.*)$")
  if not int then return s end
  int = int:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. int .. frac
end

--- Runs a Lua file that returns a value (a rule file, a config) and
-- returns that value, in the sandbox (custan.sandbox); errors name the
-- file ("rules FILE: message").
function M.load_lua(path, what)
  return require("custan.sandbox").run_file(path, what)
end

--- Runs Lua source text that returns a value, as load_lua does a file;
-- `name` stands for the file in messages.
function M.load_lua_text(text, name, what)
  return require("custan.sandbox").run_text(text, name, what)
end

--- The whole content of a file, or nil and a message.
function M.read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

--- This process's memory in bytes from /proc/self/status: `rss` now and
-- `peak` (VmHWM) so far; nil where /proc is not there.
function M.process_memory()
  local f = io.open("/proc/self/status")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local function kb(field) return tonumber(text:match(field .. ":%s+(%d+) kB")) end
  return {rss = (kb("VmRSS") or 0) * 1024, peak = (kb("VmHWM") or 0) * 1024}
end

return M
