/* The composer's pop-up lists: `/` (at the start or after a space) offers the canned responses,
 * filtered by shortcode and content; `@` in a note offers the active agents. Arrow keys move,
 * Enter or Tab takes one, Escape closes. Everything shown is text (textContent). */

import { el } from "../shared/dom.js";

const SHOWN = 8;
const SLASH = /(^|\s)\/([^\s/]*)$/; // "/ref" at the start or after whitespace, up to the cursor
const AT = /(^|\s)@([^@\n]{0,40})$/; // "@Bo" (a name may hold spaces) up to the cursor
let made = 0; // each list's own id, for the input's aria-controls and aria-activedescendant

export class Suggest {
  /** `source()` says what to offer for the text before the cursor: null, or {items, pick}. */
  constructor(input, anchor) {
    this.input = input;
    this.items = [];
    this.at = 0;
    this.pick = null;
    made += 1;
    this.list = el("ul", { class: "suggest", role: "listbox", "aria-label": "Suggestions", id: `suggest-${made}` });
    this.list.hidden = true;
    // A multi-line textbox cannot be a combobox (no aria-expanded on it): it names the list it
    // controls and, while the list is open, the option Enter would take.
    this.input.setAttribute("aria-controls", this.list.id);
    anchor.before(this.list);
    this.list.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.take(Number(option.dataset.index));
    });
    this.sources = [];
  }

  get open() {
    return !this.list.hidden;
  }

  /** Offer what the first source that matches the text before the cursor has. */
  refresh() {
    const before = this.input.value.slice(0, this.input.selectionStart ?? 0);
    for (const source of this.sources) {
      const found = source(before);
      if (found && found.items.length) {
        this.show(found.items.slice(0, SHOWN), found.pick);
        return;
      }
    }
    this.close();
  }

  show(items, pick) {
    this.items = items;
    this.pick = pick;
    this.at = 0;
    this.list.replaceChildren(
      ...items.map((item, index) =>
        el(
          "li",
          { role: "option", "data-index": index, class: "suggest-item", id: `${this.list.id}-${index}` },
          el("span", { class: "suggest-key", text: item.key }),
          item.detail ? el("span", { class: "suggest-detail", text: item.detail }) : null,
        ),
      ),
    );
    this.list.hidden = false;
    this.mark();
  }

  mark() {
    [...this.list.children].forEach((node, index) => {
      node.setAttribute("aria-selected", String(index === this.at));
    });
    this.input.setAttribute("aria-activedescendant", `${this.list.id}-${this.at}`);
  }

  close() {
    this.list.hidden = true;
    this.items = [];
    this.input.removeAttribute("aria-activedescendant");
  }

  /** A key pressed in the composer; true when the list used it. */
  onKey(event) {
    if (!this.open) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.at = (this.at + step + this.items.length) % this.items.length;
      this.mark();
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      this.take(this.at);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  take(index) {
    const item = this.items[index];
    const pick = this.pick;
    this.close();
    if (item && pick) pick(item);
  }
}

/** The `/word` being typed before the cursor, or null. */
export function slashQuery(before) {
  const match = SLASH.exec(before);
  return match ? { query: match[2].toLowerCase(), length: match[2].length + 1 } : null;
}

/** The `@name` being typed before the cursor, or null. */
export function atQuery(before) {
  const match = AT.exec(before);
  return match ? { query: match[2].toLowerCase(), length: match[2].length + 1 } : null;
}

/** Canned responses whose shortcode starts with (first) or whose text holds the query. */
export function matchCanned(canned, query) {
  const starts = canned.filter((c) => c.shortcode.startsWith(query));
  const holds = canned.filter(
    (c) => !starts.includes(c) && (c.shortcode.includes(query) || c.content.toLowerCase().includes(query)),
  );
  return [...starts, ...holds];
}
