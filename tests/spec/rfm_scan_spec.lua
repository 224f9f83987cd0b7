-- Specs for the customer summary's fast file reader (custan.core.rfm's
-- summary_file, engine/kernels/rfm/rfm_scan.c): on every file it takes it
-- must give exactly what the general reader gives (the same frame, bit
-- for bit, and the same counts), at any thread count, block size and
-- memory budget; every file or value it does not take goes to the general
-- reader, which reads it or names the problem.
local rfm = require "custan.rfm"
local lfs = require "lfs"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local retail = here .. "/../../examples/data/online_retail.csv.gz"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(lfs.mkdir(d))
  return d
end

local function copy(t, more)
  local r = {}
  for k, v in pairs(t or {}) do r[k] = v end
  for k, v in pairs(more or {}) do r[k] = v end
  return r
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  return path
end

local INFO = {"rows", "skipped", "excluded", "ignored", "purchase_rows", "end", "end_day"}

-- The summary by both readers: asserts the fast one read it (or, with
-- `reader`, which one did) and that both agree exactly.
local function agree(path, options, reader)
  local f, fi = rfm.summary_file(path, copy(options))
  local g, gi = rfm.summary_file(path, copy(options, {fast = false}))
  assert.are.equal(reader or "fast", fi.read.reader, fi.read.fallback)
  assert.are.equal("general", gi.read.reader)
  assert.same(g:names(), f:names())
  assert.same(g:types(), f:types())
  assert.same(g:to_columns(), f:to_columns())
  for _, k in ipairs(INFO) do assert.are.equal(gi[k], fi[k], k) end
  assert.are.equal(gi.read.rows, fi.read.rows)
  return f, fi
end

-- A deterministic log with what real exports hold: integer ids written as
-- floats, text and zero-padded ids, missing customers, cancellations,
-- returns, quoted descriptions with commas, doubled quotes and line
-- breaks, blanks around fields, rows after the end.
local function messy_log(n, o)
  o = o or {}
  local seed = 12345
  local function rnd(k)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % k
  end
  local nl = o.crlf and "\r\n" or "\n"
  local ids = {"17850.0", "12346", "AB-12", "00012", "x9", "13047.0", "", "14646", " 15311 "}
  local words = {"HEART", "LANTERN", '"RED, WHITE"', '"7"" FRAME"', '"TWO\nLINES"', "MUG"}
  local lines = {(o.bom and "\239\187\191" or "") ..
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"}
  local order = 536000
  for i = 1, n do
    if rnd(4) == 0 then order = order + 1 end
    local cancel = rnd(25) == 0
    local inv = (cancel and "C" or "") .. order
    local qty = cancel and -(1 + rnd(5)) or (rnd(30) == 0 and 0 or 1 + rnd(12))
    local month, day = 1 + (i * 11 // n) % 12, 1 + rnd(28)
    local date = o.mdy and string.format("%d/%d/2011 %d:%02d", month, day, rnd(24), rnd(60))
      or string.format("2011-%02d-%02d %02d:%02d:00", month, day, rnd(24), rnd(60))
    local price = string.format("%d.%02d", rnd(20), rnd(100))
    lines[#lines + 1] = table.concat({inv, "P" .. rnd(40), words[1 + rnd(#words)], qty, date,
      price, ids[1 + rnd(#ids)], "United Kingdom"}, ",")
    if o.blank and i % 97 == 0 then lines[#lines + 1] = "" end
  end
  return table.concat(lines, nl) .. (o.no_final_newline and "" or nl)
end

describe("the summary's fast reader", function()
  local dir
  setup(function() dir = tmpdir() end)

  it("should give the general reader's summary of Online Retail, bit for bit", function()
    local c, info = agree(retail, {["end"] = "2011-12-09"})
    assert.are.equal(4339, c:nrows())
    assert.are.equal(397924, info.purchase_rows)
  end)

  it("should give the same summary on 1, 2 and 3 threads, any block size and budget", function()
    local base = rfm.summary_file(retail, {["end"] = "2011-12-09", threads = 1})
    for _, o in ipairs{{threads = 2}, {threads = 3}, {threads = 2, block_size = 100000},
                       {threads = 3, memory_mb = 0.25}, {threads = 1, memory_mb = 0.1}} do
      o["end"] = "2011-12-09"
      local c, info = rfm.summary_file(retail, o)
      assert.are.equal("fast", info.read.reader)
      assert.same(base:to_columns(), c:to_columns())
    end
  end)

  it("should agree on the holdout, activity, weekly and monthly fields", function()
    agree(retail, {calibration_end = "2011-06-30", ["end"] = "2011-12-09", activity_days = 90})
    agree(retail, {period = "week", activity_days = 30, threads = 3})
    agree(retail, {period = "month", unit = "day", ["end"] = "2011-09-30"})
  end)

  it("should agree on a messy export cut into many small blocks", function()
    local log = messy_log(3000)
    local path = write(dir .. "/messy.csv", log)
    for _, t in ipairs{1, 2, 3} do
      local c = agree(path, {["end"] = "2011-10-31", threads = t, block_size = 4096})
      -- text ids make the customer column text; 00012 stays itself
      assert.are.equal("string", c.customer:type())
    end
    agree(write(dir .. "/crlf.csv", messy_log(2000, {crlf = true, bom = true, blank = true})),
      {block_size = 5000})
    agree(write(dir .. "/mdy.csv", messy_log(1500, {mdy = true, no_final_newline = true})),
      {threads = 3, block_size = 3000})
  end)

  it("should agree on other layouts: a delimiter, an amount column, no orders or products",
    function()
      local rows = {"cust;when;value"}
      for i = 1, 400 do
        rows[i + 1] = string.format("%d;2011-%02d-%02d;%s", 100 + i % 37, 1 + i % 12, 1 + i % 28,
          i % 13 == 0 and "-5.5" or tostring(i % 50 + 0.25))
      end
      local path = write(dir .. "/semi.csv", table.concat(rows, "\n") .. "\n")
      local c = agree(path, {customer = "cust", date = "when", amount = "value", order = false,
        product = false, quantity = false, price = false, cancel_prefix = "", block_size = 1000})
      assert.are.equal("int64", c.customer:type())
      local dated = {"id,day,amount"}
      for i = 1, 200 do
        dated[i + 1] = string.format("%d,%02d.%02d.2011 10:00,%d", i % 9, 1 + i % 28,
          1 + i % 12, i)
      end
      agree(write(dir .. "/dotted.csv", table.concat(dated, "\n") .. "\n"),
        {customer = "id", date = "day", amount = "amount", date_format = "%d.%m.%Y %H:%M",
         order = false, product = false, quantity = false, price = false})
    end)

  it("should leave what it does not take to the general reader", function()
    local base = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
    local ok = "536365,A,6,2010-12-01 08:26:00,2.55,17850\n"
    local cases = {
      -- a missing quantity: the general rule's missing-value logic decides
      {base .. ok .. "536366,B,,2010-12-01 09:00:00,1.00,17850\n", "quantity"},
      -- doubled quotes in an id the summary keeps
      {base .. ok .. '536367,B,1,2010-12-02 09:00:00,1.00,"A""B"\n', "doubled quotes"},
      -- a quote inside an unquoted field
      {base .. ok .. '536368,B"X,1,2010-12-02 09:00:00,1.00,17850\n', "field"},
    }
    for i, case in ipairs(cases) do
      local path = write(dir .. "/fallback" .. i .. ".csv", case[1])
      local _, info = agree(path, {}, "general")
      assert.truthy(info.read.fallback:find(case[2], 1, true), info.read.fallback)
    end
    local _, info = agree(write(dir .. "/latin1.csv", base .. ok), {encoding = "latin1"},
      "general")
    assert.are.equal("options", info.read.fallback)
  end)

  it("should report bad input as the general reader does, naming the line", function()
    local base = "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
    local ok = "536365,A,6,2010-12-01 08:26:00,2.55,17850\n"
    for i, case in ipairs{
      {base .. ok .. "536366,B,abc,2010-12-01 09:00:00,1.00,17850\n", ":3"}, -- not a number
      {base .. ok .. "536366,B,1,2010-12-01 09:00:00\n", ":3"},              -- too few fields
      -- not a date, among the rows the format is inferred from
      {base .. ok .. "536366,B,1,yesterday,1.00,17850\n", "no known date format fits"},
    } do
      local path = write(dir .. "/bad" .. i .. ".csv", case[1])
      local fast_ok, fast_err = pcall(rfm.summary_file, path, {})
      local gen_ok, gen_err = pcall(rfm.summary_file, path, {fast = false})
      assert.is_false(fast_ok)
      assert.is_false(gen_ok)
      assert.are.equal(gen_err, fast_err)
      assert.truthy(tostring(fast_err):find(case[2], 1, true), fast_err)
    end
  end)
end)
