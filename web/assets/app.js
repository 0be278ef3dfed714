// raftsim's live view: draws what the server sends over /events and sends
// commands back. Plain JavaScript and SVG; no build step.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const ring = $("ring"), logsvg = $("logsvg"), menu = $("menu");
const W = 600, H = 530, CX = 300, CY = 300, R = 180, NODE = 58;

let view = null;        // the last view the server sent
let selected = null;    // the server whose menu is open
let requestN = 0;       // values of the requests sent by clicking
let features = {};      // the optional commands the shell has (timeout, why)
const history = [];     // console input history
let histPos = 0;

function el(tag, attrs, parent) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function fmtT(ms) { return (ms / 1000).toFixed(3) + " s"; }

// ---- the server's stream ----

function connect() {
  const es = new EventSource("events");
  es.addEventListener("view", (e) => { view = JSON.parse(e.data); draw(); });
  es.addEventListener("out", (e) => printOut(JSON.parse(e.data)));
  es.onerror = () => { $("clock").textContent = "disconnected"; };
}

// While a command runs, the server sends nothing: after a moment the
// stop button appears, and stops it where it is.
let running = 0;
async function post(path, body) {
  const isExec = path === "api/exec";
  if (isExec && running++ === 0) setTimeout(() => { $("stop").hidden = running === 0; }, 400);
  let r;
  try {
    r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } finally {
    if (isExec && --running === 0) $("stop").hidden = true;
  }
  if (!r.ok) { printOut({ line: path, text: await r.text(), ok: false, where: "page" }); return null; }
  return r.json();
}

function exec(line, where) { return post("api/exec", { line, where: where || "click" }); }
function control(action, value) { return post("api/control", { action, value: value || 0 }); }

// ---- layout ----

function positions(servers) {
  const pos = {};
  const n = servers.length;
  servers.forEach((s, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    pos[s.id] = { x: CX + R * Math.cos(a), y: CY + R * Math.sin(a) };
  });
  return pos;
}

// Clients live in the middle of the ring.
function where(pos, id) { return pos[id] || { x: CX, y: CY }; }

// ---- drawing ----

function draw() {
  if (!view) return;
  $("clock").textContent = "t = " + fmtT(view.t);
  $("play").textContent = view.playing ? "❚❚ pause" : "▶ play";
  $("skip").hidden = !(view.now - view.t > 0.001);
  $("prompt").textContent = "raft t=" + (view.now / 1000).toFixed(3) + "s>";
  drawRing();
  drawLogs();
  drawTimebar();
  drawLesson();
}

// The ring is redrawn many times a second, so its elements are kept and
// updated (keyed by server, link and message) rather than made anew: an
// element replaced between a mouse press and its release loses the click.
let layers = null;
function layer(name) {
  if (!layers) {
    layers = {};
    for (const n of ["links", "servers", "msgs", "overlay"]) layers[n] = el("g", { class: "layer-" + n }, ring);
    const cl = el("g", { class: "client" }, layers.links);
    el("circle", { cx: CX, cy: CY, r: 32 }, cl);
    el("text", { x: CX, y: CY + 5 }, cl).textContent = "client";
  }
  return layers[name];
}

// keyed returns the child of parent with key, made by make if missing;
// sweep removes the children not asked for since the last sweep.
function keyed(parent, key, make) {
  parent._seen = parent._seen || new Set();
  parent._seen.add(key);
  parent._kids = parent._kids || new Map();
  let e = parent._kids.get(key);
  if (!e) { e = make(); parent._kids.set(key, e); parent.appendChild(e); }
  return e;
}
function sweep(parent) {
  for (const [k, e] of parent._kids || []) if (!parent._seen.has(k)) { e.remove(); parent._kids.delete(k); }
  parent._seen = new Set();
}
function set(e, attrs) { for (const k in attrs) if (e.getAttribute(k) !== String(attrs[k])) e.setAttribute(k, attrs[k]); return e; }
function text(e, t) { t = String(t); if (e.textContent !== t) e.textContent = t; return e; }

function drawRing() {
  const v = view, pos = positions(v.servers);
  const L = layer("links"), S = layer("servers"), M = layer("msgs");
  for (const l of v.links || []) {
    const a = pos[l.a], b = pos[l.b];
    if (!a || !b) continue;
    const cls = l.ab && l.ba ? "" : !l.ab && !l.ba ? "cut" : "oneway";
    const g = keyed(L, l.a + "-" + l.b, () => {
      const g = el("g", {});
      el("title", {}, g); el("line", { class: "wire" }, g); el("line", { class: "hit" }, g); el("text", {}, g);
      g.addEventListener("click", (e) => { e.stopPropagation(); toggleLink(g._link); });
      return g;
    });
    g._link = l;
    set(g, { class: "link " + cls, "data-a": l.a, "data-b": l.b });
    text(g.children[0], cls === "" ? `S${l.a} ↔ S${l.b}: click to cut` :
      cls === "cut" ? `S${l.a} ↔ S${l.b} cut: click to mend` :
      `S${l.a} → S${l.b} ${l.ab ? "open" : "cut"}, S${l.b} → S${l.a} ${l.ba ? "open" : "cut"}: click to mend`);
    for (const w of [g.children[1], g.children[2]]) set(w, { x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    set(g.children[3], { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
    text(g.children[3], cls ? "✂" : "");
  }
  sweep(L);
  for (const s of v.servers || []) {
    const p = pos[s.id];
    const g = keyed(S, s.id, () => {
      const g = el("g", {});
      el("title", {}, g);
      el("circle", { class: "timertrack", r: NODE + 9 }, g);
      el("path", { class: "timer" }, g);
      el("circle", { class: "body", r: NODE }, g);
      el("text", { class: "term", y: -4 }, g);
      el("text", { class: "role", y: 30 }, g);
      el("text", { class: "name" }, g);
      g.addEventListener("click", (e) => { e.stopPropagation(); openMenu(g._server, g._pos); });
      g.addEventListener("mouseenter", () => fetchWhy(g._server.id));
      return g;
    });
    g._server = s; g._pos = p;
    set(g, { class: "server " + s.role + (selected === s.id ? " selected" : ""), "data-id": s.id, "data-role": s.role, transform: `translate(${p.x},${p.y})` });
    const [title, track, timer, , term, role, nm] = g.children;
    text(title, serverTitle(s));
    const timed = s.up && s.role !== "leader" && s.timerAt > 0;
    let left = 0;
    if (timed) left = Math.min(1, Math.max(0, (s.timerAt - v.t) / Math.max(s.timerAt - s.timerFrom, 1e-9)));
    set(track, { visibility: timed ? "visible" : "hidden" });
    set(timer, { visibility: timed && left > 0 ? "visible" : "hidden", d: left > 0 ? arc(NODE + 9, left) : "M 0 0" });
    text(term, s.up ? s.term : "✕");
    text(role, s.up ? s.role : "down");
    set(nm, { y: p.y < CY ? -NODE - 22 : NODE + 36 });
    text(nm, "S" + s.id + (s.up ? "" : " (crashed)"));
  }
  sweep(S);
  for (const m of v.flights || []) {
    const a = where(pos, m.from), b = where(pos, m.to);
    const span = Math.max(m.due - m.sent, 1e-9);
    const f = Math.min(1, Math.max(0, (v.t - m.sent) / span));
    // from edge to edge of the circles, not centre to centre
    const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
    const ra = pos[m.from] ? NODE : 32, rb = pos[m.to] ? NODE : 32;
    const ux = dx / len, uy = dy / len;
    const d = Math.max(len - ra - rb, 1);
    const x = a.x + ux * (ra + d * f), y = a.y + uy * (ra + d * f);
    const deg = Math.atan2(uy, ux) * 180 / Math.PI;
    const g = keyed(M, m.id, () => {
      const g = el("g", {});
      el("title", {}, g); el("circle", { r: 13 }, g); el("polygon", { points: "15,-8 27,0 15,8" }, g); el("text", {}, g);
      return g;
    });
    set(g, { class: "msg " + m.kind, "data-type": m.type, "data-from": m.from, "data-to": m.to, transform: `translate(${x},${y}) rotate(${deg})` });
    text(g.children[0], `${m.type} ${m.fromName} → ${m.toName}: ${m.label}\nsent ${fmtT(m.sent)}, arrives ${fmtT(m.due)}`);
    // the label sits to the left of the direction of travel, so that the two
    // directions of a link keep their labels apart
    set(g.children[3], { transform: `translate(0,-22) rotate(${-deg})`, "text-anchor": "middle" });
    text(g.children[3], short(m));
  }
  sweep(M);
}

function short(m) {
  if (m.kind === "heartbeat") return m.reply ? "♥✓" : "♥";
  if (m.kind === "vote") return m.label.startsWith("pre") ? "pre-vote" : "vote";
  return m.label;
}

// arc draws the fraction f of a circle of radius r, clockwise from the top.
function arc(r, f) {
  if (f >= 0.9999) return `M 0 ${-r} A ${r} ${r} 0 1 1 0 ${r} A ${r} ${r} 0 1 1 0 ${-r}`;
  const a = 2 * Math.PI * f;
  const x = r * Math.sin(a), y = -r * Math.cos(a);
  return `M 0 ${-r} A ${r} ${r} 0 ${f > 0.5 ? 1 : 0} 1 ${x} ${y}`;
}

function serverTitle(s) {
  let t = `S${s.id} is down (term ${s.term} and its log are on disk)`;
  if (s.up) t = `S${s.id}: ${s.role}, term ${s.term}, voted for ${s.votedFor === null ? "nobody" : "S" + s.votedFor}, commit ${s.commit}, applied ${s.applied}`;
  if (s.up && s.timerAt > 0 && s.role !== "leader") t += `\nelection timeout in ${Math.max(0, s.timerAt - view.t).toFixed(1)} ms`;
  const w = whys[s.id];
  if (w && Math.abs(w.t - view.t) < 0.001) t += `\n\nwhy: ${w.text}`;
  return t;
}

function termColor(t) { return `hsl(${(t * 67) % 360}, 70%, 72%)`; }

function drawLogs() {
  const v = view;
  logsvg.textContent = "";
  const servers = v.servers;
  let last = 0;
  for (const s of servers) last = Math.max(last, s.last);
  const cols = 12, cw = 42, x0 = 196, rh = 66, y0 = 34;
  const first = Math.max(1, last - cols + 1);
  const height = y0 + servers.length * rh + 10;
  logsvg.setAttribute("viewBox", `0 0 ${x0 + cols * cw + 20} ${height}`);
  for (let i = first; i < first + cols; i++) el("text", { class: "index", x: x0 + (i - first) * cw + cw / 2, y: 20 }, logsvg).textContent = i;
  const leader = servers.find((s) => s.role === "leader");
  servers.forEach((s, row) => {
    const y = y0 + row * rh;
    const g = el("g", { class: "logrow" + (s.up ? "" : " down"), "data-id": s.id }, logsvg);
    el("text", { class: "label", x: 8, y: y + 16 }, g).textContent = "S" + s.id;
    el("text", { class: "sub", x: 44, y: y + 16 }, g).textContent = s.up ? `t${s.term} c${s.commit}` : "down";
    for (const e of s.log || []) {
      if (e.i < first) continue;
      const x = x0 + (e.i - first) * cw;
      const committed = s.up && e.i <= s.commit;
      const c = el("g", { class: "cell " + (committed ? "committed" : "uncommitted"), "data-index": e.i, "data-term": e.t }, g);
      el("title", {}, c).textContent = `index ${e.i}, term ${e.t}: ${e.x}${committed ? " (committed)" : ""}`;
      el("rect", { x: x + 2, y: y + 2, width: cw - 4, height: 30, rx: 4, fill: termColor(e.t), stroke: committed ? "#222" : "#666" }, c);
      el("text", { x: x + cw / 2, y: y + 17 }, c).textContent = e.t;
    }
    if (s.last >= first && s.log && s.log.length && s.log[0].i > first) {
      el("text", { class: "sub", x: x0 - 12, y: y + 17 }, g).textContent = "…";
    }
    // the leader's view of this follower
    if (leader && leader.next && s.id !== leader.id && leader.next[s.id] !== undefined) {
      const n = leader.next[s.id], m = leader.match[s.id];
      const nx = x0 + (n - first) * cw + cw / 2, mx = x0 + (m - first) * cw + cw / 2;
      if (n >= first && n < first + cols + 1) {
        const t = el("text", { class: "marker next", x: nx, y: y + 45 }, g);
        t.textContent = "▲";
        el("title", {}, t).textContent = `the leader's nextIndex for S${s.id}: ${n}`;
      }
      if (m >= first) {
        const t = el("text", { class: "marker match", x: mx, y: y + 45 }, g);
        t.textContent = "●";
        el("title", {}, t).textContent = `the leader's matchIndex for S${s.id}: ${m}`;
      }
      el("text", { class: "sub", x: 44, y: y + 45 }, g).textContent = `next ${n} · match ${m}`;
    }
  });
}

function drawTimebar() {
  const v = view, sl = $("slider");
  if (!sl.matches(":active")) {
    sl.max = Math.max(v.horizon, 1);
    sl.value = v.t;
  }
  $("horizon").textContent = fmtT(v.horizon);
  $("future").textContent = v.future > 0 ? `${v.future} command(s) ahead will replay; acting now forks the run` : "";
}

function drawLesson() {
  const l = view.lesson, box = $("lesson");
  box.hidden = !l;
  if (!l) return;
  $("caption").textContent = l.caption || "…";
  $("lessonStep").textContent = `${l.name}: step ${l.step} of ${l.steps}` + (l.waiting ? " — paused" : " — playing");
  $("lessonNext").disabled = !l.waiting;
  $("lessonNext").textContent = l.done ? "let it run ▸" : "next ▸";
}

// ---- clicks ----

function openMenu(s, p) {
  selected = s.id;
  menu.textContent = "";
  const b = document.createElement("b");
  b.textContent = `S${s.id} (${s.up ? s.role + ", term " + s.term : "down"})`;
  menu.appendChild(b);
  const add = (label, line) => {
    const bt = document.createElement("button");
    bt.textContent = label;
    bt.dataset.cmd = line.split(" ")[0];
    bt.addEventListener("click", (e) => { e.stopPropagation(); exec(line); closeMenu(); });
    menu.appendChild(bt);
  };
  if (s.up) {
    add("crash", `crash ${s.id}`);
    if (features.timeout) add("time out (start an election)", `timeout ${s.id}`);
    requestN++;
    add(`request: set x ${requestN}`, `clientRequest ${s.id} set x ${requestN}`);
  } else {
    add("restart", `restart ${s.id}`);
  }
  if (features.why) add("why? (in the console)", `why ${s.id}`);
  // why, as of the time shown, in the menu itself
  const why = document.createElement("p");
  why.className = "why";
  why.textContent = "why …";
  menu.appendChild(why);
  fetchWhy(s.id).then((w) => { if (w && selected === s.id) why.textContent = `why, at t = ${fmtT(w.t)}: ${w.text}`; place(); });
  const box = ring.getBoundingClientRect(), scale = box.width / W;
  const place = () => {
    menu.style.left = Math.max(0, Math.min(p.x * scale + 20, box.width - menu.offsetWidth - 4)) + "px";
    menu.style.top = p.y * scale + 10 + "px";
  };
  menu.hidden = false;
  place();
  drawRing();
}

// whys holds what why said of each server at a display time, for the
// servers' hover titles (fetched when the pointer enters a server).
const whys = {};
async function fetchWhy(id) {
  if (!features.why || !view) return null;
  const r = await fetch("api/why?id=" + id);
  if (!r.ok) return null;
  const w = await r.json();
  whys[id] = w;
  if (view) drawRing();
  return w;
}

function closeMenu() {
  menu.hidden = true;
  selected = null;
  if (view) drawRing();
}

// toggleLink cuts an open link; an open one is mended by healing the
// network and cutting again every other link that was cut.
async function toggleLink(l) {
  closeMenu();
  if (l.ab && l.ba) { await exec(`cut ${l.a}<->${l.b}`); return; }
  const keep = view.links.filter((o) => !(o.a === l.a && o.b === l.b) && !(o.ab && o.ba));
  await exec("heal");
  for (const o of keep) {
    if (!o.ab && !o.ba) await exec(`cut ${o.a}<->${o.b}`);
    else if (!o.ab) await exec(`cut ${o.a}->${o.b}`);
    else await exec(`cut ${o.b}->${o.a}`);
  }
}

// Drawing a line across the picture splits the servers into the two sides.
let drag = null;
function svgPoint(e) {
  const b = ring.getBoundingClientRect();
  return { x: (e.clientX - b.left) * W / b.width, y: (e.clientY - b.top) * H / b.height };
}
ring.addEventListener("pointerdown", (e) => {
  if (e.target.closest(".server, .link")) return;
  closeMenu();
  drag = { a: svgPoint(e), line: null };
  ring.setPointerCapture(e.pointerId);
});
ring.addEventListener("pointermove", (e) => {
  if (!drag) return;
  const b = svgPoint(e);
  if (!drag.line) drag.line = el("line", { class: "partition-line" }, layer("overlay"));
  Object.entries({ x1: drag.a.x, y1: drag.a.y, x2: b.x, y2: b.y }).forEach(([k, v]) => drag.line.setAttribute(k, v));
  drag.b = b;
});
ring.addEventListener("pointerup", () => {
  const d = drag;
  drag = null;
  if (d && d.line) d.line.remove();
  if (!d || !d.b || Math.hypot(d.b.x - d.a.x, d.b.y - d.a.y) < 40) return;
  const pos = positions(view.servers), left = [], right = [];
  for (const s of view.servers) {
    const p = pos[s.id];
    const cross = (d.b.x - d.a.x) * (p.y - d.a.y) - (d.b.y - d.a.y) * (p.x - d.a.x);
    (cross < 0 ? left : right).push(s.id);
  }
  if (left.length && right.length) exec(`partition ${left.join(",")} | ${right.join(",")}`);
});
document.addEventListener("click", (e) => { if (!menu.contains(e.target)) closeMenu(); });

// ---- controls ----

function speedOf(pos) { return pos >= 60 ? 0 : Math.pow(10, (pos - 30) / 10); }
function speedText(s) {
  if (s === 0) return "as fast as it goes";
  if (Math.abs(s - 1) < 0.01) return "real time";
  if (s < 1) return `${Math.round(1 / s)}× slower`;
  return `${Math.round(s)}× faster`;
}
$("speed").addEventListener("input", () => { $("speedLabel").textContent = speedText(speedOf(+$("speed").value)); });
$("speed").addEventListener("change", () => control("speed", speedOf(+$("speed").value)));
$("speedLabel").textContent = speedText(speedOf(+$("speed").value));
$("play").addEventListener("click", () => control(view && view.playing ? "pause" : "play"));
$("step").addEventListener("click", () => control("step"));
$("skip").addEventListener("click", () => control("now"));
$("stop").addEventListener("click", () => fetch("api/stop", { method: "POST" }));
$("slider").addEventListener("input", () => { $("clock").textContent = "seek " + fmtT(+$("slider").value); });
$("slider").addEventListener("change", () => control("seek", +$("slider").value));
$("lessonNext").addEventListener("click", () => control("play"));
$("lessonEnd").addEventListener("click", () => control("endLesson"));

$("share").addEventListener("click", async () => {
  const r = await fetch("api/scenario");
  const { script } = await r.json();
  const url = location.origin + location.pathname + "#scenario=" + b64url(script);
  $("shareUrl").value = url;
  $("sharebox").hidden = false;
  $("shareUrl").select();
});
$("shareCopy").addEventListener("click", () => { $("shareUrl").select(); navigator.clipboard && navigator.clipboard.writeText($("shareUrl").value); });
$("shareClose").addEventListener("click", () => { $("sharebox").hidden = true; });

function b64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  bytes.forEach((b) => { bin += String.fromCharCode(b); });
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function unb64url(s) {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

async function loadLessons() {
  const r = await fetch("api/lessons");
  const items = await r.json();
  for (const it of items || []) {
    const o = document.createElement("option");
    o.value = it.name;
    o.textContent = it.name.replace(/\.raft$/, "") + (it.title ? " — " + it.title.slice(0, 50) : "");
    $("lessons").appendChild(o);
  }
}
$("lessons").addEventListener("change", () => {
  const n = $("lessons").value;
  if (n) post("api/lesson", { name: n });
  $("lessons").value = "";
});

// ---- the console ----

function printOut(o) {
  const out = $("out");
  const c = document.createElement("span");
  c.className = "cmd";
  c.textContent = "> " + o.line.split("\n").join("\n... ");
  if (o.where && o.where !== "console") {
    const v = document.createElement("span");
    v.className = "via";
    v.textContent = `   (${o.where})`;
    c.appendChild(v);
  }
  out.appendChild(c);
  out.appendChild(document.createTextNode("\n"));
  if (o.text) {
    const t = document.createElement("span");
    if (!o.ok) t.className = "err";
    t.textContent = o.text.endsWith("\n") ? o.text : o.text + "\n";
    out.appendChild(t);
  }
  while (out.childNodes.length > 3000) out.removeChild(out.firstChild);
  out.scrollTop = out.scrollHeight;
}

const cmd = $("cmd");
cmd.addEventListener("keydown", async (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    const line = cmd.value;
    if (!line.trim()) return;
    const r = await post("api/exec", { line, where: "console" });
    if (r && r.incomplete) { cmd.value += "\n"; cmd.rows = Math.min(8, cmd.value.split("\n").length); return; }
    history.push(line);
    histPos = history.length;
    cmd.value = "";
    cmd.rows = 1;
  } else if (e.key === "ArrowUp" && !cmd.value.includes("\n") && histPos > 0) {
    e.preventDefault();
    cmd.value = history[--histPos];
  } else if (e.key === "ArrowDown" && !cmd.value.includes("\n") && histPos < history.length) {
    e.preventDefault();
    histPos++;
    cmd.value = history[histPos] || "";
  }
});
$("cmdform").addEventListener("submit", (e) => e.preventDefault());

document.addEventListener("keydown", (e) => {
  if (e.target === cmd || e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
  if (e.key === " ") { e.preventDefault(); control(view && view.playing ? "pause" : "play"); }
  if (e.key === "s") control("step");
});

// ---- start ----

loadLessons();
fetch("api/features").then((r) => r.json()).then((f) => { features = f || {}; });
connect();
// A link with #scenario=... (from "share link") replays a session; one
// with #lesson=NAME starts a lesson.
function fromHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (h.get("scenario")) post("api/scenario", { script: unb64url(h.get("scenario")) });
  else if (h.get("lesson")) post("api/lesson", { name: h.get("lesson") });
}
window.addEventListener("hashchange", fromHash);
fromHash();
