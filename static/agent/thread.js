/* The open conversation: header with its actions, the message log, typing line and composer,
 * plus the customer details pane beside it. */

import { el } from "../shared/dom.js";
import { clockTime, fileSize, parseTime } from "../shared/format.js";
import { icon } from "../shared/icons.js";
import { fileUrl } from "./api.js";
import { avatar, dayLabel, displayName, fullTime, srOnly, statusBadge, timeElement } from "./dom.js";
import { CsatBox } from "./csat.js";
import { EmailStatus } from "./email.js";
import { LabelMenu, labelChip } from "./labels.js";
import { backButton } from "./screens.js";
import { Suggest } from "./suggest.js";

const NOTICE_FOR = 10000;

function senderKey(message) {
  if (message.sender_type === "agent") return `agent:${message.agent_id}`;
  return message.sender_type === "system" ? null : message.sender_type;
}

/** A message's file: an image preview, or a link whose name is text; the caption below it. */
function attachmentBubble(message) {
  const file = message.attachment;
  const bubble = el("div", { class: "msg-bubble has-file" });
  const url = fileUrl(file);
  if (file.content_type.startsWith("image/")) {
    const link = el("a", { class: "msg-image", href: url, target: "_blank", rel: "noopener" });
    link.append(el("img", { src: url, alt: file.name, loading: "lazy" }));
    bubble.append(link);
  } else {
    const link = el("a", { class: "msg-file", href: url, download: file.name });
    link.append(
      el("span", { class: "msg-file-name", text: file.name }),
      el("span", { class: "msg-file-size", text: fileSize(file.size) }),
    );
    bubble.append(link);
  }
  if (message.content !== file.name) bubble.append(el("div", { class: "msg-caption", text: message.content }));
  return bubble;
}

function messageTime(iso) {
  const day = dayLabel(iso);
  const time = clockTime(iso);
  return day === "Today" || !day ? time : `${day}, ${time}`;
}

export class ThreadView {
  constructor(app) {
    this.app = app;
    this.root = document.getElementById("thread");
    this.details = document.getElementById("details");
    this.emptyState = [...this.root.childNodes]; // "Pick a conversation", shown again by unmount()
    this.sessionId = null;
    this.rows = new Map(); // message id → row
    this.noteRows = new Map(); // private note id → row
    this.pendingRows = new Map(); // client_id → row
    this.noticeTimer = null;
    this.readSeq = 0; // the customer has read up to this seq
    this.seenRow = null;
    this.email = new EmailStatus(this);
    this.csat = new CsatBox();
  }

  /** Build the view for one conversation; messages arrive later through add(). */
  mount(session) {
    this.sessionId = session.id;
    this.rows.clear();
    this.noteRows.clear();
    this.pendingRows.clear();
    this.readSeq = 0;
    this.seenRow = null;
    this.head = el("header", { class: "thread-head" });
    this.notice = el("div", { class: "thread-notice", role: "alert" });
    this.notice.hidden = true;
    // Silent while the history fills it (a mount after a reconnect's resync too): a screen
    // reader announces what is added to a live region, and the history is not news. goLive()
    // turns it polite once the history is in, so each later message is announced once.
    this.log = el("div", {
      class: "log",
      role: "log",
      "aria-live": "off",
      "aria-busy": "true",
      "aria-label": `Messages with ${displayName(session)}`,
      tabindex: "0",
    });
    // Stay at the newest message while the window or the composer changes size.
    this.pinned = true;
    this.log.addEventListener("scroll", () => {
      this.pinned = this.isNearBottom();
    });
    if (this.resizeWatch) this.resizeWatch.disconnect();
    this.resizeWatch = new ResizeObserver(() => {
      if (this.pinned) this.scrollToBottom();
    });
    this.resizeWatch.observe(this.log);
    // An image preview that loads late grows the log: keep the newest message in view.
    this.log.addEventListener("load", () => {
      if (this.pinned) this.scrollToBottom();
    }, true);
    this.loading = el("p", { class: "log-loading", text: "Loading messages…" });
    this.log.append(this.loading);
    // The live region stays in place (an element that appears is not always announced).
    this.typing = el("div", { class: "typing-line", "aria-live": "polite" });
    this.typingDots = el("span", { class: "typing-dots", "aria-hidden": "true" }, el("i"), el("i"), el("i"));
    this.typingDots.hidden = true;
    this.typingText = el("span", { class: "typing-text" });
    this.typing.append(this.typingDots, this.typingText);
    this.composer = this.buildComposer();
    this.exportMenu = this.buildExportMenu(session.id);
    this.closeMenu = this.buildCloseMenu(session.id);
    this.labelMenu = new LabelMenu(this.app);
    // Shown by agent.css where the list, the conversation and the details take turns.
    this.backButton = backButton("the list", () => this.app.screens.leaveThread());
    this.detailsButton = el("button", { type: "button", class: "ghost-button details-button", text: "Details" });
    this.detailsButton.addEventListener("click", () => this.app.screens.showDetails());
    this.detailsBack = backButton("the conversation", () => this.app.screens.leaveDetails());
    this.root.replaceChildren(this.head, this.notice, this.log, this.typing, this.composer);
    this.root.classList.add("has-thread");
    this.csat.follow(session, { fresh: true });
    this.update(session);
  }

  /** No conversation open any more: the empty state again (the list shows alone on a phone). */
  unmount() {
    if (this.resizeWatch) this.resizeWatch.disconnect();
    this.resizeWatch = null;
    this.sessionId = null;
    this.root.classList.remove("has-thread");
    this.root.replaceChildren(...this.emptyState);
    this.details.replaceChildren();
    this.details.hidden = true;
  }

  /** Plain links to the transcript: the browser downloads it with the login cookie. */
  buildExportMenu(id) {
    const menu = el("details", { class: "export-menu" });
    const list = el("div", { class: "export-list" });
    const formats = [
      ["txt", "Text"],
      ["json", "JSON"],
      ["csv", "CSV"],
    ];
    for (const [format, label] of formats) {
      const href = `/api/v1/chat/sessions/${id}/transcript?format=${format}`;
      list.append(el("a", { href, download: `conversation-${id}.${format}`, text: label }));
    }
    list.addEventListener("click", () => menu.removeAttribute("open"));
    menu.append(el("summary", { class: "ghost-button", text: "Export" }), list);
    return menu;
  }

  /** Beside Close: the same close without asking the customer for a rating. One element for
   * the conversation, like the export menu, so that an open menu stays open. */
  buildCloseMenu(id) {
    const menu = el("details", { class: "close-menu" });
    const quiet = el("button", { type: "button", text: "Close without survey" });
    quiet.addEventListener("click", () => {
      menu.removeAttribute("open");
      this.app.close(id, quiet, { survey: false });
    });
    const summary = el("summary", { class: "ghost-button", title: "More ways to close" });
    summary.append(icon("down"), srOnly("More ways to close"));
    menu.append(summary, el("div", { class: "export-list close-list" }, quiet));
    this.closeQuiet = quiet;
    return menu;
  }

  buildComposer() {
    const form = el("form", { class: "composer" });
    this.input = el("textarea", {
      class: "composer-input",
      "aria-label": "Message",
      rows: "1",
      "aria-autocomplete": "list",
    });
    this.hold = el("p", { class: "composer-hold" });
    this.hold.hidden = true;
    this.gapLine = el("p", { class: "composer-gaps", role: "alert" });
    this.gapLine.hidden = true;
    this.gaps = []; // the placeholders a canned response left unfilled: sending waits for them
    this.sendButton = el("button", { type: "submit", class: "send-button" }, icon("send"), "Send");
    this.fileInput = el("input", { type: "file", class: "composer-file", tabindex: "-1" });
    this.fileInput.hidden = true;
    this.applyLimits(this.app.limits);
    this.attachButton = el(
      "button",
      { type: "button", class: "ghost-button attach-button", "aria-label": "Attach a file", title: "Attach a file" },
      icon("clip"),
    );
    this.attachButton.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const [file] = this.fileInput.files;
      this.fileInput.value = "";
      if (file) this.app.sendFile(file);
    });
    this.replyMode = el("button", { type: "button", class: "mode-button", text: "Reply", title: "Reply to the customer (r)" });
    this.noteMode = el("button", { type: "button", class: "mode-button mode-note", text: "Note", title: "Private note for agents (n, or Alt+N)" });
    this.replyMode.addEventListener("click", () => this.app.setNoteMode(false));
    this.noteMode.addEventListener("click", () => this.app.setNoteMode(true));
    const modes = el("div", { class: "composer-modes", role: "group", "aria-label": "Write" }, this.replyMode, this.noteMode);
    this.hint = el("span", { class: "composer-hint", text: "Enter to send · Shift+Enter for a new line · / canned responses" });
    const bar = el("div", { class: "composer-bar" }, this.attachButton, this.fileInput, this.hint, this.sendButton);
    form.append(modes, this.hold, this.gapLine, this.input, bar);
    this.suggest = new Suggest(this.input, this.input);
    this.suggest.sources = [(before) => this.app.cannedFor(before), (before) => this.app.mentionsFor(before)];
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.app.sendFromComposer();
    });
    this.input.addEventListener("keydown", (event) => {
      if (this.suggest.onKey(event)) return;
      if (event.altKey && !event.ctrlKey && event.code === "KeyN") {
        event.preventDefault();
        this.app.setNoteMode(!this.app.noteMode);
      } else if (event.key === "Escape") {
        this.input.blur();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.app.sendFromComposer();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.app.composerChanged();
      this.suggest.refresh();
      if (this.gaps.length) this.showGaps();
    });
    this.input.addEventListener("blur", () => this.suggest.close());
    return form;
  }

  /** Put a filled-in canned response where `/word` was typed; mark what it left unfilled. */
  insertCanned(filled, length) {
    const input = this.input;
    const end = input.selectionStart ?? input.value.length;
    const start = Math.max(0, end - length);
    input.setRangeText(filled.text, start, end, "end");
    const gaps = Array.isArray(filled.gaps) ? filled.gaps : [];
    for (const gap of gaps) this.gaps.push(filled.text.slice(gap.start, gap.end));
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
    if (gaps.length) input.setSelectionRange(start + gaps[0].start, start + gaps[0].end);
  }

  /** The unfilled placeholders still in the text; shown above the composer, which waits. */
  showGaps() {
    const text = this.input.value;
    this.gaps = this.gaps.filter((gap) => text.includes(gap));
    const marks = this.gaps.map((gap) => el("mark", { class: "gap", text: gap }));
    this.gapLine.replaceChildren("Fill in or remove before sending: ", ...marks);
    this.gapLine.hidden = this.gaps.length === 0;
    this.input.classList.toggle("has-gaps", this.gaps.length > 0);
    return this.gaps;
  }

  /** Select the first unfilled placeholder (the send waits for it); true when there is one. */
  blockedByGaps() {
    const gaps = this.showGaps();
    if (!gaps.length) return false;
    const at = this.input.value.indexOf(gaps[0]);
    this.input.focus();
    this.input.setSelectionRange(at, at + gaps[0].length);
    return true;
  }

  /** Reply or Note: a note is for agents only, and may be written to any conversation. */
  showMode(note) {
    this.composer.classList.toggle("is-note", note);
    this.replyMode.setAttribute("aria-pressed", String(!note));
    this.noteMode.setAttribute("aria-pressed", String(note));
    const session = this.app.sessions.get(this.sessionId);
    if (session) this.update(session);
  }

  /** Hold the composer to what the server accepts (it says so in the page and in
   * connection.ready): the box takes no more characters, the picker offers those types. */
  applyLimits(limits) {
    if (!this.input || !limits) return;
    if (Number.isSafeInteger(limits.content_max)) this.input.maxLength = limits.content_max;
    if (Array.isArray(limits.attachment_types)) {
      this.fileInput.accept = limits.attachment_types.join(",");
    }
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 180)}px`;
  }

  /** The start of a freshly shown conversation screen: its messages, without opening the keyboard. */
  focusStart() {
    if (this.log && this.root.contains(this.log)) this.log.focus({ preventScroll: true });
  }

  focusComposer() {
    if (this.input && !this.input.disabled) this.input.focus();
  }

  /** The header, the composer's state and the details pane, from the session as it is now. */
  update(session) {
    const { me } = this.app;
    const name = displayName(session);
    const holder = session.assigned_agent;
    const mine = Boolean(holder && holder.id === me.id);
    const admin = me.role === "admin";
    const closed = session.status === "closed";

    const meta = el("div", { class: "thread-meta" }, statusBadge(session.status));
    meta.append(
      el("span", {
        class: `thread-holder${mine ? " is-me" : ""}`,
        text: holder ? `Assigned to ${holder.name}` : "Unassigned",
      }),
    );
    const place = this.app.queue.placeOf(session);
    if (place) meta.append(el("span", { class: "thread-place", text: `#${place} in queue` }));
    if (session.customer_email) {
      meta.append(el("span", { class: "thread-email", text: session.customer_email }));
    }
    if (session.labels && session.labels.length) {
      meta.append(el("span", { class: "thread-labels" }, srOnly("Labels: "), ...session.labels.map(labelChip)));
    }
    const viewers = this.app.presence.viewersOf(session.id);
    if (viewers.length) {
      const who = viewers.length === 1 ? `${viewers[0]} is` : `${viewers.join(" and ")} are`;
      meta.append(el("span", { class: "thread-viewers" }, icon("eye"), `${who} viewing`));
    }

    const actions = el("div", { class: "thread-actions" });
    if (!closed && !holder) {
      const take = el("button", { type: "button", class: "primary-button" }, icon("user"), "Assign to Me");
      take.addEventListener("click", () => this.app.assign(session.id, take));
      actions.append(take);
    }
    if (!closed && holder && !mine && admin) {
      const over = el("button", { type: "button", class: "primary-button", text: "Take over" });
      over.addEventListener("click", () => this.app.assign(session.id, over));
      actions.append(over);
    }
    if (!closed && holder && (mine || admin)) {
      const pass = el("button", { type: "button", class: "ghost-button", text: "Transfer" });
      pass.addEventListener("click", () => this.app.transfer.show(session));
      actions.append(pass);
    }
    if (!closed && (!holder || mine || admin)) {
      const shut = el(
        "button",
        { type: "button", class: "ghost-button" },
        icon("check"),
        "Close",
        el("span", { class: "wide-only", text: " conversation" }), // a phone says "Close" (app.css)
      );
      shut.addEventListener("click", () => this.app.close(session.id, shut));
      this.closeQuiet.disabled = false;
      actions.append(shut, this.closeMenu);
    }
    this.labelMenu.render(session);
    actions.append(this.labelMenu.menu, this.exportMenu); // the same elements: an open menu stays open
    // The header is rebuilt: keep the focus on the same action if it is still there.
    const active = document.activeElement;
    const focusedAction = this.head.contains(active) ? active.textContent : null;
    this.head.replaceChildren(
      this.backButton,
      avatar(name, session.id, "avatar-lg"),
      el("div", { class: "thread-title" }, el("h2", { text: name }), meta),
      this.detailsButton,
      actions,
    );
    if (focusedAction) {
      const same = [...actions.querySelectorAll("button, summary")].find((b) => b.textContent === focusedAction);
      if (same) same.focus();
    }
    this.log.setAttribute("aria-label", `Messages with ${name}`);
    this.updateComposer(session, { holder, mine, admin, closed, name });
    this.renderDetails(session, name);
    this.showSeen(session.customer_read_seq);
  }

  /** "Seen" under our side's (an agent's or the AI's) latest message the customer has read. */
  showSeen(readSeq) {
    if (Number.isSafeInteger(readSeq) && readSeq > this.readSeq) this.readSeq = readSeq;
    let target = null;
    for (const row of this.rows.values()) {
      const ours = row.sbType === "agent" || row.sbType === "ai";
      if (ours && row.sbOrder <= this.readSeq && (!target || row.sbOrder > target.sbOrder)) {
        target = row;
      }
    }
    if (target === this.seenRow) return;
    if (this.seenRow) {
      const old = this.seenRow.querySelector(".msg-seen");
      if (old) old.remove();
    }
    this.seenRow = target;
    if (target) {
      const seen = el("span", { class: "msg-seen", text: "Seen", title: "The customer has seen this" });
      target.querySelector(".msg-meta").append(seen);
    }
  }

  updateComposer(session, { holder, mine, admin, closed, name }) {
    const note = this.app.noteMode;
    let hold = "";
    if (note) hold = "";
    else if (closed) hold = "This conversation is closed. It reopens if the customer writes again.";
    else if (holder && !mine && !admin) hold = `${holder.name} is handling this conversation.`;
    this.hold.textContent = hold;
    this.hold.hidden = !hold;
    this.composer.classList.toggle("is-held", Boolean(hold));
    this.input.disabled = Boolean(hold);
    this.sendButton.disabled = Boolean(hold);
    this.attachButton.disabled = Boolean(hold) || note;
    this.input.placeholder = note
      ? "Private note: only agents see it. @ mentions a colleague…"
      : hold ? "" : `Reply to ${name}…`;
    this.input.setAttribute("aria-label", note ? "Private note" : "Message");
    this.sendButton.lastChild.textContent = note ? "Add note" : "Send";
  }

  renderDetails(session, name) {
    const rows = [
      ["Email", session.customer_email || "Not given"],
      ["Page", session.page_url || "Unknown"],
      ["Status", statusBadge(session.status)],
      ["Assigned to", session.assigned_agent ? session.assigned_agent.name : "No one yet"],
      ["Messages", String(session.message_count)],
      ["Started", fullTime(session.created_at)],
      ["Last activity", fullTime(session.updated_at)],
    ];
    const list = el("dl", { class: "details-list" });
    for (const [label, value] of rows) {
      list.append(el("dt", { text: label }), el("dd", {}, value));
    }
    this.details.replaceChildren(
      this.detailsBack,
      el(
        "div",
        { class: "details-card" },
        avatar(name, session.id, "avatar-xl"),
        el("h2", { class: "details-name", text: name }),
        el("p", { class: "details-sub muted", text: `Conversation #${session.id}` }),
      ),
      el("h3", { class: "details-heading", text: "Details" }),
      list,
      this.csat.box,
      this.email.box,
    );
    this.csat.follow(session);
    this.email.follow(session);
    this.details.hidden = false;
  }

  loaded() {
    if (this.loading) this.loading.remove();
    this.loading = null;
    if (!this.rows.size && !this.pendingRows.size) {
      this.log.append(el("p", { class: "log-empty", text: "No messages yet." }));
    }
    this.scrollToBottom();
  }

  /** The AI's handoff: what the customer asked and how the AI fared, and a reply from the
   * knowledge base the agent may insert into the composer, edit and send (never sent here). */
  showAssist(assist) {
    if (!assist || !assist.summary) return;
    const aiTookPart = assist.summary.reason !== "no_ai";
    const suggestion = assist.suggestion;
    if (!aiTookPart && !suggestion) return;
    // Beside the log, not in it: the log is the messages alone (and a live region).
    const box = el("section", {
      class: "assist",
      "aria-label": aiTookPart ? "Handoff summary" : "Suggested reply",
    });
    if (aiTookPart) {
      box.append(el("h3", { class: "assist-title", text: "Handoff summary" }));
      box.append(el("p", { class: "assist-summary", text: assist.summary.text }));
    }
    if (suggestion) {
      const insert = el("button", { type: "button", class: "ghost-button assist-insert", text: "Insert reply" });
      insert.addEventListener("click", () => this.insertText(suggestion.text));
      box.append(
        el("h4", { class: "assist-title", text: "Suggested reply" }),
        el("p", { class: "assist-suggestion", text: suggestion.text }),
        el("div", { class: "assist-actions" }, insert,
          el("span", { class: "muted", text: `From the article “${suggestion.source}”. Edit it before sending.` })),
      );
    }
    const close = el("button", { type: "button", class: "assist-close", "aria-label": "Hide", text: "×" });
    close.addEventListener("click", () => box.remove());
    box.prepend(close);
    if (this.assistBox) this.assistBox.remove();
    this.assistBox = box;
    this.log.before(box);
  }

  /** Put `text` into the composer at the cursor (replacing any selection), for editing. */
  insertText(text) {
    const input = this.input;
    if (!input || input.disabled) return;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.setRangeText(text, start, end, "end");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  }

  loadFailed(message) {
    if (this.loading) this.loading.textContent = message;
    this.goLive();
  }

  /** The history is in: from now on each message added is announced (see mount()). */
  goLive() {
    this.log.setAttribute("aria-live", "polite");
    this.log.removeAttribute("aria-busy");
  }

  /** Show a stored message once, in seq order. */
  add(message) {
    if (this.rows.has(message.id)) return;
    const empty = this.log.querySelector(".log-empty");
    if (empty) empty.remove();
    const pinned = this.isNearBottom();
    const row = this.messageRow(message);
    row.sbOrder = message.seq;
    row.sbType = message.sender_type;
    row.sbTime = parseTime(message.created_at);
    this.rows.set(message.id, row);
    this.insert(row);
    if (message.seq <= this.readSeq) this.showSeen();
    if (this.email.emailed.has(message.seq)) this.email.mark();
    const ours = message.sender_type === "agent" && message.agent_id === this.app.me.id;
    if (pinned || ours) this.scrollToBottom();
  }

  /** A private note, among the messages by its time: after the last message written before it.
   * Agents only; it looks nothing like a message to the customer. */
  addNote(note) {
    if (this.noteRows.has(note.id)) return;
    const empty = this.log.querySelector(".log-empty");
    if (empty) empty.remove();
    const pinned = this.isNearBottom();
    const when = parseTime(note.created_at);
    let order = 0;
    for (const row of this.rows.values()) {
      if (row.sbTime && when && row.sbTime <= when && row.sbOrder > order) order = row.sbOrder;
    }
    const author = note.agent ? note.agent.name : "A former agent";
    const row = el(
      "div",
      { class: "msg msg-note" },
      el(
        "div",
        { class: "msg-who" },
        el("span", { class: "note-label", text: "Private note" }),
        el("span", { class: "note-author", text: ` · ${author}` }),
      ),
      el("div", { class: "msg-bubble", text: note.content }),
      el(
        "div",
        { class: "msg-meta" },
        timeElement(note.created_at, messageTime(note.created_at), "msg-time"),
        el("span", { class: "note-hint", text: "Only agents see this" }),
      ),
    );
    row.sbOrder = order + 0.5;
    row.sbWho = null;
    this.noteRows.set(note.id, row);
    this.insert(row);
    if (pinned) this.scrollToBottom();
  }

  messageRow(message, pendingState) {
    const { me } = this.app;
    const type = message.sender_type;
    const mine = type === "agent" && message.agent_id === me.id;
    const row = el("div", { class: `msg msg-${type}${mine ? " msg-mine" : ""}` });
    row.sbWho = senderKey(message);
    if (type === "system") {
      row.append(el("div", { class: "msg-bubble", text: message.content }));
      row.append(timeElement(message.created_at, clockTime(message.created_at), "msg-time"));
      return row;
    }
    let who = "";
    if (type === "customer") {
      who = displayName(this.app.sessions.get(message.session_id) || { id: message.session_id });
    }
    else if (type === "ai") who = "AI assistant";
    else who = message.sender_name || "Agent";
    row.append(el("div", { class: "msg-who", text: who }));
    if (message.attachment) row.append(attachmentBubble(message));
    else row.append(el("div", { class: "msg-bubble", text: message.content }));
    const meta = el("div", { class: "msg-meta" });
    if (pendingState) meta.append(el("span", { class: "msg-state", text: pendingState }));
    else meta.append(timeElement(message.created_at, messageTime(message.created_at), "msg-time"));
    row.append(meta);
    return row;
  }

  insert(row) {
    // Messages almost always arrive last: walk back from the end to the first one before it.
    let ref = this.log.lastElementChild;
    while (ref && ref.sbOrder !== undefined && ref.sbOrder > row.sbOrder) {
      ref = ref.previousElementSibling;
    }
    if (ref) ref.after(row);
    else this.log.prepend(row);
    this.regroup(row);
    if (row.nextElementSibling) this.regroup(row.nextElementSibling);
  }

  /** Consecutive messages from one sender form a group: only the first says who. */
  regroup(row) {
    const prev = row.previousElementSibling;
    row.classList.toggle("cont", Boolean(prev && row.sbWho && prev.sbWho === row.sbWho));
  }

  /** A message on its way: "Sending…", or why it failed with a Retry button. */
  showPending(entry) {
    let row = this.pendingRows.get(entry.clientId);
    const label = entry.status === "failed" ? `Not sent: ${entry.error}` : entry.file ? "Uploading…" : "Sending…";
    const draft = {
      sender_type: "agent",
      agent_id: this.app.me.id,
      sender_name: this.app.me.name,
      content: entry.content,
      session_id: entry.sessionId,
    };
    const fresh = this.messageRow(draft, label);
    fresh.classList.add(entry.status === "failed" ? "is-failed" : "is-sending");
    fresh.sbOrder = Number.MAX_SAFE_INTEGER - 1e6 + entry.order;
    if (entry.status === "failed") {
      const retry = el("button", { type: "button", class: "link-button", text: "Retry" });
      retry.addEventListener("click", () => this.app.retry(entry.clientId));
      fresh.querySelector(".msg-meta").append(retry);
    }
    const empty = this.log.querySelector(".log-empty");
    if (empty) empty.remove();
    if (row) row.replaceWith(fresh);
    else this.insert(fresh);
    this.regroup(fresh);
    this.pendingRows.set(entry.clientId, fresh);
    this.scrollToBottom();
  }

  dropPending(clientId) {
    const row = this.pendingRows.get(clientId);
    if (!row) return;
    this.pendingRows.delete(clientId);
    const next = row.nextElementSibling;
    row.remove();
    if (next) this.regroup(next);
  }

  setTyping(labels) {
    let text = "";
    if (labels.length === 1) text = `${labels[0]} is typing…`;
    else if (labels.length > 1) text = `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)} are typing…`;
    this.typingText.textContent = text;
    this.typingDots.hidden = !text;
  }

  showNotice(text) {
    clearTimeout(this.noticeTimer);
    const dismiss = el(
      "button",
      { type: "button", class: "notice-close", "aria-label": "Dismiss" },
      icon("close"),
    );
    dismiss.addEventListener("click", () => this.hideNotice());
    this.notice.replaceChildren(el("span", { text }), dismiss);
    this.notice.hidden = false;
    this.noticeTimer = setTimeout(() => this.hideNotice(), NOTICE_FOR);
  }

  hideNotice() {
    clearTimeout(this.noticeTimer);
    if (!this.notice) return;
    this.notice.hidden = true;
    this.notice.replaceChildren();
  }

  isNearBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 120;
  }

  scrollToBottom() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  tick() {
    if (!this.log) return;
    for (const node of this.log.querySelectorAll("time.msg-time")) {
      node.textContent = messageTime(node.getAttribute("datetime"));
    }
  }
}
