/*
 * KyivGuide — the status rules the pages share (the banner's status.js, the map's alerts-map.js), the
 * same as the server's (alerts/selectors/status/); alerts/tests/cases/ holds both to one table.
 */
(function () {
  "use strict";

  /* The server's freshness state at the response, aged on the phone: `age` is the data's age now in
     seconds (null when no feed ever answered). */
  function freshnessOf(serverState, age, freshS, unknownS) {
    if (serverState === "unknown" || age === null || age === undefined) return "unknown";
    if (age > unknownS) return "unknown";
    if (age > freshS) return "delayed";
    return serverState === "delayed" ? "delayed" : "fresh";
  }

  /* Alerts on the region or an ancestor cover it; an alert inside it makes it partial; otherwise
     clear — but never clear when the data is unknown. `uids` is the region's chain, itself first. */
  function regionStateOf(uids, alerts, fresh) {
    var region = uids[0];
    var covering = alerts.filter(function (a) { return uids.indexOf(a.region) !== -1; });
    var inside = alerts.filter(function (a) { return a.chain.slice(1).indexOf(region) !== -1; });
    var known = covering.length ? "alert" : (inside.length ? "partial" : "clear");
    var relevant = covering.length ? covering : inside;
    // Old data says nothing for sure, an alert no more than an all-clear: the state is unknown.
    return { state: fresh === "unknown" ? "unknown" : known, alerts: relevant, lastKnown: known };
  }

  /* Seconds until the next poll: a random moment in `pollS` (so that phones opened together do not
     poll together); after errors, 2, 4, 8… seconds up to a minute, with full jitter. */
  function pollDelay(pollS, failures) {
    if (failures === 0) return pollS[0] + Math.random() * (pollS[1] - pollS[0]);
    return 1 + Math.random() * Math.min(60, Math.pow(2, failures));
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

  /* One conditional GET of the status snapshot. It updates `state` (etag, doc, serverState,
     ageAtResponse, receivedAt, failures) and resolves when done; it never rejects. */
  function pollStatus(url, state) {
    var headers = { "Accept": "application/json" };
    if (state.etag) headers["If-None-Match"] = state.etag;
    return fetch(url, { headers: headers, cache: "no-store", credentials: "omit" })
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
      });
  }

  window.KyivRules = {
    freshnessOf: freshnessOf, regionStateOf: regionStateOf, pollDelay: pollDelay, pollStatus: pollStatus,
  };
})();
