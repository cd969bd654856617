/* The admin API over the login cookie: every write carries the page's CSRF token. */

const CSRF = document.querySelector('meta[name="csrf-token"]')?.getAttribute("content") || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function request(method, path, body) {
  const init = { method, credentials: "same-origin", cache: "no-store", headers: {} };
  init.headers.Accept = "application/json";
  if (method !== "GET") init.headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let answer;
  try {
    answer = await fetch(path, init);
  } catch (_) {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection.");
  }
  if (answer.status === 401) {
    window.location.assign("/login");
    throw new ApiError(401, "unauthorized", "Your login has expired.");
  }
  if (answer.status === 204) return null;
  let json = null;
  try {
    json = await answer.json();
  } catch (_) {
    json = null;
  }
  if (!answer.ok) {
    const error = (json && json.error) || {};
    throw new ApiError(answer.status, error.code || "internal", error.message || `The server answered ${answer.status}.`);
  }
  return json;
}
