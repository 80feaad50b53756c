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
import fs from 'node:fs';
import { harness, WAIT } from './lib.mjs';

const FAQ = [
  { id: 'hours', locale: 'en', question: 'When are you open?', answer: 'Nine to five, Monday to Friday.', keywords: ['opening hours', 'open*'] },
  { id: 'returns', locale: 'en', question: 'How do I return something?', answer: 'Send it back within 30 days.', keywords: ['return*', 'refund*'] },
];
const KITES = 'Kites are in aisle 3, from £12.';
const CANOES = 'Do you rent canoes?';

const t = await harness('faq', { budgetMs: 55000, faq: FAQ, args: ['--bot-misses', '5'] });
const { step, check, until, rest } = t;
/* A visitor on a plain WebSocket. */
const visitor = (name) => t.visitor({ id: 'h0', name, locale: 'en' });

const admin = await t.newPage('admin', { viewport: { width: 1280, height: 900 } });
admin.on('dialog', (d) => d.accept());     /* the confirm() before a delete or an import */

const form = admin.getByRole('form', { name: /entry/ });
const rowOf = (id) => admin.locator(`tr[data-faq="${id}"]`);
const say = (text) => admin.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: WAIT });

await step('the admin signs in and opens the FAQ page; the entries are listed', async () => {
  await t.signIn(admin);
  check(await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')).token), 'no session token in the page');
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

await t.done('all FAQ page checks passed');
