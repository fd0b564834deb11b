/* KyivGuide shelters: shared browser code for the map page and the home page's nearest block.
 *
 * The server answers "nearest shelters" (/api/v1/shelters/nearest). When it cannot be reached, the
 * same answer is worked out here from the city's GeoJSON (/api/v1/shelters, which the browser or
 * a service worker may hold): the same great-circle distance (haversine, sphere of radius
 * 6,371,008.7714 m), the same walking model and the same opening-hours rules in Kyiv time as
 * shelters/hours.py and shelters/selectors.py.
 */
(function () {
  "use strict";

  function readConfig() {
    var node = document.getElementById("shelters-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  var config = readConfig();
  var EARTH_RADIUS_M = config ? config.walking.earthRadius : 6371008.7714;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  // A counted message: `forms` maps CLDR plural categories to texts (kyivguide/plurals.py makes them
  // from the catalogue); Intl.PluralRules picks the category of `n` in the page's language.
  var pluralRules = {};
  function plural(forms, n, lang) {
    var code = lang || (config ? config.lang : "uk");
    if (!pluralRules[code]) pluralRules[code] = new Intl.PluralRules(code);
    var text = forms[pluralRules[code].select(n)] || forms.other || forms.many;
    return format(text, { n: n });
  }

  function haversine(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function walkMinutes(distance) {
    return Math.max(1, Math.ceil(distance * config.walking.detour / config.walking.speed));
  }

  // Weekday (0 = Monday) and minutes since midnight on Kyiv's clocks at `date`.
  var kyivFormat = null;
  function kyivMoment(date) {
    if (!kyivFormat) {
      var options = { timeZone: "Europe/Kyiv", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      try {
        kyivFormat = new Intl.DateTimeFormat("en-GB", options);
      } catch (error) {
        options.timeZone = "Europe/Kiev"; // older tz databases know only the old spelling
        kyivFormat = new Intl.DateTimeFormat("en-GB", options);
      }
    }
    var parts = {};
    kyivFormat.formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
    var weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday);
    return { weekday: weekday, minutes: (parseInt(parts.hour, 10) % 24) * 60 + parseInt(parts.minute, 10) };
  }

  function toMinutes(text) {
    var pieces = text.split(":");
    return parseInt(pieces[0], 10) * 60 + parseInt(pieces[1], 10);
  }

  // Mirrors hours.is_open_at; `hours` is the compact label ("always", "unknown", "school", "HH:MM-HH:MM").
  function isOpenAt(hours, moment, pupils) {
    if (hours === "always" || hours === "unknown") return true;
    if (hours === "school") {
      return Boolean(pupils) && moment.weekday < 5 &&
        moment.minutes >= toMinutes(config.school.opens) && moment.minutes < toMinutes(config.school.closes);
    }
    var span = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(hours || "");
    if (!span) return false;
    var opens = toMinutes(span[1]);
    var closes = toMinutes(span[2]);
    if (opens < closes) return moment.minutes >= opens && moment.minutes < closes;
    return moment.minutes >= opens || moment.minutes < closes;
  }

  // Same rules as selectors.shelters_nearest: never closed, pupils-only only when asked.
  function matches(properties, options, moment) {
    if (properties.s === "closed") return false;
    if (properties.h === "school" && !options.pupils) return false;
    if (options.accessible && properties.w !== 1) return false;
    if (options.kinds && options.kinds.length && options.kinds.indexOf(properties.k) < 0) return false;
    if (moment) {
      if (properties.s === "locked_reported") return false;
      if (!isOpenAt(properties.h, moment, options.pupils)) return false;
    }
    return true;
  }

  function asResult(feature, distance) {
    var p = feature.properties;
    var coordinates = feature.geometry.coordinates;
    return {
      id: feature.id, name: p.n || "", name_en: p.ne || "", address: p.a, address_en: p.e,
      kind: p.k, protection: p.p, district: p.d,
      wheelchair_accessible: p.w === null || p.w === undefined ? null : p.w === 1,
      hours: p.h, status: p.s, lat: coordinates[1], lon: coordinates[0],
      distance_m: Math.round(distance * 10) / 10, walk_minutes: walkMinutes(distance)
    };
  }

  function nearestFromFeatures(features, lat, lon, options) {
    var moment = options.openNow ? kyivMoment(new Date()) : null;
    var ranked = [];
    features.forEach(function (feature) {
      if (!matches(feature.properties, options, moment)) return;
      var c = feature.geometry.coordinates;
      ranked.push({ feature: feature, distance: haversine(lat, lon, c[1], c[0]) });
    });
    ranked.sort(function (a, b) { return a.distance - b.distance || a.feature.id - b.feature.id; });
    return ranked.slice(0, options.limit || 5).map(function (item) { return asResult(item.feature, item.distance); });
  }

  function fetchJson(url, timeoutMs) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, timeoutMs || 8000) : null;
    return fetch(url, { signal: controller ? controller.signal : undefined, credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .finally(function () { if (timer) clearTimeout(timer); });
  }

  var featuresPromise = null;
  function loadFeatures() {
    if (!featuresPromise) {
      featuresPromise = fetchJson(config.api.geojson, 20000).then(function (collection) {
        return collection.features;
      });
      featuresPromise.catch(function () { featuresPromise = null; });
    }
    return featuresPromise;
  }

  // The nearest shelters from the server; from the saved city list when the server is out of reach.
  function fetchNearest(lat, lon, options, features) {
    var query = ["lat=" + lat.toFixed(6), "lon=" + lon.toFixed(6), "limit=" + (options.limit || 5)];
    if (options.accessible) query.push("accessible=1");
    if (options.openNow) query.push("open_now=1");
    if (options.pupils) query.push("pupils=1");
    if (options.kinds && options.kinds.length) query.push("kind=" + encodeURIComponent(options.kinds.join(",")));
    return fetchJson(config.api.nearest + "?" + query.join("&"), 6000)
      .then(function (data) { return { results: data.results, offline: false }; })
      .catch(function () {
        var source = features ? Promise.resolve(features) : loadFeatures();
        return source.then(function (list) {
          return { results: nearestFromFeatures(list, lat, lon, options), offline: true };
        });
      });
  }

  function distanceText(metres) {
    var strings = config.strings;
    if (metres < 1000) return format(strings.metres, { n: Math.round(metres) });
    var km = (metres / 1000).toFixed(metres < 10000 ? 1 : 0);
    return format(strings.kilometres, { n: config.lang === "uk" ? km.replace(".", ",") : km });
  }

  function hoursText(hours) {
    var strings = config.strings;
    if (hours === "always") return strings.hoursAlways;
    if (hours === "school") return strings.hoursSchool;
    var span = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(hours || "");
    if (span) return format(strings.hoursSchedule, { from: span[1], to: span[2] });
    return strings.hoursUnknown;
  }

  function accessText(accessible) {
    var strings = config.strings;
    if (accessible === true) return strings.accessible;
    if (accessible === false) return strings.notAccessible;
    return strings.accessUnknown;
  }

  function directions(result, origin) {
    var to = result.lat.toFixed(6) + "," + result.lon.toFixed(6);
    var from = origin ? origin.lat.toFixed(6) + "," + origin.lon.toFixed(6) : "";
    return {
      geo: "geo:" + to + "?q=" + to,
      osm: "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=" +
        encodeURIComponent(from + ";" + to)
    };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, text, className) {
    var a = element("a", className, text);
    a.href = href;
    return a;
  }

  // One shelter in a list: address, distance and minutes on foot, kind, access, hours, directions.
  function renderResult(result, origin) {
    var english = config.lang === "en";
    var item = element("li", "shelter-item");
    item.setAttribute("data-shelter-id", String(result.id));
    var title = element("h3", "shelter-item-title");
    var name = english ? (result.name_en || result.name) : result.name;
    var address = english ? (result.address_en || result.address) : result.address;
    title.appendChild(link(config.detailUrl.replace("/0/", "/" + result.id + "/"), address, "shelter-address"));
    item.appendChild(title);
    if (english && result.address_en && result.address !== result.address_en) {
      item.appendChild(element("p", "shelter-item-original muted", result.address));
    }
    if (name && address.indexOf(name) < 0) item.appendChild(element("p", "shelter-item-name", name));
    if (result.distance_m !== undefined) {
      item.appendChild(element("p", "shelter-item-distance",
        distanceText(result.distance_m) + " · " + format(config.strings.walk, { n: result.walk_minutes })));
    }
    var facts = element("ul", "shelter-item-facts");
    facts.appendChild(element("li", "shelter-kind", config.kinds[result.kind] || result.kind));
    facts.appendChild(element("li", "shelter-access", accessText(result.wheelchair_accessible)));
    facts.appendChild(element("li", "shelter-hours", hoursText(result.hours)));
    if (result.status !== "unverified") {
      facts.appendChild(element("li", "shelter-status status-" + result.status, config.statuses[result.status] || result.status));
    }
    item.appendChild(facts);
    // shelter-report.js, when the page has it: recent unconfirmed reports, and a "report a problem".
    var reports = window.KyivReports;
    if (result.reported && reports) item.appendChild(element("p", "shelter-reported", reports.reportedText(result.reported)));
    var routes = directions(result, origin);
    var actions = element("p", "shelter-item-actions");
    actions.appendChild(element("span", "shelter-directions-label", config.strings.directions + ":"));
    actions.appendChild(link(routes.geo, config.strings.geo, "button secondary shelter-geo"));
    var osm = link(routes.osm, config.strings.osm, "button secondary shelter-osm");
    osm.rel = "noopener";
    actions.appendChild(osm);
    item.appendChild(actions);
    if (reports) item.appendChild(reports.cardReport(result, origin));
    return item;
  }

  function locate() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) {
        reject({ code: 2 });
        return;
      }
      navigator.geolocation.getCurrentPosition(
        function (position) { resolve({ lat: position.coords.latitude, lon: position.coords.longitude }); },
        reject,
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function locationError(error) {
    return error && error.code === 1 ? config.strings.locationDenied : config.strings.locationUnavailable;
  }

  window.KyivShelters = {
    config: config,
    format: format,
    plural: plural,
    haversine: haversine,
    walkMinutes: walkMinutes,
    kyivMoment: kyivMoment,
    isOpenAt: isOpenAt,
    matches: matches,
    nearestFromFeatures: nearestFromFeatures,
    asResult: asResult,
    loadFeatures: loadFeatures,
    fetchNearest: fetchNearest,
    renderResult: renderResult,
    locate: locate,
    locationError: locationError,
    element: element,
    hoursText: hoursText,
    accessText: accessText
  };
})();
