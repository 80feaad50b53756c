#!/usr/bin/env node
/*
 * Browser test of the site settings in the widget: the admin's colour and corner
 * applied, the pre-chat form enforcing its required field (with an accessible
 * error) before any visitor exists, and the offline banner and form when the
 * team is away; the message left reaches the Offline list.
 *
 *   PARLEY_BIN=build/parley node tests/browser/offline.mjs
 */
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const BIN = process.env.PARLEY_BIN ? path.resolve(process.env.PARLEY_BIN) : path.join(REPO, 'build/parley');
const ADMIN = { email: 'admin@example.test', password: 'correct horse battery 9' };
const WAIT = 10000;
let server = null, browser = null, tmp = null, serverLog = '';
const problems = [];

function log(line) { process.stdout.write(line + '\n'); }
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), new Promise((r) => setTimeout(r, 3000))]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
async function step(name, fn) {
  try { await fn(); log(`ok   ${name}`); } catch (e) {
    log(`FAIL ${name}: ${e && e.message ? e.message.split('\n').slice(0, 6).join('\n     ') : e}`);
    if (serverLog) log(serverLog.split('\n').slice(-10).map((l) => '       ' + l).join('\n'));
    if (problems.length) log(problems.join('\n'));
    await cleanup();
    process.exit(1);
  }
}
function check(cond, msg) { if (!cond) throw new Error(msg); }
async function until(what, fn, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    let v; try { v = await fn(); } catch { v = null; }
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const freePort = () => new Promise((res, rej) => {
  const s = net.createServer(); s.once('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let token = null;
async function api(method, p, body) {
  const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: await r.json().catch(() => null) };
}

await step('server starts; admin sets colour, corner, pre-chat and offline hours', async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-browser-'));
  server = spawn(BIN, ['--port', String(port), '--db', path.join(tmp, 'parley.db')], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PARLEY_ADMIN_EMAIL: ADMIN.email, PARLEY_ADMIN_PASSWORD: ADMIN.password },
  });
  const keep = (d) => { serverLog = (serverLog + d).slice(-20000); };
  server.stdout.on('data', keep); server.stderr.on('data', keep);
  await until('/healthz', async () => (await fetch(`${base}/healthz`)).ok);
  const r = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  token = (await r.json()).token;
  check((await api('PUT', '/api/settings/widget', { color: '#aa0000', position: 'bottom-left',
    prechat: { name: 'optional', email: 'required' } })).status === 200, 'widget settings refused');
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const other = days[(new Date().getUTCDay() + 3) % 7];
  check((await api('PUT', '/api/settings/hours', { offline_mode: 'outside_hours',
    days: { [other]: [{ open: '09:00', close: '10:00' }] } })).status === 200, 'hours refused');
});

browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
const page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text()); });

await step('widget: the admin colour and the bottom-left corner are applied', async () => {
  await page.goto(`${base}/`);
  const launcher = page.getByRole('button', { name: 'Open chat', exact: true });
  await launcher.waitFor({ timeout: WAIT });
  await until('the site colour', async () => page.evaluate(() => {
    const b = document.querySelector('parley-chat').shadowRoot.querySelector('.launch');
    return getComputedStyle(b).backgroundColor === 'rgb(170, 0, 0)';
  }));
  const box = await launcher.boundingBox();
  check(box && box.x < 200, `launcher not on the left (x=${box && box.x})`);
});

await step('widget: the pre-chat form shows first and enforces the required email', async () => {
  await page.getByRole('button', { name: 'Open chat', exact: true }).click();
  const email = page.getByRole('textbox', { name: 'Email (required)' });
  await email.waitFor({ timeout: WAIT });
  await page.getByRole('textbox', { name: 'Name (optional)' }).fill('Ivy');
  await page.getByRole('button', { name: 'Start chat' }).click();
  check(await email.getAttribute('aria-invalid') === 'true', 'an empty required email was accepted');
  await page.getByText('Email is required.').waitFor({ timeout: WAIT });
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parley.token')).length);
  check(stored === 0, 'a visitor was created before the form was filled in');
  await email.fill('not-an-email');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByText('Enter an email address like name@example.com.').waitFor({ timeout: WAIT });
  await email.fill('ivy@example.test');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: WAIT });
});

await step('widget: away banner; a handoff shows the offline form; the message is left', async () => {
  await page.getByText('Our team is away right now. The assistant can still help').waitFor({ timeout: WAIT });
  await page.getByRole('textbox', { name: 'Message' }).fill('I want to talk to a person');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const form = page.getByRole('form', { name: 'Leave a message' });
  await form.waitFor({ timeout: WAIT });
  const email = form.getByRole('textbox', { name: 'Email (required)' });
  check(await email.inputValue() === 'ivy@example.test', 'the pre-chat email is not prefilled');
  await form.getByRole('textbox', { name: 'Your message for the team' }).fill('Please call me about order 42');
  await form.getByRole('button', { name: 'Leave message' }).click();
  await form.waitFor({ state: 'hidden', timeout: WAIT });
  await until('the message in the log', async () => page.evaluate(() => [...document.querySelector('parley-chat')
    .shadowRoot.querySelectorAll('[role="log"] > *')].some((n) => n.textContent.includes('order 42') && !/pending/.test(n.className))));
  const r = await api('GET', '/api/conversations?state=offline');
  const c = (r.body.conversations || [])[0];
  check(c && c.visitor_email === 'ivy@example.test' && c.visitor_name === 'Ivy', `offline list: ${JSON.stringify(r.body)}`);
  check(!problems.length, problems.join('\n'));
});

await step('dashboard: admin pages load; the Offline list opens the conversation; claim and reply', async () => {
  const dash = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  dash.on('pageerror', (e) => problems.push(`dashboard page error: ${e.message}`));
  await dash.goto(`${base}/agent/`);
  await dash.getByLabel('Email').fill(ADMIN.email);
  await dash.getByLabel('Password').fill(ADMIN.password);
  await dash.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dash.getByRole('link', { name: 'Business hours', exact: true }).click();
  const zone = dash.getByRole('combobox', { name: 'Time zone' });
  await until('the hours loaded', async () => (await zone.inputValue()) === 'UTC');
  await dash.getByRole('textbox', { name: 'Monday hours' }).fill('9am till late');
  await dash.getByRole('button', { name: 'Save hours' }).click();
  await until('the day error', async () => (await dash.getByRole('textbox', { name: 'Monday hours' }).getAttribute('aria-invalid')) === 'true');
  await dash.getByRole('link', { name: 'Widget', exact: true }).click();
  await until('the widget settings loaded', async () => (await dash.getByLabel('Position').inputValue()) === 'bottom-left');
  await dash.getByRole('link', { name: 'Offline', exact: true }).click();
  await dash.getByRole('button', { name: /^Open conversation with Ivy/ }).click();
  const claimBtn = dash.getByRole('button', { name: 'Claim', exact: true });
  await claimBtn.waitFor({ timeout: WAIT });
  await claimBtn.click();
  await dash.getByRole('textbox', { name: 'Reply' }).fill('We will call you today.');
  await dash.getByRole('textbox', { name: 'Reply' }).press('Enter');
  await until('the reply in the widget', async () => page.evaluate(() => [...document.querySelector('parley-chat')
    .shadowRoot.querySelectorAll('[role="log"] > *')].some((n) => n.textContent.includes('We will call you today.'))));
  check(!problems.length, problems.join('\n'));
});

await cleanup();
log('offline browser test passed');
