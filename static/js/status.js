/*
 * KyivGuide — keeps the status banner true while the page is open.
 *
 * The page arrives with the status already rendered and the snapshot embedded. This script polls
 * /api/v1/status every 10–15 s (a random moment, so that phones opened together do not poll
 * together) with If-None-Match while the page is visible, refreshes at once when the page comes
 * back into view or the phone comes back online, and backs off with jitter on errors.
 *
 * The safety rule, on the phone too: the data ages by itself. Its age is the server's age at the
 * response plus the time since; past the thresholds the banner says "may be delayed", then
 * "Status unknown" — it never keeps saying "No alert" from old data.
 */
(function () {
  "use strict";

  var configNode = document.getElementById("status-config");
  var docNode = document.getElementById("status-document");
  var banner = document.getElementById("status-banner");
  if (!configNode || !docNode || !banner) return;

  var config = JSON.parse(configNode.textContent);
  var strings = config.strings;
  var state = {
    doc: JSON.parse(docNode.textContent),
    etag: config.etag,
    chain: config.region,
    // Every region the person may be in (their chains, the likeliest first): from "use my location".
    candidates: [config.region],
    ageAtResponse: config.ageAtRender, // seconds, or null when no feed ever answered
    receivedAt: performance.now(),
    serverState: null,
    failures: 0,
    timer: null,
    inFlight: false,
  };
  state.serverState = state.doc.freshness ? state.doc.freshness.state : "unknown";
  // A page from the offline cache (or a slow proxy) is older than it looks: age its data from the
  // moment the server made it. (Clock skew can only make the phone poll sooner, never trust more.)
  var pageAge = Math.max(0, (Date.now() - config.renderedAt) / 1000);
  if (state.ageAtResponse !== null && state.ageAtResponse !== undefined) state.ageAtResponse += pageAge;

  var el = {
    live: document.getElementById("status-live"),
    region: document.getElementById("status-region"),
    near: document.getElementById("status-near"),
    threats: document.getElementById("status-threats"),
    headline: document.getElementById("status-headline"),
    detail: document.getElementById("status-detail"),
    delayed: document.getElementById("status-delayed"),
    replay: document.getElementById("status-replay"),
    updated: document.getElementById("status-updated"),
  };
  var KIND_ORDER = ["nuclear", "chemical", "air_raid", "artillery_shelling", "urban_fights"];
  var lang = config.language === "en" ? "en" : "uk";
  var timeFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "uk-UA", {
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Kyiv",
  });
  var dateFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "uk-UA", {
    day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Kyiv",
  });

  function t(key, values) {
    var text = strings[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", values[name]);
    });
    return text;
  }

  function nameOf(item) {
    return (lang === "en" && item.name_en) ? item.name_en : item.name_uk;
  }

  function duration(seconds) {
    var minutes = Math.max(0, Math.floor(seconds / 60));
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) return days + " " + t("days") + " " + hours + " " + t("hours");
    if (hours) return hours + " " + t("hours") + " " + mins + " " + t("minutes");
    return mins + " " + t("minutes");
  }

  function shortAge(seconds) {
    if (seconds < 90) return Math.round(seconds) + " " + t("seconds");
    return duration(seconds);
  }

  /* Now, in milliseconds: the drill's virtual clock during a replay, else this phone's clock. */
  function now() {
    var replay = state.doc.replay;
    if (!replay || !state.doc.replay_now) return Date.now();
    var elapsed = (performance.now() - state.receivedAt) / 1000;
    return Date.parse(state.doc.replay_now) + elapsed * (replay.speed || 1) * 1000;
  }

  /* How old the data is now: the server's age at the response, plus the time since. */
  function dataAge() {
    if (state.ageAtResponse === null || state.ageAtResponse === undefined) return null;
    return state.ageAtResponse + (performance.now() - state.receivedAt) / 1000;
  }

  var rules = window.KyivRules;
  function freshnessOf(serverState, age) {
    return rules.freshnessOf(serverState, age, config.freshS, config.unknownS);
  }

  function freshness() {
    return freshnessOf(state.serverState, dataAge());
  }

  var regionStateOf = rules.regionStateOf;

  var SEVERITY = { clear: 0, partial: 1, alert: 2 };

  /* The same rule as the server's candidates_state: of the regions a person may be in (uid chains,
     the likeliest first) the most severe is shown, the likeliest on a tie; with unknown data, the
     most severe last known. Returns the index shown and each one's state. */
  function candidatesStateOf(chains, alerts, fresh) {
    var results = chains.map(function (uids) { return regionStateOf(uids, alerts, fresh); });
    var shown = 0;
    results.forEach(function (result, i) {
      if (SEVERITY[result.lastKnown] > SEVERITY[results[shown].lastKnown]) shown = i;
    });
    return { shown: shown, states: results };
  }

  function uidsOf(chain) { return chain.map(function (r) { return r.uid; }); }

  function regionState(fresh) {
    var result = candidatesStateOf(state.candidates.map(uidsOf), state.doc.alerts || [], fresh);
    return result.states[result.shown];
  }

  var listFormat = window.Intl && Intl.ListFormat ? new Intl.ListFormat(lang, { type: "conjunction" }) : null;
  function nearText() {
    if (state.candidates.length < 2) return "";
    var names = state.candidates.map(function (chain) { return nameOf(chain[0]); });
    return t("near_border", { names: listFormat ? listFormat.format(names) : names.join(", ") });
  }

  function threatLabel(alerts) {
    var kinds = alerts.map(function (a) { return a.kind; }).sort(function (a, b) {
      return KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b);
    });
    var label = t("kind." + kinds[0]);
    var levels = alerts.map(function (a) { return a.level; });
    var level = levels.indexOf("red") !== -1 ? "red" : (levels.indexOf("yellow") !== -1 ? "yellow" : null);
    return level ? label + ": " + t("level." + level) : label;
  }

  /* The same rules as alerts.presentation.alert_threats and threat_advice: the alerts' threat types,
     most urgent first (an alert without types gives its level's), and which advice applies. */
  var LEVEL_THREAT = { red: "missiles", yellow: "drones" };
  function threatTypesOf(alerts) {
    var found = [];
    alerts.forEach(function (a) {
      var types = (a.threats && a.threats.length) ? a.threats : (LEVEL_THREAT[a.level] ? [LEVEL_THREAT[a.level]] : []);
      types.forEach(function (type) {
        var known = config.threatOrder.indexOf(type) !== -1 ? type : "unspecified";
        if (found.indexOf(known) === -1) found.push(known);
      });
    });
    return found.sort(function (a, b) { return config.threatOrder.indexOf(a) - config.threatOrder.indexOf(b); });
  }
  function adviceOf(types) {
    var advice = [];
    if (types.some(function (type) { return config.fastThreats.indexOf(type) !== -1; })) advice.push("fast");
    if (types.indexOf("drones") !== -1) advice.push("drones");
    return advice;
  }

  function renderThreats(types) {
    var list = el.threats;
    if (!list) return;
    var key = types.join(" ");
    if (list.getAttribute("data-types") === key) return;
    list.setAttribute("data-types", key);
    while (list.firstChild) list.removeChild(list.firstChild);
    types.forEach(function (type) {
      var item = document.createElement("li");
      item.className = "threat threat-" + type;
      var icon = document.createElement("span");
      icon.className = "threat-icon";
      icon.setAttribute("aria-hidden", "true");
      item.appendChild(icon);
      item.appendChild(document.createTextNode(t("threat." + type)));
      list.appendChild(item);
    });
    list.hidden = !types.length;
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function render() {
    var fresh = freshness();
    var result = regionState(fresh);
    var current = result.state;
    var headline = t("state." + current), detail = "";
    if (current === "alert") {
      headline = threatLabel(result.alerts);
      var started = result.alerts.map(function (a) { return Date.parse(a.started_at); }).sort()[0];
      detail = t("since", { time: timeFormat.format(new Date(started)) }) + " · " + duration((now() - started) / 1000);
    } else if (current === "partial") {
      detail = result.alerts.map(nameOf).filter(function (v, i, all) { return all.indexOf(v) === i; }).sort().join(", ");
    } else if (current === "unknown") {
      detail = navigator.onLine === false || state.failures > 0 ? t("reason.offline") : t("reason.stale");
      if (state.ageAtResponse === null || state.ageAtResponse === undefined) detail = t("reason.waiting");
      var sources = state.doc.sources || [];
      if (sources.length && !sources.some(function (s) { return s.enabled; })) detail = t("reason.none");
      if (result.lastKnown !== "clear" && result.alerts.length) {
        var first = result.alerts.map(function (a) { return Date.parse(a.started_at); }).sort()[0];
        detail += " " + t("last_known", { threat: threatLabel(result.alerts), time: timeFormat.format(new Date(first)) });
      }
    }

    if (banner.getAttribute("data-state") !== current) {
      banner.setAttribute("data-state", current);
      banner.className = "status-banner state-" + current;
      document.querySelectorAll("[data-when]").forEach(function (block) {
        block.hidden = block.getAttribute("data-when").split(" ").indexOf(current) === -1;
      });
    }
    var types = (current === "alert" || current === "partial") ? threatTypesOf(result.alerts) : [];
    renderThreats(types);
    var advice = adviceOf(types);
    document.querySelectorAll("[data-threat]").forEach(function (block) {
      block.hidden = !block.getAttribute("data-threat").split(" ").some(function (a) { return advice.indexOf(a) !== -1; });
    });
    setText(el.region, nameOf(state.chain[0]));
    if (el.near) {
      var near = nearText();
      setText(el.near, near);
      el.near.hidden = !near;
    }
    setText(el.headline, headline);
    setText(el.detail, detail);
    el.delayed.hidden = !(fresh === "delayed" && current !== "unknown");

    var replay = state.doc.replay;
    el.replay.hidden = !replay;
    var replayDate = document.getElementById("status-replay-date");
    if (replay && state.doc.replay_now && replayDate) {
      setText(replayDate, dateFormat.format(new Date(now())));
    }
    var age = dataAge();
    setText(el.updated, age === null ? "" : t("updated", { age: shortAge(age) }));
  }

  function schedule(seconds) {
    clearTimeout(state.timer);
    state.timer = setTimeout(poll, seconds * 1000);
  }

  function nextDelay() {
    return rules.pollDelay(config.pollS, state.failures);
  }

  function poll() {
    if (document.visibilityState === "hidden") return; // resumes on visibilitychange
    if (state.inFlight) return;
    state.inFlight = true;
    rules.pollStatus(config.statusUrl, state).then(function () {
      state.inFlight = false;
      render();
      schedule(nextDelay());
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { render(); poll(); }
  });
  window.addEventListener("online", function () { poll(); });
  window.addEventListener("offline", render);

  /* "Use my location": ask the server which regions contain the point; keep only the region. */
  var locateButton = document.getElementById("locate-button");
  var locateMessage = document.getElementById("locate-message");
  function showRegion(chain, candidates) {
    state.chain = chain;
    state.candidates = candidates && candidates.length ? candidates : [chain];
    var url = new URL(window.location.href);
    url.searchParams.set("region", chain[0].uid);
    history.replaceState(null, "", url.toString());
    var select = document.getElementById("region-select");
    if (select) {
      // Hromadas are not in the list: the nearest region of the chain that is.
      var listed = chain.filter(function (r) { return select.querySelector('option[value="' + r.uid + '"]'); })[0];
      if (listed) select.value = String(listed.uid);
    }
    try {
      localStorage.setItem("kyivguide.region", JSON.stringify(chain));
      localStorage.setItem("kyivguide.candidates", JSON.stringify(state.candidates));
    } catch (e) { /* private mode */ }
    render();
    // The home page's "Notify me about alerts here" follows the region shown (push.js).
    document.dispatchEvent(new CustomEvent("kyivguide:region", { detail: { chain: chain } }));
  }
  function message(text) {
    locateMessage.hidden = !text;
    locateMessage.textContent = text || "";
  }
  function useLocation() {
    message(t("locating"));
    navigator.geolocation.getCurrentPosition(function (position) {
      var lat = position.coords.latitude, lon = position.coords.longitude;
      // The server takes up to 50 km; every region within the accuracy (plus the data's edge
      // tolerance) is one the person may be in.
      var accuracy = Math.min(50000, Math.max(0, Math.round(position.coords.accuracy || 0)));
      // The nearest-shelters block listens for the same position: one question, both answers.
      document.dispatchEvent(new CustomEvent("kyivguide:position", { detail: { lat: lat, lon: lon } }));
      var query = "?lat=" + lat.toFixed(5) + "&lon=" + lon.toFixed(5) + "&accuracy=" + accuracy;
      fetch(config.locateUrl + query, { credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!data.regions || !data.regions.length) { message(t("outside")); return; }
          message("");
          showRegion(data.regions, (data.candidates || []).map(function (c) { return c.chain; }));
        })
        .catch(function () { message(t("locate_failed")); });
    }, function () { message(t("locate_failed")); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  if (locateButton && "geolocation" in navigator) {
    locateButton.hidden = false;
    locateButton.addEventListener("click", useLocation);
    // Permission given on an earlier visit: use it at once (no prompt appears).
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "geolocation" }).then(function (result) {
        if (result.state === "granted") useLocation();
      }).catch(function () { /* not supported: wait for the button */ });
    }
  }

  // A region chosen on an earlier visit, when the address names none.
  if (!new URL(window.location.href).searchParams.get("region")) {
    try {
      var saved = JSON.parse(localStorage.getItem("kyivguide.region") || "null");
      if (saved && saved.length && saved[0].uid !== state.chain[0].uid) state.chain = saved;
    } catch (e) { /* ignore */ }
  }
  // The regions near a located position, kept while the region shown is the one located.
  try {
    var near = JSON.parse(localStorage.getItem("kyivguide.candidates") || "null");
    if (near && near.length && near[0][0].uid === state.chain[0].uid) state.candidates = near;
    else state.candidates = [state.chain];
  } catch (e) { state.candidates = [state.chain]; }

  // The rules, for the tests that hold them to the server's (alerts/tests/cases/).
  window.KyivStatus = {
    freshness: freshnessOf, regionState: regionStateOf, candidatesState: candidatesStateOf, threatLabel: threatLabel,
    threatTypes: threatTypesOf, threatAdvice: adviceOf,
    // The region chain the page shows now (push.js subscribes the home page's control to it).
    chain: function () { return state.chain; },
  };

  render();
  setInterval(render, 1000);
  // Data already old at load (a kept copy of the page): ask at once, else at the usual pace.
  schedule(freshness() === "fresh" ? nextDelay() : 0.2);
})();
