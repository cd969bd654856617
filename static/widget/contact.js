/* The visitor's address for replies, and when the team is back. The box is offered inline once
 * the conversation waits for a person while nobody can answer (outside business hours, or no
 * agent Available): never before the AI has had its turn, never required. Once saved it says
 * where replies will go. Text is set with textContent only. */

import { el } from "../shared/dom.js";
import { parseTime } from "../shared/format.js";
import { store } from "./config.js";
import { backText, tr } from "./i18n.js";
import { api } from "./rest.js";
import { state } from "./state.js";
import { ui } from "./view.js";

/** Take `open_now` and `next_open` of the public config; ask again once the team opens. */
export function takeHours(answer, refresh) {
  if (typeof answer.open_now !== "boolean") return;
  state.openNow = answer.open_now;
  state.nextOpen = typeof answer.next_open === "string" ? answer.next_open : null;
  clearTimeout(state.openingTimer);
  const due = state.nextOpen ? new Date(state.nextOpen).getTime() - Date.now() : NaN;
  if (due > 0 && due < 86400000) state.openingTimer = setTimeout(refresh, due + 1000);
}

/** "We're closed right now. Back tomorrow at 9:00." while closed; "" while open. */
export function closedText() {
  if (state.openNow !== false) return "";
  const back = backText(parseTime(state.nextOpen));
  return back ? tr("closed.back", { back }) : tr("closed.now");
}

export function buildContactBox() {
  const form = el("form", { class: "contact", "aria-label": tr("contact.label") });
  const id = "sb-contact-email";
  const input = el("input", {
    id,
    type: "email",
    name: "email",
    autocomplete: "email",
    required: true,
    maxlength: "254",
    placeholder: tr("contact.placeholder"),
  });
  const save = el("button", { type: "submit", class: "primary", text: tr("contact.save") });
  const skip = el("button", { type: "button", class: "contact-skip", text: tr("contact.skip") });
  const error = el("p", { class: "contact-error", role: "alert" });
  error.hidden = true;
  form.append(
    el("p", { class: "contact-intro", text: tr("contact.intro") }),
    el("label", { for: id, text: tr("contact.email") }),
    el("div", { class: "contact-row" }, input, save),
    error,
    skip
  );
  const done = el("p", { class: "contact-done", role: "status", "aria-live": "polite" });
  done.hidden = true;
  form.hidden = true;
  form.addEventListener("submit", saveContact);
  skip.addEventListener("click", () => {
    store.set("contact_skipped", state.key || "");
    updateContactBox();
  });
  Object.assign(ui, { contact: form, contactEmail: input, contactSave: save, contactError: error, contactDone: done });
  return [form, done];
}

/** Show the box while the conversation waits and nobody can answer, or where replies go. */
export function updateContactBox() {
  if (!ui || !ui.contact) return;
  const key = state.key;
  const saved = key && store.get("contact_for") === key ? store.get("contact_email") : null;
  const session = state.session;
  const nobody = state.openNow === false || state.agentsAvailable === false;
  const waiting = Boolean(key && session && session.status === "queued" && nobody);
  ui.contact.hidden = Boolean(saved) || !waiting || store.get("contact_skipped") === key;
  ui.contactDone.hidden = !saved;
  ui.contactDone.textContent = saved ? tr("contact.done", { email: saved }) : "";
}

async function saveContact(event) {
  event.preventDefault();
  const email = ui.contactEmail.value.trim();
  if (!email || !state.key) return;
  ui.contactSave.disabled = true;
  ui.contactError.hidden = true;
  try {
    await api("POST", "/api/v1/chat/public/contact", { session_key: state.key, email });
    store.set("contact_for", state.key);
    store.set("contact_email", email);
  } catch (error) {
    ui.contactError.textContent = error.status === 422
      ? tr("contact.invalid")
      : error.message;
    ui.contactError.hidden = false;
  } finally {
    ui.contactSave.disabled = false;
  }
  updateContactBox();
}
