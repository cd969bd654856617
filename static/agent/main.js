/* The agent Chat page: conversations live over /ws, replies over the socket, REST for the rest.
 *
 * The server paints the first list; this module takes it over from the JSON embedded in the
 * page, connects the socket, and on every fresh (not resumed) connection reloads the list over
 * REST so that nothing that happened between the page load and the socket is missed. */

import { cleanContent, fileSize } from "../shared/format.js";
import { el } from "../shared/dom.js";
import { newClientId } from "../shared/ids.js";
import * as api from "./api.js";
import { Alerts } from "./alerts.js";
import { closeMenusOnEscape, displayName } from "./dom.js";
import { LabelFilter } from "./labels.js";
import { ConversationList, FILTERS } from "./list.js";
import { Mentions } from "./mentions.js";
import { Presence } from "./presence.js";
import { QueueBar } from "./queue.js";
import { Screens } from "./screens.js";
import { SearchBox } from "./search.js";
import { Shortcuts } from "./shortcuts.js";
import { LiveSocket } from "./socket.js";
import { atQuery, matchCanned, slashQuery } from "./suggest.js";
import { Team } from "./team.js";
import { ThreadView } from "./thread.js";
import { TransferDialog } from "./transfer.js";

const TITLE = "Chat · Switchboard";
const ACK_TIMEOUT = 10000; // a send the socket did not acknowledge goes over REST
const INBOX_NOTICE_FOR = 15000;
/** Unread after a (re)load, from the agents' read mark: the messages after it, unless an agent
 * wrote last (then someone has read it). AI and system messages count too: the list does not
 * know which of the messages after the mark are the customer's. */
function unreadFromMark(session) {
  const last = session.last_message;
  if (!last || last.sender_type === "agent") return 0;
  return Math.max(0, last.seq - (session.agent_read_seq || 0));
}

/** A session view made before a chat.read we already took must not move its marks back. */
function keepMarks(known, session) {
  if (!known) return session;
  const kept = { ...session };
  for (const mark of ["agent_read_seq", "customer_read_seq"]) {
    if (known[mark] > session[mark]) kept[mark] = known[mark];
  }
  return kept;
}

const LIVE_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  refused: "Offline: this address is not allowed",
};

class App {
  constructor(initial) {
    this.me = initial.agent;
    this.limits = initial.limits || null; // what the server accepts, from the page and the socket
    this.sessions = new Map(initial.sessions.map((s) => [s.id, s]));
    this.unread = new Map();
    for (const session of initial.sessions) {
      const count = unreadFromMark(session);
      if (count) this.unread.set(session.id, count);
    }
    this.readSent = new Map(); // session id → the newest seq this connection said we read
    this.touched = new Set(); // sessions changed by live events since the last connection.ready
    const view = new URLSearchParams(location.search).get("view");
    this.filter = view in FILTERS ? view : "all";
    this.noteMode = false; // the composer writes a private note instead of a reply
    this.labels = []; // every label, by name (loaded at start and when a menu opens)
    this.canned = []; // the team's canned responses
    this.cannedAt = 0;
    this.openId = null;
    this.loadedId = null; // the open conversation once its messages are loaded
    this.messages = new Map(); // the open conversation's messages: id → message
    this.earlyNotes = []; // notes for the open conversation that came before its messages
    this.pending = new Map(); // client_id → {clientId, sessionId, content, status, error, order, timer}
    this.pendingOrder = 0;
    this.drafts = new Map(); // session id → unsent text
    this.presence = new Presence(this);
    this.team = new Team(this.me);
    this.queue = new QueueBar(this);
    this.transfer = new TransferDialog(this);
    this.screens = new Screens(this);
    this.list = new ConversationList(this);
    this.thread = new ThreadView(this);
    this.search = new SearchBox(this);
    this.alerts = new Alerts({ onOpen: (id) => this.open(id) });
    this.labelFilter = new LabelFilter(this);
    this.mentions = new Mentions(this);
    this.shortcuts = new Shortcuts(this);
    closeMenusOnEscape();
    this.liveBox = document.getElementById("live-status");
    this.inboxNotice = document.getElementById("inbox-notice");
    this.socket = new LiveSocket({
      onFrame: (type, data) => this.onFrame(type, data),
      onReady: (data) => this.onReady(data),
      onState: (state) => this.showLive(state),
    });
  }

  start() {
    this.list.render();
    this.loadLabels().then(() => this.labelFilter.render());
    this.loadCanned();
    this.updateTitle();
    document.addEventListener("visibilitychange", () => this.onVisibility());
    window.addEventListener("hashchange", () => this.openFromHash());
    setInterval(() => this.thread.tick(), 30000);
    this.sessionFromQuery();
    this.openFromHash();
    this.queue.refresh();
    this.socket.connect();
  }

  // -- connection ----------------------------------------------------------------------

  showLive(state) {
    this.liveBox.dataset.state = state;
    this.liveBox.querySelector(".live-text").textContent = LIVE_TEXT[state] || state;
  }

  async onReady(data) {
    if (data.limits) {
      this.limits = data.limits;
      this.thread.applyLimits(data.limits);
    }
    this.touched.clear();
    this.readSent.clear(); // a chat.read sent on the last socket may not have arrived
    this.presence.resetViewers(data.viewing);
    this.team.reset(data.presence);
    this.socket.send("chat.viewing", { session_id: this.openId });
    this.queue.refresh();
    if (!data.resumed) await this.resync();
    for (const entry of this.pending.values()) {
      if (entry.status === "sending") this.transmit(entry);
    }
    this.markRead();
  }

  /** Reload the list (and the open conversation) over REST: the server's word replaces ours,
   * except for what live events changed since this connection became ready. */
  async resync() {
    let fresh;
    try {
      fresh = await api.listSessions();
    } catch (_) {
      return; // the next connection.ready tries again
    }
    const next = new Map();
    for (let session of fresh) {
      const known = this.sessions.get(session.id);
      if (known && this.touched.has(session.id) && known.updated_at > session.updated_at) {
        next.set(session.id, known);
        continue;
      }
      // The server's read mark replaces our count; a mark only moves forward.
      session = keepMarks(known, session);
      const count = this.watching(session.id) ? 0 : unreadFromMark(session);
      if (count) this.unread.set(session.id, count);
      else this.unread.delete(session.id);
      next.set(session.id, session);
    }
    for (const id of this.touched) {
      if (!next.has(id) && this.sessions.has(id)) next.set(id, this.sessions.get(id));
    }
    for (const id of this.unread.keys()) if (!next.has(id)) this.unread.delete(id);
    this.sessions = next;
    this.list.render();
    this.updateTitle();
    if (this.openId != null) this.reopen(this.openId);
  }

  /** Show the open conversation afresh from the server (after a resync). */
  async reopen(id) {
    let session = this.sessions.get(id);
    if (!session) {
      try {
        session = await api.getSession(id);
      } catch (_) {
        return; // it no longer exists; leave what is on screen
      }
      this.sessions.set(id, session);
    }
    if (this.openId !== id) return;
    const focused = this.thread.input && document.activeElement === this.thread.input;
    this.openId = null;
    await this.open(id, { focus: focused, step: false });
  }

  // -- events --------------------------------------------------------------------------

  onFrame(type, data) {
    if (type.startsWith("chat.session.")) this.queue.soon(); // the queue or our load may move
    switch (type) {
      case "chat.session.started":
        this.onStarted(data.session);
        break;
      case "chat.message.new":
        this.onMessage(data.message, data.session);
        break;
      case "chat.session.assigned":
      case "chat.session.updated":
      case "chat.session.closed":
        this.upsert(data.session);
        break;
      case "chat.agent.joined":
        this.onJoined(data);
        break;
      case "chat.session.transferred":
        this.onTransferred(data);
        break;
      case "chat.note.new":
        this.onNote(data.note);
        break;
      case "chat.mention":
        if (data.agent && data.agent.id === this.me.id) this.mentions.add(data);
        break;
      case "chat.typing":
        this.presence.onTyping(data);
        break;
      case "chat.viewing":
        this.presence.onViewing(data);
        break;
      case "agent.presence":
        this.team.onPresence(data);
        break;
      case "chat.read":
        this.onRead(data);
        break;
      case "chat.csat.requested":
        this.thread.csat.asked(data);
        break;
      case "chat.csat.received":
        this.thread.csat.received(data);
        break;
      case "chat.message.ack":
        this.onAck(data);
        break;
      case "error":
        this.onError(data);
        break;
      default:
        break; // pong, and events this page does not use
    }
  }

  /** Take a newer view of a session and show it everywhere at once. */
  upsert(session) {
    if (!session || !Number.isSafeInteger(session.id)) return false;
    const known = this.sessions.get(session.id);
    if (known && known.updated_at > session.updated_at) return false;
    session = keepMarks(known, session);
    this.sessions.set(session.id, session);
    this.touched.add(session.id);
    this.list.render();
    if (this.openId === session.id) this.thread.update(session);
    return true;
  }

  onStarted(session) {
    if (!session || this.sessions.has(session.id)) return;
    this.list.flash(session.id);
    this.upsert(session);
    this.alerts.attention("New conversation", `${displayName(session)} started a conversation.`, session.id);
  }

  onMessage(message, session) {
    if (!message || !Number.isSafeInteger(message.id)) return;
    const fromCustomer = message.sender_type === "customer";
    if (fromCustomer && !this.watching(message.session_id)) {
      this.unread.set(message.session_id, (this.unread.get(message.session_id) || 0) + 1);
    }
    if (message.client_id && this.pending.has(message.client_id)) this.settle(message.client_id);
    this.presence.stopTyper(message.session_id, message.sender_type, message.sender_name);
    if (!this.upsert(session)) this.list.render();
    if (this.openId === message.session_id) {
      this.showMessage(message);
      this.markRead();
    }
    this.updateTitle();
    if (fromCustomer) {
      const known = session || this.sessions.get(message.session_id);
      const name = displayName(known || { id: message.session_id });
      this.alerts.attention(name, message.content, message.session_id);
    }
  }

  /** Someone read a conversation: the customer ("Seen" under our side's messages) or an agent
   * (the team's unread count for it shrinks). Reading is not activity: updated_at stays. */
  onRead(data) {
    const session = this.sessions.get(data.session_id);
    const seq = data.seq;
    if (!session || !Number.isSafeInteger(seq)) return;
    const mark = data.reader === "agent" ? "agent_read_seq" : "customer_read_seq";
    if (!(seq > session[mark])) return;
    const updated = { ...session, [mark]: seq };
    this.sessions.set(session.id, updated);
    if (mark === "agent_read_seq" && this.unread.has(session.id)) {
      const left = Math.min(this.unread.get(session.id), unreadFromMark(updated));
      if (left > 0) this.unread.set(session.id, left);
      else this.unread.delete(session.id);
      this.list.render();
      this.updateTitle();
    }
    if (this.openId === session.id) this.thread.showSeen(updated.customer_read_seq);
  }

  /** Tell the server (and so the customer) that the open conversation has been read up to
   * its newest message, while this window is visible. */
  markRead() {
    const id = this.openId;
    if (id == null || document.hidden || this.loadedId !== id) return;
    let newest = 0;
    for (const message of this.messages.values()) newest = Math.max(newest, message.seq);
    const session = this.sessions.get(id);
    const known = Math.max((session && session.agent_read_seq) || 0, this.readSent.get(id) || 0);
    if (newest <= known) return;
    if (this.socket.send("chat.read", { session_id: id, seq: newest })) this.readSent.set(id, newest);
  }

  onJoined(data) {
    // chat.session.assigned came first with the whole session; this only confirms it.
    const session = this.sessions.get(data.session_id);
    if (session && data.agent && !session.assigned_agent) {
      this.upsert({ ...session, assigned_agent: data.agent });
    }
  }

  /** A conversation changed hands; when it came to us, say so as for a new conversation. */
  onTransferred(data) {
    this.upsert(data.session);
    const to = data.to_agent;
    if (!data.session || !to || to.id !== this.me.id) return;
    const from = data.from_agent ? data.from_agent.name : "A colleague";
    const customer = displayName(data.session);
    let text = `${from} transferred ${customer} to you`;
    if (data.note && data.note.content) text += `: ${data.note.content}`;
    this.showInboxNotice(text, data.session.id);
    this.alerts.attention("Transferred to you", text, data.session.id);
  }

  /** A private note: shown at once in the open conversation, else when it is next opened. */
  onNote(note) {
    if (!note || note.session_id !== this.openId) return;
    if (this.loadedId === this.openId) this.thread.addNote(note);
    else this.earlyNotes.push(note);
  }

  /** A line above the list that says what just came to us, with a way to open it. */
  showInboxNotice(text, sessionId) {
    clearTimeout(this.inboxNoticeTimer);
    const open = el("button", { type: "button", class: "link-button", text: "Open" });
    open.addEventListener("click", () => this.open(sessionId));
    this.inboxNotice.replaceChildren(el("span", { text }), " ", open);
    this.inboxNotice.hidden = false;
    this.inboxNoticeTimer = setTimeout(() => {
      this.inboxNotice.hidden = true;
      this.inboxNotice.replaceChildren();
    }, INBOX_NOTICE_FOR);
  }

  // -- the open conversation -----------------------------------------------------------

  composerChanged() {
    const text = this.thread.input.value;
    this.drafts.set(this.openId, text);
    this.presence.composerChanged(this.openId, text);
  }

  /** Show conversation `id`. `step`: the agent chose it (a phone moves to its screen, with a
   * history entry to come back by); false when history or a resync brings it back. */
  async open(id, { focus = true, step = true } = {}) {
    if (!Number.isSafeInteger(id)) return;
    let session = this.sessions.get(id);
    if (!session) {
      try {
        session = await api.getSession(id);
      } catch (_) {
        if (!step && this.openId == null) this.closeThread(); // a link to nothing: the list
        return;
      }
      this.sessions.set(id, session);
    }
    if (this.openId !== id) {
      this.presence.stopTyping();
      this.openId = id;
      this.loadedId = null;
      this.messages = new Map();
      this.earlyNotes = [];
      this.thread.mount(session);
      this.thread.showMode(this.noteMode);
      this.thread.input.value = this.drafts.get(id) || "";
      this.thread.autosize();
      for (const entry of this.pending.values()) {
        if (entry.sessionId === id) this.thread.showPending(entry);
      }
      this.presence.typingChanged(id, null);
      this.socket.send("chat.viewing", { session_id: id });
      this.loadMessages(id);
    }
    if (step) this.screens.enterThread(`#conversation-${id}`);
    this.unread.delete(id);
    this.list.render();
    this.search.markOpen();
    this.updateTitle();
    // On a phone the keyboard would cover half the conversation: the agent taps the box to write.
    if (focus && this.screens.oneAtATime) this.thread.focusStart();
    else if (focus) this.thread.focusComposer();
  }

  /** Back to the list alone: nobody is reading the conversation any more (no read marks, no
   * "viewing" for the others), as on any page that closed it. */
  closeThread() {
    this.screens.show("list");
    const id = this.openId;
    if (id == null) return;
    this.presence.stopTyping();
    this.openId = null;
    this.loadedId = null;
    this.messages = new Map();
    this.earlyNotes = [];
    this.thread.unmount();
    this.socket.send("chat.viewing", { session_id: null });
    this.list.render();
    this.search.markOpen();
    this.updateTitle();
    if (this.screens.oneAtATime) this.list.focusItem(id);
  }

  /** `?session=ID` (the links of the Reports page and its CSV) becomes #conversation-ID. */
  sessionFromQuery() {
    const params = new URLSearchParams(location.search);
    const id = params.get("session");
    if (!/^\d{1,15}$/.test(id || "")) return;
    params.delete("session");
    const query = params.toString();
    history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}#conversation-${id}`);
  }

  /** The address (a deep link, the browser's Back or Forward) says what to show. */
  openFromHash() {
    const match = /^#conversation-(\d{1,15})$/.exec(location.hash);
    if (!match) {
      this.closeThread();
      return;
    }
    this.screens.show(this.screens.remembered);
    this.open(Number(match[1]), { focus: false, step: false });
  }

  async loadMessages(id) {
    let found;
    let notes;
    try {
      // Notes are placed among the messages by time, so both are needed first.
      [found, notes] = await Promise.all([api.listMessages(id), api.listNotes(id)]);
    } catch (error) {
      if (this.openId === id) this.thread.loadFailed(`Could not load the messages: ${error.message}`);
      return;
    }
    if (this.openId !== id) return;
    for (const message of found) this.showMessage(message);
    this.thread.loaded();
    for (const note of [...notes, ...this.earlyNotes]) this.thread.addNote(note);
    this.earlyNotes = [];
    this.thread.goLive();
    api.assist(id).then((assist) => {
      if (this.openId === id) this.thread.showAssist(assist);
    }).catch(() => {}); // the summary is a help: the conversation works without it
    this.loadedId = id;
    this.markRead();
  }

  showMessage(message) {
    if (this.messages.has(message.id)) return;
    this.messages.set(message.id, message);
    this.thread.add(message);
  }

  watching(sessionId) {
    return this.openId === sessionId && !document.hidden;
  }

  onVisibility() {
    if (document.hidden || this.openId == null) return;
    this.markRead();
    if (this.unread.delete(this.openId)) {
      this.list.render();
      this.updateTitle();
    }
  }

  setFilter(filter) {
    if (!(filter in FILTERS)) return;
    this.filter = filter;
    this.saveView();
    this.list.render();
  }

  /** The inbox's filters in the address (the open conversation stays in the #hash). */
  saveView() {
    const params = new URLSearchParams();
    if (this.filter !== "all") params.set("view", this.filter);
    this.labelFilter.params(params);
    const query = params.toString();
    history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
  }

  async loadLabels() {
    try {
      this.labels = await api.listLabels();
    } catch (_) {
      /* the menus say there are none; the next opening tries again */
    }
  }

  async loadCanned() {
    this.cannedAt = Date.now();
    try {
      this.canned = await api.listCanned();
    } catch (_) {
      this.cannedAt = 0;
    }
  }

  /** What `/` offers for the text before the cursor: the matching canned responses. */
  cannedFor(before) {
    const typed = slashQuery(before);
    if (!typed) return null;
    if (Date.now() - this.cannedAt > 60000) this.loadCanned(); // new ones made meanwhile
    const items = matchCanned(this.canned, typed.query).map((c) => ({
      key: `/${c.shortcode}`,
      detail: c.content,
      canned: c,
    }));
    return { items, pick: (item) => this.insertCanned(item.canned, typed.length) };
  }

  async insertCanned(canned, length) {
    const id = this.openId;
    try {
      const filled = await api.fillCanned(canned.id, id);
      if (this.openId === id) this.thread.insertCanned(filled, length);
    } catch (error) {
      this.thread.showNotice(`Could not insert /${canned.shortcode}: ${error.message}`);
    }
  }

  /** What `@` offers in a note: the active colleagues whose name starts with what was typed. */
  mentionsFor(before) {
    if (!this.noteMode) return null;
    const typed = atQuery(before);
    if (!typed) return null;
    const names = [...this.team.members.values()].map((m) => m.agent.name);
    const items = names
      .filter((name) => name.toLowerCase().startsWith(typed.query))
      .sort((a, b) => a.localeCompare(b))
      .map((name) => ({ key: `@${name}`, detail: "", name }));
    const pick = (item) => {
      const input = this.thread.input;
      const end = input.selectionStart ?? input.value.length;
      input.setRangeText(`@${item.name} `, end - typed.length, end, "end");
      input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    return { items, pick };
  }

  setNoteMode(note) {
    this.noteMode = Boolean(note);
    if (this.openId == null) return;
    this.thread.showMode(this.noteMode);
    this.thread.focusComposer();
  }

  updateTitle() {
    const count = [...this.unread.values()].filter((n) => n > 0).length;
    document.title = count ? `(${count}) ${TITLE}` : TITLE;
  }

  // -- actions -------------------------------------------------------------------------

  async assign(id, button) {
    button.disabled = true;
    this.thread.hideNotice();
    try {
      this.upsert(await api.assign(id));
      if (this.openId === id) this.thread.focusComposer();
    } catch (error) {
      button.disabled = false;
      if (this.openId === id) this.thread.showNotice(error.message);
      this.refreshSession(id);
    }
  }

  async close(id, button, options = {}) {
    button.disabled = true;
    this.thread.hideNotice();
    try {
      this.upsert(await api.close(id, options));
    } catch (error) {
      button.disabled = false;
      if (this.openId === id) this.thread.showNotice(error.message);
      this.refreshSession(id);
    }
  }

  async refreshSession(id) {
    try {
      this.upsert(await api.getSession(id));
    } catch (_) {
      /* the socket brings the truth soon enough */
    }
  }

  sendFromComposer() {
    const input = this.thread.input;
    if (input.disabled || this.openId == null) return;
    const content = cleanContent(input.value);
    if (!content) return;
    if (this.thread.blockedByGaps()) return; // a canned response left a variable unfilled
    if (this.noteMode) {
      this.sendNote(content);
      return;
    }
    const entry = {
      clientId: newClientId("a"),
      sessionId: this.openId,
      content,
      status: "sending",
      error: "",
      order: (this.pendingOrder += 1),
      timer: null,
    };
    this.pending.set(entry.clientId, entry);
    input.value = "";
    this.drafts.delete(this.openId);
    this.thread.autosize();
    this.presence.stopTyping();
    this.thread.hideNotice();
    this.thread.showPending(entry);
    this.transmit(entry);
  }

  /** A private note: written over REST (it is no message); the text comes back on failure. */
  async sendNote(content) {
    const id = this.openId;
    const input = this.thread.input;
    input.value = "";
    this.drafts.delete(id);
    this.thread.autosize();
    this.thread.hideNotice();
    try {
      const note = await api.postNote(id, content, newClientId("n"));
      if (this.openId === id && this.loadedId === id) this.thread.addNote(note);
    } catch (error) {
      if (this.openId === id) {
        if (!input.value) input.value = content;
        this.thread.showNotice(`The note was not saved: ${error.message}`);
      }
    }
  }

  /** Send a file: one upload that stores it and posts the message; Retry sends it again. */
  sendFile(file) {
    if (this.thread.input.disabled || this.openId == null || !file) return;
    const most = this.limits && this.limits.attachment_max_bytes;
    if (Number.isSafeInteger(most) && file.size > most) {
      // Refused here, as the server would refuse it (413), without sending the bytes.
      this.thread.showNotice(`${file.name} is larger than ${fileSize(most)}; it was not sent.`);
      return;
    }
    const entry = {
      clientId: newClientId("a"),
      sessionId: this.openId,
      content: file.name,
      file,
      status: "sending",
      error: "",
      order: (this.pendingOrder += 1),
      timer: null,
    };
    this.pending.set(entry.clientId, entry);
    this.thread.hideNotice();
    this.thread.showPending(entry);
    this.transmit(entry);
  }

  async upload(entry) {
    try {
      const message = await api.uploadFile(entry.sessionId, entry.file, entry.clientId);
      this.onAck({ client_id: entry.clientId, message });
    } catch (error) {
      if (this.pending.has(entry.clientId)) this.fail(entry, error.message);
    }
  }

  transmit(entry) {
    clearTimeout(entry.timer);
    if (entry.file) {
      this.upload(entry);
      return;
    }
    const frame = { session_id: entry.sessionId, content: entry.content, client_id: entry.clientId };
    this.socket.send("chat.message.send", frame);
    // Not acknowledged in time (or the socket is down): the same client_id over REST is safe.
    entry.timer = setTimeout(() => this.sendOverRest(entry), ACK_TIMEOUT);
  }

  async sendOverRest(entry) {
    if (!this.pending.has(entry.clientId)) return;
    try {
      const message = await api.postMessage(entry.sessionId, entry.content, entry.clientId);
      this.onAck({ client_id: entry.clientId, message });
    } catch (error) {
      if (error.status === 0) entry.timer = setTimeout(() => this.sendOverRest(entry), ACK_TIMEOUT);
      else this.fail(entry, error.message);
    }
  }

  retry(clientId) {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    entry.status = "sending";
    entry.error = "";
    if (this.openId === entry.sessionId) this.thread.showPending(entry);
    this.transmit(entry);
  }

  onAck(data) {
    const message = data.message;
    if (!data.client_id) return;
    this.settle(data.client_id);
    if (message && this.openId === message.session_id) {
      this.showMessage(message);
      this.markRead();
    }
  }

  settle(clientId) {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(clientId);
    if (this.openId === entry.sessionId) this.thread.dropPending(clientId);
  }

  fail(entry, reason) {
    clearTimeout(entry.timer);
    entry.status = "failed";
    entry.error = reason;
    if (this.openId === entry.sessionId) {
      this.thread.showPending(entry);
      this.thread.showNotice(reason);
    }
  }

  onError(data) {
    const entry = data.client_id ? this.pending.get(data.client_id) : null;
    if (entry) {
      this.fail(entry, data.message || "The server refused this message.");
      this.refreshSession(entry.sessionId);
    } else if (this.openId != null && data.code !== "invalid_request") {
      this.thread.showNotice(data.message || "Something went wrong.");
    }
  }
}

function readInitial() {
  const node = document.getElementById("initial-data");
  try {
    const data = JSON.parse(node.textContent);
    if (data && data.agent && Array.isArray(data.sessions)) return data;
  } catch (_) {
    /* fall through */
  }
  return null;
}

/** The app's service worker (static/sw.js): the shell for an installed app, the offline page,
 * notifications on phones. The page works the same without it. */
function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch(() => {});
}

const initial = readInitial();
if (initial) {
  new App(initial).start();
  registerWorker();
}
