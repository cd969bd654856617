/* The conversation itself: started on the first message, restored after a reload, caught up
 * after a gap, reloaded whole after resync_required, forgotten when its key stops working. */

import { store } from "./config.js";
import { checkCsat } from "./csat.js";
import { setSession, updateHeader } from "./header.js";
import { lang, tr } from "./i18n.js";
import { addMessage, recountSeqs, regroup } from "./messages.js";
import { deliver } from "./outbox.js";
import { showDetailsForm, showNotice } from "./panel.js";
import { api, fetchHistory } from "./rest.js";
import { connect, disconnect, socketUsable } from "./socket.js";
import { setLastEventId, state, toInt } from "./state.js";
import { clearTypers } from "./typing.js";
import { ui } from "./view.js";

/** Start a conversation if there is none yet; every caller shares one request. */
export function ensureSession(details) {
  if (state.key) return Promise.resolve();
  if (!state.starting) {
    state.starting = (async () => {
      try {
        const body = { page_url: location.href.slice(0, 2048), ...(details || {}) };
        const answer = await api("POST", "/api/v1/chat/public/start", body);
        state.key = answer.session_key;
        store.set("session_key", state.key);
        setLastEventId(null);
        state.historyLoaded = true;
        setSession(answer.session);
        for (const message of answer.messages || []) addMessage(message);
        connect();
      } finally {
        state.starting = null;
      }
    })();
  }
  return state.starting;
}

/** Fetch whatever we have not shown yet; also refreshes the session's status. */
export function catchUp() {
  if (!state.key) return Promise.resolve();
  if (!state.catchingUp) {
    const key = state.key;
    state.catchingUp = fetchHistory(key, state.contiguousSeq)
      .then((history) => {
        if (key !== state.key) return;
        state.historyLoaded = true;
        setSession(history.session);
        for (const message of history.messages) addMessage(message, { live: true });
        if (!state.csatRequested) checkCsat(); // a close while the socket was down
      })
      .catch((error) => {
        if (error.status === 404 && key === state.key) forgetSession();
      })
      .finally(() => {
        state.catchingUp = null;
      });
  }
  return state.catchingUp;
}

/** Reload the whole history and make the view match it (after resync_required). */
export async function resync() {
  const key = state.key;
  try {
    const history = await fetchHistory(key, 0);
    if (key !== state.key) return;
    const ids = new Set(history.messages.map((m) => m.id));
    const top = history.messages.reduce((max, m) => Math.max(max, m.seq), 0);
    for (const [id, row] of state.rows) {
      if (!ids.has(id) && row.sbOrder <= top) {
        row.remove();
        state.rows.delete(id);
        state.seqs.delete(row.sbOrder);
      }
    }
    recountSeqs();
    state.historyLoaded = true;
    state.session = null; // a restored database may hold an older session: take it as it is
    setSession(history.session);
    for (const message of history.messages) addMessage(message);
    regroup();
    checkCsat();
  } catch (error) {
    if (error.status === 404 && key === state.key) forgetSession();
  }
}

/** After a reload: show the stored conversation, then connect. */
export async function restore() {
  const key = state.key;
  try {
    const history = await fetchHistory(key, 0);
    if (key !== state.key) return;
    state.historyLoaded = true;
    setSession(history.session);
    for (const message of history.messages) addMessage(message);
    checkCsat();
  } catch (error) {
    if (error.status === 404 && key === state.key) {
      forgetSession();
      return;
    }
    // Offline or failing: the socket's connection.ready triggers a catch-up later.
  }
  connect();
}

/** The stored session key no longer works: drop it and everything tied to it. */
export function forgetSession() {
  state.key = null;
  store.remove("session_key");
  setLastEventId(null);
  disconnect();
  state.session = null;
  state.historyLoaded = false;
  state.agentReadSeq = state.customerReadSeq = state.readSent = 0;
  state.seenRow = null;
  for (const row of state.rows.values()) row.remove();
  state.rows.clear();
  recountSeqs();
  for (const row of ui.log.querySelectorAll(".note")) row.remove();
  clearTypers();
  updateHeader();
  // Messages still waiting are delivered to a new conversation.
  if (state.outbox.length) {
    showNotice(tr("notice.ended"));
    for (const item of state.outbox.slice()) deliver(item);
  } else if (ui.details) {
    showDetailsForm(true);
  }
}

/** "Talk to a person": the conversation is queued for an agent. */
export async function handOff() {
  ui.handoff.disabled = true;
  try {
    await ensureSession();
    const key = state.key;
    try {
      const answer = await api("POST", "/api/v1/chat/public/handoff", {
        session_key: key,
        locale: lang.code, // the note that says so comes in the widget's language
      });
      setSession(answer.session);
      if (!socketUsable()) catchUp();
    } catch (error) {
      if (error.status === 404 && key === state.key) forgetSession();
      throw error;
    }
  } catch (error) {
    showNotice(error.message);
  } finally {
    ui.handoff.disabled = false;
  }
}

/** Another tab of this site started a conversation: join it instead of starting a second. */
export function adoptSessionFromOtherTab(event) {
  if (event.key !== store.prefix + "session_key" || !event.newValue || state.key) return;
  if (state.starting) return;
  state.key = event.newValue;
  state.lastEventId = toInt(store.get("last_event_id"));
  if (ui.details) showDetailsForm(false);
  restore();
}
