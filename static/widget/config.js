/* The widget's settings, from the attributes of its <script> tag, and what it keeps in the
 * visitor's browser (localStorage under the chat server's origin, memory where that is blocked).
 *
 * Optional attributes on the tag: data-server, data-title, data-accent, data-position
 * (right|left), data-greeting, data-ask-details ("true"). */

// With `async`, document.currentScript is set only while the script first runs: read it now.
// (Loaded as a module it is null, and the page's own origin is the server.)
const script = document.currentScript;

export const config = readConfig(script);
export const store = storage(`switchboard:${config.origin}:`);

function readConfig(tag) {
  const data = (tag && tag.dataset) || {};
  let own;
  try {
    own = new URL(tag && tag.src ? tag.src : location.href, location.href);
  } catch (_) {
    own = new URL(location.href);
  }
  let server;
  try {
    server = new URL(data.server || own.origin, location.href);
  } catch (_) {
    server = new URL(own.origin);
  }
  const base = (server.origin + server.pathname).replace(/\/+$/, "");
  return {
    base,
    origin: server.origin,
    wsBase: base.replace(/^http/i, "ws"), // http → ws, https → wss
    title: (data.title || "").trim() || "Chat with us",
    greeting: data.greeting == null ? "Hi there! How can we help you today?" : data.greeting.trim(),
    accent: validColour(data.accent) || "#2563eb",
    position: (data.position || "").trim().toLowerCase() === "left" ? "left" : "right",
    askDetails: (data.askDetails || "").trim().toLowerCase() === "true",
  };
}

function validColour(value) {
  if (!value) return null;
  const colour = value.trim();
  return window.CSS && CSS.supports && CSS.supports("color", colour) ? colour : null;
}

/** localStorage under one prefix; falls back to memory where storage is blocked. */
function storage(prefix) {
  const memory = new Map();
  return {
    prefix,
    get(name) {
      try {
        return localStorage.getItem(prefix + name);
      } catch (_) {
        return memory.has(name) ? memory.get(name) : null;
      }
    },
    set(name, value) {
      try {
        localStorage.setItem(prefix + name, value);
      } catch (_) {
        memory.set(name, value);
      }
    },
    remove(name) {
      try {
        localStorage.removeItem(prefix + name);
      } catch (_) {
        memory.delete(name);
      }
    },
  };
}
