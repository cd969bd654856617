/* One screen at a time on a phone (issue #23): the list, the open conversation, or its details.
 *
 * `#inbox[data-view]` says which one; agent.css shows it full width below 760 px (and the
 * details in the conversation's place below 1180 px, where they no longer fit beside it). Each
 * step in is a history entry, so the browser's Back (and Android's) walks back the way the
 * agent came; the page's own Back buttons do the same. */

import { el } from "../shared/dom.js";
import { icon } from "../shared/icons.js";
import { srOnly } from "./dom.js";

const PHONE = "(max-width: 760px)";

/** A "Back" button: the word is what a person sees, the rest says where to. */
export function backButton(where, onClick) {
  const button = el("button", { type: "button", class: "ghost-button back-button" }, icon("down"), "Back", srOnly(` to ${where}`));
  button.addEventListener("click", onClick);
  return button;
}

export class Screens {
  constructor(app) {
    this.app = app;
    this.inbox = document.getElementById("inbox");
    this.phone = window.matchMedia(PHONE);
    window.addEventListener("popstate", () => this.app.openFromHash());
  }

  get view() {
    return this.inbox.dataset.view;
  }

  /** Whether the list and the conversation take turns (a phone) rather than sit side by side. */
  get oneAtATime() {
    return this.phone.matches;
  }

  /** What history says should show: set by the entries pushed below, or the list. */
  get remembered() {
    const view = history.state && history.state.view;
    return view === "details" ? "details" : "thread";
  }

  show(view) {
    this.inbox.dataset.view = view;
  }

  /** The agent opened a conversation: on a phone that is a step in (Back returns to the list). */
  enterThread(hash) {
    if (this.oneAtATime && this.view === "list") history.pushState({ view: "thread" }, "", hash);
    else if (location.hash !== hash || this.view === "details") {
      // This entry now shows a conversation; one we pushed still leads back to the list.
      history.replaceState(history.state ? { view: "thread" } : null, "", hash);
    }
    this.show("thread");
  }

  showDetails() {
    if (this.view === "details") return;
    history.pushState({ view: "details" }, "");
    this.show("details");
    const back = this.app.thread.details.querySelector(".back-button");
    if (back) back.focus();
  }

  /** From the details to the conversation, through history when we came by it. */
  leaveDetails() {
    if (history.state && history.state.view === "details") {
      history.back();
      return;
    }
    this.show("thread");
    this.app.thread.focusStart();
  }

  /** From the conversation to the list: the history entry we pushed, or a fresh address. */
  leaveThread() {
    if (history.state && history.state.view === "thread") {
      history.back();
      return;
    }
    history.replaceState(null, "", `${location.pathname}${location.search}`);
    this.app.openFromHash();
  }
}
