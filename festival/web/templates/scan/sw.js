// The scanner's service worker (ticketing/scan_page.py renders it; scope /scan). It precaches the page
// and its files so the scanner opens with the network gone; the page itself is fetched from the
// network first (a new deployment or language shows at once) and from the cache when that fails.
// The device API (/api/) is never cached: scans and the offline package are the page's business.
"use strict";

const VERSION = {{ version | tojson }};
const CACHE = "festival-scan-" + VERSION;
const PAGE = {{ page | tojson }};
const PRECACHE = {{ urls | tojson }};
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "reload": straight from the server, never a stale copy from the HTTP cache.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("festival-scan-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function fromNetworkThenCache(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await withTimeout(fetch(request), PAGE_TIMEOUT_MS);
    if (response.ok) await cache.put(PAGE, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

async function fromCacheThenNetwork(request) {
  const cached = await caches.match(request, { ignoreSearch: true, cacheName: CACHE });
  return cached || fetch(request);
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(fromNetworkThenCache(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(fromCacheThenNetwork(request));
  }
  // Anything else (the device API above all) goes to the network untouched.
});
