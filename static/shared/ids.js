/* Client ids: what makes a retried send safe (the server stores one message per client_id). */

/** A new client_id the server accepts (at most 64 of [A-Za-z0-9_-]): `prefix` says which
 * client made it, 128 random bits make it unique. */
export function newClientId(prefix) {
  let raw;
  if (window.crypto && crypto.randomUUID) {
    raw = crypto.randomUUID();
  } else {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    raw = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return `${prefix}-${raw}`.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
}
