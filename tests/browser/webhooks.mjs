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
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { harness, WAIT } from './lib.mjs';

const t = await harness('hooks', { budgetMs: 45000 });
const { step, check, until, rest } = t;

const got = [];
const rx = http.createServer((req, res) => {
  let b = '';
  req.on('data', (d) => { b += d; });
  req.on('end', () => { got.push({ headers: req.headers, body: b }); res.writeHead(200); res.end(); });
});
await new Promise((r) => rx.listen(0, '127.0.0.1', r));
const RX_URL = `http://127.0.0.1:${rx.address().port}/crm`;

const admin = await t.newPage('admin', { viewport: { width: 1280, height: 900 } });
const form = admin.locator('form.panel-form');   /* named "Add a webhook" or "Edit webhook N" */
let secret = null;

await step('admin signs in and opens Webhooks', async () => {
  await t.signIn(admin);
  const session = await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')));
  check(session && session.token, 'signing in stored no session');
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

rx.close();
await t.done('all webhook page checks passed');
process.exit(0);
