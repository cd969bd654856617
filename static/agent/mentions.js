/* Mentions: a note that names you (`@Your Name`) beeps, shows a desktop notification and goes
 * into the Mentions list above the inbox, whoever holds the conversation. The list holds the
 * mentions since this page was opened; each opens its conversation. */

import { el } from "../shared/dom.js";
import { displayName } from "./dom.js";

const KEPT = 50;

export class Mentions {
  constructor(app) {
    this.app = app;
    this.items = []; // newest first: {note, session}
    this.unseen = 0;
    this.toggle = document.getElementById("mentions-toggle");
    this.panel = document.getElementById("mentions-panel");
    this.list = document.getElementById("mentions-list");
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    this.render();
  }

  add(data) {
    if (!data.note || !data.session || this.items.some((m) => m.note.id === data.note.id)) return;
    this.items.unshift({ note: data.note, session: data.session });
    this.items.length = Math.min(this.items.length, KEPT);
    this.unseen += 1;
    this.render();
    const who = data.note.agent ? data.note.agent.name : "A colleague";
    const text = `${who} mentioned you about ${displayName(data.session)}: ${data.note.content}`;
    const alerts = this.app.alerts;
    if (!alerts.muted) alerts.beep();
    alerts.notify("You were mentioned", text.length > 140 ? `${text.slice(0, 139)}…` : text, data.session.id);
  }

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (open) this.unseen = 0;
    this.render();
  }

  render() {
    this.toggle.textContent = this.unseen ? `Mentions (${this.unseen})` : "Mentions";
    this.toggle.classList.toggle("has-unseen", this.unseen > 0);
    if (!this.items.length) {
      this.list.replaceChildren(el("li", { class: "muted", text: "No mentions yet. When a colleague writes @ and your name in a note, it shows here." }));
      return;
    }
    this.list.replaceChildren(
      ...this.items.map(({ note, session }) => {
        const open = el("button", { type: "button", class: "mention" });
        open.append(
          el("span", { class: "mention-who", text: `${note.agent ? note.agent.name : "A colleague"} · ${displayName(session)}` }),
          el("span", { class: "mention-text", text: note.content }),
        );
        open.addEventListener("click", () => {
          this.show(false);
          this.app.open(session.id);
        });
        return el("li", {}, open);
      }),
    );
  }
}
