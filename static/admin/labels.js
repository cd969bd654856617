/* The Labels section: add, rename, recolour and delete the labels agents put on conversations. */

import { el } from "../shared/dom.js";
import { request } from "./api.js";

export class Labels {
  constructor(wrote) {
    this.wrote = wrote;
    this.form = document.getElementById("label-form");
    this.list = document.getElementById("label-list");
    this.error = document.getElementById("label-error");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(this.form);
      this.write("POST", "/api/v1/labels", { name: data.get("name"), color: data.get("color") }, () =>
        this.form.reset()
      );
    });
    this.load();
  }

  async load() {
    try {
      this.render((await request("GET", "/api/v1/labels")).labels);
    } catch (failure) {
      this.show(failure.message);
    }
  }

  render(labels) {
    this.list.replaceChildren(
      ...labels.map((label) => {
        const name = el("input", { value: label.name, maxlength: "100", "aria-label": `Name of ${label.name}` });
        const color = el("input", { type: "color", value: label.color.toLowerCase(), "aria-label": `Colour of ${label.name}` });
        const save = el("button", { type: "button", text: "Save" });
        save.addEventListener("click", () =>
          this.write("PUT", `/api/v1/labels/${label.id}`, { name: name.value, color: color.value })
        );
        const remove = el("button", { type: "button", text: "Delete" });
        remove.addEventListener("click", () => {
          if (window.confirm(`Delete the label ${label.name}? It leaves every conversation.`)) {
            this.write("DELETE", `/api/v1/labels/${label.id}`);
          }
        });
        return el("li", { class: "label-admin-item" }, color, name, save, remove);
      })
    );
    if (!labels.length) this.list.append(el("li", { class: "muted", text: "No labels yet." }));
  }

  async write(method, path, body, done) {
    this.error.hidden = true;
    try {
      await request(method, path, body);
      if (done) done();
      this.wrote();
      await this.load();
    } catch (failure) {
      this.show(failure.message);
    }
  }

  show(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }
}
