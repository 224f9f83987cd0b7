--- Headless Chromium for the dashboards' static forms: a page printed to
-- PDF, and each chart of a page as a PNG (for slides).  Chromium is
-- Debian's `chromium`; without it these raise a message naming the
-- package.  The prepared scripts (trusted code) call this; sandboxed files
-- cannot (os and io are not theirs).
-- @module custan.report.browser

local util = require "custan.util"

local M = {}

--- The browsers looked for, in order.
M.names = {"chromium", "chromium-browser", "google-chrome"}

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

--- The path of a headless Chromium, or nil and a message.  CUSTAN_BROWSER
-- names another (a path or a command).
function M.find()
  local names = os.getenv("CUSTAN_BROWSER") and {os.getenv("CUSTAN_BROWSER")} or M.names
  for _, name in ipairs(names) do
    local p = io.popen("command -v " .. quote(name) .. " 2>/dev/null")
    local path = p and p:read("l")
    if p then p:close() end
    if path and path ~= "" then return path end
  end
  return nil, "headless Chromium is not installed: --pdf and --png need Debian's chromium " ..
    "(apt-get install chromium)"
end

local FLAGS = "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run " ..
  "--disable-extensions --hide-scrollbars --virtual-time-budget=15000"

local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local p = io.popen("pwd")
  local dir = p:read("l")
  p:close()
  return dir .. "/" .. path
end

-- Runs Chromium on a page with extra flags; returns its stdout.
local function run(page, flags)
  local browser, err = M.find()
  if not browser then error(err, 0) end
  local cmd = string.format("timeout 120 %s %s %s %s 2>/dev/null", quote(browser), FLAGS, flags,
    quote("file://" .. absolute(page)))
  local p = io.popen(cmd)
  local out = p:read("a")
  local ok, _, code = p:close()
  if not ok then error(string.format("chromium failed on %s (exit %s)", page, tostring(code)), 0) end
  return out
end

--- Prints an HTML file to a PDF (A4, with backgrounds), written whole:
-- a temporary file beside the target, renamed when Chromium is done.
function M.pdf(page, out)
  local tmp = out .. ".tmp-" .. tostring(os.time())
  os.remove(tmp)
  run(page, "--no-pdf-header-footer --print-to-pdf=" .. quote(absolute(tmp)))
  local f = io.open(tmp, "rb")
  local head = f and f:read(5)
  if f then f:close() end
  if head ~= "%PDF-" then
    os.remove(tmp)
    error(string.format("chromium wrote no PDF for %s", page), 0)
  end
  local ok, err = os.rename(tmp, out)
  if not ok then os.remove(tmp); error(err, 0) end
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local DEC = {}
for i = 1, 64 do DEC[B64:byte(i)] = i - 1 end

--- Decodes base64 text.
function M.base64_decode(s)
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    local v = DEC[s:byte(i)]
    if v then
      bits = (bits << 6) | v
      n = n + 6
      if n >= 8 then
        n = n - 8
        out[#out + 1] = string.char((bits >> n) & 0xff)
      end
    end
  end
  return table.concat(out)
end

--- Each chart of a page as a PNG: the page (made with custan.report.html)
-- is loaded with `#export`, which puts every canvas's image into the DOM;
-- the images are written to `dir` as NN_title.png.  Returns the names.
function M.png(page, dir)
  local dom = run(page .. "#export", "--dump-dom")
  local names = {}
  for id, title, data in dom:gmatch('<img class="custan%-export" data%-id="([^"]*)" data%-title="([^"]*)" src="data:image/png;base64,([^"]+)"') do
    local slug = title:lower():gsub("&amp;", "and"):gsub("[^%w]+", "_"):gsub("^_+", ""):gsub("_+$", "")
    local name = string.format("%02d_%s.png", #names + 1, slug ~= "" and slug or id)
    local ok, err = util.write_file_atomic(dir .. "/" .. name, M.base64_decode(data))
    if not ok then error(err, 0) end
    names[#names + 1] = name
  end
  if #names == 0 then error(string.format("%s: no chart could be exported", page), 0) end
  return names
end

-- A temporary folder (removed by the caller with remove_dir).
local function temp_dir()
  local p = io.popen("mktemp -d")
  local d = p:read("l")
  p:close()
  if not d or d == "" then error("cannot make a temporary folder", 0) end
  return d
end

local function remove_dir(d) os.execute("rm -rf " .. quote(d)) end

--- A page's HTML printed to PDF: the PDF's bytes.
function M.pdf_bytes(html)
  local d = temp_dir()
  local ok, r = pcall(function()
    local page = d .. "/report.html"
    local w_ok, err = util.write_file_atomic(page, html)
    if not w_ok then error(err, 0) end
    M.pdf(page, d .. "/report.pdf")
    return util.read_file(d .. "/report.pdf")
  end)
  remove_dir(d)
  if not ok then error(r, 0) end
  return r
end

--- A page's charts as PNG images: an array of {name, bytes}.
function M.png_images(html)
  local d = temp_dir()
  local ok, r = pcall(function()
    local page = d .. "/page.html"
    local w_ok, err = util.write_file_atomic(page, html)
    if not w_ok then error(err, 0) end
    os.execute("mkdir -p " .. quote(d .. "/png"))
    local out = {}
    for _, name in ipairs(M.png(page, d .. "/png")) do
      out[#out + 1] = {name, util.read_file(d .. "/png/" .. name)}
    end
    return out
  end)
  remove_dir(d)
  if not ok then error(r, 0) end
  return r
end

return M
