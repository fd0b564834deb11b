/* KyivGuide shelters map: Leaflet (from django-leaflet's static files), our own grid clustering, the
 * nearest shelters listed under the map.
 *
 * The list never depends on the map's images: with tiles failing (normal underground) the map is
 * grey but the list, filters, "locate me" and the address search all work; with the server out of
 * reach, the nearest shelters are worked out from the city list already loaded.
 *
 * Clustering: at each zoom, shelters are put in square cells of CELL_PX screen pixels; a cell with
 * one shelter shows it, a cell with more shows a numbered circle at the cells' mean position that
 * zooms in when tapped. Only cells in view (plus a margin) are drawn; at the deepest zoom every
 * shelter is drawn on its own.
 */
(function () {
  "use strict";

  var S = window.KyivShelters;
  var config = S.config;
  var CELL_PX = 56;
  var LIST_LIMIT = 10;

  var mapNode = document.getElementById("shelter-map");
  var listNode = document.getElementById("shelter-list");
  var listTitle = document.getElementById("shelter-list-title");
  var statusNode = document.getElementById("shelter-status");
  var tilesNotice = document.getElementById("shelter-tiles-notice");
  var form = document.getElementById("shelter-filters");
  var locateButton = document.getElementById("shelter-locate");
  var searchForm = document.getElementById("shelter-search");

  var features = [];
  var origin = null;
  var originMarker = null;

  function setStatus(text) {
    statusNode.textContent = text || "";
    statusNode.hidden = !text;
  }

  function options() {
    var kind = form.elements.kind.value;
    return {
      accessible: form.elements.accessible.checked,
      openNow: form.elements.open_now.checked,
      pupils: form.elements.pupils.checked,
      kinds: kind ? [kind] : [],
      limit: LIST_LIMIT
    };
  }

  // --- map -------------------------------------------------------------------------------------------

  var map = L.map(mapNode, { zoomControl: true, preferCanvas: true }).setView(config.center, config.zoom);
  var tiles = L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 });
  var tileErrors = 0;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors >= 2) tilesNotice.hidden = false;
  });
  tiles.on("tileload", function () { tileErrors = 0; tilesNotice.hidden = true; });
  tiles.addTo(map);
  var clusterLayer = L.layerGroup().addTo(map);

  function popupContent(feature) {
    var p = feature.properties;
    var box = S.element("div", "shelter-popup");
    var english = config.lang === "en";
    var a = S.element("a", "", english ? (p.e || p.a) : p.a);
    a.href = config.detailUrl.replace("/0/", "/" + feature.id + "/");
    box.appendChild(a);
    box.appendChild(S.element("div", "muted", (config.kinds[p.k] || p.k) + " · " + S.hoursText(p.h)));
    return box;
  }

  function visibleFeatures() {
    var opts = options();
    var moment = opts.openNow ? S.kyivMoment(new Date()) : null;
    return features.filter(function (feature) { return S.matches(feature.properties, opts, moment); });
  }

  function drawClusters() {
    clusterLayer.clearLayers();
    var zoom = map.getZoom();
    var bounds = map.getBounds().pad(0.25);
    var cells = {};
    var single = zoom >= map.getMaxZoom();
    visibleFeatures().forEach(function (feature) {
      var c = feature.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      if (!bounds.contains(latlng)) return;
      var point = map.project(latlng, zoom);
      var key = single ? String(feature.id) : Math.floor(point.x / CELL_PX) + ":" + Math.floor(point.y / CELL_PX);
      (cells[key] = cells[key] || []).push({ feature: feature, latlng: latlng });
    });
    Object.keys(cells).forEach(function (key) {
      var members = cells[key];
      if (members.length === 1) {
        var only = members[0];
        L.circleMarker(only.latlng, { radius: 8, weight: 2, color: "#ffffff", fillColor: "#0b3d91", fillOpacity: 0.95 })
          .bindPopup(popupContent(only.feature))
          .addTo(clusterLayer);
        return;
      }
      var lat = 0;
      var lon = 0;
      var area = L.latLngBounds([]);
      members.forEach(function (member) {
        lat += member.latlng.lat;
        lon += member.latlng.lng;
        area.extend(member.latlng);
      });
      var size = members.length < 10 ? 34 : members.length < 100 ? 42 : 50;
      var icon = L.divIcon({
        className: "shelter-cluster",
        html: "<span>" + members.length + "</span>",
        iconSize: [size, size]
      });
      var marker = L.marker([lat / members.length, lon / members.length], {
        icon: icon,
        title: S.plural(config.strings.cluster, members.length),
        keyboard: true
      });
      marker.on("click", function () {
        if (area.getNorthEast().equals(area.getSouthWest())) {
          map.setView(area.getCenter(), map.getMaxZoom());
        } else {
          map.fitBounds(area.pad(0.1), { maxZoom: map.getMaxZoom() });
        }
      });
      marker.addTo(clusterLayer);
    });
    mapNode.setAttribute("data-clusters", String(Object.keys(cells).filter(function (k) { return cells[k].length > 1; }).length));
  }

  map.on("moveend zoomend", drawClusters);

  // --- the list under the map ----------------------------------------------------------------------------

  function showResults(results, title) {
    listTitle.textContent = title;
    listNode.innerHTML = "";
    if (!results.length) {
      listNode.appendChild(S.element("li", "shelter-empty muted", config.strings.none));
      return;
    }
    results.forEach(function (result) { listNode.appendChild(S.renderResult(result, origin)); });
  }

  function refreshNearest() {
    if (!origin) return;
    setStatus(config.strings.loading);
    S.fetchNearest(origin.lat, origin.lon, options(), features.length ? features : null).then(function (answer) {
      setStatus(answer.offline ? config.strings.offline : "");
      showResults(answer.results, config.strings.nearestTitle);
    }).catch(function () {
      setStatus(config.strings.loadFailed);
    });
  }

  function useLocation(position) {
    origin = position;
    if (originMarker) originMarker.remove();
    originMarker = L.circleMarker([position.lat, position.lon], {
      radius: 9, weight: 3, color: "#c4161c", fillColor: "#ffffff", fillOpacity: 1
    }).bindTooltip(config.strings.youAreHere).addTo(map);
    map.setView([position.lat, position.lon], Math.max(map.getZoom(), 15));
    refreshNearest();
  }

  function locateMe() {
    setStatus(config.strings.locating);
    S.locate().then(useLocation).catch(function (error) { setStatus(S.locationError(error)); });
  }

  locateButton.addEventListener("click", locateMe);
  form.addEventListener("change", function () {
    drawClusters();
    refreshNearest();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });

  // Without location (refused, or no fix underground) a person can still find shelters by street.
  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = searchForm.elements.q.value.trim().toLowerCase();
    if (query.length < 2) return;
    var opts = options();
    var found = visibleFeatures().filter(function (feature) {
      var p = feature.properties;
      return (p.a || "").toLowerCase().indexOf(query) >= 0 || (p.e || "").toLowerCase().indexOf(query) >= 0 ||
        (p.n || "").toLowerCase().indexOf(query) >= 0;
    }).slice(0, opts.limit * 2);
    var results = found.map(function (feature) {
      var c = feature.geometry.coordinates;
      var result = S.asResult(feature, origin ? S.haversine(origin.lat, origin.lon, c[1], c[0]) : 0);
      if (!origin) delete result.distance_m;
      return result;
    });
    if (!results.length) {
      listTitle.textContent = config.strings.foundTitle;
      listNode.innerHTML = "";
      listNode.appendChild(S.element("li", "shelter-empty muted", config.strings.searchNone));
      return;
    }
    showResults(results, config.strings.foundTitle);
  });

  // --- start ------------------------------------------------------------------------------------------

  setStatus(config.strings.loading);
  S.loadFeatures().then(function (list) {
    features = list;
    mapNode.setAttribute("data-shelters", String(features.length));
    setStatus("");
    drawClusters();
    refreshNearest();
  }).catch(function () {
    setStatus(config.strings.loadFailed);
  });

  // When the person has already allowed location for this site, show their nearest shelters at once.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "geolocation" }).then(function (permission) {
      if (permission.state === "granted") locateMe();
    }).catch(function () {});
  }
})();
