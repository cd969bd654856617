/* The WebSocket test page: start a customer session, connect its socket, log every frame. */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const page = {
    name: $("name"),
    start: $("start"),
    connect: $("connect"),
    disconnect: $("disconnect"),
    ping: $("ping"),
    resume: $("resume"),
    sessionId: $("session-id"),
    sessionStatus: $("session-status"),
    wsStatus: $("ws-status"),
    lastEvent: $("last-event"),
    problem: $("problem"),
    messages: $("messages"),
    typing: $("typing"),
    composer: $("composer"),
    message: $("message"),
    log: $("log"),
    clearLog: $("clear-log"),
  };

  const state = {
    key: null,
    ws: null,
    lastEventId: null,
    shown: new Set(), // message ids on screen
    pending: new Map(), // client_id → its row
    typingTimer: null,
  };

  const WS_TEXT = { closed: "Disconnected", connecting: "Connecting…", open: "Connected" };
  const LABELS = { customer: "You", ai: "AI assistant", system: "System" };

  // -- small helpers ------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function clock(date = new Date()) {
    const pad = (n, width = 2) => String(n).padStart(width, "0");
    return (
      `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
      `.${pad(date.getMilliseconds(), 3)}`
    );
  }

  function showProblem(text) {
    page.problem.textContent = text || "";
    page.problem.hidden = !text;
  }

  function clientId() {
    const raw = crypto.randomUUID
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
    return ("t-" + raw).slice(0, 64);
  }

  function wsUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const resume = page.resume.checked && state.lastEventId != null;
    const query = resume ? `?last_event_id=${state.lastEventId}` : "";
    return `${scheme}//${location.host}/ws/public/${encodeURIComponent(state.key)}${query}`;
  }

  // -- event log ----------------------------------------------------------------------------

  /** One line: time, direction (→ out, ← in, · the socket itself) and the raw text. */
  function logLine(direction, text, kind) {
    const item = el("li", `entry ${kind}`);
    const time = el("time", "time", clock());
    const arrow = el("span", "dir", direction);
    arrow.setAttribute("title", { out: "sent", in: "received", note: "socket" }[kind]);
    item.append(time, arrow, el("code", "raw", text));
    const atBottom = page.log.scrollHeight - page.log.scrollTop - page.log.clientHeight < 40;
    page.log.append(item);
    if (atBottom) page.log.scrollTop = page.log.scrollHeight;
  }

  // -- REST ---------------------------------------------------------------------------------

  async function startSession() {
    showProblem("");
    page.start.disabled = true;
    try {
      const body = { page_url: location.href };
      const name = page.name.value.trim();
      if (name) body.name = name;
      const response = await fetch("/api/v1/chat/public/start", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new Error((answer.error && answer.error.message) || `HTTP ${response.status}`);
      }
      closeSocket();
      state.key = answer.session_key;
      state.lastEventId = null;
      state.shown.clear();
      state.pending.clear();
      page.messages.replaceChildren();
      page.lastEvent.textContent = "—";
      page.sessionId.textContent = `Session ID: ${answer.session.id}`;
      showSession(answer.session);
      for (const message of answer.messages || []) showMessage(message);
    } catch (error) {
      showProblem(`Could not start a session: ${error.message}`);
    } finally {
      page.start.disabled = false;
    }
  }

  function showSession(session) {
    if (!session) return;
    const agent = session.assigned_agent;
    page.sessionStatus.textContent = agent ? `${session.status} (${agent.name})` : session.status;
  }

  // -- socket -------------------------------------------------------------------------------

  function setWsState(name) {
    page.wsStatus.textContent = WS_TEXT[name];
    page.wsStatus.dataset.state = name;
    page.connect.disabled = name !== "closed";
    page.disconnect.disabled = name === "closed";
    page.ping.disabled = name !== "open";
  }

  function connect() {
    showProblem("");
    if (!state.key) {
      showProblem("Start a session first.");
      return;
    }
    if (state.ws) return;
    const url = wsUrl();
    const ws = new WebSocket(url);
    state.ws = ws;
    setWsState("connecting");
    logLine("·", `connecting to ${url.replace(encodeURIComponent(state.key), "{session_key}")}`, "note");
    ws.addEventListener("open", () => {
      setWsState("open");
      logLine("·", "open", "note");
    });
    ws.addEventListener("message", (event) => {
      logLine("←", String(event.data), "in");
      onFrame(event.data);
    });
    ws.addEventListener("close", (event) => {
      const reason = event.reason ? ` ${event.reason}` : "";
      logLine("·", `closed: code ${event.code}${reason}`, "note");
      if (state.ws === ws) {
        state.ws = null;
        setWsState("closed");
        failPending("The socket closed before the server answered.");
      }
    });
  }

  function closeSocket() {
    const ws = state.ws;
    if (!ws) return;
    state.ws = null;
    setWsState("closed");
    ws.close(1000, "bye");
  }

  function sendFrame(type, data) {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      showProblem("Connect the WebSocket first.");
      return false;
    }
    const text = JSON.stringify({ type, data });
    state.ws.send(text);
    logLine("→", text, "out");
    return true;
  }

  function onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch (_) {
      return;
    }
    const data = (frame && frame.data) || {};
    if (Number.isSafeInteger(frame.event_id)) {
      if (state.lastEventId == null || frame.event_id > state.lastEventId) {
        state.lastEventId = frame.event_id;
        page.lastEvent.textContent = String(frame.event_id);
      }
    }
    switch (frame.type) {
      case "connection.ready":
        if (Number.isSafeInteger(data.last_event_id)) {
          state.lastEventId = data.last_event_id;
          page.lastEvent.textContent = String(data.last_event_id);
        }
        showSession(data.session);
        break;
      case "chat.message.new":
        showMessage(data.message);
        showSession(data.session);
        break;
      case "chat.message.ack":
        showMessage(data.message, data.client_id);
        break;
      case "chat.session.assigned":
      case "chat.session.updated":
      case "chat.session.closed":
        showSession(data.session);
        break;
      case "chat.agent.joined":
        if (data.agent) showNote(`${data.agent.name} joined the conversation`);
        break;
      case "chat.typing":
        showTyping(data);
        break;
      case "error":
        if (data.client_id && state.pending.has(data.client_id)) {
          markFailed(state.pending.get(data.client_id), data.message);
          state.pending.delete(data.client_id);
        } else {
          showProblem(`${data.code}: ${data.message}`);
        }
        break;
      default:
        break;
    }
  }

  // -- conversation -------------------------------------------------------------------------

  function messageRow(senderType, label, content, stateText) {
    const side = senderType === "customer" ? "mine" : senderType === "system" ? "system" : "theirs";
    const row = el("div", `msg ${side}`);
    row.append(el("div", "who", label), el("div", "bubble", content));
    const meta = el("div", "meta");
    if (stateText) meta.append(el("span", "state", stateText));
    meta.append(el("time", "when", clock().slice(0, 8)));
    row.append(meta);
    return row;
  }

  function append(row) {
    page.messages.append(row);
    page.messages.scrollTop = page.messages.scrollHeight;
  }

  function showMessage(message, ackedClientId) {
    if (!message || state.shown.has(message.id)) {
      const cid = ackedClientId || (message && message.client_id);
      const row = cid && state.pending.get(cid);
      if (row) {
        markSent(row);
        state.pending.delete(cid);
      }
      return;
    }
    state.shown.add(message.id);
    const cid = ackedClientId || message.client_id;
    const pendingRow = cid && state.pending.get(cid);
    if (pendingRow) {
      markSent(pendingRow);
      state.pending.delete(cid);
      return;
    }
    const type = message.sender_type;
    const label = type === "agent" ? message.sender_name || "Agent" : LABELS[type] || type;
    append(messageRow(type, label, message.content, type === "customer" ? "Sent" : null));
    if (type !== "customer") showTyping(null);
  }

  function showNote(text) {
    append(messageRow("system", "System", text, null));
  }

  function markSent(row) {
    row.classList.remove("failed");
    row.querySelector(".state").textContent = "Sent";
  }

  function markFailed(row, reason) {
    row.classList.add("failed");
    const label = row.querySelector(".state");
    label.textContent = "Failed";
    if (reason) label.setAttribute("title", reason);
  }

  function failPending(reason) {
    for (const row of state.pending.values()) markFailed(row, reason);
    state.pending.clear();
  }

  function showTyping(data) {
    clearTimeout(state.typingTimer);
    if (!data || !data.is_typing || data.sender_type === "customer") {
      page.typing.textContent = "";
      return;
    }
    const name = data.sender_type === "ai" ? "AI assistant" : data.name || "Agent";
    page.typing.textContent = `${name} is typing…`;
    state.typingTimer = setTimeout(() => {
      page.typing.textContent = "";
    }, 6000);
  }

  function sendMessage(event) {
    event.preventDefault();
    const content = page.message.value.trim();
    if (!content) return;
    const id = clientId();
    if (!sendFrame("chat.message.send", { content, client_id: id })) return;
    showProblem("");
    const row = messageRow("customer", "You", content, "Sending…");
    state.pending.set(id, row);
    append(row);
    page.message.value = "";
    page.message.focus();
  }

  // -- wiring -------------------------------------------------------------------------------

  page.start.addEventListener("click", startSession);
  page.connect.addEventListener("click", connect);
  page.disconnect.addEventListener("click", closeSocket);
  page.ping.addEventListener("click", () => sendFrame("ping", {}));
  page.composer.addEventListener("submit", sendMessage);
  page.clearLog.addEventListener("click", () => page.log.replaceChildren());
  setWsState("closed");
})();
