--- Customer summaries, RFM scores and segments.
-- The per-row work is the C accumulator (custan.core.rfm); what counts as a
-- purchase or a cancellation, how scores are cut and how segments are named
-- are decided here and in rule files, where an analyst can change them.
-- @module custan.rfm

local core = require "custan.core.rfm"
local custan = require "custan"
local dist = require "custan.dist"
local util = require "custan.util"
local transactions = require "custan.data.transactions"

local M = {}

--- Column names of the Online Retail export, the defaults everywhere
-- (custan.data.transactions owns them; kept here for rule files that read them).
M.defaults = transactions.defaults

--- The transaction columns a summary needs, by the one purchase rule
-- (see custan.data.transactions.columns).
function M.transaction_columns(t, o)
  return transactions.columns(t, transactions.options(o))
end

local function new_accumulator(o)
  return core.new{period = o.period or "day", unit = o.unit or o.period or "day",
                  ["end"] = o["end"], calibration_end = o.calibration_end,
                  memory_mb = o.memory_mb, activity_days = o.activity_days}
end

local function add(acc, c)
  acc:add(c.customer, c.date, c.amount, c.order, c.product, c.cancelled, c.purchase)
end

-- An id as the summary writes it: 17850, "17850" and "17850.0" are one customer.
local function id_key(id)
  local n = tonumber(id)
  if n and n == math.floor(n) and math.abs(n) < 2^53 then return math.tointeger(n) end
  return id
end

-- With returns = "net": each customer's cancelled amounts, summed chunk by
-- chunk (memory grows with customers, not rows), then `returned` (the
-- amount given back, >= 0 for refunds) and `net_revenue` = revenue -
-- returned on the summary.  The lifetimes fields stay gross.
local function returns_accumulator()
  local sums = {}
  local r = {}
  function r.add(c)
    local rows = custan.frame({customer = c.customer, amount = c.amount}, {"customer", "amount"})
      :filter(c.cancelled & ~c.customer:is_missing())
    if rows:nrows() == 0 then return end
    local g = rows:group_by("customer"):agg{{"amount", "sum", as = "amount"}}
    local ids, amounts = g.customer:to_table(), g.amount:to_table()
    for i, id in ipairs(ids) do
      local k = id_key(id)
      sums[k] = (sums[k] or 0) + amounts[i]
    end
  end
  function r.apply(customers)
    customers.returned = customers.customer:map(function(id) return -(sums[id_key(id)] or 0) end,
      "float64")
    customers.net_revenue = customers.revenue - customers.returned
  end
  return r
end

--- One row per customer from a transaction frame.
-- @tparam frame tx transactions
-- @tparam[opt] table options column names (`customer`, `date`, `amount` or
--   `quantity` and `price`, `order`, `product`), `cancel_prefix`,
--   `period` ("day" | "week" | "month"), `unit` (the same, or days; default
--   the period), `end` and `calibration_end` (ISO dates), and the rule
--   functions `cancelled` and `purchase` (see transaction_columns), and
--   `memory_mb`, the budget of the tables of distinct customer periods,
--   orders and products before they go to a temporary file (16), and
--   `activity_days` (adds ipt_mean_days, ipt_std_days, recent_periods and
--   activity_trend over a recent window of that many days), `returns`
--   ("gross", the default, or "net": adds returned and net_revenue)
-- @return customers frame, info (`rows`, `skipped`, `excluded`, `ignored`,
--   `purchase_rows`, `end`)
function M.summary(tx, options)
  local o = transactions.options(options)
  if o.partitioned and not o["end"] then
    error("rfm.summary: a log partitioned across ranks needs an end date (options.end)", 2)
  end
  local acc <close> = new_accumulator(o)
  local c = transactions.columns(tx, o)
  add(acc, c)
  local customers, info = acc:result()
  if o.returns == "net" then
    local r = returns_accumulator()
    r.add(c)
    r.apply(customers)
  end
  if o.partitioned and dist.size() > 1 then return M.gather_partitioned(customers, info) end
  return customers, info
end

--- The summaries each rank made of its own customers' rows (a log
-- partitioned by customer across the ranks: `custan.dist.exchange`) as
-- one table on every rank, in customer order, with the counts of all
-- ranks: what one process summarising the whole log returns.
function M.gather_partitioned(customers, info)
  local merged = dist.gather_customers(customers)
  local n = dist.sum({info.rows, info.skipped, info.excluded, info.ignored, info.purchase_rows})
  local out = {rows = n[1], skipped = n[2], excluded = n[3], ignored = n[4], purchase_rows = n[5]}
  for k, v in pairs(out) do out[k] = math.tointeger(v) end
  -- the end is the given day on every rank with purchases
  for _, e in ipairs(dist.allgather({info["end"], info.end_day})) do
    if e[1] then out["end"], out.end_day = e[1], e[2] break end
  end
  return merged, out
end

-- The options the C file scanner cannot honour: it applies the library's
-- purchase rule to a plain delimited file with a header, in UTF-8.
local function needs_general_reader(o)
  return o.fast == false or o.returns ~= "gross" or o.cancelled or o.purchase
    or transactions.is_event_log(o) or transactions.encoding(o) or o.read or o.names
    or o.header == false or o.skip_bad_rows or o.delimiter == "whitespace"
    or (o.date_format and transactions.epoch[o.date_format])
end

-- The summary by the C scanner (custan.core.rfm.summary_file: every core,
-- only the summary's columns, ids never interned), or nil and the reason
-- the general reader must read the file.
local function fast_summary(files, o, present)
  if needs_general_reader(o) then return nil, "options" end
  local layout = {
    paths = files, distributed = dist.size() > 1, gather = o.gather ~= "none",
    customer = present.customer, date = present.date,
    quantity = present.quantity, amount = present.amount,
    price = not present.amount and present.price or nil,
    order = present.order, product = present.product,
    delimiter = o.delimiter, date_pattern = o.date_format,
    cancel_prefix = o.cancel_prefix, threads = o.threads, block_size = o.block_size,
  }
  local customers, info, read, elsewhere = core.summary_file({
    period = o.period or "day", unit = o.unit or o.period or "day",
    ["end"] = o["end"], calibration_end = o.calibration_end,
    memory_mb = o.memory_mb, activity_days = o.activity_days}, layout)
  if not customers then return nil, info, read, elsewhere end
  info.read = {path = #files == 1 and files[1] or files, rows = read.rows, skipped_bad_rows = 0,
               skipped_lines = {}, reader = "fast", threads = read.threads, ranks = dist.size()}
  return customers, info
end

-- In a distributed run the general reader cannot stand in (it reads on one
-- rank): the rank whose file the fast reader did not take reads that file
-- alone the general way, so a bad value is named with its line, or says
-- why; the error stops every rank.  The other ranks wait to be stopped.
local function distributed_fallback(o, why, file, elsewhere)
  if elsewhere then
    dist.barrier() -- the failing rank stops every rank before this returns
    error("another rank failed", 0)
  end
  local ok, err = pcall(transactions.each_chunk, file, o, function() end)
  dist.abort(ok and string.format("%s: a distributed summary reads files its fast reader " ..
    "takes, and this one has %s (read it alone, without mpirun, for the general reader)",
    file, why) or err)
end

--- Summarises a file while it streams from disk: memory grows with the
-- customers, not the rows.  Only the columns the summary uses are read
-- (custan.data.transactions).  A plain file with the library's purchase
-- rule is read by the C scanner on every core; other files, options and
-- any value the scanner does not take go through the general reader,
-- which gives the same summary (and names the line of a bad value).
-- `info.read.reader` says which read it ("fast" or "general"), and
-- `info.read.fallback` why not the fast one; `fast = false` asks for the
-- general reader, `threads` and `block_size` (bytes, 8 MiB) tune the fast one.
-- Under mpirun each rank reads its share of the files (`path` may name
-- shards, 'dir/*.csv.gz') and rows go to the rank that owns their
-- customer; every rank then gets the whole summary, or with
-- `gather = "none"` only its own customers (custan.dist.write_parts writes
-- those as one file per rank and a manifest).
-- @tparam string path
-- @tparam[opt] table options as summary, plus the reader's (`preset`,
--   `date_format`, `encoding`, `skip_bad_rows`, `delimiter`, `header`,
--   `names`, `read`)
-- @return customers frame, info (with `read`, the reader's info:
--   rows, skipped_bad_rows, skipped_lines)
function M.summary_file(path, options)
  local files = transactions.files(path)
  local o, _, present = transactions.open(files[1], options)
  local customers, why, file, elsewhere = fast_summary(files, o, present)
  if customers then return customers, why end
  if dist.size() > 1 then distributed_fallback(o, why, file, elsewhere) end
  local acc <close> = new_accumulator(o)
  local net = o.returns == "net" and returns_accumulator() or nil
  local rinfo = transactions.each_chunk(files, o, function(c) -- shards read as one log
    add(acc, c)
    if net then net.add(c) end
  end)
  if #files == 1 then rinfo.path = files[1] end
  local sinfo
  customers, sinfo = acc:result()
  if net then net.apply(customers) end
  sinfo.read = rinfo
  rinfo.reader, rinfo.fallback = "general", why
  return customers, sinfo
end

-- --------------------------------------------------------------- scores --

--- Quantile score 1..k of a column, as pandas'
-- `qcut(x.rank(method="first"), k, labels=1..k)`: values are ranked
-- ascending with ties in row order (customers are in id order), and the
-- ranks are cut at the k-quantiles of 1..n, so each score holds n/k
-- customers and equal values can get neighbouring scores.  With
-- higher_is_better false the labels are reversed (k..1), as for recency.
-- A single customer scores 1.
-- @tparam column c
-- @tparam[opt] boolean higher_is_better
-- @tparam[opt] integer k groups (5)
function M.quantile_score(c, higher_is_better, k)
  k = k or 5
  local n = c:len()
  local rank = c:rank()
  local score
  if n <= 1 then
    score = rank * 0 + 1
  else
    -- rank r falls in bin j when edge(j-1) < r <= edge(j), edge(j) = 1 + (n-1) j / k
    score = ((rank - 1) * k / (n - 1)):ceil()
    score = score + score:eq(0) -- rank 1 belongs to the first bin
  end
  score = score:cast("int64")
  if not higher_is_better then score = (k + 1) - score end
  return score
end

--- Adds R, F and M scores (1..5), FM, the RFM code ("545") and the sum
-- rfm_score.  R scores recency_days (fewer days is better), F orders, M
-- revenue.
-- @tparam frame customers from summary
-- @tparam[opt] table options `recency`, `frequency`, `monetary` column names
function M.score(customers, options)
  local o = options or {}
  local c = customers
  c.R = M.quantile_score(c:col(o.recency or "recency_days"), false)
  c.F = M.quantile_score(c:col(o.frequency or "orders"), true)
  c.M = M.quantile_score(c:col(o.monetary or "revenue"), true)
  c.FM = ((c.F + c.M + 1) / 2):floor():cast("int64")
  c.RFM = (c.R * 100 + c.F * 10 + c.M):cast("string")
  c.rfm_score = c.R + c.F + c.M
  return c
end

-- ------------------------------------------------------------- segments --

--- Loads a rule file (a Lua file returning {segments = {{name, when,
-- action}, ...}, fallback = name?}) and checks its shape.
-- @raise "FILE: segment 3 has no when function", and load errors
function M.load_rules(path)
  return M.check_rules(util.load_lua(path, "rules"), path)
end

--- Checks a rules table; returns it.
function M.check_rules(rules, where)
  where = where or "rules"
  if type(rules) ~= "table" or type(rules.segments) ~= "table" or #rules.segments == 0 then
    error(where .. ": must return a table with a non-empty `segments` list", 0)
  end
  for i, s in ipairs(rules.segments) do
    if type(s) ~= "table" or type(s.name) ~= "string" then
      error(string.format("%s: segment %d has no name", where, i), 0)
    end
    if type(s.when) ~= "function" then
      error(string.format("%s: segment %d (%s) has no when function", where, i, s.name), 0)
    end
  end
  rules.where = where
  return rules
end

--- The default rules: lua/custan/rules/segments.lua.
function M.default_rules()
  return M.check_rules(require "custan.rules.segments", "custan.rules.segments")
end

--- Names each customer's segment by the first matching rule.
-- @tparam frame customers scored (R, F, M, FM)
-- @tparam[opt] table rules default_rules()
-- @return customers (with a `segment` column), notes (rules that matched nobody)
-- @raise naming the rule and the customer when a rule fails or nothing matches
function M.segment(customers, rules)
  rules = rules or M.default_rules()
  local n = customers:nrows()
  local names, used = {}, {}
  local id_col = customers:names()[1]
  for i = 1, n do
    local c = customers:row(i)
    local found
    for _, s in ipairs(rules.segments) do
      local ok, hit = pcall(s.when, c)
      if not ok then
        error(string.format("%s: rule '%s' failed for customer %s: %s", rules.where, s.name,
          tostring(c[id_col]), tostring(hit)), 0)
      end
      if hit then
        found = s.name
        break
      end
    end
    if not found then
      if not rules.fallback then
        error(string.format("%s: no rule matches customer %s (R=%s, F=%s, M=%s); add a rule " ..
          "or a `fallback` segment name", rules.where, tostring(c[id_col]), tostring(c.R),
          tostring(c.F), tostring(c.M)), 0)
      end
      found = rules.fallback
    end
    names[i] = found
    used[found] = true
  end
  customers.segment = custan.column(names, "string", n)
  local notes = {}
  for _, s in ipairs(rules.segments) do
    if not used[s.name] then
      notes[#notes + 1] = string.format("rule '%s' matched no customer", s.name)
    end
  end
  return customers, notes
end

--- Per segment, in rule order: customers, their share, revenue and its
-- share, mean R, F, M, and the recommended action.
function M.segment_table(customers, rules)
  rules = rules or M.default_rules()
  local g = customers:group_by("segment"):agg{
    {"segment", "size", as = "customers"},
    {"revenue", "sum", as = "revenue"},
    {"R", "mean", as = "mean_R"}, {"F", "mean", as = "mean_F"}, {"M", "mean", as = "mean_M"},
    {"recency_days", "mean", as = "mean_recency_days"},
    {"orders", "mean", as = "mean_orders"},
  }
  local total_customers, total_revenue = customers:nrows(), customers.revenue:sum()
  g.customer_share = g.customers / total_customers
  g.revenue_share = g.revenue / total_revenue
  local position, action = {}, {}
  for i, s in ipairs(rules.segments) do
    position[s.name] = i
    action[s.name] = s.action or ""
  end
  if rules.fallback then
    position[rules.fallback] = #rules.segments + 1
    action[rules.fallback] = rules.fallback_action or ""
  end
  g.position = g.segment:map(function(name) return position[name] end, "int64")
  g.action = g.segment:map(function(name) return action[name] end, "string")
  return g:sort("position"):select{"segment", "customers", "customer_share", "revenue",
    "revenue_share", "mean_R", "mean_F", "mean_M", "mean_recency_days", "mean_orders", "action"}
end

return M
