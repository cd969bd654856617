// A straightforward Node.js reference server for issue #24: `ws` + better-sqlite3, one
// transaction per message. It speaks only the part of Switchboard's protocol that bench's
// design load uses (sign in, start a conversation, the agent and customer sockets, send, ack
// after the commit, fan-out to every agent), and stores what bench checks afterwards (the
// messages table: session_id, seq, client_id). What it leaves out, honestly: password hashing,
// the event log and resume, full-text indexing, routing, rate limits, presence.
//
// node server.js --port N --database FILE [--synchronous FULL|NORMAL]
'use strict';

const crypto = require('node:crypto');
const http = require('node:http');
const Database = require('better-sqlite3');
const { WebSocketServer } = require('ws');

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const port = Number(flag('port', '8000'));
const db = new Database(flag('database', 'node.db'));
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${flag('synchronous', 'FULL') === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
db.pragma('busy_timeout = 5000');
db.exec(`
  CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, session_key TEXT NOT NULL UNIQUE, name TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL, sender_type TEXT NOT NULL, content TEXT NOT NULL,
    client_id TEXT, created_at TEXT NOT NULL,
    UNIQUE (session_id, seq), UNIQUE (session_id, client_id));
`);

const insertSession = db.prepare(
  'INSERT INTO sessions (session_key, name, created_at) VALUES (?, ?, ?) RETURNING id');
const sessionByKey = db.prepare('SELECT id, name FROM sessions WHERE session_key = ?');
const nextSeq = db.prepare(
  'UPDATE sessions SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq');
const insertMessage = db.prepare(
  `INSERT INTO messages (session_id, seq, sender_type, content, client_id, created_at)
   VALUES (?, ?, 'customer', ?, ?, ?) RETURNING id`);
const byClientId = db.prepare(
  'SELECT id, seq, content, created_at FROM messages WHERE session_id = ? AND client_id = ?');

// One transaction per message; a retried client_id gets the stored message back.
const storeMessage = db.transaction((sessionId, content, clientId) => {
  const found = byClientId.get(sessionId, clientId);
  if (found) return { ...found, fresh: false };
  const now = new Date().toISOString();
  const { last_seq: seq } = nextSeq.get(sessionId);
  const { id } = insertMessage.get(sessionId, seq, content, clientId, now);
  return { id, seq, content, created_at: now, fresh: true };
});

const tokens = new Set();
const agents = new Set();
const AGENT = { id: 1, name: 'Alice Agent', email: 'agent1@callcenter.com' };
const PASSWORD = 'Password123!';

function frame(type, data, eventId = null) {
  return JSON.stringify({ type, data, event_id: eventId, ts: new Date().toISOString() });
}

function readJson(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try { resolve(JSON.parse(body || '{}')); } catch { resolve(null); }
    });
  });
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, { status: 'ok' });
  if (req.method !== 'POST') return answer(res, 404, { error: 'not_found' });
  const body = await readJson(req);
  if (body === null) return answer(res, 422, { error: 'invalid_json' });
  if (req.url === '/api/v1/auth/login') {
    if (body.email !== AGENT.email || body.password !== PASSWORD) {
      return answer(res, 401, { error: 'unauthorized' });
    }
    const token = crypto.randomBytes(24).toString('base64url');
    tokens.add(token);
    return answer(res, 200, { token, agent: AGENT });
  }
  if (req.url === '/api/v1/chat/public/start') {
    const key = crypto.randomBytes(32).toString('base64url');
    const name = typeof body.name === 'string' ? body.name.slice(0, 100) : null;
    const { id } = insertSession.get(key, name, new Date().toISOString());
    return answer(res, 201, { session_key: key, session: { id, name }, messages: [] });
  }
  return answer(res, 404, { error: 'not_found' });
});

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16384 });

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://localhost');
  let role = null;
  if (url.pathname === '/ws') {
    const auth = req.headers.authorization || '';
    if (auth.startsWith('Bearer ') && tokens.has(auth.slice(7))) role = { agent: AGENT };
  } else if (url.pathname.startsWith('/ws/public/')) {
    const session = sessionByKey.get(decodeURIComponent(url.pathname.slice(11)));
    if (session) role = { session };
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (role === null) return ws.close(4401);
    ws.send(frame('connection.ready', {}));
    if (role.agent) serveAgent(ws); else serveCustomer(ws, role.session);
  });
});

function serveAgent(ws) {
  agents.add(ws);
  ws.on('close', () => agents.delete(ws));
}

function serveCustomer(ws, session) {
  const customers = new Set([ws]);
  ws.on('message', (raw, isBinary) => {
    let sent;
    try { sent = isBinary ? null : JSON.parse(raw); } catch { sent = null; }
    const data = sent && sent.type === 'chat.message.send' ? sent.data : null;
    if (!data || typeof data.content !== 'string' || !data.content.trim()
        || data.content.length > 4000 || typeof data.client_id !== 'string') {
      ws.send(frame('error', { code: 'invalid', message: 'A chat.message.send frame with content and client_id is expected.' }));
      return;
    }
    const stored = storeMessage(session.id, data.content, data.client_id);
    const message = {
      id: stored.id, session_id: session.id, seq: stored.seq, sender_type: 'customer',
      sender_name: session.name, agent_id: null, content: stored.content,
      client_id: data.client_id, created_at: stored.created_at,
    };
    if (stored.fresh) {
      const news = frame('chat.message.new', { message, session: { id: session.id } }, stored.id);
      for (const agent of agents) agent.send(news); // encoded once for everyone
      for (const customer of customers) customer.send(news);
    }
    ws.send(frame('chat.message.ack', { client_id: data.client_id, message }));
  });
}

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => { server.close(); db.close(); process.exit(0); });
