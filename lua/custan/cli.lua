--- Command-line handling shared by the prepared scripts (lua-argparse).
-- Every prepared script builds its parser here, so the common flags, the
-- exit codes (2 for bad usage, 1 for bad data) and --help behave the same.
-- @module custan.cli

local argparse = require "argparse"
local util = require "custan.util"
local json = require "custan.json"
local host = require "custan.core.host"
local date = require "custan.date"
local transactions = require "custan.data.transactions"

local M = {}

--- A parser for a prepared script.
-- @tparam string name e.g. "summary.lua"
-- @tparam string description one paragraph
-- @tparam[opt] string epilog examples shown after the options
function M.parser(name, description, epilog)
  local p = argparse(name, description, epilog)
  p:help_max_width(88)
  return p
end

--- Adds the flags every prepared script shares: --input, --output,
-- --json, --seed, --quiet, and the CSV reading flags.
function M.add_common(p, options)
  options = options or {}
  local input = p:option("-i --input", "Transactions file (CSV or .csv.gz), or shards of " ..
    "one log ('shards/*.csv.gz'; under mpirun each rank reads its share).")
  if options.default_input then
    input:default(options.default_input)
  elseif not options.optional_input then
    input:count(1)
  end
  p:option("-o --output", "Folder for the result files (CSV and JSON), written as one set.")
  p:flag("--force", "Write into an --output folder that holds files custan did not write.")
  p:flag("--json", "Print one JSON result document on stdout instead of tables.")
  p:option("--seed", "Seed for anything random.", "1"):convert(tonumber)
  p:flag("-q --quiet", "Print nothing but errors.")
  p:flag("--trust", "Run rule, policy and feature files without the sandbox (your own files).")
  p:option("--delimiter", "Field separator: , ; | tab whitespace (default: guessed).")
  p:flag("--no-header", "The first line is data; name the columns with --columns.")
  p:option("--columns", "Column names, comma-separated (with --no-header, or to rename).")
  p:option("--date-format", "Format of the date column, e.g. %d/%m/%Y %H:%M (default: inferred).")
  p:option("--encoding", "Text encoding: utf-8 (default), latin-1 or cp1252.")
    :choices{"utf-8", "utf8", "latin-1", "latin1", "iso-8859-1", "cp1252", "windows-1252"}
  p:flag("--skip-bad-rows", "Drop rows that cannot be read, and report how many.")
  return p
end

--- Adds the transaction column flags.  Their defaults come from --preset
-- (Online Retail's names unless another is chosen), so the same flags
-- mean the same thing in every script.
function M.add_transaction_columns(p)
  local d = transactions.defaults
  local presets = {}
  for name in pairs(transactions.presets) do presets[#presets + 1] = name end
  table.sort(presets)
  p:option("--preset", "Column layout: " .. table.concat(presets, ", ") .. " (default online_retail; " ..
    "retailrocket is an event log: view, addtocart, transaction).")
    :choices(presets)
  p:option("--customer", "Customer id column (default: " .. d.customer .. ").")
  p:option("--date", "Order date column (default: " .. d.date .. ").")
  p:option("--amount", "Line amount column (instead of --quantity x --price).")
  p:option("--quantity", "Quantity column (default: " .. d.quantity .. ").")
  p:option("--price", "Unit price column (default: " .. d.price .. ").")
  p:option("--order", "Order id column, used when the file has it (default: " .. d.order .. ").")
  p:option("--product", "Product id column, used when the file has it (default: " ..
    d.product .. ").")
  p:option("--country", "Country column, used when the file has it (default: " ..
    d.country .. ").")
  p:option("--cancel-prefix", "Order ids starting with this are cancellations (default: C).")
  p:option("--returns", "Revenue gross of cancellations (default) or also net of them.")
    :choices{"gross", "net"}
  p:option("--event", "Event column of an event log (with --purchase-event; default from --preset).")
  p:option("--purchase-event", "The event value that is a purchase (e.g. transaction).")
  return p
end

--- The reader's options (custan.data.transactions) from parsed flags:
-- the preset, every column flag given, and the reading flags.
function M.transaction_options(args)
  local o = {preset = args.preset, customer = args.customer, date = args.date,
             amount = args.amount, quantity = args.quantity, price = args.price,
             order = args.order, product = args.product, country = args.country,
             cancel_prefix = args.cancel_prefix, returns = args.returns,
             event = args.event, purchase_event = args.purchase_event,
             date_format = args.date_format, encoding = M.encoding(args),
             skip_bad_rows = args.skip_bad_rows or nil, delimiter = args.delimiter}
  if args.no_header then
    if not args.columns then M.usage_error("--no-header needs --columns to name the columns") end
    o.header = false
  end
  if args.columns then o.names = util.split(args.columns) end
  local ok, merged = pcall(transactions.options, o)
  if not ok then M.usage_error(merged) end
  return merged
end

--- Writes a script's result tables and summary.json into `out`, then says
-- which files it wrote.  `files` is an array of {file name, frame}; an
-- entry without a frame (a table the run did not make) is left out.
function M.write_results(out, files, result, say)
  if not require("custan.dist").is_root() then return end -- rank 0 writes
  local written = require("custan.report.files").write(out, files, result)
  say("")
  say(string.format("wrote %s in %s", M.and_list(written), out))
end

--- A message without the location of custan's own Lua code in it (users
-- see "custan: FILE: what is wrong", not the library line that noticed).
function M.clean_message(message)
  message = tostring(message)
  return (message:gsub("^[^\n]-/lua/custan/[%w_/]+%.lua:%d+: ", ""))
end

--- Calls fn(...); on an error prints it as "custan: message" and exits 1.
function M.try(fn, ...)
  local results = table.pack(pcall(fn, ...))
  if not results[1] then M.fail(M.clean_message(results[2])) end
  return table.unpack(results, 2, results.n)
end

--- Renders a result document as the common flags ask: the terminal
-- report (unless --quiet or --json), the --output folder, the --json
-- document on stdout.
function M.finish(args, doc)
  local report = require "custan.report"
  if not args.quiet and not args.json then M.try(report.render, doc, "terminal") end
  -- in a distributed run every rank holds the result; rank 0 writes it
  if args.output and require("custan.dist").is_root() then
    local names = M.try(report.render, doc, "files", {dir = args.output, force = args.force,
                                                      extra = doc.extra})
    if not args.quiet and not args.json then
      M.try(report.render, {kind = "lines", lines = {"", string.format("wrote %s in %s",
        M.and_list(names), args.output)}}, "terminal")
    end
  end
  if args.json then M.try(report.render, doc, "json") end
end

--- "a, b and c"
function M.and_list(items)
  if #items <= 1 then return items[1] or "nothing" end
  return table.concat(items, ", ", 1, #items - 1) .. " and " .. items[#items]
end

--- Prints the result document when --json was given.
function M.print_json(args, result)
  if args.json then print(json.encode(result, {indent = "  "})) end
end

--- An argparse converter for a whole number of at least `min`.
-- @usage p:option("--top", "Rows listed.", "5"):convert(cli.whole(0))
function M.whole(min)
  return function(text)
    local n = math.tointeger(tonumber(text))
    if not n or n < min then
      return nil, string.format("expected a whole number of at least %d, got '%s'", min, text)
    end
    return n
  end
end

--- Parses the arguments; on bad usage prints the usage and the error to
-- stderr and exits with status 2.
function M.parse(p, args)
  -- argparse reads "-0.03" as an option; a negative number right after an
  -- option that takes a value is that value ("--mde -0.03" = "--mde=-0.03")
  local joined = {}
  for i, a in ipairs(args) do
    local prev = joined[#joined]
    if i > 1 and a:match("^%-%.?%d") and tonumber(a) and prev and prev:match("^%-%-[%w-]+$") then
      joined[#joined] = prev .. "=" .. a
    else
      joined[#joined + 1] = a
    end
  end
  local ok, result = p:pparse(joined)
  if not ok then
    io.stderr:write(p:get_usage(), "\n\nerror: ", result, "\n")
    os.exit(2)
  end
  -- user Lua files run sandboxed unless the user vouches for them
  require("custan.sandbox").trusted = result.trust == true
  return result
end

--- Stops a prepared script with "custan: message" and exit status 1 (bad
-- data or a failed step, as opposed to bad usage).
function M.fail(message)
  local dist = require "custan.dist"
  if dist.size() > 1 then dist.abort(message) end -- stops every rank, none left waiting
  io.stderr:write("custan: ", tostring(message), "\n")
  os.exit(1)
end

--- Reading options for custan.read_csv from parsed flags.
-- @tparam table args parsed flags
-- @tparam[opt] table extra more options (merged last)
-- @tparam[opt] string date_column the column --date-format applies to
function M.csv_options(args, extra, date_column)
  local o = {}
  if args.delimiter then o.delimiter = args.delimiter end
  if args.skip_bad_rows then o.skip_bad_rows = true end
  if args.no_header then o.header = false end
  if args.columns then o.names = util.split(args.columns) end
  if args.no_header and not args.columns then
    M.usage_error("--no-header needs --columns to name the columns")
  end
  if args.date_format and date_column then
    o.types = {[date_column] = "timestamp:" .. args.date_format}
  end
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

--- Prints a usage error and exits with status 2.
function M.usage_error(message)
  io.stderr:write("error: ", message, "\n")
  os.exit(2)
end

--- Checks that a flag holds a date (YYYY-MM-DD[ HH:MM[:SS]]); exits 2 if not.
function M.check_date(value, flag)
  if value == nil then return nil end
  if not ((value:match("^%d%d%d%d%-%d%d%-%d%d$") or value:match("^%d%d%d%d%-%d%d%-%d%d[ T]%d%d:%d%d"))
          and date.parse(value:gsub("T", " ", 1))) then
    M.usage_error(string.format("%s expects a date as YYYY-MM-DD, got '%s'", flag, value))
  end
  return value
end

--- The --encoding value for transcoding, nil for UTF-8.
function M.encoding(args)
  return transactions.encoding(args)
end

--- Prints to stdout unless --quiet or --json.
function M.printer(args)
  return function(...)
    if not args.quiet and not args.json then print(...) end
  end
end

--- Progress on stderr when it is a terminal (nothing when piped).
function M.progress(args, message)
  if not args.quiet and host.isatty(2) then io.stderr:write(message, "\n") end
end

--- Creates the output directory when one was asked for.
function M.output_dir(args)
  if not args.output then return nil end
  local ok, err = util.mkdir_p(args.output)
  if not ok then M.fail(err) end
  return args.output
end

return M
