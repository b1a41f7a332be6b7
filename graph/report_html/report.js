/* The provenance report's own script: views, sortable tables, and the outlet network drawn
   with sigma.js from the positions computed in Python. Text from the data is only ever set
   with textContent (never innerHTML), so nothing crawled can become markup. */
(function () {
  "use strict";
  var report = (window.provenanceReport = { ready: false, shown: null, timings: {} });
  var t0 = performance.now();
  function lap(name) { report.timings[name] = Math.round(performance.now() - t0); }
  report.timings["script started (since navigation)"] = Math.round(t0);
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined && content !== null) e.textContent = String(content);
    if (cls) e.className = cls;
    return e;
  }

  /* Views ------------------------------------------------------------------------------ */
  var tabs = Array.prototype.slice.call(document.querySelectorAll("#tabs button"));
  function show(view) {
    tabs.forEach(function (b) { b.setAttribute("aria-selected", String(b.dataset.view === view)); });
    document.querySelectorAll("section.view").forEach(function (s) { s.hidden = s.id !== "view-" + view; });
    report.view = view;
    if (view === "network" && report.renderer) { report.renderer.resize(); report.renderer.refresh(); }
  }
  tabs.forEach(function (b) { b.addEventListener("click", function () { show(b.dataset.view); }); });
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest('a[href^="#story-"]');
    if (a) show("stories");
  });
  show(/^#story-/.test(location.hash) ? "stories" : "network");

  /* Sortable tables ---------------------------------------------------------------------- */
  function sortTable(table, col, th) {
    var desc = th.getAttribute("aria-sort") !== "descending";
    table.tHead.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    var body = table.tBodies[0];
    var keyed = Array.prototype.map.call(body.rows, function (r) {
      var c = r.cells[col], v = c.dataset.v;
      return [v === undefined ? c.textContent.toLowerCase() : (v === "" ? null : Number(v)), r];
    });
    keyed.sort(function (a, b) {
      if (a[0] === b[0]) return 0;
      if (a[0] === null) return 1;  // unknown values last, whatever the order
      if (b[0] === null) return -1;
      var cmp = a[0] < b[0] ? -1 : 1;
      return desc ? -cmp : cmp;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (k) { frag.appendChild(k[1]); });
    body.appendChild(frag);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.tHead.querySelectorAll("th").forEach(function (th, col) {
      th.addEventListener("click", function () { sortTable(table, col, th); });
    });
  });

  /* The outlet network ------------------------------------------------------------------- */
  lap("views and tables wired");
  var data = JSON.parse($("graph-data").textContent);
  lap("data parsed");
  var N = data.nodes, E = data.edges;
  var n = N.id.length, m = E.s.length;
  var ARROWS_UP_TO = 20000;
  var CREDITED = "#9db4c8", UNCREDITED = "#e0605a", DIM = "#e6e6ea";

  var graph = new graphology.Graph({ type: "directed", multi: false, allowSelfLoops: false });
  var i;
  for (i = 0; i < n; i++) {
    graph.addNode(String(i), { x: N.x[i], y: N.y[i], size: N.size[i], color: N.color[i], label: N.id[i], i: i });
  }
  for (i = 0; i < m; i++) {
    graph.addDirectedEdgeWithKey(String(i), String(E.s[i]), String(E.t[i]), {
      size: Math.min(0.6 + Math.log2(E.w[i]), 6),
      color: E.un[i] > E.cr[i] ? UNCREDITED : CREDITED,
      i: i
    });
  }
  lap("graph built");
  var edgeShown = new Uint8Array(m), nodeShown = new Uint8Array(n), nodeMatch = new Uint8Array(n);
  var state = { minWeight: 1, credited: true, uncredited: true, minConf: 0, from: null, to: null,
                query: "", selected: null };

  function dayOf(value) {  // "YYYY-MM-DD" -> days since 1970-01-01, as in the data
    return value ? Math.floor(Date.parse(value + "T00:00:00Z") / 86400000) : null;
  }

  function passes(k) {
    if (E.w[k] < state.minWeight) return false;
    if (!((state.credited && E.cr[k] > 0) || (state.uncredited && E.un[k] > 0))) return false;
    if (E.conf[k] < state.minConf) return false;
    if (state.from !== null && (E.d1[k] === null || E.d1[k] < state.from)) return false;
    if (state.to !== null && (E.d0[k] === null || E.d0[k] > state.to)) return false;
    return true;
  }

  function recompute() {
    var sel = state.selected, k, shownEdges = 0, shownNodes = 0, matches = 0;
    nodeShown.fill(sel === null ? 1 : 0);
    if (sel !== null) nodeShown[sel] = 1;
    for (k = 0; k < m; k++) {
      var ok = passes(k) && (sel === null || E.s[k] === sel || E.t[k] === sel);
      edgeShown[k] = ok ? 1 : 0;
      if (ok) {
        shownEdges++;
        if (sel !== null) { nodeShown[E.s[k]] = 1; nodeShown[E.t[k]] = 1; }
      }
    }
    var q = state.query;
    for (k = 0; k < n; k++) {
      shownNodes += nodeShown[k];
      nodeMatch[k] = q && N.id[k].toLowerCase().indexOf(q) !== -1 ? 1 : 0;
      matches += nodeMatch[k];
    }
    report.shown = { nodes: shownNodes, edges: shownEdges, matches: q ? matches : null };
    $("status").textContent = shownNodes + " of " + n + " outlets and " + shownEdges + " of " + m +
      " links shown" + (q ? "; " + matches + " outlets match \u201c" + q + "\u201d" : "") +
      (sel !== null ? "; ego view of " + N.id[sel] : "");
    if (report.renderer) report.renderer.refresh();
  }

  function nodeReducer(key, attrs) {
    var k = attrs.i;
    if (!nodeShown[k]) return Object.assign({}, attrs, { hidden: true });
    if (state.query && !nodeMatch[k]) return Object.assign({}, attrs, { color: DIM, label: "" });
    if (state.query || k === state.selected) return Object.assign({}, attrs, { highlighted: true, forceLabel: true });
    if (state.selected !== null) return Object.assign({}, attrs, { forceLabel: true });
    return attrs;
  }
  function edgeReducer(key, attrs) {
    return edgeShown[attrs.i] ? attrs : Object.assign({}, attrs, { hidden: true });
  }

  /* Ego view ------------------------------------------------------------------------------ */
  var COLUMNS = ["articles", "originated", "copied", "copies", "pagerank", "uncredited_rate",
                 "laundered", "median_lag_hours", "community"];
  function fmt(v) {
    if (v === null || v === undefined) return "\u2013";
    return typeof v === "number" && !Number.isInteger(v) ? v.toFixed(v < 1 ? 4 : 1) : String(v);
  }
  function fill(list, items) {
    list.replaceChildren();
    items.forEach(function (t) { list.appendChild(el("li", t)); });
    if (!items.length) list.appendChild(el("li", "none", "muted"));
  }
  function credit(k) { return E.cr[k] + " credited, " + E.un[k] + " uncredited"; }
  function articles(w) { return w + (w === 1 ? " article" : " articles"); }

  function select(k) {
    state.selected = k;
    var panel = $("ego");
    document.querySelectorAll("#outlet-table tr.selected").forEach(function (r) { r.classList.remove("selected"); });
    if (k === null) { panel.hidden = true; recompute(); return; }
    $("ego-name").textContent = N.id[k];
    var body = $("ego-row").tBodies[0];
    body.replaceChildren();
    COLUMNS.forEach(function (c) {
      var tr = el("tr");
      tr.appendChild(el("td", c.replace(/_/g, " ")));
      tr.appendChild(el("td", fmt(N[c][k]), "num"));
      body.appendChild(tr);
    });
    var out = [], inc = [], e;
    for (e = 0; e < m; e++) {
      if (E.s[e] === k) out.push(e);
      else if (E.t[e] === k) inc.push(e);
    }
    var byWeight = function (a, b) { return E.w[b] - E.w[a]; };
    fill($("ego-sources"), out.sort(byWeight).slice(0, 20).map(function (e) {
      return N.id[E.t[e]] + ": " + articles(E.w[e]) + " (" + credit(e) + ")";
    }));
    fill($("ego-copiers"), inc.sort(byWeight).slice(0, 20).map(function (e) {
      return N.id[E.s[e]] + ": " + articles(E.w[e]) + " (" + credit(e) + ")";
    }));
    fill($("ego-lags"), out.filter(function (e) { return E.lag[e] !== null; })
      .sort(function (a, b) { return E.lag[a] - E.lag[b]; }).slice(0, 5)
      .map(function (e) { return N.id[E.t[e]] + ": " + fmt(E.lag[e]) + " h after it"; }));
    panel.hidden = false;
    var row = document.querySelector('#outlet-table tr[data-outlet="' + CSS.escape(N.id[k]) + '"]');
    if (row) row.classList.add("selected");
    recompute();
    fitShown();
  }

  /* Move the camera onto the nodes shown (camera coordinates are those of the node
     display data, the whole graph spanning about 0..1 at ratio 1). */
  function fitShown() {
    var r = report.renderer;
    if (!r) return;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var k = 0; k < n; k++) {
      if (!nodeShown[k]) continue;
      var d = r.getNodeDisplayData(String(k));
      if (!d) continue;
      x0 = Math.min(x0, d.x); x1 = Math.max(x1, d.x); y0 = Math.min(y0, d.y); y1 = Math.max(y1, d.y);
    }
    if (x0 === Infinity) return;
    var ratio = Math.min(1.2, Math.max(0.12, 1.3 * Math.max(x1 - x0, y1 - y0)));
    r.getCamera().animate({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, ratio: ratio }, { duration: 300 });
  }
  report.select = function (name) { var k = N.id.indexOf(name); select(k === -1 ? null : k); };
  $("ego-close").addEventListener("click", function () { select(null); });

  /* Controls ------------------------------------------------------------------------------ */
  function readFilters() {
    state.minWeight = Math.max(1, Number($("min-weight").value) || 1);
    state.credited = $("show-credited").checked;
    state.uncredited = $("show-uncredited").checked;
    state.minConf = Number($("min-confidence").value) || 0;
    state.from = dayOf($("date-from").value);
    state.to = dayOf($("date-to").value);
    recompute();
  }
  ["min-weight", "show-credited", "show-uncredited", "min-confidence", "date-from", "date-to"]
    .forEach(function (id) { $(id).addEventListener("input", readFilters); $(id).addEventListener("change", readFilters); });

  function listMatches() {
    var list = $("matches");
    list.replaceChildren();
    if (!state.query) return;
    var shown = 0;
    for (var k = 0; k < n && shown < 12; k++) {
      if (!nodeMatch[k]) continue;
      shown++;
      var b = el("button", N.id[k]);
      b.type = "button";
      b.dataset.node = String(k);
      b.addEventListener("click", (function (kk) { return function () { select(kk); }; })(k));
      var li = el("li");
      li.appendChild(b);
      list.appendChild(li);
    }
  }
  $("search").addEventListener("input", function () {
    state.query = this.value.trim().toLowerCase();
    recompute();
    listMatches();
  });
  $("search").addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") return;
    var exact = N.id.indexOf(this.value.trim());
    var first = exact !== -1 ? exact : nodeMatch.indexOf(1);
    if (first !== -1) select(first);
  });
  $("reset").addEventListener("click", function () {
    $("min-weight").value = "1"; $("min-confidence").value = "0";
    $("show-credited").checked = true; $("show-uncredited").checked = true;
    $("date-from").value = ""; $("date-to").value = ""; $("search").value = "";
    state.query = "";
    listMatches();
    select(null);
    readFilters();
    if (report.renderer) report.renderer.getCamera().animatedReset({ duration: 300 });
  });

  /* PNG export: the layers of the current view onto one canvas (drawn right after a
     synchronous render, while the WebGL buffers still hold the frame). */
  $("export-png").addEventListener("click", function () {
    var r = report.renderer;
    r.refresh();
    var layers = r.getCanvases(), first = layers.edges || layers.nodes;
    var out = document.createElement("canvas");
    out.width = first.width; out.height = first.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    Object.keys(layers).forEach(function (name) {
      if (name !== "mouse") ctx.drawImage(layers[name], 0, 0, out.width, out.height);
    });
    out.toBlob(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "provenance-network.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 5000);
    }, "image/png");
  });

  recompute();
  var renderer = new Sigma(graph, $("graph"), {
    nodeReducer: nodeReducer,
    edgeReducer: edgeReducer,
    // Arrow heads are unreadable in a dense graph, and drawing links as rectangles costs
    // most of the time in a software-rendered WebGL: above ARROWS_UP_TO links, one-pixel
    // GL lines (sigma's EdgeLineProgram) for every link type.
    defaultEdgeType: m > ARROWS_UP_TO ? "line" : "arrow",
    edgeProgramClasses: m > ARROWS_UP_TO
      ? { arrow: Sigma.rendering.EdgeLineProgram, line: Sigma.rendering.EdgeLineProgram }
      : {},
    labelRenderedSizeThreshold: 9,
    zIndex: false,
    allowInvalidContainer: true,
    minCameraRatio: 0.02,
    maxCameraRatio: 4
  });
  lap("first render");
  report.renderer = renderer;
  report.graph = graph;
  renderer.on("clickNode", function (ev) { select(graph.getNodeAttribute(ev.node, "i")); });
  // No recompute() here: the state was computed before the renderer drew its first frame,
  // and a refresh would process and draw every link a second time.
  lap("ready");
  report.ready = true;
  document.body.dataset.ready = "1";
})();
