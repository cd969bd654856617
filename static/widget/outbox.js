/* Sending text: each message waits in the stored outbox until the server has it; over the
 * socket when it is up, over REST after a short wait when it is not, always with its client_id
 * so that a retry is stored once. */

import { characterCount, cleanContent } from "../shared/format.js";
import { newClientId } from "../shared/ids.js";
import { tr } from "./i18n.js";
import { limits } from "./limits.js";
import { addMessage, renderPending, setPendingStatus } from "./messages.js";
import { autosize, showNotice } from "./panel.js";
import { api } from "./rest.js";
import { ensureSession, forgetSession } from "./session.js";
import { sendFrame, socketUsable } from "./socket.js";
import { removeFromOutbox, saveOutbox, state } from "./state.js";
import { stopTyping } from "./typing.js";
import { ui } from "./view.js";

const ACK_TIMEOUT = 10000; // a message not acknowledged in time is shown as Failed
export const REST_GRACE = 1500; // how long a message waits for the socket before going over REST

/** The composer's text becomes a message on its way, unless it is longer than the server
 * takes (then it stays in the box, and the notice says how long it may be). */
export function submit() {
  const content = cleanContent(ui.input.value);
  if (!content) return;
  const most = limits.contentMax;
  if (most != null && characterCount(content) > most) {
    showNotice(tr("message.too_long", { count: most }));
    return;
  }
  ui.input.value = "";
  autosize();
  stopTyping();
  const item = { client_id: newClientId("w"), content, created_at: new Date().toISOString() };
  state.outbox.push(item);
  saveOutbox();
  renderPending(item);
  deliver(item);
}

/** Send one message: over the socket when it is up, else over REST after a short wait. */
export async function deliver(item, { now = false } = {}) {
  const entry = state.pending.get(item.client_id) || renderPending(item);
  setPendingStatus(entry, "sending");
  armAck(entry);
  if (!state.key) {
    try {
      await ensureSession();
    } catch (error) {
      if (error.code === "rate_limited") retryLater(entry, error.retryAfter);
      else if (error.status === 422) reject(entry, error.message);
      else failed(entry, error.message);
      return;
    }
  }
  if (!state.pending.has(item.client_id)) return; // delivered meanwhile
  if (socketUsable()) {
    sendMessageFrame(item);
  } else {
    setTimeout(pumpRest, now ? 0 : REST_GRACE);
  }
}

function sendMessageFrame(item) {
  sendFrame("chat.message.send", { content: item.content, client_id: item.client_id });
}

/** On (re)connect: resend every message not yet acknowledged, in order, same client_id. */
export function flushOutbox() {
  for (const item of state.outbox) {
    const entry = state.pending.get(item.client_id);
    if (!entry) continue;
    setPendingStatus(entry, "sending");
    armAck(entry);
    sendMessageFrame(item);
  }
}

let pumping = false;

/** The fallback: POST waiting messages one by one, in order, while the socket is down.
 * Strictly in outbox order, Failed ones included (Failed only means "no answer in time"): a
 * later message must never be stored before an earlier one that is still waiting. */
export async function pumpRest() {
  if (pumping) return;
  pumping = true;
  const tried = new Set();
  try {
    for (;;) {
      if (socketUsable() || !state.key) break;
      const item = state.outbox.find(
        (i) => state.pending.has(i.client_id) && !tried.has(i.client_id)
      );
      if (!item) break;
      tried.add(item.client_id);
      const key = state.key;
      try {
        const answer = await api("POST", "/api/v1/chat/public/message", {
          session_key: key,
          content: item.content,
          client_id: item.client_id,
        });
        addMessage(answer.message, { live: true, clientId: item.client_id });
      } catch (error) {
        const entry = state.pending.get(item.client_id);
        if (error.status === 404 && key === state.key) {
          forgetSession();
          break;
        }
        if (!entry) continue;
        if (error.code === "rate_limited") {
          retryLater(entry, error.retryAfter);
          break; // the ones after it wait their turn
        }
        if (error.status >= 400 && error.status < 500) reject(entry, error.message);
        else break; // network trouble: the ack timer marks it failed; a reconnect resends
      }
    }
  } finally {
    pumping = false;
  }
}

function armAck(entry) {
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => failed(entry, tr("message.no_answer")), ACK_TIMEOUT);
}

export function retryLater(entry, seconds) {
  clearTimeout(entry.timer);
  setPendingStatus(entry, "sending");
  const delay = (seconds || 5) * 1000 + Math.random() * 3000;
  entry.timer = setTimeout(() => {
    if (state.pending.get(entry.item.client_id) === entry) deliver(entry.item, { now: true });
  }, delay);
}

/** Not acknowledged in time: shown as Failed, still in the outbox for the next reconnect. */
function failed(entry, reason) {
  clearTimeout(entry.timer);
  setPendingStatus(entry, "failed", reason);
}

/** Refused by the server: only a Retry sends it again, so it leaves the stored outbox. */
export function reject(entry, reason) {
  clearTimeout(entry.timer);
  entry.rejected = true;
  removeFromOutbox(entry.item.client_id);
  setPendingStatus(entry, "failed", reason);
}

export function retry(entry) {
  entry.rejected = false;
  if (!state.outbox.includes(entry.item)) {
    state.outbox.push(entry.item);
    saveOutbox();
  }
  deliver(entry.item, { now: true });
}
