// Integration-test harness: starts the real build/parley (or $PARLEY_BIN) on a free
// port with a fresh database, and talks to it as the widget and dashboard do.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import WebSocket from 'ws';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = resolve(ROOT, process.env.PARLEY_BIN || 'build/parley');
export const ADMIN = { email: 'admin@example.test', password: 'integration secret 1' };
export const delay = ms => new Promise(r => setTimeout(r, ms));
// Waits scale by PARLEY_TIME_FACTOR (make valgrind-full sets it: the server runs
// many times slower there). Only how long we wait changes, never what is asserted.
export const TIME_FACTOR = Number(process.env.PARLEY_TIME_FACTOR || 1);
export const T = ms => ms * TIME_FACTOR;

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

// PARLEY_TEST_PG (a postgresql:// URL; make integration-pg sets it) runs each
// server on a fresh database of that PostgreSQL server instead of SQLite,
// unless the test names its own store. A server started again on the same dir
// (a restart) gets the same database back.
const pgDatabases = new Map();
function pgStore(args, dir) {
  const url = process.env.PARLEY_TEST_PG;
  if (!url || args.includes('--store')) return [];
  let name = pgDatabases.get(dir);
  if (!name) {
    name = `t${process.pid}_${pgDatabases.size + 1}`;
    const r = spawnSync('psql', [url, '-qXc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`CREATE DATABASE ${name}: ${r.stderr}`);
    pgDatabases.set(dir, name);
  }
  return ['--store', url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`)];
}

// wrap: a command to run the server under, e.g. ['fiu-run', '-x'] (then `bin`,
// default the release build, since sanitizers refuse to be preloaded after).
// Suites run in parallel: a port freePort() found may be bound by another
// suite's server before this one binds it, so a start that could not listen
// is tried again on another port.
export async function start(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 5 || !/cannot listen on port/.test(e.message)) throw e;
    }
  }
}

async function startOnce({ faq, dir, args = [], env = {}, wrap = null, bin = null } = {}) {
  dir = dir || mkdtempSync(join(tmpdir(), 'parley-it-'));
  const port = await freePort();
  const argv = ['--port', String(port), '--db', join(dir, 'parley.db'), ...pgStore(args, dir), ...args];
  if (faq) {
    const file = typeof faq === 'string' ? resolve(ROOT, faq) : join(dir, 'faq.json');
    if (typeof faq !== 'string') writeFileSync(file, JSON.stringify(faq));
    argv.push('--faq', file);
  }
  const exe = bin || BIN;
  // PARLEY_WRAP (e.g. "valgrind -q --leak-check=full --error-exitcode=9") runs every
  // server of the suite under a tool; make valgrind uses it.
  if (!wrap && process.env.PARLEY_WRAP) wrap = process.env.PARLEY_WRAP.split(' ').filter(Boolean);
  const child = spawn(wrap ? wrap[0] : exe, wrap ? [...wrap.slice(1), exe, ...argv] : argv, {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARLEY_ADMIN_EMAIL: ADMIN.email, PARLEY_ADMIN_PASSWORD: ADMIN.password,
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', ...env },
  });
  let log = '';
  child.stdout.on('data', d => { log += d; });
  child.stderr.on('data', d => { log += d; });
  const exited = new Promise(res => child.on('exit', (code, sig) => res({ code, sig })));
  const base = `http://127.0.0.1:${port}`;
  for (let t0 = Date.now(); ;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${log}`);
    // Only once it says it listens is the port its own (see start()).
    try { if (/is listening on/.test(log) && (await fetch(base + '/healthz')).ok) break; } catch { /* not up yet */ }
    if (Date.now() - t0 > T(20000)) { child.kill('SIGKILL'); throw new Error(`no /healthz:\n${log}`); }
    await delay(50);
  }
  const srv = {
    port, base, dir, child, exited, log: () => log,
    async stop(sig = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      let timer;
      const r = await Promise.race([exited, new Promise(res => { timer = setTimeout(() => res({ code: 'timeout' }), T(10000)); })]);
      clearTimeout(timer);
      if (sig === 'SIGTERM' && r.code !== 0) throw new Error(`exit ${JSON.stringify(r)} after SIGTERM:\n${log}`);
      return r;
    },
    ...clientsOf(port),
    async makeAgent(email, name, role = 'agent') {
      const admin = await srv.login();
      const password = 'agent password 12345';
      const r = await api(srv, 'POST', '/api/agents', admin, { email, name, password, role });
      if (r.status !== 201) throw new Error(`create agent ${r.status} ${JSON.stringify(r.body)}`);
      const token = await srv.login({ email, password });
      return { id: r.body.id, token, ws: await srv.agent(token) };
    },
  };
  return srv;
}

// What a client of whatever listens on `port` does (a server, or a load balancer
// in front of several): visitors after their welcome, agents after ready, logins.
export function clientsOf(port) {
  const c = {
    base: `http://127.0.0.1:${port}`,
    url: path => `ws://127.0.0.1:${port}${path}`,
    async visitor(hello = {}, wsOptions) {
      const p = await Peer.open(c.url('/ws/visitor'), wsOptions);
      p.send({ type: 'hello', token: null, last_seq: 0, ...hello });
      p.welcome = await p.next('welcome');
      p.token = p.welcome.token; p.conv = p.welcome.conversation.id;
      return p;
    },
    async login(who = ADMIN) {
      const r = await api(c, 'POST', '/api/login', null, who);
      if (r.status !== 200) throw new Error(`login ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token;
    },
    async agent(token) {
      const p = await Peer.open(c.url('/ws/agent'));
      p.send({ type: 'auth', token });
      p.ready = await p.next('ready');
      return p;
    },
  };
  return c;
}

export async function api(srv, method, path, token, body, raw = false) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined && body !== null) headers['content-type'] = 'application/json';
  const r = await fetch(srv.base + path, { method, headers,
    body: body === undefined || body === null ? undefined : (raw ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, body: json, text, headers: r.headers };
}

// A WebSocket peer that keeps every frame and can wait for the next one matching.
export class Peer {
  static open(url, opts) {
    return new Promise((res, rej) => {
      const p = new Peer(url, opts);
      p.ws.once('open', () => res(p));
      p.ws.once('error', rej);
      p.ws.once('unexpected-response', (_, resp) => rej(new Error(`HTTP ${resp.statusCode}`)));
    });
  }
  constructor(url, opts) {
    this.frames = []; this.waiters = []; this.closed = null;
    this.ws = new WebSocket(url, opts);
    this.ws.on('message', data => {
      const f = JSON.parse(data.toString());
      this.frames.push(f);
      for (const w of [...this.waiters]) if (w.match(f)) { this.waiters.splice(this.waiters.indexOf(w), 1); clearTimeout(w.timer); w.res(f); }
    });
    this.ws.on('close', code => {
      this.closed = { code };
      for (const w of this.waiters) { clearTimeout(w.timer); w.rej(new Error(`closed (${code}) waiting for ${w.what}`)); }
      this.waiters = [];
    });
    this.ws.on('error', () => {});
  }
  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }
  // Resolves with the first frame after index `from` that matches (a type or a predicate).
  next(match, { from = 0, ms = 5000 } = {}) {
    ms = T(ms);
    const fn = typeof match === 'string' ? f => f.type === match : match;
    const hit = this.frames.slice(from).find(fn);
    if (hit) return Promise.resolve(hit);
    if (this.closed) return Promise.reject(new Error(`closed before ${match}`));
    return new Promise((res, rej) => {
      const w = { match: fn, res, rej, what: String(match) };
      this.waiters.push(w);
      w.timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) { this.waiters.splice(i, 1); rej(new Error(`timeout waiting for ${match}; last: ${JSON.stringify(this.frames.slice(-3))}`)); }
      }, ms);
    });
  }
  mark() { return this.frames.length; }
  // Sends a request and resolves with its ack or error.
  ask(obj, ms = 5000) {           // ms scales in next()
    const id = obj.id || `q${Math.random().toString(36).slice(2)}`;
    const from = this.frames.length;
    this.send({ ...obj, id });
    return this.next(f => f.id === id && (f.type === 'ack' || f.type === 'error'), { from, ms });
  }
  messages(from = 0) { return this.frames.slice(from).filter(f => f.type === 'message'); }
  waitClosed(ms = 5000) {
    ms = T(ms);
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('still open')), ms);
      this.ws.once('close', code => { clearTimeout(t); res({ code }); });
    });
  }
  close() { this.ws.close(); }
}
