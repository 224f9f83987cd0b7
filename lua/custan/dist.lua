--- The ranks of a distributed run, for scripts.
--
-- Started with `mpirun -np N custan run SCRIPT ...` (or `srun`), custan
-- runs one rank per process; otherwise there is one rank and every
-- function here returns its input.  Every rank runs the same script; the
-- collectives (barrier, sum, max, min, any, gather, broadcast) must be
-- called by every rank in the same order.  Ranks other than 0 print
-- nothing to standard output; write files on rank 0 (`dist.is_root()`).
--
--     local dist = require "custan.dist"
--     local mine = dist.share(files)              -- this rank's files
--     local total = dist.sum(count_rows(mine))    -- the same on every rank
--     if dist.is_root() then print(total) end
--
-- Sums are exact (the sum of the ranks' values rounded once), so they are
-- the same bits for any number of ranks.
-- @module custan.dist

local core = require "custan.core.dist"
local json = require "custan.json"

-- custan itself, loaded when first needed (it loads this module)
local function custan() return require "custan" end

local M = {}

--- This process's rank, 0 .. size - 1.
function M.rank() return core.rank() end

--- The number of ranks (1 without mpirun).
function M.size() return core.size() end

--- True on rank 0, the rank that writes results.
function M.is_root() return core.rank() == 0 end

--- True when custan was built with MPI.
function M.built() return core.built() end

--- The MPI library ("Open MPI v4.1.4"), or "none".
function M.library() return core.library() end

--- Waits until every rank is here.
function M.barrier() core.barrier() end

--- The sum over ranks of a number, a list of numbers or a float64 column
-- (element by element), exactly: the same bits for any number of ranks.
function M.sum(x) return core.reduce("sum", x) end

--- The largest over ranks (a number, a list or a float64 column).
function M.max(x) return core.reduce("max", x) end

--- The smallest over ranks (a number, a list or a float64 column).
function M.min(x) return core.reduce("min", x) end

--- True when the flag is true on any rank.
function M.any(flag) return core.any(flag and true or false) end

--- True when the flag is true on every rank.
function M.all(flag) return not core.any(not flag) end

--- Every rank's value (a string, or anything custan.json encodes), as a
-- list in rank order on rank 0; nil on the other ranks.
function M.gather(value)
  local text = type(value) == "string" and "s" .. value or "j" .. json.encode(value)
  local all = core.gather(text)
  if not all then return nil end
  for i, t in ipairs(all) do
    all[i] = t:sub(1, 1) == "s" and t:sub(2) or json.decode(t:sub(2))
  end
  return all
end

--- Rank 0's value (a string, or anything custan.json encodes) on every
-- rank; the other ranks' argument is ignored.
function M.broadcast(value)
  local text = nil
  if M.is_root() then
    text = type(value) == "string" and "s" .. value or "j" .. json.encode(value)
  end
  local got = core.broadcast(text)
  return got:sub(1, 1) == "s" and got:sub(2) or json.decode(got:sub(2))
end

--- This rank's items of a list: every size-th, starting at its rank (so
-- consecutive files go to different ranks).
function M.share(list)
  local mine, size, rank = {}, M.size(), M.rank()
  for i = rank + 1, #list, size do mine[#mine + 1] = list[i] end
  return mine
end

--- Writes a table that is spread over the ranks (each rank's own rows,
-- as `rfm.summary_file(..., {gather = "none"})` gives them) as one CSV per
-- rank, `DIR/NAME.part-0000.csv`, ..., and, from rank 0, `DIR/NAME.manifest.json`
-- listing the parts in rank order with their rows and the columns.  Read
-- them back as one table with custan.read_csv on each part, or as shards
-- with any `dir/NAME.part-*.csv` input.
-- @return the manifest (on every rank)
function M.write_parts(frame, dir, name)
  local util = require "custan.util"
  local ok, err = util.mkdir_p(dir)
  if not ok then M.abort(err) end
  local part = string.format("%s.part-%04d.csv", name, M.rank())
  frame:write_csv(dir .. "/" .. part)
  local rows = M.gather(frame:nrows())
  local manifest = M.broadcast(M.is_root() and {
    name = name, ranks = M.size(), columns = frame:names(), rows = rows,
    parts = (function()
      local parts = {}
      for r = 0, M.size() - 1 do parts[r + 1] = string.format("%s.part-%04d.csv", name, r) end
      return parts
    end)(),
  } or nil)
  if M.is_root() then
    local w_ok, w_err = json.write(dir .. "/" .. name .. ".manifest.json", manifest, {indent = "  "})
    if not w_ok then M.abort(w_err) end
  end
  M.barrier() -- every part and the manifest are there when any rank returns
  return manifest
end

--- The exact sum of a float64 column's values over every rank (missing
-- values left out), rounded once: the same bits however the rows are
-- spread over the ranks, and with one rank the column's exact sum.
function M.exact_sum(column) return core.exact_sum(column) end

--- Every rank's value (anything json.encode takes) on every rank, as a
-- list in rank order.
function M.allgather(value)
  local out = {}
  for i, bytes in ipairs(core.allgather(json.encode(value))) do out[i] = json.decode(bytes) end
  return out
end

-- ------------------------------------------------------------ frames --

--- Sends each row of `frame` to the rank that owns its `key` (a column
-- name, e.g. "customer"; a hash of the value; a row whose key is missing
-- goes by the column `fallback` names, when given, or stays) and returns
-- the rows this rank owns: every rank's rows in rank order, each rank's in
-- their own order.  So when rank r holds the r-th run of a log's files,
-- each key's rows arrive in the log's order.  With one rank, the frame
-- itself.  `frame` may be nil on a rank that has nothing to send; the
-- result is nil when no rank sent this one anything.
function M.exchange(frame, key, fallback)
  if M.size() == 1 then return frame end
  return M.concat(M.exchange_parts(frame, key, fallback))
end

--- As M.exchange, but the rows received as a list indexed by the sending
-- rank + 1 (a frame, or false where that rank sent none), for a caller
-- that exchanges a log piece by piece and puts the pieces in order itself.
function M.exchange_parts(frame, key, fallback)
  local parts = {}
  if frame then
    local t = frame:copy()
    t._owner = core.owners(frame:col(key), fallback and frame:has(fallback) and frame:col(fallback) or nil)
    t = t:sort("_owner") -- stable: each rank's rows keep their order
    local counts = {}
    for _, g in ipairs(t:group_by("_owner"):size():to_rows()) do counts[g._owner] = g.size end
    local at = 1
    for r = 0, M.size() - 1 do
      local n = counts[r] or 0
      parts[r + 1] = core.pack(t:slice(at, at + n - 1):drop("_owner"))
      at = at + n
    end
    t = nil -- luacheck: ignore (let the collector have it before the exchange)
  end
  local got = core.alltoall(parts)
  parts = nil -- luacheck: ignore
  local out = {}
  for i, bytes in ipairs(got) do
    out[i] = bytes ~= "" and core.unpack(bytes) or false
    got[i] = false
  end
  return out
end

--- Frames in a list (false entries skipped) as one frame, or nil when
-- there are none.
function M.concat(list)
  local frames = {}
  for _, f in ipairs(list) do
    if f then frames[#frames + 1] = f end
  end
  if #frames == 0 then return nil end
  if #frames == 1 then return frames[1] end
  return custan().concat(table.unpack(frames))
end

--- The rows of `frame` whose `key` this rank owns (M.exchange's owner):
-- each row on exactly one rank.  With one rank, the frame.
function M.owned(frame, key)
  if M.size() == 1 then return frame end
  return frame:filter(core.owners(frame:col(key)):eq(M.rank()))
end

--- Every rank's `frame` on every rank, in rank order, as a list (a rank
-- with nil contributes nothing).
function M.allgather_frames(frame)
  local list = core.allgather(frame and core.pack(frame) or "")
  local out = {}
  for _, bytes in ipairs(list) do
    if bytes ~= "" then out[#out + 1] = core.unpack(bytes) end
  end
  return out
end

--- The aggregation specs of an exact float64 sum of `column` as `as`,
-- for a group-by whose result goes to M.merge_groups: the sum, and under
-- mpirun also what its rounding left out (`as`_err1..3).
function M.exact_sum_specs(column, as)
  local specs = {{column, "sum", as = as}}
  if M.size() > 1 then
    for k = 1, 3 do specs[k + 1] = {column, "sum_err" .. k, as = as .. "_err" .. k} end
  end
  return specs
end

--- Each rank's `group_by(keys):agg(...)` of its own rows, merged into the
-- same group-by over every rank's rows, on every rank.  `how` names how
-- each aggregated column combines: "sum" (counts, sizes, and n_unique of
-- what no two ranks share: customers, their orders), "min", "max", or
-- "exact" (a float64 sum made with M.exact_sum_specs: the result is the
-- exact sum of every rank's rows, rounded once, as one process's is).
-- Rows come in no particular order: sort them.  With one rank, the frame
-- itself.
function M.merge_groups(frame, keys, how)
  if M.size() == 1 then return frame end
  local cols, agg = {}, {}
  for _, k in ipairs(keys) do cols[#cols + 1] = k end
  for name, rule in pairs(how) do
    cols[#cols + 1] = name
    if rule ~= "sum" and rule ~= "min" and rule ~= "max" and rule ~= "exact" then
      error("merge_groups: " .. name .. ": a rule is sum, min, max or exact", 2)
    end
  end
  table.sort(cols, function(a, b) return a < b end)
  local parts = {}
  for _, f in ipairs(M.allgather_frames(frame)) do
    -- the rounded sums, then each rest of them in a copy of the rows whose
    -- other sums are 0 (they count once)
    parts[#parts + 1] = f:select(cols)
    for k = 1, 3 do
      local copy = f:select(cols)
      local any = false
      for name, rule in pairs(how) do
        if rule == "exact" then
          copy[name] = f:col(name .. "_err" .. k)
          any = true
        elseif rule == "sum" then
          copy[name] = f:col(name) * 0
        end
      end
      if any then parts[#parts + 1] = copy end
    end
  end
  local all = #parts == 1 and parts[1] or custan().concat(table.unpack(parts))
  local specs = {}
  for name, rule in pairs(how) do specs[#specs + 1] = {name, rule == "exact" and "sum" or rule, as = name} end
  table.sort(specs, function(a, b) return a[1] < b[1] end)
  return all:group_by(keys):agg(specs)
end

--- Every rank's `frame` concatenated in rank order, on every rank (a
-- rank with nil contributes nothing); nil when no rank has one.
function M.allgather_frame(frame)
  return M.concat(M.allgather_frames(frame))
end

--- Per-customer summaries of disjoint customers (each rank's own, from its
-- share of the log) as one table on every rank, in customer order: what a
-- summary of the whole log gives.  With one rank, the frame itself.
function M.gather_customers(frame)
  if M.size() == 1 then return frame end
  return require("custan.core.rfm").merge(M.allgather_frames(frame))
end

--- Whether the fits and samplers split their work across the ranks (on
-- unless turned off); `split(false)` turns it off and returns the setting
-- before.  Split, each CLV likelihood, logistic gradient, policy draw and
-- CLV interval block is computed by one rank and its result sent to all,
-- so every rank gets the same bits as one process.  That needs every
-- rank to call the fit with the same table (the prepared scripts' gathered
-- customer table).  A script whose ranks fit their own rows (a summary
-- with `gather = "none"`) turns splitting off.
function M.split(on) return core.split(on) end

--- Blocks of fit and sampler work this rank has computed, the blocks
-- those calls had in all (equal with one rank or splitting off), and the
-- rounds in which the ranks exchanged blocks' results (one MPI_Allgatherv
-- each; a CLV fit takes one per likelihood evaluation).
function M.blocks() return core.blocks() end

--- Bytes this rank has sent to and received from the others so far.
function M.bytes_moved() return core.bytes_moved() end

--- Stops every rank: prints the message (naming this rank) to standard
-- error first.  Without mpirun it raises the message as an error.
function M.abort(message)
  if M.size() == 1 then error(message, 0) end
  io.stderr:write(string.format("custan: rank %d: %s\n", M.rank(), tostring(message)))
  io.stderr:flush()
  core.abort(1)
end

return M
