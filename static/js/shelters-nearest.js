/* KyivGuide home page: "use my location" → the 3 nearest shelters open now.
 *
 * Self-contained (needs only shelters-core.js and the page's #shelters-config): it asks the server,
 * and when the server is out of reach works the answer out from the saved city list.
 */
(function () {
  "use strict";

  var S = window.KyivShelters;
  var block = document.getElementById("nearest-shelters");
  if (!S || !block) return;
  var config = S.config;
  var button = block.querySelector("[data-action=locate]");
  var statusNode = block.querySelector(".nearest-status");
  var listNode = block.querySelector(".nearest-list");

  function setStatus(text) {
    statusNode.textContent = text || "";
    statusNode.hidden = !text;
  }

  function showNearest(origin) {
    setStatus(config.strings.loading);
    return S.fetchNearest(origin.lat, origin.lon, { limit: 3, openNow: true }).then(function (answer) {
      setStatus(answer.offline ? config.strings.offline : "");
      listNode.innerHTML = "";
      if (!answer.results.length) {
        listNode.appendChild(S.element("li", "shelter-empty muted", config.strings.none));
      }
      answer.results.forEach(function (result) { listNode.appendChild(S.renderResult(result, origin)); });
    }, function () {
      setStatus(config.strings.loadFailed);
    });
  }

  // The home page has one "use my location" (beside the status banner); it announces the position.
  document.addEventListener("kyivguide:position", function (event) { showNearest(event.detail); });

  if (!button) return;
  button.addEventListener("click", function () {
    setStatus(config.strings.locating);
    button.disabled = true;
    S.locate().then(showNearest, function (error) {
      setStatus(S.locationError(error));
    }).then(function () {
      button.disabled = false;
    });
  });
})();
