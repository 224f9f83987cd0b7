-- Specs for reading and writing CSV from Lua: options, the shipped example
-- data, and the messages of every kind of bad input.
local custan = require "custan"
local lfs = require "lfs"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local fixtures = here .. "/../fixtures"
local examples = here .. "/../../examples/data"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(lfs.mkdir(d))
  return d
end

describe("custan.read_csv", function()
  it("should read a small file with inferred types", function()
    local t = custan.read_csv(fixtures .. "/orders.csv")
    assert.same({"order", "customer", "date", "amount"}, t:names())
    assert.same({order = "int64", customer = "string", date = "timestamp", amount = "float64"},
      t:types())
    assert.are.equal(4, t:nrows())
    assert.is_nil(t.amount:get(4))
    assert.are.equal("2011-02-10 09:15:00", t.date:get(3))
  end)

  it("should honour type overrides, names and the header flag", function()
    local t = custan.read_csv(fixtures .. "/orders.csv", {types = {order = "string"}})
    assert.are.equal("string", t.order:type())
    local u = custan.read_csv(fixtures .. "/orders.csv",
      {header = false, names = {"a", "b", "c", "d"}, types = {a = "string"}})
    assert.are.equal(5, u:nrows())
    assert.are.equal("order", u.a:get(1))
  end)

  it("should read the CDNOW sample: whitespace, no header, YYYYMMDD dates", function()
    local t = custan.read_csv(examples .. "/cdnow_sample.txt", {
      delimiter = "whitespace", header = false,
      names = {"master_id", "customer_id", "date", "cds", "amount"},
      types = {date = "timestamp:%Y%m%d"}})
    -- 6,919 purchase records of 2,357 customers (the sample of Fader & Hardie)
    assert.are.equal(6919, t:nrows())
    assert.are.equal(2357, t.customer_id:n_unique())
    assert.are.equal("1997-01-01 00:00:00", t.date:min())
    assert.are.equal("1998-06-30 00:00:00", t.date:max())
  end)

  it("should read the bundled Online Retail file, gzip-compressed", function()
    local t = custan.read_csv(examples .. "/online_retail.csv.gz")
    -- the UCI Online Retail data set: 541,909 rows, 2010-12-01 .. 2011-12-09
    assert.are.equal(541909, t:nrows())
    assert.are.equal("string", t.InvoiceNo:type()) -- "C536379" marks a cancellation
    assert.are.equal(25900, t.InvoiceNo:n_unique())
    assert.are.equal(4372, t.CustomerID:n_unique())
    assert.are.equal(135080, t.CustomerID:nmissing())
    assert.are.equal("2010-12-01 08:26:00", t.InvoiceDate:min())
    assert.are.equal("2011-12-09 12:50:00", t.InvoiceDate:max())
    assert.are.equal(5176450, t.Quantity:sum())
  end)

  it("should give the same frame with one thread and two", function()
    local a = custan.read_csv(examples .. "/online_retail.csv.gz", {threads = 1})
    local b = custan.read_csv(examples .. "/online_retail.csv.gz", {threads = 2, block_size = 1 << 20})
    for _, name in ipairs(a:names()) do
      local x, y = a:col(name), b:col(name)
      local differ = x:ne(y):fill(false) | x:is_missing():ne(y:is_missing())
      assert.are.equal(0, differ:sum(), "column " .. name .. " differs")
    end
  end)

  describe("bad input", function()
    local cases = {
      {"missing file", "/nonexistent/orders.csv", "/nonexistent/orders.csv: cannot open: No such file or directory"},
      {"empty file", "empty.csv", "empty.csv: the file is empty"},
      {"ragged row", "ragged.csv", "ragged.csv:3: expected 3 fields, found 2"},
      {"unterminated quote", "unterminated.csv", "unterminated.csv:3: unterminated quoted field"},
      {"binary data", "binary.csv", "binary.csv:3: binary data (a NUL byte): not a text file"},
    }
    for _, case in ipairs(cases) do
      it("should report a " .. case[1] .. " with file and line", function()
        local path = case[2]:sub(1, 1) == "/" and case[2] or fixtures .. "/" .. case[2]
        local t, err, code = custan.try_read_csv(path)
        assert.is_nil(t)
        assert.truthy(err:find(case[3], 1, true), err)
        assert.is_number(code)
        -- read_csv raises the same text (busted's has_error would strip
        -- its "FILE:LINE: " prefix, so compare through pcall)
        local ok, raised = pcall(custan.read_csv, path)
        assert.is_false(ok)
        assert.are.equal(err, raised)
      end)
    end

    it("should name line and column of a non-numeric value in a numeric column", function()
      local _, err = custan.try_read_csv(fixtures .. "/nonnumeric.csv", {types = {qty = "int64"}})
      assert.truthy(err:find("nonnumeric.csv:4: column 2 (qty): cannot read 'abc' as int64", 1, true), err)
    end)

    it("should name line and column of an unparseable date", function()
      local _, err = custan.try_read_csv(fixtures .. "/baddate.csv", {types = {day = "timestamp:%Y-%m-%d"}})
      assert.truthy(err:find("baddate.csv:3: column 2 (day): cannot read '2011-13-45' as timestamp", 1, true), err)
    end)

    it("should widen an inferred numeric column to text rather than fail", function()
      local t = custan.read_csv(fixtures .. "/nonnumeric.csv")
      assert.are.equal("string", t.qty:type())
    end)

    it("should skip bad rows only when asked, and count them", function()
      local t, info = custan.read_csv(fixtures .. "/ragged.csv", {skip_bad_rows = true})
      assert.are.equal(2, t:nrows())
      assert.are.equal(1, info.skipped)
      assert.same({3}, info.skipped_lines)
    end)

    it("should check its arguments", function()
      assert.has_error(function() custan.read_csv(42) end,
        "read_csv: argument 1 expected a file name, got a number")
      assert.has_error(function() custan.read_csv(fixtures .. "/orders.csv", {types = {amount = "money"}}) end)
      assert.has_error(function() custan.read_csv(fixtures .. "/orders.csv", {delimiter = ";;"}) end)
    end)
  end)
end)

describe("frame:write_csv", function()
  it("should round-trip quoting, missing values and types", function()
    local t = custan.frame({
      s = {"a,b", 'say "hi"', "two\nlines", " pad "},
      x = {1.5, nil, 3, 0.1 + 0.2},
      n = {1, 2, 3, 4},
      ok = {true, false, true, false},
      day = custan.column({"2011-01-01", "2011-01-02", "2011-01-03", "2011-01-04"}, "timestamp"),
    }, {"s", "x", "n", "ok", "day"})
    local dir = tmpdir()
    for _, name in ipairs{"out.csv", "out.csv.gz"} do
      local path = dir .. "/" .. name
      t:write_csv(path)
      local u = custan.read_csv(path)
      assert.same(t:types(), u:types())
      assert.same(t:to_columns(), u:to_columns())
      os.remove(path)
    end
    lfs.rmdir(dir)
  end)

  it("should fail with the path and leave no file behind", function()
    local t = custan.frame({x = {1}})
    assert.has_error(function() t:write_csv("/nonexistent/dir/out.csv") end)
  end)
end)

describe("custan.read_csv_chunks", function()
  it("should stream the file in chunks that add up to the whole", function()
    local whole = custan.read_csv(examples .. "/online_retail.csv.gz", {columns = {"Quantity"}})
    assert.same({"Quantity"}, whole:names())
    local rows, total, chunks = 0, 0, 0
    local info = custan.read_csv_chunks(examples .. "/online_retail.csv.gz",
      {columns = {"Quantity", "InvoiceNo"}, types = {InvoiceNo = "string"}, block_size = 1 << 20},
      function(chunk)
        chunks = chunks + 1
        rows = rows + chunk:nrows()
        total = total + chunk.Quantity:sum()
      end)
    assert.are.equal(541909, rows)
    assert.are.equal(whole.Quantity:sum(), total)
    assert.are.equal(chunks, info.chunks)
    assert.is_true(chunks > 10)
  end)

  it("should pass on an error raised by the function, and stop", function()
    local calls = 0
    local ok, err = pcall(custan.read_csv_chunks, fixtures .. "/orders.csv", {block_size = 16},
      function() calls = calls + 1; error("stop here") end)
    assert.is_false(ok)
    assert.truthy(err:find("stop here", 1, true))
    assert.are.equal(1, calls)
  end)

  it("should report bad data with file and line", function()
    local ok, err = pcall(custan.read_csv_chunks, fixtures .. "/ragged.csv", nil, function() end)
    assert.is_false(ok)
    assert.truthy(err:find("ragged.csv:3: expected 3 fields, found 2", 1, true), err)
  end)
end)
