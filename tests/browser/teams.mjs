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
import { harness, WAIT } from './lib.mjs';

const AGENT = { email: 'bob@example.test', name: 'Bob Agent', password: 'bob password 123' };

const t = await harness('teams', { budgetMs: 55000 });
const { step, check, until, rest } = t;

const admin = await t.newPage('admin');
let agentId = null;

await step('admin signs in; an agent is created over REST; Teams is in the menu', async () => {
  await t.signIn(admin);
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
const agent = await t.newPage('agent');
let tess = null;   /* the visitor who picks the team */
let vconv = null;

await step('a visitor picks the team before the chat; the agent sees it under My teams', async () => {
  await t.signIn(agent, AGENT.email, AGENT.password);
  tess = await t.visitor({ id: 'h0', name: 'Tess Visitor', team: teamId });
  vconv = tess.welcome.conversation.id;
  await tess.ask({ type: 'message', id: 'v1', text: 'I was charged twice' });
  await tess.ask({ type: 'handoff', id: 'h1' });
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
    const tx = (await rest('GET', `/api/conversations/${vconv}/transcript`)).body;
    return tx.conversation.state === 'queued' && tx.conversation.team && tx.conversation.team.id === teamId &&
      tx.messages.some((m) => m.note_seq && m.text === 'Refund approved, just confirm');
  });
  await new Promise((r) => setTimeout(r, 300));
  check(!JSON.stringify(tess.frames).includes('Refund approved'), 'the visitor received the note');
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
let mate = null;   /* Cleo on a plain agent WebSocket */
let uconv = null, vvconv = null;

/* A plain-WebSocket visitor that writes once and asks for a person (no team). */
async function visitorAsks(name, text) {
  const v = await t.visitor({ id: 'h0', name });
  await v.ask({ type: 'message', id: 'm1', text });
  await v.ask({ type: 'handoff', id: 'h1' });
  return v.welcome.conversation.id;
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
  mate = await t.agentSocket(TEAMMATE.email, TEAMMATE.password);
  uconv = await visitorAsks('Uma Visitor', 'My parcel never came');
  await mate.ask({ type: 'claim', conversation: uconv, id: 'c1' });
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
  await mate.ask({ type: 'claim', conversation: vvconv, id: 'c2' });
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
  await mate.ask({ type: 'message', conversation: uconv, id: 'r1', text: 'It is on its way, Uma' });
  await until('the teammate\'s reply shown', async () => (await log.textContent()).includes('It is on its way, Uma'));
});

await step('Teams: delete asks for a second click, then the team is gone', async () => {
  await admin.getByRole('link', { name: 'Teams', exact: true }).click();
  const del = admin.getByRole('button', { name: 'Delete team Billing & refunds' });
  await del.click();
  check((await rest('GET', '/api/teams')).body.teams.length === 1, 'deleted on the first click');
  await del.click();
  await until('deleted', async () => (await rest('GET', '/api/teams')).body.teams.length === 0);
  const tx = (await rest('GET', `/api/conversations/${vconv}/transcript`)).body;
  check(tx.conversation.state === 'queued' && tx.conversation.team === null, JSON.stringify(tx.conversation));
});

await t.done('all teams checks passed');
