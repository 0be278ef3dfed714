// The timeline of a raftsim run: a space-time diagram drawn on a canvas.
// Plain JavaScript, no library, no network. The data (see data.go) is in
// the page; times are nanoseconds of virtual time.
"use strict";
(function () {
  const t0Render = performance.now();
  const D = JSON.parse(document.getElementById("data").textContent);
  // Go writes an empty column as null.
  for (const k of ["lanes", "strings", "types"]) D[k] = D[k] || [];
  D.why = D.why || { lane: [], t: [], textStr: [] };
  for (const k of ["bands", "shades", "msgs", "points", "ops", "net", "why"]) for (const c in D[k]) D[k][c] = D[k][c] || [];
  const S = D.strings;
  const str = (i) => (i >= 0 ? S[i] : "");

  // ---- colours: readable on a projector (strong, distinct, no pastels on white text)
  const ROLE = { follower: "#c9d6e3", "pre-candidate": "#f3dca0", candidate: "#f5b942", leader: "#2e9e5b", down: "#6e7781", unknown: "#e6e8eb", up: "#dcefe2" };
  const ROLE_ALT = { follower: "#b3c5d7", "pre-candidate": "#ead08a", candidate: "#e9a521", leader: "#23824a", down: "#6e7781", unknown: "#dadde1", up: "#dcefe2" };
  const ROLE_TEXT = { follower: "#1b1f24", "pre-candidate": "#1b1f24", candidate: "#1b1f24", leader: "#ffffff", down: "#ffffff", unknown: "#57606a", up: "#1a6b3c" };
  // The history page (mode "history") draws the client operations with the
  // order the linearizability check found; servers are only up or down.
  const HIST = D.mode === "history";
  let selKey = -1; // the key whose operations are shown (history page), -1: all
  {
    // A URL fragment #key=K opens the history page on key K (first a bad one).
    const km = /key=([^&]+)/.exec(location.hash);
    const want = km ? decodeURIComponent(km[1]) : HIST && D.badKeys && D.badKeys.length ? D.badKeys[0] : null;
    if (want !== null) selKey = D.strings.indexOf(want);
  }
  const CAT = { votes: "#d4399b", appends: "#1f6feb", heartbeats: "#8c959f", replies: "#8250df", client: "#bc4c00", other: "#1b7c83", snapshots: "#6639ba" };
  const OPC = { success: "#2e9e5b", OK: "#2e9e5b", NOT_LEADER: "#d29922", TIMEOUT: "#cf222e", error: "#cf222e", "no answer yet": "#d29922" };
  const LOST = "#cf222e";

  // ---- layout
  const GUTTER = 124, AXIS = 36, NETH = 36, PAD = 12;
  const lanes = D.lanes.map((l, i) => ({ ...l, i }));
  const nServ = lanes.filter((l) => l.server).length, nCli = lanes.length - nServ;
  let HEIGHT = 0;
  // layout gives each lane its height: servers share what the window has
  // left (a few big lanes for a small cluster, thinner ones for many).
  function layout() {
    const avail = window.innerHeight - document.getElementById("bar").offsetHeight - AXIS - NETH - PAD - 4;
    const CLIH = nCli > 8 ? 30 : 42;
    const SERVH = HIST ? 40 : Math.max(70, Math.min(130, Math.floor((avail - nCli * CLIH) / Math.max(nServ, 1))));
    let y = AXIS + NETH;
    for (const l of lanes) {
      l.h = l.server ? SERVH : CLIH;
      l.y = y;
      if (l.server) {
        // the role band sits between a row of marks above and one below
        l.bh = HIST ? 26 : Math.max(26, Math.round(l.h * 0.34));
        l.by = l.y + Math.round((l.h - l.bh) / 2);
      } else {
        l.bh = l.h - 14;
        l.by = l.y + 7;
      }
      y += l.h;
    }
    HEIGHT = y + PAD;
    // where each lane's band is, for the browser tests to point at
    document.body.dataset.laneY = lanes.map((l) => l.by + l.bh / 2).join(",");
  }
  // Where an arrow leaves or reaches a lane: the edge of its band that
  // faces the other lane, so that arrows never cover the band's label.
  const edge = (li, other) => (other > li ? lanes[li].by + lanes[li].bh : lanes[li].by);

  const span0 = Math.max(D.end - D.start, 1e6);
  const view = { a: D.start - span0 * 0.01, b: D.end + span0 * 0.01 };
  const MINSPAN = 1000; // 1 µs

  // ---- filters
  const filt = {};
  for (const c of D.cats) filt[c] = c !== "heartbeats" || D.msgs.t0.length < 3000;
  const show = { apply: true, marks: true, ops: true };

  // ---- header
  const bar = document.getElementById("bar");
  const catCount = D.cats.map(() => 0);
  for (const c of D.msgs.cat) catCount[c]++;
  const lost = D.msgs.flags.filter((f) => f & 1).length;
  const dup = D.msgs.flags.filter((f) => f & 2).length;
  const fmtN = (n) => n.toLocaleString("en-US");
  const plural = (n, one) => `${fmtN(n)} ${one}${n === 1 ? "" : "s"}`;
  bar.innerHTML = "";
  const h1 = document.createElement("h1");
  h1.textContent = D.title;
  bar.appendChild(h1);
  const sum = document.createElement("div");
  sum.className = "sum";
  sum.textContent = `seed ${D.seed} · ${fmtT(D.start)} to ${fmtT(D.end)} · ${plural(nServ, "server")}, ${plural(nCli, "client")} · ${fmtN(D.msgs.t0.length)} messages (${fmtN(lost)} lost, ${fmtN(dup)} duplicated) · ${fmtN(D.ops.t0.length)} client operations`;
  if (HIST) sum.textContent = `seed ${D.seed} · ${fmtT(D.start)} to ${fmtT(D.end)} · ${fmtN(D.ops.t0.length)} client operations of ${plural(nCli, "client")} · ${D.verdict}`;
  if (D.dropped > 0) sum.innerHTML += ` · <span class="warn">the trace keeps the newest events: ${fmtN(D.dropped)} older ones are not shown</span>`;
  bar.appendChild(sum);
  const row1 = document.createElement("div");
  row1.className = "row";
  row1.innerHTML = "<b>Messages:</b>";
  D.cats.forEach((c, i) => {
    if (!catCount[i]) return;
    const lab = document.createElement("label");
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.checked = filt[c];
    cb.onchange = () => { filt[c] = cb.checked; redraw(); };
    lab.appendChild(cb);
    lab.insertAdjacentHTML("beforeend", `<span class="line" style="border-color:${CAT[c] || CAT.other}"></span>${c} (${fmtN(catCount[i])})`);
    row1.appendChild(lab);
  });
  row1.insertAdjacentHTML("beforeend", `<span><span class="line" style="border-color:${LOST};border-top-style:dotted"></span>✖ lost</span><span><span class="line" style="border-color:#57606a;border-top-style:dashed"></span>duplicate</span>`);
  if (!HIST) bar.appendChild(row1);
  else {
    const keys = [...new Set(D.ops.keyStr)].sort((a, b) => (S[a] < S[b] ? -1 : S[a] > S[b] ? 1 : 0));
    const rk = document.createElement("div");
    rk.className = "row";
    rk.innerHTML = "<b>Key:</b>";
    for (const k of [-1, ...keys]) {
      const lab = document.createElement("label");
      const rb = document.createElement("input");
      rb.type = "radio";
      rb.name = "key";
      rb.checked = k === selKey;
      rb.onchange = () => { selKey = k; redraw(); };
      lab.appendChild(rb);
      const bad = k >= 0 && (D.badKeys || []).includes(S[k]);
      lab.append(k < 0 ? "every key" : S[k] + (bad ? " ✗ no order fits" : ""));
      if (bad) lab.style.color = "#cf222e";
      rk.appendChild(lab);
    }
    rk.insertAdjacentHTML("beforeend", `<span class="note">pick a key to see the order the check found: #n on each operation, the value after it on hover</span>`);
    bar.appendChild(rk);
  }
  const row2 = document.createElement("div");
  row2.className = "row";
  row2.innerHTML = "<b>Roles:</b>" + (HIST ? ["up", "down"] : ["follower", "pre-candidate", "candidate", "leader", "down"]).map((r) => `<span><span class="sw" style="background:${ROLE[r]}"></span>${r}</span>`).join("");
  for (const [k, name] of HIST ? [] : [["marks", "elections & commits"], ["apply", "applies"], ["ops", "client operations"]]) {
    const lab = document.createElement("label");
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.checked = show[k];
    cb.onchange = () => { show[k] = cb.checked; redraw(); };
    lab.appendChild(cb);
    lab.append(name);
    row2.appendChild(lab);
  }
  if (!HIST) bar.appendChild(row2);
  // the view: its buttons, how to move it, what the last draw did
  const rowV = HIST ? row2 : document.createElement("div");
  rowV.className = "row";
  if (!HIST) rowV.innerHTML = "<b>View:</b>";
  for (const [name, f] of [["fit", () => { view.a = D.start - span0 * 0.01; view.b = D.end + span0 * 0.01; }], ["zoom in", () => zoom(0.5, null)], ["zoom out", () => zoom(2, null)]]) {
    const bt = document.createElement("button");
    bt.textContent = name;
    bt.onclick = () => { f(); redraw(); };
    rowV.appendChild(bt);
  }
  const note = document.createElement("span");
  note.className = "note";
  note.textContent = HIST ? "drag to pan · wheel or + − to zoom · hover for details" : "drag to pan · wheel or + − to zoom · hover a lane: its state and why";
  rowV.appendChild(note);
  const stat = document.createElement("span");
  stat.className = "note";
  stat.id = "stat";
  rowV.appendChild(stat);
  bar.appendChild(rowV);
  const row3 = document.createElement("div");
  row3.className = "row";
  // the marks, each a glyph in its colour and a word: one row at a projector's width
  row3.innerHTML = "<b>Marks:</b>" + [["#0550ae", "▼ 7", "commit index"], ["#8250df", "◆", "configuration"], ["#bf8700", "●", "election timeout"],
    ["#d4399b", "✓", "vote"], ["#cf222e", "✗", "refused"], ["#6e7781", "|", "applied"], ["#cf222e", "✖", "crash"], ["#2e9e5b", "●", "restart"],
    ["#8250df", "▮", "snapshot"], ["#8250df", "●", "installed"]].map(([c, g, w]) => `<span><span style="color:${c}">${g}</span> ${w}</span>`).join("");
  if (!HIST) bar.appendChild(row3);

  // ---- canvas
  const cv = document.getElementById("canvas");
  const ctx = cv.getContext("2d");
  let W = 800;
  function resize() {
    layout();
    W = Math.max(400, document.documentElement.clientWidth);
    const dpr = window.devicePixelRatio || 1;
    cv.width = Math.round(W * dpr);
    cv.height = Math.round(HEIGHT * dpr);
    cv.style.width = W + "px";
    cv.style.height = HEIGHT + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  const X = (t) => GUTTER + ((t - view.a) / (view.b - view.a)) * (W - GUTTER - PAD);
  const T = (x) => view.a + ((x - GUTTER) / (W - GUTTER - PAD)) * (view.b - view.a);

  // fmtT formats a time in seconds with as many decimals as the zoom needs.
  function fmtT(t, step) {
    let d = 3;
    if (step !== undefined) d = Math.min(9, Math.max(0, Math.ceil(-Math.log10(step / 1e9) - 1e-9)));
    return (t / 1e9).toFixed(d) + " s";
  }
  function fmtDur(ns) {
    if (ns >= 1e9) return (ns / 1e9).toFixed(3) + " s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(3) + " ms";
    return (ns / 1e3).toFixed(3) + " µs";
  }

  // lower returns the first index i of the sorted array a with a[i] >= v.
  function lower(a, v) {
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (a[m] < v) lo = m + 1; else hi = m;
    }
    return lo;
  }
  // The longest flight of a message: visible messages are found from their send times.
  let maxFlight = 0;
  for (let i = 0; i < D.msgs.t0.length; i++) maxFlight = Math.max(maxFlight, D.msgs.t1[i] - D.msgs.t0[i]);
  // Points and ops by lane, each sorted by time.
  function byLane(cols, tkey) {
    const out = lanes.map(() => []);
    const net = [];
    for (let i = 0; i < cols[tkey].length; i++) (cols.lane[i] >= 0 ? out[cols.lane[i]] : net).push(i);
    return { lanes: out, net };
  }
  const ptsByLane = byLane(D.points, "t");
  const opsByLane = byLane(D.ops, "t0");
  const bandsByLane = byLane(D.bands, "t0");
  const shadesByLane = byLane(D.shades, "t0");
  const ptT = ptsByLane.lanes.map((ix) => ix.map((i) => D.points.t[i]));
  // What why said of each server over time: the newest at or before a time holds then.
  const whyByLane = byLane(D.why, "t");
  const whyT = whyByLane.lanes.map((ix) => ix.map((i) => D.why.t[i]));
  function whyAt(li, t) {
    const k = lower(whyT[li], t + 1) - 1;
    return k >= 0 ? whyByLane.lanes[li][k] : -1;
  }
  const opT = opsByLane.lanes.map((ix) => ix.map((i) => D.ops.t0[i]));
  let maxOp = 0;
  for (let i = 0; i < D.ops.t0.length; i++) maxOp = Math.max(maxOp, (D.ops.t1[i] < 0 ? D.end : D.ops.t1[i]) - D.ops.t0[i]);

  // More arrows in view than one per few pixels of width cannot be told
  // apart: draw how busy each lane is instead, until zoomed in.
  const msgLimit = () => Math.max(150, (W - GUTTER - PAD) / 3);
  let hits = []; // what the pointer can hover: {kind, i, ...geometry}
  let hover = null;
  let aggregated = false;

  function hatch(x0, y0, w, h, color) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y0, w, h);
    ctx.clip();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = x0 - h; x < x0 + w; x += 8) {
      ctx.moveTo(x, y0 + h);
      ctx.lineTo(x + h, y0);
    }
    ctx.stroke();
    ctx.restore();
  }

  function textFits(s, w) { return ctx.measureText(s).width + 8 <= w; }
  // fitText returns s, or as much of it as fits in w pixels with "…", or "".
  function fitText(s, w) {
    if (textFits(s, w)) return s;
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (textFits(s.slice(0, m) + "…", w)) lo = m; else hi = m - 1;
    }
    return lo >= 8 ? s.slice(0, lo) + "…" : "";
  }
  // haloText draws text with a white outline, readable over marks and hatching.
  function haloText(s, x, y) {
    ctx.save();
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.lineWidth = 3;
    ctx.lineJoin = "round";
    ctx.strokeText(s, x, y);
    ctx.restore();
    ctx.fillText(s, x, y);
  }

  // redraw draws at the next frame, once however many events asked for it
  // meanwhile (a wheel or a drag sends dozens a frame).
  let framePending = false;
  function redraw() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(() => { framePending = false; draw(); });
  }
  // work counts what each draw did, kept on the body (data-drawn) for the
  // browser tests: what a draw costs must follow what is in view, not the
  // size of the run.
  let work = null, draws = 0;

  function draw() {
    const start = performance.now();
    hits = [];
    draws++;
    work = { draws, view: [view.a, view.b], arrows: {}, bands: 0, points: 0, ops: 0, scanned: 0, bins: 0, aggregated: false };
    ctx.clearRect(0, 0, W, HEIGHT);
    ctx.font = "14px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const xa = GUTTER, xb = W - PAD;

    // lane backgrounds and names
    for (const l of lanes) {
      ctx.fillStyle = l.i % 2 ? "#fafbfc" : "#ffffff";
      ctx.fillRect(0, l.y, W, l.h);
      ctx.strokeStyle = "#e1e4e8";
      ctx.beginPath();
      ctx.moveTo(0, l.y + l.h + 0.5);
      ctx.lineTo(W, l.y + l.h + 0.5);
      ctx.stroke();
    }
    ctx.fillStyle = "#f6f8fa";
    ctx.fillRect(0, AXIS, W, NETH);

    ctx.save();
    ctx.beginPath();
    ctx.rect(xa, 0, xb - xa, HEIGHT);
    ctx.clip();

    // shades: partition groups and cut links, under everything
    for (const l of lanes) {
      for (const i of shadesByLane.lanes[l.i]) {
        const x0 = Math.max(X(D.shades.t0[i]), xa - 2), x1 = Math.min(X(D.shades.t1[i]), xb + 2);
        if (x1 < xa || x0 > xb) continue;
        const cut = D.shades.kind[i] === 1;
        ctx.fillStyle = cut ? "rgba(207,34,46,0.06)" : "rgba(154,103,0,0.08)";
        ctx.fillRect(x0, l.y + 1, x1 - x0, l.h - 2);
        hatch(x0, l.y + 1, x1 - x0, l.h - 2, cut ? "rgba(207,34,46,0.18)" : "rgba(154,103,0,0.18)");
        hits.push({ kind: "shade", i, x0, x1, y0: l.y, y1: l.y + l.h, pri: 1 });
      }
    }

    // network lane
    ctx.font = "13px system-ui, sans-serif";
    for (let i = 0; i < D.net.t0.length; i++) {
      const x0 = X(D.net.t0[i]), x1 = X(D.net.t1[i]);
      if (x1 < xa - 200 || x0 > xb) continue;
      const yy = AXIS + 5, hh = NETH - 10;
      const k = D.net.kind[i];
      if (k === 0) {
        ctx.fillStyle = "#f3d9a4";
        ctx.fillRect(x0, yy, Math.max(x1 - x0, 1), hh);
        ctx.fillStyle = "#5c3c00";
        const lx = Math.max(x0, xa) + 4;
        const lab = fitText(str(D.net.labelStr[i]), Math.min(x1, xb) - lx + 4);
        if (lab) ctx.fillText(lab, lx, yy + hh / 2);
        hits.push({ kind: "net", i, x0, x1, y0: yy, y1: yy + hh, pri: 1 });
      } else {
        ctx.strokeStyle = k === 3 ? "#2e9e5b" : "#1b7c83";
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x0, yy);
        ctx.lineTo(x0, yy + hh);
        ctx.stroke();
        ctx.lineWidth = 1;
        const lab = str(D.net.labelStr[i]);
        ctx.fillStyle = k === 3 ? "#1a6b3c" : "#0f5257";
        // a mark's label only if the next mark is far enough
        const next = i + 1 < D.net.t0.length ? X(D.net.t0[i + 1]) : xb + 1000;
        const fit = fitText(lab, next - x0);
        if (fit) ctx.fillText(fit, x0 + 4, yy + hh / 2);
        hits.push({ kind: "net", i, x0: x0 - 4, x1: x0 + 4, y0: yy, y1: yy + hh, pri: 2 });
      }
    }

    // role bands
    ctx.font = "bold 15px system-ui, sans-serif";
    const bandLabels = [];
    for (const l of lanes) {
      if (!l.server) continue;
      const by = l.by, bh = l.bh;
      for (const i of bandsByLane.lanes[l.i]) {
        const x0 = X(D.bands.t0[i]), x1 = X(D.bands.t1[i]);
        if (x1 < xa || x0 > xb) continue;
        const role = D.roles[D.bands.role[i]];
        const term = D.bands.term[i];
        ctx.fillStyle = (term % 2 ? ROLE_ALT : ROLE)[role];
        const w = Math.max(x1 - x0, 0.7);
        ctx.fillRect(x0, by, w, bh);
        if (role === "down") hatch(x0, by, w, bh, "rgba(255,255,255,0.35)");
        // a term boundary is a white line, so that two bands of one role read as two terms
        if (w > 3) {
          ctx.fillStyle = "#fff";
          ctx.fillRect(x0, by, 1, bh);
        }
        const label = role === "down" || role === "up" ? role : role === "unknown" ? "?" : `${role} t${term}`;
        const short = role === "down" || role === "up" ? role : role === "unknown" ? "?" : `${role[0].toUpperCase()}${term}`;
        const lx = Math.max(x0, xa) + 5, avail = Math.min(x1, xb) - lx;
        // labels go on after the arrows, so that no arrow crosses them out
        const bg = (term % 2 ? ROLE_ALT : ROLE)[role];
        if (role === "up") { /* the colour says it */ } else if (textFits(label, avail + 5)) bandLabels.push([label, lx, by + bh / 2 + 1, ROLE_TEXT[role], bg]);
        else if (textFits(short, avail + 5)) bandLabels.push([short, lx, by + bh / 2 + 1, ROLE_TEXT[role], bg]);
        // the whole height of the lane, over the partition's shade: its
        // tooltip says the state, the shade and why, at the time pointed at
        hits.push({ kind: "band", i, x0, x1, y0: l.y, y1: l.y + l.h, pri: 1.5 });
        work.bands++;
      }
    }

    // shade labels, on top of the bands
    ctx.font = "12px system-ui, sans-serif";
    for (const l of lanes) {
      for (const i of shadesByLane.lanes[l.i]) {
        const x0 = Math.max(X(D.shades.t0[i]), xa), x1 = Math.min(X(D.shades.t1[i]), xb);
        if (x1 - x0 < 20) continue;
        const lab = fitText(str(D.shades.labelStr[i]), x1 - x0);
        ctx.fillStyle = D.shades.kind[i] === 1 ? "#a40e26" : "#7a5200";
        const off = D.shades.kind[i] === 1 ? l.h - 9 : 10;
        if (lab) haloText(lab, x0 + 4, l.y + off);
      }
    }

    // The time each part takes is kept on the body (data-split, with
    // data-draw-ms and data-render-ms), to measure big runs in a headless browser.
    const tA = performance.now();
    // client operations
    if (show.ops) drawOps(xa, xb);
    const tB = performance.now();
    // points
    drawPoints(xa, xb);
    const tC = performance.now();
    // messages on top
    drawMsgs(xa, xb);
    const tD = performance.now();
    document.body.dataset.split = `pre ${(tA - start).toFixed(0)} ops ${(tB - tA).toFixed(0)} points ${(tC - tB).toFixed(0)} msgs ${(tD - tC).toFixed(0)}`;
    ctx.font = "bold 15px system-ui, sans-serif";
    for (const [text, x, yy, col, bg] of bandLabels) {
      ctx.save();
      ctx.strokeStyle = bg;
      ctx.lineWidth = 5;
      ctx.lineJoin = "round";
      ctx.strokeText(text, x, yy);
      ctx.restore();
      ctx.fillStyle = col;
      ctx.fillText(text, x, yy);
    }
    ctx.restore();

    // axis and lane names over everything
    drawAxis(xa, xb);
    ctx.font = "bold 17px system-ui, sans-serif";
    for (const l of lanes) {
      ctx.fillStyle = "#f6f8fa";
      ctx.fillRect(0, l.y, GUTTER - 6, l.h);
      ctx.fillStyle = l.server ? "#1b1f24" : "#6e4000";
      ctx.fillText(l.name, 10, l.y + l.h / 2);
    }
    ctx.fillStyle = "#57606a";
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillText("network", 10, AXIS + NETH / 2);
    const ms = performance.now() - start;
    document.getElementById("stat").textContent = `· drawn in ${ms.toFixed(0)} ms` + (aggregated ? " · zoomed out: how busy, not arrows" : "");
    document.body.dataset.drawMs = ms.toFixed(1);
    document.body.dataset.drawn = JSON.stringify(work);
    if (hover) drawHover();
  }

  function drawAxis(xa, xb) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, AXIS);
    ctx.strokeStyle = "#8c959f";
    ctx.beginPath();
    ctx.moveTo(xa, AXIS - 0.5);
    ctx.lineTo(xb, AXIS - 0.5);
    ctx.stroke();
    const span = view.b - view.a;
    const target = (span / (xb - xa)) * 130;
    let step = Math.pow(10, Math.floor(Math.log10(target)));
    for (const m of [1, 2, 5, 10]) if (step * m >= target) { step *= m; break; }
    ctx.font = "14px system-ui, sans-serif";
    ctx.fillStyle = "#24292f";
    ctx.textAlign = "center";
    for (let t = Math.ceil(view.a / step) * step; t <= view.b; t += step) {
      const x = X(t);
      if (x < xa || x > xb) continue;
      ctx.strokeStyle = "#8c959f";
      ctx.beginPath();
      ctx.moveTo(x + 0.5, AXIS - 7);
      ctx.lineTo(x + 0.5, AXIS);
      ctx.stroke();
      ctx.strokeStyle = "rgba(140,149,159,0.25)";
      ctx.beginPath();
      ctx.moveTo(x + 0.5, AXIS);
      ctx.lineTo(x + 0.5, HEIGHT - PAD);
      ctx.stroke();
      ctx.fillText(fmtT(t, step), x, 13);
    }
    ctx.textAlign = "left";
    ctx.fillStyle = "#57606a";
    ctx.fillText("time", 10, 13);
  }

  // opUnplaced says whether op i is one no order of its key could place
  // (its key is not linearizable, and the check could not fit it).
  function opUnplaced(i) {
    return D.ops.order.length > 0 && D.ops.order[i] === 0 && (D.badKeys || []).includes(str(D.ops.keyStr[i])) && str(D.ops.statusStr[i]) === "success";
  }

  function drawOps(xa, xb) {
    ctx.font = "13px system-ui, sans-serif";
    for (const l of lanes) {
      if (l.server) continue;
      const ix = opsByLane.lanes[l.i], ts = opT[l.i];
      let k = Math.max(0, lower(ts, view.a - maxOp));
      const y0 = l.by, h = l.bh;
      let lastX = -1e9;
      for (; k < ix.length; k++, work.scanned++) {
        const i = ix[k];
        const t0 = D.ops.t0[i];
        if (t0 > view.b) break;
        if (selKey >= 0 && D.ops.keyStr[i] !== selKey) continue;
        const done = D.ops.t1[i] >= 0;
        const t1 = done ? D.ops.t1[i] : D.end;
        if (t1 < view.a) continue;
        const x0 = X(t0), x1 = Math.max(X(t1), x0 + 2);
        const status = str(D.ops.statusStr[i]);
        const col = OPC[status] || "#6e7781";
        ctx.fillStyle = col;
        ctx.globalAlpha = done ? 0.9 : 0.5;
        ctx.fillRect(x0, y0, x1 - x0, h);
        ctx.globalAlpha = 1;
        if (x1 - x0 > 4) {
          // a white edge at the call, so that back-to-back operations stay apart
          ctx.fillStyle = "#fff";
          ctx.fillRect(x0, y0, 1.5, h);
        }
        if (!done) {
          ctx.setLineDash([4, 3]);
          ctx.strokeStyle = col;
          ctx.strokeRect(x0, y0, x1 - x0, h);
          ctx.setLineDash([]);
        }
        const unplaced = opUnplaced(i);
        if (unplaced) {
          ctx.strokeStyle = "#cf222e";
          ctx.lineWidth = 3;
          ctx.strokeRect(x0, y0, x1 - x0, h);
          ctx.lineWidth = 1;
        }
        hits.push({ kind: "op", i, x0: x0 - 1, x1: x1 + 1, y0, y1: y0 + h, pri: 2 });
        work.ops++;
        if (x1 - x0 > 30 && x0 > lastX) {
          const srv = D.ops.server[i] >= 0 ? " by " + lanes[D.ops.server[i]].name : "";
          const ord = selKey >= 0 && D.ops.order.length ? (D.ops.order[i] > 0 ? `#${D.ops.order[i]} ` : unplaced ? "✗ " : "") : "";
          const res = " → " + (status === "success" ? (str(D.ops.resultStr[i]) || "ok") : status);
          const lx = Math.max(x0, xa) + 4;
          const avail = Math.min(x1, xb) - lx;
          // the longest of these that fits: all of it, without the server, without the result
          let label = [ord + str(D.ops.textStr[i]) + res + srv, ord + str(D.ops.textStr[i]) + res, ord + str(D.ops.textStr[i])].find((l) => textFits(l, avail + 4));
          if (label === undefined) label = fitText(ord + str(D.ops.textStr[i]), avail + 4) || ord;
          if (textFits(label, avail + 4)) {
            ctx.fillStyle = "#fff";
            ctx.fillText(label, lx, y0 + h / 2 + 1);
            lastX = lx + ctx.measureText(label).width;
          }
        }
      }
    }
  }

  // Point glyphs: where on the lane and how they look.
  const PT = {
    commit: { dy: 12, col: "#0550ae", shape: "tri" },
    apply: { dy: 52, col: "#6e7781", shape: "tick" },
    config: { dy: 12, col: "#8250df", shape: "diamond" },
    timeout: { dy: 52, col: "#bf8700", shape: "circle" },
    vote: { dy: 52, col: "#d4399b", shape: "check" },
    "vote-refused": { dy: 52, col: "#cf222e", shape: "x" },
    "step-down": { dy: 52, col: "#57606a", shape: "down" },
    append: { dy: 52, col: "#1f6feb", shape: "tick" },
    "append-rejected": { dy: 52, col: "#cf222e", shape: "x" },
    truncate: { dy: 52, col: "#cf222e", shape: "bar" },
    read: { dy: 52, col: "#1b7c83", shape: "circle" },
    "catch-up": { dy: 12, col: "#1b7c83", shape: "diamond" },
    crash: { dy: 32, col: "#cf222e", shape: "bigx" },
    restart: { dy: 32, col: "#2e9e5b", shape: "circle" },
    violation: { dy: 32, col: "#cf222e", shape: "vline" },
    snapshot: { dy: 32, col: "#8250df", shape: "bar" },
    "snapshot-installed": { dy: 32, col: "#8250df", shape: "circle" },
    other: { dy: 52, col: "#57606a", shape: "tick" },
  };
  const HIDE_WITH_MARKS = new Set(["timeout", "vote", "vote-refused", "step-down", "append", "append-rejected", "truncate", "read", "catch-up", "commit", "config"]);

  function glyph(shape, x, y, col) {
    ctx.fillStyle = col;
    ctx.strokeStyle = col;
    ctx.lineWidth = 2;
    ctx.beginPath();
    switch (shape) {
      case "tri": ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y - 5); ctx.lineTo(x, y + 3); ctx.closePath(); ctx.fill(); break;
      case "diamond": ctx.moveTo(x, y - 6); ctx.lineTo(x + 6, y); ctx.lineTo(x, y + 6); ctx.lineTo(x - 6, y); ctx.closePath(); ctx.fill(); break;
      case "circle": ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill(); break;
      case "check": ctx.moveTo(x - 4, y); ctx.lineTo(x - 1, y + 4); ctx.lineTo(x + 5, y - 5); ctx.stroke(); break;
      case "x": ctx.moveTo(x - 4, y - 4); ctx.lineTo(x + 4, y + 4); ctx.moveTo(x + 4, y - 4); ctx.lineTo(x - 4, y + 4); ctx.stroke(); break;
      case "bigx": ctx.lineWidth = 3; ctx.moveTo(x - 7, y - 7); ctx.lineTo(x + 7, y + 7); ctx.moveTo(x + 7, y - 7); ctx.lineTo(x - 7, y + 7); ctx.stroke(); break;
      case "down": ctx.moveTo(x - 4, y - 3); ctx.lineTo(x + 4, y - 3); ctx.lineTo(x, y + 4); ctx.closePath(); ctx.fill(); break;
      case "bar": ctx.fillRect(x - 1.5, y - 6, 3, 12); break;
      case "tick": ctx.lineWidth = 1.5; ctx.moveTo(x, y - 4); ctx.lineTo(x, y + 4); ctx.stroke(); break;
    }
    ctx.lineWidth = 1;
  }

  function drawPoints(xa, xb) {
    ctx.font = "12px system-ui, sans-serif";
    for (const l of lanes) {
      const ix = ptsByLane.lanes[l.i], ts = ptT[l.i];
      let k = lower(ts, view.a);
      const lastX = {};
      let lastLabel = -1e9;
      const labels = []; // drawn after the glyphs, so that none covers them
      for (; k < ix.length; k++, work.scanned++) {
        const i = ix[k];
        const t = D.points.t[i];
        if (t > view.b) break;
        const kind = D.markKinds[D.points.kind[i]];
        if (kind === "apply" && !show.apply) continue;
        if (HIDE_WITH_MARKS.has(kind) && !show.marks) continue;
        const p = PT[kind] || PT.other;
        const x = X(t);
        if (x < xa - 10 || x > xb + 10) continue;
        // at most one glyph of a kind per 3 pixels: zoomed out, they merge
        if (lastX[kind] !== undefined && x - lastX[kind] < 3) continue;
        lastX[kind] = x;
        const yy = !l.server ? l.y + l.h / 2 : p.dy < 20 ? l.by - 10 : p.dy > 40 ? l.by + l.bh + 10 : l.by + l.bh / 2;
        if (p.shape === "vline") {
          ctx.fillStyle = p.col;
          ctx.fillRect(x - 1, l.y, 3, l.h);
          ctx.fillText("violation", x + 4, l.y + 8);
        } else glyph(p.shape, x, yy, p.col);
        if ((kind === "commit" || kind === "config") && x - lastLabel > 12) {
          const lab = kind === "commit" ? "" + D.points.v[i] : "cfg";
          labels.push([lab, x + 7, yy - 1, p.col]);
          lastLabel = x + 7 + ctx.measureText(lab).width + 30;
        }
        hits.push({ kind: "point", i, x0: x - 6, x1: x + 6, y0: yy - 7, y1: yy + 7, pri: 3 });
        work.points++;
      }
      for (const [lab, x, yy, col] of labels) {
        ctx.fillStyle = col;
        haloText(lab, x, yy);
      }
    }
  }

  function visibleMsg(i) {
    return filt[D.cats[D.msgs.cat[i]]];
  }

  function drawMsgs(xa, xb) {
    const M = D.msgs;
    const from = lower(M.t0, view.a - maxFlight), to = lower(M.t0, view.b + 1);
    let n = 0;
    work.scanned += to - from;
    for (let i = from; i < to; i++) if (M.t1[i] >= view.a && visibleMsg(i) && M.from[i] >= 0 && M.to[i] >= 0) n++;
    aggregated = n > msgLimit();
    work.aggregated = aggregated;
    if (aggregated) return drawDensity(from, to, xa, xb);
    for (let i = from; i < to; i++) {
      if (M.t1[i] < view.a || !visibleMsg(i) || M.from[i] < 0 || M.to[i] < 0) continue;
      drawArrow(i, false);
    }
  }

  function arrowGeom(i) {
    const M = D.msgs;
    const x0 = X(M.t0[i]), y0 = edge(M.from[i], M.to[i]);
    let x1 = X(M.t1[i]), y1 = edge(M.to[i], M.from[i]);
    if (M.flags[i] & 1 && M.t1[i] === M.t0[i]) {
      // lost at once: a short stub toward the receiver
      const dy = y1 - y0;
      x1 = x0 + 14;
      y1 = y0 + Math.sign(dy) * Math.min(Math.abs(dy) * 0.35, 22);
    }
    return { x0, y0, x1, y1 };
  }

  function drawArrow(i, hi) {
    const M = D.msgs;
    const f = M.flags[i];
    const g = arrowGeom(i);
    const col = CAT[D.cats[M.cat[i]]] || CAT.other;
    ctx.strokeStyle = hi ? "#000" : col;
    ctx.fillStyle = hi ? "#000" : col;
    ctx.lineWidth = hi ? 3 : D.cats[M.cat[i]] === "heartbeats" ? 1 : 1.6;
    if (f & 2) ctx.setLineDash([6, 4]);
    else if (f & 1) ctx.setLineDash([2, 3]);
    if (f & 32) ctx.setLineDash([1, 3]);
    ctx.beginPath();
    ctx.moveTo(g.x0, g.y0);
    ctx.lineTo(g.x1, g.y1);
    ctx.stroke();
    ctx.setLineDash([]);
    const ang = Math.atan2(g.y1 - g.y0, g.x1 - g.x0);
    if (f & 1) {
      ctx.strokeStyle = LOST;
      ctx.lineWidth = hi ? 3.5 : 2.5;
      ctx.beginPath();
      ctx.moveTo(g.x1 - 5, g.y1 - 5); ctx.lineTo(g.x1 + 5, g.y1 + 5);
      ctx.moveTo(g.x1 + 5, g.y1 - 5); ctx.lineTo(g.x1 - 5, g.y1 + 5);
      ctx.stroke();
    } else if (!(f & 32)) {
      const len = Math.hypot(g.x1 - g.x0, g.y1 - g.y0);
      const ah = Math.min(9, len / 2);
      ctx.beginPath();
      ctx.moveTo(g.x1, g.y1);
      ctx.lineTo(g.x1 - ah * Math.cos(ang - 0.4), g.y1 - ah * Math.sin(ang - 0.4));
      ctx.lineTo(g.x1 - ah * Math.cos(ang + 0.4), g.y1 - ah * Math.sin(ang + 0.4));
      ctx.closePath();
      ctx.fill();
    }
    if (f & 4 && !hi) {
      ctx.fillStyle = LOST;
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.fillText("✗", g.x1 + 3, g.y1 + (g.y1 > g.y0 ? -8 : 8));
    }
    ctx.lineWidth = 1;
    if (!hi) {
      hits.push({ kind: "msg", i, ...g, pri: 4 });
      const c = D.cats[M.cat[i]];
      work.arrows[c] = (work.arrows[c] || 0) + 1;
    }
  }

  // drawDensity draws, zoomed out, how many messages each lane sent per
  // few pixels: one strip per lane, darker where busier, lost ones in red.
  function drawDensity(from, to, xa, xb) {
    const M = D.msgs;
    const BIN = 3;
    const nb = Math.ceil((xb - xa) / BIN) + 1;
    const sent = lanes.map(() => new Float64Array(nb));
    const lostB = lanes.map(() => new Float64Array(nb));
    let top = 1;
    for (let i = from; i < to; i++) {
      if (M.t1[i] < view.a || !visibleMsg(i) || M.from[i] < 0) continue;
      const b = Math.floor((X(M.t0[i]) - xa) / BIN);
      if (b < 0 || b >= nb) continue;
      const l = M.from[i];
      sent[l][b]++;
      if (M.flags[i] & 1) lostB[l][b]++;
      if (sent[l][b] > top) top = sent[l][b];
    }
    for (const l of lanes) {
      // at the bottom of the lane, under the marks: busy = dark blue, and
      // a red line under the bins where messages were lost
      const hh = l.server ? 10 : 5, yb = l.y + l.h - hh - 5;
      for (let b = 0; b < nb; b++) {
        const c = sent[l.i][b];
        if (!c) continue;
        work.bins++;
        ctx.fillStyle = `rgba(31,111,235,${0.15 + 0.85 * Math.sqrt(c / top)})`;
        ctx.fillRect(xa + b * BIN, yb, BIN, hh);
        if (lostB[l.i][b]) {
          ctx.fillStyle = `rgba(207,34,46,${0.4 + 0.6 * Math.min(1, lostB[l.i][b] / c * 4)})`;
          ctx.fillRect(xa + b * BIN, yb + hh + 1, BIN, 3);
        }
      }
    }
  }

  // ---- hover
  const tip = document.getElementById("tip");
  function describe(h, at) {
    const M = D.msgs;
    switch (h.kind) {
      case "msg": {
        const i = h.i, f = M.flags[i];
        let s = str(M.textStr[i]) + "\n";
        if (f & 16) s += `sent before the trace starts`;
        else s += `sent at ${fmtT(M.t0[i], 1000)}`;
        if (f & 1) s += `, lost at ${fmtT(M.t1[i], 1000)} (${str(M.whyStr[i])})`;
        else if (f & 32) s += `, still in flight at the end`;
        else s += `, arrived at ${fmtT(M.t1[i], 1000)} (after ${fmtDur(M.t1[i] - M.t0[i])})`;
        if (f & 2) s += "\na duplicate made by the network";
        if (f & 8) s += "\nlate: it answers an earlier attempt, the client ignores it";
        return s;
      }
      case "band": {
        const i = h.i, role = D.roles[D.bands.role[i]], ln = lanes[D.bands.lane[i]].name;
        const t0 = D.bands.t0[i], t1 = D.bands.t1[i];
        let s = role === "down" || role === "up" ? `${ln} is ${role}` : role === "unknown" ? `${ln}: role not known (older events are no longer kept)` : `${ln} is ${role} in term ${D.bands.term[i]}`;
        if (D.bands.lead[i] >= 0) s += `, following ${lanes[D.bands.lead[i]].name}`;
        s += `\nfrom ${fmtT(t0, 1000)} to ${fmtT(t1, 1000)} (${fmtDur(t1 - t0)})`;
        const li = D.bands.lane[i];
        if (at === undefined) at = t0;
        for (const j of shadesByLane.lanes[li]) if (D.shades.t0[j] <= at && at <= D.shades.t1[j]) s += "\n" + str(D.shades.textStr[j]);
        const w = whyAt(li, Math.min(Math.max(at, t0), t1));
        if (w >= 0) s += `\n\nwhy, as of ${fmtT(D.why.t[w], 1000)}:\n${str(D.why.textStr[w])}`;
        else if (lanes[li].now) s += "\n" + lanes[li].now;
        return s;
      }
      case "point": return `${str(D.points.textStr[h.i])}\nat ${fmtT(D.points.t[h.i], 1000)}`;
      case "op": {
        const O = D.ops, i = h.i, done = O.t1[i] >= 0;
        let s = `${lanes[O.lane[i]].name}, seq ${O.seq[i]}: ${str(O.textStr[i])}\ncalled at ${fmtT(O.t0[i], 1000)}`;
        if (done) s += `, returned at ${fmtT(O.t1[i], 1000)} (${fmtDur(O.t1[i] - O.t0[i])})\nstatus ${str(O.statusStr[i])}` + (str(O.resultStr[i]) ? `, result ${str(O.resultStr[i])}` : "");
        else s += "\nno answer yet";
        if (O.server[i] >= 0) s += `, answered by ${lanes[O.server[i]].name}`;
        if (O.order.length) {
          const key = str(O.keyStr[i]);
          if (O.order[i] > 0) s += `\nlinearized as #${O.order[i]} of key ${key}; ${key} is ${str(O.stateStr[i])} after it`;
          else if (opUnplaced(i)) s += `\nno order of key ${key}'s operations can place it: the history breaks here`;
          else if (!done || str(O.statusStr[i]) !== "success") s += "\nwithout a success reply: a write may or may not have taken effect, a read tells nothing";
        }
        return s;
      }
      case "shade": return str(D.shades.textStr[h.i]);
      case "net": return str(D.net.textStr[h.i]);
    }
    return "";
  }
  function segDist(px, py, g) {
    const dx = g.x1 - g.x0, dy = g.y1 - g.y0;
    const L = dx * dx + dy * dy;
    let u = L ? ((px - g.x0) * dx + (py - g.y0) * dy) / L : 0;
    u = Math.max(0, Math.min(1, u));
    return Math.hypot(px - (g.x0 + u * dx), py - (g.y0 + u * dy));
  }
  function pick(px, py) {
    let best = null, bd = 1e9;
    for (const h of hits) {
      let d;
      if (h.kind === "msg") {
        d = segDist(px, py, h);
        if (d > 5) continue;
        d -= 10; // arrows win over what they cross
      } else {
        if (px < h.x0 || px > h.x1 || py < h.y0 || py > h.y1) continue;
        d = 10 - h.pri * 3;
      }
      if (d < bd) { bd = d; best = h; }
    }
    return best;
  }
  function drawHover() {
    if (hover.kind === "msg") {
      ctx.save();
      ctx.beginPath();
      ctx.rect(GUTTER, AXIS, W - GUTTER - PAD, HEIGHT);
      ctx.clip();
      drawArrow(hover.i, true);
      ctx.restore();
    } else {
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.strokeRect(hover.x0, hover.y0, Math.max(hover.x1 - hover.x0, 2), hover.y1 - hover.y0);
      ctx.lineWidth = 1;
    }
  }

  // ---- interaction
  function zoom(f, cx) {
    const c = cx === null ? (view.a + view.b) / 2 : T(cx);
    let a = c - (c - view.a) * f, b = c + (view.b - c) * f;
    if (b - a < MINSPAN) { a = c - MINSPAN / 2; b = c + MINSPAN / 2; }
    const maxSpan = span0 * 1.5;
    if (b - a > maxSpan) { a = c - maxSpan / 2; b = c + maxSpan / 2; }
    view.a = a; view.b = b;
  }
  let drag = null;
  cv.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = cv.getBoundingClientRect();
    zoom(Math.pow(1.0015, e.deltaY), e.clientX - r.left);
    redraw();
  }, { passive: false });
  cv.addEventListener("mousedown", (e) => { drag = { x: e.clientX, a: view.a, b: view.b }; cv.classList.add("drag"); });
  window.addEventListener("mouseup", () => { drag = null; cv.classList.remove("drag"); });
  cv.addEventListener("dblclick", (e) => { const r = cv.getBoundingClientRect(); zoom(e.shiftKey ? 2 : 0.5, e.clientX - r.left); redraw(); });
  window.addEventListener("mousemove", (e) => {
    const r = cv.getBoundingClientRect();
    if (drag) {
      const dt = ((e.clientX - drag.x) / (W - GUTTER - PAD)) * (drag.b - drag.a);
      view.a = drag.a - dt; view.b = drag.b - dt;
      tip.style.display = "none";
      redraw();
      return;
    }
    const px = e.clientX - r.left, py = e.clientY - r.top;
    const h = px >= GUTTER && py >= 0 && py <= HEIGHT ? pick(px, py) : null;
    if (h !== hover) { hover = h; redraw(); }
    if (h) {
      tip.textContent = describe(h, T(px));
      tip.style.display = "block";
      const tw = tip.offsetWidth, th = tip.offsetHeight;
      let tx = e.clientX + 16, ty = e.clientY + 16;
      if (tx + tw > window.innerWidth - 8) tx = e.clientX - tw - 16;
      if (ty + th > window.innerHeight - 8) ty = e.clientY - th - 16;
      tip.style.left = tx + "px";
      tip.style.top = ty + "px";
    } else tip.style.display = "none";
  });
  window.addEventListener("keydown", (e) => {
    if (e.key === "+" || e.key === "=") zoom(0.5, null);
    else if (e.key === "-") zoom(2, null);
    else if (e.key === "ArrowLeft") { const d = (view.b - view.a) * 0.2; view.a -= d; view.b -= d; }
    else if (e.key === "ArrowRight") { const d = (view.b - view.a) * 0.2; view.a += d; view.b += d; }
    else return;
    redraw();
  });
  window.addEventListener("resize", () => { resize(); redraw(); });

  // A URL fragment #t=A,B (seconds) opens the page on that window.
  const m = /t=([\d.]+),([\d.]+)/.exec(location.hash);
  if (m) { view.a = parseFloat(m[1]) * 1e9; view.b = parseFloat(m[2]) * 1e9; }
  resize();
  draw();
  if (/selftest/.test(location.hash)) {
    // #selftest: word every hoverable thing once and keep one of each kind
    // on the body, so that a headless browser can check the tooltips.
    let n = 0, errors = 0;
    const samples = {};
    for (const h of hits) {
      try {
        const text = describe(h);
        if (!text) errors++;
        if (!(h.kind in samples)) samples[h.kind] = text;
        n++;
      } catch (e) {
        errors++;
        samples.error = String(e);
      }
    }
    document.body.dataset.selftest = JSON.stringify({ n, errors, samples });
  }
  document.body.dataset.renderMs = (performance.now() - t0Render).toFixed(1);
})();
