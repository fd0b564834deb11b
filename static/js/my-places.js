/* KyivGuide — my places: home, work, school, any point, and favourite shelters, kept in this browser.
 *
 * Nothing about a place leaves the phone except the two lookups that answer for it: its alert
 * region's status (/api/v1/locate) and its three nearest open shelters (/api/v1/shelters/nearest);
 * and its region's uid, once the person turns on "Notify me about alerts here" for it (push.js,
 * which a removed place's notifications are stopped with).
 * Without a connection the shelters are worked out from the city list the service worker keeps,
 * by the same rules (KyivShelters.fetchNearest), and the status says "unknown": a status is never
 * kept. A status shown goes on ageing: past the unknown threshold with no newer answer, it turns to
 * "Status unknown", as the banner does.
 *
 * Storage: localStorage "kyivguide.places" = {version: 1, places: [{id, kind, name, lat, lon}],
 * shelters: [{id, name, lat, lon}]}, in the order the person chose.
 */
(function () {
  "use strict";

  var KEY = "kyivguide.places";
  var KINDS = ["home", "work", "school", "other"];
  var REFRESH_MS = 30000;

  function empty() { return { version: 1, places: [], shelters: [] }; }

  function isPoint(lat, lon) {
    return typeof lat === "number" && typeof lon === "number" && isFinite(lat) && isFinite(lon) &&
      lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
  }

  // What was kept, or an empty list: a damaged or foreign value never breaks the page.
  function read() {
    var data;
    try { data = JSON.parse(window.localStorage.getItem(KEY) || "null"); } catch (error) { data = null; }
    if (!data || data.version !== 1 || !Array.isArray(data.places) || !Array.isArray(data.shelters)) return empty();
    data.places = data.places.filter(function (p) { return p && isPoint(p.lat, p.lon) && KINDS.indexOf(p.kind) >= 0; });
    data.shelters = data.shelters.filter(function (s) { return s && typeof s.id === "number"; });
    return data;
  }

  function write(data) {
    try { window.localStorage.setItem(KEY, JSON.stringify(data)); return true; } catch (error) { return false; }
  }

  function newId() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 6); }

  function parseCoordinate(text) {
    var value = String(text || "").trim().replace(",", ".");
    return /^-?\d+(\.\d+)?$/.test(value) ? parseFloat(value) : NaN;
  }

  function move(list, index, step) {
    var target = index + step;
    if (target < 0 || target >= list.length) return;
    var item = list.splice(index, 1)[0];
    list.splice(target, 0, item);
  }

  window.KyivPlaces = { key: KEY, read: read, write: write, isPoint: isPoint };

  // --- the shelter page: "save to my places" ------------------------------------------------------
  var favourite = document.getElementById("favourite-shelter");
  if (favourite) {
    var shelterId = parseInt(favourite.getAttribute("data-shelter-id"), 10);
    var showState = function () {
      var saved = read().shelters.some(function (s) { return s.id === shelterId; });
      favourite.textContent = favourite.getAttribute(saved ? "data-saved-label" : "data-save-label");
      favourite.setAttribute("aria-pressed", saved ? "true" : "false");
    };
    favourite.addEventListener("click", function () {
      var data = read();
      var at = -1;
      data.shelters.forEach(function (s, i) { if (s.id === shelterId) at = i; });
      if (at >= 0) {
        data.shelters.splice(at, 1);
      } else {
        data.shelters.push({
          id: shelterId, name: favourite.getAttribute("data-name"),
          lat: parseFloat(favourite.getAttribute("data-lat")), lon: parseFloat(favourite.getAttribute("data-lon"))
        });
      }
      write(data);
      showState();
    });
    favourite.hidden = false;
    showState();
  }

  // --- the home page: the list ---------------------------------------------------------------------
  var section = document.getElementById("my-places");
  var S = window.KyivShelters;
  if (!section || !S || !S.config || !window.localStorage) return;
  var statusConfigNode = document.getElementById("status-config");
  var statusConfig = statusConfigNode ? JSON.parse(statusConfigNode.textContent) : null;
  if (!statusConfig) return;

  var lang = S.config.lang === "en" ? "en" : "uk";
  var listNode = section.querySelector(".my-places-list");
  var emptyNode = section.querySelector(".my-places-empty");
  var sheltersTitle = section.querySelector(".my-shelters-title");
  var sheltersNode = section.querySelector(".my-shelters-list");
  var form = section.querySelector(".my-places-add");
  var messageNode = section.querySelector(".my-places-message");
  var placeTemplate = document.getElementById("my-place-template");
  var shelterTemplate = document.getElementById("my-shelter-template");
  var kindLabels = {};
  Array.prototype.forEach.call(form.querySelectorAll("option"), function (option) {
    kindLabels[option.value] = option.textContent;
  });
  var lookups = {}; // place id -> {state, region, at (ms), failed}

  function say(text) { messageNode.textContent = text || ""; }

  function label(place) { return place.name || kindLabels[place.kind]; }

  function headline(state) { return statusConfig.strings["state." + state] || statusConfig.strings["state.unknown"]; }

  // The state a place is shown in: unknown when never checked or when the last answer is older
  // than the unknown threshold (a failed check keeps a recent answer until then, with a note).
  function shownState(seen) {
    if (!seen || seen.outside) return "unknown";
    return (Date.now() - seen.at) / 1000 > statusConfig.unknownS ? "unknown" : seen.state;
  }

  function statusText(place) {
    var seen = lookups[place.id];
    if (!seen) return headline("unknown");
    if (seen.outside) return section.getAttribute("data-outside");
    var text = (seen.region ? seen.region + ": " : "") + headline(shownState(seen));
    if (seen.failed) text += " " + section.getAttribute(navigator.onLine === false ? "data-offline" : "data-status-failed");
    return text;
  }

  function showStatus(item, place) {
    var node = item.querySelector(".my-place-status");
    node.textContent = statusText(place);
    node.className = "my-place-status state-" + shownState(lookups[place.id]);
    showNotify(item, place);
  }

  // "Notify me about alerts here" for the place's region (push.js), once the lookup has named it: the
  // region's uid leaves the phone only when the person turns notifications on.
  function showNotify(item, place) {
    var control = item.querySelector(".push-notify");
    if (!control || !window.KyivPush) return;
    var seen = lookups[place.id];
    var target = seen && seen.uid ? { key: "place:" + place.id, region: seen.uid, name: label(place), regionName: seen.region } : null;
    window.KyivPush.bind(control, target);
    if (!control.getAttribute("data-labelled")) {
      Array.prototype.forEach.call(control.querySelectorAll("button"), function (button) {
        button.setAttribute("aria-label", button.textContent + ": " + label(place));
      });
      control.setAttribute("data-labelled", "true");
    }
  }

  function checkStatus(item, place) {
    var url = statusConfig.locateUrl + "?lat=" + place.lat.toFixed(5) + "&lon=" + place.lon.toFixed(5);
    return fetch(url, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data.regions || !data.regions.length || !data.status) {
          lookups[place.id] = { outside: true, at: Date.now() };
        } else {
          var region = data.regions[0];
          // The server's age of its data counts: an answer already near the threshold expires sooner.
          var age = data.status.freshness && typeof data.status.freshness.age_s === "number" ? data.status.freshness.age_s : 0;
          lookups[place.id] = {
            state: data.status.state, at: Date.now() - age * 1000, uid: region.uid,
            region: (lang === "en" && region.name_en) ? region.name_en : region.name_uk
          };
        }
      }, function () {
        var seen = lookups[place.id] || { state: "unknown", at: 0 };
        seen.failed = true;
        lookups[place.id] = seen;
      })
      .then(function () { showStatus(item, place); });
  }

  function showShelters(item, place) {
    var node = item.querySelector(".my-place-shelters");
    var origin = { lat: place.lat, lon: place.lon };
    return S.fetchNearest(place.lat, place.lon, { limit: 3, openNow: true }).then(function (answer) {
      node.innerHTML = "";
      if (!answer.results.length) node.appendChild(S.element("li", "shelter-empty muted", S.config.strings.none));
      answer.results.forEach(function (result) { node.appendChild(S.renderResult(result, origin)); });
      node.setAttribute("data-source", answer.offline ? "saved-list" : "server");
    }, function () {
      node.innerHTML = "";
      node.appendChild(S.element("li", "shelter-empty muted", S.config.strings.loadFailed));
    });
  }

  function renderPlace(place, index, count) {
    var item = placeTemplate.content.firstElementChild.cloneNode(true);
    item.setAttribute("data-place-id", place.id);
    var title = item.querySelector(".my-place-name");
    title.id = "my-place-" + place.id;
    title.textContent = label(place);
    item.setAttribute("aria-labelledby", title.id);
    item.querySelector("[data-action=up]").disabled = index === 0;
    item.querySelector("[data-action=down]").disabled = index === count - 1;
    Array.prototype.forEach.call(item.querySelectorAll(".my-place-actions button"), function (button) {
      // "Rename Home", "Remove Home": each button names its place for a screen reader.
      button.setAttribute("aria-label", button.textContent + ": " + label(place));
    });
    var renameInput = item.querySelector(".my-place-rename input");
    renameInput.id = "my-place-rename-" + place.id;
    item.querySelector(".my-place-rename-label").setAttribute("for", renameInput.id);
    showStatus(item, place);
    return item;
  }

  function renderShelter(shelter) {
    var item = shelterTemplate.content.firstElementChild.cloneNode(true);
    var link = item.querySelector(".my-shelter-link");
    link.href = S.config.detailUrl.replace(/0\/$/, shelter.id + "/");
    link.textContent = shelter.name;
    var forget = item.querySelector("[data-action=forget]");
    forget.setAttribute("data-shelter-id", String(shelter.id));
    forget.setAttribute("aria-label", forget.textContent + ": " + shelter.name);
    return item;
  }

  function render(lookup) {
    var data = read();
    listNode.innerHTML = "";
    data.places.forEach(function (place, index) {
      var item = renderPlace(place, index, data.places.length);
      listNode.appendChild(item);
      if (lookup) {
        checkStatus(item, place);
        showShelters(item, place);
      }
    });
    emptyNode.hidden = data.places.length > 0;
    sheltersNode.innerHTML = "";
    data.shelters.forEach(function (shelter) { sheltersNode.appendChild(renderShelter(shelter)); });
    sheltersTitle.hidden = data.shelters.length === 0;
    section.setAttribute("data-ready", "true");
  }

  function update(change) {
    var data = read();
    change(data);
    write(data);
  }

  function indexOf(list, id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return i;
    return -1;
  }

  listNode.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    var item = event.target.closest(".my-place");
    if (!button || !item) return;
    var id = item.getAttribute("data-place-id");
    var action = button.getAttribute("data-action");
    var renameForm = item.querySelector(".my-place-rename");
    if (action === "rename") {
      renameForm.hidden = false;
      renameForm.querySelector("input").value = item.querySelector(".my-place-name").textContent;
      renameForm.querySelector("input").focus();
    } else if (action === "cancel") {
      renameForm.hidden = true;
    } else if (action === "remove") {
      update(function (data) { data.places.splice(indexOf(data.places, id), 1); });
      // Its notifications stop with it (offline, the settings page still lists them to stop later).
      if (window.KyivPush) window.KyivPush.stop("place:" + id).catch(function () { say(section.getAttribute("data-push-stop-failed")); });
      render(true);
    } else if (action === "up" || action === "down") {
      update(function (data) { move(data.places, indexOf(data.places, id), action === "up" ? -1 : 1); });
      render(true);
      var moved = listNode.querySelector('[data-place-id="' + id + '"] [data-action=' + action + "]");
      if (moved && !moved.disabled) moved.focus();
    }
  });

  listNode.addEventListener("submit", function (event) {
    var renameForm = event.target.closest(".my-place-rename");
    if (!renameForm) return;
    event.preventDefault();
    var id = renameForm.closest(".my-place").getAttribute("data-place-id");
    var name = renameForm.querySelector("input").value.trim().slice(0, 60);
    update(function (data) { data.places[indexOf(data.places, id)].name = name; });
    render(true);
  });

  sheltersNode.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action=forget]");
    if (!button) return;
    var id = parseInt(button.getAttribute("data-shelter-id"), 10);
    update(function (data) { data.shelters = data.shelters.filter(function (s) { return s.id !== id; }); });
    render(false);
  });

  form.querySelector("[data-action=here]").addEventListener("click", function () {
    say(S.config.strings.locating);
    S.locate().then(function (position) {
      form.elements.lat.value = position.lat.toFixed(5);
      form.elements.lon.value = position.lon.toFixed(5);
      say("");
    }, function (error) { say(S.locationError(error)); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var lat = parseCoordinate(form.elements.lat.value);
    var lon = parseCoordinate(form.elements.lon.value);
    if (!isPoint(lat, lon)) {
      say(section.getAttribute("data-bad-point"));
      return;
    }
    var kind = KINDS.indexOf(form.elements.kind.value) >= 0 ? form.elements.kind.value : "other";
    var name = form.elements.name.value.trim().slice(0, 60);
    update(function (data) { data.places.push({ id: newId(), kind: kind, name: name, lat: lat, lon: lon }); });
    form.reset();
    render(true);
    say(section.getAttribute("data-saved"));
  });

  // Statuses age while the page is open, and are asked again while it is in view.
  setInterval(function () {
    var data = read();
    Array.prototype.forEach.call(listNode.querySelectorAll(".my-place"), function (item, index) {
      if (data.places[index]) showStatus(item, data.places[index]);
    });
  }, 5000);
  setInterval(function () {
    if (document.visibilityState !== "visible") return;
    var data = read();
    Array.prototype.forEach.call(listNode.querySelectorAll(".my-place"), function (item, index) {
      if (data.places[index]) checkStatus(item, data.places[index]);
    });
  }, REFRESH_MS);

  section.hidden = false;
  render(true);
})();
