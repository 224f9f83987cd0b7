--- What is in a transaction file: every column's type, missing values and
-- range; then, by the one purchase rule (custan.data.transactions), rows,
-- orders, customers, revenue, cancellations and the leading countries.
-- @module custan.analysis.summary

local custan = require "custan"
local host = require "custan.core.host"
local transactions = require "custan.data.transactions"

local M = {}

M.defaults = {top = 5}

local function has(t, name) return name and t:has(name) end

-- The transaction facts, when the file has a date and an amount.
local function transaction_facts(tx, o, top)
  local p = transactions.present(o, tx:names())
  if not (has(tx, p.date) and (has(tx, p.amount) or (has(tx, p.quantity) and has(tx, p.price)))) then
    return nil
  end
  p.need_customer = false
  local c = transactions.columns(tx, p)
  local frame = {amount = c.amount, cancelled = c.cancelled, purchase = c.purchase}
  local names = {"amount", "cancelled", "purchase"}
  for _, role in ipairs{"customer", "order", "country"} do
    if c[role] then frame[role], names[#names + 1] = c[role], role end
  end
  local t = custan.frame(frame, names)
  local purchases, cancelled = t:filter(t.purchase), t:filter(t.cancelled)
  local f = {
    first = c.date:min(),
    last = c.date:max(),
    purchase_rows = purchases:nrows(),
    cancelled_rows = cancelled:nrows(),
    revenue = purchases.amount:sum(),
    cancelled_amount = cancelled.amount:sum(),
  }
  if o.returns == "net" then f.net_revenue = f.revenue + f.cancelled_amount end
  if c.order then f.orders = purchases.order:n_unique() end
  if c.customer then
    f.customers = purchases.customer:n_unique() -- n_unique leaves missing ids out
    f.rows_without_customer = c.customer:nmissing()
  end
  if c.country then
    local by_country = purchases:group_by("country")
      :agg{{"amount", "sum", as = "revenue"}, {"country", "size", as = "rows"}}
      :sort("revenue", {desc = true})
    f.top_countries = by_country:head(top):to_rows()
    for _, r in ipairs(f.top_countries) do
      r.revenue_share = f.revenue > 0 and r.revenue / f.revenue or nil
    end
  end
  return f
end

--- Runs the summary of one file.
-- @tparam string path
-- @tparam[opt] table options the reader's (custan.data.transactions), `top`
-- @return result document {kind = "summary", summary, tables, frame, seconds}
function M.run(path, options)
  local o = transactions.options(options)
  for k, v in pairs(M.defaults) do if o[k] == nil then o[k] = v end end
  local started = host.now()
  -- every column, the roles' typed: text in Quantity is an error naming its line
  local read = transactions.read_options(o, transactions.header(path, o), path, true)
  local tx, rinfo = custan.read_csv(path, read)
  transactions.transcode(tx, o)
  local info = transactions.info(path, rinfo, tx:nrows())
  local describe = tx:describe()
  local summary = {
    file = path,
    rows = tx:nrows(),
    columns = describe:to_rows(),
    frame_bytes = tx:nbytes(),
    skipped_bad_rows = info.skipped_bad_rows,
    transactions = transaction_facts(tx, o, o.top),
  }
  local warnings = {}
  local t = summary.transactions
  if t and not (t.revenue > 0) then
    warnings[#warnings + 1] = string.format("total revenue is %.2f: are the prices or amounts right?",
      t.revenue)
  end
  return {kind = "summary", summary = summary, warnings = warnings, info = info, frame = tx,
          describe = describe, seconds = host.now() - started, top = o.top,
          tables = {{"columns.csv", describe}}}
end

return M
