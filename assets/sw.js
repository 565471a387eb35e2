/* pms service worker: one job. When a page load (a navigation) cannot reach the server, show the
   cached offline page instead of the browser's error. Nothing else is cached or touched: API
   calls, the event websocket, uploads and downloads, scripts and images all go to the network as
   if there were no worker. Bump VERSION when offline.html changes. */
const VERSION = "v1";
const CACHE = `pms-offline-${VERSION}`;
const OFFLINE_URL = "/offline.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.add(new Request(OFFLINE_URL, { cache: "reload" })))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("pms-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode !== "navigate" || request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Downloads (/api/...), uploads (/_upload/...) and Reflex's own paths (/_event, /_health...).
  if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/_")) return;
  event.respondWith(
    fetch(request).catch(() =>
      caches.match(OFFLINE_URL, { cacheName: CACHE }).then(
        (cached) => cached || Response.error(),
      ),
    ),
  );
});
