/* The agent REST API, authenticated by the login cookie (same origin). */

import { request } from "../shared/request.js";

const BASE = "/api/v1/chat";

export async function listSessions() {
  const body = await request("GET", `${BASE}/sessions?limit=200`);
  return Array.isArray(body.sessions) ? body.sessions : [];
}

export async function getSession(id) {
  return (await request("GET", `${BASE}/sessions/${id}`)).session;
}

/** Every message of a session after `afterSeq`, following `has_more` page by page. */
export async function listMessages(id, afterSeq = 0) {
  const all = [];
  let after = afterSeq;
  for (;;) {
    const body = await request("GET", `${BASE}/sessions/${id}/messages?after_seq=${after}&limit=1000`);
    const page = Array.isArray(body.messages) ? body.messages : [];
    all.push(...page);
    if (!body.has_more || !page.length) return all;
    after = page[page.length - 1].seq;
  }
}

export async function assign(id) {
  return (await request("POST", `${BASE}/sessions/${id}/assign`, {})).session;
}

/** Close; `survey: false` closes without asking the customer for a rating (no body: asked). */
export async function close(id, { survey = true } = {}) {
  const body = survey ? undefined : { survey: false };
  return (await request("POST", `${BASE}/sessions/${id}/close`, body)).session;
}

/** The REST fallback for a send the socket did not acknowledge; idempotent on client_id. */
export async function postMessage(sessionId, content, clientId) {
  const body = { session_id: sessionId, content, client_id: clientId };
  return (await request("POST", `${BASE}/messages`, body)).message;
}

/** Send a file as a message (multipart); idempotent on client_id like a message. */
export async function uploadFile(sessionId, file, clientId) {
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("client_id", clientId);
  const path = `${BASE}/sessions/${sessionId}/attachments`;
  return (await request("POST", path, form)).message;
}

/** Where an agent reads a file: same origin, with the login cookie. */
export function fileUrl(attachment) {
  return `${BASE}/files/${attachment.id}`;
}

/** Choose Available or Busy; the team hears it over their sockets. */
export async function setPresence(status) {
  return request("POST", "/api/v1/agents/me/presence", { status });
}

/** Conversations for what the agent typed: whose customer it names first, then those whose
 * messages hold its words. Either search may refuse the text (422: no words to search for). */
export async function search(text, limit = 50) {
  const value = encodeURIComponent(text);
  const asked = await Promise.allSettled([
    request("GET", `${BASE}/search?customer=${value}&limit=${limit}`),
    request("GET", `${BASE}/search?q=${value}&limit=${limit}`),
  ]);
  const failed = asked.filter((a) => a.status === "rejected" && a.reason.status !== 422);
  if (failed.length === asked.length) throw failed[0].reason;
  // One entry per conversation, in the order first met; matching messages win over none.
  const merged = new Map();
  for (const answer of asked) {
    const found = answer.status === "fulfilled" ? answer.value.results : [];
    for (const result of Array.isArray(found) ? found : []) {
      const known = merged.get(result.session.id);
      if (!known || (!known.matches.length && result.matches.length)) {
        merged.set(result.session.id, result);
      }
    }
  }
  return [...merged.values()];
}

/** The queue (count, oldest wait, each place), the routing mode and the caller's load. */
export async function queueSummary() {
  return request("GET", `${BASE}/queue`);
}

/** Take the oldest queued conversation; a 409 when nobody is waiting. */
export async function acceptNext() {
  return (await request("POST", `${BASE}/queue/accept`, {})).session;
}

/** Hand the conversation to a colleague; the note (optional) becomes a private note. */
export async function transfer(id, agentId, note) {
  const body = note ? { agent_id: agentId, note } : { agent_id: agentId };
  return (await request("POST", `${BASE}/sessions/${id}/transfer`, body)).session;
}

/** The conversation's private notes, oldest first. */
export async function listNotes(id) {
  const body = await request("GET", `${BASE}/sessions/${id}/notes`);
  return Array.isArray(body.notes) ? body.notes : [];
}

/** The AI's handoff summary and a suggested reply ({summary, suggestion}, each may be null). */
export async function assist(id) {
  return request("GET", `${BASE}/sessions/${id}/assist`);
}

/** Write a private note (agents only); idempotent on client_id. */
export async function postNote(id, content, clientId) {
  const body = { content, client_id: clientId };
  return (await request("POST", `${BASE}/sessions/${id}/notes`, body)).note;
}

/** Every label ({id, name, color}), by name. */
export async function listLabels() {
  const body = await request("GET", "/api/v1/labels");
  return Array.isArray(body.labels) ? body.labels : [];
}

/** The conversation's labels become exactly these; answers the session. */
export async function putLabels(id, labelIds) {
  return (await request("PUT", `${BASE}/sessions/${id}/labels`, { label_ids: labelIds })).session;
}

/** The team's canned responses ({id, shortcode, content}), by shortcode. */
export async function listCanned() {
  const body = await request("GET", "/api/v1/canned");
  return Array.isArray(body.canned) ? body.canned : [];
}

/** A canned response filled in for a conversation: {text, gaps: [{variable, start, end}]}. */
export async function fillCanned(cannedId, sessionId) {
  return request("POST", `/api/v1/canned/${cannedId}/fill`, { session_id: sessionId });
}

export async function saveCanned(id, shortcode, content) {
  const body = { shortcode, content };
  const answer = id == null
    ? await request("POST", "/api/v1/canned", body)
    : await request("PUT", `/api/v1/canned/${id}`, body);
  return answer.canned;
}

export async function deleteCanned(id) {
  await request("DELETE", `/api/v1/canned/${id}`);
}
