--- A 3 x 3 grid of recency and frequency scores (R and F, 1..5), for
-- teams that find eleven segments too many.  Every cell is covered, so no
-- fallback is needed.
local function band(score)
  if score >= 4 then return 3 elseif score >= 2 then return 2 end
  return 1
end

local names = {
  [3] = {[3] = "Active frequent", [2] = "Active occasional", [1] = "Active new"},
  [2] = {[3] = "Cooling frequent", [2] = "Cooling occasional", [1] = "Cooling one-off"},
  [1] = {[3] = "Gone frequent", [2] = "Gone occasional", [1] = "Gone one-off"},
}

local segments = {}
for r = 3, 1, -1 do
  for f = 3, 1, -1 do
    segments[#segments + 1] = {
      name = names[r][f],
      when = function(c) return band(c.R) == r and band(c.F) == f end,
      action = r == 3 and "Keep engaged." or r == 2 and "Nudge back." or "Win back or let go.",
    }
  end
end

return {name = "R x F, three bands each", segments = segments}
