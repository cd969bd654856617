/* Agent presence in the top bar: your own status (Available / Busy) and the rest of the team's.
 *
 * The team comes from connection.ready's `presence` and stays current with `agent.presence`
 * frames. (Not to be confused with presence.js: who views or types in a conversation.) */

import { el } from "../shared/dom.js";
import * as api from "./api.js";

const LABELS = { available: "Available", busy: "Busy", offline: "Offline" };
const ORDER = { available: 0, busy: 1, offline: 2 };

export class Team {
  constructor(me) {
    this.me = me;
    this.members = new Map(); // agent id → {agent: {id, name}, status}
    this.select = document.getElementById("my-presence");
    this.dot = document.getElementById("my-presence-dot");
    this.toggle = document.getElementById("team-toggle");
    this.panel = document.getElementById("team-panel");
    this.list = document.getElementById("team-list");
    this.empty = document.getElementById("team-empty");
    this.error = document.getElementById("presence-error");
    this.chosen = this.select.value;
    this.select.addEventListener("change", () => this.choose(this.select.value));
    this.toggle.addEventListener("click", () => this.show(this.panel.hidden));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) {
        this.show(false);
        this.toggle.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && !document.getElementById("team").contains(event.target)) this.show(false);
    });
    this.render();
  }

  show(open) {
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
  }

  /** connection.ready: the whole team afresh. */
  reset(entries) {
    this.members.clear();
    for (const entry of Array.isArray(entries) ? entries : []) this.onPresence(entry, { quiet: true });
    this.render();
  }

  /** One agent's status changed (an `agent.presence` frame, or an entry of the ready list). */
  onPresence(data, { quiet = false } = {}) {
    const agent = data && data.agent;
    if (!agent || !Number.isSafeInteger(agent.id) || !(data.status in LABELS)) return;
    if (agent.id === this.me.id) {
      // Our own choice, perhaps made in another tab; offline never shows here while we are live.
      if (data.status !== "offline") this.showMine(data.status);
      return;
    }
    if (data.removed === true) this.members.delete(agent.id); // removed from the team by an admin
    else this.members.set(agent.id, { agent: { id: agent.id, name: String(agent.name || "") }, status: data.status });
    if (!quiet) this.render();
  }

  showMine(status) {
    this.chosen = status;
    this.select.value = status;
    this.dot.dataset.status = status;
  }

  async choose(status) {
    const before = this.chosen;
    this.showMine(status);
    this.error.hidden = true;
    try {
      await api.setPresence(status);
    } catch (error) {
      this.showMine(before);
      this.error.textContent = `Your status was not changed: ${error.message}`;
      this.error.hidden = false;
    }
  }

  render() {
    const members = [...this.members.values()].sort(
      (a, b) => ORDER[a.status] - ORDER[b.status] || a.agent.name.localeCompare(b.agent.name)
    );
    this.list.replaceChildren(
      ...members.map(({ agent, status }) =>
        el(
          "li",
          { class: "team-member", "data-status": status, "data-agent-id": agent.id },
          el("span", { class: "presence-dot", "data-status": status, "aria-hidden": "true" }),
          el("span", { class: "team-name", text: agent.name }),
          el("span", { class: "team-status", text: LABELS[status] })
        )
      )
    );
    this.empty.hidden = members.length > 0;
    const available = members.filter((m) => m.status === "available").length;
    // On a phone the count gives way (agent.css); the panel lists everyone.
    this.toggle.replaceChildren("Team", el("span", { class: "team-count", text: ` · ${available} available` }));
  }
}
