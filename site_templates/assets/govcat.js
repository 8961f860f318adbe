/* govcat's JavaScript islands: header search, search page, inventory table, charts.
 *
 * Everything loads from this site (air-gapped): the search index under
 * search-index/, Vega from assets/govcat/vendor/, data from data/. Card text is
 * untrusted, so DOM nodes are built with textContent, never innerHTML of data.
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="govcat-root"]');
  var ROOT = new URL(meta ? meta.content : "./", window.location.href).href;
  var HEALTH_ORDER = ["ok", "unmonitored", "warning", "stale", "breach"];
  var HEALTH_LABELS = { ok: "OK", warning: "Warning", breach: "Breach", stale: "Stale", unmonitored: "Unmonitored" };
  var ORDERS = {
    health: HEALTH_ORDER,
    risk: ["low", "medium", "high", "critical"],
    stage: ["development", "validation", "staging", "production", "deprecated", "retired"],
    governance: ["compliant", "due-soon", "overdue", "non-compliant"],
    eu_ai_act: ["not-applicable", "minimal", "limited", "high-risk", "prohibited"]
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child != null) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function healthBadge(status) {
    return el("span", { className: "gc-badge gc-health gc-health--" + status, title: "Health: " + HEALTH_LABELS[status], text: HEALTH_LABELS[status] || status });
  }

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  /* ---- search (govcat's chunked index: generator/search_index.py) -------- */

  var SEARCH_ROOT = ROOT + "search-index/";
  var TOKEN = /[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)*|_+/gu; /* the indexer's TOKEN */
  var fetched = {};

  function cachedJson(url) {
    if (!fetched[url]) fetched[url] = fetchJson(url);
    return fetched[url];
  }

  function manifest() {
    return cachedJson(SEARCH_ROOT + "index.json");
  }

  function queryWords(query) {
    var words = String(query).toLowerCase().match(TOKEN) || [];
    return words.filter(function (word, i) { return words.indexOf(word) === i; });
  }

  function hex(text) {
    return Array.prototype.map.call(new TextEncoder().encode(text), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  /* page number -> best weight of a token the word starts (exact tokens count double) */
  function wordMatches(index, word) {
    var files = index.prefixes.filter(function (prefix) {
      return word.indexOf(prefix) === 0 || prefix.indexOf(word) === 0;
    });
    return Promise.all(files.map(function (prefix) {
      return cachedJson(SEARCH_ROOT + "t/" + hex(prefix) + ".json");
    })).then(function (chunks) {
      var scores = new Map();
      chunks.forEach(function (chunk) {
        Object.keys(chunk).forEach(function (token) {
          if (token.indexOf(word) !== 0) return;
          var factor = token === word ? 2 : 1;
          chunk[token].forEach(function (posting) {
            var page = Math.floor(posting / 16);
            var score = (posting % 16) * factor;
            if ((scores.get(page) || 0) < score) scores.set(page, score);
          });
        });
      });
      return scores;
    });
  }

  function pageRow(index, page) {
    var chunk = Math.floor(page / index.pageChunk);
    return cachedJson(SEARCH_ROOT + "p/" + chunk + ".json").then(function (rows) {
      var row = rows[page - chunk * index.pageChunk];
      return { url: ROOT + row[0], title: row[1], text: row[2] };
    });
  }

  /* the excerpt as [text, marked] parts: words starting with a query word are marked */
  function excerptParts(text, words) {
    var parts = [], last = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      var token = match[0].toLowerCase();
      if (words.some(function (word) { return token.indexOf(word) === 0; })) {
        if (match.index > last) parts.push([text.slice(last, match.index), false]);
        parts.push([match[0], true]);
        last = match.index + match[0].length;
      }
    }
    if (last < text.length) parts.push([text.slice(last), false]);
    return parts;
  }

  function excerptNode(parts) {
    return el("span", { className: "gc-search-excerpt" }, parts.map(function (part) {
      return part[1] ? el("mark", { text: part[0] }) : part[0];
    }));
  }

  var pendingSearch = null;
  /* Results of `query` (null when a newer query came within 100 ms): the pages matching
     every word, best first; the first `limit` with their title, URL and excerpt. */
  function search(query, limit) {
    if (pendingSearch) pendingSearch(null);
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { pendingSearch = null; resolve(true); }, 100);
      pendingSearch = function () { clearTimeout(timer); resolve(false); };
    }).then(function (current) {
      if (!current) return null;
      var words = queryWords(query);
      if (!words.length) return { total: 0, items: [] };
      return manifest().then(function (index) {
        return Promise.all(words.map(function (word) { return wordMatches(index, word); })).then(function (perWord) {
          var ranked = [];
          perWord[0].forEach(function (score, page) {
            var total = score;
            for (var i = 1; i < perWord.length; i++) {
              var other = perWord[i].get(page);
              if (other === undefined) return;
              total += other;
            }
            ranked.push([page, total]);
          });
          ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
          return Promise.all(ranked.slice(0, limit).map(function (hit) { return pageRow(index, hit[0]); })).then(function (rows) {
            return {
              total: ranked.length,
              items: rows.map(function (row) {
                return { url: row.url, meta: { title: row.title }, excerpt: excerptParts(row.text, words) };
              })
            };
          });
        });
      });
    });
  }

  function resultLink(item) {
    var title = (item.meta && item.meta.title) || item.url;
    return el("a", { href: item.url, className: "gc-search-hit" }, [
      el("span", { className: "gc-search-title", text: title }),
      excerptNode(item.excerpt)
    ]);
  }

  function setupHeaderSearch() {
    var inner = document.querySelector(".md-header__inner");
    if (!inner || document.getElementById("gc-search-page")) return;
    var input = el("input", { type: "search", placeholder: "Search", "aria-label": "Search the catalog", autocomplete: "off", id: "gc-header-search-input" });
    var list = el("ul", { className: "gc-search-dropdown", id: "gc-search-dropdown", role: "listbox", hidden: "" });
    var form = el("form", { className: "gc-header-search", role: "search", action: ROOT + "search/", method: "get" }, [input, list]);
    input.name = "q";
    var iconHolder = document.createElement("span");
    iconHolder.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5"/></svg>';
    form.insertBefore(iconHolder.firstChild, input);
    var anchor = inner.querySelector(".md-header__source") || inner.querySelector('label[for="__drawer"]:last-child');
    if (anchor && anchor.parentNode === inner && anchor.classList.contains("md-header__source")) inner.insertBefore(form, anchor);
    else inner.appendChild(form);

    var latest = "";
    input.addEventListener("input", function () {
      var query = input.value.trim();
      latest = query;
      if (!query) { list.hidden = true; list.textContent = ""; return; }
      search(query, 8).then(function (found) {
        if (!found || query !== latest) return;
        list.textContent = "";
        if (!found.items.length) list.appendChild(el("li", {}, [el("span", { className: "gc-search-excerpt", text: "No match for " + query })]));
        found.items.forEach(function (item) { list.appendChild(el("li", { role: "option" }, [resultLink(item)])); });
        list.hidden = false;
      }).catch(function (error) { console.warn("govcat search:", error); });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { list.hidden = true; input.blur(); }
      if (event.key === "ArrowDown") {
        var first = list.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
    list.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var index = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < links.length - 1) { event.preventDefault(); links[index + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? links[index - 1] : input).focus(); }
      if (event.key === "Escape") { list.hidden = true; input.focus(); }
    });
    form.addEventListener("submit", function (event) {
      var first = list.querySelector("a");
      if (first && !list.hidden) { event.preventDefault(); window.location.href = first.href; }
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) list.hidden = true; });
  }

  function setupSearchPage() {
    var page = document.getElementById("gc-search-page");
    if (!page) return;
    var input = document.getElementById("gc-search-input");
    var status = document.getElementById("gc-search-status");
    var results = document.getElementById("gc-search-results");
    var latest = "";
    function run() {
      var query = input.value.trim();
      latest = query;
      var url = new URL(window.location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      window.history.replaceState(null, "", url);
      if (!query) { results.textContent = ""; status.textContent = ""; return; }
      search(query, 50).then(function (found) {
        if (!found || query !== latest) return;
        results.textContent = "";
        status.textContent = found.total + (found.total === 1 ? " result" : " results") + (found.total > 50 ? ", showing the first 50" : "");
        found.items.forEach(function (item) { results.appendChild(el("li", {}, [resultLink(item)])); });
      }).catch(function (error) { status.textContent = "Search is unavailable: " + error.message; });
    }
    input.addEventListener("input", run);
    var initial = new URL(window.location.href).searchParams.get("q");
    if (initial) { input.value = initial; run(); }
    input.focus();
  }

  /* ---- inventory ---------------------------------------------------------- */

  var FACETS = [
    { key: "stage", label: "Stage", column: "stage" },
    { key: "risk", label: "Risk", column: "risk" },
    { key: "health", label: "Health", column: "health" },
    { key: "governance", label: "Governance", column: "governance" },
    { key: "team", label: "Team", column: "owner" },
    { key: "tag", label: "Tag", column: "tags", multi: true, top: 24 },
    { key: "dataset", label: "Dataset", column: "datasets", multi: true, top: 0 }
  ];
  var PAGE_SIZE = 50;

  function setupInventory() {
    var root = document.getElementById("gc-inventory");
    if (!root) return;
    var countNode = document.getElementById("gc-count");
    fetchJson(root.getAttribute("data-src")).then(function (data) {
      var col = {};
      data.columns.forEach(function (name, index) { col[name] = index; });
      var rows = data.rows.map(function (row) {
        return {
          row: row,
          text: [row[col.id], row[col.name], row[col.owner], data.teams[row[col.owner]] || "", row[col.tags], row[col.stage], row[col.risk], row[col.health]].join(" ").toLowerCase(),
          values: FACETS.reduce(function (acc, facet) {
            var value = row[col[facet.column]];
            acc[facet.key] = facet.multi ? (value ? value.split(" ") : []) : [value];
            return acc;
          }, {})
        };
      });
      var state = readState();
      var facetsBox = document.getElementById("gc-facets-box");
      if (facetsBox && window.matchMedia("(max-width: 44.984em)").matches) facetsBox.open = false;
      var input = document.getElementById("gc-filter");
      input.value = state.q;
      input.addEventListener("input", function () { state.q = input.value; state.page = 0; update(); });
      document.querySelectorAll("#gc-table th[data-sort]").forEach(function (th) {
        th.tabIndex = 0;
        function sort() {
          var key = th.getAttribute("data-sort");
          state.sort = state.sort === key ? "-" + key : key;
          state.page = 0;
          update();
        }
        th.addEventListener("click", sort);
        th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      });
      window.addEventListener("popstate", function () { state = readState(); input.value = state.q; update(true); });
      update(true);

      function readState() {
        var params = new URL(window.location.href).searchParams;
        var s = { q: params.get("q") || "", sort: params.get("sort") || "", page: Math.max(0, (parseInt(params.get("page"), 10) || 1) - 1), facets: {} };
        FACETS.forEach(function (facet) {
          var value = params.get(facet.key);
          s.facets[facet.key] = value ? value.split(",").filter(Boolean) : [];
        });
        return s;
      }

      function writeState() {
        var url = new URL(window.location.href);
        var params = new URLSearchParams();
        if (state.q) params.set("q", state.q);
        FACETS.forEach(function (facet) { if (state.facets[facet.key].length) params.set(facet.key, state.facets[facet.key].join(",")); });
        if (state.sort) params.set("sort", state.sort);
        if (state.page) params.set("page", String(state.page + 1));
        var query = params.toString().replace(/%2C/g, ",");
        url.search = query ? "?" + query : "";
        window.history.replaceState(null, "", url);
      }

      function matches(item, skipFacet) {
        if (state.q) {
          var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
          for (var i = 0; i < words.length; i++) if (item.text.indexOf(words[i]) < 0) return false;
        }
        for (var f = 0; f < FACETS.length; f++) {
          var facet = FACETS[f];
          if (facet.key === skipFacet) continue;
          var wanted = state.facets[facet.key];
          if (!wanted.length) continue;
          var values = item.values[facet.key];
          var hit = false;
          for (var w = 0; w < wanted.length && !hit; w++) hit = values.indexOf(wanted[w]) >= 0;
          if (!hit) return false;
        }
        return true;
      }

      function compare(key) {
        var desc = key.charAt(0) === "-";
        var name = desc ? key.slice(1) : key;
        var index = col[name];
        var order = ORDERS[name];
        return function (a, b) {
          var x = a.row[index], y = b.row[index];
          if (order) { x = order.indexOf(x); y = order.indexOf(y); }
          else { x = String(x).toLowerCase(); y = String(y).toLowerCase(); }
          var result = x < y ? -1 : x > y ? 1 : 0;
          if (result === 0) result = a.row[col.id] < b.row[col.id] ? -1 : 1;
          return desc ? -result : result;
        };
      }

      function renderFacets() {
        var holder = document.getElementById("gc-facets");
        holder.textContent = "";
        FACETS.forEach(function (facet) {
          var counts = {};
          rows.forEach(function (item) {
            if (!matches(item, facet.key)) return;
            item.values[facet.key].forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
          });
          var selected = state.facets[facet.key];
          var values = Object.keys(counts);
          selected.forEach(function (v) { if (values.indexOf(v) < 0) values.push(v); });
          var order = ORDERS[facet.key];
          if (order) values.sort(function (a, b) { return order.indexOf(a) - order.indexOf(b); });
          else values.sort(function (a, b) { return (counts[b] || 0) - (counts[a] || 0) || (a < b ? -1 : 1); });
          if (facet.top !== undefined) {
            values = values.filter(function (v, i) { return i < facet.top || selected.indexOf(v) >= 0; });
          }
          if (!values.length) return;
          var chips = el("div", { className: "gc-facet__values" });
          var group = el("div", { className: "gc-facet", role: "group", "aria-label": facet.label, "data-facet": facet.key }, [el("span", { className: "gc-facet__name", text: facet.label }), chips]);
          values.forEach(function (value) {
            var pressed = selected.indexOf(value) >= 0;
            var label = facet.key === "team" ? (data.teams[value] || value) : facet.key === "health" ? HEALTH_LABELS[value] || value : value;
            var chip = el("button", { type: "button", className: "gc-chip" + (facet.key === "health" ? " gc-health--" + value : ""), "aria-pressed": pressed ? "true" : "false", "data-value": value }, [
              label, el("span", { className: "gc-chip__count", text: String(counts[value] || 0) })
            ]);
            if (!counts[value] && !pressed) chip.disabled = true;
            chip.addEventListener("click", function () {
              var list = state.facets[facet.key];
              var at = list.indexOf(value);
              if (at >= 0) list.splice(at, 1); else list.push(value);
              state.page = 0;
              update();
            });
            chips.appendChild(chip);
          });
          holder.appendChild(group);
        });
      }

      function renderRows(visible) {
        var body = document.getElementById("gc-rows");
        var pages = Math.max(1, Math.ceil(visible.length / PAGE_SIZE));
        if (state.page >= pages) state.page = pages - 1;
        var start = state.page * PAGE_SIZE;
        var fragment = document.createDocumentFragment();
        visible.slice(start, start + PAGE_SIZE).forEach(function (item) {
          var r = item.row;
          var tags = el("td", {});
          (r[col.tags] ? r[col.tags].split(" ") : []).forEach(function (tag) {
            tags.appendChild(el("a", { className: "gc-tag", href: ROOT + "tags/" + tag + "/", text: tag }));
            tags.appendChild(document.createTextNode(" "));
          });
          fragment.appendChild(el("tr", { "data-id": r[col.id] }, [
            el("td", {}, [el("a", { href: ROOT + "models/" + r[col.id] + "/", text: r[col.name] })]),
            el("td", {}, [el("a", { href: ROOT + "teams/" + r[col.owner] + "/", text: data.teams[r[col.owner]] || r[col.owner] })]),
            el("td", { text: r[col.stage] }),
            el("td", { text: r[col.risk] }),
            el("td", { text: r[col.eu_ai_act] }),
            el("td", {}, [healthBadge(r[col.health])]),
            el("td", {}, [el("span", { className: "gc-badge gc-gov gc-gov--" + r[col.governance], text: r[col.governance] })]),
            el("td", { text: r[col.last_validation] || "—" }),
            el("td", { text: r[col.next_review] || "—" }),
            tags
          ]));
        });
        body.textContent = "";
        body.appendChild(fragment);
        countNode.textContent = visible.length + " of " + rows.length + " models";
        var pager = document.getElementById("gc-pager");
        pager.textContent = "";
        if (pages > 1) {
          var prev = el("button", { type: "button", text: "‹ Previous" });
          var next = el("button", { type: "button", text: "Next ›" });
          prev.disabled = state.page === 0;
          next.disabled = state.page >= pages - 1;
          prev.addEventListener("click", function () { state.page -= 1; update(); });
          next.addEventListener("click", function () { state.page += 1; update(); });
          pager.appendChild(prev);
          pager.appendChild(el("span", { text: "Page " + (state.page + 1) + " of " + pages }));
          pager.appendChild(next);
        }
      }

      function update(initial) {
        var visible = rows.filter(function (item) { return matches(item, null); });
        if (state.sort) visible.sort(compare(state.sort));
        document.querySelectorAll("#gc-table th[data-sort]").forEach(function (th) {
          var key = th.getAttribute("data-sort");
          th.setAttribute("aria-sort", state.sort === key ? "ascending" : state.sort === "-" + key ? "descending" : "none");
        });
        renderFacets();
        renderRows(visible);
        if (!initial) writeState();
      }
    }).catch(function (error) {
      countNode.textContent = "Could not load the inventory: " + error.message;
    });
  }

  /* ---- charts (Vega-Lite specs defined once, filled with each page's data) ---- */

  var vegaPromise = null;
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = el("script", { src: src });
      script.onload = resolve;
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(script);
    });
  }
  function vega() {
    if (!vegaPromise) {
      var base = ROOT + "assets/govcat/vendor/";
      vegaPromise = loadScript(base + "vega.min.js")
        .then(function () { return loadScript(base + "vega-lite.min.js"); })
        .then(function () { return loadScript(base + "vega-embed.min.js"); })
        .then(function () { return window.vegaEmbed; });
    }
    return vegaPromise;
  }
  var specCache = {};
  function spec(name) {
    if (!specCache[name]) specCache[name] = fetchJson(ROOT + "assets/govcat/charts/" + name + ".vl.json");
    return specCache[name];
  }
  function dark() { return document.body.getAttribute("data-md-color-scheme") === "slate"; }

  function embed(node, filled) {
    return vega().then(function (vegaEmbed) {
      return vegaEmbed(node, filled, { mode: "vega-lite", actions: false, renderer: "svg", theme: dark() ? "dark" : undefined, config: { background: null } });
    }).then(function () {
      node.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      node.textContent = "";
      node.appendChild(el("p", { className: "gc-chart-error", text: "Chart could not be drawn: " + error.message }));
      console.error("govcat chart:", error);
    });
  }

  /* Mirrors generator.health.classify: outside min/max is a breach. */
  function isBreach(value, t) {
    return (t.min != null && value < t.min) || (t.max != null && value > t.max);
  }

  function dayString(start, offset) {
    var d = new Date(start + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + offset);
    return d.toISOString().slice(0, 10);
  }

  function metricDatasets(start, series) {
    var t = series.threshold || {};
    var rules = [];
    if (t.min != null) rules.push({ value: t.min, label: "min" });
    if (t.max != null) rules.push({ value: t.max, label: "max" });
    var bands = [];
    if (t.warn_below != null) bands.push({ y: t.min != null ? t.min : t.warn_below, y2: t.warn_below });
    if (t.warn_above != null) bands.push({ y: t.warn_above, y2: t.max != null ? t.max : t.warn_above });
    var points = series.x.map(function (x, i) {
      var value = series.y[i];
      return { day: dayString(start, x), value: value, status: isBreach(value, t) ? "breach" : "ok" };
    });
    return {
      points: points,
      breaches: points.filter(function (p) { return p.status === "breach"; }),
      rules: rules,
      bands: bands
    };
  }

  function setupCharts() {
    document.querySelectorAll('.gc-chart[data-chart="portfolio"]').forEach(function (node) {
      var kind = node.getAttribute("data-chart");
      if (kind === "portfolio") {
        Promise.all([spec("portfolio"), fetchJson(node.getAttribute("data-src"))]).then(function (loaded) {
          var filled = JSON.parse(JSON.stringify(loaded[0]));
          filled.datasets = { portfolio: loaded[1] };
          return embed(node, filled);
        });
      }
    });
    document.querySelectorAll(".gc-charts[data-series]").forEach(function (group) {
      Promise.all([spec("metric"), fetchJson(group.getAttribute("data-series"))]).then(function (loaded) {
        var seriesFile = loaded[1];
        seriesFile.series.forEach(function (series) {
          var caption = el("figcaption", {}, [el("code", { text: series.metric })]);
          if (series.segment) caption.appendChild(document.createTextNode(" · " + series.segment));
          caption.appendChild(document.createTextNode(" "));
          caption.appendChild(healthBadge(series.status));
          if (series.description) {
            caption.appendChild(el("br"));
            caption.appendChild(el("span", { className: "gc-muted", text: series.description }));
          }
          var node = el("div", { className: "gc-chart", "data-chart": "metric", "data-metric": series.metric, "data-segment": series.segment, "aria-label": series.metric + " over time" });
          group.appendChild(el("figure", { className: "gc-chart-card gc-chart-card--" + series.status }, [caption, node]));
          var filled = JSON.parse(JSON.stringify(loaded[0]));
          filled.datasets = metricDatasets(seriesFile.start, series);
          /* an empty layer only makes Vega warn about infinite extents */
          filled.layer = filled.layer.filter(function (layer) { return filled.datasets[layer.data.name].length; });
          embed(node, filled);
        });
      }).catch(function (error) { console.error("govcat chart data:", error); });
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    setupHeaderSearch();
    setupSearchPage();
    setupInventory();
    setupCharts();
  });
})();
