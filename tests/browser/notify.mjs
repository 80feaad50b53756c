#!/usr/bin/env node
/*
 * Browser test of the dashboard's alerts: off until the agent turns them on; then a
 * sound and a browser notification for a newly queued chat and for a visitor's message
 * in the agent's own conversation, but not for the one they are looking at; the choice
 * survives a reload; clicking a notification opens its conversation.
 *
 * The page's Notification and AudioContext are replaced by recorders (headless Chromium
 * has neither a notification centre nor speakers), so the test sees exactly what the
 * dashboard asked the browser to do.
 *
 *   PARLEY_BIN=build/parley node tests/browser/notify.mjs
 */
import { harness } from './lib.mjs';

const t = await harness('notify', { budgetMs: 45000 });
const { step, check, until } = t;

function recorders() {
  window.__notes = [];
  window.__beeps = 0;
  window.__asked = 0;
  class FakeNotification {
    /* Kept across reloads, as a browser keeps a site's permission. */
    static get permission() { return sessionStorage.getItem('fake.permission') || 'default'; }
    static async requestPermission() { window.__asked++; sessionStorage.setItem('fake.permission', 'granted'); return 'granted'; }
    constructor(title, opts) { this.title = title; this.opts = opts; window.__notes.push(this); }
    close() { this.closed = true; }
  }
  window.Notification = FakeNotification;
  class FakeAudio {
    constructor() { this.currentTime = 0; this.destination = {}; }
    createOscillator() {
      const p = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
      return { type: '', frequency: p, connect: (g) => g, start: () => { window.__beeps++; }, stop() {} };
    }
    createGain() {
      const p = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
      return { gain: p, connect: (d) => d };
    }
  }
  window.AudioContext = FakeAudio;
}

const page = await t.newPage('admin', { init: recorders });
const alerts = page.getByRole('button', { name: /^Alerts (on|off)$/ });
const seen = () => page.evaluate(() => ({
  notes: window.__notes.map((n) => ({ title: n.title, body: n.opts.body, tag: n.opts.tag })),
  beeps: window.__beeps, asked: window.__asked,
}));

await step('alerts start off: a queued chat makes no sound and no notification', async () => {
  await t.signIn(page);
  check(await alerts.getAttribute('aria-pressed') === 'false', 'alerts should start off');
  const v = await t.visitor({ name: 'Quiet Visitor' });
  v.send({ type: 'handoff' });
  await page.locator('#queue-list li', { hasText: 'Quiet Visitor' }).waitFor({ timeout: 10000 });
  const s = await seen();
  check(s.notes.length === 0 && s.beeps === 0, `alerted while off: ${JSON.stringify(s)}`);
});

let ada = null;
await step('turning alerts on asks for permission once, then a queued chat alerts', async () => {
  await alerts.click();
  check(await alerts.getAttribute('aria-pressed') === 'true', 'alerts did not turn on');
  check((await seen()).asked === 1, 'permission was not asked');
  ada = await t.visitor({ name: 'Ada Lovelace' });
  ada.send({ type: 'message', id: 'm1', text: 'Where is my order?' });
  ada.send({ type: 'handoff' });
  const s = await until('a notification', async () => { const x = await seen(); return x.notes.length && x; });
  check(/New chat waiting: Ada Lovelace/.test(s.notes[0].title), `title: ${s.notes[0].title}`);
  check(s.notes[0].tag === `parley-${ada.welcome.conversation.id}`, `tag: ${s.notes[0].tag}`);
  check(s.beeps >= 1, 'no sound');
});

await step('a message in the conversation being read, in a visible tab, does not alert', async () => {
  await page.locator('#queue-list li', { hasText: 'Ada Lovelace' }).getByRole('button').click();
  await page.getByRole('button', { name: 'Claim', exact: true }).click();
  await until('claimed', async () => (await page.locator('#mine-list li', { hasText: 'Ada Lovelace' }).count()) === 1);
  const before = (await seen()).notes.length;
  ada.send({ type: 'message', id: 'm2', text: 'Thanks for taking this' });
  await page.locator('.msg.visitor', { hasText: 'Thanks for taking this' }).waitFor({ timeout: 10000 });
  await new Promise((r) => setTimeout(r, 300));
  check((await seen()).notes.length === before, 'alerted for the open conversation');
});

await step('with the tab hidden, a visitor message in my conversation alerts', async () => {
  await page.evaluate(() => Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }));
  ada.send({ type: 'message', id: 'm3', text: 'Are you still there?' });
  const n = await until('a message notification', async () =>
    (await seen()).notes.find((x) => /Ada Lovelace wrote/.test(x.title)));
  check(n.body === 'Are you still there?', `body: ${n.body}`);
  await page.evaluate(() => { delete document.visibilityState; });
});

await step('the choice survives a reload; clicking a notification opens its conversation', async () => {
  await page.reload();
  await until('Connected', async () => (await page.locator('#conn-status').textContent()) === 'Connected');
  check(await alerts.getAttribute('aria-pressed') === 'true', 'alerts forgot they were on');
  const bob = await t.visitor({ name: 'Bob Builder' });
  bob.send({ type: 'handoff' });
  await until('the notification for Bob', async () =>
    page.evaluate(() => window.__notes.some((n) => /Bob Builder/.test(n.title))));
  await page.evaluate(() => window.__notes.find((n) => /Bob Builder/.test(n.title)).onclick());
  await until('Bob selected', async () => /Bob Builder/.test(await page.locator('#conv-title').textContent()));
});

await step('turning alerts off silences them', async () => {
  await alerts.click();
  check(await alerts.getAttribute('aria-pressed') === 'false', 'alerts did not turn off');
  const before = await seen();
  const v = await t.visitor({ name: 'Late Visitor' });
  v.send({ type: 'handoff' });
  await page.locator('#queue-list li', { hasText: 'Late Visitor' }).waitFor({ timeout: 10000 });
  const after = await seen();
  check(after.notes.length === before.notes.length && after.beeps === before.beeps, 'alerted while off');
});

await t.done();
