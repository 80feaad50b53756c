#!/usr/bin/env node
/*
 * Browser test of the site settings in the widget: the admin's colour and corner
 * applied, the pre-chat form enforcing its required field (with an accessible
 * error) before any visitor exists, and the offline banner and form when the
 * team is away; the message left reaches the Offline list.
 *
 *   PARLEY_BIN=build/parley node tests/browser/offline.mjs
 */
import { harness, WAIT } from './lib.mjs';

/* No --faq: the server's own FAQ, as the widget meets it out of the box. */
const t = await harness('offline', { budgetMs: 60000, faq: false });
const { step, check, until, rest: api, problems } = t;

await step('admin sets colour, corner, pre-chat and offline hours', async () => {
  check((await api('PUT', '/api/settings/widget', { color: '#aa0000', position: 'bottom-left',
    prechat: { name: 'optional', email: 'required' } })).status === 200, 'widget settings refused');
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const other = days[(new Date().getUTCDay() + 3) % 7];
  check((await api('PUT', '/api/settings/hours', { offline_mode: 'outside_hours',
    days: { [other]: [{ open: '09:00', close: '10:00' }] } })).status === 200, 'hours refused');
});

const page = await t.newPage('widget', { viewport: { width: 1100, height: 800 } });

await step('widget: the admin colour and the bottom-left corner are applied', async () => {
  await page.goto(`${t.base}/`);
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
  const dash = await t.newPage('dashboard', { viewport: { width: 1280, height: 900 } });
  await t.signIn(dash);
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

await t.done('offline browser test passed');
