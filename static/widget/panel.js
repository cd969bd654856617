/* The panel's own actions: opening and closing, the notice line, the composer's height, the
 * details form, and downloading the transcript. */

import { el } from "../shared/dom.js";
import { config, store } from "./config.js";
import { renderBadge, updateHeader } from "./header.js";
import { tr } from "./i18n.js";
import { askServer } from "./limits.js";
import { scrollToBottom } from "./messages.js";
import { scheduleReadCheck } from "./receipts.js";
import { ensureSession } from "./session.js";
import { state } from "./state.js";
import { ui } from "./view.js";

/** Save the conversation as a text file. Fetched, then saved from a Blob: the link that is
 * clicked holds no session key, so the key never lands in the browser's download list. */
export async function downloadTranscript() {
  const key = state.key;
  if (!key || ui.download.disabled) return;
  ui.download.disabled = true;
  try {
    const path = `/api/v1/chat/public/session/${encodeURIComponent(key)}/transcript?format=txt`;
    let response;
    try {
      response = await fetch(config.base + path, { credentials: "omit", cache: "no-store" });
    } catch (_) {
      throw new Error(tr("error.unreachable"));
    }
    if (!response.ok) throw new Error(tr("error.transcript"));
    const blob = await response.blob();
    const id = state.session && Number.isSafeInteger(state.session.id) ? state.session.id : "";
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `conversation${id ? `-${id}` : ""}.txt` });
    link.hidden = true;
    ui.root.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showNotice(tr("notice.try_again", { problem: error.message }));
  } finally {
    ui.download.disabled = false;
  }
}

/** Open or close the panel; opening asks the server for its config and clears the badge. */
export function setOpen(open, { focus = true } = {}) {
  state.open = open;
  store.set("open", open ? "1" : "0");
  ui.root.classList.toggle("open", open);
  ui.panel.setAttribute("aria-hidden", String(!open));
  ui.panel.inert = !open;
  ui.launcher.setAttribute("aria-label", tr(open ? "launcher.close" : "launcher.open"));
  ui.launcher.setAttribute("aria-expanded", String(open));
  if (open) {
    askServer();
    state.unread = 0;
    scrollToBottom();
    scheduleReadCheck();
    if (focus) {
      const target = ui.details && !ui.details.hidden ? ui.detailsName : ui.input;
      setTimeout(() => target.focus({ preventScroll: true }), 60);
    }
  } else if (focus) {
    ui.launcher.focus({ preventScroll: true });
  }
  renderBadge();
}

let noticeTimer = null;

export function showNotice(text) {
  ui.notice.textContent = text;
  ui.notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    ui.notice.hidden = true;
    ui.notice.textContent = "";
  }, 7000);
}

export function autosize() {
  const input = ui.input;
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
}

export function showDetailsForm(show) {
  ui.details.hidden = !show;
  ui.composer.hidden = show;
  updateHeader();
}

/** With data-ask-details="true": the name and email start the conversation. */
export async function submitDetails(event) {
  event.preventDefault();
  const name = ui.detailsName.value.trim();
  const email = ui.detailsEmail.value.trim();
  ui.detailsButton.disabled = true;
  try {
    await ensureSession({ name: name || undefined, email: email || undefined });
    showDetailsForm(false);
    ui.input.focus({ preventScroll: true });
  } catch (error) {
    showNotice(error.message);
  } finally {
    ui.detailsButton.disabled = false;
  }
}
