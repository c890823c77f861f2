/* SPDX-License-Identifier: MIT */
"use strict";
/* as-serve's dashboard: the map of as-map.js (asMapStart) fed from GET
   /map?format=page, and panels over the rest of the API. Everything it
   shows comes from the API with fetch(); with as-serve --token, it asks
   for the token once and keeps it in sessionStorage for the tab. */
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var TOKEN = "as-serve-token";
  var token = sessionStorage.getItem(TOKEN) || "";
  if (!/^[\x21-\x7e]*$/.test(token)) token = ""; /* cannot be a header */
  var params = new URLSearchParams(location.search);
  var shard = params.get("shard") || "0";
  var dims = params.get("dims") === "3" ? "3" : "2";
  var method = params.get("method");
  var player = $("player"), info = $("info");
  var map = null, M = null, offset = 0, filters = "", blobUrl = null;
  /* the version of the indexes the map shows (X-As-Generation): ids
     change when the server opens replaced indexes, and then the page
     loads them again rather than play or search the wrong entries */
  var gen = null, replacing = false;
  var B = document.body.dataset;
  /* most entries the filters ring on the map */
  var RING = 100000;

  /* the API: JSON, with the token when there is one; a 401 asks for it */
  var asking = null;
  function askToken(wrong) {
    if (asking) return asking;
    $("auth").hidden = false;
    $("autherr").textContent = wrong ? "that token was refused" : "";
    $("token").focus();
    asking = new Promise(function (done) {
      $("auth").onsubmit = function (e) {
        e.preventDefault();
        var t = $("token").value.trim();
        /* a bearer token is printable ASCII (RFC 6750): anything else
           cannot go in a header, and fetch() would refuse every request */
        if (!/^[\x21-\x7e]+$/.test(t)) {
          $("autherr").textContent = "a token is letters, digits and ASCII punctuation";
          return;
        }
        token = t;
        sessionStorage.setItem(TOKEN, token);
        $("auth").hidden = true;
        asking = null;
        done();
      };
    });
    return asking;
  }
  function headers() {
    return token ? { Authorization: "Bearer " + token } : {};
  }
  function replaced() {
    if (replacing) return;
    replacing = true;
    info.textContent = "The library was replaced on the server: loading it again\u2026";
    B.replaced = "1";
    location.reload();
  }
  /* ids for the server: with the map's generation, so that an id of a
     replaced version is refused (409) rather than taken for another */
  function withGen(path) {
    return gen === null ? path : path + (path.indexOf("?") < 0 ? "?" : "&") + "generation=" + gen;
  }
  /* a GET answered 503 (the server computes the answer in the
     background, or is saturated) is asked again after Retry-After;
     waiting(message) is told each time */
  /* whether answer r is of another version than the map (then the page
     is being loaded again) */
  function stale(r) {
    var g = r.headers.get("X-As-Generation");
    if (g === null || gen === null || Number(g) === gen) return false;
    replaced();
    return true;
  }
  function call(path, init, waiting, seen) {
    init = init || {};
    init.headers = headers();
    return fetch(path, init).then(function (r) {
      if (stale(r)) return new Promise(function () {});
      var g = r.headers.get("X-As-Generation");
      if (g !== null && seen && r.ok) seen(Number(g));
      if (r.status === 401)
        return askToken(token !== "").then(function () { return call(path, init, waiting, seen); });
      if (r.status === 503 && !init.method) {
        var after = Math.max(1, Number(r.headers.get("Retry-After")) || 1);
        return r.json().catch(function () { return null; }).then(function (j) {
          if (waiting) waiting(j && j.error ? j.error : "the server is busy");
          return new Promise(function (ok) { setTimeout(ok, after * 1000); });
        }).then(function () { return call(path, init, waiting, seen); });
      }
      /* an answer that is not JSON (libmicrohttpd's own refusals, 414
         or 431, come in HTML): its status */
      return r.json().catch(function () {
        throw new Error("HTTP " + r.status + (r.ok ? ": the answer is not JSON" : ""));
      }).then(function (j) {
        if (!r.ok) throw new Error(j && j.error ? j.error : "HTTP " + r.status);
        return j;
      });
    });
  }

  /* playing an entry: the <audio> element asks the server itself (with
     Range requests); with a token, which it cannot send, the sample is
     fetched whole and played from memory, and an answer that comes
     after a later request's is dropped (the later pick plays) */
  var playing = 0;
  function play(id) {
    var ask = ++playing;
    var url = withGen("/entries/" + id + "/audio");
    var go = function (src) {
      player.src = src;
      var p = player.play();
      if (p && p.catch) p.catch(function () {});
      B.played = String(id);
    };
    if (!token) return go(url);
    fetch(url, { headers: headers() }).then(function (r) {
      if (stale(r)) return new Promise(function () {});
      if (ask !== playing) return null;
      if (!r.ok) throw new Error(r.status === 404 ? "" : "HTTP " + r.status);
      return r.blob();
    }).then(function (b) {
      if (b === null || ask !== playing) return;
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      go(blobUrl = URL.createObjectURL(b));
    }).catch(function (e) {
      if (ask !== playing) return;
      /* as without a token: the previous sample is not left to play,
         and what info shows stays, the failure said after it */
      player.removeAttribute("src");
      player.load();
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      blobUrl = null;
      if (e.message) audioNote(e.message);
      else cannotPlay(ask);
    });
  }
  /* a note after what info shows (once) */
  function audioNote(text) {
    if (info.querySelector(".note")) return;
    info.appendChild(el("span", " \u2014 audio: " + text, "note"));
  }
  /* a sample that could not be played: a format the name did not tell
     (see playButton), or a file gone, said once the indexes are known
     not to have been replaced (call() reloads the page then, and never
     settles); not if another sample was asked for meanwhile (ask: the
     number of the request that failed) */
  function cannotPlay(ask) {
    var note = function () {
      if (ask === playing) audioNote("could not play it (its format, or the file is gone)");
    };
    if (gen !== null) call("/healthz").then(note, function () {});
    else note();
  }
  /* audio the server refused (an id of a replaced version: 409): any
     answer tells whether the indexes were replaced */
  player.addEventListener("error", function () {
    if (!player.getAttribute("src")) return;
    cannotPlay(playing);
  });
  /* an id on this shard's map, or -1 */
  function onMap(id) {
    var j = id - offset;
    return M && j >= 0 && j < M.n ? j : -1;
  }
  function base(p) {
    var s = String(p).replace(/\/+$/, "");
    return s.slice(s.lastIndexOf("/") + 1);
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  /* a name (of a file, a label) put in the page's own text: isolated,
     so that its bidirectional controls (a RIGHT-TO-LEFT OVERRIDE left
     open) cannot reorder the text around it; in an attribute, between
     FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE */
  function isolate(text) {
    return el("bdi", text);
  }
  function isolated(text) {
    return "\u2068" + text + "\u2069";
  }
  function num(v, d) {
    return v === null || v === undefined ? "\u2014" : Number(v).toFixed(d);
  }
  /* a button that plays entry id, unless this browser cannot */
  function playButton(id, filename) {
    var b = el("button", "\u25b6", "play");
    b.type = "button";
    b.title = "play " + isolated(filename);
    if (!window.asPlayable(player, filename)) {
      b.disabled = true;
      b.title = window.asUnplayable(filename);
    }
    b.onclick = function (e) {
      e.stopPropagation();
      play(id);
    };
    return b;
  }

  /* a table row a click acts on (act): Tab reaches it too, and Enter
     or Space acts (not when pressed on a button in it) */
  function pickable(tr, act) {
    tr.tabIndex = 0;
    tr.onclick = act;
    tr.onkeydown = function (e) {
      if (e.target !== tr || (e.key !== "Enter" && e.key !== " ")) return;
      e.preventDefault();
      act();
    };
  }

  /* ---- panels ---- */
  function tab(name) {
    Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
      b.className = b.dataset.tab === name ? "on" : "";
    });
    ["results", "clusters", "anomalies", "stats"].forEach(function (t) {
      $(t).hidden = t !== name;
    });
    if (name === "clusters" && !$("clusters").dataset.loaded) loadClusters();
    if (name === "anomalies" && !$("anomalies").dataset.loaded) loadAnomalies();
  }
  Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
    b.onclick = function () { tab(b.dataset.tab); };
  });
  function failed(box, e) {
    box.textContent = "";
    box.appendChild(el("p", e.message, "err"));
  }

  /* results of a search: a table, and rings on the map */
  /* the results of a search like name (the rest: after it) */
  function showResults(name, rest, res) {
    var box = $("results");
    box.textContent = "";
    var head = el("p", "Like ", "note");
    head.appendChild(isolate(name));
    head.appendChild(document.createTextNode(rest + ":"));
    box.appendChild(head);
    var t = el("table");
    var hr = el("tr");
    ["", "sample", "distance", "conf.", ""].forEach(function (h) { hr.appendChild(el("th", h)); });
    t.appendChild(hr);
    var marks = [];
    res.forEach(function (r, k) {
      var tr = el("tr", null, "pick");
      tr.appendChild(el("td", k + 1, "n"));
      var name = el("td");
      name.appendChild(el("div", base(r.filename)));
      name.title = r.filename;
      if (r.genre || (r.reasons && r.reasons.length)) {
        var why = el("div", null, "why");
        if (r.genre) why.appendChild(isolate(r.genre));
        if (r.reasons && r.reasons.length)
          why.appendChild(document.createTextNode((r.genre ? " \u2014 " : "") + r.reasons.join(", ")));
        name.appendChild(why);
      }
      tr.appendChild(name);
      tr.appendChild(el("td", num(r.distance, 3), "n"));
      tr.appendChild(el("td", num(r.confidence, 2), "n"));
      var pc = el("td");
      pc.appendChild(playButton(r.id, r.filename));
      tr.appendChild(pc);
      var j = onMap(r.id);
      if (j >= 0) marks.push(j);
      /* as its button: not a sample this browser cannot play */
      pickable(tr, function () {
        if (window.asPlayable(player, r.filename)) play(r.id);
      });
      t.appendChild(tr);
    });
    box.appendChild(t);
    if (map) map.mark(marks.length ? marks : null);
    tab("results");
    B.results = String(res.length);
  }
  function searchFailed(e) {
    failed($("results"), e);
    tab("results");
    B.results = "error";
  }
  function query(extra) {
    var q = [];
    if (extra) q.push(extra);
    if (filters) q.push(filters);
    return q.length ? "?" + q.join("&") : "";
  }
  /* by example: an uploaded file */
  function upload(file) {
    if (!file) return;
    var fd = new FormData();
    fd.append("file", file, file.name);
    $("results").textContent = "searching\u2026";
    tab("results");
    call("/search" + query("n_results=10"), { method: "POST", body: fd })
      .then(function (j) {
        B.query = j.query.filename || "";
        showResults(j.query.filename || file.name,
                    j.query.duration !== null ? " (" + num(j.query.duration, 2) + " s)" : "",
                    j.results);
      }).catch(searchFailed);
  }
  $("file").onchange = function () { upload(this.files[0]); };
  var drop = $("drop");
  ["dragenter", "dragover"].forEach(function (ev) {
    drop.addEventListener(ev, function (e) {
      e.preventDefault();
      drop.className = "over";
    });
  });
  drop.addEventListener("dragleave", function () { drop.className = ""; });
  drop.addEventListener("drop", function (e) {
    e.preventDefault();
    drop.className = "";
    upload(e.dataTransfer.files[0]);
  });
  /* by an entry clicked on the map: the page data has no neighbour
     lists (as-serve leaves them out, they would cost a scan of the
     library per entry), so its nearest neighbours are asked for now,
     listed, ringed on the map and named in the line under it */
  var picked = 0;
  function searchEntry(j) {
    var ask = ++picked;
    B.neighbours = "";
    if (j < 0) return;
    call(withGen("/search" + query("n_results=10&id=" + (offset + j))))
      .then(function (r) {
        if (ask !== picked) return;
        showResults(M.path[j], "", r.results);
        nearest(r.results);
      })
      .catch(function (e) {
        if (ask === picked) searchFailed(e);
      });
  }
  function nearest(res) {
    var on = res.filter(function (r) { return onMap(r.id) >= 0; });
    if (on.length) info.appendChild(document.createTextNode("  nearest: "));
    on.forEach(function (r) {
      var k = onMap(r.id);
      var a = el("button");
      a.appendChild(isolate(base(r.filename)));
      if (!map.playable(k)) a.appendChild(document.createTextNode(" \u26a0"));
      a.type = "button";
      a.title = r.filename;
      a.onclick = function () { map.select(k); };
      /* on hover, the neighbour on the map with its whole path */
      a.onmouseenter = function () { B.hovered = map.hoverEntry(k) || ""; };
      a.onmouseleave = function () { map.hoverEntry(-1); };
      info.appendChild(a);
    });
    B.neighbours = String(on.length);
    B.firstNeighbour = on.length ? base(on[0].filename) : "";
  }

  /* filters: the entries that pass, ringed on the map; searches take
     them too */
  $("filters").onsubmit = function (e) {
    e.preventDefault();
    var q = [];
    Array.prototype.forEach.call(this.elements, function (f) {
      if (f.name && f.value.trim() !== "")
        q.push(encodeURIComponent(f.name) + "=" + encodeURIComponent(f.value.trim()));
    });
    /* searches take the filters once the server has accepted them */
    var asked = q.join("&");
    if (!asked) {
      filters = "";
      $("fstate").textContent = "";
      if (map) map.mark(null);
      return;
    }
    /* the ids alone (some 7 bytes each), and at most RING of them */
    call("/search-by-filters?" + asked + "&format=ids&limit=" + RING).then(function (j) {
      filters = asked;
      $("fstate").textContent = j.total + " pass" +
        (j.total > j.ids.length ? " (the first " + j.ids.length + " ringed, " +
                                  (j.total - j.ids.length) + " more)" : "");
      var marks = [];
      j.ids.forEach(function (id) {
        var k = onMap(id);
        if (k >= 0) marks.push(k);
      });
      if (map) map.mark(marks);
    }).catch(function (err) {
      /* refused: no filter is in force, none ringed */
      filters = "";
      if (map) map.mark(null);
      $("fstate").textContent = err.message;
    });
  };
  $("filters").onreset = function () {
    filters = "";
    $("fstate").textContent = "";
    if (map) map.mark(null);
  };

  function loadClusters() {
    var box = $("clusters");
    box.dataset.loaded = "1";
    box.textContent = "loading\u2026";
    var wait = function (msg) { box.textContent = "loading\u2026 " + msg; };
    var url = "/clusters?shard=" + encodeURIComponent(shard);
    /* the clusters as-cluster -W stored; without any (every entry noise),
       the server computes groups to browse (as-cluster -m auto), or on a
       large shard, where HDBSCAN takes minutes, the 8 of k-means */
    call(url, null, wait).then(function (j) {
      if (!j.entries || j.noise < j.entries) return j;
      return call(url + (j.entries <= 10000 ? "&method=auto" : "&method=kmeans"), null, wait);
    }).then(function (j) {
      box.textContent = "";
      if (!j.clusters.length) {
        box.appendChild(el("p", "No entries to cluster.", "note"));
        return;
      }
      var how = !j.method ? " (as stored by as-cluster -W)"
              : j.method === "auto" ? " (computed here: HDBSCAN, every entry joined to the nearest; as-cluster -W stores others)"
              : " (computed here: k-means; as-cluster -W stores others)";
      /* the noise (cluster -1, as-cluster -m dbscan's) has a row, but is
         no cluster: counted as /stats and as-cluster count */
      var nc = j.clusters.filter(function (c) { return c.cluster_id >= 0; }).length;
      box.appendChild(el("p", nc + (nc === 1 ? " cluster" : " clusters") + ", purity " + num(j.purity, 3) +
                               (j.noise ? ", " + j.noise + " noise" : "") + how, "note"));
      var t = el("table");
      var hr = el("tr");
      ["cluster", "size", "purity", "labels", "representative"].forEach(function (h) {
        hr.appendChild(el("th", h));
      });
      t.appendChild(hr);
      j.clusters.forEach(function (c) {
        var tr = el("tr", null, "pick");
        tr.appendChild(el("td", c.cluster_id, "n"));
        tr.appendChild(el("td", c.size, "n"));
        tr.appendChild(el("td", num(c.purity, 2), "n"));
        var g = Object.keys(c.genres).sort(function (a, b) { return c.genres[b] - c.genres[a]; });
        var labels = el("td");
        g.slice(0, 3).forEach(function (k, i) {
          if (i) labels.appendChild(document.createTextNode(", "));
          labels.appendChild(isolate(k));
          labels.appendChild(document.createTextNode(" " + c.genres[k]));
        });
        tr.appendChild(labels);
        var rep = el("td");
        if (c.representative) {
          rep.appendChild(playButton(c.representative.id, c.representative.filename));
          rep.appendChild(document.createTextNode(" "));
          rep.appendChild(isolate(base(c.representative.filename)));
          rep.title = c.representative.filename;
        }
        tr.appendChild(rep);
        pickable(tr, function () {
          if (!map) return; /* the map is still being placed */
          var marks = [];
          if (c.ids) {
            c.ids.forEach(function (id) {
              var k = onMap(id);
              if (k >= 0) marks.push(k);
            });
          } else {
            for (var k = 0; k < M.n; k++)
              if (M.cluster[k] === c.cluster_id) marks.push(k);
          }
          map.mark(marks);
        });
        t.appendChild(tr);
      });
      box.appendChild(t);
    }).catch(function (e) { failed(box, e); });
  }
  function loadAnomalies() {
    var box = $("anomalies");
    box.dataset.loaded = "1";
    box.textContent = "loading\u2026";
    /* the scores as-anomaly -W stored; without any, the server computes
       k-NN's, as-anomaly's default */
    call("/anomalies?limit=100").then(function (j) {
      if (j.anomalies.length) return j;
      return call("/anomalies?method=knn&limit=100", null, function (msg) {
        box.textContent = msg;
      });
    }).then(function (j) {
      box.textContent = "";
      if (!j.anomalies.length) {
        box.appendChild(el("p", "No entries to score.", "note"));
        return;
      }
      box.appendChild(el("p", "The most anomalous of " + j.scored + " scored" +
                               (j.method ? " (computed here: mean distance to the " +
                                           (j.k != null ? j.k + " " : "") +
                                           "nearest; as-anomaly -W stores others)"
                                         : " (as stored by as-anomaly -W)") +
                               ", the lower, the odder:", "note"));
      var t = el("table");
      var hr = el("tr");
      ["score", "sample", "label", ""].forEach(function (h) { hr.appendChild(el("th", h)); });
      t.appendChild(hr);
      j.anomalies.forEach(function (a) {
        var tr = el("tr", null, "pick");
        tr.appendChild(el("td", num(a.anomaly, 3), "n"));
        var nm = el("td", base(a.filename));
        nm.title = a.filename;
        tr.appendChild(nm);
        tr.appendChild(el("td", a.genre || ""));
        var pc = el("td");
        pc.appendChild(playButton(a.id, a.filename));
        tr.appendChild(pc);
        pickable(tr, function () {
          var k = onMap(a.id);
          if (k >= 0) map.select(k);
        });
        t.appendChild(tr);
      });
      box.appendChild(t);
    }).catch(function (e) { failed(box, e); });
  }
  function showStats(s) {
    var box = $("stats");
    box.textContent = "";
    var t = el("table");
    /* v: a value, or a list of names, each isolated */
    function row(k, v) {
      var tr = el("tr");
      tr.appendChild(el("th", k));
      var td = el("td", Array.isArray(v) ? null : v);
      if (Array.isArray(v)) {
        v.forEach(function (x, i) {
          if (i) td.appendChild(document.createTextNode(", "));
          td.appendChild(isolate(x));
        });
      }
      tr.appendChild(td);
      t.appendChild(tr);
    }
    Object.keys(s).forEach(function (k) {
      var v = s[k];
      if (v === null || typeof v !== "object") {
        row(k, v === null ? "\u2014" : v);
      } else if (Array.isArray(v)) {
        row(k, v.map(function (x) {
          return x !== null && typeof x === "object" ? (x.path || x.name || JSON.stringify(x)) : x;
        }));
      } else {
        Object.keys(v).forEach(function (k2) {
          var x = v[k2];
          row(k + " " + k2, x !== null && typeof x === "object" ? JSON.stringify(x) : x === null ? "\u2014" : x);
        });
      }
    });
    box.appendChild(t);
  }

  /* ---- the map ---- */
  function reload() {
    var q = new URLSearchParams();
    if (shard !== "0") q.set("shard", shard);
    q.set("method", $("method").value);
    q.set("dims", $("dims").value);
    location.search = "?" + q.toString();
  }
  $("method").onchange = reload;
  $("dims").onchange = reload;
  function start(stats) {
    showStats(stats);
    /* t-SNE shows groups better; PCA is immediate on a large library */
    if (method !== "pca" && method !== "tsne" && method !== "umap")
      method = stats.total_samples <= 5000 ? "tsne" : "pca";
    $("method").value = method;
    $("dims").value = dims;
    info.textContent = "placing the library on the map\u2026";
    var t0 = Date.now();
    return call("/map?format=page&shard=" + encodeURIComponent(shard) + "&method=" + method +
                "&dims=" + dims, null, function (msg) {
      info.textContent = "placing the library on the map\u2026 (" + msg + "; " +
                         Math.round((Date.now() - t0) / 1000) + " s)";
      B.mapWaits = String(Number(B.mapWaits || 0) + 1);
    }, function (g) { gen = g; }).then(function (j) {
      M = j.page;
      offset = j.offset;
      info.textContent = "Drag to move, turn the wheel to zoom, click a point to play it " +
                         "and find what sounds like it.";
      map = window.asMapStart(M, {
        play: function (k) { play(offset + k); },
        select: function (k) { searchEntry(k); }
      });
      document.title = M.title + " \u2014 as-serve";
      $("by").addEventListener("change", function () { B.by = map.by(); });
      B.dash = "1";
    });
  }
  tab("results");
  call("/stats").then(start).catch(function (e) {
    info.textContent = "";
    info.appendChild(el("span", e.message, "err"));
    B.dash = "error";
  });
})();
