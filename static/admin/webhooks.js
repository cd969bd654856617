/* The Webhooks section: add an endpoint (URL, event types, notes or not), its secret shown once
 * with Copy, the endpoints (enabled switch, delete after a confirmation, a test event) and each
 * one's last deliveries with Retry. The deliveries are asked for again every few seconds. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";
import { confirmAction, showError, when } from "./dialogs.js";

const BASE = "/api/v1/webhooks";
const REFRESH_MS = 3000;
const SHOWN = 10; // deliveries shown per endpoint (the API gives the newest 50)
const GROUPS = [
  ["Conversations", (type) => type.startsWith("chat.session.") || type === "chat.agent.joined"],
  ["Messages", (type) => type === "chat.message.new" || type === "chat.read"],
  ["Ratings", (type) => type.startsWith("chat.csat.")],
  ["Other", () => true],
];
const STATUS = { pending: "Pending", delivered: "Delivered", failed: "Failed" };

export class Webhooks {
  constructor(types, wrote) {
    this.wrote = wrote;
    this.form = document.getElementById("webhook-form");
    this.list = document.getElementById("webhook-list");
    this.error = document.getElementById("webhook-error");
    this.secret = document.getElementById("webhook-secret");
    this.renderTypes(types);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    document.getElementById("webhook-secret-copy").addEventListener("click", () => {
      const field = document.getElementById("webhook-secret-value");
      field.select();
      navigator.clipboard?.writeText(field.value).catch(() => document.execCommand("copy"));
    });
    this.load();
    setInterval(() => this.load(), REFRESH_MS);
  }

  renderTypes(types) {
    const left = new Set(types);
    const groups = GROUPS.map(([name, fits]) => {
      const mine = [...left].filter(fits);
      mine.forEach((type) => left.delete(type));
      if (!mine.length) return null;
      const boxes = mine.map((type) =>
        el("label", null, el("input", { type: "checkbox", name: "events", value: type }), type)
      );
      return el("fieldset", null, el("legend", { text: name }), ...boxes);
    });
    document.getElementById("webhook-events").replaceChildren(...groups.filter(Boolean));
  }

  async add() {
    const data = new FormData(this.form);
    const notes = data.get("include_notes") === "on";
    const events = data.getAll("events");
    if (notes) events.push("chat.note.new", "chat.mention");
    showError(this.error, "");
    try {
      const added = await request("POST", BASE, { url: data.get("url"), events, include_notes: notes });
      document.getElementById("webhook-secret-value").value = added.secret;
      this.secret.hidden = false;
      this.form.reset();
      this.wrote();
      await this.load();
    } catch (failure) {
      showError(this.error, failure.message);
    }
  }

  async load() {
    try {
      const { webhooks } = await request("GET", BASE);
      const items = await Promise.all(webhooks.map(async (hook) => this.item(hook, await this.deliveries(hook))));
      this.list.replaceChildren(...items);
      if (!webhooks.length) this.list.append(el("li", { class: "muted", text: "No webhooks yet." }));
    } catch (failure) {
      showError(this.error, failure.message);
    }
  }

  async deliveries(hook) {
    return (await request("GET", `${BASE}/${hook.id}/deliveries`)).deliveries.slice(0, SHOWN);
  }

  item(hook, deliveries) {
    const toggle = el("input", { type: "checkbox", checked: hook.enabled, "aria-label": `Enabled: ${hook.url}` });
    toggle.addEventListener("change", () => this.write("PATCH", `${BASE}/${hook.id}`, { enabled: toggle.checked }));
    const test = el("button", { type: "button", class: "link-button", text: "Send test event" });
    test.addEventListener("click", () => this.write("POST", `${BASE}/${hook.id}/test`));
    const remove = el("button", { type: "button", class: "danger-link", text: "Delete", "aria-label": `Delete ${hook.url}` });
    remove.addEventListener("click", async () => {
      const text = `${hook.url} gets nothing more; its pending deliveries are dropped.`;
      if (await confirmAction("Delete this webhook?", text, "Delete webhook")) {
        this.write("DELETE", `${BASE}/${hook.id}`);
      }
    });
    const head = el(
      "div",
      { class: "webhook-head" },
      el("label", { class: "check" }, toggle, "Enabled"),
      el("span", { class: "webhook-url", text: hook.url }),
      test,
      remove
    );
    const about = el("p", { class: "muted", text: hook.events.join(", ") });
    const reason = hook.disabled_reason ? el("p", { class: "alert", text: hook.disabled_reason }) : null;
    return el("li", { class: "webhook-item", "data-webhook-id": hook.id }, head, about, reason, this.table(hook, deliveries));
  }

  table(hook, deliveries) {
    if (!deliveries.length) return el("p", { class: "muted", text: "No deliveries yet." });
    const rows = deliveries.map((delivery) => {
      const retry = el("button", { type: "button", class: "link-button", text: "Retry", "aria-label": `Retry delivery ${delivery.id}` });
      retry.addEventListener("click", () => this.write("POST", `${BASE}/${hook.id}/deliveries/${delivery.id}/retry`));
      const error = delivery.last_error && delivery.status !== "delivered" ? ` (${delivery.last_error})` : "";
      return el(
        "tr",
        { "data-delivery-id": delivery.id },
        el("td", null, el("time", { datetime: delivery.created_at, text: when(delivery.created_at) })),
        el("td", { text: delivery.type }),
        el("td", { text: (STATUS[delivery.status] || delivery.status) + error }),
        el("td", { text: delivery.last_status_code == null ? "—" : String(delivery.last_status_code) }),
        el("td", { text: delivery.last_duration_ms == null ? "—" : `${delivery.last_duration_ms} ms` }),
        el("td", { text: String(delivery.attempts) }),
        el("td", null, retry)
      );
    });
    const head = el(
      "tr",
      null,
      ...["When", "Event", "Status", "Code", "Response time", "Attempts"].map((text) => el("th", { text })),
      el("th", null, el("span", { class: "sr-only", text: "Actions" }))
    );
    return el(
      "table",
      { class: "admin-table", "aria-label": `Deliveries to ${hook.url}` },
      el("thead", null, head),
      el("tbody", null, ...rows)
    );
  }

  async write(method, path, body) {
    showError(this.error, "");
    try {
      await request(method, path, body);
      this.wrote();
      await this.load();
    } catch (failure) {
      showError(this.error, failure.message);
      await this.load();
    }
  }
}
