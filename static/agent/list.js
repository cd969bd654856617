/* The conversation list: filters, one button per conversation, kept in place as events arrive. */

import { el } from "../shared/dom.js";
import { icon } from "../shared/icons.js";
import {
  avatar,
  displayName,
  relativeTime,
  srOnly,
  statusBadge,
  timeElement,
} from "./dom.js";
import { labelChip } from "./labels.js";

const FRESH_FOR = 4000; // ms a new conversation stays highlighted

export const FILTERS = {
  all: () => true,
  mine: (s, me) => s.assigned_agent && s.assigned_agent.id === me.id && s.status !== "closed",
  queued: (s) => s.status === "queued",
  bot: (s) => s.status === "bot",
  active: (s) => s.status === "active",
  closed: (s) => s.status === "closed",
};

const EMPTY = {
  all: "No conversations yet. New ones appear here the moment a customer writes.",
  mine: "Nothing assigned to you. Pick one from Queued and click “Assign to Me”.",
  queued: "No one is waiting. Nice work!",
  bot: "The AI assistant is not handling any conversation right now.",
  active: "No active conversations.",
  closed: "No closed conversations.",
};

/** Latest activity first, as the server lists them. */
export function byActivity(a, b) {
  if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
  return b.id - a.id;
}

export function previewOf(session, me) {
  const m = session.last_message;
  if (!m) return { text: "No messages yet", kind: "empty" };
  switch (m.sender_type) {
    case "ai":
      return { text: `AI: ${m.content}`, kind: "ai" };
    case "agent":
      const who = m.agent_id === me.id ? "You" : m.sender_name || "Agent";
      return { text: `${who}: ${m.content}`, kind: "agent" };
    case "system":
      return { text: m.content, kind: "system" };
    default:
      return { text: m.content, kind: "customer" };
  }
}

export class ConversationList {
  constructor(app) {
    this.app = app;
    this.root = document.getElementById("conversation-list");
    this.empty = document.getElementById("list-empty");
    this.filterButtons = [...document.querySelectorAll(".filters .filter")];
    this.items = new Map(); // session id → <li>
    this.fresh = new Map(); // session id → timer
    this.root.textContent = ""; // the server's first paint is replaced by live items
    for (const button of this.filterButtons) {
      button.addEventListener("click", () => app.setFilter(button.dataset.filter));
    }
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("button.conv");
      if (button) app.open(Number(button.dataset.id));
    });
    this.root.addEventListener("keydown", (event) => this.onKey(event));
    setInterval(() => this.tick(), 30000);
  }

  /** Put the focus back on a conversation's button (coming back to the list on a phone). */
  focusItem(id) {
    const item = this.items.get(id);
    const button = item && item.querySelector("button.conv");
    if (button) button.focus();
  }

  /** Arrow keys move between conversations; Home and End jump to the ends. */
  onKey(event) {
    const buttons = [...this.root.querySelectorAll("button.conv")];
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, moves[event.key]))];
    if (next) next.focus();
  }

  flash(id) {
    clearTimeout(this.fresh.get(id));
    this.fresh.set(
      id,
      setTimeout(() => {
        this.fresh.delete(id);
        const item = this.items.get(id);
        if (item) item.classList.remove("is-new");
      }, FRESH_FOR),
    );
  }

  render() {
    const { me, filter } = this.app;
    const all = [...this.app.sessions.values()].sort(byActivity);
    const labelled = all.filter((s) => this.app.labelFilter.passes(s));
    const shown = labelled.filter((s) => FILTERS[filter](s, me));
    for (const button of this.filterButtons) {
      const key = button.dataset.filter;
      button.setAttribute("aria-pressed", String(key === filter));
      const count = button.querySelector(".filter-count");
      if (count) count.textContent = String(labelled.filter((s) => FILTERS[key](s, me)).length);
    }
    const focused = document.activeElement;
    const wanted = new Set(shown.map((s) => s.id));
    for (const [id, item] of this.items) {
      if (!wanted.has(id)) {
        item.remove();
        this.items.delete(id);
      }
    }
    shown.forEach((session, index) => {
      let item = this.items.get(session.id);
      if (!item) {
        item = el("li", { class: "conv-item", "data-id": session.id });
        this.items.set(session.id, item);
      }
      this.fill(item, session);
      const current = this.root.children[index];
      if (current !== item) this.root.insertBefore(item, current || null);
    });
    if (focused && focused !== document.activeElement && focused.isConnected) focused.focus();
    this.empty.textContent = EMPTY[filter];
    this.empty.hidden = shown.length > 0;
  }

  fill(item, session) {
    const { me } = this.app;
    const name = displayName(session);
    const open = this.app.openId === session.id;
    const unread = this.app.unread.get(session.id) || 0;
    const typing = this.app.presence.customerTyping(session.id);
    item.classList.toggle("is-open", open);
    item.classList.toggle("is-unread", unread > 0);
    item.classList.toggle("is-new", this.fresh.has(session.id));
    let button = item.firstElementChild;
    if (!button) {
      button = el("button", { type: "button", class: "conv", "data-id": session.id });
      item.append(button);
    }
    if (open) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    // The button's name is its visible text (WCAG 2.5.3: what a voice user reads out is what
    // names it), in reading order: who (then a comma for the ear, marking the end of the name),
    // when, the last message, status, queue place, holder, labels, counts. Words only a screen
    // reader needs are sr-only; no aria-label hides the text.
    const preview = previewOf(session, me);
    const top = el(
      "span",
      { class: "conv-top" },
      el("span", { class: "conv-name" }, name, el("span", { class: "name-end", text: "," })),
      timeElement(session.updated_at, relativeTime(session.updated_at), "conv-time"),
    );
    const previewLine = typing
      ? el("span", { class: "conv-preview is-typing", text: "typing…" })
      : el("span", { class: `conv-preview preview-${preview.kind}`, text: preview.text });
    const bottom = el("span", { class: "conv-bottom" }, statusBadge(session.status));
    const place = this.app.queue.placeOf(session);
    if (place) bottom.append(el("span", { class: "conv-place", text: `#${place} in queue` }));
    if (session.assigned_agent) {
      const agentName = session.assigned_agent.id === me.id ? "You" : session.assigned_agent.name;
      bottom.append(el("span", { class: "conv-agent" }, srOnly("assigned to "), agentName));
    }
    const labels = Array.isArray(session.labels) ? session.labels : [];
    if (labels.length) {
      bottom.append(el("span", { class: "conv-labels" }, srOnly("labels: "), ...labels.map(labelChip)));
    }
    const viewers = this.app.presence.viewersOf(session.id);
    if (viewers.length) {
      const names = viewers.join(", ");
      bottom.append(
        el("span", { class: "conv-viewers", title: `Open now: ${names}` }, icon("eye"), srOnly(`open by ${names}`)),
      );
    }
    bottom.append(
      el(
        "span",
        { class: "conv-count", title: "Messages" },
        String(session.message_count),
        srOnly(session.message_count === 1 ? " message" : " messages"),
      ),
    );
    if (unread > 0) {
      bottom.append(el("span", { class: "conv-unread" }, String(unread), srOnly(" unread")));
    }
    button.removeAttribute("aria-label");
    button.replaceChildren(
      avatar(name, session.id),
      el("span", { class: "conv-body" }, top, previewLine, bottom),
    );
  }

  tick() {
    for (const node of this.root.querySelectorAll("time.conv-time")) {
      node.textContent = relativeTime(node.getAttribute("datetime"));
    }
  }
}
