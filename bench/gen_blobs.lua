-- bench/gen_blobs.lua N FILE: N points in 3-D from four Gaussian blobs of
-- different sizes and spreads (seeded), written as x,y,z CSV for the
-- clustering benchmark.
local n, path = tonumber(arg[1] or "1000000"), arg[2] or "/tmp/custan_bench_blobs.csv"
local f = assert(io.open(path .. ".tmp", "w"))
f:write("x,y,z\n")
local centers = {{0, 0, 0}, {4, 1, -2}, {-3, 3, 1}, {1, -4, 3}}
local spread = {1.0, 0.7, 1.3, 0.9}
local share = {0.4, 0.3, 0.2, 0.1}
local state = 12345
local function uniform() -- xorshift64*, seeded
  state = state ~ (state >> 12); state = state ~ (state << 25); state = state ~ (state >> 27)
  return ((state * 2685821657736338717) >> 11) / 9007199254740992.0
end
local function normal()
  local u1, u2 = uniform(), uniform()
  if u1 < 1e-300 then u1 = 1e-300 end
  return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
end
local buf = {}
for i = 1, n do
  local u, c = uniform(), 4
  local acc = 0
  for j = 1, 4 do acc = acc + share[j]; if u < acc then c = j; break end end
  local m, s = centers[c], spread[c]
  buf[#buf + 1] = string.format("%.6f,%.6f,%.6f\n", m[1] + s * normal(), m[2] + s * normal(), m[3] + s * normal())
  if #buf == 10000 then f:write(table.concat(buf)); buf = {} end
end
f:write(table.concat(buf))
f:close()
assert(os.rename(path .. ".tmp", path))
