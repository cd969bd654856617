/* Keeping a socket alive and coming back when it drops: the heartbeat's timings and the
 * backoff between attempts, the same for the widget and the agent page. */

import { CLOSE } from "./frames.js";

export const PING_EVERY = 25000; // a ping after this long without one, so idle proxies keep it
export const SILENCE_LIMIT = 60000; // no frame for this long: the socket is dead, reconnect
export const CONNECT_TIMEOUT = 15000; // no connection.ready by then: give up on this attempt

const BASE = 500;
const CAP = 10000;
const OVER_CAP = 15000; // 4429 / 1008: the server asked us to back off harder
const MAX_ATTEMPT = 20;

/** Exponential backoff with jitter: each wait is drawn from the upper half of a window that
 * doubles per failed attempt up to a cap, so clients cut off together come back spread out
 * and never at once. */
export class Backoff {
  constructor() {
    this.attempt = 0;
  }

  /** Milliseconds to wait before the next attempt, after a socket closed with `code`. */
  next(code) {
    let delay;
    if (code === CLOSE.TOO_MANY || code === CLOSE.POLICY) {
      delay = OVER_CAP + Math.random() * OVER_CAP;
    } else {
      const ceiling = Math.min(CAP, BASE * 2 ** this.attempt);
      delay = ceiling / 2 + Math.random() * (ceiling / 2);
    }
    this.attempt = Math.min(this.attempt + 1, MAX_ATTEMPT);
    return delay;
  }

  /** Connected: the next drop starts from the shortest wait again. */
  reset() {
    this.attempt = 0;
  }
}
