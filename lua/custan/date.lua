--- Calendar dates, in UTC, through the datetime kernel.
-- Every date custan computes with (a holdout start, a cut-off, a window's
-- end) goes through here: `os.time` and `os.date` without "!" read the
-- machine's time zone, and a fit must not change with it.
-- @module custan.date

local core = require "custan.core.frame"

local M = {}

local US_PER_DAY = 86400 * 1000000

--- Microseconds since 1970-01-01 UTC of "YYYY-MM-DD[ HH:MM[:SS]]", or nil
-- when the text is not such a date (a month 13 or a 31 June included).
function M.parse(text)
  if type(text) ~= "string" then return nil end
  return core.parse_date(text)
end

--- "YYYY-MM-DD" of a timestamp in microseconds (UTC).
function M.format(us)
  return core.format_date(us, true)
end

--- "YYYY-MM-DD HH:MM:SS" of a timestamp in microseconds (UTC).
function M.format_datetime(us)
  return core.format_date(us, false)
end

--- The day `days` whole days after `date` ("YYYY-MM-DD"; negative goes back).
-- @raise when `date` is not a date
-- @usage date.add_days("1997-10-01", -1) --> "1997-09-30"
function M.add_days(date, days)
  local us = M.parse(date)
  if not us then error(string.format("not a date: '%s' (expected YYYY-MM-DD)", tostring(date)), 2) end
  return M.format(us - us % US_PER_DAY + days * US_PER_DAY)
end

--- The same day `months` calendar months after `date` (negative goes
-- back), moved to the month's last day when it has no such day:
-- add_months("2011-01-31", 1) --> "2011-02-28".
function M.add_months(date, months)
  local y, m, d = tostring(date):match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  if not y or not M.parse(date:sub(1, 10)) then
    error(string.format("not a date: '%s' (expected YYYY-MM-DD)", tostring(date)), 2)
  end
  local total = tonumber(y) * 12 + tonumber(m) - 1 + months
  local ny, nm = total // 12, total % 12 + 1
  for day = tonumber(d), 28, -1 do
    local s = string.format("%04d-%02d-%02d", ny, nm, day)
    if M.parse(s) then return s end
  end
  return string.format("%04d-%02d-%02d", ny, nm, math.min(tonumber(d), 28))
end

--- Whole days from `a` to `b` (both "YYYY-MM-DD"), negative when b is first.
function M.days_between(a, b)
  local ua, ub = M.parse(a), M.parse(b)
  if not (ua and ub) then error(string.format("not a date: '%s'", ua and b or a), 2) end
  return (ub // US_PER_DAY) - (ua // US_PER_DAY)
end

return M
