/* The API keys section: make a key (its token is shown once, to copy), the list of keys, and
 * revoking one after a confirmation. Every name is put in as text. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";
import { confirmAction, showError, when } from "./dialogs.js";

const BASE = "/api/v1/api-keys";
const SCOPES = { read: "Read", write: "Write" };

export class ApiKeys {
  constructor(wrote) {
    this.wrote = wrote;
    this.form = document.getElementById("api-key-form");
    this.body = document.getElementById("api-key-body");
    this.error = document.getElementById("api-key-error");
    this.made = document.getElementById("api-key-made");
    this.token = document.getElementById("api-key-token");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    document.getElementById("api-key-copy").addEventListener("click", () => this.copy());
    document.getElementById("api-key-done").addEventListener("click", () => this.forget());
    this.load();
  }

  async load() {
    try {
      this.render((await request("GET", BASE)).api_keys);
    } catch (failure) {
      showError(this.error, failure.message);
    }
  }

  render(keys) {
    this.body.replaceChildren(...keys.map((key) => this.row(key)));
    if (!keys.length) {
      this.body.append(el("tr", null, el("td", { colspan: "8", class: "muted", text: "No API keys yet." })));
    }
  }

  row(key) {
    const actions = el("td", { class: "actions" });
    if (!key.revoked) {
      const revoke = el("button", { type: "button", class: "danger-link", text: "Revoke", "aria-label": `Revoke ${key.name}` });
      revoke.addEventListener("click", () => this.revoke(key));
      actions.append(revoke);
    }
    return el(
      "tr",
      { class: key.revoked ? "inactive" : "", "data-key-id": key.id },
      el("td", { text: key.name }),
      el("td", { text: SCOPES[key.scope] || key.scope }),
      el("td", null, el("code", { text: `${key.prefix}…` })),
      el("td", { text: key.created_by.name }),
      el("td", { text: when(key.created_at) }),
      el("td", { text: key.last_used_at ? when(key.last_used_at) : "Never" }),
      el("td", { text: key.revoked ? `Revoked ${when(key.revoked_at)}` : "Active" }),
      actions
    );
  }

  async create() {
    showError(this.error, "");
    const data = new FormData(this.form);
    try {
      const answer = await request("POST", BASE, { name: data.get("name"), scope: data.get("scope") });
      this.form.reset();
      document.getElementById("api-key-made-text").textContent =
        `The ${SCOPES[answer.api_key.scope].toLowerCase()} key “${answer.api_key.name}” is made. Send it as Authorization: Bearer <key>.`;
      this.token.value = answer.token;
      document.getElementById("api-key-copy").textContent = "Copy key";
      this.made.hidden = false;
      this.token.focus();
      this.token.select();
      this.wrote();
      await this.load();
    } catch (failure) {
      showError(this.error, failure.message);
    }
  }

  async copy() {
    this.token.select();
    try {
      await navigator.clipboard.writeText(this.token.value);
      document.getElementById("api-key-copy").textContent = "Copied";
    } catch (_) {
      document.execCommand && document.execCommand("copy");
    }
  }

  /** Hide the token: it stays nowhere on the page once the admin is done with it. */
  forget() {
    this.token.value = "";
    this.made.hidden = true;
    this.form.elements.name.focus();
  }

  async revoke(key) {
    const ok = await confirmAction(
      `Revoke the key ${key.name}?`,
      "Every request with it is refused from now on, on every node. This cannot be undone.",
      "Revoke"
    );
    if (!ok) return;
    showError(this.error, "");
    try {
      await request("DELETE", `${BASE}/${key.id}`);
      this.wrote();
      await this.load();
    } catch (failure) {
      showError(this.error, failure.message);
    }
  }
}
