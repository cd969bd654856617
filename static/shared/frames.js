/* The socket's wire format, as both clients read and write it (the contract's "WebSockets"). */

/** Close codes the server refuses or ends a socket with. */
export const CLOSE = Object.freeze({
  POLICY: 1008, // flooding or over a limit: come back later
  TOO_BIG: 1009,
  NOT_AUTHENTICATED: 4401,
  ORIGIN_REFUSED: 4403,
  UNKNOWN_KEY: 4404,
  TOO_MANY: 4429, // too many sockets for this session or agent
});

/** A server frame `{"type", "data", "event_id", "ts"}` as {type, data, eventId}, or null when
 * the text is not one. `data` is always an object; `eventId` a safe integer or null
 * (ephemeral frames have none). */
export function parseFrame(text) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch (_) {
    return null;
  }
  if (!frame || typeof frame !== "object" || typeof frame.type !== "string") return null;
  const data = frame.data && typeof frame.data === "object" ? frame.data : {};
  const eventId = Number.isSafeInteger(frame.event_id) ? frame.event_id : null;
  return { type: frame.type, data, eventId };
}

/** A client frame as the text to send. */
export function encodeFrame(type, data) {
  return JSON.stringify({ type, data });
}
