/*
 * What every browser test needs: a real server on a free port with a fresh database,
 * Debian's Chromium (headless) through playwright-core, "ok"/"FAIL" steps with
 * screenshots and the server's log on failure, page errors and CSP violations
 * collected, sign-in, admin REST and plain-WebSocket visitors and agents.
 *
 *   const t = await harness('notify', { budgetMs: 40000 });
 *   await t.step('something works', async () => { t.check(cond, 'why not'); });
 *   await t.done('all notify checks passed');
 *
 * Options: budgetMs (the whole test's time limit), args (extra server options), env
 * (extra server environment), faq (a path from the repo root, or the entries themselves,
 * written to a temporary faq.json; false: no --faq, the server's own default). t.restart() stops the server and starts it again on
 * the same port and database, for tests of what survives a restart.
 *
 * Environment: PARLEY_BIN (the server), PARLEY_ARGS (extra options, split on spaces),
 * PARLEY_TEST_FAQ (default faq/demo.json), CHROMIUM (default /usr/bin/chromium).
 */
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export const ADMIN_EMAIL = 'admin@example.test';
export const ADMIN_PASSWORD = 'correct horse battery 9';
export const WAIT = 10000;
const ARTIFACTS = path.join(HERE, 'artifacts');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function harness(name, { budgetMs = 55000, args = [], env = {}, faq } = {}) {
  const bin = process.env.PARLEY_BIN ? path.resolve(process.env.PARLEY_BIN) : path.join(REPO, 'build/parley');
  const extra = (process.env.PARLEY_ARGS || '').split(/\s+/).filter(Boolean);
  const sockets = [], pages = {}, problems = [];
  let server = null, browser = null, tmp = null, serverLog = '', adminToken = null, faqFile = null;
  const log = (line) => process.stdout.write(line + '\n');

  /* SIGTERM, then SIGKILL if it has not gone within 3 s. */
  async function stopServer() {
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const proc = server;
    const exited = new Promise((r) => proc.once('exit', () => r(true)));
    proc.kill('SIGTERM');
    const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(false), 3000))]);
    if (!gone) { proc.kill('SIGKILL'); await exited; }
  }

  async function cleanup() {
    for (const ws of sockets.splice(0)) { try { ws.terminate(); } catch { /* gone */ } }
    if (browser) await browser.close().catch(() => {});
    browser = null;
    await stopServer();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  }

  async function fail(step, err) {
    log(`FAIL ${step}: ${err && err.message ? err.message.split('\n').slice(0, 6).join('\n     ') : err}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const slug = step.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60);
    for (const [label, page] of Object.entries(pages)) {
      const file = path.join(ARTIFACTS, `${name}-${slug}-${label}.png`);
      try { await page.screenshot({ path: file, fullPage: true, timeout: 3000 }); log(`     screenshot: ${path.relative(REPO, file)}`); }
      catch { /* page gone */ }
    }
    if (serverLog) log('     server output (tail):\n' + serverLog.split('\n').slice(-15).map((l) => '       ' + l).join('\n'));
    if (problems.length) log('     page problems:\n' + problems.map((p) => '       ' + p).join('\n'));
    await cleanup();
    process.exit(1);
  }

  const step = async (label, fn) => {
    try { await fn(); log(`ok   ${label}`); } catch (e) { await fail(label, e); }
  };
  const check = (cond, msg) => { if (!cond) throw new Error(msg); };
  /* Polls fn until it returns a truthy value (its value is returned) or times out. */
  async function until(what, fn, ms = WAIT) {
    const end = Date.now() + ms;
    let last;
    for (;;) {
      try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const deadline = setTimeout(() => fail('time budget', new Error(`the test took more than ${budgetMs / 1000} s`)), budgetMs);
  deadline.unref();
  process.on('SIGINT', () => fail('interrupted', new Error('SIGINT')));

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  /* Starts the server on tmp's database and waits for /healthz; a restart keeps both. */
  async function startServer() {
    const faqArgs = faqFile ? ['--faq', faqFile] : [];
    server = spawn(bin, ['--port', String(port), '--db', path.join(tmp, 'parley.db'), ...faqArgs, ...args, ...extra], {
      cwd: REPO,
      env: { ...process.env, PARLEY_ADMIN_EMAIL: ADMIN_EMAIL, PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD, PARLEY_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d) => { serverLog = (serverLog + d.toString()).slice(-20000); };
    server.stdout.on('data', keep);
    server.stderr.on('data', keep);
    await until('GET /healthz = 200', async () => {
      check(server.exitCode === null, `server exited with ${server.exitCode}`);
      const r = await fetch(`${base}/healthz`).catch(() => null);
      return r && r.status === 200;
    });
  }

  /* A session token for email over REST (the login must succeed). */
  async function login(email, password) {
    const r = await fetch(`${base}/api/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    check(r.status === 200, `login of ${email} answered ${r.status}`);
    return (await r.json()).token;
  }

  await step('server starts and /healthz answers 200', async () => {
    check(fs.existsSync(bin), `no server binary at ${bin} (build it first, or set PARLEY_BIN)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), `parley-${name}-`));
    if (faq === false) {
      faqFile = null;
    } else if (faq && typeof faq === 'object') {
      faqFile = path.join(tmp, 'faq.json');
      fs.writeFileSync(faqFile, JSON.stringify(faq));
    } else {
      faqFile = path.resolve(REPO, faq || process.env.PARLEY_TEST_FAQ || 'faq/demo.json');
      check(fs.existsSync(faqFile), `no FAQ file at ${faqFile}`);
    }
    await startServer();
    adminToken = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
  });

  /* The same server again on the same port and database (sessions stored there live on). */
  async function restart() {
    await stopServer();
    await startServer();
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });

  /* A page in its own context; init, if given, runs in the page before its scripts. Any
   * other option is the context's (a viewport, or a phone: isMobile, hasTouch, userAgent…). */
  async function newPage(label, { init, viewport = { width: 1280, height: 860 }, ...contextOptions } = {}) {
    const context = await browser.newContext({ viewport, acceptDownloads: true, ...contextOptions });
    await context.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`${label}: ${m.text()}`);
    });
    pages[label] = page;
    return page;
  }

  async function signIn(page, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) {
    await page.goto(`${base}/agent/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await until('Connected', async () => (await page.locator('#conn-status').textContent()) === 'Connected');
  }

  /* REST as the admin. */
  async function rest(method, p, body) {
    const r = await fetch(base + p, {
      method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  /* A plain WebSocket on p, open: {ws, frames, send, next, ask}. next(pred, what) waits for
   * the first frame pred accepts; ask(frame) sends a frame that has an id and resolves with
   * its ack (an error frame for that id fails the step). Closed by cleanup. */
  async function socket(p, who) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${p}`);
    sockets.push(ws);
    const frames = [];
    const next = (pred, what) => until(`${what} (${who})`, async () => frames.find(pred));
    ws.on('message', (d) => { try { frames.push(JSON.parse(d.toString())); } catch { /* not JSON */ } });
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
    const send = (f) => ws.send(JSON.stringify(f));
    async function ask(frame) {
      send(frame);
      const r = await next((f) => (f.type === 'ack' || f.type === 'error') && f.id === frame.id, `the answer to ${frame.id}`);
      check(r.type === 'ack', `${frame.type} ${frame.id} (${who}): ${JSON.stringify(r)}`);
      return r;
    }
    return { ws, frames, send, next, ask };
  }

  /* A visitor over a plain WebSocket, after its welcome: {ws, welcome, frames, send, next,
   * ask, say}. say(text) sends a message and resolves with the first reply after its ack
   * that is not the visitor's own. */
  async function visitor(hello = {}) {
    const s = await socket('/ws/visitor', hello.name || 'visitor');
    const { send, next } = s;
    send({ type: 'hello', token: null, last_seq: 0, ...hello });
    const welcome = await next((f) => f.type === 'welcome', 'welcome');
    let n = 0;
    async function say(text) {
      const id = `m${++n}`;
      send({ type: 'message', id, text });
      const ack = await next((f) => f.type === 'ack' && f.id === id, `the ack of ${id}`);
      return next((f) => f.type === 'message' && f.seq > ack.seq && f.author && f.author.role !== 'visitor', `the reply to ${id}`);
    }
    return { ...s, welcome, say };
  }

  /* An agent over a plain WebSocket (no page), signed in over REST, after its ready:
   * {ws, ready, frames, send, next, ask}; for a second agent whose actions a page watches. */
  async function agentSocket(email, password) {
    const token = await login(email, password);
    const s = await socket('/ws/agent', email);
    s.send({ type: 'auth', token });
    const ready = await s.next((f) => f.type === 'ready', 'ready');
    return { ...s, ready };
  }

  /* The last step of every test; summary, if given, is printed as the closing "ok" line. */
  async function done(summary) {
    await step('no page errors or CSP violations', async () => {
      for (const [label, page] of Object.entries(pages)) {
        const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
        for (const v of csp) problems.push(`${label}: CSP: ${v}`);
      }
      check(!problems.length, problems.join('; '));
    });
    await cleanup();
    clearTimeout(deadline);
    if (summary) log(`ok   ${summary}`);
  }

  /* problems: the page errors and CSP violations seen so far, for a step that checks mid-way. */
  return { base, port, step, check, until, newPage, signIn, rest, login, visitor, agentSocket, restart, done, log, problems };
}
