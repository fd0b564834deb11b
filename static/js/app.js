/* KyivGuide — on every page: register the service worker (offline guidance and shelters). */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.location.protocol !== "file:") {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* no offline mode, still fine */ });
    });
  }
})();
