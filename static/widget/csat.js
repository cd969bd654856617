/* The rating card: once an agent closes the conversation and asks for a rating
 * (chat.csat.requested, or GET …/csat after a reload), "How did we do?" with 1 to 5 and an
 * optional comment sits at the end of the thread; once rated (here, in another tab, or before a
 * reload) it thanks the visitor with their rating. It goes as soon as the conversation is no
 * longer closed. Text is set with textContent only. */

import { el } from "../shared/dom.js";
import { icon } from "../shared/icons.js";
import { num, tr } from "./i18n.js";
import { limits } from "./limits.js";
import { scrollToBottom } from "./messages.js";
import { api } from "./rest.js";
import { state } from "./state.js";
import { ui } from "./view.js";

const RATINGS = [1, 2, 3, 4, 5];

function outOfFive(rating) {
  return tr("csat.out_of", { rating, most: RATINGS.length });
}

/** Stars as decoration: the text beside them says the rating. */
function stars(rating) {
  const row = el("span", { class: "csat-stars", "aria-hidden": "true" });
  for (const n of RATINGS) {
    const star = icon("star");
    star.classList.toggle("lit", n <= rating);
    row.append(star);
  }
  return row;
}

export function buildCsatCard() {
  const card = el("div", { class: "csat-card" });
  card.sbOrder = Infinity; // after every message, sent or still on its way
  card.hidden = true;
  const form = el("form", { class: "csat", "aria-labelledby": "sb-csat-title", novalidate: true });
  const group = el("div", { class: "csat-ratings", role: "group", "aria-label": tr("csat.ratings") });
  const buttons = RATINGS.map((n) => {
    const button = el("button", {
      type: "button",
      class: "csat-rate",
      "aria-pressed": "false",
      "aria-label": outOfFive(n),
      title: outOfFive(n),
    });
    button.append(icon("star"), el("span", { class: "csat-number", text: num(n) }));
    button.addEventListener("click", () => pick(n));
    group.append(button);
    return button;
  });
  const commentId = "sb-csat-comment";
  const comment = el("textarea", {
    id: commentId,
    class: "csat-comment",
    rows: "2",
    maxlength: String(limits.csatCommentMax),
  });
  const error = el("p", { class: "csat-error", role: "alert" });
  error.hidden = true;
  const send = el("button", { type: "submit", class: "primary csat-send", text: tr("csat.send") });
  form.append(
    el("p", { id: "sb-csat-title", class: "csat-title", text: tr("csat.title") }),
    group,
    el("label", { for: commentId, text: tr("csat.comment") }),
    comment,
    error,
    send
  );
  form.addEventListener("submit", sendRating);
  const thanks = el("div", { class: "csat-thanks", role: "status", tabindex: "-1" });
  card.append(form, thanks);
  Object.assign(ui, {
    csat: card,
    csatForm: form,
    csatButtons: buttons,
    csatComment: comment,
    csatError: error,
    csatSend: send,
    csatThanks: thanks,
  });
  return card;
}

/** A rating was asked for in this conversation (chat.csat.requested). */
export function csatRequested(sessionId) {
  if (!ownSession(sessionId)) return;
  state.csatFor = sessionId;
  state.csatRequested = true;
  updateCsatCard();
}

/** The conversation was rated, here or in another tab (chat.csat.received). */
export function csatReceived(csat) {
  if (!csat || !ownSession(csat.session_id)) return;
  state.csatFor = csat.session_id;
  state.csatRequested = true; // a rating is only taken when it was asked for
  state.csat = csat;
  updateCsatCard();
}

function ownSession(sessionId) {
  return Number.isSafeInteger(sessionId) && (!state.session || state.session.id === sessionId);
}

/** After a load or resync of a closed conversation: was a rating asked for, or given? */
export async function checkCsat() {
  const key = state.key;
  const session = state.session;
  if (!key || !session || session.status !== "closed" || state.csatChecking) return;
  state.csatChecking = true;
  try {
    takeCsatState(session.id, await api("GET", csatPath(key)));
  } catch (_) {
    /* unknown for now: the next resync or socket event says */
  } finally {
    state.csatChecking = false;
  }
}

function csatPath(key) {
  return `/api/v1/chat/public/session/${encodeURIComponent(key)}/csat`;
}

function takeCsatState(sessionId, answer) {
  if (!state.session || state.session.id !== sessionId) return;
  state.csatFor = sessionId;
  state.csatRequested = answer.requested === true;
  if (answer.csat && typeof answer.csat.rating === "number") state.csat = answer.csat;
  updateCsatCard();
}

/** Show the card while the conversation is closed and a rating was asked for or given. */
export function updateCsatCard() {
  if (!ui || !ui.csat) return;
  const session = state.session;
  const status = session ? session.status : null;
  if (!session || session.id !== state.csatFor) {
    // Another conversation (or none): what we knew belongs to the old one.
    state.csatFor = session ? session.id : null;
    state.csatRequested = false;
    state.csat = null;
    state.csatPicked = 0;
  } else if (state.csatStatus === "closed" && status !== "closed") {
    state.csatRequested = false; // reopened: that close's survey is over (its rating stays)
  }
  state.csatStatus = status;
  const rated = Boolean(state.csat);
  // The survey of the latest close: the card until it is answered, then the thanks.
  const shown = status === "closed" && state.csatRequested;
  const appearing = shown && ui.csat.hidden;
  ui.csat.hidden = !shown;
  if (!shown) return;
  const hadFocus = ui.csatForm.contains(ui.csat.getRootNode().activeElement);
  ui.csatForm.hidden = rated;
  if (rated) showThanks(state.csat.rating, hadFocus);
  else ui.csatThanks.replaceChildren();
  if (appearing) scrollToBottom();
}

function showThanks(rating, focus) {
  const text = el("span", { class: "csat-thanks-text" });
  text.append(
    el("strong", { text: tr("csat.thanks") }),
    el("span", { text: tr("csat.gave", { rating, most: RATINGS.length }) })
  );
  ui.csatThanks.replaceChildren(stars(rating), text);
  if (focus) ui.csatThanks.focus({ preventScroll: true });
}

function pick(rating) {
  state.csatPicked = rating;
  ui.csatButtons.forEach((button, index) => {
    const n = index + 1;
    button.setAttribute("aria-pressed", String(n === rating));
    button.classList.toggle("lit", n <= rating);
  });
  ui.csatError.hidden = true;
}

async function sendRating(event) {
  event.preventDefault();
  const key = state.key;
  const session = state.session;
  if (!key || !session || state.csatSending) return;
  if (!state.csatPicked) {
    showError(tr("csat.choose"));
    return;
  }
  const body = { session_key: key, rating: state.csatPicked };
  const comment = ui.csatComment.value.trim();
  if (comment) body.comment = comment;
  // Not `disabled` while it is sent: a disabled button drops the focus, which then could not
  // move on to the thanks.
  state.csatSending = true;
  ui.csatSend.setAttribute("aria-disabled", "true");
  ui.csatError.hidden = true;
  try {
    const answer = await api("POST", "/api/v1/chat/public/csat", body);
    csatReceived(answer.csat);
  } catch (error) {
    if (error.status === 409) await afterConflict(key, session.id, error);
    else showError(error.message);
  } finally {
    state.csatSending = false;
    ui.csatSend.removeAttribute("aria-disabled");
  }
}

/** 409: rated already (in another tab?) or no longer asked: the server's state says which. */
async function afterConflict(key, sessionId, conflict) {
  try {
    const answer = await api("GET", csatPath(key));
    if (answer.csat) takeCsatState(sessionId, answer);
    else showError(conflict.message);
  } catch (error) {
    showError(error.message);
  }
}

function showError(text) {
  ui.csatError.textContent = text;
  ui.csatError.hidden = false;
}
