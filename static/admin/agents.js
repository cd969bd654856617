/* The Agents section: the team table, adding an agent (a one-time setup link to copy), editing
 * name, role and capacity, deactivating (after a confirmation), reactivating, password resets. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";
import { confirmAction, showError } from "./dialogs.js";

const BASE = "/api/v1/agents";
const PRESENCE = { available: "Available", busy: "Busy", offline: "Offline" };

export class Agents {
  constructor(initial, me, onWrite) {
    this.agents = initial;
    this.me = me;
    this.onWrite = onWrite; // called after every successful write (the audit log reloads)
    this.body = document.getElementById("agents-body");
    this.error = document.getElementById("agents-error");
    this.form = document.getElementById("add-agent");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    document.getElementById("setup-link-copy").addEventListener("click", () => this.copyLink());
    this.render();
  }

  render() {
    this.body.replaceChildren(...this.agents.map((agent) => this.row(agent)));
  }

  row(agent) {
    const status = agent.active ? "Active" : "Deactivated";
    const actions = el("td", { class: "actions" });
    const name = agent.name;
    actions.append(
      this.button("Edit", `Edit ${name}`, () => this.edit(agent)),
      this.button("Reset password", `Reset password of ${name}`, () => this.reset(agent))
    );
    if (agent.id !== this.me) {
      actions.append(
        agent.active
          ? this.button("Deactivate", `Deactivate ${name}`, () => this.deactivate(agent), "danger-link")
          : this.button("Reactivate", `Reactivate ${name}`, () => this.reactivate(agent))
      );
    }
    return el(
      "tr",
      { class: agent.active ? "" : "inactive", "data-agent-id": agent.id },
      el("td", { text: name }),
      el("td", { text: agent.email }),
      el("td", { text: agent.role === "admin" ? "Admin" : "Agent" }),
      el("td", { text: status }),
      el("td", { text: agent.capacity == null ? "Default" : String(agent.capacity) }),
      el("td", null, el("span", { class: `presence presence-${agent.presence}`, text: PRESENCE[agent.presence] || agent.presence })),
      actions
    );
  }

  button(text, label, action, kind = "link-button") {
    const button = el("button", { type: "button", class: kind, text, "aria-label": label });
    button.addEventListener("click", action);
    return button;
  }

  replace(agent) {
    const index = this.agents.findIndex((a) => a.id === agent.id);
    if (index >= 0) this.agents[index] = agent;
    else this.agents.push(agent);
    this.render();
    this.onWrite();
  }

  async act(work) {
    showError(this.error, "");
    try {
      await work();
    } catch (error) {
      showError(this.error, error.message);
    }
  }

  add() {
    const data = new FormData(this.form);
    const body = { name: data.get("name"), email: data.get("email"), role: data.get("role") };
    return this.act(async () => {
      const answer = await request("POST", BASE, body);
      this.form.reset();
      this.replace(answer.agent);
      this.showLink(answer.setup_url, `${answer.agent.name} is added. Hand them this link to choose a password; it works once, for 72 hours.`);
    });
  }

  showLink(url, text) {
    document.getElementById("setup-link-text").textContent = text;
    document.getElementById("setup-link-url").value = url;
    document.getElementById("setup-link").hidden = false;
  }

  async copyLink() {
    const input = document.getElementById("setup-link-url");
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      document.getElementById("setup-link-copy").textContent = "Copied";
    } catch (_) {
      document.execCommand && document.execCommand("copy");
    }
  }

  edit(agent) {
    const dialog = document.getElementById("edit-agent");
    const form = dialog.querySelector("form");
    const error = document.getElementById("edit-agent-error");
    showError(error, "");
    form.elements.name.value = agent.name;
    form.elements.role.value = agent.role;
    form.elements.capacity.value = agent.capacity == null ? "" : String(agent.capacity);
    dialog.returnValue = "";
    const save = async (event) => {
      if (event.submitter && event.submitter.value !== "save") return;
      event.preventDefault();
      const capacity = form.elements.capacity.value.trim();
      const body = {
        name: form.elements.name.value,
        role: form.elements.role.value,
        capacity: capacity === "" ? null : Number(capacity),
      };
      try {
        const answer = await request("PATCH", `${BASE}/${agent.id}`, body);
        form.removeEventListener("submit", save);
        dialog.close("save");
        this.replace(answer.agent);
      } catch (failure) {
        showError(error, failure.message);
      }
    };
    form.addEventListener("submit", save);
    dialog.addEventListener("close", () => form.removeEventListener("submit", save), { once: true });
    dialog.showModal();
  }

  async deactivate(agent) {
    const ok = await confirmAction(
      `Deactivate ${agent.name}?`,
      `${agent.name} is logged out at once and can no longer log in. Their open conversations go back to the queue; their past messages keep their name.`,
      "Deactivate"
    );
    if (!ok) return;
    await this.act(async () => this.replace((await request("POST", `${BASE}/${agent.id}/deactivate`)).agent));
  }

  reactivate(agent) {
    return this.act(async () => this.replace((await request("POST", `${BASE}/${agent.id}/reactivate`)).agent));
  }

  async reset(agent) {
    const ok = await confirmAction(
      `Reset the password of ${agent.name}?`,
      `Their password stops working and they are logged out everywhere at once. You get a new setup link to hand them.`,
      "Reset password"
    );
    if (!ok) return;
    await this.act(async () => {
      const answer = await request("POST", `${BASE}/${agent.id}/password-reset`);
      this.showLink(answer.setup_url, `A new setup link for ${agent.name}: it works once, for 72 hours.`);
      this.onWrite();
    });
  }
}
