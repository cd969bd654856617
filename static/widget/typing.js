/* Typing indicators: ours to the agents over the socket, and theirs (an agent's, the AI's)
 * shown above the composer. */

import { listText, tr } from "./i18n.js";
import { sendFrame, socketUsable } from "./socket.js";
import { ui } from "./view.js";

const TYPING_THROTTLE = 2000;
const TYPING_IDLE = 3000;
const TYPING_EXPIRE = 6000;

const typers = new Map(); // "ai:AI assistant" → {label, timer}
const typingOut = { on: false, lastSent: 0, idle: null };

/** The customer typed: tell the agents (throttled), and that they stopped once idle. */
export function onInputTyping() {
  if (!ui.input.value.trim()) {
    stopTyping();
    return;
  }
  const now = Date.now();
  // A new start of typing always goes out; only "still typing" repeats are throttled.
  const due = !typingOut.on || now - typingOut.lastSent >= TYPING_THROTTLE;
  if (due && socketUsable()) {
    if (sendFrame("chat.typing", { is_typing: true })) {
      typingOut.on = true;
      typingOut.lastSent = now;
    }
  }
  clearTimeout(typingOut.idle);
  typingOut.idle = setTimeout(stopTyping, TYPING_IDLE);
}

export function stopTyping() {
  clearTimeout(typingOut.idle);
  if (!typingOut.on) return;
  typingOut.on = false;
  sendFrame("chat.typing", { is_typing: false });
}

function typerLabel(senderType, name) {
  if (senderType === "ai") return tr("who.ai");
  return name || tr("who.agent");
}

/** Someone else's chat.typing: show them typing until they stop, send, or go quiet. */
export function onTyping(data) {
  if (data.sender_type === "customer") return; // our own typing, from another tab
  const label = typerLabel(data.sender_type, data.name);
  const id = `${data.sender_type}:${label}`;
  const known = typers.get(id);
  if (known) clearTimeout(known.timer);
  if (data.is_typing) {
    const timer = setTimeout(() => {
      typers.delete(id);
      renderTyping();
    }, TYPING_EXPIRE);
    typers.set(id, { label, timer });
  } else {
    typers.delete(id);
  }
  renderTyping();
}

export function clearTypers() {
  for (const typer of typers.values()) clearTimeout(typer.timer);
  typers.clear();
  if (ui) renderTyping();
}

/** The socket is gone: our "typing" ended with it, and the server forgets the others'. */
export function forgetTyping() {
  typingOut.on = false;
  clearTypers();
}

export function stopTyper(senderType, name) {
  const id = `${senderType}:${typerLabel(senderType, name)}`;
  const known = typers.get(id);
  if (!known) return;
  clearTimeout(known.timer);
  typers.delete(id);
  renderTyping();
}

function renderTyping() {
  const labels = [...typers.values()].map((t) => t.label);
  let text = "";
  if (labels.length === 1) text = tr("typing.one", { name: labels[0] });
  else if (labels.length > 1) text = tr("typing.many", { names: listText(labels) });
  ui.typingText.textContent = text;
  ui.typing.hidden = !text;
}
