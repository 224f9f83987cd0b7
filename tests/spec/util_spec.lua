-- Specs for custan.util and custan.cli (argument parsing shared by the
-- prepared scripts).
local util = require "custan.util"
local cli = require "custan.cli"
local lfs = require "lfs"

describe("custan.util", function()
  it("should format thousands", function()
    assert.are.equal("541,909", util.commas(541909))
    assert.are.equal("-1,234.50", util.commas("-1234.50"))
    assert.are.equal("12", util.commas(12))
  end)

  it("should read this process's memory", function()
    local m = util.process_memory()
    assert.is_true(m.rss > 0 and m.peak >= m.rss)
  end)

  it("should split lists", function()
    assert.same({"recency", "frequency", "monetary"}, util.split("recency, frequency,monetary"))
  end)

  it("should make nested directories and write files atomically", function()
    local base = os.tmpname()
    os.remove(base)
    assert.is_true(util.mkdir_p(base .. "/a/b"))
    assert.are.equal("directory", lfs.attributes(base .. "/a/b", "mode"))
    assert.is_true(util.write_file_atomic(base .. "/a/b/f.txt", "hello"))
    local f = io.open(base .. "/a/b/f.txt")
    assert.are.equal("hello", f:read("a"))
    f:close()
    os.remove(base .. "/a/b/f.txt")
    lfs.rmdir(base .. "/a/b")
    lfs.rmdir(base .. "/a")
    local ok, err = util.write_file_atomic("/nonexistent/f.txt", "x")
    assert.is_nil(ok)
    assert.truthy(err:find("/nonexistent/f.txt: cannot write", 1, true))
  end)
end)

describe("custan.cli", function()
  local function parser()
    local p = cli.parser("t.lua", "A test script.")
    cli.add_common(p)
    return p
  end

  it("should parse the common flags", function()
    local args = cli.parse(parser(), {"--input", "x.csv", "--seed", "7", "--json"})
    assert.are.equal("x.csv", args.input)
    assert.are.equal(7, args.seed)
    assert.is_true(args.json)
    assert.is_nil(args.output)
  end)

  it("should default the seed to 1", function()
    assert.are.equal(1, cli.parse(parser(), {"--input", "x.csv"}).seed)
  end)

  it("should turn flags into reading options", function()
    local args = cli.parse(parser(), {"-i", "x", "--delimiter", ";", "--skip-bad-rows"})
    assert.same({delimiter = ";", skip_bad_rows = true}, cli.csv_options(args))
  end)
end)
