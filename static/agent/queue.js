/* The queue bar above the list: the agent's load ("3 of 4 chats"), the queue ("Queue: 5 ·
 * oldest 4 min"), the routing mode, and "Accept next" in manual mode.
 *
 * The numbers come from GET /chat/queue: asked on load, on every connection.ready, and shortly
 * after each chat.session.* event (a burst of events makes one request); the oldest wait ticks
 * on between two answers. The answer's places also label the queued conversations in the list. */

import { parseTime } from "../shared/format.js";
import * as api from "./api.js";

const DEBOUNCE = 300; // ms: a burst of session events makes one request
const TICK = 30000;
const MODES = { manual: "Manual", round_robin: "Round robin", least_busy: "Least busy" };

/** "under 1 min", "4 min", "2 h 5 min": how long someone has waited. */
export function waited(iso, now = Date.now()) {
  const since = parseTime(iso);
  if (!since) return "";
  const minutes = Math.floor(Math.max(0, now - since.getTime()) / 60000);
  if (minutes < 1) return "under 1 min";
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return rest ? `${Math.floor(minutes / 60)} h ${rest} min` : `${minutes / 60} h`;
}

export class QueueBar {
  constructor(app) {
    this.app = app;
    this.summary = null;
    this.places = new Map(); // queued session id → place, from the latest answer
    this.timer = null;
    this.asking = null;
    this.again = false;
    this.accepting = false;
    this.load = document.getElementById("queue-load");
    this.count = document.getElementById("queue-count");
    this.mode = document.getElementById("queue-mode");
    this.accept = document.getElementById("accept-next");
    this.error = document.getElementById("queue-error");
    this.accept.addEventListener("click", () => this.acceptNext());
    setInterval(() => this.render(), TICK);
  }

  /** A conversation's place in the queue: the latest answer's, else its session view's. */
  placeOf(session) {
    if (session.status !== "queued") return null;
    return this.places.get(session.id) || session.queue_position || null;
  }

  /** Ask again after a quiet moment (session events come in bursts). */
  soon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), DEBOUNCE);
  }

  async refresh() {
    clearTimeout(this.timer);
    if (this.asking) {
      this.again = true; // the answer in flight may predate what made us ask
      return;
    }
    this.asking = api.queueSummary();
    try {
      this.take(await this.asking);
    } catch (_) {
      /* the next event or connection.ready asks again */
    } finally {
      this.asking = null;
    }
    if (this.again) {
      this.again = false;
      this.refresh();
    }
  }

  take(summary) {
    if (!summary || !Array.isArray(summary.queued)) return;
    this.summary = summary;
    this.places = new Map(summary.queued.map((entry) => [entry.id, entry.position]));
    this.render();
    this.app.list.render();
    const open = this.app.openId != null && this.app.sessions.get(this.app.openId);
    if (open && open.status === "queued") this.app.thread.update(open);
  }

  render() {
    const s = this.summary;
    if (!s) return;
    const me = s.me || {};
    this.load.textContent = `${me.open} of ${me.capacity} ${me.capacity === 1 ? "chat" : "chats"}`;
    this.load.title = "Your open conversations, and how many routing may give you";
    const oldest = s.count && s.oldest_waiting_since ? ` · oldest ${waited(s.oldest_waiting_since)}` : "";
    this.count.textContent = `Queue: ${s.count}${oldest}`;
    this.mode.textContent = `Routing: ${MODES[s.mode] || s.mode}`;
    const manual = s.mode === "manual";
    this.accept.hidden = !manual;
    this.accept.disabled = !manual || s.count === 0 || this.accepting;
    this.accept.title = s.count === 0 ? "Nobody is waiting" : "Take the conversation waiting longest";
  }

  async acceptNext() {
    this.accepting = true;
    this.accept.disabled = true;
    this.showError("");
    try {
      const session = await api.acceptNext();
      this.app.upsert(session);
      await this.app.open(session.id);
    } catch (error) {
      this.showError(error.message);
    } finally {
      this.accepting = false;
      this.refresh();
    }
  }

  showError(text) {
    clearTimeout(this.errorTimer);
    this.error.textContent = text;
    this.error.hidden = !text;
    if (text) this.errorTimer = setTimeout(() => this.showError(""), 10000);
  }
}
