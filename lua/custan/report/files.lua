--- A result's files, written as one set: all of them or none.
--
-- The set is written into a new folder beside the output folder, then
-- swapped in (one renameat2 exchange where the file system allows it,
-- else two renames), and the old set is removed.  A run that is
-- interrupted or fails leaves the old folder as it was.  A manifest
-- (`.custan-manifest.json`) names the files custan wrote; a folder holding
-- anything else is refused unless `force` (then the files are written one
-- by one into it, each whole, and nothing else there is touched).  A lock
-- (`.NAME.lock` beside the folder) keeps two runs from writing one folder,
-- and temporary folders a killed run left are removed by the next.
-- @module custan.report.files

local lfs = require "lfs"
local host = require "custan.core.host"
local json = require "custan.json"
local util = require "custan.util"

local M = {}

M.MANIFEST = ".custan-manifest.json"

local function entries(dir)
  local out = {}
  for name in lfs.dir(dir) do
    if name ~= "." and name ~= ".." then out[#out + 1] = name end
  end
  table.sort(out)
  return out
end

--- Removes a folder custan made and everything in it.
local function remove_tree(path)
  if lfs.attributes(path, "mode") ~= "directory" then
    os.remove(path)
    return
  end
  for _, name in ipairs(entries(path)) do remove_tree(path .. "/" .. name) end
  lfs.rmdir(path)
end
M.remove_tree = remove_tree

--- The files in `dir` that its manifest does not name (all of them when
-- it has none); nil when `dir` does not exist.
function M.foreign_files(dir)
  if lfs.attributes(dir, "mode") == nil then return nil end
  local known = {[M.MANIFEST] = true}
  local text = util.read_file(dir .. "/" .. M.MANIFEST)
  if text then
    local ok, manifest = pcall(json.decode, text)
    if ok and type(manifest) == "table" then
      for _, name in ipairs(manifest.files or {}) do known[name] = true end
    end
  end
  local folders = {}
  for name in pairs(known) do -- a file in a subfolder makes the subfolder custan's
    local path = ""
    for part in name:gmatch("([^/]+)/") do
      path = path .. part
      folders[path] = true
      path = path .. "/"
    end
  end
  -- every entry, also inside custan's subfolders (the swap removes those
  -- whole, so a file someone put there would go with them)
  local foreign = {}
  local function walk(rel)
    for _, name in ipairs(entries(rel == "" and dir or dir .. "/" .. rel)) do
      local path = rel == "" and name or rel .. "/" .. name
      if folders[path] and lfs.attributes(dir .. "/" .. path, "mode") == "directory" then
        walk(path)
      elseif not known[path] then
        foreign[#foreign + 1] = path
      end
    end
  end
  walk("")
  return foreign
end

local function split_path(dir)
  local trimmed = dir:gsub("/+$", "")
  if trimmed == "" then trimmed = "/" end
  local parent, base = trimmed:match("^(.*)/([^/]+)$")
  if not parent then parent, base = ".", trimmed end
  if parent == "" then parent = "/" end
  return trimmed, parent, base
end

--- A new empty folder beside `dir`, named after it.
local function new_sibling(parent, base, what)
  for _ = 1, 100 do
    local name = string.format("%s/.%s.%s-%d-%06d", parent, base, what, host.pid(),
      math.random(0, 999999))
    if lfs.mkdir(name) then return name end
  end
  error(string.format("%s: cannot create a temporary folder beside it", parent), 0)
end

-- Makes the subfolders of a relative file name ("clv/customers.csv").
local function make_parents(dir, name)
  local path = dir
  for part in name:gmatch("([^/]+)/") do
    if part == ".." or part == "." then error(string.format("%s: not a file name inside the folder", name), 0) end
    path = path .. "/" .. part
    if lfs.attributes(path, "mode") ~= "directory" then
      local ok, err = lfs.mkdir(path)
      if not ok then error(string.format("%s: %s", path, tostring(err)), 0) end
    end
  end
end

-- Writes the tables, summary.json (when given) and extra files into dir;
-- a name may hold subfolders ("clv/customers.csv").
local function write_set(dir, tables, summary, extra, produce)
  local names = {}
  if produce then
    for _, name in ipairs(produce(dir)) do names[#names + 1] = name end
  end
  for _, t in ipairs(tables) do
    if t[2] then
      make_parents(dir, t[1])
      t[2]:write_csv(dir .. "/" .. t[1])
      names[#names + 1] = t[1]
    end
  end
  for _, f in ipairs(extra or {}) do
    make_parents(dir, f[1])
    local ok, err = util.write_file_atomic(dir .. "/" .. f[1], f[2])
    if not ok then error(err, 0) end
    names[#names + 1] = f[1]
  end
  if summary then
    local ok, err = json.write(dir .. "/summary.json", summary)
    if not ok then error(err, 0) end
    names[#names + 1] = "summary.json"
  end
  local manifest = {files = setmetatable(names, json.array_mt), written_by = "custan " .. host.version}
  local ok, err = json.write(dir .. "/" .. M.MANIFEST, manifest)
  if not ok then error(err, 0) end
  return names
end

-- Removes what killed runs left beside the folder: `.BASE.new-PID-*` and
-- `.BASE.old-PID-*` folders whose process is gone.
local function remove_leftovers(parent, base)
  local prefix = "." .. base .. "."
  for _, name in ipairs(entries(parent)) do
    if name:sub(1, #prefix) == prefix then
      local pid = tonumber(name:sub(#prefix + 1):match("^%a+%-(%d+)%-%d+$"))
      if pid and not host.alive(pid) then remove_tree(parent .. "/" .. name) end
    end
  end
end

-- Takes the folder's lock (a directory made in one step beside it, with
-- the owner's pid inside); a lock whose process is gone is taken over.
-- Returns a function that releases it.
local function lock(parent, base, path)
  local name = string.format("%s/.%s.lock", parent, base)
  for _ = 1, 2 do
    if lfs.mkdir(name) then
      util.write_file_atomic(name .. "/pid", tostring(host.pid()))
      return function() remove_tree(name) end
    end
    local owner = tonumber(util.read_file(name .. "/pid") or "")
    if owner and host.alive(owner) and owner ~= host.pid() then
      error(string.format("%s: another custan run (process %d) is writing this folder; wait " ..
        "for it, or choose another folder", path, owner), 0)
    end
    remove_tree(name) -- left by a run that was killed
  end
  error(string.format("%s: cannot take the folder's lock (%s)", path, name), 0)
end

-- The write itself, under the folder's lock.
local function write_locked(path, parent, base, tables, summary, o)
  remove_leftovers(parent, base)
  local mode = lfs.attributes(path, "mode")
  if mode and mode ~= "directory" then error(string.format("%s: exists and is not a folder", path), 0) end
  local foreign = M.foreign_files(path)
  if foreign and #foreign > 0 then
    if not o.force then
      local shown = {}
      for i = 1, math.min(#foreign, 5) do shown[i] = foreign[i] end
      error(string.format("%s: the folder holds files custan did not write (%s%s); " ..
        "choose another folder, or give --force to write beside them", path,
        table.concat(shown, ", "), #foreign > 5 and ", ..." or ""), 0)
    end
    return write_set(path, tables, summary, o.extra, o.produce)
  end
  local fresh = new_sibling(parent, base, "new")
  local written_ok, names = pcall(write_set, fresh, tables, summary, o.extra, o.produce)
  if not written_ok then
    remove_tree(fresh)
    error(names, 0)
  end
  if not mode then
    local renamed, rerr = os.rename(fresh, path)
    if not renamed then
      remove_tree(fresh)
      error(string.format("%s: cannot create: %s", path, rerr), 0)
    end
    return names
  end
  -- swap the new set in; the old one ends at `fresh` and is removed
  if not host.exchange(fresh, path) then
    local old = new_sibling(parent, base, "old")
    lfs.rmdir(old)
    local moved, merr = os.rename(path, old)
    if not moved then
      remove_tree(fresh)
      error(string.format("%s: cannot replace: %s", path, merr), 0)
    end
    local renamed, rerr = os.rename(fresh, path)
    if not renamed then
      os.rename(old, path)
      remove_tree(fresh)
      error(string.format("%s: cannot replace: %s", path, rerr), 0)
    end
    fresh = old
  end
  remove_tree(fresh)
  return names
end

-- Per-rank parts of a table in a distributed run (options.parts: a list of
-- {name, frame}, each rank's own rows): rank 0 makes the set's folder and
-- sends its path; every rank writes `NAME.part-RRRR.csv` into it; rank 0
-- adds `NAME.manifest.json` (ranks, columns, rows and files of the parts)
-- and lists every part in the set, which is then swapped in whole.  A rank
-- that cannot write its part fails the set on every rank.
local function part_name(name, rank) return string.format("%s.part-%04d.csv", name, rank) end

local function write_my_parts(dir, parts, dist)
  local rows = {}
  for i, p in ipairs(parts) do
    p[2]:write_csv(dir .. "/" .. part_name(p[1], dist.rank()))
    rows[i] = p[2]:nrows()
  end
  return rows
end

-- rank 0's side, as the set's `produce`: returns the names it adds
local function root_parts(dir, parts, dist)
  dist.broadcast({ok = true, dir = dir})
  local ok, rows = pcall(write_my_parts, dir, parts, dist)
  local all = dist.gather({ok = ok, rows = ok and rows or nil, err = not ok and tostring(rows) or nil})
  for r, got in ipairs(all) do
    if not got.ok then error(string.format("rank %d: %s", r - 1, got.err), 0) end
  end
  local names = {}
  for i, p in ipairs(parts) do
    local files, counts = {}, {}
    for r = 1, dist.size() do
      files[r] = part_name(p[1], r - 1)
      counts[r] = math.tointeger(all[r].rows[i])
      names[#names + 1] = files[r]
    end
    local manifest = {name = p[1], ranks = dist.size(), columns = p[2]:names(), rows = counts,
                      parts = files}
    local w_ok, w_err = json.write(dir .. "/" .. p[1] .. ".manifest.json", manifest, {indent = "  "})
    if not w_ok then error(w_err, 0) end
    names[#names + 1] = p[1] .. ".manifest.json"
  end
  return names
end

-- every other rank's side: write the part where rank 0 says, then hear how
-- the set ended
local function other_parts(parts, dist)
  local where = dist.broadcast(nil)
  if not where.ok then error(where.err, 0) end
  local ok, rows = pcall(write_my_parts, where.dir, parts, dist)
  dist.gather({ok = ok, rows = ok and rows or nil, err = not ok and tostring(rows) or nil})
  local final = dist.broadcast(nil)
  if not final.ok then error(final.err, 0) end
  return {}
end

--- Writes a result's files into `dir` as one set.
-- @tparam string dir the output folder (created with its parents)
-- @tparam table tables array of {file name, frame or nil}
-- @tparam[opt] table summary written as summary.json
-- @tparam[opt] table options `force` (write into a folder that holds other
--   files), `extra` (array of {file name, text}), `produce` (a function
--   of the folder that writes files itself, each whole, and returns their
--   names; called first, so it may still fill in `summary`), `parts`
--   (array of {name, frame}: under mpirun every rank calls this and
--   writes its own rows as NAME.part-RRRR.csv, with NAME.manifest.json;
--   with one rank, one part)
-- @return array of the names written (none on ranks other than 0 of an mpirun)
-- @raise "DIR: ..." when the folder cannot be written or holds other files
function M.write(dir, tables, summary, options)
  local o = options or {}
  if type(dir) ~= "string" or dir == "" then error("report: files need a folder", 2) end
  local dist = require "custan.dist"
  local parts = o.parts and #o.parts > 0 and o.parts or nil
  -- in a distributed run every rank holds the same result: rank 0 writes
  -- it, and the others only their parts
  if not dist.is_root() then return parts and other_parts(parts, dist) or {} end
  if parts then
    local produce = o.produce
    o = setmetatable({produce = function(d)
      local names = root_parts(d, parts, dist)
      for _, n in ipairs(produce and produce(d) or {}) do names[#names + 1] = n end
      return names
    end}, {__index = o})
  end
  local results = table.pack(pcall(function()
    local path, parent, base = split_path(dir)
    local ok, err = util.mkdir_p(parent)
    if not ok then error(err, 0) end
    local unlock = lock(parent, base, path)
    local r = table.pack(pcall(write_locked, path, parent, base, tables, summary, o))
    unlock()
    if not r[1] then error(r[2], 0) end
    return r[2]
  end))
  if parts and dist.size() > 1 then
    -- the other ranks wait to hear how it went: before the folder was made
    -- this is their only word (an error), after it the set's outcome
    dist.broadcast(results[1] and {ok = true} or {ok = false, err = tostring(results[2])})
  end
  if not results[1] then error(results[2], 0) end
  return results[2]
end


return M
