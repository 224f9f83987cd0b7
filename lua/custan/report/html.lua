--- Self-contained HTML pages for the dashboards: KPI tiles, Chart.js
-- charts, sortable and searchable tables, a segment filter, all in one
-- file (the data, the chart configurations and Chart.js itself inline),
-- so a page opens offline from disk in any browser.
--
-- A page records, in `<div id="custan-status">`, how many charts it has,
-- how many finished rendering and any script error: the browser tests
-- (tests/browser/) read it.
-- @module custan.report.html

local json = require "custan.json"
local util = require "custan.util"

local M = {}

--- Where Chart.js's UMD bundle is looked for (Debian's libjs-chart.js first).
M.chartjs_paths = {"/usr/share/javascript/chart.js/chart.min.js",
                   "/usr/share/nodejs/chart.js/dist/chart.min.js"}

--- Chart.js's source, or nil and a message naming the package.
function M.chartjs()
  for _, p in ipairs(M.chartjs_paths) do
    local text = util.read_file(p)
    if text then return text, p end
  end
  return nil, "Chart.js is not installed: the dashboards need Debian's libjs-chart.js " ..
    "(apt-get install libjs-chart.js; looked in " .. table.concat(M.chartjs_paths, ", ") .. ")"
end

--- Text made safe for HTML.
function M.escape(s)
  return (tostring(s):gsub("[&<>\"']", {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&#39;"}))
end

--- A number for people: thousands separators, `digits` decimals (0).
function M.number(v, digits)
  if v == nil then return "-" end
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v or v == math.huge or v == -math.huge then return "-" end
  return util.commas(string.format("%." .. (digits or 0) .. "f", v))
end

function M.percent(v, digits)
  if type(v) ~= "number" or v ~= v then return "-" end
  return string.format("%." .. (digits or 1) .. "f%%", 100 * v)
end

-- JSON for a <script> element: "</" cannot end the element early.
local function script_json(v)
  return (json.encode(v):gsub("</", "<\\/"))
end

local STYLE = [[
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px;display:flex;flex-wrap:wrap;align-items:center;gap:16px}
header h1{font-size:22px;margin:0;font-weight:600}header p{margin:0;color:#b8c0cc;font-size:13px;flex:1}
header select{font-size:14px;padding:4px 8px}
main{padding:20px 28px;max-width:1400px;margin:0 auto}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 20px;margin-bottom:18px}
section h2{font-size:16px;margin:0 0 4px 0}section p.note{color:#5b6472;font-size:13px;margin:0 0 12px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px;margin-bottom:18px}
.grid section{margin-bottom:0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}
.kpi{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:12px 16px}
.kpi .label{font-size:12px;color:#5b6472;text-transform:uppercase;letter-spacing:.03em}
.kpi .value{font-size:24px;font-weight:600;margin-top:4px}
.kpi .change{font-size:12px;margin-top:2px}.up{color:#2e7d32}.down{color:#c62828}.flat{color:#5b6472}
.chart{position:relative;height:300px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #e6e8ec;text-align:left;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th{cursor:pointer;background:#fafbfc;position:sticky;top:0}th:hover{background:#eef1f5}
.tablewrap{max-height:460px;overflow:auto}
input.search{font-size:13px;padding:4px 8px;margin-bottom:8px;width:260px}
td.action{white-space:normal;min-width:260px;color:#394150}
table.matrix td,table.matrix th{padding:3px 5px;font-size:11px;text-align:right}table.matrix th{cursor:default}
footer{color:#5b6472;font-size:12px;padding:0 28px 24px}
@media print{header select,input.search{display:none}section{break-inside:avoid}
.grid{grid-template-columns:1fr}.tablewrap{max-height:none;overflow:visible}body{background:#fff}
section{box-shadow:none;border:1px solid #e6e8ec}table{font-size:10px;table-layout:auto}
th,td{padding:3px 5px;white-space:normal}th{position:static}}
@page{size:A4;margin:12mm}
]]

local SCRIPT = [[
(function(){
var st=document.getElementById('custan-status');
function err(m){var e=st.getAttribute('data-errors');st.setAttribute('data-errors',(e?e+' | ':'')+m);}
window.addEventListener('error',function(ev){err(String(ev.message||ev));});
var ce=console.error;console.error=function(){err(Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};
var charts={};
function rendered(){st.setAttribute('data-rendered',String(+st.getAttribute('data-rendered')+1));}
try{
  Object.keys(CUSTAN.charts).forEach(function(id){
    var spec=CUSTAN.charts[id],cfg=spec.config;
    cfg.plugins=[{id:'custanStatus',afterRender:function(c){if(!c.$custanDone){c.$custanDone=true;rendered();}}},
      {id:'custanWhite',beforeDraw:function(c){var x=c.ctx;x.save();x.globalCompositeOperation='destination-over';
        x.fillStyle='#fff';x.fillRect(0,0,c.width,c.height);x.restore();}}];
    charts[id]={chart:new Chart(document.getElementById(id),cfg),spec:spec,all:JSON.parse(JSON.stringify(cfg.data))};
  });
}catch(e){err('chart: '+e.message);}
var sel=document.getElementById('segment-filter');
function applySegment(seg){
  Object.keys(charts).forEach(function(id){var c=charts[id],b=c.spec.by_segment;
    if(!b)return;c.chart.data=JSON.parse(JSON.stringify(seg&&b[seg]?b[seg]:c.all));c.chart.update();});
  var shown=0;
  document.querySelectorAll('tr[data-segment]').forEach(function(tr){
    var on=!seg||tr.getAttribute('data-segment')===seg;tr.style.display=on?'':'none';if(on)shown++;});
  st.setAttribute('data-segment',seg);st.setAttribute('data-rows-shown',String(shown));
}
if(sel){
  sel.addEventListener('change',function(){applySegment(sel.value);
    history.replaceState(null,'',sel.value?'#segment='+encodeURIComponent(sel.value):'#');});
  var m=/segment=([^&]*)/.exec(location.hash);
  if(m){var want=decodeURIComponent(m[1]);
    if(Array.prototype.some.call(sel.options,function(o){return o.value===want;})){sel.value=want;applySegment(want);}
    else err('no segment '+want);}
}
document.querySelectorAll('input.search').forEach(function(inp){
  var t=document.getElementById(inp.getAttribute('data-table'));
  inp.addEventListener('input',function(){var q=inp.value.toLowerCase();
    t.querySelectorAll('tbody tr').forEach(function(tr){tr.style.visibility=tr.textContent.toLowerCase().indexOf(q)>=0?'':'collapse';});});
});
document.querySelectorAll('table.sortable th').forEach(function(th,i){
  th.addEventListener('click',function(){var tb=th.closest('table').tBodies[0];
    var rows=Array.prototype.slice.call(tb.rows),asc=th.getAttribute('data-dir')!=='asc';
    th.setAttribute('data-dir',asc?'asc':'desc');
    rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];
      var u=x.getAttribute('data-v'),v=y.getAttribute('data-v');
      var r=(u!==null&&v!==null)?(+u)-(+v):x.textContent.localeCompare(y.textContent);
      return asc?r:-r;});
    rows.forEach(function(r){tb.appendChild(r);});});
});
if(location.hash==='#export'){ /* every chart as an image, for `--png` */
  Object.keys(charts).sort(function(a,b){return +a.slice(5)-(+b.slice(5));}).forEach(function(id){
    var c=charts[id].chart,sec=c.canvas.closest('section'),h=sec&&sec.querySelector('h2');
    var img=document.createElement('img');img.className='custan-export';img.setAttribute('data-id',id);
    img.setAttribute('data-title',h?h.textContent:id);img.src=c.toBase64Image('image/png',1);
    document.body.appendChild(img);});
}
st.setAttribute('data-ms',performance.now().toFixed(1));
st.setAttribute('data-ready','1');
})();
]]

--- A page under construction: add sections, then `page:render()`.
local Page = {}
Page.__index = Page

--- A new page.
-- @tparam table o `title`, `subtitle`, `segments` (names for the filter; none: no filter)
function M.page(o)
  return setmetatable({title = o.title or "custan", subtitle = o.subtitle or "", segments = o.segments,
    parts = {}, charts = {}, nchart = 0, ntable = 0, footer = o.footer}, Page)
end

function Page:add(html) self.parts[#self.parts + 1] = html end

--- KPI tiles: array of {label, value (text), change (relative, or nil), better ("up"|"down")}.
function Page:kpis(tiles)
  local out = {'<div class="kpis">'}
  for _, t in ipairs(tiles) do
    local change = ""
    if type(t.change) == "number" and t.change == t.change then
      local dir = t.change > 0.0005 and "up" or t.change < -0.0005 and "down" or "flat"
      local good = (t.better == "down") and (dir == "down" and "up" or dir == "up" and "down" or "flat") or dir
      change = string.format('<div class="change %s">%s%.1f%% %s</div>', good,
        t.change > 0 and "+" or "", 100 * t.change, M.escape(t.against or "on the previous period"))
    elseif t.note then
      change = string.format('<div class="change flat">%s</div>', M.escape(t.note))
    end
    out[#out + 1] = string.format('<div class="kpi"><div class="label">%s</div><div class="value">%s</div>%s</div>',
      M.escape(t.label), M.escape(t.value), change)
  end
  out[#out + 1] = "</div>"
  return table.concat(out)
end

--- A chart's block: a canvas whose config (and per-segment data) is
-- embedded; returns its HTML.
-- @tparam table config a Chart.js configuration (custan.report.charts)
-- @tparam[opt] table by_segment {segment = data} replacing config.data when filtered
function Page:chart(config, by_segment, height)
  self.nchart = self.nchart + 1
  local id = "chart" .. self.nchart
  self.charts[id] = {config = config, by_segment = by_segment}
  return string.format('<div class="chart"%s><canvas id="%s"></canvas></div>',
    height and string.format(' style="height:%dpx"', height) or "", id)
end

--- A sortable, searchable table.
-- @tparam table rows array of row tables
-- @tparam table columns array of {key, title, fmt = function(v) -> text | "number" | "percent", num = bool, class}
-- @tparam[opt] table o `segment` (the row field that tags rows for the filter), `search` (true)
function Page:table(rows, columns, o)
  o = o or {}
  self.ntable = self.ntable + 1
  local id = "table" .. self.ntable
  local out = {}
  if o.search ~= false then
    out[#out + 1] = string.format('<input class="search" placeholder="filter rows" data-table="%s">', id)
  end
  out[#out + 1] = string.format('<div class="tablewrap"><table class="sortable" id="%s"><thead><tr>', id)
  for _, c in ipairs(columns) do
    out[#out + 1] = string.format('<th class="%s">%s</th>', c.num and "num" or "", M.escape(c.title or c.key))
  end
  out[#out + 1] = "</tr></thead><tbody>"
  for _, r in ipairs(rows) do
    local seg = o.segment and r[o.segment]
    out[#out + 1] = seg and string.format('<tr data-segment="%s">', M.escape(seg)) or "<tr>"
    for _, c in ipairs(columns) do
      local v = r[c.key]
      local text
      if type(c.fmt) == "function" then text = c.fmt(v)
      elseif c.fmt == "percent" then text = M.percent(v)
      elseif c.fmt == "number" or (c.num and type(v) == "number") then text = M.number(v, c.digits)
      else text = v == nil and "" or tostring(v) end
      local dv = type(v) == "number" and v == v and string.format(' data-v="%.17g"', v) or ""
      out[#out + 1] = string.format('<td class="%s%s"%s>%s</td>', c.num and "num" or "",
        c.class and (" " .. c.class) or "", dv, M.escape(text))
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
  return table.concat(out)
end

--- A matrix as a table with colour-scaled cells (computed here, not in
-- the browser): rows and columns labelled, `value(i, j)` a number or nil;
-- each cell carries its row, column and value as data attributes.
-- @tparam table o `rows`, `columns` (labels), `value` (function), `fmt`
--   (function(v) -> text), `row_title`, `column_title`, `colour` ("r,g,b")
function Page:matrix(o)
  local lo, hi = math.huge, -math.huge
  for i = 1, #o.rows do
    for j = 1, #o.columns do
      local v = o.value(i, j)
      if type(v) == "number" and v == v then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
  end
  local span = hi > lo and hi - lo or 1
  local rgb = o.colour or "78,121,167"
  local out = {'<div class="tablewrap"><table class="matrix"><thead><tr><th>',
    M.escape(o.row_title or ""), " / ", M.escape(o.column_title or ""), "</th>"}
  for _, c in ipairs(o.columns) do out[#out + 1] = "<th class=\"num\">" .. M.escape(c) .. "</th>" end
  out[#out + 1] = "</tr></thead><tbody>"
  for i, rl in ipairs(o.rows) do
    out[#out + 1] = "<tr><th>" .. M.escape(rl) .. "</th>"
    for j, cl in ipairs(o.columns) do
      local v = o.value(i, j)
      if type(v) == "number" and v == v then
        local a = 0.08 + 0.82 * (v - lo) / span
        out[#out + 1] = string.format('<td class="num" style="background:rgba(%s,%.3f);color:%s" ' ..
          'data-row="%s" data-col="%s" data-v="%.17g">%s</td>', rgb, a, a > 0.55 and "#fff" or "#1d2330",
          M.escape(rl), M.escape(cl), v, M.escape((o.fmt or tostring)(v)))
      else
        out[#out + 1] = "<td></td>"
      end
    end
    out[#out + 1] = "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
  return table.concat(out)
end

--- A section: a title, a note and its body (HTML).
function Page:section(title, body, note)
  return string.format('<section><h2>%s</h2>%s%s</section>', M.escape(title),
    note and string.format('<p class="note">%s</p>', M.escape(note)) or "", body)
end

--- The whole page as text (raises when Chart.js is not installed).
function Page:render()
  local chartjs, err = M.chartjs()
  if not chartjs then error(err, 0) end
  local filter = ""
  if self.segments and #self.segments > 0 then
    local opts = {'<option value="">all segments</option>'}
    for _, s in ipairs(self.segments) do
      opts[#opts + 1] = string.format('<option value="%s">%s</option>', M.escape(s), M.escape(s))
    end
    filter = '<label>Segment <select id="segment-filter">' .. table.concat(opts) .. "</select></label>"
  end
  local nchart = 0
  for _ in pairs(self.charts) do nchart = nchart + 1 end
  return table.concat{
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>", M.escape(self.title), "</title><style>", STYLE, "</style></head><body>",
    "<header><h1>", M.escape(self.title), "</h1><p>", M.escape(self.subtitle), "</p>", filter, "</header>",
    "<main>", table.concat(self.parts, "\n"), "</main>",
    self.footer and ("<footer>" .. M.escape(self.footer) .. "</footer>") or "",
    string.format('<div id="custan-status" hidden data-charts="%d" data-rendered="0" data-errors="" data-ready="0"></div>', nchart),
    "<script>", chartjs, "</script>",
    "<script>var CUSTAN=", script_json({charts = self.charts}), ";</script>",
    "<script>", SCRIPT, "</script></body></html>\n"}
end

return M
