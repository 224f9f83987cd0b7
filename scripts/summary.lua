--- summary.lua: load a transactions file into a typed frame and say what is
-- in it.  The main job of the README; later pipeline stages build on it.
--
--   custan run summary.lua --input examples/data/online_retail.csv.gz
--
-- Every number comes from vectorised column operations in C: no Lua code
-- runs per row.

local custan = require "custan"
local cli = require "custan.cli"
local util = require "custan.util"
local host = require "custan.core.host"

local p = cli.parser("summary.lua",
  "Load a transactions file and summarise it: columns, types, missing values and " ..
  "ranges; when order columns are present, orders, customers, revenue, cancellations " ..
  "and the leading countries.",
  "Example:\n  custan run summary.lua --input examples/data/online_retail.csv.gz --output out/")
cli.add_common(p)
p:option("--customer", "Customer id column.", "CustomerID")
p:option("--date", "Order timestamp column.", "InvoiceDate")
p:option("--order", "Order id column.", "InvoiceNo")
p:option("--quantity", "Quantity column.", "Quantity")
p:option("--price", "Unit price column.", "UnitPrice")
p:option("--amount", "Line amount column (used instead of quantity x price).")
p:option("--country", "Country column.", "Country")
p:option("--cancel-prefix", "Order ids starting with this mark cancellations.", "C")
p:option("--top", "Countries listed.", "5"):convert(math.tointeger)
local args = cli.parse(p, arg)
local say = cli.printer(args)

-- Load -------------------------------------------------------------------
local started = host.now()
local tx, info = custan.read_csv(args.input, cli.csv_options(args))
local seconds = host.now() - started

local result = {
  file = args.input,
  rows = tx:nrows(),
  columns = tx:describe():to_rows(),
  frame_bytes = tx:nbytes(),
  skipped_rows = info.skipped,
}

say(string.format("%s: %s rows x %d columns, %.1f MB in memory, loaded in %.2f s",
  args.input, util.commas(tx:nrows()), tx:ncols(), tx:nbytes() / 1e6, seconds))
if info.skipped > 0 then
  say(string.format("skipped %d bad rows (first at line %d)", info.skipped, info.skipped_lines[1]))
end
say("")
say(tostring(tx:describe()))

-- Transactions -----------------------------------------------------------
local function has(name) return name and tx:has(name) end

if has(args.date) and (has(args.amount) or (has(args.quantity) and has(args.price))) then
  local amount = has(args.amount) and tx:col(args.amount) or tx:col(args.quantity) * tx:col(args.price)
  tx.Amount__ = amount
  local cancelled
  if has(args.order) and tx:col(args.order):type() == "string" then
    cancelled = tx:col(args.order):startswith(args.cancel_prefix)
  elseif has(args.quantity) then
    cancelled = tx:col(args.quantity):lt(0)
  else
    cancelled = amount:lt(0)
  end
  cancelled = cancelled:fill(false)
  local purchases = tx:filter(~cancelled & amount:gt(0))
  local t = {
    first = tx:col(args.date):min(),
    last = tx:col(args.date):max(),
    purchase_rows = purchases:nrows(),
    cancelled_rows = tx:filter(cancelled):nrows(),
    revenue = purchases:col("Amount__"):sum(),
    cancelled_amount = tx:filter(cancelled):col("Amount__"):sum(),
  }
  if has(args.order) then t.orders = purchases:col(args.order):n_unique() end
  if has(args.customer) then
    local c = tx:col(args.customer)
    t.customers = purchases:col(args.customer):n_unique() - (purchases:col(args.customer):nmissing() > 0 and 1 or 0)
    t.rows_without_customer = c:nmissing()
  end
  say("")
  say(string.format("transactions %s .. %s", t.first, t.last))
  say(string.format("  purchase rows        %12s", util.commas(t.purchase_rows)))
  if t.orders then say(string.format("  orders               %12s", util.commas(t.orders))) end
  if t.customers then
    say(string.format("  customers            %12s", util.commas(t.customers)))
    say(string.format("  rows w/o customer    %12s", util.commas(t.rows_without_customer)))
  end
  say(string.format("  revenue              %15s", util.commas(string.format("%.2f", t.revenue))))
  say(string.format("  cancelled rows       %12s (amount %s)", util.commas(t.cancelled_rows),
    util.commas(string.format("%.2f", t.cancelled_amount))))
  if has(args.country) then
    local by_country = purchases:group_by(args.country)
      :agg{{"Amount__", "sum", as = "revenue"}, {args.country, "size", as = "rows"}}
      :sort("revenue", {desc = true})
    local top = by_country:head(args.top)
    t.top_countries = top:to_rows()
    say("")
    say(string.format("top %d countries by revenue", args.top))
    for _, row in ipairs(t.top_countries) do
      say(string.format("  %-22s %15s  %5.1f%%", row[args.country],
        util.commas(string.format("%.2f", row.revenue)), 100 * row.revenue / t.revenue))
    end
  end
  result.transactions = t
  tx.Amount__ = nil
end

-- Outputs ----------------------------------------------------------------
local out = cli.output_dir(args)
if out then cli.write_results(out, {{"columns.csv", tx:describe()}}, result, say) end
cli.print_json(args, result)
