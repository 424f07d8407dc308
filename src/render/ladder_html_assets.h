#pragma once
// The hand-written CSS and JS inlined into every HTML ladder (ladder_html.cpp). Both are constant, so the
// page's Content-Security-Policy can allow exactly them by hash. The JS parses the message JSON once and
// only ever writes capture text through textContent; the SVG itself is rendered server-side, once.
namespace vs::render::detail {

inline constexpr const char* kLadderCss = R"css(
:root{--c0:#0b7285;--c1:#b35c00;--c2:#862e9c;--c3:#2b8a3e;--c4:#1c5fd4;--c5:#c92a2a;--c6:#5c940d;--c7:#a61e4d;--cn:#555}
*{box-sizing:border-box}
body{margin:0;height:100vh;display:grid;grid-template-rows:auto 1fr;font:14px/1.4 system-ui,sans-serif;color:#222;background:#fff}
header{padding:8px 16px;border-bottom:1px solid #ddd;max-height:40vh;overflow:auto}
h1{font-size:18px;margin:0 0 2px}
.meta{color:#555;margin:0 0 4px}
summary{cursor:pointer;font-weight:600}
#legend{list-style:none;margin:2px 0 6px;padding:0}
#legend li{cursor:pointer;padding:1px 4px;border-radius:3px}
#legend li.on{background:#e7ecff}
#legend .sw{display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:-1px;border-radius:2px;background:var(--c)}
#legend .why{color:#444}
#legend .ids{color:#666;font-size:12px;margin-left:24px;display:block}
#legend .warn{color:#b00020;font-size:12px;margin-left:24px;display:block}
table{border-collapse:collapse;font-size:12px;margin:2px 0 6px}
td,th{border:1px solid #ddd;padding:1px 6px;text-align:left;white-space:nowrap}
td.n{text-align:right}
main{display:flex;min-height:0}
#ladder{flex:1;overflow:auto;min-width:0;scroll-padding-top:50px}
#panel{width:40%;max-width:720px;overflow:auto;border-left:1px solid #ddd;padding:8px 12px;background:#fafafa}
#panel-head{font-weight:600;margin:0 0 6px;white-space:pre-wrap}
#panel-msg{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.35 ui-monospace,monospace}
svg{display:block}
svg text{font:12px ui-monospace,monospace;fill:#222}
#hosts{position:sticky;top:0;background:#fff;border-bottom:1px solid #eee;z-index:1}
#hosts .nm{font-weight:bold;font-family:system-ui,sans-serif}
.life{stroke:#aaa;stroke-dasharray:4 3}
.c0{--c:var(--c0)}.c1{--c:var(--c1)}.c2{--c:var(--c2)}.c3{--c:var(--c3)}.c4{--c:var(--c4)}.c5{--c:var(--c5)}.c6{--c:var(--c6)}.c7{--c:var(--c7)}.cn{--c:var(--cn)}
g.m,g.s{cursor:pointer}
g.m .ln{stroke:var(--c);stroke-width:1.6;fill:none}
g.m.rx .ln{stroke-dasharray:5 4}
g.m .hd,g.s .hd{fill:var(--c)}
g.m .lb,g.s .lb{fill:var(--c)}
g.s .band{fill:var(--c);opacity:.45}
.hit{fill:transparent}
g.sel .ln{stroke-width:3.5}
g.sel .band{opacity:.8}
g.sel .lb{font-weight:bold}
g.sel .hit{fill:#ffe9a8;opacity:.45}
.tm{fill:#555;font-size:11px}
)css";

inline constexpr const char* kLadderJs = R"js(
(function () {
  'use strict';
  var d = JSON.parse(document.getElementById('ladder-data').textContent);
  var flow = document.getElementById('flow');
  var head = document.getElementById('panel-head');
  var body = document.getElementById('panel-msg');
  var legend = document.getElementById('legend');
  var msgs = flow.querySelectorAll('g.m');
  var pinned = null, cur = null;
  function pick(t) { return t && t.closest ? t.closest('g.m,g.s') : null; }
  function show(g) {
    if (cur) cur.classList.remove('sel');
    cur = g;
    if (!g) { head.textContent = d.hint; body.textContent = ''; return; }
    g.classList.add('sel');
    var e = g.classList.contains('m') ? d.m[+g.getAttribute('data-i')] : d.s[+g.getAttribute('data-s')];
    head.textContent = e[0];
    body.textContent = e[1];
  }
  flow.addEventListener('mouseover', function (ev) {
    if (pinned) return;
    var g = pick(ev.target);
    if (g) show(g);
  });
  flow.addEventListener('click', function (ev) {
    var g = pick(ev.target);
    if (!g) return;
    pinned = pinned === g ? null : g;
    show(g);
  });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') { pinned = null; return; }
    var dir = ev.key === 'j' || ev.key === 'ArrowDown' ? 1 : ev.key === 'k' || ev.key === 'ArrowUp' ? -1 : 0;
    if (!dir || !msgs.length) return;
    ev.preventDefault();
    var i = cur && cur.classList.contains('m') ? +cur.getAttribute('data-i') + dir : 0;
    i = Math.max(0, Math.min(msgs.length - 1, i));
    pinned = msgs[i];
    show(pinned);
    pinned.scrollIntoView({ block: 'nearest' });
  });
  if (legend) legend.addEventListener('click', function (ev) {
    var li = ev.target.closest ? ev.target.closest('li[data-slot]') : null;
    if (!li) return;
    var off = flow.getAttribute('data-focus') === li.getAttribute('data-slot');
    if (off) flow.removeAttribute('data-focus'); else flow.setAttribute('data-focus', li.getAttribute('data-slot'));
    legend.querySelectorAll('li').forEach(function (x) { x.classList.toggle('on', !off && x === li); });
  });
})();
)js";

}  // namespace vs::render::detail
