-- Specs for custan.json: deterministic, exact JSON result documents.
local json = require "custan.json"

describe("custan.json", function()
  describe("encode", function()
    it("should sort object keys so documents are identical across runs", function()
      assert.are.equal('{"alpha":1,"beta":2,"gamma":3}', json.encode({gamma = 3, alpha = 1, beta = 2}))
    end)

    it("should keep every digit of a double", function()
      assert.are.equal("0.30000000000000004", json.encode(0.1 + 0.2))
      assert.are.equal(0.1 + 0.2, json.decode(json.encode(0.1 + 0.2)))
      assert.are.equal("3", json.encode(3))
      assert.are.equal("3.0", json.encode(3.0))
    end)

    it("should write arrays, nested tables, strings and null", function()
      assert.are.equal('[1,"a\\"b",true,{"k":[]}]',
        json.encode({1, 'a"b', true, {k = setmetatable({}, json.array_mt)}}))
      assert.are.equal("{}", json.encode({}))
      assert.are.equal("null", json.encode(nil))
    end)

    it("should indent when asked", function()
      assert.are.equal('{\n  "a": [\n    1\n  ]\n}', json.encode({a = {1}}, {indent = "  "}))
    end)

    it("should refuse NaN, infinity and cycles", function()
      assert.has_error(function() json.encode(0 / 0) end)
      assert.has_error(function() json.encode({x = math.huge}) end)
      local t = {}
      t.self = t
      assert.has_error(function() json.encode(t) end, "json: cannot encode a table that contains itself")
    end)
  end)

  describe("write", function()
    it("should write a whole file, or report the path", function()
      local path = os.tmpname()
      assert.is_true(json.write(path, {a = 1}))
      local f = assert(io.open(path))
      assert.same({a = 1}, json.decode(f:read("a")))
      f:close()
      os.remove(path)
      local ok, err = json.write("/nonexistent/x.json", {a = 1})
      assert.is_nil(ok)
      assert.truthy(err:find("/nonexistent/x.json", 1, true))
    end)
  end)
end)
