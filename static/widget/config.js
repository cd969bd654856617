/* The widget's settings, from the attributes of its <script> tag, and what it keeps in the
 * visitor's browser (localStorage under the chat server's origin, memory where that is blocked).
 *
 * Optional attributes on the tag: data-server, data-title, data-accent, data-position
 * (right|left), data-greeting, data-ask-details (never|optional|required; "true" is required),
 * data-locale (en, de, fr, es, ar or a tag such as "de-AT"; see i18n.js for how the language is
 * chosen).
 * What the tag leaves out comes from the settings an admin chose (the public config, read at
 * load), else from the defaults here. */

// With `async`, document.currentScript is set only while the script first runs: read it now.
// (Loaded as a module it is null, and the page's own origin is the server.)
const script = document.currentScript;
const ASK_DETAILS = { true: "required", required: "required", optional: "optional", never: "never", false: "never" };

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
    askDetails: ASK_DETAILS[(data.askDetails || "").trim().toLowerCase()] || "never",
    locale: (data.locale || "").trim() || "auto",
    greetings: {}, // the admin's greeting by language (the public config's `greetings`)
    // What the tag set itself: those attributes override the stored settings.
    given: {
      title: Boolean((data.title || "").trim()),
      greeting: data.greeting != null,
      accent: Boolean(validColour(data.accent)),
      position: Boolean((data.position || "").trim()),
      askDetails: Boolean(ASK_DETAILS[(data.askDetails || "").trim().toLowerCase()]),
      locale: Boolean((data.locale || "").trim()),
    },
  };
}

/** Take the widget settings of the public config where the tag did not set its own. */
export function takeServerSettings(answer) {
  if (!answer || typeof answer !== "object") return;
  const given = config.given;
  if (!given.title && typeof answer.title === "string" && answer.title.trim()) {
    config.title = answer.title.trim();
  }
  if (!given.greeting && typeof answer.greeting === "string") config.greeting = answer.greeting.trim();
  if (!given.accent && /^#[0-9a-f]{6}$/i.test(answer.accent || "")) config.accent = answer.accent;
  if (!given.position && (answer.position === "left" || answer.position === "right")) {
    config.position = answer.position;
  }
  if (!given.askDetails && ASK_DETAILS[answer.ask_details]) {
    config.askDetails = ASK_DETAILS[answer.ask_details];
  }
  if (!given.locale && typeof answer.locale === "string") config.locale = answer.locale;
  if (answer.greetings && typeof answer.greetings === "object") config.greetings = answer.greetings;
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
