/* The admin API over the login cookie: every write carries the page's CSRF token. */

import { request as send } from "../shared/request.js";

const CSRF = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";

export function request(method, path, body) {
  return send(method, path, body, method === "GET" ? {} : { "X-CSRF-Token": CSRF });
}
