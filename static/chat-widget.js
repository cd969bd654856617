/* Switchboard chat widget.
 *
 * Embed with: <script src="https://HOST/chat-widget.js" async></script>
 * Optional attributes on that tag: data-server, data-title, data-accent, data-position
 * (right|left), data-greeting, data-ask-details ("true").
 *
 * Plain ES2020, no build step, no dependencies. Everything renders inside an open Shadow DOM
 * styled by a constructable stylesheet, so it works under a CSP without 'unsafe-inline' and
 * host CSS cannot reach it. All text is set with textContent; nothing is parsed as HTML.
 *
 * A conversation is started lazily, on the visitor's first message (or when they submit the
 * name/email form with data-ask-details="true"), so idle visitors create nothing on the server.
 */
(() => {
  "use strict";

  // With `async`, document.currentScript is set only while this file first runs: read it now.
  const script = document.currentScript;
  if (window.SwitchboardWidget) return; // embedded twice: the first copy wins

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ACK_TIMEOUT = 10000; // a message not acknowledged in time is shown as Failed
  const REST_GRACE = 1500; // how long a message waits for the socket before going over REST
  const BACKOFF_BASE = 500;
  const BACKOFF_CAP = 10000;
  const BACKOFF_OVER_CAP = 15000; // 4429 / 1008: the server asked us to back off harder
  const PING_EVERY = 25000;
  const SILENCE_LIMIT = 60000; // no frame for this long: the socket is dead, reconnect
  const CONNECT_TIMEOUT = 15000;
  const POLL_EVERY = 10000; // REST catch-up while the socket is down and the panel is open
  const AWAY_TEXT = "Our team is away right now. We'll reply as soon as someone is back.";
  const TYPING_THROTTLE = 2000;
  const TYPING_IDLE = 3000;
  const TYPING_EXPIRE = 6000;
  const CONTENT_MAX = 4000;
  const FILE_MAX = 10 * 1024 * 1024; // the server's default; it has the final say (413)
  const FILE_TYPES = ".png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.csv,.log,.md,.docx,.xlsx";

  const config = readConfig(script);
  const store = storage(`switchboard:${config.origin}:`);

  // -- configuration ---------------------------------------------------------------------

  function readConfig(el) {
    const data = (el && el.dataset) || {};
    let own;
    try {
      own = new URL(el && el.src ? el.src : location.href, location.href);
    } catch (_) {
      own = new URL(location.href);
    }
    let server;
    try {
      server = new URL(data.server || own.origin, location.href);
    } catch (_) {
      server = new URL(own.origin);
    }
    const base = (server.origin + server.pathname).replace(/\/+$/, "");
    return {
      base,
      origin: server.origin,
      wsBase: base.replace(/^http/i, "ws"), // http → ws, https → wss
      title: (data.title || "").trim() || "Chat with us",
      greeting: data.greeting == null ? "Hi there! How can we help you today?" : data.greeting.trim(),
      accent: validColour(data.accent) || "#2563eb",
      position: (data.position || "").trim().toLowerCase() === "left" ? "left" : "right",
      askDetails: (data.askDetails || "").trim().toLowerCase() === "true",
    };
  }

  function validColour(value) {
    if (!value) return null;
    const colour = value.trim();
    return window.CSS && CSS.supports && CSS.supports("color", colour) ? colour : null;
  }

  /** localStorage under one prefix; falls back to memory where storage is blocked. */
  function storage(prefix) {
    const memory = new Map();
    return {
      prefix,
      get(name) {
        try {
          return localStorage.getItem(prefix + name);
        } catch (_) {
          return memory.has(name) ? memory.get(name) : null;
        }
      },
      set(name, value) {
        try {
          localStorage.setItem(prefix + name, value);
        } catch (_) {
          memory.set(name, value);
        }
      },
      remove(name) {
        try {
          localStorage.removeItem(prefix + name);
        } catch (_) {
          memory.delete(name);
        }
      },
    };
  }

  // -- state -----------------------------------------------------------------------------

  const state = {
    key: store.get("session_key"),
    lastEventId: toInt(store.get("last_event_id")),
    session: null,
    rows: new Map(), // message id → its row
    seqs: new Set(),
    contiguousSeq: 0, // every message 1..contiguousSeq is shown
    maxSeq: 0,
    historyLoaded: false,
    outbox: loadOutbox(), // messages still to deliver, in order: {client_id, content, created_at}
    pending: new Map(), // client_id → {item, row, timer, status, rejected}
    open: false,
    unread: 0,
    starting: null,
    catchingUp: null,
    lastPoll: 0,
    agentsAvailable: null, // whether any agent is Available: null until the server says
    availabilityAsked: 0,
    agentReadSeq: 0, // the agents have read up to this seq: "Seen" under our last message to it
    customerReadSeq: 0, // we have read up to this seq, as the server knows it
    readSent: 0, // the newest seq we told the server we read on this connection
    seenRow: null,
    readCheck: false,
  };

  const conn = {
    ws: null,
    ready: false,
    everReady: false,
    attempt: 0,
    timer: null,
    openedAt: 0,
    lastFrameAt: 0,
    lastPing: 0,
    heartbeat: null,
  };

  const typers = new Map(); // "ai:AI assistant" → {label, timer}
  const typingOut = { on: false, lastSent: 0, idle: null };
  let pendingCounter = 0;

  function toInt(value) {
    const n = Number.parseInt(value, 10);
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  }

  function loadOutbox() {
    try {
      const items = JSON.parse(store.get("outbox") || "[]");
      return Array.isArray(items)
        ? items.filter((i) => i && typeof i.client_id === "string" && typeof i.content === "string")
        : [];
    } catch (_) {
      return [];
    }
  }

  function saveOutbox() {
    if (state.outbox.length) {
      const items = state.outbox.map(({ client_id, content, created_at }) => ({
        client_id,
        content,
        created_at,
      }));
      store.set("outbox", JSON.stringify(items));
    } else {
      store.remove("outbox");
    }
  }

  function setLastEventId(id) {
    state.lastEventId = id;
    if (id == null) store.remove("last_event_id");
    else store.set("last_event_id", String(id));
  }

  function newClientId() {
    let raw;
    if (window.crypto && crypto.randomUUID) {
      raw = crypto.randomUUID();
    } else {
      const bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      raw = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    }
    return ("w-" + raw).replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
  }

  /** What the server accepts: no control characters but \n and \t, no lone surrogates. */
  function cleanContent(text) {
    return text
      .replace(/\r\n?/g, "\n")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "")
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
      .trim();
  }

  // -- REST --------------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, credentials: "omit", cache: "no-store" };
    if (body !== undefined) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(config.base + path, init);
    } catch (_) {
      throw apiError(0, "network", "We could not reach the chat server.");
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch (_) {
      payload = null;
    }
    if (!response.ok) {
      const error = (payload && payload.error) || {};
      const failure = apiError(
        response.status,
        error.code || "internal",
        error.message || "Something went wrong. Please try again."
      );
      failure.retryAfter = toInt(response.headers.get("Retry-After"));
      throw failure;
    }
    return payload || {};
  }

  function apiError(status, code, message) {
    const error = new Error(message);
    error.status = status;
    error.code = code;
    return error;
  }

  function sessionPath(key, afterSeq) {
    const query = afterSeq ? `?after_seq=${afterSeq}` : "";
    return `/api/v1/chat/public/session/${encodeURIComponent(key)}${query}`;
  }

  /** The conversation after `afterSeq`, every page of it. */
  async function fetchHistory(key, afterSeq) {
    let cursor = afterSeq;
    let session = null;
    const messages = [];
    for (let page = 0; page < 100; page += 1) {
      const answer = await api("GET", sessionPath(key, cursor));
      session = answer.session || session;
      const batch = Array.isArray(answer.messages) ? answer.messages : [];
      messages.push(...batch);
      if (!answer.has_more || !batch.length) break;
      cursor = batch[batch.length - 1].seq;
    }
    return { session, messages };
  }

  /** Start a conversation if there is none yet; every caller shares one request. */
  function ensureSession(details) {
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
  function catchUp() {
    if (!state.key) return Promise.resolve();
    if (!state.catchingUp) {
      const key = state.key;
      state.catchingUp = fetchHistory(key, state.contiguousSeq)
        .then((history) => {
          if (key !== state.key) return;
          state.historyLoaded = true;
          setSession(history.session);
          for (const message of history.messages) addMessage(message, { live: true });
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
  async function resync() {
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
      setSession(history.session);
      for (const message of history.messages) addMessage(message);
      regroup();
    } catch (error) {
      if (error.status === 404 && key === state.key) forgetSession();
    }
  }

  async function restore() {
    const key = state.key;
    try {
      const history = await fetchHistory(key, 0);
      if (key !== state.key) return;
      state.historyLoaded = true;
      setSession(history.session);
      for (const message of history.messages) addMessage(message);
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
  function forgetSession() {
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
      showNotice("Your previous conversation has ended. Starting a new one…");
      for (const item of state.outbox.slice()) deliver(item);
    } else if (ui.details) {
      showDetailsForm(true);
    }
  }

  // -- socket ------------------------------------------------------------------------------

  function socketUsable() {
    return Boolean(conn.ws && conn.ready && conn.ws.readyState === WebSocket.OPEN);
  }

  function connect() {
    clearTimeout(conn.timer);
    conn.timer = null;
    if (!state.key || conn.ws) return;
    startHeartbeat();
    const resume = state.lastEventId != null ? `?last_event_id=${state.lastEventId}` : "";
    const url = `${config.wsBase}/ws/public/${encodeURIComponent(state.key)}${resume}`;
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (_) {
      scheduleReconnect(1006);
      return;
    }
    conn.ws = ws;
    conn.ready = false;
    conn.openedAt = conn.lastFrameAt = conn.lastPing = Date.now();
    ws.onopen = () => {
      conn.lastFrameAt = Date.now();
    };
    ws.onmessage = (event) => {
      if (ws !== conn.ws) return;
      conn.lastFrameAt = Date.now();
      onFrame(event.data);
    };
    ws.onclose = (event) => {
      if (ws === conn.ws) dropped(event.code);
    };
    updateHeader();
  }

  function disconnect() {
    clearTimeout(conn.timer);
    conn.timer = null;
    const ws = conn.ws;
    conn.ws = null;
    conn.ready = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      try {
        ws.close();
      } catch (_) {
        /* already closed */
      }
    }
  }

  /** The socket ended: find out why and come back when it makes sense. */
  function dropped(code) {
    conn.ws = null;
    conn.ready = false;
    typingOut.on = false;
    clearTypers();
    if (code === 4404) {
      forgetSession();
      return;
    }
    scheduleReconnect(code);
    updateHeader();
    // Whatever is still unsent goes over REST while we wait.
    setTimeout(pumpRest, REST_GRACE);
  }

  function scheduleReconnect(code) {
    clearTimeout(conn.timer);
    let delay;
    if (code === 4429 || code === 1008) {
      delay = BACKOFF_OVER_CAP + Math.random() * BACKOFF_OVER_CAP;
    } else {
      // Exponential backoff with full jitter.
      delay = Math.random() * Math.min(BACKOFF_CAP, BACKOFF_BASE * 2 ** conn.attempt);
    }
    conn.attempt = Math.min(conn.attempt + 1, 20);
    conn.timer = setTimeout(connect, delay);
  }

  /** Give up on a socket that went silent, without waiting for the browser to notice. */
  function abandon(ws) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close();
    } catch (_) {
      /* already closed */
    }
    if (conn.ws === ws) dropped(1006);
  }

  function startHeartbeat() {
    if (conn.heartbeat) return;
    conn.heartbeat = setInterval(() => {
      const now = Date.now();
      const ws = conn.ws;
      if (ws && ws.readyState === WebSocket.CONNECTING && now - conn.openedAt > CONNECT_TIMEOUT) {
        abandon(ws);
      } else if (ws && ws.readyState === WebSocket.OPEN) {
        if (now - conn.lastFrameAt > SILENCE_LIMIT) {
          abandon(ws);
        } else if (now - conn.lastPing >= PING_EVERY) {
          conn.lastPing = now;
          sendFrame("ping", {});
        }
      }
      const polling = state.key && !conn.ready && state.open && !document.hidden;
      if (polling && now - state.lastPoll >= POLL_EVERY) {
        state.lastPoll = now;
        catchUp();
      }
    }, 1000);
  }

  function sendFrame(type, data) {
    if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN) return false;
    try {
      conn.ws.send(JSON.stringify({ type, data }));
      return true;
    } catch (_) {
      return false;
    }
  }

  function onFrame(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch (_) {
      return;
    }
    if (!frame || typeof frame.type !== "string") return;
    const data = frame.data && typeof frame.data === "object" ? frame.data : {};
    const id = frame.event_id;
    if (Number.isSafeInteger(id) && (state.lastEventId == null || id > state.lastEventId)) {
      setLastEventId(id);
    }
    const handler = HANDLERS[frame.type];
    if (handler) handler(data);
  }

  const HANDLERS = {
    "connection.ready"(data) {
      conn.ready = true;
      conn.everReady = true;
      conn.attempt = 0;
      retryStalledFiles();
      const head = data.last_event_id;
      if (data.resync_required) {
        setLastEventId(Number.isSafeInteger(head) ? head : null);
      } else if (Number.isSafeInteger(head) && (!data.resumed || state.lastEventId == null)) {
        setLastEventId(head);
      }
      if (data.session) setSession(data.session);
      if (typeof data.agents_available === "boolean") state.agentsAvailable = data.agents_available;
      state.readSent = state.customerReadSeq; // a mark sent on the last socket may be lost
      updateHeader();
      flushOutbox();
      scheduleReadCheck();
      if (data.resync_required) resync();
      else if (!data.resumed || !state.historyLoaded) catchUp();
    },
    "chat.message.new"(data) {
      addMessage(data.message, { live: true });
      setSession(data.session);
    },
    "chat.message.ack"(data) {
      addMessage(data.message, { live: true, clientId: data.client_id });
    },
    "chat.session.assigned"(data) {
      setSession(data.session);
    },
    "chat.agent.joined"(data) {
      const name = data.agent && data.agent.name;
      if (name) addNote(`${name} joined the conversation`);
    },
    "chat.session.updated"(data) {
      setSession(data.session);
    },
    "chat.session.closed"(data) {
      setSession(data.session);
      addNote("The conversation was closed. Send a message to reopen it.");
    },
    "chat.typing"(data) {
      onTyping(data);
    },
    "chat.availability"(data) {
      if (typeof data.agents_available !== "boolean") return;
      state.agentsAvailable = data.agents_available;
      updateHeader();
    },
    "chat.read"(data) {
      if (data.reader === "agent") noteReadMarks(null, data.seq);
      else if (data.reader === "customer") noteReadMarks(data.seq, null);
    },
    error(data) {
      const entry = data.client_id ? state.pending.get(data.client_id) : null;
      if (!entry) return;
      if (data.code === "rate_limited") retryLater(entry, null);
      else reject(entry, data.message);
    },
    pong() {},
  };

  // -- sending -----------------------------------------------------------------------------

  function submit() {
    const content = cleanContent(ui.input.value);
    if (!content) return;
    if ([...content].length > CONTENT_MAX) {
      showNotice(`That message is too long: ${CONTENT_MAX} characters at most.`);
      return;
    }
    ui.input.value = "";
    autosize();
    stopTyping();
    const item = { client_id: newClientId(), content, created_at: new Date().toISOString() };
    state.outbox.push(item);
    saveOutbox();
    renderPending(item);
    deliver(item);
  }

  /** Send one message: over the socket when it is up, else over REST after a short wait. */
  async function deliver(item, { now = false } = {}) {
    const entry = state.pending.get(item.client_id) || renderPending(item);
    setPendingStatus(entry, "sending");
    armAck(entry);
    if (!state.key) {
      try {
        await ensureSession();
      } catch (error) {
        if (error.code === "rate_limited") retryLater(entry, error.retryAfter);
        else if (error.status === 422) reject(entry, error.message);
        else failed(entry, error.message);
        return;
      }
    }
    if (!state.pending.has(item.client_id)) return; // delivered meanwhile
    if (socketUsable()) {
      sendMessageFrame(item);
    } else {
      setTimeout(pumpRest, now ? 0 : REST_GRACE);
    }
  }

  function sendMessageFrame(item) {
    sendFrame("chat.message.send", { content: item.content, client_id: item.client_id });
  }

  /** On (re)connect: resend every message not yet acknowledged, in order, same client_id. */
  function flushOutbox() {
    for (const item of state.outbox) {
      const entry = state.pending.get(item.client_id);
      if (!entry) continue;
      setPendingStatus(entry, "sending");
      armAck(entry);
      sendMessageFrame(item);
    }
  }

  let pumping = false;

  /** The fallback: POST waiting messages one by one, in order, while the socket is down.
   * Strictly in outbox order, Failed ones included (Failed only means "no answer in time"): a
   * later message must never be stored before an earlier one that is still waiting. */
  async function pumpRest() {
    if (pumping) return;
    pumping = true;
    const tried = new Set();
    try {
      for (;;) {
        if (socketUsable() || !state.key) break;
        const item = state.outbox.find(
          (i) => state.pending.has(i.client_id) && !tried.has(i.client_id)
        );
        if (!item) break;
        tried.add(item.client_id);
        const key = state.key;
        try {
          const answer = await api("POST", "/api/v1/chat/public/message", {
            session_key: key,
            content: item.content,
            client_id: item.client_id,
          });
          addMessage(answer.message, { live: true, clientId: item.client_id });
        } catch (error) {
          const entry = state.pending.get(item.client_id);
          if (error.status === 404 && key === state.key) {
            forgetSession();
            break;
          }
          if (!entry) continue;
          if (error.code === "rate_limited") {
            retryLater(entry, error.retryAfter);
            break; // the ones after it wait their turn
          }
          if (error.status >= 400 && error.status < 500) reject(entry, error.message);
          else break; // network trouble: the ack timer marks it failed; a reconnect resends
        }
      }
    } finally {
      pumping = false;
    }
  }

  function armAck(entry) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => failed(entry, "No answer from the server."), ACK_TIMEOUT);
  }

  function retryLater(entry, seconds) {
    clearTimeout(entry.timer);
    setPendingStatus(entry, "sending");
    const delay = (seconds || 5) * 1000 + Math.random() * 3000;
    entry.timer = setTimeout(() => {
      if (state.pending.get(entry.item.client_id) === entry) deliver(entry.item, { now: true });
    }, delay);
  }

  /** Not acknowledged in time: shown as Failed, still in the outbox for the next reconnect. */
  function failed(entry, reason) {
    clearTimeout(entry.timer);
    setPendingStatus(entry, "failed", reason);
  }

  /** Refused by the server: only a Retry sends it again, so it leaves the stored outbox. */
  function reject(entry, reason) {
    clearTimeout(entry.timer);
    entry.rejected = true;
    removeFromOutbox(entry.item.client_id);
    setPendingStatus(entry, "failed", reason);
  }

  function retry(entry) {
    entry.rejected = false;
    if (!state.outbox.includes(entry.item)) {
      state.outbox.push(entry.item);
      saveOutbox();
    }
    deliver(entry.item, { now: true });
  }

  function removeFromOutbox(clientId) {
    const before = state.outbox.length;
    state.outbox = state.outbox.filter((i) => i.client_id !== clientId);
    if (state.outbox.length !== before) saveOutbox();
  }

  // -- files -------------------------------------------------------------------------------

  function fileUrl(attachment) {
    return `${config.base}/api/v1/chat/public/session/${encodeURIComponent(state.key)}/files/${attachment.id}`;
  }

  function fileSize(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${bytes} bytes`;
  }

  /** Send a file: one upload stores it and posts the message. Files are not kept in the
   * stored outbox; one that could not reach the server is sent again by itself when the
   * connection comes back (same client_id, so at most once), or with its Retry button. */
  function sendFile(file) {
    if (file.size > FILE_MAX) {
      showNotice(`That file is too large: ${fileSize(FILE_MAX)} at most.`);
      return;
    }
    if (!file.size) {
      showNotice("That file is empty.");
      return;
    }
    const item = { client_id: newClientId(), content: file.name, created_at: new Date().toISOString() };
    const row = messageRow({ sender_type: "customer", content: file.name, created_at: item.created_at });
    row.sbOrder = 1e12 + (pendingCounter += 1);
    insertRow(row, true);
    upload({ item, row, file });
  }

  const stalledFiles = new Set(); // uploads that failed for want of a server: retried on ready

  function retryStalledFiles() {
    for (const job of [...stalledFiles]) upload(job);
  }

  async function upload(job) {
    const { item, row, file } = job;
    const label = row.querySelector(".state");
    const retryButton = row.querySelector(".retry");
    if (retryButton) retryButton.remove();
    stalledFiles.delete(job);
    row.classList.remove("failed");
    row.classList.add("sending");
    label.textContent = "Uploading…";
    label.removeAttribute("title");
    try {
      await ensureSession();
      const message = await postFile(file, item.client_id, (done) => {
        label.textContent = `Uploading… ${Math.floor(done * 100)}%`;
      });
      row.remove();
      addMessage(message, { live: true });
    } catch (error) {
      if (error.status === 404) forgetSession();
      row.classList.remove("sending");
      row.classList.add("failed");
      label.textContent = "Not sent";
      label.setAttribute("title", error.message);
      showNotice(error.message);
      if (error.status === 0 || error.status >= 500) stalledFiles.add(job); // not its fault
      if (error.status !== 413 && error.status !== 422) {
        const again = el("button", { type: "button", class: "retry", text: "Retry" });
        again.addEventListener("click", () => upload(job));
        row.querySelector(".meta").append(again);
      }
    }
  }

  /** POST the file with XMLHttpRequest: fetch cannot report upload progress. */
  function postFile(file, clientId, progress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      form.append("session_key", state.key);
      form.append("client_id", clientId);
      form.append("file", file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${config.base}/api/v1/chat/public/attachments`);
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) progress(event.loaded / event.total);
      };
      xhr.onload = () => {
        const payload = xhr.response || {};
        if (xhr.status >= 200 && xhr.status < 300 && payload.message) {
          resolve(payload.message);
          return;
        }
        const error = payload.error || {};
        let message = error.message || "The file could not be sent. Please try again.";
        if (xhr.status === 413 && !error.message) message = "That file is too large.";
        reject(apiError(xhr.status, error.code || "internal", message));
      };
      xhr.onerror = () => reject(apiError(0, "network", "The file could not reach the chat server."));
      xhr.send(form);
    });
  }

  function attachmentBubble(message) {
    const file = message.attachment;
    const bubble = el("div", { class: "bubble has-file" });
    const url = fileUrl(file);
    if (file.content_type.startsWith("image/")) {
      const link = el("a", { class: "image", href: url, target: "_blank", rel: "noopener" });
      link.append(el("img", { src: url, alt: file.name, loading: "lazy" }));
      bubble.append(link);
    } else {
      const link = el("a", { class: "file", href: url, target: "_blank", rel: "noopener" });
      link.append(
        el("span", { class: "file-name", text: file.name }),
        el("span", { class: "file-size", text: fileSize(file.size) })
      );
      bubble.append(link);
    }
    if (message.content !== file.name) bubble.append(el("div", { class: "caption", text: message.content }));
    return bubble;
  }

  async function handOff() {
    ui.handoff.disabled = true;
    try {
      await ensureSession();
      const key = state.key;
      try {
        const answer = await api("POST", "/api/v1/chat/public/handoff", { session_key: key });
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

  // -- typing ------------------------------------------------------------------------------

  function onInputTyping() {
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

  function stopTyping() {
    clearTimeout(typingOut.idle);
    if (!typingOut.on) return;
    typingOut.on = false;
    sendFrame("chat.typing", { is_typing: false });
  }

  function typerLabel(senderType, name) {
    if (senderType === "ai") return "AI assistant";
    return name || "Agent";
  }

  function onTyping(data) {
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

  function clearTypers() {
    for (const typer of typers.values()) clearTimeout(typer.timer);
    typers.clear();
    if (ui) renderTyping();
  }

  function stopTyper(senderType, name) {
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
    if (labels.length === 1) text = `${labels[0]} is typing…`;
    else if (labels.length > 1) text = `${labels.join(" and ")} are typing…`;
    ui.typingText.textContent = text;
    ui.typing.hidden = !text;
  }

  // -- the conversation view -----------------------------------------------------------------

  function senderKey(message) {
    if (message.sender_type === "agent") return `agent:${message.agent_id || message.sender_name}`;
    return message.sender_type === "system" ? null : message.sender_type;
  }

  function senderLabel(message) {
    switch (message.sender_type) {
      case "customer":
        return "You";
      case "ai":
        return "AI assistant";
      case "agent":
        return message.sender_name || "Agent";
      default:
        return "";
    }
  }

  function formatTime(iso) {
    const date = iso ? new Date(iso) : new Date();
    if (Number.isNaN(date.getTime())) return "";
    return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  /** One message row: who, the bubble, and a line with its state and time. */
  function messageRow(message) {
    const mine = message.sender_type === "customer";
    const system = message.sender_type === "system";
    const row = el("div", { class: `row ${mine ? "mine" : system ? "system" : "theirs"}` });
    row.sbWho = senderKey(message);
    if (!system) row.append(el("div", { class: "who", text: senderLabel(message) }));
    if (message.attachment && state.key) row.append(attachmentBubble(message));
    else row.append(el("div", { class: "bubble", text: message.content }));
    const meta = el("div", { class: "meta" });
    if (mine) meta.append(el("span", { class: "state", text: "Sent" }));
    const time = el("time", { text: formatTime(message.created_at) });
    if (message.created_at) time.setAttribute("datetime", message.created_at);
    meta.append(time);
    row.append(meta);
    return row;
  }

  function renderPending(item) {
    const row = messageRow({ sender_type: "customer", content: item.content, created_at: item.created_at });
    row.sbOrder = 1e12 + (pendingCounter += 1);
    const entry = { item, row, timer: null, status: "sending", rejected: false };
    state.pending.set(item.client_id, entry);
    setPendingStatus(entry, "sending");
    insertRow(row, true);
    return entry;
  }

  function setPendingStatus(entry, status, reason) {
    entry.status = status;
    const { row } = entry;
    const stateLabel = row.querySelector(".state");
    stateLabel.textContent = status === "failed" ? "Failed" : "Sending…";
    row.classList.toggle("sending", status === "sending");
    row.classList.toggle("failed", status === "failed");
    if (reason) stateLabel.setAttribute("title", reason);
    else stateLabel.removeAttribute("title");
    const old = row.querySelector(".retry");
    if (old) old.remove();
    if (status === "failed") {
      const button = el("button", { type: "button", class: "retry", text: "Retry" });
      button.addEventListener("click", () => retry(entry));
      row.querySelector(".meta").append(button);
    }
  }

  /** Show a stored message once; a message we sent ourselves replaces its pending row. */
  function addMessage(message, { live = false, clientId } = {}) {
    if (!message || !Number.isSafeInteger(message.id) || !Number.isSafeInteger(message.seq)) return;
    const cid = clientId || message.client_id;
    const entry = cid ? state.pending.get(cid) : null;
    if (entry) {
      clearTimeout(entry.timer);
      state.pending.delete(cid);
      removeFromOutbox(cid);
    }
    if (state.rows.has(message.id)) {
      if (entry) entry.row.remove();
      return;
    }
    const nearBottom = isNearBottom();
    let row;
    if (entry) {
      row = entry.row;
      row.classList.remove("sending", "failed");
      const stateLabel = row.querySelector(".state");
      stateLabel.textContent = "Sent";
      stateLabel.removeAttribute("title");
      const retryButton = row.querySelector(".retry");
      if (retryButton) retryButton.remove();
      const time = row.querySelector("time");
      time.textContent = formatTime(message.created_at);
      time.setAttribute("datetime", message.created_at || "");
    } else {
      row = messageRow(message);
    }
    row.sbOrder = message.seq;
    state.rows.set(message.id, row);
    state.seqs.add(message.seq);
    state.maxSeq = Math.max(state.maxSeq, message.seq);
    while (state.seqs.has(state.contiguousSeq + 1)) state.contiguousSeq += 1;
    insertRow(row, nearBottom || message.sender_type === "customer");
    if (live && message.sender_type !== "customer") {
      stopTyper(message.sender_type, message.sender_name);
      if (!state.open) {
        state.unread += 1;
        renderBadge();
      }
    }
    if (live && message.seq > state.contiguousSeq + 1) catchUp(); // a gap: fetch what we missed
    if (message.sender_type !== "customer") scheduleReadCheck();
    else if (message.seq <= state.agentReadSeq) renderSeen();
  }

  // -- read receipts -------------------------------------------------------------------------

  /** Take the read marks the server told us about; they only move forward. */
  function noteReadMarks(customerSeq, agentSeq) {
    if (Number.isSafeInteger(customerSeq) && customerSeq > state.customerReadSeq) {
      state.customerReadSeq = customerSeq;
      state.readSent = Math.max(state.readSent, customerSeq);
    }
    if (Number.isSafeInteger(agentSeq) && agentSeq > state.agentReadSeq) {
      state.agentReadSeq = agentSeq;
      renderSeen();
    }
  }

  /** "Seen" replaces "Sent" under our latest message an agent has read, and only there. */
  function renderSeen() {
    let target = null;
    for (const row of state.rows.values()) {
      const ours = row.classList.contains("mine");
      if (ours && row.sbOrder <= state.agentReadSeq && (!target || row.sbOrder > target.sbOrder)) {
        target = row;
      }
    }
    if (target === state.seenRow) return;
    const before = state.seenRow;
    if (before && !before.classList.contains("sending") && !before.classList.contains("failed")) {
      before.classList.remove("seen");
      before.querySelector(".state").textContent = "Sent";
    }
    state.seenRow = target;
    if (target) {
      target.classList.add("seen");
      target.querySelector(".state").textContent = "Seen";
    }
  }

  function scheduleReadCheck() {
    if (state.readCheck || !ui) return;
    state.readCheck = true;
    requestAnimationFrame(() => {
      state.readCheck = false;
      markRead();
    });
  }

  /** Tell the agents we have read their newest message, once it is really in front of us:
   * the panel is open, the page is visible and that message is scrolled into view. */
  function markRead() {
    if (!state.open || document.visibilityState !== "visible" || !socketUsable()) return;
    let newest = null;
    for (const row of state.rows.values()) {
      if (!row.classList.contains("mine") && (!newest || row.sbOrder > newest.sbOrder)) newest = row;
    }
    if (!newest || newest.sbOrder <= state.readSent || !onScreen(newest)) return;
    if (sendFrame("chat.read", { seq: newest.sbOrder })) state.readSent = newest.sbOrder;
  }

  function onScreen(row) {
    const box = row.getBoundingClientRect();
    const view = ui.log.getBoundingClientRect();
    return box.height > 0 && box.bottom > view.top && box.top < view.bottom;
  }

  function recountSeqs() {
    state.seqs = new Set([...state.rows.values()].map((row) => row.sbOrder));
    state.maxSeq = Math.max(0, ...state.seqs);
    state.contiguousSeq = 0;
    while (state.seqs.has(state.contiguousSeq + 1)) state.contiguousSeq += 1;
  }

  /** A line of our own (not a stored message), such as "Alice Agent joined the conversation". */
  function addNote(text) {
    const row = el("div", { class: "row system note" });
    row.append(el("div", { class: "bubble", text }));
    row.sbOrder = state.maxSeq + 0.5;
    row.sbWho = null;
    insertRow(row, isNearBottom());
  }

  function insertRow(row, scroll) {
    let ref = ui.log.lastElementChild;
    while (ref && ref.sbOrder > row.sbOrder) ref = ref.previousElementSibling;
    if (ref) ref.after(row);
    else ui.log.prepend(row);
    regroup(row);
    if (row.nextElementSibling) regroup(row.nextElementSibling);
    if (scroll) scrollToBottom();
  }

  /** Consecutive messages from one sender form a group: only the first shows who it is. */
  function regroup(row) {
    const rows = row ? [row] : [...ui.log.children];
    for (const r of rows) {
      const prev = r.previousElementSibling;
      r.classList.toggle("cont", Boolean(prev && r.sbWho && prev.sbWho === r.sbWho));
    }
  }

  function isNearBottom() {
    const log = ui.log;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToBottom() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  // -- header, badge, panel ------------------------------------------------------------------

  function setSession(session) {
    if (!session || typeof session !== "object" || !session.status) return;
    state.session = session;
    noteReadMarks(session.customer_read_seq, session.agent_read_seq);
    updateHeader();
  }

  function statusText() {
    if (state.key && !conn.ready) {
      return conn.everReady || conn.attempt > 0 ? "Reconnecting…" : "Connecting…";
    }
    const session = state.session;
    if (!session) return state.agentsAvailable === false ? "Our team is away" : "We typically reply in a few minutes";
    switch (session.status) {
      case "bot":
        return "AI assistant";
      case "queued":
        return "Waiting for an agent…";
      case "active": {
        const agent = session.assigned_agent;
        return agent && agent.name ? `Connected to ${agent.name}` : "Connected to an agent";
      }
      case "closed":
        return "Conversation closed";
      default:
        return "";
    }
  }

  function updateHeader() {
    if (!ui) return;
    const session = state.session;
    const down = Boolean(state.key && !conn.ready);
    const status = down ? "down" : session ? session.status : "new";
    ui.subtitle.textContent = statusText();
    const availability = availabilityText();
    ui.availability.textContent = availability;
    ui.availability.classList.toggle("away", availability === AWAY_TEXT);
    ui.download.hidden = !state.key;
    ui.panel.dataset.status = status;
    // A grey dot while nobody is there to take the conversation (an agent already in it is).
    ui.panel.toggleAttribute("data-away", state.agentsAvailable === false && status !== "active");
    const agent = session && session.status === "active" ? session.assigned_agent : null;
    ui.avatar.textContent = initials(agent && agent.name ? agent.name : config.title);
    const person = !session || session.status === "bot";
    ui.handoff.hidden = !person || Boolean(ui.details && !state.key);
    ui.actions.hidden = ui.handoff.hidden;
  }

  /** While the conversation waits for a person (or could ask for one), say honestly whether
   * anyone is there: no promise of a person when nobody is Available. */
  function availabilityText() {
    if (state.agentsAvailable == null || (state.key && !conn.ready)) return "";
    const status = state.session ? state.session.status : "new";
    if (status === "queued") {
      return state.agentsAvailable ? "An agent will be with you shortly." : AWAY_TEXT;
    }
    if ((status === "bot" || status === "new") && !state.agentsAvailable) return AWAY_TEXT;
    return "";
  }

  /** Before there is a socket, ask over REST whether anyone is there (at most twice a minute). */
  async function askAvailability() {
    if (state.key || Date.now() - state.availabilityAsked < 30000) return;
    state.availabilityAsked = Date.now();
    try {
      const answer = await api("GET", "/api/v1/chat/public/availability");
      if (typeof answer.agents_available === "boolean" && !conn.ready) {
        state.agentsAvailable = answer.agents_available;
        updateHeader();
      }
    } catch (_) {
      /* unknown: say nothing rather than guess */
    }
  }

  /** Save the conversation as a text file. Fetched, then saved from a Blob: the link that is
   * clicked holds no session key, so the key never lands in the browser's download list. */
  async function downloadTranscript() {
    const key = state.key;
    if (!key || ui.download.disabled) return;
    ui.download.disabled = true;
    try {
      const path = `/api/v1/chat/public/session/${encodeURIComponent(key)}/transcript?format=txt`;
      let response;
      try {
        response = await fetch(config.base + path, { credentials: "omit", cache: "no-store" });
      } catch (_) {
        throw new Error("We could not reach the chat server.");
      }
      if (!response.ok) throw new Error("The transcript could not be downloaded.");
      const blob = await response.blob();
      const id = state.session && Number.isSafeInteger(state.session.id) ? state.session.id : "";
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: `conversation${id ? `-${id}` : ""}.txt` });
      link.hidden = true;
      ui.root.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      showNotice(`${error.message} Please try again.`);
    } finally {
      ui.download.disabled = false;
    }
  }

  function initials(name) {
    const firsts = name.split(/\s+/).map((word) => (word.match(/[\p{L}\p{N}]/u) || [""])[0]);
    const letters = firsts.filter(Boolean);
    if (!letters.length) return "?";
    return (letters.length > 1 ? letters[0] + letters[letters.length - 1] : letters[0]).toUpperCase();
  }

  function renderBadge() {
    const count = state.open ? 0 : state.unread;
    ui.badge.textContent = count > 9 ? "9+" : String(count);
    ui.badge.hidden = count === 0;
    ui.unreadText.textContent = count ? `${count} unread ${count === 1 ? "message" : "messages"}` : "";
  }

  function setOpen(open, { focus = true } = {}) {
    state.open = open;
    store.set("open", open ? "1" : "0");
    ui.root.classList.toggle("open", open);
    ui.panel.setAttribute("aria-hidden", String(!open));
    ui.panel.inert = !open;
    ui.launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    ui.launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      askAvailability();
      state.unread = 0;
      scrollToBottom();
      scheduleReadCheck();
      if (focus) {
        const target = ui.details && !ui.details.hidden ? ui.detailsName : ui.input;
        setTimeout(() => target.focus({ preventScroll: true }), 60);
      }
    } else if (focus) {
      ui.launcher.focus({ preventScroll: true });
    }
    renderBadge();
  }

  let noticeTimer = null;

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      ui.notice.hidden = true;
      ui.notice.textContent = "";
    }, 7000);
  }

  function autosize() {
    const input = ui.input;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 140)}px`;
  }

  function showDetailsForm(show) {
    ui.details.hidden = !show;
    ui.composer.hidden = show;
    updateHeader();
  }

  async function submitDetails(event) {
    event.preventDefault();
    const name = ui.detailsName.value.trim();
    const email = ui.detailsEmail.value.trim();
    ui.detailsButton.disabled = true;
    try {
      await ensureSession({ name: name || undefined, email: email || undefined });
      showDetailsForm(false);
      ui.input.focus({ preventScroll: true });
    } catch (error) {
      showNotice(error.message);
    } finally {
      ui.detailsButton.disabled = false;
    }
  }

  // -- DOM ---------------------------------------------------------------------------------

  function el(tag, props) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    return node;
  }

  const ICONS = {
    chat: { fill: true, d: ["M20 2H4a2 2 0 0 0-2 2v18l4-4h14a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2zM7 9h10M7 13h6"] },
    close: { d: ["M6 6l12 12", "M18 6L6 18"] },
    down: { d: ["M6 9l6 6 6-6"] },
    clip: { d: ["M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"] },
    download: { d: ["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"] },
    send: { fill: true, d: ["M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z"] },
  };

  function icon(name) {
    const spec = ICONS[name];
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", `icon icon-${name}`);
    for (const d of spec.d) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  function contrastText(colour, probe) {
    probe.style.color = colour;
    const match = getComputedStyle(probe).color.match(/[\d.]+/g);
    probe.style.color = "";
    if (!match || match.length < 3) return "#ffffff";
    const [r, g, b] = match.slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return luminance > 0.45 ? "#111827" : "#ffffff";
  }

  let ui = null;

  /** Mount the widget: a custom element whose open shadow root holds everything. */
  function build() {
    const host = document.createElement("switchboard-chat");
    host.setAttribute("data-switchboard", "");
    const shadow = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS_TEXT);
    shadow.adoptedStyleSheets = [sheet];

    const root = el("div", { class: `sb ${config.position}` });
    const panel = el("section", { class: "panel", role: "dialog", "aria-label": config.title });
    panel.setAttribute("aria-hidden", "true");
    panel.inert = true;
    ui = { host, root, panel, details: null };
    const notice = el("p", { class: "notice", role: "alert" });
    notice.hidden = true;
    ui.notice = notice;
    // A polite live region that stays in the tree (empty, not hidden), so changes are read out.
    const availability = el("p", { class: "availability", role: "status", "aria-live": "polite" });
    ui.availability = availability;
    panel.append(buildHeader(), buildLog(), buildTyping(), availability, notice, buildActions());
    if (config.askDetails) panel.append(buildDetailsForm());
    panel.append(buildComposer(), el("p", { class: "foot", text: "Powered by Switchboard" }));
    root.append(panel, buildLauncher());
    shadow.append(root);
    listen();
    // On <html>, after <body>: a transform, filter or contain on the host's body would make the
    // body the box that position: fixed is relative to, and pull the widget into the page.
    document.documentElement.append(host);
    applyAccent();
  }

  function buildLauncher() {
    const launcher = el("button", {
      type: "button",
      class: "launcher",
      "aria-label": "Open chat",
      "aria-expanded": "false",
      "aria-describedby": "sb-unread",
    });
    const badge = el("span", { class: "badge", "aria-hidden": "true" });
    badge.hidden = true;
    const unreadText = el("span", { id: "sb-unread", class: "visually-hidden" });
    launcher.append(icon("chat"), icon("down"), badge, unreadText);
    launcher.addEventListener("click", () => setOpen(!state.open));
    Object.assign(ui, { launcher, badge, unreadText });
    return launcher;
  }

  function buildHeader() {
    const head = el("header", { class: "head" });
    const avatar = el("div", { class: "avatar", "aria-hidden": "true" });
    const titles = el("div", { class: "titles" });
    const subtitleLine = el("p", { class: "subtitle" });
    const subtitle = el("span", { class: "status", role: "status" });
    subtitleLine.append(el("span", { class: "dot", "aria-hidden": "true" }), subtitle);
    titles.append(el("h2", { class: "title", text: config.title }), subtitleLine);
    const download = el("button", {
      type: "button",
      class: "download",
      "aria-label": "Download transcript",
      title: "Download transcript",
    });
    download.append(icon("download"));
    download.hidden = !state.key;
    download.addEventListener("click", downloadTranscript);
    const close = el("button", { type: "button", class: "close", "aria-label": "Close chat" });
    close.append(icon("close"));
    close.addEventListener("click", () => setOpen(false));
    head.append(avatar, titles, download, close);
    Object.assign(ui, { avatar, subtitle, download });
    return head;
  }

  function buildLog() {
    const log = el("div", { class: "log", role: "log", "aria-label": "Conversation", tabindex: "0" });
    if (config.greeting) {
      // The site's own greeting: shown to everyone, stored nowhere.
      const greet = el("div", { class: "row theirs greeting" });
      greet.append(
        el("div", { class: "who", text: config.title }),
        el("div", { class: "bubble", text: config.greeting })
      );
      greet.sbOrder = -1;
      greet.sbWho = "greeting";
      log.append(greet);
    }
    ui.log = log;
    return log;
  }

  function buildTyping() {
    const typing = el("div", { class: "typing" });
    typing.hidden = true;
    const dots = el("span", { class: "dots", "aria-hidden": "true" });
    dots.append(el("i"), el("i"), el("i"));
    const typingText = el("span", { class: "typing-text", role: "status" });
    typing.append(dots, typingText);
    Object.assign(ui, { typing, typingText });
    return typing;
  }

  function buildActions() {
    const actions = el("div", { class: "actions" });
    const handoff = el("button", { type: "button", class: "handoff", text: "Talk to a person" });
    handoff.addEventListener("click", handOff);
    actions.append(handoff);
    Object.assign(ui, { actions, handoff });
    return actions;
  }

  function buildComposer() {
    const composer = el("form", { class: "composer" });
    const input = el("textarea", {
      class: "input",
      rows: "1",
      "aria-label": "Message",
      placeholder: "Write a message…",
      maxlength: String(CONTENT_MAX),
      enterkeyhint: "send",
    });
    const send = el("button", { type: "submit", class: "send", "aria-label": "Send", title: "Send" });
    send.append(icon("send"));
    const fileInput = el("input", { type: "file", accept: FILE_TYPES, tabindex: "-1" });
    fileInput.hidden = true;
    const attach = el("button", {
      type: "button",
      class: "attach",
      "aria-label": "Attach a file",
      title: "Attach a file",
    });
    attach.append(icon("clip"));
    attach.addEventListener("click", () => fileInput.click());
    fileInput.addEventListener("change", () => {
      const [file] = fileInput.files;
      fileInput.value = "";
      if (file) sendFile(file);
    });
    composer.append(attach, fileInput, input, send);
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      submit();
      input.focus({ preventScroll: true });
    });
    input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter is a newline; never while an IME is composing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submit();
      }
    });
    input.addEventListener("input", () => {
      autosize();
      onInputTyping();
    });
    Object.assign(ui, { composer, input });
    return composer;
  }

  function listen() {
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setOpen(false);
    });
    window.addEventListener("online", () => {
      if (state.key && !conn.ws) {
        conn.attempt = 0;
        connect();
      }
    });
    window.addEventListener("storage", adoptSessionFromOtherTab);
    document.addEventListener("visibilitychange", scheduleReadCheck);
    ui.log.addEventListener("scroll", scheduleReadCheck, { passive: true });
    // An image preview that loads late grows the log: if the reader was at the newest message
    // before it grew, keep them there (load does not bubble, so listen while it descends).
    ui.log.addEventListener("load", (event) => {
      const grown = event.target instanceof HTMLImageElement ? event.target.offsetHeight : 0;
      const log = ui.log;
      if (log.scrollHeight - grown - log.scrollTop - log.clientHeight < 80) scrollToBottom();
      scheduleReadCheck();
    }, true);
    if (window.visualViewport) {
      // On phones the on-screen keyboard shrinks the visual viewport: keep the panel inside it.
      const fit = () => {
        ui.host.style.setProperty("--sb-vv-height", `${visualViewport.height}px`);
        ui.host.style.setProperty("--sb-vv-top", `${visualViewport.offsetTop}px`);
      };
      visualViewport.addEventListener("resize", fit);
      visualViewport.addEventListener("scroll", fit);
      fit();
    }
  }

  /** Colours go in as custom properties (CSSOM), which a strict CSP allows. */
  function applyAccent() {
    // Computed colours exist only once the element is in the document.
    const probe = el("span");
    ui.root.append(probe);
    ui.host.style.setProperty("--sb-accent", config.accent);
    ui.host.style.setProperty("--sb-accent-text", contrastText(config.accent, probe));
    probe.remove();
  }

  /** Another tab of this site started a conversation: join it instead of starting a second. */
  function adoptSessionFromOtherTab(event) {
    if (event.key !== store.prefix + "session_key" || !event.newValue || state.key) return;
    if (state.starting) return;
    state.key = event.newValue;
    state.lastEventId = toInt(store.get("last_event_id"));
    if (ui.details) showDetailsForm(false);
    restore();
  }

  function buildDetailsForm() {
    const form = el("form", { class: "details" });
    form.append(
      el("p", { class: "details-intro", text: "Before we start, how can we reach you?" })
    );
    const nameId = "sb-name";
    const emailId = "sb-email";
    const nameInput = el("input", {
      id: nameId,
      type: "text",
      name: "name",
      autocomplete: "name",
      required: true,
      maxlength: "100",
    });
    const emailInput = el("input", {
      id: emailId,
      type: "email",
      name: "email",
      autocomplete: "email",
      required: true,
      maxlength: "254",
    });
    const button = el("button", { type: "submit", class: "primary", text: "Start chat" });
    form.append(
      el("label", { for: nameId, text: "Name" }),
      nameInput,
      el("label", { for: emailId, text: "Email" }),
      emailInput,
      button
    );
    form.addEventListener("submit", submitDetails);
    Object.assign(ui, {
      details: form,
      detailsName: nameInput,
      detailsEmail: emailInput,
      detailsButton: button,
    });
    return form;
  }

  const CSS_TEXT = `
:host { all: initial !important; }
[hidden] { display: none !important; }
.sb {
  --sb-text: #1f2937; --sb-muted: #6b7280; --sb-line: #e5e7eb; --sb-bg: #ffffff;
  --sb-soft: #f3f4f6; --sb-danger: #dc2626;
  --sb-mine: var(--sb-accent, #2563eb); --sb-mine-text: var(--sb-accent-text, #ffffff);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--sb-text);
  -webkit-font-smoothing: antialiased;
  text-align: left;
}
.sb *, .sb *::before, .sb *::after { box-sizing: border-box; }
.visually-hidden {
  position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
button { font: inherit; color: inherit; cursor: pointer; }
button:focus-visible, textarea:focus-visible, input:focus-visible, .log:focus-visible {
  outline: 2px solid var(--sb-accent, #2563eb); outline-offset: 2px;
}

.launcher {
  position: fixed; bottom: 20px; right: 20px; z-index: 2147483000;
  width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
  box-shadow: 0 6px 20px rgb(0 0 0 / 22%), 0 2px 6px rgb(0 0 0 / 12%);
  transition: box-shadow .18s ease;
}
.left .launcher { right: auto; left: 20px; }
.launcher:hover { box-shadow: 0 8px 26px rgb(0 0 0 / 30%), 0 2px 6px rgb(0 0 0 / 14%); }
.launcher .icon { grid-area: 1 / 1; width: 28px; height: 28px; transition: transform .2s ease, opacity .2s ease; }
.launcher .icon-down { opacity: 0; transform: rotate(-90deg); }
.open .launcher .icon-chat { opacity: 0; transform: rotate(90deg) scale(.6); }
.open .launcher .icon-down { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -3px; right: -3px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: var(--sb-danger); color: #fff; border: 2px solid #fff;
  font-size: 11px; font-weight: 700; line-height: 18px; text-align: center;
}

.icon { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; stroke-linejoin: round; }
.icon-chat { fill: currentColor; stroke: none; }
.icon-chat path { stroke: var(--sb-accent, #2563eb); stroke-width: 1.8; fill: currentColor; }
.icon-send { fill: currentColor; stroke: none; }

.panel {
  position: fixed; z-index: 2147483000; bottom: 96px; right: 20px;
  width: 370px; height: min(560px, calc(100vh - 120px)); max-height: calc(100dvh - 120px);
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--sb-bg); border-radius: 16px;
  box-shadow: 0 12px 48px rgb(15 23 42 / 22%), 0 2px 8px rgb(15 23 42 / 10%);
  opacity: 0; visibility: hidden; transform: translateY(16px) scale(.98);
  transform-origin: bottom right;
  transition: opacity .2s ease, transform .2s ease, visibility 0s linear .2s;
}
.left .panel { right: auto; left: 20px; transform-origin: bottom left; }
.open .panel { opacity: 1; visibility: visible; transform: none; transition-delay: 0s; }

.head {
  display: flex; align-items: center; gap: 12px; padding: 16px 16px 16px 18px;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
  background-image: linear-gradient(135deg, rgb(255 255 255 / 14%), rgb(0 0 0 / 6%));
}
.avatar {
  flex: none; width: 40px; height: 40px; border-radius: 50%;
  display: grid; place-items: center; font-weight: 700; font-size: 15px; letter-spacing: .02em;
  background: rgb(255 255 255 / 22%); color: inherit; border: 2px solid rgb(255 255 255 / 35%);
}
.titles { flex: 1; min-width: 0; }
.title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.subtitle { margin: 2px 0 0; font-size: 12.5px; opacity: .92; display: flex; align-items: center; gap: 6px;
  white-space: nowrap; overflow: hidden; }
.status { overflow: hidden; text-overflow: ellipsis; }
.dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: #34d399;
  margin-left: 2px; /* room for the ring: .subtitle clips what overflows */
  box-shadow: 0 0 0 2px rgb(255 255 255 / 35%); }
[data-status="queued"] .dot { background: #fbbf24; }
[data-status="closed"] .dot { background: #9ca3af; }
[data-away] .dot { background: #9ca3af; }
[data-status="down"] .dot { background: #fbbf24; animation: sb-pulse 1.2s ease-in-out infinite; }
.close {
  display: none; flex: none; width: 36px; height: 36px; border-radius: 50%; border: 0; padding: 0;
  place-items: center; background: rgb(255 255 255 / 16%); color: inherit;
}
.close:hover { background: rgb(255 255 255 / 28%); }
.download {
  display: grid; flex: none; width: 36px; height: 36px; border-radius: 50%; border: 0; padding: 0;
  place-items: center; background: transparent; color: inherit;
}
.download:hover { background: rgb(255 255 255 / 22%); }
.download:disabled { opacity: .6; cursor: progress; }

.log {
  flex: 1; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px 8px;
  display: flex; flex-direction: column; gap: 2px; background: #fafafa;
  scrollbar-width: thin;
}
.row { display: flex; flex-direction: column; max-width: 82%; margin-top: 10px; }
.row.cont { margin-top: 2px; }
.row.cont .who { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
.theirs { align-self: flex-start; align-items: flex-start; }
.mine { align-self: flex-end; align-items: flex-end; }
.system { align-self: center; align-items: center; max-width: 90%; margin: 12px 0 4px; }
.who { font-size: 11.5px; font-weight: 600; color: var(--sb-muted); margin: 0 4px 3px; }
.bubble {
  padding: 9px 13px; border-radius: 16px; white-space: pre-wrap; overflow-wrap: anywhere;
  word-break: break-word;
}
.theirs .bubble { background: #fff; color: var(--sb-text); border: 1px solid var(--sb-line);
  border-bottom-left-radius: 5px; box-shadow: 0 1px 2px rgb(0 0 0 / 4%); }
.mine .bubble { background: var(--sb-mine); color: var(--sb-mine-text); border-bottom-right-radius: 5px; }
.system .bubble { background: transparent; color: var(--sb-muted); font-size: 12.5px;
  text-align: center; padding: 2px 8px; }
.mine.sending .bubble { opacity: .7; }
.mine.failed .bubble { background: #fee2e2; color: #7f1d1d; }
.meta { display: flex; align-items: center; gap: 6px; font-size: 11px; color: var(--sb-muted);
  margin: 3px 4px 0; min-height: 15px; }
.theirs .meta, .system .meta { display: none; }
.row:hover .meta, .row:last-child .meta, .mine .meta { display: flex; }
.system .meta { display: none !important; }
.failed .state { color: var(--sb-danger); font-weight: 600; }
.seen .state { color: var(--sb-text); font-weight: 600; }
.retry { border: 0; background: none; padding: 0; color: var(--sb-accent, #2563eb);
  font-weight: 600; font-size: 11.5px; text-decoration: underline; }

.typing { display: flex; align-items: center; gap: 8px; padding: 4px 18px 6px;
  font-size: 12px; color: var(--sb-muted); background: #fafafa; }
.dots { display: inline-flex; gap: 3px; }
.dots i { width: 5px; height: 5px; border-radius: 50%; background: currentColor;
  animation: sb-bounce 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; }
.dots i:nth-child(3) { animation-delay: .3s; }

.availability { margin: 0; padding: 8px 16px; font-size: 12.5px; line-height: 1.4; color: #374151;
  background: #f3f4f6; border-top: 1px solid #e5e7eb; }
.availability.away { color: #92400e; background: #fffbeb; border-top-color: #fde68a; }
.availability:empty { padding: 0; border: 0; }
.notice { margin: 0; padding: 8px 16px; font-size: 12.5px; background: #fef2f2; color: #991b1b;
  border-top: 1px solid #fecaca; }

.actions { display: flex; justify-content: center; padding: 8px 12px 0; background: #fafafa; }
.handoff {
  border: 1px solid var(--sb-line); background: #fff; color: var(--sb-text); border-radius: 999px;
  padding: 6px 14px; font-size: 12.5px; font-weight: 550; box-shadow: 0 1px 2px rgb(0 0 0 / 5%);
}
.handoff:hover { border-color: var(--sb-accent, #2563eb); color: var(--sb-accent, #2563eb); }
.handoff:disabled { opacity: .6; cursor: progress; }

.composer {
  display: flex; align-items: flex-end; gap: 8px; margin: 0; padding: 10px 12px;
  background: #fafafa;
}
.input {
  flex: 1; min-height: 42px; max-height: 140px; resize: none; margin: 0;
  padding: 10px 14px; border: 1px solid var(--sb-line); border-radius: 21px; background: #fff;
  font: inherit; color: var(--sb-text); line-height: 1.4; overflow-y: auto;
}
.input::placeholder { color: #9ca3af; }
.input:focus { border-color: var(--sb-accent, #2563eb); outline: none;
  box-shadow: 0 0 0 3px color-mix(in srgb, var(--sb-accent, #2563eb) 18%, transparent); }
.send {
  flex: none; width: 42px; height: 42px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff);
}
.send:hover { filter: brightness(1.08); }
.attach {
  flex: none; width: 42px; height: 42px; border-radius: 50%; border: 1px solid var(--sb-line);
  padding: 0; display: grid; place-items: center; background: #fff; color: var(--sb-muted);
}
.attach:hover { color: var(--sb-accent, #2563eb); border-color: var(--sb-accent, #2563eb); }
.bubble.has-file { display: flex; flex-direction: column; gap: 6px; }
.bubble .image img { display: block; max-width: 100%; max-height: 220px; border-radius: 10px;
  background: var(--sb-soft); }
.bubble .file { display: flex; flex-direction: column; color: inherit; text-decoration: none;
  padding: 6px 10px; border-radius: 10px; background: rgb(255 255 255 / 22%);
  border: 1px solid rgb(0 0 0 / 10%); }
.bubble .file:hover .file-name { text-decoration: underline; }
.file-name { font-weight: 600; }
.file-size { font-size: 11.5px; opacity: .85; }
.send .icon { width: 19px; height: 19px; margin-left: 2px; }

.details { display: flex; flex-direction: column; gap: 4px; margin: 0; padding: 12px 16px 14px;
  background: #fafafa; border-top: 1px solid var(--sb-line); }
.details-intro { margin: 0 0 6px; font-weight: 600; }
.details label { font-size: 12px; font-weight: 600; color: var(--sb-muted); margin-top: 4px; }
.details input { font: inherit; color: var(--sb-text); padding: 9px 12px; border-radius: 10px;
  border: 1px solid var(--sb-line); background: #fff; }
.details input:focus { border-color: var(--sb-accent, #2563eb); outline: none; }
.primary { margin-top: 10px; border: 0; border-radius: 10px; padding: 10px 14px; font-weight: 600;
  background: var(--sb-accent, #2563eb); color: var(--sb-accent-text, #fff); }
.primary:disabled { opacity: .6; cursor: progress; }

.foot { margin: 0; padding: 0 0 8px; text-align: center; font-size: 10.5px; color: #9ca3af;
  background: #fafafa; letter-spacing: .02em; }

@keyframes sb-bounce { 0%, 80%, 100% { transform: translateY(0); opacity: .5; }
  40% { transform: translateY(-3px); opacity: 1; } }
@keyframes sb-pulse { 50% { opacity: .35; } }

@media (max-width: 480px) {
  .panel, .left .panel {
    inset: auto 0 auto 0; top: var(--sb-vv-top, 0); width: 100%; height: var(--sb-vv-height, 100%);
    max-height: none; border-radius: 0;
    transform: translateY(24px);
  }
  .open .panel { transform: none; }
  .close { display: grid; }
  .open .launcher { display: none; }
  .launcher { bottom: 16px; right: 16px; }
  .left .launcher { left: 16px; }
  .input { font-size: 16px; } /* keeps iOS from zooming in on focus */
}
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .launcher .icon { transition: none; }
  .dots i, .dot { animation: none !important; }
}
`;

  // -- start -------------------------------------------------------------------------------

  function boot() {
    build();
    updateHeader();
    renderBadge();
    for (const item of state.outbox) renderPending(item);
    if (ui.details && !state.key) showDetailsForm(true);
    if (state.key) {
      restore();
      for (const item of state.outbox.slice()) deliver(item);
      if (store.get("open") === "1") setOpen(true, { focus: false });
    } else {
      for (const item of state.outbox.slice()) deliver(item);
    }
  }

  window.SwitchboardWidget = Object.freeze({
    version: "1",
    open: () => ui && setOpen(true),
    close: () => ui && setOpen(false),
    toggle: () => ui && setOpen(!state.open),
  });

  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot, { once: true });
})();
