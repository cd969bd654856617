/* The panel's header and launcher badge: who the visitor is talking to, whether the socket is
 * up, whether anyone is there to answer, and how many messages wait unread. */

import { config } from "./config.js";
import { closedText, updateContactBox } from "./contact.js";
import { updateCsatCard } from "./csat.js";
import { num, tr } from "./i18n.js";
import { noteReadMarks } from "./receipts.js";
import { conn, state } from "./state.js";
import { ui } from "./view.js";


/** Take a newer view of the conversation (its status, agent and read marks) and show it. */
export function setSession(session) {
  if (!session || typeof session !== "object" || !session.status) return;
  // A REST answer can arrive after a socket event that is newer (the handoff's "queued"
  // after the "assigned" routing sent meanwhile): keep the newest view of the session.
  const shown = state.session;
  if (shown && shown.id === session.id && typeof shown.updated_at === "string"
      && typeof session.updated_at === "string" && session.updated_at < shown.updated_at) return;
  state.session = session;
  if (session.status !== "queued") state.queueWait = null; // a later wait starts afresh
  noteReadMarks(session.customer_read_seq, session.agent_read_seq);
  updateHeader();
}

function statusText() {
  if (state.key && !conn.ready) {
    const again = conn.everReady || conn.backoff.attempt > 0;
    return tr(again ? "status.reconnecting" : "status.connecting");
  }
  const session = state.session;
  if (!session && state.openNow === false) return tr("status.closed_now");
  if (!session) return tr(state.agentsAvailable === false ? "status.away" : "status.usually");
  switch (session.status) {
    case "bot":
      return tr("status.bot");
    case "queued":
      return tr("status.queued");
    case "active": {
      const agent = session.assigned_agent;
      if (!agent || !agent.name) return tr("status.some_agent");
      return tr("status.agent", { name: agent.name });
    }
    case "closed":
      return tr("status.closed");
    default:
      return "";
  }
}

/** The header, the status dot, the availability line and the handoff button, as things are. */
export function updateHeader() {
  if (!ui) return;
  const session = state.session;
  const down = Boolean(state.key && !conn.ready);
  const status = down ? "down" : session ? session.status : "new";
  ui.subtitle.textContent = statusText();
  const availability = availabilityText();
  ui.availability.textContent = availability;
  const away = availability === tr("availability.away") || state.openNow === false;
  ui.availability.classList.toggle("away", away);
  updateContactBox();
  updateCsatCard();
  const place = queueText();
  ui.queueLine.textContent = place;
  ui.queueLine.hidden = !place;
  ui.download.hidden = !state.key;
  ui.panel.dataset.status = status;
  // A grey dot while nobody is there to take the conversation (an agent already in it is).
  const nobody = state.agentsAvailable === false || state.openNow === false;
  ui.panel.toggleAttribute("data-away", nobody && status !== "active");
  const agent = session && session.status === "active" ? session.assigned_agent : null;
  ui.avatar.textContent = initials(agent && agent.name ? agent.name : config.title);
  const person = !session || session.status === "bot";
  ui.handoff.hidden = !person || Boolean(ui.details && !state.key);
  ui.actions.hidden = ui.handoff.hidden;
}

/** "You're number 2 in line · about 3 minutes" while queued: the place from the session view or
 * a later chat.queue, the estimate from chat.queue alone (and only for that place). */
function queueText() {
  const session = state.session;
  if (!session || session.status !== "queued" || !(session.queue_position >= 1)) return "";
  const place = session.queue_position;
  const text = tr("queue.place", { place });
  const wait = state.queueWait;
  if (!wait || wait.position !== place || !Number.isSafeInteger(wait.seconds)) return text;
  const count = Math.round(wait.seconds / 60);
  const estimate = wait.seconds < 60 ? tr("queue.under_a_minute") : tr("queue.minutes", { count });
  return `${text} · ${estimate}`;
}

/** The customer's place changed (chat.queue): their session view says so from now on. */
export function setQueuePlace(position, seconds) {
  const session = state.session;
  if (!Number.isSafeInteger(position) || position < 1) return;
  state.queueWait = { position, seconds: Number.isSafeInteger(seconds) ? seconds : null };
  if (session && session.status === "queued") {
    state.session = { ...session, queue_position: position };
  }
  updateHeader();
}

/** While the conversation waits for a person (or could ask for one), say honestly whether
 * anyone is there: no promise of a person when nobody is Available. */
function availabilityText() {
  if (state.agentsAvailable == null || (state.key && !conn.ready)) return "";
  const status = state.session ? state.session.status : "new";
  const closed = closedText();
  if (closed && (status === "queued" || status === "bot" || status === "new")) return closed;
  if (status === "queued") {
    return tr(state.agentsAvailable ? "availability.soon" : "availability.away");
  }
  const early = status === "bot" || status === "new";
  if (early && !state.agentsAvailable) return tr("availability.away");
  return "";
}


function initials(name) {
  const firsts = name.split(/\s+/).map((word) => (word.match(/[\p{L}\p{N}]/u) || [""])[0]);
  const letters = firsts.filter(Boolean);
  if (!letters.length) return "?";
  return (letters.length > 1 ? letters[0] + letters[letters.length - 1] : letters[0]).toUpperCase();
}

/** The launcher's unread badge, and the same count for screen readers. */
export function renderBadge() {
  const count = state.open ? 0 : state.unread;
  ui.badge.textContent = count > 9 ? `${num(9)}+` : num(count);
  ui.badge.hidden = count === 0;
  ui.unreadText.textContent = count ? tr("unread", { count }) : "";
}
