-- bench/join_bench.lua OUTDIR [REPS] [SCALE]: custan's side of the join benchmark
-- (issue 14).  Writes the two tables once (orders: 1,000,000 x SCALE rows
-- of order, customer (int64), amount; customers: 100,000 x SCALE rows of
-- customer, segment, score; every 10th customer id has no row, so a
-- left join keeps unmatched orders), then times, in this process and warm,
-- the many-to-one inner and left joins of orders to customers.  Prints
-- "inner_ms left_ms rows_inner rows_left sum_score" (medians of REPS).
local custan = require "custan"
local host = require "custan.core.host"

local dir, reps, scale = arg[1], tonumber(arg[2] or "7"), tonumber(arg[3] or "1")
local n_orders, n_customers = math.floor(1000000 * scale), math.floor(100000 * scale)
local orders_path, customers_path = dir .. "/orders.csv", dir .. "/customers.csv"

local function exists(p) local f = io.open(p) if f then f:close() return true end end
if not exists(orders_path) then
  math.randomseed(42)
  local cust, amount = {}, {}
  for i = 1, n_orders do
    cust[i] = math.random(n_customers + n_customers // 9) -- some ids have no customer row
    amount[i] = math.floor(math.random() * 10000) / 100
  end
  local order = {}
  for i = 1, n_orders do order[i] = i end
  custan.frame({order = custan.column(order, "int64"), customer = custan.column(cust, "int64"),
    amount = custan.column(amount, "float64")}, {"order", "customer", "amount"}):write_csv(orders_path)
  local id, seg, score = {}, {}, {}
  local names = {"Champions", "Loyal", "At Risk", "Hibernating", "New"}
  local k = 0
  for c = 1, n_customers + n_customers // 9 do
    if c % 10 ~= 0 then
      k = k + 1
      id[k], seg[k], score[k] = c, names[c % 5 + 1], (c % 997) / 997
    end
  end
  custan.frame({customer = custan.column(id, "int64"), segment = custan.column(seg, "string"),
    score = custan.column(score, "float64")}, {"customer", "segment", "score"}):write_csv(customers_path)
end

local orders = custan.read_csv(orders_path)
local customers = custan.read_csv(customers_path)
local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end
local times = {inner = {}, left = {}}
local rows, sum = {}, nil
for _ = 1, reps do
  for _, how in ipairs{"inner", "left"} do
    collectgarbage()
    local t0 = host.now()
    local j = orders:join(customers, "customer", {how = how})
    times[how][#times[how] + 1] = (host.now() - t0) * 1000
    rows[how] = j:nrows()
    if how == "inner" then sum = j.score:sum() end
  end
end
print(string.format("%.1f %.1f %d %d %.6f", median(times.inner), median(times.left), rows.inner,
  rows.left, sum))
