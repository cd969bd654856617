/* The agent app's service worker (issue #23), served as /sw.js so that its scope covers /chat.
 *
 * - It keeps the shell (the agent page's CSS, scripts, icons and an offline page) in a cache
 *   named after VERSION; a new VERSION installs a fresh cache and the old ones are deleted.
 * - Pages are always asked of the network first: an agent sees live data or, when the network
 *   is gone, the offline page; a page itself is never stored (it holds conversations).
 * - The shell is asked of the network first too, the cache answering only when it fails, so an
 *   upgraded server never runs beside yesterday's scripts.
 * - The API, the sockets and /files/ are never touched: they pass by as if there were no worker.
 * - Notifications shown through it (Android has no other way) open their conversation. */

const VERSION = "switchboard-shell-v1";
const OFFLINE = "/static/offline.html";
const SHELL = [
  OFFLINE,
  "/static/app.css",
  "/static/agent.css",
  "/static/favicon.svg",
  "/static/icons/icon-192.png",
  "/static/agent/main.js",
  "/static/agent/alerts.js",
  "/static/agent/api.js",
  "/static/agent/csat.js",
  "/static/agent/dom.js",
  "/static/agent/email.js",
  "/static/agent/labels.js",
  "/static/agent/list.js",
  "/static/agent/mentions.js",
  "/static/agent/presence.js",
  "/static/agent/queue.js",
  "/static/agent/screens.js",
  "/static/agent/search.js",
  "/static/agent/shortcuts.js",
  "/static/agent/socket.js",
  "/static/agent/suggest.js",
  "/static/agent/team.js",
  "/static/agent/thread.js",
  "/static/agent/transfer.js",
  "/static/shared/dom.js",
  "/static/shared/format.js",
  "/static/shared/frames.js",
  "/static/shared/icons.js",
  "/static/shared/ids.js",
  "/static/shared/reconnect.js",
  "/static/shared/request.js",
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== VERSION).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

/** A page: the network's answer (a redirect to /login included), else the offline page. */
async function page(request) {
  try {
    return await fetch(request);
  } catch (_) {
    const offline = await caches.match(OFFLINE);
    return offline || Response.error();
  }
}

/** A piece of the shell: the network's copy (kept for later), else the one kept. */
async function shell(request) {
  try {
    const answer = await fetch(request);
    if (answer.ok) {
      const copy = answer.clone();
      caches.open(VERSION).then((cache) => cache.put(request, copy)).catch(() => {});
    }
    return answer;
  } catch (error) {
    const kept = await caches.match(request);
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (/^\/(api|files|ws)(\/|$)/.test(url.pathname)) return; // never cached, never answered here
  if (request.mode === "navigate") event.respondWith(page(request));
  else if (SHELL_PATHS.has(url.pathname) && !url.search) event.respondWith(shell(request));
});

/** A tap on a notification: the conversation, in the agent page already open if there is one. */
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const id = Number(event.notification.data && event.notification.data.sessionId);
  const target = Number.isSafeInteger(id) ? `/chat?session=${id}` : "/chat";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((open) => {
      const chat = open.find((client) => new URL(client.url).pathname === "/chat");
      if (!chat) return self.clients.openWindow(target);
      chat.postMessage({ type: "open-conversation", sessionId: id });
      return chat.focus();
    }),
  );
});
