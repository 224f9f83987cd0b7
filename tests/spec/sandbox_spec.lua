-- Specs for custan.sandbox: user Lua files (policies, rules, features,
-- model sources) run without os, io, package or debug, with limits on
-- instructions and memory per call.  The review found a planted
-- os.execute in a saved model.json run by churn.lua --score.
local sandbox = require "custan.sandbox"

local function text(source, name)
  return function() return sandbox.run_text(source, name or "t.lua", "rules") end
end

describe("custan.sandbox", function()
  local saved
  before_each(function()
    saved = {instructions = sandbox.limits.instructions, memory_mb = sandbox.limits.memory_mb,
             trusted = sandbox.trusted}
    sandbox.trusted = false
  end)
  after_each(function()
    sandbox.limits.instructions, sandbox.limits.memory_mb = saved.instructions, saved.memory_mb
    sandbox.trusted = saved.trusted
  end)

  it("should run plain data and functions", function()
    local v = sandbox.run_text("return {n = math.floor(2.5), f = function(x) return x * 2 end}",
      "ok.lua", "rules")
    assert.are.equal(2, v.n)
    assert.are.equal(6, v.f(3))
  end)

  it("should give no os, io, package or debug, and say so", function()
    -- (busted compares messages without their "FILE:LINE: " part)
    assert.has_error(text("return os.execute('true')"),
      "attempted to access nonexistent global 'os'")
    assert.has_error(text("return io.open('/etc/passwd')"),
      "attempted to access nonexistent global 'io'")
    local ok, err = pcall(sandbox.run_text, "return os.execute('true')", "t.lua", "rules")
    assert.is_false(ok)
    assert.are.equal("rules t.lua: t.lua:1: attempted to access nonexistent global 'os'", err)
    assert.has_error(text("return require('os')"))
    assert.has_error(text("return debug.getinfo(1)"))
    assert.has_error(text("return package.loaded"))
  end)

  it("should allow custan's own modules and text-only load", function()
    local v = sandbox.run_text("local sim = require 'custan.sim' return sim.mean(sim.beta(1, 3))",
      "sim.lua", "policy")
    assert.are.near(0.25, v, 1e-12)
    assert.has_error(text("return load(string.dump(function() end))()"))
    assert.are.equal(3, sandbox.run_text("return load('return 1 + 2')()", "l.lua", "rules"))
  end)

  it("should stop a runaway chunk and a runaway function it returns", function()
    sandbox.limits.instructions = 1e6
    assert.has_error(text("while true do end"),
      "rules t.lua: stopped after 1000000 instructions (the sandbox's limit; --trust lifts it)")
    local rules = sandbox.run_text("return {when = function() while true do end end}", "w.lua",
      "rules")
    assert.has_error(function() rules.when() end,
      "rules w.lua: stopped after 1000000 instructions (the sandbox's limit; --trust lifts it)")
  end)

  it("should stop a call that takes too much memory", function()
    sandbox.limits.memory_mb = 8
    assert.has_error(text("local t = {} for i = 1, 1e8 do t[i] = {i} end"),
      "rules t.lua: used more than 8 MB (the sandbox's limit; --trust lifts it)")
  end)

  it("should refuse to write files through a frame, in the chunk and in its functions", function()
    -- before: the sandbox handed files frames, and frame:write_csv wrote anywhere
    local custan = require "custan"
    local path = os.tmpname()
    os.remove(path)
    local make = "local f = require('custan').frame({a = {1, 2}})\n"
    local write = "f:write_csv(" .. string.format("%q", path) .. ")"
    local ok, err = pcall(sandbox.run_text, make .. write .. "\nreturn {}", "w1.lua", "rules")
    assert.is_false(ok)
    assert.truthy(tostring(err):find("a sandboxed file cannot write files", 1, true))
    local file = sandbox.run_text(make .. "return {write = function() " .. write .. " end}",
      "w2.lua", "rules")
    ok, err = pcall(file.write)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("a sandboxed file cannot write files", 1, true))
    assert.is_nil(io.open(path))
    -- outside the sandbox the same frame writes
    custan.frame({a = {1, 2}}):write_csv(path)
    local f = assert(io.open(path))
    f:close()
    os.remove(path)
  end)

  it("should hand out custan's modules read-only and hide shared metatables", function()
    -- before: a file could replace custan.read_csv or string.format for
    -- every later caller, through the module table or getmetatable("")
    local custan = require "custan"
    local read_csv = custan.read_csv
    local ok, err = pcall(sandbox.run_text, "require('custan').read_csv = nil", "m.lua", "rules")
    assert.is_false(ok)
    assert.truthy(tostring(err):find("cannot change 'read_csv' of a custan module", 1, true))
    assert.are.equal(read_csv, custan.read_csv)
    ok = pcall(sandbox.run_text, "require('custan').versions.lua = 'x'", "m2.lua", "rules")
    assert.is_false(ok)
    local v = sandbox.run_text("local c = require('custan') return {mt = getmetatable(''), " ..
      "frame_mt = getmetatable(c.frame({a = {1}})), own = getmetatable(setmetatable({}, {x = 1})), " ..
      "n = c.frame({a = {1, 2}}):nrows()}", "m3.lua", "rules")
    assert.is_nil(v.mt)
    assert.is_nil(v.frame_mt)
    assert.are.equal(1, v.own.x)
    assert.are.equal(2, v.n)
  end)

  it("should run a trusted file as ordinary Lua", function()
    sandbox.trusted = true
    assert.are.equal("string", sandbox.run_text("return type(os.getenv('HOME') or '')", "t.lua",
      "rules"))
  end)
end)
