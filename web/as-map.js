/* SPDX-License-Identifier: MIT */
"use strict";
/* asMapStart(D, hooks): draws the map of the page data D (see
   tools/common/mappage.h) into the page's elements and returns its API.
   hooks (all optional): play(j) plays entry j instead of the <audio>
   element's src = D.src[j]; select(j) is told of each entry clicked. */
/* asPlayable(player, name): whether the <audio> element player plays a
   file of that name's format (no browser but Safari plays AIFF, for
   one); a format the name does not tell is tried. asUnplayable(name):
   what to say of one it cannot play. The dashboard asks them of results
   that are not on its map (another shard's) too. */
(function () {
  var types = {
    wav: "audio/wav", wave: "audio/wav", flac: "audio/flac", mp3: "audio/mpeg",
    ogg: "audio/ogg", oga: "audio/ogg", opus: "audio/ogg; codecs=opus",
    aif: "audio/aiff", aiff: "audio/aiff", aifc: "audio/aiff",
    caf: "audio/x-caf", au: "audio/basic"
  };
  function extOf(name) {
    var s = String(name).replace(/\/+$/, "");
    s = s.slice(s.lastIndexOf("/") + 1);
    var dot = s.lastIndexOf(".");
    return dot > 0 ? s.slice(dot + 1).toLowerCase() : "";
  }
  window.asPlayable = function (player, name) {
    var t = types[extOf(name)];
    return !t || player.canPlayType(t) !== "";
  };
  window.asUnplayable = function (name) {
    var e = extOf(name);
    return (e.slice(0, 3) === "aif" ? "AIFF" : e.toUpperCase()) +
      ": this browser cannot play it";
  };
})();

window.asMapStart = function (D, hooks) {
  hooks = hooks || {};
  var n = D.n, K = D.k, has3 = D.dims === 3;
  var canvas = document.getElementById("map");
  var ctx = canvas.getContext("2d");
  var stage = document.getElementById("stage");
  var tip = document.getElementById("tip");
  var player = document.getElementById("player");
  var info = document.getElementById("info");
  var legendBox = document.getElementById("legend");
  var bySelect = document.getElementById("by");
  var findBox = document.getElementById("find");
  var found = document.getElementById("found");
  var rotBox = document.getElementById("rot");

  /* names (the last part of each path) and lower-case paths to search */
  var names = new Array(n), lowerPaths = new Array(n);
  for (var i = 0; i < n; i++) {
    var p = D.path[i].replace(/\/+$/, "");
    var cut = p.lastIndexOf("/");
    names[i] = cut >= 0 ? p.slice(cut + 1) : p;
    lowerPaths[i] = D.path[i].toLowerCase();
  }
  function labelOf(i) {
    return D.label[i] >= 0 ? D.labels[D.label[i]] : null;
  }

  /* positions, centred; PX and PY are what the screen shows (rotated
     when there is a z) */
  var X = new Float64Array(n), Y = new Float64Array(n);
  var Z = has3 ? new Float64Array(n) : null;
  var PX = new Float64Array(n), PY = new Float64Array(n);
  /* 3-D: the depth of each point towards the viewer, as one of NB steps
     (0 the farthest): far points are drawn first, smaller and paler */
  var NB = 6, DB = has3 ? new Uint8Array(n) : null;
  (function () {
    var lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    var src = [D.x, D.y, has3 ? D.z : null];
    for (var a = 0; a < (has3 ? 3 : 2); a++)
      for (var j = 0; j < n; j++) {
        lo[a] = Math.min(lo[a], src[a][j]);
        hi[a] = Math.max(hi[a], src[a][j]);
      }
    for (var j2 = 0; j2 < n; j2++) {
      X[j2] = D.x[j2] - (lo[0] + hi[0]) / 2;
      Y[j2] = D.y[j2] - (lo[1] + hi[1]) / 2;
      if (has3) Z[j2] = D.z[j2] - (lo[2] + hi[2]) / 2;
    }
  })();
  var yaw = 0, pitch = 0;
  function projectAll() {
    if (!has3) {
      PX.set(X);
      PY.set(Y);
    } else {
      /* orthographic: turn about the vertical axis, then tilt */
      var cy = Math.cos(yaw), sy = Math.sin(yaw);
      var cp = Math.cos(pitch), sp = Math.sin(pitch);
      var dz = new Float64Array(n), d0 = Infinity, d1 = -Infinity;
      for (var j = 0; j < n; j++) {
        var x1 = cy * X[j] + sy * Z[j];
        var z1 = -sy * X[j] + cy * Z[j];
        PX[j] = x1;
        PY[j] = cp * Y[j] - sp * z1;
        dz[j] = sp * Y[j] + cp * z1;
        d0 = Math.min(d0, dz[j]);
        d1 = Math.max(d1, dz[j]);
      }
      for (var k = 0; k < n; k++)
        DB[k] = d1 > d0 ? Math.min(NB - 1, Math.floor((dz[k] - d0) / (d1 - d0) * NB)) : NB - 1;
    }
    grid = null;
  }

  /* colours, packed for the ImageData's 32-bit view */
  var little = new Uint8Array(new Uint32Array([0x0a0b0c0d]).buffer)[0] === 0x0d;
  function pack(hex) {
    var r = parseInt(hex.slice(1, 3), 16), g = parseInt(hex.slice(3, 5), 16);
    var b = parseInt(hex.slice(5, 7), 16);
    return little ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
                  : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
  }
  var BG = pack("#ffffff"), DIM = pack("#e4e4e4");
  var schemes = D.schemes.map(function (s) {
    return {
      name: s.name, legend: s.legend, ramp: s.ramp, scored: s.scored,
      colors: s.colors, packed: Uint32Array.from(s.colors.map(pack)),
      idx: Uint16Array.from(s.idx), order: s.order ? Int32Array.from(s.order) : null
    };
  });
  /* the colours of each depth step: mixed towards the background */
  function paler(hex, f) {
    var c = [1, 3, 5].map(function (o) {
      var v = parseInt(hex.slice(o, o + 2), 16);
      return Math.round(v + (255 - v) * f);
    });
    return "#" + c.map(function (v) { return (v < 16 ? "0" : "") + v.toString(16); }).join("");
  }
  schemes.forEach(function (s) {
    if (!has3) return;
    s.depth = [];
    for (var b = 0; b < NB; b++)
      s.depth.push(Uint32Array.from(s.colors.map(function (c) {
        return pack(paler(c, 0.6 * (NB - 1 - b) / (NB - 1)));
      })));
  });
  var by = D.by;

  /* the view: scale (CSS px per unit) and the offset of the centre */
  var W = 1, H = 1, dpr = 1, scale = 1, offX = 0, offY = 0;
  var radius = n <= 1000 ? 4 : n <= 10000 ? 3 : n <= 50000 ? 2 : 1.5;
  function fit() {
    var ex = 0, ey = 0;
    for (var j = 0; j < n; j++) {
      var r = has3 ? Math.sqrt(X[j] * X[j] + Y[j] * Y[j] + Z[j] * Z[j]) : 0;
      ex = Math.max(ex, has3 ? r : Math.abs(X[j]));
      ey = Math.max(ey, has3 ? r : Math.abs(Y[j]));
    }
    var m = radius + 8;
    var sx = ex > 0 ? (W / 2 - m) / ex : Infinity;
    var sy = ey > 0 ? (H / 2 - m) / ey : Infinity;
    scale = Math.min(sx, sy);
    if (!isFinite(scale) || scale <= 0) scale = 1;
    offX = 0;
    offY = 0;
  }
  function toScreenX(j) { return W / 2 + offX + PX[j] * scale; }
  function toScreenY(j) { return H / 2 + offY - PY[j] * scale; }

  /* a disc of pixels for each point: x, y pairs, and the same as
     offsets into the pixels, for points well inside */
  var stamps = {}, stampW = -1;
  function stampOf(r, w) {
    if (stampW !== w) {
      stamps = {};
      stampW = w;
    }
    if (stamps[r]) return stamps[r];
    var xy = [], ri = Math.ceil(r);
    for (var dy = -ri; dy <= ri; dy++)
      for (var dx = -ri; dx <= ri; dx++)
        if (dx * dx + dy * dy <= r * r + 0.5) xy.push(dx, dy);
    var lin = new Int32Array(xy.length / 2);
    for (var q = 0; q < xy.length; q += 2) lin[q / 2] = xy[q + 1] * w + xy[q];
    return (stamps[r] = { xy: xy, lin: lin, lim: ri });
  }

  var img = null, buf = null, match = null, nMatch = 0;
  var hovered = -1, selected = -1, nbrs = [];
  var api = {
    points: n, drawn: 0, neighbours: [], frameMs: 0,
    hover: function (x, y) { return hoverAt(x, y); },
    /* entry j (-1: none) as the one hovered, with its tip: by its
       index, since points can share a place (identical copies) */
    hoverEntry: function (j) { hoverEntry(j); return j >= 0 ? names[j] : null; },
    clickAt: function (x, y) { return clickAt(x, y); },
    search: function (text) { findBox.value = text; search(); return nMatch; },
    screen: function (j) { return [toScreenX(j), toScreenY(j)]; },
    /* rings the entries of list (null: none), the others greyed */
    mark: function (list) { mark(list); },
    marked: function () { return nMatch; },
    select: function (j) { select(j); },
    playable: function (j) { return playable(j); },
    by: function () { return by; },
    legend: function () { return legendBox.textContent; }
  };
  window.asMap = api;

  function draw() {
    var t0 = performance.now();
    pending = false;
    var w = canvas.width, h = canvas.height;
    if (img === null || img.width !== w || img.height !== h) {
      img = ctx.createImageData(w, h);
      buf = new Uint32Array(img.data.buffer);
    }
    buf.fill(BG);
    var s = schemes[by], idx = s.idx, order = s.order;
    var sc = scale * dpr, ox = (W / 2 + offX) * dpr, oy = (H / 2 + offY) * dpr;
    var drawn = 0;
    /* with a search, the others first and greyed, the matches on top;
       in 3-D, each pass from the farthest depth step to the nearest */
    for (var pass = match ? 0 : 1; pass < 2; pass++) {
      for (var step = has3 ? 0 : NB - 1; step < NB; step++) {
        var r = radius * dpr * (has3 ? 0.6 + 0.6 * step / (NB - 1) : 1);
        var st = stampOf(Math.max(0.5, Math.round(r * 2) / 2), w);
        var stamp = st.xy, stampLin = st.lin, lim = st.lim;
        var ns = stamp.length, nl = stampLin.length;
        var col = has3 ? s.depth[step] : s.packed;
        for (var t = 0; t < n; t++) {
          var j = order ? order[t] : t;
          if (has3 && DB[j] !== step) continue;
          if (match && (match[j] === 1) !== (pass === 1)) continue;
          var px = Math.round(ox + PX[j] * sc), py = Math.round(oy - PY[j] * sc);
          if (px < -lim || py < -lim || px >= w + lim || py >= h + lim) continue;
          drawn++;
          var c = pass === 0 ? DIM : col[idx[j]];
          if (px >= lim && py >= lim && px < w - lim && py < h - lim) {
            var base = py * w + px;
            for (var q = 0; q < nl; q++) buf[base + stampLin[q]] = c;
          } else {
            for (var q2 = 0; q2 < ns; q2 += 2) {
              var x = px + stamp[q2], y = py + stamp[q2 + 1];
              if (x >= 0 && y >= 0 && x < w && y < h) buf[y * w + x] = c;
            }
          }
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (match && nMatch <= 2000) {
      ctx.strokeStyle = "#222";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (var m = 0; m < n; m++)
        if (match[m]) {
          ctx.moveTo(toScreenX(m) + radius + 2, toScreenY(m));
          ctx.arc(toScreenX(m), toScreenY(m), radius + 2, 0, 2 * Math.PI);
        }
      ctx.stroke();
    }
    if (selected >= 0) {
      var sx0 = toScreenX(selected), sy0 = toScreenY(selected);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      nbrs.forEach(function (b) {
        ctx.moveTo(sx0, sy0);
        ctx.lineTo(toScreenX(b), toScreenY(b));
      });
      ctx.stroke();
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 2;
      ctx.beginPath();
      nbrs.forEach(function (b) {
        ctx.moveTo(toScreenX(b) + radius + 3, toScreenY(b));
        ctx.arc(toScreenX(b), toScreenY(b), radius + 3, 0, 2 * Math.PI);
      });
      ctx.stroke();
      ring(selected, "#000", 3, radius + 6);
    }
    if (hovered >= 0) ring(hovered, "#1a1a1a", 2, radius + 4);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    api.drawn = drawn;
    api.frameMs = performance.now() - t0;
    document.body.dataset.drawn = String(drawn);
    if (document.body.dataset.ready !== "1") document.body.dataset.ready = "1";
  }
  function ring(j, colour, width, r) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath();
    ctx.arc(toScreenX(j), toScreenY(j), r, 0, 2 * Math.PI);
    ctx.stroke();
  }
  var pending = false;
  function redraw() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  }

  /* nearest point to a screen position: a grid over the shown positions */
  var grid = null;
  function buildGrid() {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var j = 0; j < n; j++) {
      x0 = Math.min(x0, PX[j]); x1 = Math.max(x1, PX[j]);
      y0 = Math.min(y0, PY[j]); y1 = Math.max(y1, PY[j]);
    }
    var side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
    var cell = Math.max(x1 - x0, y1 - y0) / side || 1;
    var gw = Math.floor((x1 - x0) / cell) + 1, gh = Math.floor((y1 - y0) / cell) + 1;
    var start = new Int32Array(gw * gh + 1), items = new Int32Array(n);
    var at = new Int32Array(n);
    for (var k = 0; k < n; k++) {
      at[k] = Math.min(gh - 1, Math.floor((PY[k] - y0) / cell)) * gw +
              Math.min(gw - 1, Math.floor((PX[k] - x0) / cell));
      start[at[k] + 1]++;
    }
    for (var c = 0; c < gw * gh; c++) start[c + 1] += start[c];
    var fill = start.slice(0, gw * gh);
    for (var k2 = 0; k2 < n; k2++) items[fill[at[k2]]++] = k2;
    grid = { x0: x0, y0: y0, cell: cell, gw: gw, gh: gh, start: start, items: items };
  }
  function nearest(sx, sy) {
    if (n === 0) return -1;
    if (grid === null) buildGrid();
    var g = grid, reach = (radius + 6) / scale;
    var dx = (sx - W / 2 - offX) / scale, dy = -(sy - H / 2 - offY) / scale;
    var cx0 = Math.max(0, Math.floor((dx - reach - g.x0) / g.cell));
    var cx1 = Math.min(g.gw - 1, Math.floor((dx + reach - g.x0) / g.cell));
    var cy0 = Math.max(0, Math.floor((dy - reach - g.y0) / g.cell));
    var cy1 = Math.min(g.gh - 1, Math.floor((dy + reach - g.y0) / g.cell));
    var best = -1, bd = reach * reach;
    for (var cy = cy0; cy <= cy1; cy++)
      for (var cx = cx0; cx <= cx1; cx++) {
        var c = cy * g.gw + cx;
        for (var t = g.start[c]; t < g.start[c + 1]; t++) {
          var j = g.items[t], ex = PX[j] - dx, ey = PY[j] - dy, d2 = ex * ex + ey * ey;
          if (d2 < bd || (d2 === bd && j < best)) {
            bd = d2;
            best = j;
          }
        }
      }
    return best;
  }

  function playable(j) { return window.asPlayable(player, names[j]); }
  function unplayable(j) { return window.asUnplayable(names[j]); }
  /* a name (of a file, a label) put in the page's own text: isolated,
     so that its bidirectional controls (a RIGHT-TO-LEFT OVERRIDE left
     open) cannot reorder the text around it */
  function isolate(text) {
    var e = document.createElement("bdi");
    e.textContent = text;
    return e;
  }
  /* what entry j is, added to element e */
  function describe(j, e) {
    var l = labelOf(j), s = "";
    e.appendChild(isolate(names[j]));
    if (l !== null) {
      e.appendChild(document.createTextNode(" \u2014 "));
      e.appendChild(isolate(l));
    }
    if (D.cluster[j] >= 0) s += " \u2014 cluster " + D.cluster[j];
    if (D.anomaly[j] !== null) s += " \u2014 anomaly " + D.anomaly[j].toFixed(3);
    if (!playable(j)) s += " \u2014 " + unplayable(j);
    if (s) e.appendChild(document.createTextNode(s));
  }
  /* the tip: what entry j is, and its whole path, by the point */
  function showTip(j) {
    tip.textContent = "";
    describe(j, tip);
    var full = document.createElement("div");
    full.className = "path";
    full.textContent = D.path[j];
    tip.appendChild(full);
    tip.hidden = false;
    /* measured at the left edge, where it may take the map's whole
       width (by the point, it would wrap into what is left of it) */
    tip.style.left = "0";
    tip.style.top = "0";
    var x = toScreenX(j), y = toScreenY(j);
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 14, W - w - 4)) + "px";
    tip.style.top = Math.max(4, y + 14 + h > H ? y - 14 - h : y + 14) + "px";
  }
  function hoverEntry(j) {
    hovered = j;
    if (j >= 0) showTip(j);
    else tip.hidden = true;
    redraw();
  }
  function hoverAt(x, y) {
    var j = nearest(x, y);
    if (j !== hovered) {
      hovered = j;
      redraw();
    }
    if (j < 0) {
      tip.hidden = true;
      return null;
    }
    showTip(j);
    return names[j];
  }
  function select(j) {
    selected = j;
    nbrs = [];
    info.textContent = "";
    if (j >= 0) {
      for (var t = 0; t < K; t++) {
        var b = D.nn[j * K + t];
        if (b >= 0) nbrs.push(b);
      }
      if (!playable(j)) {
        player.removeAttribute("src");
        player.load();
      } else if (hooks.play) {
        hooks.play(j);
      } else {
        player.src = D.src[j];
        var played = player.play();
        if (played && played.catch) played.catch(function () {});
      }
      var head = document.createElement("strong");
      describe(j, head);
      head.title = D.path[j];
      info.appendChild(head);
      if (nbrs.length) info.appendChild(document.createTextNode("  nearest: "));
      nbrs.forEach(function (b) {
        var a = document.createElement("button");
        a.appendChild(isolate(names[b]));
        if (!playable(b)) a.appendChild(document.createTextNode(" \u26a0"));
        a.title = D.path[b] + (playable(b) ? "" : "\n" + unplayable(b));
        a.onclick = function () { select(b); };
        /* on hover, the neighbour on the map with its whole path */
        a.onmouseenter = function () { hoverEntry(b); };
        a.onmouseleave = function () { hoverEntry(-1); };
        info.appendChild(a);
      });
    }
    api.neighbours = nbrs.map(function (b) { return names[b]; });
    redraw();
    if (hooks.select) hooks.select(j);
  }
  /* a sample the browser would not play after all (the format is told
     from the name, the file may hold another, or be gone): said after
     its description. The dashboard (hooks.play) says it itself. */
  player.addEventListener("error", function () {
    if (hooks.play || selected < 0 || !player.getAttribute("src")) return;
    var head = info.querySelector("strong");
    if (!head || info.querySelector(".note")) return;
    var note = document.createElement("span");
    note.className = "note";
    note.textContent =
      " \u2014 could not play it (its format, or the file is gone)";
    head.appendChild(note);
  });
  function clickAt(x, y) {
    var j = nearest(x, y);
    select(j);
    return j >= 0 ? names[j] : null;
  }

  /* the rings: of the last mark() (the dashboard's filters, results,
     a cluster), or of the find box while it holds text; clearing it
     brings the marks back */
  var marked = null;
  function mark(list) {
    marked = list;
    findBox.value = "";
    found.textContent = "";
    ringList(list);
  }
  function ringList(list) {
    nMatch = 0;
    match = null;
    if (list) {
      match = new Uint8Array(n);
      list.forEach(function (j) {
        if (j >= 0 && j < n && !match[j]) {
          match[j] = 1;
          nMatch++;
        }
      });
    }
    redraw();
  }
  function search() {
    var q = findBox.value.toLowerCase();
    nMatch = 0;
    if (q === "") {
      found.textContent = "";
      ringList(marked);
      return;
    } else {
      match = new Uint8Array(n);
      for (var j = 0; j < n; j++)
        if (lowerPaths[j].indexOf(q) >= 0) {
          match[j] = 1;
          nMatch++;
        }
      found.textContent = nMatch + " found";
    }
    redraw();
  }

  function showLegend() {
    var s = schemes[by];
    legendBox.textContent = "";
    s.legend.forEach(function (l, k) {
      var row = document.createElement("div");
      var sw = document.createElement("span");
      sw.className = "sw";
      if (s.ramp && k === 0 && s.scored > 0) {
        sw.className = "bar";
        sw.style.background = "linear-gradient(" + s.colors.slice(0, -1).reverse().join(",") + ")";
        row.appendChild(sw);
        var ends = document.createElement("span");
        ends.className = "ends";
        [l.name + " (most anomalous)", s.legend[1].name].forEach(function (text) {
          var e = document.createElement("span");
          e.textContent = text;
          ends.appendChild(e);
        });
        row.appendChild(ends);
        legendBox.appendChild(row);
        return;
      }
      if (s.ramp && k === 1 && s.scored > 0) return;
      sw.style.background = s.colors[l.color];
      row.appendChild(sw);
      /* one flex item, the name and its count */
      var t = document.createElement("span");
      t.appendChild(isolate(l.name));
      t.appendChild(document.createTextNode(" (" + l.count + ")"));
      row.appendChild(t);
      legendBox.appendChild(row);
    });
  }

  /* input: drag pans (or turns, with the rotate box or shift), the
     wheel zooms about the pointer, a click selects and plays */
  var drag = null;
  function pos(e) {
    var r = canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }
  canvas.addEventListener("mousedown", function (e) {
    var p = pos(e);
    drag = { x: p[0], y: p[1], x0: p[0], y0: p[1], moved: false,
             turn: has3 && (rotBox.checked || e.shiftKey) };
    e.preventDefault();
  });
  window.addEventListener("mousemove", function (e) {
    var p = pos(e);
    if (drag === null) {
      if (e.target === canvas) hoverAt(p[0], p[1]);
      return;
    }
    var dx = p[0] - drag.x, dy = p[1] - drag.y;
    drag.x = p[0];
    drag.y = p[1];
    if (Math.abs(p[0] - drag.x0) + Math.abs(p[1] - drag.y0) > 3) drag.moved = true;
    if (drag.turn) {
      yaw += dx * 0.01;
      pitch = Math.max(-1.55, Math.min(1.55, pitch + dy * 0.01));
      projectAll();
    } else {
      offX += dx;
      offY += dy;
    }
    tip.hidden = true;
    redraw();
  });
  window.addEventListener("mouseup", function (e) {
    if (drag !== null && !drag.moved) {
      var p = pos(e);
      clickAt(p[0], p[1]);
    }
    drag = null;
  });
  canvas.addEventListener("mouseleave", function () {
    tip.hidden = true;
    if (hovered >= 0) {
      hovered = -1;
      redraw();
    }
  });
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = pos(e), f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    f = Math.max(0.2, Math.min(5, f));
    offX = (offX + W / 2 - p[0]) * f + p[0] - W / 2;
    offY = (offY + H / 2 - p[1]) * f + p[1] - H / 2;
    scale *= f;
    redraw();
  }, { passive: false });
  /* the keyboard: the map takes the focus (Tab), and the arrow keys
     select the next or the previous sample in the index's order, as a
     click does, with its tip as on hover */
  canvas.tabIndex = 0;
  canvas.addEventListener("keydown", function (e) {
    var step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1
             : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (!step || n === 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    var j = selected < 0 ? (step > 0 ? 0 : n - 1) : (selected + step + n) % n;
    select(j);
    hoverEntry(j);
  });
  canvas.addEventListener("blur", function () { hoverEntry(-1); });
  bySelect.addEventListener("change", function () {
    by = Number(bySelect.value);
    showLegend();
    redraw();
  });
  findBox.addEventListener("input", search);
  document.getElementById("reset").addEventListener("click", function () {
    yaw = 0;
    pitch = 0;
    projectAll();
    fit();
    redraw();
  });
  function resize() {
    dpr = window.devicePixelRatio || 1;
    W = Math.max(1, stage.clientWidth);
    H = Math.max(1, stage.clientHeight);
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    canvas.style.width = W + "px";
    canvas.style.height = H + "px";
  }
  /* the stage's size, not only the window's: the footer grows by a
     scroll bar when the neighbours overflow it, which shrinks the
     stage and would hide the bottom of the map under it */
  function onResize() {
    var s0 = Math.min(W, H);
    resize();
    scale *= Math.min(W, H) / s0;
    redraw();
  }
  if (window.ResizeObserver) new ResizeObserver(onResize).observe(stage);
  else window.addEventListener("resize", onResize);

  /* start: the page's text, the colour menu, the first frame */
  document.getElementById("title").textContent = D.title;
  document.getElementById("sub").textContent = D.subtitle;
  schemes.forEach(function (s, k) {
    var o = document.createElement("option");
    o.value = String(k);
    o.textContent = s.name + (s.scored === 0 ? " (none stored)" : "");
    bySelect.appendChild(o);
  });
  bySelect.value = String(by);
  document.getElementById("rot-l").hidden = !has3;
  showLegend();
  resize();
  projectAll();
  fit();
  draw();

  /* #selftest or #selftest=N: hover over and click point N (0 by
     default) and record what happened, for a headless browser test */
  var m = /^#selftest(?:=(\d+))?$/.exec(location.hash);
  if (m && n > 0) {
    var t = Math.min(n - 1, Number(m[1] || 0));
    var sx = toScreenX(t), sy = toScreenY(t);
    var b = document.body.dataset;
    b.hover = api.hover(sx, sy) || "";
    b.tipPath = String(tip.textContent.indexOf(D.path[t]) >= 0);
    /* and the whole tip is within the map (which hides what overflows) */
    var tr = tip.getBoundingClientRect(), mr = stage.getBoundingClientRect();
    b.tipInside = String(tr.left >= mr.left && tr.right <= mr.right &&
                         tr.top >= mr.top && tr.bottom <= mr.bottom);
    b.click = api.clickAt(sx, sy) || "";
    b.playable = String(playable(t));
    b.note = String(/cannot play it/.test(info.textContent));
    if (has3) {
      var steps = {};
      for (var q = 0; q < n; q++) steps[DB[q]] = 1;
      b.depthSteps = String(Object.keys(steps).length);
    }
    b.neighbours = String(api.neighbours.length);
    b.firstNeighbour = api.neighbours.length ? api.neighbours[0] : "";
    b.found = String(api.search(names[t]));
    api.search("");
    /* the time of a frame, zooming in a little at a time */
    var t1 = performance.now();
    for (var z = 0; z < 5; z++) {
      scale *= 1.1;
      draw();
    }
    b.frameMs = ((performance.now() - t1) / 5).toFixed(1);
    fit();
    draw();
    /* once the footer has its neighbours (and maybe a scroll bar), the
       canvas is the stage's size; and the legend lets the mouse through
       to the points under it */
    setTimeout(function () {
      b.fits = String(canvas.height === Math.round(stage.clientHeight * dpr));
      var r = legendBox.getBoundingClientRect();
      var under = document.elementFromPoint(r.left + 2, r.top + 2);
      b.legendPassesMouse = String(!legendBox.contains(under));
      b.selftest = "1";
    }, 200);
  }
  return api;
};
(function () {
  var el = document.getElementById("as-map-data");
  if (!el) return;
  var D = JSON.parse(el.textContent);
  /* the name as the page shows it (the <title> the page is written
     with has the escapes of the TSV rule, for bytes that are not text) */
  document.title = D.title + " \u2014 as-map";
  window.asMapStart(D);
})();
