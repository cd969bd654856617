/* Email continuity on the agent page: where the open conversation's unread replies are
 * emailed, whether delivery worked, and "Emailed" under each message that went out by email.
 * Asked again every 5 s while the conversation is open (emails go out after a delay). */

import { el } from "../shared/dom.js";
import { request } from "../shared/request.js";

const EVERY = 5000;
const SAYS = {
  waiting: "Replies the visitor does not read in the chat are emailed to them after a short delay.",
  sent: "Replies the visitor had not read went out by email.",
  retrying: "Email not delivered yet; retrying.",
  not_delivered: "Email not delivered: gave up after a day of failures.",
};

export class EmailStatus {
  constructor(thread) {
    this.thread = thread;
    this.sessionId = null;
    this.timer = null;
    this.emailed = new Set();
    this.box = el("section", { class: "email-status", "aria-label": "Email replies" });
    this.box.hidden = true;
  }

  /** Follow the open conversation (or none); only one with a customer email is asked about. */
  follow(session) {
    const id = session && session.customer_email ? session.id : null;
    if (id === this.sessionId) return;
    clearInterval(this.timer);
    this.sessionId = id;
    this.emailed = new Set();
    this.box.hidden = true;
    if (id === null) return;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), EVERY);
  }

  async refresh() {
    const id = this.sessionId;
    let body;
    try {
      body = await request("GET", `/api/v1/chat/sessions/${id}/email`);
    } catch {
      return; // offline for a moment: the next turn asks again
    }
    if (id === this.sessionId) this.render(body.email);
  }

  render(email) {
    if (!email) {
      this.box.hidden = true;
      return;
    }
    const failed = email.status === "retrying" || email.status === "not_delivered";
    const state = el("p", {
      class: `email-state email-${email.status}`,
      role: failed ? "alert" : null,
      text: SAYS[email.status] || email.status,
    });
    if (email.status === "retrying" && email.last_error) {
      state.append(el("span", { class: "email-error muted", text: ` (${email.last_error})` }));
    }
    // The address itself is under Details, just above.
    this.box.replaceChildren(el("h3", { class: "details-heading", text: "Email replies" }), state);
    this.box.hidden = false;
    this.emailed = new Set(email.emailed);
    this.mark();
  }

  /** "Emailed" under each shown message that went out by email. */
  mark() {
    for (const row of this.thread.rows.values()) {
      if (!this.emailed.has(row.sbOrder) || row.querySelector(".msg-emailed")) continue;
      const meta = row.querySelector(".msg-meta") || row;
      meta.append(el("span", { class: "msg-emailed", text: "Emailed" }));
    }
  }
}
