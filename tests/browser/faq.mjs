#!/usr/bin/env node
/*
 * Browser test of the dashboard's FAQ page, against the real server in Debian's
 * Chromium (headless) driven by playwright-core.
 *
 *   PARLEY_BIN=build/parley node tests/browser/faq.mjs
 *
 * The admin creates an entry on the FAQ page (a bad pattern is refused next to the
 * Patterns box), tries a question in "Try it", and a visitor (a plain WebSocket) gets
 * that entry's answer. The visitor's next question is a miss: it shows up under
 * "Unanswered questions", and "Create entry" prefills the form with it; saving takes
 * it off the list. Search, export and an invalid import (every problem listed, nothing
 * changed) follow; then the admin, answering a handed-off visitor, files a "Draft FAQ
 * entry" from the conversation and finds it under Drafts. One "ok"/"FAIL" line per
 * step; exits non-zero on the first failure (screenshots in tests/browser/artifacts/).
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
const REPO = path.resolve(HERE, '../..');
const BIN = process.env.PARLEY_BIN ? path.resolve(process.env.PARLEY_BIN) : path.join(REPO, 'build/parley');
const EXTRA = (process.env.PARLEY_ARGS || '').split(/\s+/).filter(Boolean);
const ARTIFACTS = path.join(HERE, 'artifacts');
const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery 9';
const BUDGET_MS = 55000;
const WAIT = 10000;
const FAQ = [
  { id: 'hours', locale: 'en', question: 'When are you open?', answer: 'Nine to five, Monday to Friday.', keywords: ['opening hours', 'open*'] },
  { id: 'returns', locale: 'en', question: 'How do I return something?', answer: 'Send it back within 30 days.', keywords: ['return*', 'refund*'] },
];
const KITES = 'Kites are in aisle 3, from £12.';
const CANOES = 'Do you rent canoes?';

let server = null, browser = null, tmp = null;
const sockets = [];
let serverLog = '';
const pages = {};
const problems = [];

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
    const file = path.join(ARTIFACTS, `faq-${slug}-${label}.png`);
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

const deadline = setTimeout(() => fail('time budget', new Error(`the test took more than ${BUDGET_MS / 1000} s`)), BUDGET_MS);
deadline.unref();
process.on('SIGINT', () => fail('interrupted', new Error('SIGINT')));

/* ---------------- the server ---------------- */
const port = await freePort();
const base = `http://127.0.0.1:${port}`;

await step('server starts and /healthz answers 200', async () => {
  check(fs.existsSync(BIN), `no server binary at ${BIN} (build it first, or set PARLEY_BIN)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-faq-'));
  const faqFile = path.join(tmp, 'faq.json');
  fs.writeFileSync(faqFile, JSON.stringify(FAQ));
  server = spawn(BIN, ['--port', String(port), '--db', path.join(tmp, 'parley.db'), '--faq', faqFile,
    '--bot-misses', '5', ...EXTRA], {
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

let adminToken = null;
async function rest(method, p, body) {
  const r = await fetch(base + p, {
    method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/* A visitor on a plain WebSocket. */
async function visitor(name) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/visitor`);
  sockets.push(ws);
  const frames = [];
  ws.on('message', (d) => { try { frames.push(JSON.parse(d.toString())); } catch { /* not JSON */ } });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  let n = 0;
  const next = (pred, what) => until(`${what} (${name})`, () => frames.find(pred));
  ws.send(JSON.stringify({ type: 'hello', id: 'h0', token: null, name, locale: 'en' }));
  await next((f) => f.type === 'welcome', 'welcome');
  return {
    next,
    /* Sends text; resolves with the bot's (or system's) reply. */
    async say(text) {
      const id = `m${++n}`;
      ws.send(JSON.stringify({ type: 'message', id, text }));
      const ack = await next((f) => f.type === 'ack' && f.id === id, `the ack of ${id}`);
      return next((f) => f.type === 'message' && f.seq > ack.seq && f.author && f.author.role !== 'visitor', `the reply to ${id}`);
    },
    send: (obj) => ws.send(JSON.stringify(obj)),
  };
}

browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
await ctx.addInitScript(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
});
const admin = await ctx.newPage();
pages.admin = admin;
admin.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
admin.on('dialog', (d) => d.accept());     /* the confirm() before a delete or an import */

const form = admin.getByRole('form', { name: /entry/ });
const rowOf = (id) => admin.locator(`tr[data-faq="${id}"]`);
const say = (text) => admin.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: WAIT });

await step('the admin signs in and opens the FAQ page; the entries are listed', async () => {
  await admin.goto(`${base}/agent/`);
  await admin.getByLabel('Email').fill(ADMIN_EMAIL);
  await admin.getByLabel('Password').fill(ADMIN_PASSWORD);
  await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
  await until('Connected', async () => (await admin.locator('#conn-status').textContent()) === 'Connected');
  adminToken = await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')).token);
  await admin.getByRole('link', { name: 'FAQ', exact: true }).click();
  await admin.getByRole('heading', { name: 'FAQ', level: 1 }).waitFor({ timeout: WAIT });
  await rowOf('hours').waitFor({ timeout: WAIT });
  check(await rowOf('returns').count() === 1, 'the returns entry is not listed');
});

await step('create an entry; a bad pattern is refused next to the Patterns box', async () => {
  await form.getByLabel('Id', { exact: true }).fill('kites');
  await form.getByLabel('Locale').fill('en');
  await form.getByLabel('Question').fill('Do you sell kites?');
  await form.getByLabel('Answer').fill(KITES);
  await form.getByLabel('Keywords').fill('kite*\nkite flying');
  await form.getByLabel('Patterns').fill('\\bkites?\\b\n(unclosed');
  await form.getByRole('button', { name: 'Save entry' }).click();
  const pat = form.getByLabel('Patterns');
  await until('aria-invalid on Patterns', async () => (await pat.getAttribute('aria-invalid')) === 'true');
  const errId = (await pat.getAttribute('aria-describedby')).split(' ').pop();
  const msg = await admin.locator(`[id="${errId}"]`).textContent();
  check(/Line 2/.test(msg) && /parenthesis/i.test(msg), `the error next to Patterns says "${msg}"`);
  check(await rowOf('kites').count() === 0, 'the bad entry was listed');
  await pat.fill('\\bkites?\\b');
  await form.getByRole('button', { name: 'Save entry' }).click();
  await say('Created kites.');
  await rowOf('kites').waitFor({ timeout: WAIT });
  const stored = (await rest('GET', '/api/faq/kites')).body;
  check(stored.answer === KITES && stored.keywords.join('|') === 'kite*|kite flying', `stored: ${JSON.stringify(stored)}`);
});

await step('search filters the list by id, question or keyword', async () => {
  const search = admin.getByLabel('Search entries');
  await search.fill('kite flying');
  await until('one row', async () => (await admin.locator('tr[data-faq]').count()) === 1);
  check(await rowOf('kites').count() === 1, 'the search lost the kites entry');
  await search.fill('return');
  await until('returns only', async () => (await admin.locator('tr[data-faq]').count()) === 1 && (await rowOf('returns').count()) === 1);
  await search.fill('');
  await until('all rows', async () => (await admin.locator('tr[data-faq]').count()) === 3);
});

await step('Try it shows the outcome, entry, score, matched keywords and language', async () => {
  const tryForm = admin.getByRole('form', { name: 'Try it' });
  await tryForm.getByLabel('Visitor text').fill('Do you have kites for children?');
  await tryForm.getByRole('button', { name: 'Try', exact: true }).click();
  const out = (k) => tryForm.locator(`[data-try="${k}"]`);
  await until('an outcome', async () => /Answers/.test(await out('outcome').textContent()));
  check((await out('entry').textContent()).startsWith('kites:'), `entry: ${await out('entry').textContent()}`);
  check(Number(await out('score').textContent()) > 0, 'no score');
  check((await out('matched').textContent()).includes('kite*'), `matched: ${await out('matched').textContent()}`);
  check(/en/.test(await out('language').textContent()), 'no language');
  await tryForm.getByLabel('Visitor text').fill('hello');
  await tryForm.getByRole('button', { name: 'Try', exact: true }).click();
  await until('a greeting', async () => /greeting/i.test(await out('outcome').textContent()));
});

let vera = null;
await step('a visitor gets the new entry\'s answer at once', async () => {
  vera = await visitor('Vera Visitor');
  const reply = await vera.say('Do you sell kites?');
  check(reply.author.role === 'bot' && reply.text === KITES && reply.faq && reply.faq.id === 'kites', JSON.stringify(reply));
});

await step('a miss appears under Unanswered questions; "Create entry" prefills the form', async () => {
  const reply = await vera.say(CANOES);
  check(reply.author.role === 'bot' && !reply.faq, `not a miss: ${JSON.stringify(reply)}`);
  await admin.getByRole('button', { name: 'Refresh the unanswered questions' }).click();
  const row = admin.locator('tr[data-key="do you rent canoes"]');
  await row.waitFor({ timeout: WAIT });
  check((await row.textContent()).includes(CANOES), 'the row lacks the question');
  await row.getByRole('button', { name: 'Create entry' }).click();
  await until('the question in the form', async () => (await form.getByLabel('Question').inputValue()) === CANOES);
  check(await form.getByLabel('Id', { exact: true }).inputValue() === 'do-you-rent-canoes', `id: ${await form.getByLabel('Id', { exact: true }).inputValue()}`);
  check(await form.getByLabel('Locale').inputValue() === 'en', 'the locale was not prefilled');
  await form.getByLabel('Answer').fill('Canoes are for hire from May to September.');
  await form.getByLabel('Keywords').fill('canoe*');
  await form.getByRole('button', { name: 'Save entry' }).click();
  await say('taken off the unanswered list');
  await row.waitFor({ state: 'detached', timeout: WAIT });
  check((await rest('GET', '/api/faq/unanswered')).body.unanswered.length === 0, 'the question is still stored');
  check((await vera.say('Can I rent a canoe?')).faq?.id === 'do-you-rent-canoes', 'the visitor does not get the new entry');
});

await step('edit and delete (after a confirm) an entry', async () => {
  await rowOf('hours').getByRole('button', { name: 'Edit hours' }).click();
  await until('the form holds hours', async () => (await form.getByLabel('Question').inputValue()) === 'When are you open?');
  check(await form.getByLabel('Id', { exact: true }).getAttribute('readonly') !== null, 'the id of a stored entry is editable');
  await form.getByLabel('Answer').fill('Eight to six, every day.');
  await form.getByRole('button', { name: 'Save entry' }).click();
  await say('Saved hours.');
  check((await rest('GET', '/api/faq/hours')).body.answer === 'Eight to six, every day.', 'the edit was not stored');
  await rowOf('returns').getByRole('button', { name: 'Delete returns' }).click();
  await rowOf('returns').waitFor({ state: 'detached', timeout: WAIT });
  check((await rest('GET', '/api/faq/returns')).status === 404, 'returns still exists');
});

await step('Export downloads faq.json; an invalid import lists every problem and changes nothing', async () => {
  const [dl] = await Promise.all([admin.waitForEvent('download', { timeout: WAIT }),
    admin.getByRole('button', { name: 'Export faq.json' }).click()]);
  check(dl.suggestedFilename() === 'faq.json', dl.suggestedFilename());
  const exported = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  check(Array.isArray(exported) && exported.map((e) => e.id).sort().join() === 'do-you-rent-canoes,hours,kites', JSON.stringify(exported.map((e) => e.id)));
  const bad = [exported[0], { id: 'x', question: 'q?', keywords: ['x'] }, { id: 'y', question: 'q?', answer: 'a', patterns: ['('] }];
  await admin.getByLabel('Import a JSON file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  const list = admin.getByRole('list', { name: 'Import problems' });
  await until('two problems', async () => (await list.locator('li').count()) === 2);
  const text = await list.textContent();
  check(/Entry 1 · answer/.test(text) && /Entry 2 · patterns\[0\]/.test(text), text);
  check((await rest('GET', '/api/faq')).body.length === 3, 'the FAQ changed');
  await admin.getByLabel('Import a JSON file').setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
  await say('Imported 3 entries from good.json.');
});

await step('an agent files "Draft FAQ entry" from a conversation; it is listed under Drafts', async () => {
  const walt = await visitor('Walt Visitor');
  await walt.say('Can I bring my dog into the shop?');
  walt.send({ type: 'handoff', id: 'ho' });
  await walt.next((f) => f.type === 'state' && f.state === 'queued', 'queued');
  await admin.getByRole('link', { name: 'Conversations', exact: true }).click();
  await admin.locator('#queue-list button', { hasText: 'Walt Visitor' }).click();
  await admin.getByRole('button', { name: 'Claim', exact: true }).click();
  await until('Send enabled', () => admin.getByRole('button', { name: 'Send', exact: true }).isEnabled());
  await admin.getByRole('textbox', { name: 'Reply' }).fill('Yes, dogs on a lead are welcome.');
  await admin.getByRole('button', { name: 'Send', exact: true }).click();
  await until('the reply acked', async () => (await admin.locator('#transcript .msg.agent:not(.pending)').count()) === 1);
  await admin.getByRole('button', { name: 'Draft FAQ entry' }).click();
  const dlg = admin.getByRole('dialog', { name: 'Draft an FAQ entry' });
  await dlg.waitFor({ timeout: WAIT });
  check(await dlg.getByLabel('Question').inputValue() === 'Can I bring my dog into the shop?', 'the question was not prefilled');
  check(await dlg.getByLabel('Answer').inputValue() === 'Yes, dogs on a lead are welcome.', 'the answer was not prefilled');
  await dlg.getByLabel('Answer').fill('Yes, dogs on a lead are welcome (not in the café).');
  await dlg.getByRole('button', { name: 'Save draft' }).click();
  await dlg.waitFor({ state: 'hidden', timeout: WAIT });
  const drafts = (await rest('GET', '/api/faq/drafts')).body.drafts;
  check(drafts.length === 1 && drafts[0].answer.includes('café') && drafts[0].conversation, JSON.stringify(drafts));
  await admin.getByRole('link', { name: 'FAQ', exact: true }).click();
  const row = admin.locator(`tr[data-draft="${drafts[0].id}"]`);
  await row.waitFor({ timeout: WAIT });
  await row.getByRole('button', { name: /Use draft/ }).click();
  await until('the draft in the form', async () => (await form.getByLabel('Answer').inputValue()).includes('café'));
  check(await form.getByLabel('Question').inputValue() === 'Can I bring my dog into the shop?', 'the question of the draft');
});

await step('no page errors or CSP violations', async () => {
  const csp = await admin.evaluate(() => window.__csp || []);
  for (const v of csp) problems.push(`securitypolicyviolation ${v}`);
  check(problems.length === 0, problems.join('; '));
});

await cleanup();
clearTimeout(deadline);
log('ok   all FAQ page checks passed');
process.exit(0);
