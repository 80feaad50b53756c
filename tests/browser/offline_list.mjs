#!/usr/bin/env node
/*
 * Browser test: offline messages (offline mode) are in the dashboard's conversation
 * lists: those that arrived before the agent signed in (loaded at ready) and those
 * that arrive while they work (state events), with a count; claiming one moves it
 * to "Mine".
 *
 *   PARLEY_BIN=build/parley node tests/browser/offline_list.mjs
 */
import { harness } from './lib.mjs';
const t = await harness('offline-list', { budgetMs: 40000 });
const { step, check, until } = t;
const page = await t.newPage('admin');
await step('offline conversations show in the lists, at ready and live', async () => {
  const r = await t.rest('PUT', '/api/settings/hours', { timezone: 'UTC', offline_mode: 'outside_hours_or_no_agent' });
  check(r.status === 200, JSON.stringify(r.body));
  const v1 = await t.visitor({ name: 'Early Bird' });
  v1.send({ type: 'handoff' });
  await until('offline state', async () => v1.frames.find((f) => f.type === 'state' && f.state === 'offline'));
  await t.signIn(page);
  await page.locator('#offline-list li', { hasText: 'Early Bird' }).waitFor({ timeout: 10000 });
  // An agent is online now; a second visitor's handoff would queue, so make it offline by hours instead.
  const r2 = await t.rest('PUT', '/api/settings/hours', { timezone: 'UTC', offline_mode: 'outside_hours', days: { mon: [{ open: '00:00', close: '00:01' }] } });
  check(r2.status === 200, JSON.stringify(r2.body));
  const v2 = await t.visitor({ name: 'Night Owl' });
  v2.send({ type: 'handoff' });
  await page.locator('#offline-list li', { hasText: /Night Owl|Visitor/ }).nth(0).waitFor({ timeout: 10000 });
  await until('two offline', async () => (await page.locator('#offline-list li').count()) === 2);
  check((await page.locator('#offline-count').textContent()) === '2', 'count');
  await page.locator('#offline-list li', { hasText: 'Early Bird' }).getByRole('button').click();
  await page.getByRole('button', { name: 'Claim', exact: true }).click();
  await until('claimed into mine', async () => (await page.locator('#mine-list li', { hasText: 'Early Bird' }).count()) === 1);
  check((await page.locator('#offline-list li').count()) === 1, 'still listed as offline');
});
await t.done();
