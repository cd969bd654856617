/* The Transfer dialog: hand the open conversation to a colleague, with an optional private
 * note. The colleagues are the team the top bar already knows (everyone but you, and not the
 * one who holds it now). */

import { el } from "../shared/dom.js";
import * as api from "./api.js";
import { displayName } from "./dom.js";

const LABELS = { available: "Available", busy: "Busy", offline: "Offline" };
const ORDER = { available: 0, busy: 1, offline: 2 };

export class TransferDialog {
  constructor(app) {
    this.app = app;
    this.dialog = document.getElementById("transfer-dialog");
    this.form = document.getElementById("transfer-form");
    this.who = document.getElementById("transfer-who");
    this.select = document.getElementById("transfer-agent");
    this.note = document.getElementById("transfer-note");
    this.error = document.getElementById("transfer-error");
    this.submit = document.getElementById("transfer-submit");
    this.sessionId = null;
    document.getElementById("transfer-cancel").addEventListener("click", () => this.dialog.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
  }

  /** Open the dialog for a conversation. */
  show(session) {
    this.sessionId = session.id;
    const holder = session.assigned_agent ? session.assigned_agent.id : null;
    const limits = this.app.limits;
    if (limits && Number.isSafeInteger(limits.content_max)) this.note.maxLength = limits.content_max;
    const colleagues = [...this.app.team.members.values()]
      .filter(({ agent }) => agent.id !== this.app.me.id && agent.id !== holder)
      .sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.agent.name.localeCompare(b.agent.name));
    this.select.replaceChildren(
      ...colleagues.map(({ agent, status }) =>
        el("option", { value: agent.id, text: `${agent.name} (${LABELS[status] || status})` }),
      ),
    );
    this.who.textContent = `${displayName(session)} goes to the colleague you choose.`;
    this.note.value = "";
    this.showError(colleagues.length ? "" : "Nobody else is on the team to transfer to.");
    this.submit.disabled = !colleagues.length;
    this.dialog.showModal();
    this.select.focus();
  }

  async send() {
    const agentId = Number(this.select.value);
    if (!Number.isSafeInteger(agentId) || this.sessionId == null) return;
    this.submit.disabled = true;
    this.showError("");
    try {
      const session = await api.transfer(this.sessionId, agentId, this.note.value.trim());
      this.dialog.close();
      this.app.upsert(session);
    } catch (error) {
      this.showError(error.message);
      this.app.refreshSession(this.sessionId);
    } finally {
      this.submit.disabled = false;
    }
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }
}
