-- Specs for custan.rfm: the customer summary against lifetimes' algorithm
-- and the published CDNOW summary, RFM scores against pandas, and the
-- segment rules.
--
-- Expected numbers come from tests/reference/lifetimes_summary.py, a pandas
-- transcription of lifetimes' summary_data_from_transaction_data and
-- calibration_and_holdout_data, run here with Debian's python3-pandas:
--   /usr/bin/python3 tests/reference/lifetimes_summary.py \
--     examples/data/online_retail.csv.gz examples/data/cdnow_sample.txt
local custan = require "custan"
local rfm = require "custan.rfm"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local examples = here .. "/../../examples"
local retail = examples .. "/data/online_retail.csv.gz"

local function by_id(frame)
  local rows = {}
  for _, r in ipairs(frame:to_rows()) do rows[r.customer] = r end
  return rows
end

local function rel(a, b)
  return math.abs(a - b) / math.max(math.abs(b), 1e-300)
end

describe("custan.rfm", function()
  local customers, info
  setup(function()
    customers, info = rfm.summary_file(retail, {["end"] = "2011-12-09"})
  end)

  describe("summary on Online Retail (daily periods, end 2011-12-09)", function()
    it("should keep the purchases lifetimes keeps and find every customer", function()
      -- rows without CustomerID, cancellations and non-positive quantities dropped
      assert.are.equal(397924, info.purchase_rows)
      assert.are.equal(4339, customers:nrows())
      assert.are.equal(12427, customers.frequency:sum())
      assert.are.equal(567287, customers.recency:sum())
      assert.are.equal(966655, customers.T:sum())
      assert.is_true(rel(customers.monetary_value:sum(), 1331830.7430174514) < 1e-9)
    end)

    it("should give each customer lifetimes' fields", function()
      local rows = by_id(customers)
      -- reference: {frequency, recency, T, monetary_value}
      local expected = {
        [12346] = {0, 0, 325, 0},
        [12347] = {6, 365, 367, 599.70166666666671},
        [12748] = {113, 373, 373, 298.36088495575223},
        [14646] = {44, 353, 354, 6366.7059090909088},
        [15311] = {89, 373, 373, 677.72943820224714},
        [17850] = {1, 1, 373, 3891.8699999999999},
        [18283] = {13, 334, 337, 152.80230769230769},
        [18287] = {2, 159, 201, 536},
      }
      for id, e in pairs(expected) do
        local r = rows[id]
        assert.are.equal(e[1], r.frequency, "frequency of " .. id)
        assert.are.equal(e[2], r.recency, "recency of " .. id)
        assert.are.equal(e[3], r.T, "T of " .. id)
        assert.is_true(e[4] == 0 and r.monetary_value == 0 or rel(r.monetary_value, e[4]) < 1e-9,
          "monetary_value of " .. id)
      end
    end)

    it("should give the classic RFM fields", function()
      local c = by_id(customers)[14646]
      -- counted with pandas: 74 invoices, 280,206.02 revenue, 701 products
      assert.are.equal(74, c.orders)
      assert.are.near(280206.02, c.revenue, 1e-6)
      assert.are.equal(701, c.products)
      assert.are.equal(1, c.recency_days)
      assert.are.equal("2010-12-20 10:09:00", c.first_purchase)
      assert.are.equal(3, c.cancelled_orders)
    end)

    it("should summarise the same in memory as when streaming", function()
      local tx = custan.read_csv(retail)
      local mem = rfm.summary(tx, {["end"] = "2011-12-09"})
      assert.same(customers:select{"customer", "frequency", "recency", "T", "orders"}:to_columns(),
        mem:select{"customer", "frequency", "recency", "T", "orders"}:to_columns())
    end)

    it("should give the same result when its tables spill to disk", function()
      local small = rfm.summary_file(retail, {["end"] = "2011-12-09", memory_mb = 0.5,
        read = {block_size = 1 << 20}})
      local cols = {"customer", "frequency", "recency", "T", "orders", "products", "cancelled_orders"}
      assert.same(customers:select(cols):to_columns(), small:select(cols):to_columns())
      assert.is_true(rel(small.monetary_value:sum(), 1331830.7430174514) < 1e-9)
    end)

    it("should follow lifetimes for weekly and monthly periods", function()
      local w = rfm.summary_file(retail, {["end"] = "2011-12-09", period = "week"})
      assert.are.equal(11587, w.frequency:sum())
      local c = by_id(w)[14646]
      assert.same({29, 50, 50}, {c.frequency, c.recency, c.T})
      assert.is_true(rel(c.monetary_value, 9366.004827586208) < 1e-9)
      local m = rfm.summary_file(retail, {["end"] = "2011-12-09", period = "month"})
      assert.are.equal(8716, m.frequency:sum())
      c = by_id(m)[14646]
      assert.are.equal(12, c.frequency)
      assert.is_true(rel(c.recency, 11.992032690609664) < 1e-12) -- 365 days / 30.436875
      assert.is_true(rel(c.monetary_value, 22634.51166666667) < 1e-9)
    end)

    it("should leave out transactions after the end", function()
      local early = rfm.summary_file(retail, {["end"] = "2011-06-30"})
      assert.is_true(early:nrows() < 4339)
      assert.is_true(early.last_purchase:max() <= "2011-06-30 23:59:59")
    end)
  end)

  describe("summary on the CDNOW sample", function()
    local function read_opts()
      return {customer = "id", date = "date", amount = "amount", period = "day", unit = "week",
        read = {delimiter = "whitespace", header = false,
          names = {"master", "id", "date", "cds", "amount"},
          types = {date = "timestamp:%Y%m%d", id = "int64"}}}
    end

    it("should equal the published calibration summary to two decimals", function()
      local o = read_opts()
      o["end"] = "1997-09-30"
      local c = rfm.summary_file(examples .. "/data/cdnow_sample.txt", o)
      local ref = custan.read_csv(examples .. "/data/cdnow_summary.csv")
      assert.are.equal(2357, c:nrows())
      local mine = by_id(c)
      local worst = 0
      for _, r in ipairs(ref:to_rows()) do
        local m = mine[r.ID]
        for _, k in ipairs{"frequency", "recency", "T"} do
          worst = math.max(worst, math.abs(math.floor(m[k] * 100 + 0.5) / 100 - r[k]))
        end
      end
      assert.are.equal(0, worst)
    end)

    it("should split calibration and holdout as lifetimes does", function()
      local o = read_opts()
      o.calibration_end, o["end"] = "1997-09-30", "1998-06-30"
      local c = rfm.summary_file(examples .. "/data/cdnow_sample.txt", o)
      assert.are.equal(2357, c:nrows())
      assert.are.equal(1882, c.frequency_holdout:sum())
      assert.is_true(rel(c.monetary_value_holdout:sum(), 24901.0802441609) < 1e-9)
      local one = by_id(c)[1]
      assert.are.near(30.4285714286, one.recency, 1e-9)
      assert.are.near(38.8571428571, one.T, 1e-9)
      assert.are.equal(1, one.frequency_holdout)
      assert.are.near(26.48, one.monetary_value_holdout, 1e-12)
      assert.are.equal(39, one.duration_holdout)
      assert.are.near(33, by_id(c)[1108].T, 1e-12)
    end)
  end)

  describe("scores", function()
    it("should equal pandas' qcut of rank(method='first')", function()
      rfm.score(customers)
      local rows = by_id(customers)
      local expected = { -- {R, F, M} from the reference script
        [12346] = {1, 1, 5}, [12347] = {5, 5, 5}, [12348] = {2, 4, 4}, [14646] = {5, 5, 5},
        [16446] = {5, 3, 5}, [17850] = {1, 5, 5}, [18287] = {3, 4, 4},
      }
      for id, e in pairs(expected) do
        assert.same(e, {rows[id].R, rows[id].F, rows[id].M}, "scores of " .. id)
      end
      assert.are.equal(348, customers:filter(customers.RFM:eq("555")):nrows())
      assert.are.equal(183, customers:filter(customers.RFM:eq("111")):nrows())
      assert.are.equal("int64", customers.R:type())
      assert.are.equal(7, rows[12346].rfm_score)
    end)

    it("should cut small inputs like qcut", function()
      -- pandas.qcut(pd.Series(range(1, 11)).rank(method="first"), 5, labels=[1..5])
      assert.same({1, 1, 2, 2, 3, 3, 4, 4, 5, 5},
        rfm.quantile_score(custan.column({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), true):to_table())
      -- ties keep row order; recency reverses the labels
      assert.same({5, 5, 4, 3, 2, 1},
        rfm.quantile_score(custan.column({1, 1, 2, 3, 4, 5}), false):to_table())
    end)
  end)

  describe("segments", function()
    it("should name every customer with the default grid", function()
      rfm.score(customers)
      local _, notes = rfm.segment(customers)
      assert.are.equal(0, customers.segment:nmissing())
      assert.same({}, notes)
      local t = rfm.segment_table(customers)
      assert.are.equal(11, t:nrows())
      assert.are.equal("Champions", t.segment:get(1))
      assert.are.equal(4339, t.customers:sum())
      assert.are.near(1, t.revenue_share:sum(), 1e-12)
      assert.truthy(t.action:get(1):find("Reward", 1, true))
    end)

    it("should cover each cell of the R x FM grid exactly once", function()
      local rules = rfm.default_rules()
      for r = 1, 5 do
        for fm = 1, 5 do
          local hits = 0
          for _, s in ipairs(rules.segments) do
            if s.when({R = r, FM = fm}) then hits = hits + 1 end
          end
          assert.are.equal(1, hits, string.format("R=%d FM=%d", r, fm))
        end
      end
    end)

    it("should load the example rule sets", function()
      rfm.score(customers)
      local expected = {["value_tiers.lua"] = "VIP", ["simple_rf.lua"] = "Active frequent"}
      for file, segment_of_14646 in pairs(expected) do
        local rules = rfm.load_rules(examples .. "/segments/" .. file)
        rfm.segment(customers, rules)
        assert.are.equal(0, customers.segment:nmissing())
        assert.are.equal(segment_of_14646, by_id(customers)[14646].segment, file)
      end
    end)

    it("should name the rule and the customer when a rule fails", function()
      local small = customers:head(3)
      local rules = rfm.check_rules({segments = {
        {name = "Broken", when = function(c) return c.nope.x end}}}, "my_rules.lua")
      local ok, err = pcall(rfm.segment, small, rules)
      assert.is_false(ok)
      assert.truthy(err:find("my_rules.lua: rule 'Broken' failed for customer 12346:", 1, true), err)
    end)

    it("should name the customer no rule matches, and report unused rules", function()
      local small = customers:head(3)
      local rules = rfm.check_rules({segments = {
        {name = "Nobody", when = function() return false end}}}, "my_rules.lua")
      local ok, err = pcall(rfm.segment, small, rules)
      assert.is_false(ok)
      assert.truthy(err:find("my_rules.lua: no rule matches customer 12346 (R=", 1, true), err)
      rules.fallback = "Everyone"
      local _, notes = rfm.segment(small, rules)
      assert.same({"rule 'Nobody' matched no customer"}, notes)
    end)

    it("should reject malformed rule files", function()
      assert.has_error(function() rfm.check_rules({segments = {{name = "x"}}}, "r.lua") end,
        "r.lua: segment 1 (x) has no when function")
      assert.has_error(function() rfm.check_rules({}, "r.lua") end,
        "r.lua: must return a table with a non-empty `segments` list")
    end)
  end)
end)
