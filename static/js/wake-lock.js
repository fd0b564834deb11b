/* KyivGuide shelter map: keep the screen on while there is an alert (Screen Wake Lock, where supported).
 *
 * Someone walking to a shelter with the map open should not have to unlock the phone again. The
 * script asks the region's status (data-status-url: Kyiv city) now and every minute; during an
 * alert it holds a screen wake lock, asked again when the page comes back into view (the browser
 * drops it when the page is hidden), and lets it go when the alert is over. Without a connection
 * it keeps what it had: better a screen left on than one that goes dark on the way.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !navigator.wakeLock || typeof navigator.wakeLock.request !== "function") return;
  var url = script.getAttribute("data-status-url");
  var root = document.documentElement;
  var lock = null;
  var wanted = false;

  function acquire() {
    if (!wanted || lock || document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").then(function (sentinel) {
      lock = sentinel;
      root.setAttribute("data-wake-lock", "on");
      sentinel.addEventListener("release", function () {
        lock = null;
        root.setAttribute("data-wake-lock", "off");
      });
    }, function () { root.setAttribute("data-wake-lock", "refused"); });
  }

  function check() {
    fetch(url, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        wanted = status.state === "alert" || status.state === "partial";
        if (wanted) acquire();
        else if (lock) lock.release();
      }, function () { /* offline: keep what we had */ });
  }

  document.addEventListener("visibilitychange", acquire);
  check();
  setInterval(check, 60000);
})();
