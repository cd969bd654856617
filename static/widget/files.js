/* Sending files: one upload stores the file and posts its message; a file the server would
 * refuse for its size is refused here first. Showing a message's file: a preview or a link. */

import { el } from "../shared/dom.js";
import { newClientId } from "../shared/ids.js";
import { config } from "./config.js";
import { percentText, sizeText, tr } from "./i18n.js";
import { limits } from "./limits.js";
import { addMessage, insertRow, messageRow, nextPendingOrder } from "./messages.js";
import { showNotice } from "./panel.js";
import { apiError } from "./rest.js";
import { ensureSession, forgetSession } from "./session.js";
import { state } from "./state.js";

function fileUrl(attachment) {
  return `${config.base}/api/v1/chat/public/session/${encodeURIComponent(state.key)}/files/${attachment.id}`;
}

/** Send a file: one upload stores it and posts the message. Files are not kept in the
 * stored outbox; one that could not reach the server is sent again by itself when the
 * connection comes back (same client_id, so at most once), or with its Retry button. */
export function sendFile(file) {
  if (!file.size) {
    showNotice(tr("file.empty"));
    return;
  }
  const item = { client_id: newClientId("w"), content: file.name, created_at: new Date().toISOString() };
  const row = messageRow({ sender_type: "customer", content: file.name, created_at: item.created_at });
  row.sbOrder = nextPendingOrder();
  insertRow(row, true);
  const most = limits.fileMax;
  if (most != null && file.size > most) {
    // Refused here as the server would refuse it (413), without sending a byte.
    notSent({ item, row, file }, tr("file.larger_than", { size: sizeText(most) }), false);
    return;
  }
  upload({ item, row, file });
}

const stalledFiles = new Set(); // uploads that failed for want of a server: retried on ready

export function retryStalledFiles() {
  for (const job of [...stalledFiles]) upload(job);
}

async function upload(job) {
  const { item, row, file } = job;
  const label = row.querySelector(".state");
  const retryButton = row.querySelector(".retry");
  if (retryButton) retryButton.remove();
  stalledFiles.delete(job);
  row.classList.remove("failed");
  row.classList.add("sending");
  label.textContent = tr("file.uploading");
  label.removeAttribute("title");
  try {
    await ensureSession();
    const message = await postFile(file, item.client_id, (done) => {
      label.textContent = tr("file.uploading_share", { share: percentText(done) });
    });
    row.remove();
    addMessage(message, { live: true });
  } catch (error) {
    if (error.status === 404) forgetSession();
    if (error.status === 0 || error.status >= 500) stalledFiles.add(job); // not its fault
    notSent(job, error.message, error.status !== 413 && error.status !== 422);
  }
}

/** The file's row says "Not sent" and why, with Retry when sending it again could work. */
function notSent(job, reason, retryable) {
  const { row } = job;
  const label = row.querySelector(".state");
  row.classList.remove("sending");
  row.classList.add("failed");
  label.textContent = tr("message.not_sent");
  label.setAttribute("title", reason);
  showNotice(reason);
  if (retryable) {
    const again = el("button", { type: "button", class: "retry", text: tr("message.retry") });
    again.addEventListener("click", () => upload(job));
    row.querySelector(".meta").append(again);
  }
}

/** POST the file with XMLHttpRequest: fetch cannot report upload progress. */
function postFile(file, clientId, progress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("session_key", state.key);
    form.append("client_id", clientId);
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${config.base}/api/v1/chat/public/attachments`);
    xhr.responseType = "json";
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) progress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const payload = xhr.response || {};
      if (xhr.status >= 200 && xhr.status < 300 && payload.message) {
        resolve(payload.message);
        return;
      }
      const error = payload.error || {};
      let message = error.message || tr("file.failed");
      if (xhr.status === 413 && !error.message) message = tr("file.too_large");
      reject(apiError(xhr.status, error.code || "internal", message));
    };
    xhr.onerror = () => reject(apiError(0, "network", tr("file.unreachable")));
    xhr.send(form);
  });
}

/** A message's file: an image preview, or a link whose name is text; the caption below it. */
export function attachmentBubble(message) {
  const file = message.attachment;
  const bubble = el("div", { class: "bubble has-file" });
  const url = fileUrl(file);
  if (file.content_type.startsWith("image/")) {
    const link = el("a", { class: "image", href: url, target: "_blank", rel: "noopener" });
    link.append(el("img", { src: url, alt: file.name, loading: "lazy" }));
    bubble.append(link);
  } else {
    const link = el("a", { class: "file", href: url, target: "_blank", rel: "noopener" });
    link.append(
      el("span", { class: "file-name", text: file.name }),
      el("span", { class: "file-size", text: sizeText(file.size) })
    );
    bubble.append(link);
  }
  if (message.content !== file.name) bubble.append(el("div", { class: "caption", text: message.content }));
  return bubble;
}
