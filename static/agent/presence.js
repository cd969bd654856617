/* Presence in a conversation: which other agents have it open (collision hints, from
 * chat.viewing) and who is typing in it, ours included (chat.typing, throttled). */

import { displayName } from "./dom.js";

const TYPING_EVERY = 2000; // at most one "typing" frame per 2 s
const TYPING_IDLE = 3000; // "stopped typing" after 3 s without a keystroke
const TYPER_EXPIRE = 7000; // someone else's "typing" fades without news

export class Presence {
  constructor(app) {
    this.app = app;
    this.viewers = new Map(); // session id → Map(agent id → {name, sockets})
    this.typers = new Map(); // `${session}|${type}|${name}` → {sessionId, senderType, label, timer}
    this.out = { sessionId: null, on: false, lastSent: 0, idle: null }; // our own typing
  }

  // -- who has which conversation open ----------------------------------------------

  resetViewers(list) {
    this.viewers = new Map();
    for (const entry of Array.isArray(list) ? list : []) {
      this.countViewer(entry.session_id, entry.agent, 1);
    }
    this.viewersChanged(null);
  }

  onViewing(data) {
    this.countViewer(data.session_id, data.agent, data.is_viewing ? 1 : -1);
    this.viewersChanged(data.session_id);
  }

  countViewer(sessionId, agent, delta) {
    if (!Number.isSafeInteger(sessionId) || !agent || agent.id === this.app.me.id) return;
    const here = this.viewers.get(sessionId) || new Map();
    const known = here.get(agent.id) || { name: agent.name || "An agent", sockets: 0 };
    known.sockets += delta;
    if (known.sockets > 0) here.set(agent.id, known);
    else here.delete(agent.id);
    if (here.size) this.viewers.set(sessionId, here);
    else this.viewers.delete(sessionId);
  }

  viewersChanged(sessionId) {
    this.app.list.render();
    if (this.app.openId != null && (sessionId == null || sessionId === this.app.openId)) {
      const open = this.app.sessions.get(this.app.openId);
      if (open) this.app.thread.update(open);
    }
  }

  /** The other agents who have this conversation open right now. */
  viewersOf(sessionId) {
    const here = this.viewers.get(sessionId);
    return here ? [...here.values()].map((v) => v.name) : [];
  }

  // -- who is typing where ----------------------------------------------------------

  onTyping(data) {
    const sessionId = data.session_id;
    const type = data.sender_type;
    if (!Number.isSafeInteger(sessionId)) return;
    if (type === "agent" && data.name === this.app.me.name) return; // ourselves, in another tab
    const session = this.app.sessions.get(sessionId) || { id: sessionId };
    let label = data.name || "Someone";
    if (type === "customer") label = displayName(session);
    else if (type === "ai") label = "AI assistant";
    const key = `${sessionId}|${type}|${label}`;
    const known = this.typers.get(key);
    if (known) clearTimeout(known.timer);
    if (data.is_typing) {
      const timer = setTimeout(() => this.dropTyper(key), TYPER_EXPIRE);
      this.typers.set(key, { sessionId, senderType: type, label, timer });
    } else {
      this.typers.delete(key);
    }
    this.typingChanged(sessionId, type);
  }

  stopTyper(sessionId, senderType, senderName) {
    for (const [key, typer] of this.typers) {
      if (typer.sessionId !== sessionId || typer.senderType !== senderType) continue;
      if (senderType === "agent" && typer.label !== senderName) continue;
      clearTimeout(typer.timer);
      this.typers.delete(key);
      this.typingChanged(sessionId, senderType);
    }
  }

  dropTyper(key) {
    const typer = this.typers.get(key);
    if (!typer) return;
    this.typers.delete(key);
    this.typingChanged(typer.sessionId, typer.senderType);
  }

  typingChanged(sessionId, senderType) {
    if (senderType === "customer") this.app.list.render();
    if (this.app.openId !== sessionId) return;
    const labels = [...this.typers.values()].filter((t) => t.sessionId === sessionId).map((t) => t.label);
    this.app.thread.setTyping(labels);
  }

  customerTyping(sessionId) {
    for (const typer of this.typers.values()) {
      if (typer.sessionId === sessionId && typer.senderType === "customer") return true;
    }
    return false;
  }

  /** Tell the customer (and other agents) we are typing: throttled, and stopped when idle. */
  composerChanged(sessionId, text) {
    const out = this.out;
    if (!text.trim()) {
      this.stopTyping();
      return;
    }
    if (out.on && out.sessionId !== sessionId) this.stopTyping();
    const now = Date.now();
    if (!out.on || now - out.lastSent >= TYPING_EVERY) {
      if (this.app.socket.send("chat.typing", { session_id: sessionId, is_typing: true })) {
        out.lastSent = now;
        out.on = true;
        out.sessionId = sessionId;
      }
    }
    clearTimeout(out.idle);
    out.idle = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  stopTyping() {
    const out = this.out;
    clearTimeout(out.idle);
    if (!out.on) return;
    out.on = false;
    out.lastSent = 0;
    this.app.socket.send("chat.typing", { session_id: out.sessionId, is_typing: false });
  }
}
