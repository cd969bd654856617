/* The conversation log: one row per message in seq order, grouped by sender, with the state of
 * what we sent ("Sending…", "Failed", "Sent"), notes of our own, and keeping to the bottom. */

import { el } from "../shared/dom.js";
import { parseTime } from "../shared/format.js";
import { attachmentBubble } from "./files.js";
import { renderBadge } from "./header.js";
import { fullDateText, timeText, tr } from "./i18n.js";
import { retry } from "./outbox.js";
import { renderSeen, scheduleReadCheck } from "./receipts.js";
import { catchUp } from "./session.js";
import { removeFromOutbox, state } from "./state.js";
import { stopTyper } from "./typing.js";
import { ui } from "./view.js";

function senderKey(message) {
  if (message.sender_type === "agent") return `agent:${message.agent_id || message.sender_name}`;
  return message.sender_type === "system" ? null : message.sender_type;
}

function senderLabel(message) {
  switch (message.sender_type) {
    case "customer":
      return tr("who.you");
    case "ai":
      return tr("who.ai");
    case "agent":
      return message.sender_name || tr("who.agent");
    default:
      return "";
  }
}

/** A message's time in the widget's language; the whole date and time when hovered. */
function setTime(time, iso) {
  const date = parseTime(iso);
  time.textContent = timeText(date);
  time.setAttribute("datetime", iso || "");
  if (date) time.setAttribute("title", fullDateText(date));
  else time.removeAttribute("title");
}

let pendingCount = 0;

/** Where a row not yet stored sorts: after every stored message, in the order it was made. */
export function nextPendingOrder() {
  pendingCount += 1;
  return 1e12 + pendingCount;
}

/** One message row: who, the bubble, and a line with its state and time. */
export function messageRow(message) {
  const mine = message.sender_type === "customer";
  const system = message.sender_type === "system";
  const row = el("div", { class: `row ${mine ? "mine" : system ? "system" : "theirs"}` });
  row.sbWho = senderKey(message);
  if (!system) row.append(el("div", { class: "who", text: senderLabel(message) }));
  if (message.attachment && state.key) row.append(attachmentBubble(message));
  else row.append(el("div", { class: "bubble", text: message.content }));
  const meta = el("div", { class: "meta" });
  if (mine) meta.append(el("span", { class: "state", text: tr("message.sent") }));
  const time = el("time");
  setTime(time, message.created_at);
  meta.append(time);
  row.append(meta);
  return row;
}

/** A message on its way: its row, "Sending…" until the server has it. */
export function renderPending(item) {
  const row = messageRow({ sender_type: "customer", content: item.content, created_at: item.created_at });
  row.sbOrder = nextPendingOrder();
  const entry = { item, row, timer: null, status: "sending", rejected: false };
  state.pending.set(item.client_id, entry);
  setPendingStatus(entry, "sending");
  insertRow(row, true);
  return entry;
}

export function setPendingStatus(entry, status, reason) {
  entry.status = status;
  const { row } = entry;
  const stateLabel = row.querySelector(".state");
  stateLabel.textContent = tr(status === "failed" ? "message.failed" : "message.sending");
  row.classList.toggle("sending", status === "sending");
  row.classList.toggle("failed", status === "failed");
  if (reason) stateLabel.setAttribute("title", reason);
  else stateLabel.removeAttribute("title");
  const old = row.querySelector(".retry");
  if (old) old.remove();
  if (status === "failed") {
    const button = el("button", { type: "button", class: "retry", text: tr("message.retry") });
    button.addEventListener("click", () => retry(entry));
    row.querySelector(".meta").append(button);
  }
}

/** Show a stored message once; a message we sent ourselves replaces its pending row. */
export function addMessage(message, { live = false, clientId } = {}) {
  if (!message || !Number.isSafeInteger(message.id) || !Number.isSafeInteger(message.seq)) return;
  const cid = clientId || message.client_id;
  const entry = cid ? state.pending.get(cid) : null;
  if (entry) {
    clearTimeout(entry.timer);
    state.pending.delete(cid);
    removeFromOutbox(cid);
  }
  if (state.rows.has(message.id)) {
    if (entry) entry.row.remove();
    return;
  }
  const nearBottom = isNearBottom();
  let row;
  if (entry) {
    row = entry.row;
    row.classList.remove("sending", "failed");
    const stateLabel = row.querySelector(".state");
    stateLabel.textContent = tr("message.sent");
    stateLabel.removeAttribute("title");
    const retryButton = row.querySelector(".retry");
    if (retryButton) retryButton.remove();
    setTime(row.querySelector("time"), message.created_at);
  } else {
    row = messageRow(message);
  }
  row.sbOrder = message.seq;
  state.rows.set(message.id, row);
  state.seqs.add(message.seq);
  state.maxSeq = Math.max(state.maxSeq, message.seq);
  while (state.seqs.has(state.contiguousSeq + 1)) state.contiguousSeq += 1;
  insertRow(row, nearBottom || message.sender_type === "customer");
  if (live && message.sender_type !== "customer") {
    stopTyper(message.sender_type, message.sender_name);
    if (!state.open) {
      state.unread += 1;
      renderBadge();
    }
  }
  if (live && message.seq > state.contiguousSeq + 1) catchUp(); // a gap: fetch what we missed
  if (message.sender_type !== "customer") scheduleReadCheck();
  else if (message.seq <= state.agentReadSeq) renderSeen();
}

/** Which seqs are on screen, after rows were taken away. */
export function recountSeqs() {
  state.seqs = new Set([...state.rows.values()].map((row) => row.sbOrder));
  state.maxSeq = Math.max(0, ...state.seqs);
  state.contiguousSeq = 0;
  while (state.seqs.has(state.contiguousSeq + 1)) state.contiguousSeq += 1;
}

/** A line of our own (not a stored message), such as "Alice Agent joined the conversation". */
export function addNote(text) {
  const row = el("div", { class: "row system note" });
  row.append(el("div", { class: "bubble", text }));
  row.sbOrder = state.maxSeq + 0.5;
  row.sbWho = null;
  insertRow(row, isNearBottom());
}

/** Put a row in seq order (rows almost always arrive last: walk back from the end). */
export function insertRow(row, scroll) {
  let ref = ui.log.lastElementChild;
  while (ref && ref.sbOrder > row.sbOrder) ref = ref.previousElementSibling;
  if (ref) ref.after(row);
  else ui.log.prepend(row);
  regroup(row);
  if (row.nextElementSibling) regroup(row.nextElementSibling);
  if (scroll) scrollToBottom();
}

/** Consecutive messages from one sender form a group: only the first shows who it is. */
export function regroup(row) {
  const rows = row ? [row] : [...ui.log.children];
  for (const r of rows) {
    const prev = r.previousElementSibling;
    r.classList.toggle("cont", Boolean(prev && r.sbWho && prev.sbWho === r.sbWho));
  }
}

function isNearBottom() {
  const log = ui.log;
  return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

export function scrollToBottom() {
  ui.log.scrollTop = ui.log.scrollHeight;
}
