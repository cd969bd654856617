/* The customer's rating of the open conversation in the details pane: "Rating: 4/5" and their
 * comment (as text), asked for when a conversation is opened (GET …/csat) and updated live by
 * chat.csat.requested and chat.csat.received. */

import { el } from "../shared/dom.js";
import { request } from "../shared/request.js";
import { fullTime } from "./dom.js";

export class CsatBox {
  constructor() {
    this.sessionId = null;
    this.requested = false;
    this.csat = null;
    this.box = el("section", { class: "csat-box", "aria-label": "Customer rating", "aria-live": "polite" });
    this.box.hidden = true;
  }

  /** Follow the open conversation; a conversation opened afresh is asked about again. */
  follow(session, { fresh = false } = {}) {
    const id = session ? session.id : null;
    if (id === this.sessionId && !fresh) return;
    this.sessionId = id;
    this.requested = false;
    this.csat = null;
    this.render();
    if (id !== null) this.refresh();
  }

  async refresh() {
    const id = this.sessionId;
    let body;
    try {
      body = await request("GET", `/api/v1/chat/sessions/${id}/csat`);
    } catch {
      return; // unknown for now: the live events still fill it in
    }
    if (id !== this.sessionId) return;
    this.requested = this.requested || body.requested === true;
    this.csat = this.csat || body.csat || null;
    this.render();
  }

  /** chat.csat.requested: the customer was asked (a close of this conversation). */
  asked(data) {
    if (!data || data.session_id !== this.sessionId) return;
    this.requested = true;
    this.render();
  }

  /** chat.csat.received: the customer rated it. */
  received(data) {
    if (!data || !data.csat || data.session_id !== this.sessionId) return;
    this.csat = data.csat;
    this.render();
  }

  render() {
    const csat = this.csat;
    if (!csat && !this.requested) {
      this.box.hidden = true;
      this.box.replaceChildren();
      return;
    }
    const parts = [el("h3", { class: "details-heading", text: "Rating" })];
    if (csat) {
      parts.push(el("p", { class: "csat-score", text: `Rating: ${csat.rating}/5` }));
      if (csat.comment) parts.push(el("blockquote", { class: "csat-comment", text: csat.comment }));
      const when = fullTime(csat.created_at);
      if (when) parts.push(el("p", { class: "csat-when muted", text: `Rated ${when}` }));
    } else {
      parts.push(el("p", { class: "csat-waiting muted", text: "Rating asked for; no answer yet." }));
    }
    this.box.replaceChildren(...parts);
    this.box.hidden = false;
  }
}
