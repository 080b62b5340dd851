/*
 * Service worker of the citizen page (scope "/"): the app shell works offline and loads
 * instantly on a slow connection; the API is never served from cache except the public branch
 * list, and nothing personal (tickets, sign-in, /me, live views) is ever stored.
 *
 *   navigation to "/"         network first, cached shell when offline
 *   /assets/* (hashed names)  cache first (immutable), cached when first fetched
 *   icons, manifest           cache first
 *   GET /api/v1/branches      network first, cached copy when offline (public, no personal data)
 *   any other /api/*          network only (never cached)
 *   push                      "your turn is near" / "you are called" notifications
 */
const SHELL = "sothutu-shell-v1";
const PUBLIC_API = "sothutu-public-api-v1";
const STATIC = ["/", "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png"];
const MAX_ASSETS = 40;

/** Script and style URLs the shell HTML names (module preloads included). */
function assetsOf(html) {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(STATIC);
      const html = await (await cache.match("/")).text();
      await cache.addAll(assetsOf(html));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== SHELL && name !== PUBLIC_API) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

async function trimAssets(cache) {
  const keys = (await cache.keys()).filter((r) => new URL(r.url).pathname.startsWith("/assets/"));
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ASSETS))) await cache.delete(old);
}

async function networkFirst(request, cacheName, cacheKey) {
  try {
    const res = await fetch(request);
    if (res.ok) {
      const cache = await caches.open(cacheName);
      await cache.put(cacheKey ?? request, res.clone());
    }
    return res;
  } catch (err) {
    const cached = await caches.match(cacheKey ?? request);
    if (cached) return cached;
    throw err;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok) {
    const cache = await caches.open(SHELL);
    await cache.put(request, res.clone());
    await trimAssets(cache);
  }
  return res;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    // Only the public branch list may be kept; tickets, sign-in and live views pass straight through.
    if (url.pathname === "/api/v1/branches") event.respondWith(networkFirst(request, PUBLIC_API));
    return;
  }
  if (request.mode === "navigate") {
    // The citizen page is "/" (with ?ticket=…); other pages (staff, kiosk) are not cached here.
    if (url.pathname === "/" || url.pathname === "/index.html") event.respondWith(networkFirst(request, SHELL, "/"));
    return;
  }
  if (url.pathname.startsWith("/assets/") || url.pathname.startsWith("/icons/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  }
});

self.addEventListener("push", (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  if (!data || typeof data !== "object") return;
  const en = (self.navigator.language || "vi").toLowerCase().startsWith("en");
  const title = (en ? data.titleEn : data.titleVi) || "Số thứ tự";
  const body = (en ? data.textEn : data.textVi) || "";
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      tag: `ticket-${data.ticketId}`,
      renotify: true,
      requireInteraction: data.kind === "called",
      vibrate: data.kind === "called" ? [400, 150, 400, 150, 400] : [250, 100, 250],
      icon: "/icons/icon-192.png",
      badge: "/icons/icon-192.png",
      data: { ticketId: data.ticketId },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const id = event.notification.data && event.notification.data.ticketId;
  const target = id ? `/?ticket=${encodeURIComponent(id)}` : "/";
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const w of windows) {
        if (new URL(w.url).pathname === "/") {
          await w.focus();
          return w.navigate(target);
        }
      }
      return self.clients.openWindow(target);
    })(),
  );
});
