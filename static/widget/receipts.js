/* Read receipts: "Seen" under our latest message an agent has read, and chat.read to the
 * agents once their newest message is really in front of the customer. */

import { tr } from "./i18n.js";
import { sendFrame, socketUsable } from "./socket.js";
import { state } from "./state.js";
import { ui } from "./view.js";

/** Take the read marks the server told us about; they only move forward. */
export function noteReadMarks(customerSeq, agentSeq) {
  if (Number.isSafeInteger(customerSeq) && customerSeq > state.customerReadSeq) {
    state.customerReadSeq = customerSeq;
    state.readSent = Math.max(state.readSent, customerSeq);
  }
  if (Number.isSafeInteger(agentSeq) && agentSeq > state.agentReadSeq) {
    state.agentReadSeq = agentSeq;
    renderSeen();
  }
}

/** "Seen" replaces "Sent" under our latest message an agent has read, and only there. */
export function renderSeen() {
  let target = null;
  for (const row of state.rows.values()) {
    const ours = row.classList.contains("mine");
    if (ours && row.sbOrder <= state.agentReadSeq && (!target || row.sbOrder > target.sbOrder)) {
      target = row;
    }
  }
  if (target === state.seenRow) return;
  const before = state.seenRow;
  if (before && !before.classList.contains("sending") && !before.classList.contains("failed")) {
    before.classList.remove("seen");
    before.querySelector(".state").textContent = tr("message.sent");
  }
  state.seenRow = target;
  if (target) {
    target.classList.add("seen");
    target.querySelector(".state").textContent = tr("message.seen");
  }
}

export function scheduleReadCheck() {
  if (state.readCheck || !ui) return;
  state.readCheck = true;
  requestAnimationFrame(() => {
    state.readCheck = false;
    markRead();
  });
}

/** Tell the agents we have read their newest message, once it is really in front of us:
 * the panel is open, the page is visible and that message is scrolled into view. */
function markRead() {
  if (!state.open || document.visibilityState !== "visible" || !socketUsable()) return;
  let newest = null;
  for (const row of state.rows.values()) {
    if (!row.classList.contains("mine") && (!newest || row.sbOrder > newest.sbOrder)) newest = row;
  }
  if (!newest || newest.sbOrder <= state.readSent || !onScreen(newest)) return;
  if (sendFrame("chat.read", { seq: newest.sbOrder })) state.readSent = newest.sbOrder;
}

function onScreen(row) {
  const box = row.getBoundingClientRect();
  const view = ui.log.getBoundingClientRect();
  return box.height > 0 && box.bottom > view.top && box.top < view.bottom;
}
