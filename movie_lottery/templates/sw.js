// The site's service worker (served at /sw.js, scope /): the offline page, fingerprinted static
// files from the cache, pages from the network with the last seen lottery, poll or night page
// kept for offline use, and Web Push notifications. Never cached: anything but GET, the API,
// admin pages and every other page, and any response marked no-store (every page shown to the
// admin); kept pages are stored without their CSRF tokens and forgotten on log-out. A server
// that does not answer within NETWORK_TIMEOUT_MS is treated as gone.
"use strict";

const VERSION = {{ version|tojson }};
const SHELL_CACHE = "shell-" + VERSION;   // this deployment's offline pages
// Fingerprinted files (a changed file has a new URL) and the last seen kept pages survive
// deployments: a page kept before one still finds the styles it was shown with.
const STATIC_CACHE = "static-v1";
// v1 could hold copies of pages shown to the admin: it is dropped on activation.
const PAGES_CACHE = "pages-v2";
const NETWORK_TIMEOUT_MS = 4000;
const LOG_OUT = {{ url_for("admin.logout")|tojson }};
const PRECACHE = {{ precache|tojson }};
const OFFLINE = {{ offline|tojson }};
// Lottery, poll and night pages (not /manage, not the API): the ones worth reading offline.
const KEPT_PAGES = [/^\/l\/[\w-]+$/, /^\/p\/[\w-]+$/, /^\/n\/[\w-]+$/];
const LANGUAGE_KEY = "/__sw/language";
const TOKENS = [
  /(<meta name="csrf-token" content=")[^"]*(")/g,
  /(<input type="hidden" name="csrf_token" value=")[^"]*(")/g,
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    await (await caches.open(SHELL_CACHE)).addAll(Object.values(OFFLINE));
    await (await caches.open(STATIC_CACHE)).addAll(PRECACHE);
    await self.skipWaiting(); // a new deployment's worker does not wait for old tabs to close
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([SHELL_CACHE, STATIC_CACHE, PAGES_CACHE]);
    for (const name of await caches.keys()) {
      if (!keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === LOG_OUT) {
    event.respondWith(logOut(request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, request, url));
  }
  // Everything else (the JSON API, the live results) goes to the network untouched.
});

async function cacheFirst(request, url) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && url.searchParams.has("v")) {
    const copy = response.clone();
    caches.open(STATIC_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

async function networkFirst(event, request, url) {
  const kept = KEPT_PAGES.some((pattern) => pattern.test(url.pathname));
  const network = fetch(request);
  network.catch(() => {}); // a failure after the timeout is nobody's business
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  const response = await Promise.race([network, timeout]).catch(() => null);
  if (!response) return (kept && await keptCopy(url)) || offlinePage();
  const language = response.headers.get("Content-Language");
  if (language) event.waitUntil(rememberLanguage(language));
  const html = (response.headers.get("Content-Type") || "").startsWith("text/html");
  const storable = !/no-store/i.test(response.headers.get("Cache-Control") || "");
  if (kept && storable && response.ok && !response.redirected && html) event.waitUntil(keep(url, response.clone()));
  return response;
}

async function logOut(request) {
  const response = await fetch(request); // offline, the browser says so: nothing was logged out
  await forgetPages();
  return response;
}

async function forgetPages() {
  const cache = await caches.open(PAGES_CACHE);
  for (const key of await cache.keys()) {
    if (new URL(key.url).pathname !== LANGUAGE_KEY) await cache.delete(key);
  }
}

async function keep(url, response) {
  let text = await response.text();
  for (const pattern of TOKENS) text = text.replace(pattern, "$1$2");
  text = text.replace("data-offline-banner hidden", "data-offline-banner");
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(url.pathname, new Response(text, { headers: { "Content-Type": "text/html; charset=utf-8" } }));
}

async function keptCopy(url) {
  const cache = await caches.open(PAGES_CACHE);
  return cache.match(url.pathname);
}

async function rememberLanguage(language) {
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(LANGUAGE_KEY, new Response(language));
}

async function offlinePage() {
  const cache = await caches.open(PAGES_CACHE);
  const remembered = await cache.match(LANGUAGE_KEY);
  let language = remembered ? (await remembered.text()).trim() : "";
  if (!OFFLINE[language]) language = (self.navigator.language || "").startsWith("en") ? "en" : "ru";
  const page = await caches.match(OFFLINE[language] || OFFLINE.ru);
  return page || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  event.waitUntil(self.registration.showNotification(data.title || "🎬", {
    body: data.body || "",
    icon: data.icon,
    badge: data.icon,
    tag: data.tag,       // a repeated push replaces the notification instead of adding one
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/", self.location.origin);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target.href);
  })());
});
