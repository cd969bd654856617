/* Small DOM and formatting helpers for the agent page. Text is only ever set as textContent. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** An element with attributes and children; `text` sets textContent, never HTML. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    node.append(child);
  }
  return node;
}

const ICONS = {
  send: ["M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a1 1 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  user: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 20a8 8 0 0 1 16 0"],
  clip: ["M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"],
  eye: ["M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z", "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z"],
};

export function icon(name) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name}`);
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

export function srOnly(text) {
  return el("span", { class: "sr-only", text });
}

export const STATUS_LABELS = { bot: "Bot", queued: "Queued", active: "Active", closed: "Closed" };

export function statusBadge(status) {
  return el("span", { class: `badge status-${status}`, text: STATUS_LABELS[status] || status });
}

/** What agents call a customer: the name they gave, or "Visitor #<id>". */
export function displayName(session) {
  const name = typeof session.customer_name === "string" ? session.customer_name.trim() : "";
  return name || `Visitor #${session.id}`;
}

export function initial(name) {
  const match = String(name).match(/[\p{L}\p{N}]/u);
  return match ? match[0].toUpperCase() : "?";
}

export function avatar(name, id, extra = "") {
  return el("span", {
    class: `avatar ${extra}`.trim(),
    "data-tone": String(Math.abs(Number(id) || 0) % 8),
    "aria-hidden": "true",
    text: initial(name),
  });
}

function parse(iso) {
  const date = iso ? new Date(iso) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** "now", "5m", "3h", "Yesterday", "Mon", "12 Mar": how long ago, compactly. */
export function relativeTime(iso, now = Date.now()) {
  const date = parse(iso);
  if (!date) return "";
  const seconds = Math.max(0, (now - date.getTime()) / 1000);
  if (seconds < 45) return "now";
  if (seconds < 3600) return `${Math.round(seconds / 60) || 1}m`;
  const today = new Date(now);
  today.setHours(0, 0, 0, 0);
  if (date >= today) return `${Math.floor(seconds / 3600)}h`;
  const days = Math.ceil((today - date) / 86400000);
  if (days <= 1) return "Yesterday";
  if (days < 7) return date.toLocaleDateString([], { weekday: "short" });
  return date.toLocaleDateString([], { day: "numeric", month: "short" });
}

export function clockTime(iso) {
  const date = parse(iso);
  return date ? date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }) : "";
}

export function fullTime(iso) {
  const date = parse(iso);
  return date ? date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

export function dayLabel(iso, now = Date.now()) {
  const date = parse(iso);
  if (!date) return "";
  const today = new Date(now);
  today.setHours(0, 0, 0, 0);
  const day = new Date(date);
  day.setHours(0, 0, 0, 0);
  const diff = Math.round((today - day) / 86400000);
  if (diff === 0) return "Today";
  if (diff === 1) return "Yesterday";
  return date.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });
}

export function timeElement(iso, text, className) {
  const node = el("time", { class: className, text });
  if (iso) {
    node.setAttribute("datetime", iso);
    node.title = fullTime(iso);
  }
  return node;
}

/** A client_id the server accepts: ≤ 64 of [A-Za-z0-9_-]. */
export function newClientId() {
  let raw;
  if (window.crypto && crypto.randomUUID) raw = crypto.randomUUID();
  else raw = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
  return `a-${raw}`.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
}

/** What the server accepts as content: no control characters but \n and \t, trimmed. */
export function cleanContent(text) {
  return text
    .replace(/\r\n?/g, "\n")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "")
    .trim();
}
