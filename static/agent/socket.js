/* The agent's live socket: /ws with the login cookie, resume by last_event_id, reconnect with
 * exponential backoff and jitter, and a heartbeat that notices a dead connection. */

import { CLOSE, encodeFrame, parseFrame } from "../shared/frames.js";
import { Backoff, CONNECT_TIMEOUT, PING_EVERY, SILENCE_LIMIT } from "../shared/reconnect.js";

export class LiveSocket {
  /**
   * @param {object} hooks
   *   onFrame(frame): every server frame after connection.ready handling
   *   onReady(data): connection.ready's data (resumed, resync_required, last_event_id)
   *   onState(state): "connecting" | "live" | "reconnecting" | "refused"
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.ws = null;
    this.ready = false;
    this.everReady = false;
    this.lastEventId = null;
    this.backoff = new Backoff();
    this.retryTimer = null;
    this.readyTimer = null;
    this.lastFrameAt = 0;
    this.lastPingAt = 0;
    this.stopped = false;
    this.heartbeat = setInterval(() => this.checkHealth(), 5000);
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.checkHealth();
    });
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const resume = this.lastEventId == null ? "" : `?last_event_id=${this.lastEventId}`;
    return `${scheme}//${location.host}/ws${resume}`;
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.ready = false;
    this.hooks.onState(this.everReady ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (_) {
      this.scheduleRetry(null);
      return;
    }
    this.ws = ws;
    this.lastFrameAt = Date.now();
    clearTimeout(this.readyTimer);
    this.readyTimer = setTimeout(() => {
      if (this.ws === ws && !this.ready) this.drop(ws);
    }, CONNECT_TIMEOUT);
    ws.addEventListener("message", (event) => {
      if (this.ws === ws) this.receive(event.data);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws === ws) this.closed(event.code);
    });
  }

  receive(text) {
    this.lastFrameAt = Date.now();
    const frame = parseFrame(text);
    if (!frame) return;
    if (frame.type === "connection.ready") {
      this.becomeReady(frame.data);
      return;
    }
    if (frame.eventId != null) {
      // Resume promises each event once; this guards against a replay overlapping anyway.
      if (this.lastEventId != null && frame.eventId <= this.lastEventId) return;
      this.lastEventId = frame.eventId;
    }
    this.hooks.onFrame(frame.type, frame.data);
  }

  becomeReady(data) {
    clearTimeout(this.readyTimer);
    const head = Number.isSafeInteger(data.last_event_id) ? data.last_event_id : null;
    if (!data.resumed && head != null) this.lastEventId = head;
    else if (head != null) this.lastEventId = Math.max(this.lastEventId || 0, head);
    this.ready = true;
    this.everReady = true;
    this.backoff.reset();
    this.hooks.onState("live");
    this.hooks.onReady(data);
  }

  closed(code) {
    this.ws = null;
    this.ready = false;
    clearTimeout(this.readyTimer);
    if (code === CLOSE.NOT_AUTHENTICATED) {
      // Logged out (here or in another tab) or the login expired.
      this.stopped = true;
      window.location.assign("/login");
      return;
    }
    if (code === CLOSE.ORIGIN_REFUSED) {
      this.stopped = true;
      this.hooks.onState("refused");
      return;
    }
    this.scheduleRetry(code);
  }

  scheduleRetry(code) {
    this.hooks.onState(this.everReady ? "reconnecting" : "connecting");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), this.backoff.next(code));
  }

  /** Close a socket we no longer trust; its close event schedules the retry. */
  drop(ws) {
    this.ws = null;
    this.ready = false;
    try {
      ws.close(4000, "no answer");
    } catch (_) {
      /* already closing */
    }
    this.scheduleRetry(null);
  }

  reconnectNow() {
    if (this.stopped || this.ready) return;
    this.backoff.reset();
    if (this.ws) this.drop(this.ws);
    clearTimeout(this.retryTimer);
    this.connect();
  }

  checkHealth() {
    if (!this.ws || !this.ready) return;
    const now = Date.now();
    if (now - this.lastFrameAt > SILENCE_LIMIT) {
      this.drop(this.ws);
      return;
    }
    if (now - this.lastFrameAt > PING_EVERY && now - this.lastPingAt > PING_EVERY) {
      this.lastPingAt = now;
      this.send("ping", {});
    }
  }

  /** Send a frame if the socket is live; false means it was not sent. */
  send(type, data) {
    if (!this.ws || !this.ready || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(encodeFrame(type, data));
      return true;
    } catch (_) {
      return false;
    }
  }
}
