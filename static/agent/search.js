/* Search in the inbox: as the agent types, the conversations that match stand in for the live
 * list (which keeps updating underneath); Escape or an empty box brings it back. */

import { el } from "../shared/dom.js";
import * as api from "./api.js";
import { avatar, displayName, relativeTime, srOnly, statusBadge, timeElement } from "./dom.js";

const DEBOUNCE = 220; // ms of quiet typing before asking the server

/** The snippet as text nodes, the matched words in <mark>: never parsed as HTML. */
function snippetNodes(parts) {
  return parts.map((part) =>
    part.match ? el("mark", { text: part.text }) : document.createTextNode(part.text),
  );
}

export class SearchBox {
  constructor(app) {
    this.app = app;
    this.input = document.getElementById("conversation-search");
    this.results = document.getElementById("search-results");
    this.status = document.getElementById("search-status");
    this.pane = this.input.closest(".list-pane");
    this.timer = null;
    this.asked = 0; // the newest request: older answers arriving late are dropped
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.input.value) {
        event.preventDefault();
        this.clear();
      }
    });
    this.results.addEventListener("click", (event) => {
      const button = event.target.closest("button.conv");
      if (button) this.app.open(Number(button.dataset.id));
    });
  }

  clear() {
    this.input.value = "";
    this.schedule(0);
  }

  schedule(delay = DEBOUNCE) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delay);
  }

  async run() {
    const text = this.input.value.trim();
    const asked = (this.asked += 1);
    if (!text) {
      this.pane.classList.remove("is-searching");
      this.results.replaceChildren();
      this.status.textContent = "";
      return;
    }
    this.pane.classList.add("is-searching");
    if (!this.results.children.length) this.status.textContent = "Searching…";
    let found;
    try {
      found = await api.search(text);
    } catch (error) {
      if (asked === this.asked) this.status.textContent = `Search failed: ${error.message}`;
      return;
    }
    if (asked !== this.asked) return;
    this.results.replaceChildren(...found.map((result) => this.item(result)));
    this.status.textContent = found.length ? "" : `No conversations match “${text}”.`;
    this.markOpen();
  }

  /** Mark the open conversation among the results, as the live list does. */
  markOpen() {
    for (const item of this.results.children) {
      const open = Number(item.dataset.id) === this.app.openId;
      item.classList.toggle("is-open", open);
      const button = item.firstElementChild;
      if (open) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  item({ session, matches }) {
    const name = displayName(session);
    const preview = el("span", { class: "conv-preview" });
    if (matches.length) {
      preview.append(...snippetNodes(matches[0].snippet_parts));
      if (matches.length > 1) preview.append(srOnly(` (and ${matches.length - 1} more)`));
    } else {
      preview.textContent = session.customer_email || name;
    }
    const when = matches.length ? matches[0].message.created_at : session.updated_at;
    const button = el(
      "button",
      { type: "button", class: "conv", "data-id": session.id },
      avatar(name, session.id),
      el(
        "span",
        { class: "conv-body" },
        el(
          "span",
          { class: "conv-top" },
          el("span", { class: "conv-name" }, name, el("span", { class: "name-end", text: "," })),
          timeElement(when, relativeTime(when), "conv-time"),
        ),
        preview,
        el("span", { class: "conv-bottom" }, statusBadge(session.status)),
      ),
    );
    return el("li", { class: "conv-item", "data-id": session.id }, button);
  }
}
