/* KyivGuide — on every page: register the service worker (offline guidance and shelters).
 *
 * The browser looks for a new worker on every navigation; a page left open for hours (in a shelter)
 * also asks whenever it comes back into view, so that a deploy reaches it. updateViaCache "none":
 * the worker script and what it imports are never taken from the HTTP cache.
 */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.location.protocol !== "file:") {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/", updateViaCache: "none" }).then(function (registration) {
        document.addEventListener("visibilitychange", function () {
          if (document.visibilityState === "visible" && navigator.onLine) registration.update().catch(function () {});
        });
      }).catch(function () { /* no offline mode, still fine */ });
    });
  }
})();
