/*
 * KyivGuide — the country map on /alerts/: plain SVG, no tiles.
 *
 * The boundary layer (/api/v1/regions/map: every hromada, and Kyiv city, Sevastopol and Crimea, as
 * simplified SVG paths with their uid chains) is fetched once and kept by the browser's cache; each
 * region is coloured from the status snapshot by the banner's rule (status-rules.js), and refreshed
 * by polling /api/v1/status like the banner. Every state has a pattern as well as a colour, and the
 * list beside the map says the same in words. With unknown freshness every region is "unknown":
 * the map never shows "clear" from data it cannot trust.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("alerts-map-config");
  var docNode = document.getElementById("status-document");
  var holder = document.getElementById("alerts-map");
  if (!configNode || !docNode || !holder || !window.KyivRules) return;

  var config = JSON.parse(configNode.textContent);
  var rules = window.KyivRules;
  var SVG = "http://www.w3.org/2000/svg";
  var lang = config.language === "en" ? "en" : "uk";
  var state = {
    doc: JSON.parse(docNode.textContent),
    etag: config.etag,
    ageAtResponse: config.ageAtRender,
    receivedAt: performance.now(),
    serverState: null,
    failures: 0,
    paths: [],
    listKey: null,
  };
  state.serverState = state.doc.freshness ? state.doc.freshness.state : "unknown";
  var pageAge = Math.max(0, (Date.now() - config.renderedAt) / 1000);
  if (state.ageAtResponse !== null && state.ageAtResponse !== undefined) state.ageAtResponse += pageAge;

  function el(name, attributes) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    return node;
  }

  /* One pattern per state, so that the map reads without colour: hatching, dots, cross-hatching, plain. */
  function patterns() {
    var defs = el("defs");
    var specs = {
      alert: { background: "#b3261e", marks: [["path", { d: "M0 8 L8 0", stroke: "#fff", "stroke-width": "1.6" }]] },
      partial: { background: "#e8a33d", marks: [["circle", { cx: "4", cy: "4", r: "1.4", fill: "#3a2500" }]] },
      unknown: {
        background: "#8a8a8a",
        marks: [["path", { d: "M0 0 L8 8 M8 0 L0 8", stroke: "#fff", "stroke-width": "0.8" }]],
      },
      clear: { background: "#cfe8d5", marks: [] },
    };
    Object.keys(specs).forEach(function (name) {
      var pattern = el("pattern", { id: "map-" + name, width: "8", height: "8", patternUnits: "userSpaceOnUse" });
      pattern.appendChild(el("rect", { width: "8", height: "8", fill: specs[name].background }));
      specs[name].marks.forEach(function (mark) { pattern.appendChild(el(mark[0], mark[1])); });
      defs.appendChild(pattern);
    });
    return defs;
  }

  function draw(layer) {
    var svg = el("svg", {
      viewBox: layer.view_box.join(" "), class: "country-map", role: "img", "aria-labelledby": "alerts-map-title",
      preserveAspectRatio: "xMidYMid meet",
    });
    svg.appendChild(patterns());
    var group = el("g", { class: "map-regions" });
    layer.regions.forEach(function (region) {
      var path = el("path", { d: region.d, class: "map-region", "data-uid": String(region.uid) });
      group.appendChild(path);
      state.paths.push({ node: path, chain: region.chain, state: null });
    });
    svg.appendChild(group);
    holder.appendChild(svg);
    holder.setAttribute("data-ready", "true");
    render();
  }

  function dataAge() {
    if (state.ageAtResponse === null || state.ageAtResponse === undefined) return null;
    return state.ageAtResponse + (performance.now() - state.receivedAt) / 1000;
  }

  function nameOf(alert) { return (lang === "en" && alert.name_en) ? alert.name_en : alert.name_uk; }

  function renderList(fresh, alerts) {
    var list = document.getElementById("alerts-map-list");
    if (!list) return;
    var unknown = fresh === "unknown";
    var key = unknown ? "unknown" : alerts.map(function (a) { return a.region + ":" + a.kind; }).join(",");
    if (state.listKey === key) return;
    state.listKey = key;
    while (list.firstChild) list.removeChild(list.firstChild);
    var lines = unknown ? [config.strings.unknown] : alerts.map(function (a) { return nameOf(a); });
    if (!unknown && !lines.length) lines = [config.strings.none];
    lines.filter(function (v, i, all) { return all.indexOf(v) === i; }).sort().forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
  }

  function render() {
    var fresh = rules.freshnessOf(state.serverState, dataAge(), config.freshS, config.unknownS);
    var alerts = state.doc.alerts || [];
    holder.setAttribute("data-freshness", fresh);
    state.paths.forEach(function (entry) {
      var current = rules.regionStateOf(entry.chain, alerts, fresh).state;
      if (entry.state === current) return;
      entry.state = current;
      entry.node.setAttribute("class", "map-region state-" + current);
      entry.node.setAttribute("fill", "url(#map-" + current + ")");
    });
    renderList(fresh, alerts);
  }

  function poll() {
    if (document.visibilityState === "hidden") return; // resumes on visibilitychange
    rules.pollStatus(config.statusUrl, state).then(function () {
      render();
      setTimeout(poll, rules.pollDelay(config.pollS, state.failures) * 1000);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { render(); poll(); }
  });

  fetch(config.layerUrl, { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(draw)
    .catch(function () {
      var note = document.getElementById("alerts-map-failed");
      if (note) note.hidden = false;
    });
  setInterval(render, 1000);
  setTimeout(poll, rules.pollDelay(config.pollS, 0) * 1000);
})();
