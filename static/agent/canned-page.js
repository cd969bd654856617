/* The canned responses page: list, add, change and delete the team's saved replies. */

import { el } from "../shared/dom.js";
import * as api from "./api.js";

const form = document.getElementById("canned-form");
const shortcode = document.getElementById("canned-shortcode");
const content = document.getElementById("canned-content");
const error = document.getElementById("canned-error");
const save = document.getElementById("canned-save");
const cancel = document.getElementById("canned-cancel");
const title = document.getElementById("canned-form-title");
const list = document.getElementById("canned-list");
let editing = null; // the id being changed, or null to add

function edit(item) {
  editing = item ? item.id : null;
  shortcode.value = item ? item.shortcode : "";
  content.value = item ? item.content : "";
  title.textContent = item ? `Change /${item.shortcode}` : "Add a canned response";
  save.textContent = item ? "Save" : "Add";
  cancel.hidden = !item;
  error.hidden = true;
  if (item) shortcode.focus();
}

async function load() {
  const all = await api.listCanned();
  list.replaceChildren(
    ...all.map((item) => {
      const change = el("button", { type: "button", class: "ghost-button", text: "Change" });
      change.addEventListener("click", () => edit(item));
      const remove = el("button", { type: "button", class: "ghost-button", text: "Delete" });
      remove.addEventListener("click", async () => {
        if (!window.confirm(`Delete /${item.shortcode}?`)) return;
        await api.deleteCanned(item.id);
        if (editing === item.id) edit(null);
        load();
      });
      return el(
        "li",
        { class: "canned-item" },
        el("span", { class: "canned-code", text: `/${item.shortcode}` }),
        el("span", { class: "canned-text", text: item.content }),
        el("span", { class: "canned-actions" }, change, remove),
      );
    }),
  );
  if (!all.length) list.append(el("li", { class: "muted", text: "None yet. Add the first above." }));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  try {
    await api.saveCanned(editing, shortcode.value.trim(), content.value);
    edit(null);
    await load();
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  }
});
cancel.addEventListener("click", () => edit(null));
load();
