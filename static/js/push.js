/*
 * "Notify me about alerts here" (templates/push/_notify.html): subscribes this browser to Web Push for the
 * page's region (POST /api/v1/push/subscriptions). The browser's permission is asked only after the tap.
 * On iOS outside the Home Screen app there is no Web Push: the section explains how to get it instead.
 * What is stored here: the subscription's id and region (to unsubscribe), never sent anywhere else.
 */
(function () {
  "use strict";
  var section = document.getElementById("push-notify");
  var configNode = document.getElementById("push-config");
  if (!section || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var STORE = "kyivguide-push";
  var controls = section.querySelector(".push-controls");
  var onButton = section.querySelector(".push-on");
  var offButton = section.querySelector(".push-off");
  var drills = section.querySelector(".push-drills");
  var message = section.querySelector(".push-message");

  function say(key) { message.textContent = key ? config.messages[key] : ""; }

  var ios = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  var standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) {
    if (ios && !standalone) {
      section.querySelector(".push-ios").hidden = false;
      section.hidden = false;
    }
    return;
  }

  function stored() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "null"); } catch (error) { return null; }
  }

  function show(subscribed) {
    onButton.hidden = subscribed;
    offButton.hidden = !subscribed;
    drills.disabled = subscribed;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function subscribe() {
    say("");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return null; }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          return existing || registration.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: keyBytes(config.key),
          });
        });
      }).then(function (subscription) {
        return fetch(config.api, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            subscription: subscription.toJSON(), region: config.region, language: config.lang, drills: drills.checked,
          }),
        });
      }).then(function (response) {
        if (!response.ok) throw new Error("subscribe: " + response.status);
        return response.json();
      }).then(function (body) {
        window.localStorage.setItem(STORE, JSON.stringify({ id: body.id, region: body.region }));
        show(true);
        say("on");
      });
    }).catch(function () { say("failed"); });
  }

  function unsubscribe() {
    var saved = stored();
    var removed = saved ? fetch(config.api + "/" + encodeURIComponent(saved.id), { method: "DELETE" }) : Promise.resolve();
    removed.then(function () {
      window.localStorage.removeItem(STORE);
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.getSubscription();
      });
    }).then(function (subscription) {
      return subscription ? subscription.unsubscribe() : null;
    }).then(function () { show(false); say("off"); }).catch(function () { say("failed"); });
  }

  onButton.addEventListener("click", subscribe);
  offButton.addEventListener("click", unsubscribe);
  var saved = stored();
  show(Boolean(saved && saved.region === config.region && Notification.permission === "granted"));
  controls.hidden = false;
  section.hidden = false;
})();
