/*
 * "Notify me about alerts here": Web Push for a region chain (POST /api/v1/push/subscriptions), from any
 * number of controls on a page (templates/push/_widget.html: a region's page, the home page, each saved
 * place) and the notification settings page (templates/push/settings.html), which lists and stops them.
 * The browser's permission is asked only after a tap. On iOS outside the Home Screen app there is no Web
 * Push: each control explains how to get it instead.
 *
 * Storage: localStorage "kyivguide.push" = {version: 1, subscriptions: [{key, id, region, regionName, name,
 * drills}]}, never sent anywhere. `key` says which control it belongs to: "region:<uid>" (a region's page, and
 * the home page while it shows that region) or "place:<place id>" (a saved place); `id` is the handle the API
 * gave. The server keeps one subscription per browser and region, so two keys of one region share an id: it
 * is deleted (DELETE) with the last key using it, and the browser's push subscription with the last id.
 *
 * window.KyivPush: bind(control, target) wires a control to {key, region, name, regionName} (null: not
 * known yet, hidden); stop(key) ends one (my-places.js calls it when a place is removed).
 */
(function () {
  "use strict";
  var configNode = document.getElementById("push-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var STORE = "kyivguide.push";
  var OLD_STORE = "kyivguide-push"; // one subscription, from the region page only: {id, region}

  var ios = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  // --- what this browser keeps ---------------------------------------------------------------------

  function isEntry(e) { return e && typeof e.key === "string" && typeof e.id === "string" && typeof e.region === "number"; }

  function read() {
    var data = null;
    try { data = JSON.parse(window.localStorage.getItem(STORE) || "null"); } catch (error) { data = null; }
    var list = data && data.version === 1 && Array.isArray(data.subscriptions) ? data.subscriptions.filter(isEntry) : [];
    try {
      var old = JSON.parse(window.localStorage.getItem(OLD_STORE) || "null");
      if (old && typeof old.id === "string" && typeof old.region === "number") {
        list.push({ key: "region:" + old.region, id: old.id, region: old.region, regionName: "", name: "", drills: false });
        write(list);
        window.localStorage.removeItem(OLD_STORE);
      }
    } catch (error) { /* nothing to carry over */ }
    return list;
  }

  function write(list) {
    try { window.localStorage.setItem(STORE, JSON.stringify({ version: 1, subscriptions: list })); } catch (error) { /* private mode */ }
  }

  function find(key) { return read().filter(function (e) { return e.key === key; })[0] || null; }

  function forget(key) { write(read().filter(function (e) { return e.key !== key; })); }

  // --- the browser's push subscription and the API -------------------------------------------------

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function failure(reason) { var error = new Error(reason); error.reason = reason; return error; }

  function browserSubscription() {
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(config.key) });
      });
    });
  }

  /* Subscribe `target` ({key, region, name, regionName}); resolves with the kept entry. */
  function subscribe(target, drills) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw failure("denied");
      return browserSubscription();
    }).then(function (subscription) {
      return fetch(config.api, {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ subscription: subscription.toJSON(), region: target.region, language: config.lang, drills: drills }),
      });
    }).then(function (response) {
      if (!response.ok) throw failure("failed");
      return response.json();
    }).then(function (body) {
      var entry = { key: target.key, id: body.id, region: body.region, regionName: target.regionName || "", name: target.name || "", drills: body.drills };
      // The server's subscription of this region is shared by its keys: they all follow its drills choice.
      var list = read().filter(function (e) { return e.key !== target.key; }).map(function (e) {
        if (e.id === body.id) e.drills = body.drills;
        return e;
      });
      list.push(entry);
      write(list);
      return entry;
    }, function (error) { throw error.reason ? error : failure("failed"); });
  }

  /* Stop `key`: DELETE its subscription unless another key still uses it (a 404 means it is gone already). */
  function stop(key) {
    var entry = find(key);
    if (!entry) return Promise.resolve();
    var shared = read().some(function (e) { return e.key !== key && e.id === entry.id; });
    var removed = shared ? Promise.resolve() : fetch(config.api + "/" + encodeURIComponent(entry.id), { method: "DELETE", credentials: "omit" })
      .then(function (response) { if (!response.ok && response.status !== 404) throw failure("stopFailed"); });
    return removed.then(function () {
      forget(key);
      if (read().length || !supported) return null;
      // Nothing left to follow: the browser's push subscription goes too.
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription();
      }).then(function (subscription) { return subscription ? subscription.unsubscribe() : null; })
        .catch(function () { return null; });
    }, function () { throw failure("stopFailed"); });
  }

  // --- a control ------------------------------------------------------------------------------------

  function isOn(key) { return Boolean(find(key)) && supported && Notification.permission === "granted"; }

  function show(control) {
    var target = control.kyivPushTarget;
    var on = Boolean(target) && isOn(target.key);
    control.querySelector(".push-on").hidden = on;
    control.querySelector(".push-off").hidden = !on;
    var drills = control.querySelector(".push-drills");
    drills.disabled = on;
    if (on) drills.checked = find(target.key).drills;
  }

  function wire(control) {
    var message = control.querySelector(".push-message");
    var say = function (key) { message.textContent = key ? config.messages[key] : ""; };
    var busy = function (value) {
      control.querySelector(".push-on").disabled = value;
      control.querySelector(".push-off").disabled = value;
    };
    control.querySelector(".push-on").addEventListener("click", function () {
      var target = control.kyivPushTarget;
      if (!target) return;
      say("");
      busy(true);
      subscribe(target, control.querySelector(".push-drills").checked).then(function () {
        refresh();
        say("on");
      }, function (error) { say(error.reason); }).then(function () { busy(false); });
    });
    control.querySelector(".push-off").addEventListener("click", function () {
      var target = control.kyivPushTarget;
      if (!target) return;
      busy(true);
      stop(target.key).then(function () { refresh(); say("off"); }, function (error) { say(error.reason); })
        .then(function () { busy(false); });
    });
  }

  /* Bind a control to a target (or to null: hidden until its region is known). Safe to call again. */
  function bind(control, target) {
    var changed = !control.kyivPushTarget || !target || control.kyivPushTarget.key !== target.key;
    control.kyivPushTarget = target;
    if (!supported) {
      control.querySelector(".push-ios").hidden = !(ios && !standalone);
      control.hidden = !(ios && !standalone);
      return;
    }
    if (!control.kyivPushWired) {
      wire(control);
      control.kyivPushWired = true;
    }
    if (changed) control.querySelector(".push-message").textContent = "";
    control.querySelector(".push-controls").hidden = !target;
    control.hidden = !target;
    if (target) show(control);
  }

  function controls() { return Array.prototype.slice.call(document.querySelectorAll(".push-notify")); }

  /* Every control shows the stored state (another control of the same region may have changed it). */
  function refresh() {
    controls().forEach(function (control) { if (control.kyivPushTarget) show(control); });
    drawSettings();
  }

  // --- the settings page -----------------------------------------------------------------------------

  var settings = document.getElementById("push-settings");

  function placeName(entry) {
    // A saved place's name as it is now (it may have been renamed since).
    var places = window.KyivPlaces ? window.KyivPlaces.read().places : [];
    var place = places.filter(function (p) { return "place:" + p.id === entry.key; })[0];
    return place && place.name ? place.name : entry.name;
  }

  function entryLabel(entry) {
    var name = entry.key.indexOf("place:") === 0 ? placeName(entry) : entry.name;
    var region = entry.regionName || "#" + entry.region;
    return name && name !== region ? name + " — " + region : region;
  }

  function drawSettings() {
    if (!settings) return;
    var list = settings.querySelector(".push-settings-list");
    var template = document.getElementById("push-settings-item");
    var entries = read();
    list.innerHTML = "";
    entries.forEach(function (entry) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.setAttribute("data-push-key", entry.key);
      var label = entryLabel(entry);
      item.querySelector(".push-settings-name").textContent = label;
      item.querySelector(".push-settings-drills").hidden = !entry.drills;
      var button = item.querySelector(".push-settings-stop");
      button.setAttribute("aria-label", button.textContent + ": " + label);
      list.appendChild(item);
    });
    settings.querySelector(".push-settings-empty").hidden = entries.length > 0;
    settings.setAttribute("data-ready", "true");
  }

  if (settings) {
    settings.querySelector(".push-settings-list").addEventListener("click", function (event) {
      var button = event.target.closest(".push-settings-stop");
      if (!button) return;
      var message = settings.querySelector(".push-message");
      button.disabled = true;
      stop(button.closest(".push-settings-item").getAttribute("data-push-key")).then(function () {
        message.textContent = config.messages.off;
        refresh();
      }, function (error) {
        button.disabled = false;
        message.textContent = config.messages[error.reason];
      });
    });
  }

  // --- the page's own controls ---------------------------------------------------------------------

  function regionTarget(uid, name) { return { key: "region:" + uid, region: uid, name: name, regionName: name }; }

  function homeTarget() {
    // The region the home page shows (located, chosen or Kyiv city): status.js knows it.
    var chain = window.KyivStatus && window.KyivStatus.chain ? window.KyivStatus.chain() : null;
    if (!chain || !chain.length) return null;
    var name = (config.lang === "en" && chain[0].name_en) ? chain[0].name_en : chain[0].name_uk;
    return regionTarget(chain[0].uid, name);
  }

  window.KyivPush = { bind: bind, stop: stop, read: read, supported: supported };

  function start() {
    controls().forEach(function (control) {
      var uid = parseInt(control.getAttribute("data-push-region"), 10);
      if (uid) bind(control, regionTarget(uid, control.getAttribute("data-push-name")));
      else if (control.getAttribute("data-push-home")) bind(control, homeTarget());
    });
    drawSettings();
  }
  document.addEventListener("kyivguide:region", function () {
    controls().forEach(function (control) {
      if (control.getAttribute("data-push-home")) bind(control, homeTarget());
    });
  });
  // After every deferred script (status.js, my-places.js) has run: DOMContentLoaded comes after them.
  if (document.readyState === "complete") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
