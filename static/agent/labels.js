/* Labels on the agent page: coloured chips (names are text), the menu that puts labels on the
 * open conversation, and the inbox filter by labels (any, all or none of them), kept in the
 * page's address as ?label=1&label=2&match=all beside the status filter (?view=mine). */

import { el } from "../shared/dom.js";
import * as api from "./api.js";

const COLOR = /^#[0-9A-Fa-f]{6}$/;
export const MATCHES = { any: "Any of", all: "All of", none: "None of" };

export function labelChip(label) {
  const chip = el("span", { class: "label-chip", title: label.name });
  const dot = el("span", { class: "label-dot", "aria-hidden": "true" });
  if (COLOR.test(label.color)) dot.style.background = label.color;
  chip.append(dot, el("span", { class: "label-name", text: label.name }));
  return chip;
}

/** Whether a session passes the label filter. */
export function passes(session, chosen, match) {
  if (!chosen.size) return true;
  const has = new Set((session.labels || []).map((label) => label.id));
  const hits = [...chosen].filter((id) => has.has(id)).length;
  if (match === "all") return hits === chosen.size;
  if (match === "none") return hits === 0;
  return hits > 0;
}

/** The "Labels" menu in a conversation's header: a checkbox per label; any agent may change. */
export class LabelMenu {
  constructor(app) {
    this.app = app;
    this.menu = el("details", { class: "label-menu" });
    this.menu.append(el("summary", { class: "ghost-button", text: "Labels" }));
    this.box = el("fieldset", { class: "label-list" }, el("legend", { class: "sr-only", text: "Labels" }));
    this.menu.append(this.box);
    this.menu.addEventListener("toggle", () => {
      if (this.menu.open) this.app.loadLabels().then(() => this.render(this.session));
    });
  }

  render(session) {
    this.session = session;
    const have = new Set((session.labels || []).map((label) => label.id));
    const rows = this.app.labels.map((label) => {
      const box = el("input", { type: "checkbox", value: label.id });
      box.checked = have.has(label.id);
      box.addEventListener("change", () => this.save());
      return el("label", { class: "label-option" }, box, labelChip(label));
    });
    if (!rows.length) rows.push(el("p", { class: "muted", text: "No labels yet. An admin adds them in Admin → Labels." }));
    this.box.replaceChildren(this.box.firstChild, ...rows);
  }

  async save() {
    const ids = [...this.box.querySelectorAll("input:checked")].map((box) => Number(box.value));
    try {
      this.app.upsert(await api.putLabels(this.session.id, ids));
    } catch (error) {
      this.app.thread.showNotice(`The labels were not changed: ${error.message}`);
      this.render(this.session);
    }
  }
}

/** The inbox filter by labels; its state lives in the address so a reload or link keeps it. */
export class LabelFilter {
  constructor(app) {
    this.app = app;
    const params = new URLSearchParams(location.search);
    this.chosen = new Set(params.getAll("label").map(Number).filter(Number.isSafeInteger));
    this.match = params.get("match") in MATCHES ? params.get("match") : "any";
    this.root = document.getElementById("label-filter");
    this.summary = this.root.querySelector("summary");
    this.list = document.getElementById("label-filter-list");
    this.matchSelect = document.getElementById("label-match");
    this.matchSelect.value = this.match;
    this.matchSelect.addEventListener("change", () => {
      this.match = this.matchSelect.value;
      this.changed();
    });
    this.root.addEventListener("toggle", () => {
      if (this.root.open) this.app.loadLabels().then(() => this.render());
    });
    this.render();
  }

  render() {
    const rows = this.app.labels.map((label) => {
      const box = el("input", { type: "checkbox", value: label.id });
      box.checked = this.chosen.has(label.id);
      box.addEventListener("change", () => {
        if (box.checked) this.chosen.add(label.id);
        else this.chosen.delete(label.id);
        this.changed();
      });
      return el("label", { class: "label-option" }, box, labelChip(label));
    });
    if (!rows.length) rows.push(el("p", { class: "muted", text: "No labels yet." }));
    this.list.replaceChildren(...rows);
    const count = this.chosen.size;
    this.summary.textContent = count ? `Labels: ${MATCHES[this.match].toLowerCase()} ${count}` : "Labels";
    this.root.classList.toggle("is-active", count > 0);
  }

  passes(session) {
    return passes(session, this.chosen, this.match);
  }

  changed() {
    this.render();
    this.app.saveView();
    this.app.list.render();
  }

  /** This filter's part of the address. */
  params(into) {
    for (const id of this.chosen) into.append("label", String(id));
    if (this.chosen.size && this.match !== "any") into.set("match", this.match);
  }
}
