/* The public REST API: one request and its error, and a conversation's history page by page. */

import { config } from "./config.js";
import { tr } from "./i18n.js";
import { toInt } from "./state.js";

export async function api(method, path, body) {
  const init = { method, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(config.base + path, init);
  } catch (_) {
    throw apiError(0, "network", tr("error.unreachable"));
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (_) {
    payload = null;
  }
  if (!response.ok) {
    const error = (payload && payload.error) || {};
    const failure = apiError(
      response.status,
      error.code || "internal",
      error.message || tr("error.generic")
    );
    failure.retryAfter = toInt(response.headers.get("Retry-After"));
    throw failure;
  }
  return payload || {};
}

export function apiError(status, code, message) {
  const error = new Error(message);
  error.status = status;
  error.code = code;
  return error;
}

function sessionPath(key, afterSeq) {
  const query = afterSeq ? `?after_seq=${afterSeq}` : "";
  return `/api/v1/chat/public/session/${encodeURIComponent(key)}${query}`;
}

/** The conversation after `afterSeq`, every page of it. */
export async function fetchHistory(key, afterSeq) {
  let cursor = afterSeq;
  let session = null;
  const messages = [];
  for (let page = 0; page < 100; page += 1) {
    const answer = await api("GET", sessionPath(key, cursor));
    session = answer.session || session;
    const batch = Array.isArray(answer.messages) ? answer.messages : [];
    messages.push(...batch);
    if (!answer.has_more || !batch.length) break;
    cursor = batch[batch.length - 1].seq;
  }
  return { session, messages };
}
