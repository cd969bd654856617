/* What the server accepts, as it says itself: its public config when the panel opens, and
 * connection.ready on every (re)connect. Until it has said, the widget holds nothing back and
 * the server has the final word (it refuses with 422 or 413). */

import { takeServerSettings } from "./config.js";
import { takeHours } from "./contact.js";
import { updateHeader } from "./header.js";
import { api } from "./rest.js";
import { conn, state } from "./state.js";
import { ui } from "./view.js";

export const limits = { contentMax: null, fileMax: null, fileTypes: null, csatCommentMax: 1000 };

/** Take the `limits` of the public config or of connection.ready, and hold the composer to
 * them. */
export function takeLimits(given) {
  if (!given || typeof given !== "object") return;
  if (Number.isSafeInteger(given.content_max) && given.content_max > 0) {
    limits.contentMax = given.content_max;
  }
  if (Number.isSafeInteger(given.attachment_max_bytes) && given.attachment_max_bytes > 0) {
    limits.fileMax = given.attachment_max_bytes;
  }
  if (Number.isSafeInteger(given.csat_comment_max) && given.csat_comment_max > 0) {
    limits.csatCommentMax = given.csat_comment_max;
  }
  if (Array.isArray(given.attachment_types)) {
    limits.fileTypes = given.attachment_types.filter((type) => typeof type === "string");
  }
  applyLimits();
}

/** The message box takes no more characters than the server does; the file picker offers the
 * types it takes (it still reads each file's type from its content). */
export function applyLimits() {
  if (!ui) return;
  if (limits.contentMax != null) ui.input.maxLength = limits.contentMax;
  if (limits.fileTypes) ui.fileInput.accept = limits.fileTypes.join(",");
  if (ui.csatComment) ui.csatComment.maxLength = limits.csatCommentMax;
}

/** Ask for the public config (at most twice a minute): the limits until we have them, and
 * whether anyone is there while no socket tells us. */
export async function askServer() {
  if ((state.key && limits.contentMax != null) || Date.now() - state.configAsked < 30000) return;
  state.configAsked = Date.now();
  try {
    const answer = await api("GET", "/api/v1/chat/public/config");
    takeLimits(answer.limits);
    takeHours(answer, refreshHours);
    if (typeof answer.agents_available === "boolean" && !conn.ready) {
      state.agentsAvailable = answer.agents_available;
      updateHeader();
    }
  } catch (_) {
    /* unknown: say nothing rather than guess, and hold nothing back */
  }
}

/** Before the widget is drawn: the settings an admin chose, the limits and whether anyone is
 * there, from the public config. A server that does not answer within 2 s leaves the tag's
 * attributes and the defaults. */
export async function askAtLoad() {
  state.configAsked = Date.now();
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("late")), 2000);
  });
  try {
    const answer = await Promise.race([api("GET", "/api/v1/chat/public/config"), late]);
    takeServerSettings(answer);
    takeLimits(answer.limits);
    takeHours(answer, refreshHours);
    if (typeof answer.agents_available === "boolean") state.agentsAvailable = answer.agents_available;
  } catch (_) {
    /* drawn with what the tag says */
  } finally {
    clearTimeout(timer);
  }
}

/** The team opens now (by the time the server gave): ask whether it is so, and show it. */
async function refreshHours() {
  try {
    takeHours(await api("GET", "/api/v1/chat/public/config"), refreshHours);
  } catch (_) {
    return;
  }
  updateHeader();
}
