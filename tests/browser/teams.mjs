#!/usr/bin/env node
/*
 * Browser test of the dashboard's teams, against the real server in Debian's Chromium
 * (headless) driven by playwright-core.
 *
 *   PARLEY_BIN=build/parley node tests/browser/teams.mjs
 *
 * The admin creates a team on the Teams page (a duplicate name is refused next to the
 * field) with an agent ticked as a member and renames it. A visitor (a plain WebSocket)
 * picks that team before the chat; the agent sees it under "My teams", claims it and
 * transfers it back to the team's queue with a note, which the visitor never receives.
 * The Reports page filters by the team. "My teams" shows the team's queue with the
 * waiting time, and a teammate's conversations (at ready and live) with her name; one
 * opens read-only (reply box locked, the reason in words). Deleting the team takes two clicks. One
 * "ok"/"FAIL" line per step; exits non-zero on the first failure.
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
const FAQ = path.resolve(REPO, process.env.PARLEY_TEST_FAQ || 'faq/demo.json');
const EXTRA = (process.env.PARLEY_ARGS || '').split(/\s+/).filter(Boolean);
const ARTIFACTS = path.join(HERE, 'artifacts');
const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery 9';
const AGENT = { email: 'bob@example.test', name: 'Bob Agent', password: 'bob password 123' };
const BUDGET_MS = 55000;
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
    const file = path.join(ARTIFACTS, `teams-${slug}-${label}.png`);
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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-teams-'));
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



const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
await cspProbe(adminCtx);
const admin = await adminCtx.newPage();
watch(admin, 'admin');
let agentId = null;

await step('admin signs in; an agent is created over REST; Teams is in the menu', async () => {
  await signIn(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  adminToken = await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')).token);
  const r = await rest('POST', '/api/agents', { ...AGENT, role: 'agent' });
  check(r.status === 201, `create agent: ${r.status}`);
  agentId = r.body.id;
  check(await admin.getByRole('link', { name: 'Teams', exact: true }).isVisible(), 'no Teams link');
});

const teamForm = admin.getByRole('form', { name: 'Add a team' });
let teamId = null;

await step('Teams: creating a team with a member; a duplicate name is refused next to the field', async () => {
  await admin.reload();   /* the member checkboxes list the agent created meanwhile */
  await admin.getByRole('link', { name: 'Teams', exact: true }).click();
  await admin.getByRole('heading', { name: 'Teams', level: 1 }).waitFor({ timeout: WAIT });
  await teamForm.getByLabel(AGENT.name).waitFor({ timeout: WAIT });
  await teamForm.getByLabel('Name').fill('Billing');
  await teamForm.getByLabel(AGENT.name).check();
  await teamForm.getByRole('button', { name: 'Create team' }).click();
  await admin.locator('section[data-team]', { hasText: 'Billing' }).waitFor({ timeout: WAIT });
  const teams = (await rest('GET', '/api/teams')).body.teams;
  check(teams.length === 1 && teams[0].members.length === 1 && teams[0].members[0].id === agentId, JSON.stringify(teams));
  teamId = teams[0].id;
  await teamForm.getByLabel('Name').fill('BILLING');
  await teamForm.getByRole('button', { name: 'Create team' }).click();
  const err = teamForm.locator('.field-error').first();
  await until('the 409 next to the name', async () => /exists/.test(await err.textContent()));
  check((await rest('GET', '/api/teams')).body.teams.length === 1, 'the duplicate was stored');
});

await step('Teams: renaming saves', async () => {
  await admin.getByLabel('Name of team Billing').fill('Billing & refunds');
  await admin.getByRole('button', { name: 'Save team Billing' }).click();
  await until('the new name stored', async () => (await rest('GET', '/api/teams')).body.teams[0].name === 'Billing & refunds');
});

/* ---------------- the agent ---------------- */
const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
await cspProbe(agentCtx);
const agent = await agentCtx.newPage();
watch(agent, 'agent');
const frames = [];
let vconv = null;

await step('a visitor picks the team before the chat; the agent sees it under My teams', async () => {
  await signIn(agent, AGENT.email, AGENT.password);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/visitor`);
  sockets.push(ws);
  ws.on('message', (d) => { try { frames.push(JSON.parse(d.toString())); } catch { /* not JSON */ } });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  ws.send(JSON.stringify({ type: 'hello', id: 'h0', token: null, name: 'Tess Visitor', team: teamId }));
  const w = await until('welcome', () => frames.find((f) => f.type === 'welcome'));
  vconv = w.conversation.id;
  ws.send(JSON.stringify({ type: 'message', id: 'v1', text: 'I was charged twice' }));
  await until('ack', () => frames.find((f) => f.type === 'ack' && f.id === 'v1'));
  ws.send(JSON.stringify({ type: 'handoff', id: 'h1' }));
  await until('handoff ack', () => frames.find((f) => f.type === 'ack' && f.id === 'h1'));
  const item = agent.locator('#myteams-list button', { hasText: 'Tess Visitor' });
  await item.waitFor({ timeout: WAIT });
  check((await item.textContent()).includes('Billing & refunds'), 'the team name is not shown');
});

await step('the agent claims it and transfers it to the team queue with a note', async () => {
  await agent.locator('#queue-list button', { hasText: 'Tess Visitor' }).click();
  await agent.getByRole('button', { name: 'Claim', exact: true }).click();
  await until('assigned', async () => (await agent.locator('#conv-state').textContent()).includes('assigned'));
  await agent.getByRole('button', { name: 'Transfer…' }).click();
  const form = agent.getByRole('form', { name: 'Transfer the conversation' });
  await form.getByLabel('To').selectOption({ label: 'Billing & refunds (team queue)' });
  await form.getByLabel('Note for the next agent (optional)').fill('Refund approved, just confirm');
  await form.getByRole('button', { name: 'Transfer', exact: true }).click();
  await until('queued again', async () => {
    const t = (await rest('GET', `/api/conversations/${vconv}/transcript`)).body;
    return t.conversation.state === 'queued' && t.conversation.team && t.conversation.team.id === teamId &&
      t.messages.some((m) => m.note_seq && m.text === 'Refund approved, just confirm');
  });
  await new Promise((r) => setTimeout(r, 300));
  check(!JSON.stringify(frames).includes('Refund approved'), 'the visitor received the note');
});

await step('Reports: the team filter lists the team and loads its figures', async () => {
  await admin.getByRole('link', { name: 'Reports', exact: true }).click();
  const sel = admin.locator('#page-view').getByLabel('Team', { exact: true });
  await until('the team option', async () => (await sel.locator('option').count()) === 2);
  await sel.selectOption({ label: 'Billing & refunds' });
  await until('the report for the team', async () =>
    /1 conversation/.test(await admin.locator('.page-status[role=status]').first().textContent()));
});

/* ---------------- My teams: the team's queue and a teammate's conversations ---------------- */
const TEAMMATE = { email: 'cleo@example.test', name: 'Cleo Agent', password: 'cleo password 123' };
let mate = null;   /* Cleo's plain agent WebSocket */
const mateFrames = [];
let uconv = null, vvconv = null;

/* A plain-WebSocket visitor that writes once and asks for a person (no team). */
async function visitorAsks(name, text) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/visitor`);
  sockets.push(ws);
  const got = [];
  ws.on('message', (d) => { try { got.push(JSON.parse(d.toString())); } catch { /* not JSON */ } });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  ws.send(JSON.stringify({ type: 'hello', id: 'h0', token: null, name }));
  const w = await until('welcome', () => got.find((f) => f.type === 'welcome'));
  ws.send(JSON.stringify({ type: 'message', id: 'm1', text }));
  await until('ack', () => got.find((f) => f.type === 'ack' && f.id === 'm1'));
  ws.send(JSON.stringify({ type: 'handoff', id: 'h1' }));
  await until('handoff ack', () => got.find((f) => f.type === 'ack' && f.id === 'h1'));
  return w.conversation.id;
}
async function mateAsk(frame) {
  mate.send(JSON.stringify(frame));
  const r = await until(`answer to ${frame.id}`, () => mateFrames.find((f) => (f.type === 'ack' || f.type === 'error') && f.id === frame.id));
  check(r.type === 'ack', JSON.stringify(r));
}

await step('My teams: the team queue shows the waiting time; selecting it offers Claim', async () => {
  const item = agent.locator('#myteams-list button', { hasText: 'Tess Visitor' });
  await item.waitFor({ timeout: WAIT });
  check(/Billing & refunds · waiting \d/.test(await item.textContent()), await item.textContent());
  await item.click();
  await agent.getByRole('button', { name: 'Claim', exact: true }).waitFor({ timeout: WAIT });
  check(await agent.locator('#readonly-reason').isHidden(), 'a queued conversation is shown read-only');
});

await step('My teams: a teammate\'s conversations show with their name, at ready and live', async () => {
  let r = await rest('POST', '/api/agents', { ...TEAMMATE, role: 'agent' });
  check(r.status === 201, `create teammate: ${r.status}`);
  const mateId = r.body.id;
  r = await rest('PUT', `/api/teams/${teamId}`, { members: [agentId, mateId] });
  check(r.status === 200, `members: ${r.status}`);
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: TEAMMATE.email, password: TEAMMATE.password }) }).then((x) => x.json());
  mate = new WebSocket(`ws://127.0.0.1:${port}/ws/agent`);
  sockets.push(mate);
  mate.on('message', (d) => { try { mateFrames.push(JSON.parse(d.toString())); } catch { /* not JSON */ } });
  await new Promise((res, rej) => { mate.once('open', res); mate.once('error', rej); });
  mate.send(JSON.stringify({ type: 'auth', token: login.token }));
  await until('teammate ready', () => mateFrames.find((f) => f.type === 'ready'));
  uconv = await visitorAsks('Uma Visitor', 'My parcel never came');
  await mateAsk({ type: 'claim', conversation: uconv, id: 'c1' });
  /* Cleo joined the team after Bob's ready: the next ready (a reload) lists her conversation. */
  await agent.reload();
  await until('Connected', async () => (await agent.locator('#conn-status').textContent()) === 'Connected');
  const uma = agent.locator('#myteams-list button', { hasText: 'Uma Visitor' });
  await uma.waitFor({ timeout: WAIT });
  check((await uma.textContent()).includes('assigned to Cleo Agent'), await uma.textContent());
  check(await agent.locator('#mine-list button', { hasText: 'Uma Visitor' }).count() === 0, 'listed as mine');
  /* Live: one she claims now moves into the list from the state event alone. */
  vvconv = await visitorAsks('Vic Visitor', 'Where is my order?');
  await agent.locator('#queue-list button', { hasText: 'Vic Visitor' }).waitFor({ timeout: WAIT });
  await mateAsk({ type: 'claim', conversation: vvconv, id: 'c2' });
  const vic = agent.locator('#myteams-list button', { hasText: 'Vic Visitor' });
  await vic.waitFor({ timeout: WAIT });
  check((await vic.textContent()).includes('assigned to Cleo Agent'), await vic.textContent());
});

await step('selecting a teammate\'s conversation shows its transcript read-only, kept current', async () => {
  await agent.locator('#myteams-list button', { hasText: 'Uma Visitor' }).click();
  const log = agent.locator('#transcript');
  await until('the transcript', async () => (await log.textContent()).includes('My parcel never came'));
  const why = agent.locator('#readonly-reason');
  check(await why.isVisible(), 'no read-only reason');
  check((await why.textContent()).includes('Read-only: assigned to Cleo Agent'), await why.textContent());
  check(await agent.locator('#reply-text').isDisabled(), 'the reply box is enabled');
  check(await agent.locator('#send-btn').isDisabled(), 'Send is enabled');
  check(await agent.locator('#note-btn').isDisabled(), 'Add note is enabled');
  check(await agent.locator('#claim-btn').isHidden(), 'Claim is offered');
  check(await agent.locator('#close-btn').isHidden(), 'Close is offered');
  check(await agent.locator('#release-btn').isHidden(), 'Return to queue is offered');
  check((await agent.locator('#conv-state').textContent()).includes('assigned to Cleo Agent'), 'state line');
  await mateAsk({ type: 'message', conversation: uconv, id: 'r1', text: 'It is on its way, Uma' });
  await until('the teammate\'s reply shown', async () => (await log.textContent()).includes('It is on its way, Uma'));
});

await step('Teams: delete asks for a second click, then the team is gone', async () => {
  await admin.getByRole('link', { name: 'Teams', exact: true }).click();
  const del = admin.getByRole('button', { name: 'Delete team Billing & refunds' });
  await del.click();
  check((await rest('GET', '/api/teams')).body.teams.length === 1, 'deleted on the first click');
  await del.click();
  await until('deleted', async () => (await rest('GET', '/api/teams')).body.teams.length === 0);
  const t = (await rest('GET', `/api/conversations/${vconv}/transcript`)).body;
  check(t.conversation.state === 'queued' && t.conversation.team === null, JSON.stringify(t.conversation));
});

await step('no page errors or CSP violations', async () => {
  for (const [label, page] of Object.entries(pages)) {
    const csp = await page.evaluate(() => window.__csp || []);
    for (const v of csp) problems.push(`${label}: securitypolicyviolation ${v}`);
  }
  check(problems.length === 0, problems.join('; '));
});

await cleanup();
clearTimeout(deadline);
log('ok   all teams checks passed');
process.exit(0);
