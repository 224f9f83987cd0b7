--- Running other people's Lua files: policies, segment and cluster rules,
-- churn features, tiers, costs and grids, and the feature source a saved
-- model carries.
--
-- A file runs in an environment of its own with an allow-list (the safe
-- base functions, string, table, math, utf8, and a few custan modules): no
-- `os`, `io`, `package`, `debug` or `collectgarbage`, `load` for text only
-- and into the same sandbox, `require` of the allowed modules only, and
-- reading a global that does not exist is an error (it catches typos, as
-- Redis does for its scripts).  Modules come read-only, and getmetatable
-- sees only a file's own tables, so a file cannot change what the host
-- or other files see.  Every call into the file's code - the
-- chunk itself and each function it returns (a `target`, a rule's
-- `when`, a feature's `value`) - is limited to `limits.instructions` Lua
-- instructions and about `limits.memory_mb` of new memory, checked every
-- `limits.step` instructions.
--
-- `--trust` (`M.trusted = true`) runs files as ordinary Lua, for your own
-- files that need more.  A file is handed frames; a frame's `write_csv`
-- refuses while sandboxed code runs (`M.inside()`), so a file can read
-- data but write none.
-- @module custan.sandbox

local M = {}

--- Limits of one call into a sandboxed file.
M.limits = {instructions = 1e9, memory_mb = 1024, step = 1e5}

--- True: files run unsandboxed (the scripts' `--trust`).
M.trusted = false

--- Modules a sandboxed file may require.
M.modules = {
  ["custan"] = true, ["custan.sim"] = true, ["custan.date"] = true,
  ["custan.experiment"] = true, ["custan.pipeline"] = true,
}

local SAFE = {"assert", "error", "ipairs", "next", "pairs", "pcall", "xpcall", "select",
              "tonumber", "tostring", "type", "rawequal", "rawget", "rawlen", "rawset",
              "setmetatable", "getmetatable", "print", "_VERSION"}
local LIBS = {"string", "table", "math", "utf8"}

local function copy(t)
  local out = {}
  for k, v in pairs(t) do out[k] = v end
  return out
end

-- The state of the call into file code now running (depth > 0), read by
-- one count hook installed the first time a file is sandboxed: a hook
-- every `step` instructions costs nothing measurable elsewhere, and entering
-- a file's function is then a few table writes, not a hook change.
local state = {depth = 0, count = 0, start_kb = 0, where = nil}
local hooked = false

local function hook()
  if state.depth == 0 then return end
  local limits = M.limits
  state.count = state.count + limits.step
  if state.count > limits.instructions then
    state.depth = 0
    error(string.format("%s: stopped after %.0f instructions (the sandbox's limit; --trust lifts it)",
      state.where, limits.instructions), 0)
  end
  local max_kb = limits.memory_mb * 1024
  if collectgarbage("count") - state.start_kb > max_kb then
    collectgarbage()
    if collectgarbage("count") - state.start_kb > max_kb then
      state.depth = 0
      error(string.format("%s: used more than %d MB (the sandbox's limit; --trust lifts it)",
        state.where, limits.memory_mb), 0)
    end
  end
end

--- True while sandboxed file code runs (a file's chunk or a function it
-- returned): the functions that write files refuse then.
function M.inside()
  return not M.trusted and state.depth > 0
end

-- Leaving a call (also when it raises): a to-be-closed value.
local leave = setmetatable({}, {__close = function()
  if state.depth > 0 then state.depth = state.depth - 1 end
end})

--- Calls fn(...) under the limits (a fresh budget unless already inside a
-- sandboxed call); returns what it returns or raises.
function M.call(where, fn, ...)
  if M.trusted then return fn(...) end
  if not hooked then
    debug.sethook(hook, "", M.limits.step)
    hooked = true
  end
  if state.depth == 0 then
    state.count, state.start_kb, state.where = 0, collectgarbage("count"), where
  end
  state.depth = state.depth + 1
  local _ <close> = leave
  return fn(...)
end

-- Wraps the functions of a file's result (found in nested tables, defined
-- by the file itself) so that each call runs under the limits.
local function wrap(value, source, where, seen)
  if type(value) == "function" then
    local info = debug.getinfo(value, "S")
    if info.source ~= source then return value end
    return function(...)
      if state.depth == 0 then
        if not hooked then
          debug.sethook(hook, "", M.limits.step)
          hooked = true
        end
        state.count, state.start_kb, state.where = 0, collectgarbage("count"), where
      end
      state.depth = state.depth + 1
      local _ <close> = leave
      return value(...)
    end
  end
  if type(value) ~= "table" or seen[value] or getmetatable(value) ~= nil then return value end
  seen[value] = true
  for k, v in pairs(value) do value[k] = wrap(v, source, where, seen) end
  return value
end

-- Modules and their plain tables are handed to files read-only (one proxy
-- per table), so a file cannot change what the host and other files see.
local proxies = setmetatable({}, {__mode = "k"})
local function read_only(t)
  if proxies[t] then return proxies[t] end
  local proxy = setmetatable({}, {
    __index = function(_, k)
      local v = t[k]
      if type(v) == "table" and getmetatable(v) == nil then return read_only(v) end
      return v
    end,
    __newindex = function(_, k)
      error(string.format("cannot change '%s' of a custan module from a sandboxed file", tostring(k)), 2)
    end,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
  proxies[t] = proxy
  return proxy
end

-- getmetatable for files: a table's own metatable only; nil for strings and
-- custan's frames and columns, whose metatables are shared with the host.
local function file_getmetatable(v)
  if type(v) ~= "table" then return nil end
  return getmetatable(v)
end

--- A fresh environment for a file: the allow-list, `require` of
-- M.modules (read-only), and `load`/`dofile` that stay in the sandbox.
function M.environment(where)
  local env = {}
  for _, name in ipairs(SAFE) do env[name] = _G[name] end
  for _, name in ipairs(LIBS) do env[name] = copy(_G[name]) end
  env.require = function(name)
    if not M.modules[name] then
      error(string.format("require '%s': not available to a sandboxed file (--trust lifts the sandbox)",
        tostring(name)), 2)
    end
    return read_only(require(name))
  end
  env.getmetatable = file_getmetatable
  env.load = function(chunk, name, _, e) return load(chunk, name, "t", e or env) end
  env.dofile = function(path) return M.run_file(path, where, nil, env) end
  env._G = env
  return setmetatable(env, {__index = function(_, k)
    error(string.format("attempted to access nonexistent global '%s'", tostring(k)), 2)
  end})
end

local function run(chunk, source, where, ...)
  local value = M.call(where, chunk, ...)
  if M.trusted then return value end
  return wrap(value, source, where, {})
end

-- Runs a loaded chunk (or raises its load error) as "WHAT NAME".
local function finish(chunk, err, source, where, what, arg)
  if not chunk then error((what or "file") .. " " .. err, 0) end
  local ok, value = pcall(run, chunk, source, where, arg)
  if not ok then
    local message = tostring(value)
    if message:sub(1, #where) ~= where then message = where .. ": " .. message end
    error(message, 0)
  end
  return value
end

--- Runs a Lua file and returns its value; errors name the file ("policy
-- FILE: message").
-- @tparam string path
-- @tparam string what "policy", "rules", "features", ... for messages
-- @param arg passed to the chunk as `...` (a policy's folder)
function M.run_file(path, what, arg, env)
  local where = string.format("%s %s", what or "file", path)
  local chunk, err
  if M.trusted then
    chunk, err = loadfile(path, "t")
  else
    chunk, err = loadfile(path, "t", env or M.environment(where))
  end
  return finish(chunk, err, "@" .. path, where, what, arg)
end

--- Runs Lua source text as run_file does a file.
function M.run_text(text, name, what)
  local where = string.format("%s %s", what or "file", name)
  local chunk, err
  if M.trusted then -- (an env argument of nil would still be used as _ENV)
    chunk, err = load(text, "=" .. name, "t")
  else
    chunk, err = load(text, "=" .. name, "t", M.environment(where))
  end
  return finish(chunk, err, "=" .. name, where, what)
end

return M
