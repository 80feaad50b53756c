#!/usr/bin/env node
/*
 * Browser test of the dashboard's team and admin features, against the real server in
 * Debian's Chromium (headless) driven by playwright-core.
 *
 *   PARLEY_BIN=build/parley node tests/browser/dashboard.mjs
 *   PARLEY_ARGS="--web-root /work/main/widget" …   (extra server options, split on spaces)
 *
 * The admin signs in, creates an agent (a duplicate e-mail is refused next to the
 * field), sets its capacity, deactivates and reactivates it, and switches assignment
 * to automatic. The agent signs in in a second browser context and the admin's Team
 * list shows them online. A visitor (a plain WebSocket) asks for a person and the
 * agent's dashboard is given the conversation on its own; the agent answers with
 * Ctrl+Enter, exports the transcript as text and JSON, closes with Alt+X; the Reports
 * page counts the conversation for today. One "ok"/"FAIL" line per step; exits
 * non-zero on the first failure (screenshots in tests/browser/artifacts/).
 */
import fs from 'node:fs';
import { harness, ADMIN_EMAIL, WAIT } from './lib.mjs';

const AGENT = { email: 'bob@example.test', name: 'Bob Agent', password: 'bob password 123' };
const VISITOR_MSG = 'My parcel never arrived, order 98765.';
const REPLY = 'Sorry about that, let me check order 98765.';

const t = await harness('dash', { budgetMs: 55000 });
const { step, check, until, rest } = t;

/* REST as the admin, to check what the pages did. */
const findAgent = async (email) => (await rest('GET', '/api/agents')).body.agents.find((a) => a.email === email);

const admin = await t.newPage('admin');
const teamEntry = (page, name) => page.locator('#team-list li', { hasText: name });

await step('admin signs in; the Team list shows them online', async () => {
  await t.signIn(admin);
  check(await admin.evaluate(() => JSON.parse(sessionStorage.getItem('parley.agent')).token), 'no session token in the page');
  await until('the admin online in Team', async () =>
    (await teamEntry(admin, '(you)').getAttribute('data-status')) === 'online');
  for (const name of ['Conversations', 'Agents', 'Settings', 'Reports']) {
    check(await admin.getByRole('link', { name, exact: true }).isVisible(), `no "${name}" link for the admin`);
  }
});

/* ---------------- Agents ---------------- */
const createForm = admin.getByRole('form', { name: 'Add an agent' });
let agentId = null;

await step('Agents: the list shows the admin; creating an agent adds a row', async () => {
  await admin.getByRole('link', { name: 'Agents', exact: true }).click();
  await admin.getByRole('heading', { name: 'Agents', level: 1 }).waitFor({ timeout: WAIT });
  await admin.locator('tr[data-agent]', { hasText: ADMIN_EMAIL }).waitFor({ timeout: WAIT });
  await createForm.getByLabel('Email').fill(AGENT.email);
  await createForm.getByLabel('Name').fill(AGENT.name);
  await createForm.getByLabel('Password').fill(AGENT.password);
  await createForm.getByRole('button', { name: 'Create agent' }).click();
  await admin.locator('tr[data-agent]', { hasText: AGENT.email }).waitFor({ timeout: WAIT });
  await admin.getByRole('status').filter({ hasText: `Created ${AGENT.name}` }).waitFor({ timeout: WAIT });
  const a = await findAgent(AGENT.email);
  check(a && a.role === 'agent' && a.active, `stored agent: ${JSON.stringify(a)}`);
  agentId = a.id;
});

await step('Agents: a duplicate e-mail is refused next to the Email field', async () => {
  await createForm.getByLabel('Email').fill(AGENT.email);
  await createForm.getByLabel('Name').fill('Someone Else');
  await createForm.getByLabel('Password').fill('another password 1');
  await createForm.getByRole('button', { name: 'Create agent' }).click();
  const email = createForm.getByLabel('Email');
  await until('aria-invalid on Email', async () => (await email.getAttribute('aria-invalid')) === 'true');
  const errId = (await email.getAttribute('aria-describedby')).split(' ').pop();
  const msg = await admin.locator(`[id="${errId}"]`).textContent();
  check(/exist|taken|e-mail/i.test(msg), `the error next to Email says "${msg}"`);
  check(await admin.locator('tr[data-agent]').count() === 2, 'a second row appeared');
  await createForm.getByLabel('Email').fill('');
  await createForm.getByLabel('Password').fill('');
  await createForm.getByLabel('Name').fill('');
});

await step('Agents: capacity 2, deactivate, reactivate', async () => {
  await admin.getByLabel(`Capacity of ${AGENT.name}`, { exact: true }).fill('2');
  await admin.getByRole('button', { name: `Save capacity of ${AGENT.name}` }).click();
  await admin.getByRole('status').filter({ hasText: 'capacity 2' }).waitFor({ timeout: WAIT });
  check((await findAgent(AGENT.email)).capacity === 2, 'capacity is not 2 in the store');
  const row = admin.locator(`tr[data-agent="${agentId}"]`);
  await admin.getByRole('button', { name: `Deactivate ${AGENT.name}` }).click();
  await admin.getByRole('button', { name: `Reactivate ${AGENT.name}` }).waitFor({ timeout: WAIT });
  check((await row.textContent()).includes('Inactive'), 'the row does not say Inactive');
  check((await findAgent(AGENT.email)).active === false, 'still active in the store');
  await admin.getByRole('button', { name: `Reactivate ${AGENT.name}` }).click();
  await admin.getByRole('button', { name: `Deactivate ${AGENT.name}` }).waitFor({ timeout: WAIT });
  const a = await findAgent(AGENT.email);
  check(a.active === true && a.capacity === 2, `after reactivation: ${JSON.stringify(a)}`);
});

/* ---------------- Settings ---------------- */
await step('Settings: switch assignment to automatic', async () => {
  await admin.getByRole('link', { name: 'Settings', exact: true }).click();
  const auto = admin.getByLabel('Automatic', { exact: true });
  await until('the form loaded', () => auto.isEnabled());
  check(await admin.getByLabel('Manual', { exact: true }).isChecked(), 'manual is not the initial mode');
  await auto.check();
  await admin.getByRole('button', { name: 'Save settings' }).click();
  await admin.getByRole('status').filter({ hasText: 'assignment is automatic' }).waitFor({ timeout: WAIT });
  check((await rest('GET', '/api/settings')).body.assignment === 'auto', 'the store still says manual');
});

await step('the admin goes Away (so the agent gets the next conversation)', async () => {
  await admin.getByRole('link', { name: 'Conversations', exact: true }).click();
  await admin.locator('#status-select').selectOption('away');
  await until('the admin away in Team', async () =>
    (await teamEntry(admin, '(you)').getAttribute('data-status')) === 'away');
});

/* ---------------- the agent ---------------- */
const agent = await t.newPage('agent');

await step('the agent signs in; the admin sees them go online', async () => {
  await t.signIn(agent, AGENT.email, AGENT.password);
  await until('the agent online in the admin\'s Team list', async () => {
    const li = teamEntry(admin, AGENT.name);
    return (await li.getAttribute('data-status')) === 'online' && /Online/.test(await li.textContent());
  });
  check(!(await agent.getByRole('link', { name: 'Agents', exact: true }).isVisible()), 'an agent sees the Agents link');
  check(!(await agent.getByRole('link', { name: 'Settings', exact: true }).isVisible()), 'an agent sees the Settings link');
  check(await agent.getByRole('link', { name: 'Reports', exact: true }).isVisible(), 'an agent has no Reports link');
});

/* ---------------- a visitor asks for a person ---------------- */
/* A visitor on a plain WebSocket who writes `text` and asks for a person. */
async function visitorAsks(name, text) {
  const v = await t.visitor({ id: 'h0', name });
  const { next } = v;
  v.send({ type: 'message', id: 'v1', text });
  await next((f) => f.type === 'ack' && f.id === 'v1', 'the ack of the message');
  v.send({ type: 'handoff', id: 'h1' });
  await next((f) => f.type === 'ack' && f.id === 'h1', 'the ack of the handoff');
  await next((f) => f.type === 'state' && f.state === 'assigned', 'state assigned');
  return v;
}
let vera = null;
const next = (pred, what) => vera.next(pred, what);

await step('a visitor asks for a person; the agent is given the conversation', async () => {
  vera = await visitorAsks('Vera Visitor', VISITOR_MSG);
  await agent.locator('#mine-list button', { hasText: 'Vera Visitor' }).waitFor({ timeout: WAIT });
  await until('the notification', async () => /assigned to you/.test(await agent.locator('#toast').textContent()));
  await agent.locator('#mine-list button', { hasText: 'Vera Visitor' }).click();
  const transcript = agent.getByRole('log', { name: 'Transcript' });
  await until('the visitor message in the transcript', async () => (await transcript.textContent()).includes(VISITOR_MSG));
  await until('Send enabled', () => agent.getByRole('button', { name: 'Send', exact: true }).isEnabled());
});

await step('the agent replies with Ctrl+Enter; the visitor gets it', async () => {
  const box = agent.getByRole('textbox', { name: 'Reply' });
  await box.fill(REPLY);
  await box.press('Control+Enter');
  await until('the reply acked', async () =>
    (await agent.locator('#transcript .msg.agent:not(.pending)', { hasText: REPLY }).count()) === 1);
  await next((f) => f.type === 'message' && f.author && f.author.role === 'agent' && f.text === REPLY, 'the reply at the visitor');
});

await step('"?" opens the shortcut help; Escape closes it', async () => {
  await agent.locator('#conv-title').click();
  await agent.keyboard.press('?');
  const dlg = agent.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dlg.waitFor({ timeout: WAIT });
  check((await dlg.textContent()).includes('Claim the conversation'), 'the help does not list Claim');
  await agent.keyboard.press('Escape');
  await dlg.waitFor({ state: 'hidden', timeout: WAIT });
});

await step('Export text and Export JSON download the transcript', async () => {
  let [dl] = await Promise.all([agent.waitForEvent('download', { timeout: WAIT }),
    agent.getByRole('button', { name: 'Export text', exact: true }).click()]);
  let body = fs.readFileSync(await dl.path(), 'utf8');
  check(body.includes(VISITOR_MSG), `the text export lacks the visitor message:\n${body.slice(0, 300)}`);
  check(body.includes(REPLY), 'the text export lacks the reply');
  check(/\.txt$/.test(dl.suggestedFilename()), `text file name ${dl.suggestedFilename()}`);
  [dl] = await Promise.all([agent.waitForEvent('download', { timeout: WAIT }),
    agent.getByRole('button', { name: 'Export JSON', exact: true }).click()]);
  body = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  check(body.messages.some((m) => m.text === VISITOR_MSG), 'the JSON export lacks the visitor message');
});

await step('a second visitor is assigned too; Alt+ArrowDown / Alt+ArrowUp move between them', async () => {
  await visitorAsks('Walt Visitor', 'Where is my refund?');
  const walt = agent.locator('#mine-list button', { hasText: 'Walt Visitor' });
  await walt.waitFor({ timeout: WAIT });
  check(await agent.locator('#conv-title').textContent() === 'Vera Visitor', 'the new assignment took the open conversation');
  await agent.locator('#conv-title').click();
  await agent.keyboard.press('Alt+ArrowDown');
  await until('Walt selected', async () => await agent.locator('#conv-title').textContent() === 'Walt Visitor');
  check(await walt.getAttribute('aria-current') === 'true', 'Walt is not marked current in the list');
  await agent.keyboard.press('Alt+ArrowUp');
  await until('Vera selected', async () => await agent.locator('#conv-title').textContent() === 'Vera Visitor');
});

await step('Alt+X closes the conversation', async () => {
  await agent.locator('#conv-title').click();
  await agent.keyboard.press('Alt+KeyX');
  await next((f) => f.type === 'state' && f.state === 'closed', 'state closed at the visitor');
  await agent.locator('#closed-list button', { hasText: 'Vera Visitor' }).waitFor({ timeout: WAIT });
});

/* ---------------- Reports ---------------- */
const kpi = (page, key) => page.locator(`.tile[data-kpi="${key}"] .t-value`);

await step('Reports (admin): today counts the conversation; the chart is drawn; the agent filter works', async () => {
  await admin.getByRole('link', { name: 'Reports', exact: true }).click();
  await until('conversations >= 1', async () => Number(await kpi(admin, 'conversations').textContent()) >= 1);
  const today = new Date().toISOString().slice(0, 10);
  check(await admin.getByLabel('To (UTC)').inputValue() === today, 'the range does not end today (UTC)');
  check(await admin.locator('svg.chart rect').count() >= 7, 'the chart has no bars');
  check(/\d+(\.\d)? (s|min|h)/.test(await kpi(admin, 'first_response_ms').textContent()), 'first response is not a duration');
  check(await kpi(admin, 'csat').textContent() === '—', 'an empty CSAT is not shown as "—"');
  const agentSel = admin.getByLabel('Agent', { exact: true });
  await until('the agent in the filter', async () => (await agentSel.textContent()).includes(AGENT.name));
  await agentSel.selectOption({ label: AGENT.name });
  await admin.getByRole('status').filter({ hasText: `${AGENT.name}: 2 conversations.` }).waitFor({ timeout: WAIT });
  check(Number(await kpi(admin, 'handoffs').textContent()) === 2, 'the agent report lacks the handoffs');
});

await step('Reports (agent): their own figures, no agent filter', async () => {
  await agent.getByRole('link', { name: 'Reports', exact: true }).click();
  await until('conversations >= 1', async () => Number(await kpi(agent, 'conversations').textContent()) >= 1);
  check(await agent.getByLabel('Agent', { exact: true }).count() === 0, 'an agent sees the agent filter');
});

await step('the agent signs out; the admin sees them go offline', async () => {
  await admin.getByRole('link', { name: 'Conversations', exact: true }).click();
  await agent.getByRole('button', { name: 'Sign out', exact: true }).click();
  await until('the agent offline in Team', async () =>
    (await teamEntry(admin, AGENT.name).getAttribute('data-status')) === 'offline');
});

/* ---------------- Canned responses ---------------- */
const cannedForm = admin.getByRole('form', { name: 'Add a canned response' });

await step('Canned responses (admin): a bad shortcut is refused next to the field; /thanks is created', async () => {
  await admin.getByRole('link', { name: 'Canned responses', exact: true }).click();
  await admin.getByRole('heading', { name: 'Canned responses', level: 1 }).waitFor({ timeout: WAIT });
  await cannedForm.getByLabel('Shortcut').fill('Thanks!');
  await cannedForm.getByLabel('Title').fill('Thanks');
  await cannedForm.getByLabel('Text').fill('Thanks, {{visitor.name}}!');
  await cannedForm.getByRole('button', { name: 'Create canned response' }).click();
  const sc = cannedForm.getByLabel('Shortcut');
  await until('aria-invalid on Shortcut', async () => (await sc.getAttribute('aria-invalid')) === 'true');
  await sc.fill('thanks');
  await cannedForm.getByRole('button', { name: 'Create canned response' }).click();
  await admin.getByRole('status').filter({ hasText: 'Created /thanks.' }).waitFor({ timeout: WAIT });
  await admin.locator('tr[data-canned]', { hasText: '/thanks' }).waitFor({ timeout: WAIT });
  const stored = (await rest('GET', '/api/canned')).body.canned;
  check(stored.length === 1 && stored[0].text === 'Thanks, {{visitor.name}}!', `stored: ${JSON.stringify(stored)}`);
});

await step('Canned responses (admin): a duplicate shortcut is refused next to the field (409)', async () => {
  await cannedForm.getByLabel('Shortcut').fill('thanks');
  await cannedForm.getByLabel('Title').fill('Again');
  await cannedForm.getByLabel('Text').fill('Again');
  await cannedForm.getByRole('button', { name: 'Create canned response' }).click();
  const sc = cannedForm.getByLabel('Shortcut');
  await until('aria-invalid on Shortcut', async () => (await sc.getAttribute('aria-invalid')) === 'true');
  const errId = (await sc.getAttribute('aria-describedby')).split(' ').pop();
  const msg = await admin.locator(`[id="${errId}"]`).textContent();
  check(/taken/i.test(msg), `the error next to Shortcut says "${msg}"`);
  check(await admin.locator('tr[data-canned]').count() === 1, 'a second row appeared');
  await admin.getByRole('link', { name: 'Conversations', exact: true }).click();
});

let xena = null;
await step('the agent signs in again and is given a new visitor', async () => {
  await rest('PATCH', `/api/agents/${agentId}`, { capacity: 5 });
  await t.signIn(agent, AGENT.email, AGENT.password);
  check(!(await agent.getByRole('link', { name: 'Canned responses', exact: true }).isVisible()), 'an agent sees the Canned responses link');
  xena = await visitorAsks('Xena Visitor', 'Can I change my delivery address?');
  const item = agent.locator('#mine-list button', { hasText: 'Xena Visitor' });
  await item.waitFor({ timeout: WAIT });
  await item.click();
  await until('Xena selected', async () => await agent.locator('#conv-title').textContent() === 'Xena Visitor');
  await until('Send enabled', () => agent.getByRole('button', { name: 'Send', exact: true }).isEnabled());
});

await step('the agent types "/tha": the suggestion list offers /thanks; Escape closes it', async () => {
  const box = agent.getByRole('textbox', { name: 'Reply' });
  await box.fill('');
  await box.pressSequentially('/tha');
  const list = agent.getByRole('listbox', { name: 'Canned responses' });
  await list.waitFor({ timeout: WAIT });
  const opt = list.getByRole('option', { name: '/thanks — Thanks' });
  await opt.waitFor({ timeout: WAIT });
  check(await opt.getAttribute('aria-selected') === 'true', 'the first option is not selected');
  check(await box.getAttribute('aria-activedescendant') === await opt.getAttribute('id'), 'aria-activedescendant is not the option');
  await box.press('Escape');
  await list.waitFor({ state: 'hidden', timeout: WAIT });
  check(await box.inputValue() === '/tha', 'Escape changed the text');
  await box.press('Backspace');
  await box.pressSequentially('a');
  await list.waitFor({ timeout: WAIT });
});

await step('Enter inserts the text with the visitor\'s name; sending it reaches the visitor', async () => {
  const box = agent.getByRole('textbox', { name: 'Reply' });
  await box.press('Enter');
  await until('the text inserted', async () => (await box.inputValue()) === 'Thanks, Xena Visitor!');
  check(await agent.getByRole('listbox', { name: 'Canned responses' }).isHidden(), 'the list stayed open');
  check(await agent.locator('#transcript .msg.agent', { hasText: 'Thanks, Xena' }).count() === 0, 'Enter also sent the reply');
  await box.press('Enter');
  await xena.next((f) => f.type === 'message' && f.author && f.author.role === 'agent' && f.text === 'Thanks, Xena Visitor!',
    'the canned reply at the visitor');
  check(await box.inputValue() === '', 'the box was not cleared after sending');
});

await step('a click on a suggestion inserts it too', async () => {
  const box = agent.getByRole('textbox', { name: 'Reply' });
  await box.pressSequentially('/t');
  await agent.getByRole('option', { name: '/thanks — Thanks' }).click();
  await until('the text inserted', async () => (await box.inputValue()) === 'Thanks, Xena Visitor!');
  await box.fill('');
});

/* ---------------- search and visitor history ---------------- */
await step('searching closed conversations finds one by a word of its transcript; Clear restores the list', async () => {
  await agent.locator('#closed-list button', { hasText: 'Vera Visitor' }).waitFor({ timeout: WAIT });
  const q = agent.getByRole('searchbox', { name: 'Search text' });
  await q.fill('PARCEL never');
  await q.press('Enter');
  await until('one result', async () => (await agent.locator('#search-status').textContent()) === '1 found');
  const items = agent.locator('#closed-list button');
  check(await items.count() === 1, `search gave ${await items.count()} items`);
  check((await items.first().textContent()).includes('Vera Visitor'), 'the result is not Vera');
  await q.fill('no-such-words-anywhere');
  await q.press('Enter');
  await until('no result', async () => (await agent.locator('#search-status').textContent()) === '0 found');
  check(await agent.locator('#closed-empty').isVisible(), 'no "No match" note');
  await agent.getByRole('button', { name: 'Clear', exact: true }).click();
  await agent.locator('#closed-list button', { hasText: 'Vera Visitor' }).waitFor({ timeout: WAIT });
  check(await q.inputValue() === '', 'Clear kept the text');
});

await step('a returning visitor: the visitor panel lists the previous conversation, which opens read-only', async () => {
  vera.ws.send(JSON.stringify({ type: 'start', id: 's2' }));
  await next((f) => f.type === 'welcome' && f.id === 's2', 'the welcome of the new conversation');
  vera.ws.send(JSON.stringify({ type: 'message', id: 'v2', text: 'Back again about that parcel.' }));
  await next((f) => f.type === 'ack' && f.id === 'v2', 'the ack of the second message');
  vera.ws.send(JSON.stringify({ type: 'handoff', id: 'h2' }));
  await next((f) => f.type === 'ack' && f.id === 'h2', 'the ack of the second handoff');
  const open = agent.locator('#queue-list button, #mine-list button', { hasText: 'Vera Visitor' });
  await open.first().waitFor({ timeout: WAIT });
  await open.first().click();
  const prev = agent.locator('#history-list button');
  await prev.first().waitFor({ timeout: WAIT });
  check(await prev.count() === 1, `${await prev.count()} previous conversations`);
  check((await prev.first().textContent()).includes('closed'), 'the previous one is not shown closed');
  await prev.first().click();
  const transcript = agent.getByRole('log', { name: 'Transcript' });
  await until('the old transcript', async () => (await transcript.textContent()).includes(VISITOR_MSG));
  check(!(await transcript.textContent()).includes('Back again'), 'the new conversation is shown instead');
  check(await agent.locator('#conv-state').textContent() === 'closed', 'not shown as closed');
  check(await agent.locator('#reply-form').isHidden(), 'a closed conversation offers the reply box');
});

await t.done('all dashboard checks passed');
