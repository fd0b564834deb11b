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

  /* The server's freshness state at the response, aged on the phone: `age` is the data's age now
     in seconds (null when no feed ever answered). */
  function freshnessOf(serverState, age) {
    if (serverState === "unknown" || age === null) return "unknown";
    if (age > config.unknownS) return "unknown";
    if (age > config.freshS) return "delayed";
    return serverState === "delayed" ? "delayed" : "fresh";
  }

  function freshness() {
    return freshnessOf(state.serverState, dataAge());
  }

  /* The same rule as the server: alerts on the region or an ancestor cover it; an alert inside
     it makes it partial; otherwise clear — but never clear when the data is unknown. `uids` is the
     region's chain, itself first. */
  function regionStateOf(uids, alerts, fresh) {
    var region = uids[0];
    var covering = alerts.filter(function (a) { return uids.indexOf(a.region) !== -1; });
    var inside = alerts.filter(function (a) { return a.chain.slice(1).indexOf(region) !== -1; });
    var known = covering.length ? "alert" : (inside.length ? "partial" : "clear");
    var relevant = covering.length ? covering : inside;
    // Old data says nothing for sure, an alert no more than an all-clear: the state is unknown.
    return { state: fresh === "unknown" ? "unknown" : known, alerts: relevant, lastKnown: known };
  }

  function regionState(fresh) {
    var uids = state.chain.map(function (r) { return r.uid; });
    return regionStateOf(uids, state.doc.alerts || [], fresh);
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
    setText(el.region, nameOf(state.chain[0]));
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
    var min = config.pollS[0], max = config.pollS[1];
    if (state.failures === 0) return min + Math.random() * (max - min);
    // Back off on errors: 2, 4, 8… seconds up to a minute, with full jitter.
    var cap = Math.min(60, Math.pow(2, state.failures));
    return 1 + Math.random() * cap;
  }

  function headerNumber(response, name) {
    var value = parseFloat(response.headers.get(name));
    return isFinite(value) ? value : 0;
  }

  /* How long the response waited in caches before it was sent, in seconds. nginx's micro-cache
     sends no Age, but the response says when the server made it (X-Status-Checked-At) and nginx
     stamps its own Date when it sends it: both by the servers' clocks, so the phone's clock plays
     no part. A CDN in front would add its Age. (Served stale while the server is down, this keeps
     growing, so the banner turns to "Status unknown" however long the cache keeps answering.) */
  function cachedFor(response) {
    var made = Date.parse(response.headers.get("X-Status-Checked-At") || "");
    var sent = Date.parse(response.headers.get("Date") || "");
    var held = (isFinite(made) && isFinite(sent)) ? Math.max(0, (sent - made) / 1000) : 0;
    return held + headerNumber(response, "Age");
  }

  function poll() {
    if (document.visibilityState === "hidden") return; // resumes on visibilitychange
    if (state.inFlight) return;
    state.inFlight = true;
    var headers = { "Accept": "application/json" };
    if (state.etag) headers["If-None-Match"] = state.etag;
    fetch(config.statusUrl, { headers: headers, cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status !== 200 && response.status !== 304) throw new Error("HTTP " + response.status);
        var age = response.headers.get("X-Status-Age");
        state.receivedAt = performance.now();
        state.ageAtResponse = (age === null || age === "none") ? null : parseFloat(age) + cachedFor(response);
        state.serverState = response.headers.get("X-Status-Freshness") || state.serverState;
        if (response.status === 304) return null;
        state.etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (doc) {
        if (doc) {
          state.doc = doc;
          state.serverState = doc.freshness.state;
        }
        state.failures = 0;
      })
      .catch(function () {
        state.failures += 1;
      })
      .then(function () {
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
  function showRegion(chain) {
    state.chain = chain;
    var url = new URL(window.location.href);
    url.searchParams.set("region", chain[0].uid);
    history.replaceState(null, "", url.toString());
    var select = document.getElementById("region-select");
    if (select) select.value = String(chain[0].uid);
    try { localStorage.setItem("kyivguide.region", JSON.stringify(chain)); } catch (e) { /* private mode */ }
    render();
  }
  function message(text) {
    locateMessage.hidden = !text;
    locateMessage.textContent = text || "";
  }
  function useLocation() {
    message(t("locating"));
    navigator.geolocation.getCurrentPosition(function (position) {
      var lat = position.coords.latitude, lon = position.coords.longitude;
      // The nearest-shelters block listens for the same position: one question, both answers.
      document.dispatchEvent(new CustomEvent("kyivguide:position", { detail: { lat: lat, lon: lon } }));
      fetch(config.locateUrl + "?lat=" + lat.toFixed(5) + "&lon=" + lon.toFixed(5), { credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!data.regions || !data.regions.length) { message(t("outside")); return; }
          message("");
          showRegion(data.regions);
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

  // The rules, for the tests that hold them to the server's (alerts/tests/cases/).
  window.KyivStatus = { freshness: freshnessOf, regionState: regionStateOf, threatLabel: threatLabel };

  render();
  setInterval(render, 1000);
  // Data already old at load (a kept copy of the page): ask at once, else at the usual pace.
  schedule(freshness() === "fresh" ? nextDelay() : 0.2);
})();
