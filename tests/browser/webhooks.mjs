#!/usr/bin/env node
/*
 * Browser test of the admin Webhooks page (widget/dashboard/webhooks.js) against
 * the real server in headless Chromium, with a local receiver:
 *
 *   PARLEY_BIN=build/parley node tests/browser/webhooks.mjs
 *
 * The admin opens Webhooks, is told a bad URL is bad next to the field, creates a
 * hook for one event (the secret is shown once), sends a test that the receiver
 * gets signed, sees it delivered in the log, pauses the hook and deletes it.
 * One "ok"/"FAIL" line per step; exits non-zero on the first failure.
 */
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const BIN = process.env.PARLEY_BIN ? path.resolve(process.env.PARLEY_BIN) : path.join(REPO, 'build/parley');
const FAQ = path.resolve(REPO, process.env.PARLEY_TEST_FAQ || 'faq/demo.json');
const EXTRA = (process.env.PARLEY_ARGS || '').split(/\s+/).filter(Boolean);
const ARTIFACTS = path.join(HERE, 'artifacts');
const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery 9';
const BUDGET_MS = 45000;
const WAIT = 10000;

let server = null, browser = null, tmp = null;
const sockets = [];
let serverLog = '';
const pages = {};
const problems = [];   /* page errors and CSP violations, reported at the end */

function log(line) { process.stdout.write(line + '\n'); }

async function cleanup() {
  for (const ws of sockets.splice(0)) { try { ws.terminate(); } catch { /* gone */ } }
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    const gone = await Promise.race([
      new Promise((r) => server.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 3000)),
    ]);
    if (!gone) server.kill('SIGKILL');
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

async function fail(name, err) {
  log(`FAIL ${name}: ${err && err.message ? err.message.split('\n').slice(0, 6).join('\n     ') : err}`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 60);
  for (const [label, page] of Object.entries(pages)) {
    const file = path.join(ARTIFACTS, `hooks-${slug}-${label}.png`);
    try { await page.screenshot({ path: file, fullPage: true, timeout: 3000 }); log(`     screenshot: ${path.relative(REPO, file)}`); }
    catch { /* page gone */ }
  }
  if (serverLog) log('     server output (tail):\n' + serverLog.split('\n').slice(-15).map((l) => '       ' + l).join('\n'));
  if (problems.length) log('     page problems:\n' + problems.map((p) => '       ' + p).join('\n'));
  await cleanup();
  process.exit(1);
}

async function step(name, fn) {
  try { await fn(); log(`ok   ${name}`); } catch (e) { await fail(name, e); }
}

function check(cond, msg) { if (!cond) throw new Error(msg); }

async function until(what, fn, ms = WAIT) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function watch(page, label) {
  page.on('pageerror', (e) => problems.push(`${label}: page error: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(t)) problems.push(`${label}: ${t}`);
  });
  pages[label] = page;
}

/* Records CSP violations inside the page itself, from the first script on. */
async function cspProbe(context) {
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

const deadline = setTimeout(() => fail('time budget', new Error(`the test took more than ${BUDGET_MS / 1000} s`)), BUDGET_MS);
deadline.unref();
process.on('SIGINT', () => fail('interrupted', new Error('SIGINT')));

/* ---------------- the server ---------------- */
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

await step('server starts and /healthz answers 200', async () => {
  check(fs.existsSync(BIN), `no server binary at ${BIN} (build it first, or set PARLEY_BIN)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-hooks-'));
  server = spawn(BIN, ['--port', String(port), '--db', path.join(tmp, 'parley.db'), '--faq', FAQ, ...EXTRA], {
    cwd: REPO,
    env: { ...process.env, PARLEY_ADMIN_EMAIL: ADMIN_EMAIL, PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD, PARLEY_PORT: String(port) },
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
});

/* REST as the admin, to check what the pages did. */
let adminToken = null;
async function rest(method, p, body) {
  const r = await fetch(base + p, {
    method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}
const findAgent = async (email) => (await rest('GET', '/api/agents')).body.agents.find((a) => a.email === email);

browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

async function signIn(page, email, password) {
  await page.goto(`${base}/agent/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await until('Connected', async () => (await page.locator('#conn-status').textContent()) === 'Connected');
}

const got = [];
const rx = http.createServer((req, res) => {
  let b = '';
  req.on('data', (d) => { b += d; });
  req.on('end', () => { got.push({ headers: req.headers, body: b }); res.writeHead(200); res.end(); });
});
await new Promise((r) => rx.listen(0, '127.0.0.1', r));
const RX_URL = `http://127.0.0.1:${rx.address().port}/crm`;

const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await cspProbe(adminCtx);
const admin = await adminCtx.newPage();
watch(admin, 'admin');
const form = admin.locator('form.panel-form');   /* named "Add a webhook" or "Edit webhook N" */
let secret = null;

await step('admin signs in and opens Webhooks', async () => {
  await signIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  adminToken = await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')).token);
  await admin.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await admin.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor({ timeout: WAIT });
  await admin.getByText('No webhooks yet.').waitFor({ timeout: WAIT });
});

await step('a bad URL is refused next to the field', async () => {
  await form.getByLabel('URL').fill('ftp://example.test/');
  await form.getByRole('button', { name: 'Create webhook' }).click();
  await until('the error', async () => (await form.locator('.field-error').first().textContent()).includes('http'));
  check((await rest('GET', '/api/webhooks')).body.webhooks.length === 0, 'something was stored');
});

await step('creating a hook for one event shows its secret once', async () => {
  await form.getByLabel('URL').fill(RX_URL);
  await form.getByLabel('rating.created').check();
  await form.getByRole('button', { name: 'Create webhook' }).click();
  const code = admin.locator('.secret code');
  await code.waitFor({ timeout: WAIT });
  secret = await code.textContent();
  check(/^[0-9a-f]{64}$/.test(secret), `secret ${secret}`);
  await admin.locator('tr[data-webhook]', { hasText: RX_URL }).waitFor({ timeout: WAIT });
  check((await admin.locator('tr[data-webhook]').textContent()).includes('rating.created'), 'events not listed');
  const hooks = (await rest('GET', '/api/webhooks')).body.webhooks;
  check(hooks.length === 1 && hooks[0].events.join() === 'rating.created', JSON.stringify(hooks));
});

await step('Send test: the receiver gets a signed ping; the log shows it delivered', async () => {
  await admin.getByRole('button', { name: /^Send a test to webhook/ }).click();
  await until('the ping', async () => got.length === 1);
  const h = got[0].headers;
  const want = 'sha256=' + createHmac('sha256', secret).update(`${h['x-parley-timestamp']}.${got[0].body}`).digest('hex');
  check(h['x-parley-signature'] === want, 'bad signature');
  check(h['x-parley-event'] === 'ping', h['x-parley-event']);
  await until('delivered in the log', async () => {
    const cell = admin.locator('tr[data-delivery] td.status-delivered');
    if (await cell.count()) return true;
    await admin.getByRole('button', { name: /^Refresh the deliveries/ }).click().catch(() => {});
    return false;
  });
  check(await admin.getByRole('button', { name: /^Retry delivery/ }).count() === 1, 'no retry button');
});

await step('editing pauses the hook; deleting asks for a confirmation', async () => {
  await admin.getByRole('button', { name: /^Edit webhook/ }).click();
  await form.getByLabel('Active').uncheck();
  await form.getByRole('button', { name: 'Save changes' }).click();
  await until('paused', async () => (await admin.locator('tr[data-webhook]').textContent()).includes('paused'));
  const del = admin.getByRole('button', { name: /^Delete webhook/ });
  await del.click();
  check((await del.textContent()) === 'Confirm delete', 'no confirmation');
  await del.click();
  await admin.getByText('No webhooks yet.').waitFor({ timeout: WAIT });
  check((await rest('GET', '/api/webhooks')).body.webhooks.length === 0, 'not deleted');
});

await step('no page errors or CSP violations', async () => {
  for (const [label, page] of Object.entries(pages)) {
    const csp = await page.evaluate(() => window.__csp || []);
    for (const v of csp) problems.push(`${label}: securitypolicyviolation ${v}`);
  }
  check(problems.length === 0, problems.join('; '));
});

rx.close();
await cleanup();
clearTimeout(deadline);
log('ok   all webhook page checks passed');
process.exit(0);
