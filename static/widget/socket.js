/* The customer's socket: connect and resume, a heartbeat that notices a dead connection,
 * reconnect with backoff, and what each server frame does to the view. */

import { CLOSE, encodeFrame, parseFrame } from "../shared/frames.js";
import { CONNECT_TIMEOUT, PING_EVERY, SILENCE_LIMIT } from "../shared/reconnect.js";
import { config } from "./config.js";
import { csatReceived, csatRequested } from "./csat.js";
import { retryStalledFiles } from "./files.js";
import { setQueuePlace, setSession, updateHeader } from "./header.js";
import { tr } from "./i18n.js";
import { takeLimits } from "./limits.js";
import { addMessage, addNote } from "./messages.js";
import { flushOutbox, pumpRest, reject, REST_GRACE, retryLater } from "./outbox.js";
import { noteReadMarks, scheduleReadCheck } from "./receipts.js";
import { catchUp, forgetSession, resync } from "./session.js";
import { conn, setLastEventId, state } from "./state.js";
import { forgetTyping, onTyping } from "./typing.js";

const POLL_EVERY = 10000; // REST catch-up while the socket is down and the panel is open

/** Whether a frame sent now goes out on a socket the server has said is ready. */
export function socketUsable() {
  return Boolean(conn.ws && conn.ready && conn.ws.readyState === WebSocket.OPEN);
}

/** Open the conversation's socket, resuming after the last event we saw. */
export function connect() {
  clearTimeout(conn.timer);
  conn.timer = null;
  if (!state.key || conn.ws) return;
  startHeartbeat();
  const resume = state.lastEventId != null ? `?last_event_id=${state.lastEventId}` : "";
  const url = `${config.wsBase}/ws/public/${encodeURIComponent(state.key)}${resume}`;
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (_) {
    scheduleReconnect(1006);
    return;
  }
  conn.ws = ws;
  conn.ready = false;
  conn.openedAt = conn.lastFrameAt = conn.lastPing = Date.now();
  ws.onopen = () => {
    conn.lastFrameAt = Date.now();
  };
  ws.onmessage = (event) => {
    if (ws !== conn.ws) return;
    conn.lastFrameAt = Date.now();
    onFrame(event.data);
  };
  ws.onclose = (event) => {
    if (ws === conn.ws) dropped(event.code);
  };
  updateHeader();
}

/** The network is back: try at once instead of waiting out the backoff. */
export function reconnectNow() {
  if (!state.key || conn.ws) return;
  conn.backoff.reset();
  connect();
}

export function disconnect() {
  clearTimeout(conn.timer);
  conn.timer = null;
  const ws = conn.ws;
  conn.ws = null;
  conn.ready = false;
  if (ws) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close();
    } catch (_) {
      /* already closed */
    }
  }
}

/** The socket ended: find out why and come back when it makes sense. */
function dropped(code) {
  conn.ws = null;
  conn.ready = false;
  forgetTyping();
  if (code === CLOSE.UNKNOWN_KEY) {
    forgetSession();
    return;
  }
  scheduleReconnect(code);
  updateHeader();
  // Whatever is still unsent goes over REST while we wait.
  setTimeout(pumpRest, REST_GRACE);
}

function scheduleReconnect(code) {
  clearTimeout(conn.timer);
  conn.timer = setTimeout(connect, conn.backoff.next(code));
}

/** Give up on a socket that went silent, without waiting for the browser to notice. */
function abandon(ws) {
  ws.onopen = ws.onmessage = ws.onclose = null;
  try {
    ws.close();
  } catch (_) {
    /* already closed */
  }
  if (conn.ws === ws) dropped(1006);
}

function startHeartbeat() {
  if (conn.heartbeat) return;
  conn.heartbeat = setInterval(() => {
    const now = Date.now();
    const ws = conn.ws;
    if (ws && ws.readyState === WebSocket.CONNECTING && now - conn.openedAt > CONNECT_TIMEOUT) {
      abandon(ws);
    } else if (ws && ws.readyState === WebSocket.OPEN) {
      if (now - conn.lastFrameAt > SILENCE_LIMIT) {
        abandon(ws);
      } else if (now - conn.lastPing >= PING_EVERY) {
        conn.lastPing = now;
        sendFrame("ping", {});
      }
    }
    const polling = state.key && !conn.ready && state.open && !document.hidden;
    if (polling && now - state.lastPoll >= POLL_EVERY) {
      state.lastPoll = now;
      catchUp();
    }
  }, 1000);
}

export function sendFrame(type, data) {
  if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN) return false;
  try {
    conn.ws.send(encodeFrame(type, data));
    return true;
  } catch (_) {
    return false;
  }
}

function onFrame(raw) {
  const frame = parseFrame(raw);
  if (!frame) return;
  const id = frame.eventId;
  if (id != null && (state.lastEventId == null || id > state.lastEventId)) setLastEventId(id);
  const handler = HANDLERS[frame.type];
  if (handler) handler(frame.data);
}

const HANDLERS = {
  "connection.ready"(data) {
    conn.ready = true;
    conn.everReady = true;
    conn.backoff.reset();
    retryStalledFiles();
    const head = data.last_event_id;
    if (data.resync_required) {
      setLastEventId(Number.isSafeInteger(head) ? head : null);
    } else if (Number.isSafeInteger(head) && (!data.resumed || state.lastEventId == null)) {
      setLastEventId(head);
    }
    if (data.session) setSession(data.session);
    if (typeof data.agents_available === "boolean") state.agentsAvailable = data.agents_available;
    takeLimits(data.limits);
    state.readSent = state.customerReadSeq; // a mark sent on the last socket may be lost
    updateHeader();
    flushOutbox();
    scheduleReadCheck();
    if (data.resync_required) resync();
    else if (!data.resumed || !state.historyLoaded) catchUp();
  },
  "chat.message.new"(data) {
    addMessage(data.message, { live: true });
    setSession(data.session);
  },
  "chat.message.ack"(data) {
    addMessage(data.message, { live: true, clientId: data.client_id });
  },
  "chat.session.assigned"(data) {
    setSession(data.session);
  },
  "chat.agent.joined"(data) {
    const name = data.agent && data.agent.name;
    if (name) addNote(tr("note.joined", { name }));
  },
  "chat.session.updated"(data) {
    setSession(data.session);
  },
  "chat.session.closed"(data) {
    setSession(data.session);
    addNote(tr("note.closed"));
  },
  "chat.csat.requested"(data) {
    csatRequested(data.session_id);
  },
  "chat.csat.received"(data) {
    csatReceived(data.csat);
  },
  "chat.typing"(data) {
    onTyping(data);
  },
  "chat.queue"(data) {
    setQueuePlace(data.position, data.expected_wait_seconds);
  },
  "chat.availability"(data) {
    if (typeof data.agents_available !== "boolean") return;
    state.agentsAvailable = data.agents_available;
    updateHeader();
  },
  "chat.read"(data) {
    if (data.reader === "agent") noteReadMarks(null, data.seq);
    else if (data.reader === "customer") noteReadMarks(data.seq, null);
  },
  error(data) {
    const entry = data.client_id ? state.pending.get(data.client_id) : null;
    if (!entry) return;
    if (data.code === "rate_limited") retryLater(entry, null);
    else reject(entry, data.message);
  },
  pong() {},
};
