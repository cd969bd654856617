/* Small DOM and formatting helpers of the agent page's own (those the widget shares are in
 * ../shared/). Text is only ever set as textContent. */

import { el } from "../shared/dom.js";
import { parseTime } from "../shared/format.js";

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

/** "now", "5m", "3h", "Yesterday", "Mon", "12 Mar": how long ago, compactly. */
export function relativeTime(iso, now = Date.now()) {
  const date = parseTime(iso);
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

export function fullTime(iso) {
  const date = parseTime(iso);
  return date ? date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
}

export function dayLabel(iso, now = Date.now()) {
  const date = parseTime(iso);
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

/** Escape closes the <details> menu that holds the focus (a conversation's Export, Close and
 * Labels menus, the list's label filter) and gives the focus back to its summary, as a menu
 * button does: <details> itself ignores Escape, leaving a keyboard user inside an open menu. */
export function closeMenusOnEscape(root = document) {
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const menu = event.target instanceof Element ? event.target.closest("details[open]") : null;
    if (!menu) return;
    event.preventDefault();
    menu.open = false;
    menu.querySelector(":scope > summary")?.focus();
  });
}
