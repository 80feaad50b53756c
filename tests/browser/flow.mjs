#!/usr/bin/env node
/*
 * End-to-end browser test: a visitor on the demo page and an agent on the dashboard,
 * against the real server, in Debian's Chromium (headless) driven by playwright-core.
 *
 *   PARLEY_BIN=build/parley node tests/browser/flow.mjs
 *
 * Starts the server itself on a free port with a temporary database and faq/demo.json,
 * then walks one conversation through bot answer, handoff, claim, reply, resume after a
 * reload, close and rating, plus an HTML-injection check on both sides. Prints one
 * "ok"/"FAIL" line per step, exits non-zero on the first failure (with screenshots in
 * tests/browser/artifacts/ and the server's output tail), and always stops the server.
 */
import { readFile } from 'node:fs/promises';
import { harness, ADMIN_EMAIL, ADMIN_PASSWORD, WAIT } from './lib.mjs';

const QUESTION = 'How do I return an item I bought? I would like a refund.';
const XSS = '<img src=x onerror="window.__xss=1">';
const REPLY = 'Hello from the dashboard';
const AFTER_JOIN = 'Thanks! My order number is 12345.';

const t = await harness('flow', { budgetMs: 55000 });
const { step, check, until, base } = t;

/* Texts of the widget's messages, read through the open shadow root. */
function widgetMessages(page) {
  return page.evaluate(() => {
    const host = document.querySelector('parley-chat');
    const root = host && host.shadowRoot;
    return root ? [...root.querySelectorAll('[role="log"] > *')].map((n) => ({
      text: n.textContent, cls: n.className, imgs: n.querySelectorAll('img').length,
    })) : [];
  });
}

const visitor = await t.newPage('widget', { viewport: { width: 1100, height: 800 } });
const chatLog = visitor.getByRole('log');

/* ---------------- visitor meets the bot ---------------- */
await step('widget: demo page loads and "Open chat" opens the panel', async () => {
  await visitor.goto(`${base}/`);
  await visitor.getByRole('button', { name: 'Open chat', exact: true }).click({ timeout: WAIT });
  await visitor.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: WAIT });
});

await step('widget: a returns question gets a bot answer', async () => {
  await visitor.getByRole('textbox', { name: 'Message' }).fill(QUESTION);
  await visitor.getByRole('button', { name: 'Send', exact: true }).click();
  await until('the question in the log, acked', async () =>
    (await widgetMessages(visitor)).some((m) => m.text.includes(QUESTION) && !/pending/.test(m.cls)));
  /* The bot either answers (quick reply "That helped") or, when two entries are too close
   * to call, offers choices: then pick the first and expect its answer. */
  const choice = visitor.locator('parley-chat .msg.bot .choices button');
  const helped = visitor.getByRole('button', { name: 'That helped', exact: true });
  const got = await until('a bot answer or a choice of answers', async () =>
    (await helped.count()) > 0 ? 'answer' : (await choice.count()) > 0 ? 'choices' : null);
  if (got === 'choices') {
    await choice.first().click();
    await helped.waitFor({ timeout: WAIT });
  }
});

await step('widget: HTML in a visitor message is shown as text', async () => {
  await visitor.getByRole('textbox', { name: 'Message' }).fill(XSS);
  await visitor.keyboard.press('Enter');
  await until('the literal markup in the log', async () =>
    (await widgetMessages(visitor)).some((m) => m.text.includes(XSS) && !/pending/.test(m.cls)));
  const msgs = await widgetMessages(visitor);
  check(msgs.every((m) => m.imgs === 0), 'an <img> element was created in the log');
  check(await visitor.evaluate(() => window.__xss) === undefined, 'window.__xss was set');
});

await step('widget: "Talk to a person" puts the visitor in the queue', async () => {
  await visitor.getByRole('button', { name: 'Talk to a person', exact: true }).click({ timeout: WAIT });
  await visitor.getByText('Waiting for an agent…', { exact: true }).waitFor({ timeout: WAIT });
  await visitor.getByText(/You are next in line/).waitFor({ timeout: WAIT });
});

/* ---------------- the agent ---------------- */
const agent = await t.newPage('dashboard', { viewport: { width: 1280, height: 800 } });
const transcript = agent.getByRole('log', { name: 'Transcript' });

await step('dashboard: a wrong password shows an error', async () => {
  await agent.goto(`${base}/agent/`);
  await agent.getByLabel('Email').fill(ADMIN_EMAIL);
  await agent.getByLabel('Password').fill('not the password');
  await agent.getByRole('button', { name: 'Sign in', exact: true }).click();
  await until('an error message', async () => ((await agent.getByRole('alert').textContent()) || '').trim());
});

await step('dashboard: the admin signs in and sees the conversation in the queue', async () => {
  await agent.getByLabel('Password').fill(ADMIN_PASSWORD);
  await agent.getByRole('button', { name: 'Sign in', exact: true }).click();
  await agent.locator('#queue-list button').first().waitFor({ timeout: WAIT });
  await until('a waiting time', async () => /waiting \d+/.test(await agent.locator('#queue-list').textContent()));
});

await step('dashboard: the transcript has the question, the bot answer and the markup as text', async () => {
  await agent.locator('#queue-list button').first().click();
  await until('the question in the transcript', async () => (await transcript.textContent()).includes(QUESTION));
  await until('the bot answer with its FAQ', async () => /answered by FAQ/.test(await transcript.textContent()));
  check((await transcript.textContent()).includes(XSS), 'the markup is not shown as text');
  check(await transcript.locator('img').count() === 0, 'an <img> element was created in the transcript');
  check(await agent.evaluate(() => window.__xss) === undefined, 'window.__xss was set on the dashboard');
});

await step('dashboard: Claim assigns it; the widget says the agent joined', async () => {
  await agent.getByRole('button', { name: 'Claim', exact: true }).click();
  await agent.locator('#mine-list button').first().waitFor({ timeout: WAIT });
  await until('Send enabled', () => agent.getByRole('button', { name: 'Send', exact: true }).isEnabled());
  await visitor.getByText(/joined/).first().waitFor({ timeout: WAIT });
});

await step('dashboard reply reaches the widget', async () => {
  await agent.getByRole('textbox', { name: 'Reply' }).fill(REPLY);
  await agent.getByRole('button', { name: 'Send', exact: true }).click();
  await until('the reply acked on the dashboard', async () =>
    (await agent.locator('#transcript .msg.agent:not(.pending)', { hasText: REPLY }).count()) === 1);
  await until('the reply in the widget', async () => (await chatLog.textContent()).includes(REPLY));
});

await step('widget: once an agent has joined, the bot stays quiet', async () => {
  await visitor.getByRole('textbox', { name: 'Message' }).fill(AFTER_JOIN);
  await visitor.keyboard.press('Enter');
  await until('the visitor message on the dashboard', async () => (await transcript.textContent()).includes(AFTER_JOIN));
  await new Promise((r) => setTimeout(r, 1000));   /* a bot reply would come within this */
  const msgs = await widgetMessages(visitor);
  const i = msgs.findIndex((m) => m.text.includes(AFTER_JOIN));
  const bot = msgs.slice(i + 1).filter((m) => /\bbot\b/.test(m.cls));
  check(bot.length === 0, `the bot answered after the agent joined: "${bot.map((m) => m.text).join('" / "')}"`);
});

await step('widget: a reload resumes the transcript without duplicates', async () => {
  const before = (await widgetMessages(visitor)).map((m) => m.text);
  await visitor.reload();
  /* The widget may come back open (it remembers that per tab) or closed. */
  const launcher = visitor.getByRole('button', { name: 'Open chat', exact: true });
  await launcher.or(chatLog).first().waitFor({ timeout: WAIT });
  if (await launcher.isVisible()) await launcher.click();
  await chatLog.waitFor({ timeout: WAIT });
  await until('the reply after the reload', async () =>
    (await widgetMessages(visitor)).some((m) => m.text.includes(REPLY)), WAIT);
  await new Promise((r) => setTimeout(r, 500));   /* let any duplicate arrive */
  const after = (await widgetMessages(visitor)).map((m) => m.text);
  const count = (s) => after.filter((t) => t.includes(s)).length;
  check(count(QUESTION) === 1, `the question appears ${count(QUESTION)} times`);
  check(count(REPLY) === 1, `the reply appears ${count(REPLY)} times`);
  check(count(XSS) === 1, `the markup message appears ${count(XSS)} times`);
  check(after.length === before.length, `${before.length} messages before the reload, ${after.length} after`);
});

await step('dashboard: Close conversation; the widget asks for a rating', async () => {
  await agent.getByRole('button', { name: 'Close conversation', exact: true }).click();
  await visitor.getByText('Conversation closed', { exact: true }).waitFor({ timeout: WAIT });
  await visitor.getByRole('group', { name: 'Rating' }).waitFor({ timeout: WAIT });
  await agent.locator('#closed-list button').first().waitFor({ timeout: WAIT });
});

await step('widget: the visitor downloads the transcript of the closed chat', async () => {
  const [download] = await Promise.all([
    visitor.waitForEvent('download', { timeout: WAIT }),
    visitor.getByRole('button', { name: 'Download transcript', exact: true }).click(),
  ]);
  const text = await readFile(await download.path(), 'utf8');
  check(text.includes(REPLY), `the agent's reply is missing from: ${text.slice(0, 300)}`);
  check(/You: /.test(text) && /Bot: /.test(text), 'authors are missing');
});

await step('widget: the visitor rates and starts a new conversation', async () => {
  await visitor.getByRole('button', { name: '5 out of 5' }).click();
  await visitor.getByRole('textbox', { name: 'Comment (optional)' }).fill('Quick and friendly');
  await visitor.getByRole('button', { name: 'Send rating', exact: true }).click();
  await visitor.getByText('Thank you for your feedback.', { exact: true }).waitFor({ timeout: WAIT });
  await visitor.getByRole('button', { name: 'Start a new conversation', exact: true }).click();
  await visitor.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: WAIT });
  await until('an empty-of-old-messages log', async () =>
    !(await widgetMessages(visitor)).some((m) => m.text.includes(REPLY)));
});

await t.done('all browser checks passed');
