/* One request to our own API over the login cookie (same origin), for the agent and the admin
 * pages: the answer's JSON (null for 204), or an ApiError in the contract's shape. A 401 sends
 * the page to the login. */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** `body` is sent as JSON, or as it is when it is a FormData (multipart); `headers` are added. */
export async function request(method, path, body, headers = {}) {
  const init = { method, credentials: "same-origin", cache: "no-store", headers: { ...headers } };
  init.headers.Accept = "application/json";
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
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
    const message = error.message || `The server answered ${answer.status}.`;
    throw new ApiError(answer.status, error.code || "internal", message);
  }
  return json;
}
