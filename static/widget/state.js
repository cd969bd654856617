/* What the widget knows: the conversation on screen, the messages still to deliver (kept in the
 * browser across reloads), and the condition of its socket. */

import { Backoff } from "../shared/reconnect.js";
import { store } from "./config.js";

export const state = {
  key: store.get("session_key"),
  lastEventId: toInt(store.get("last_event_id")),
  session: null,
  rows: new Map(), // message id → its row
  seqs: new Set(),
  contiguousSeq: 0, // every message 1..contiguousSeq is shown
  maxSeq: 0,
  historyLoaded: false,
  outbox: loadOutbox(), // messages still to deliver, in order: {client_id, content, created_at}
  pending: new Map(), // client_id → {item, row, timer, status, rejected}
  open: false,
  unread: 0,
  starting: null,
  catchingUp: null,
  lastPoll: 0,
  agentsAvailable: null, // whether any agent is Available: null until the server says
  openNow: null, // within business hours: null until the server says
  nextOpen: null, // while closed: when the team opens (ISO), if it ever does
  openingTimer: null,
  queueWait: null, // {position, seconds}: the latest chat.queue estimate (seconds may be null)
  configAsked: 0, // when the public config was last asked for
  agentReadSeq: 0, // the agents have read up to this seq: "Seen" under our last message to it
  customerReadSeq: 0, // we have read up to this seq, as the server knows it
  readSent: 0, // the newest seq we told the server we read on this connection
  seenRow: null,
  readCheck: false,
  // The rating of the conversation on screen (csatFor): asked for at its latest close, given
  // (the Csat), the rating chosen on the card, the status last seen, a GET …/csat or a POST of
  // the rating under way.
  csatFor: null,
  csatRequested: false,
  csat: null,
  csatPicked: 0,
  csatStatus: null,
  csatChecking: false,
  csatSending: false,
};

export const conn = {
  ws: null,
  ready: false,
  everReady: false,
  backoff: new Backoff(),
  timer: null,
  openedAt: 0,
  lastFrameAt: 0,
  lastPing: 0,
  heartbeat: null,
};

export function toInt(value) {
  const n = Number.parseInt(value, 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function loadOutbox() {
  try {
    const items = JSON.parse(store.get("outbox") || "[]");
    return Array.isArray(items)
      ? items.filter((i) => i && typeof i.client_id === "string" && typeof i.content === "string")
      : [];
  } catch (_) {
    return [];
  }
}

export function saveOutbox() {
  if (state.outbox.length) {
    const items = state.outbox.map(({ client_id, content, created_at }) => ({
      client_id,
      content,
      created_at,
    }));
    store.set("outbox", JSON.stringify(items));
  } else {
    store.remove("outbox");
  }
}

export function removeFromOutbox(clientId) {
  const before = state.outbox.length;
  state.outbox = state.outbox.filter((i) => i.client_id !== clientId);
  if (state.outbox.length !== before) saveOutbox();
}

export function setLastEventId(id) {
  state.lastEventId = id;
  if (id == null) store.remove("last_event_id");
  else store.set("last_event_id", String(id));
}
