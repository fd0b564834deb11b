/*
 * KyivGuide service worker: the guidance, the shelters and the last pages opened keep working
 * without a network (a shelter often has none).
 *
 * What it never does: answer for the alert status. /api/v1/status always goes to the network;
 * offline, the page's own script turns the banner to "Status unknown" as the data ages. A page
 * served from this cache carries the time it was made, so its embedded status ages correctly.
 */
"use strict";

const VERSION = "{{ version }}";
// A deploy changes VERSION (the static files' hashed names are part of it): the new worker installs
// at once, then deletes every cache of an older version. Pages are versioned with the files, since a
// kept page names the static files of its own deploy; the city data is not tied to a deploy.
const SHELL = "kyivguide-shell-" + VERSION;
const PAGES = "kyivguide-pages-" + VERSION;
const DATA = "kyivguide-data";
const CURRENT = [SHELL, PAGES, DATA];
const PRECACHE = {{ precache|safe }};
// Whole-city data worth having offline; served from the cache and refreshed behind it.
const DATA_PATHS = {{ data_paths|safe }};
const NEVER = {{ never|safe }};
const PAGE_LIMIT = 40;
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  // Take over the open pages first, so that no page of theirs goes on filling an old cache; then
  // delete the old caches.
  event.waitUntil(
    self.clients.claim()
      .then(() => caches.keys())
      .then((names) => Promise.all(names.filter((n) => n.startsWith("kyivguide-") && !CURRENT.includes(n)).map((n) => caches.delete(n))))
  );
});

function offlinePage(url) {
  return url.pathname.startsWith("/en/") ? "/en/offline/" : "/offline/";
}

async function trimPages() {
  const cache = await caches.open(PAGES);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - PAGE_LIMIT)).map((key) => cache.delete(key)));
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, (error) => { clearTimeout(timer); reject(error); });
  });
}

/* Pages: the network first (they carry the status); the copy kept from the last visit, or the
   offline page, when there is no network. */
async function page(request) {
  const url = new URL(request.url);
  try {
    const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok) {
      const copy = response.clone();
      caches.open(PAGES).then((cache) => cache.put(request, copy)).then(trimPages);
    }
    return response;
  } catch (error) {
    const cached = await caches.match(request, { ignoreVary: true });
    return cached || (await caches.match(offlinePage(url))) || Response.error();
  }
}

/* Whole-city data: the cached copy at once, refreshed from the network behind it. */
async function data(request) {
  const cache = await caches.open(DATA);
  const cached = await cache.match(request);
  const refresh = fetch(request).then((response) => {
    if (response.ok) cache.put(request, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => {});
    return cached;
  }
  return refresh;
}

/* Static files have hashed names: a cached copy is always right. */
async function asset(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(SHELL).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // map tiles and the like: the browser's own cache
  if (NEVER.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (DATA_PATHS.includes(url.pathname)) {
    event.respondWith(data(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  }
});

// Web Push (push/services.py builds the message): the notification, one per subscribed region (tag), and
// a tap opens or focuses that region's page; its "Settings" action (title and page in the subscriber's
// language, from the server) opens the notification settings page, where each subscription can be stopped.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    return;
  }
  if (!message.title) return;
  const settings = message.settings && message.settings.url ? message.settings : null;
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body || "",
      icon: message.icon,
      tag: message.tag,
      renotify: true,
      lang: message.lang,
      actions: settings ? [{ action: "settings", title: settings.title }] : [],
      data: { url: message.url || "/", settingsUrl: settings ? settings.url : null },
    }),
  );
});

// Where a tap goes: the settings page for the "Settings" action, else the region's page.
function notificationTarget(action, data) {
  const path = action === "settings" && data?.settingsUrl ? data.settingsUrl : data?.url || "/";
  return new URL(path, self.location.origin).href;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = notificationTarget(event.action, event.notification.data);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === target);
      if (open) return open.focus();
      return self.clients.openWindow(target);
    }),
  );
});
