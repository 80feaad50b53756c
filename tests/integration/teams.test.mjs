// Teams: CRUD and bad input over REST, routing a handoff to a team (auto-assign
// picks only members; anyone may still claim), the pre-chat choice in hello and
// handoff, an FAQ entry's team, transfer to a team or an agent with a note the
// visitor never sees, and the KPI report by team.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

const FAQ = [
  { id: 'refund', locale: 'en', question: 'How do I get a refund?', answer: 'Refunds take 5 days.',
    keywords: ['refund*'], team: 1 },
  { id: 'hours', question: 'When are you open?', answer: 'Monday to Friday.', keywords: ['hours', 'open'] },
];

const ok = r => { assert.ok(r.status < 300, `${r.status} ${r.text}`); return r.body; };

test('teams CRUD: admins write, agents read, bad input named and nothing changed', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    let r = await api(srv, 'POST', '/api/teams', admin, { name: '  Billing ', members: [ana.id] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body, { id: r.body.id, name: 'Billing', members: [{ id: ana.id, name: 'Ana' }] });
    const billing = r.body.id;
    const bad = [
      [{}, 'name'], [{ name: '' }, 'name'], [{ name: '   ' }, 'name'], [{ name: 'x'.repeat(65) }, 'name'],
      [{ name: 7 }, 'name'], [{ name: 'T', members: 'ana' }, 'members'],
      [{ name: 'T', members: [ana.id, 0] }, 'members[1]'], [{ name: 'T', members: [999] }, 'members[0]'],
      [{ name: 'T', colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of bad) {
      r = await api(srv, 'POST', '/api/teams', admin, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(body));
    }
    r = await api(srv, 'POST', '/api/teams', admin, { name: 'BILLING' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.field, 'name');
    assert.equal((await api(srv, 'POST', '/api/teams', ana.token, { name: 'Mine' })).status, 403);
    assert.equal((await api(srv, 'GET', '/api/teams', null)).status, 401);
    // Agents read the list; nothing refused above was stored.
    let list = ok(await api(srv, 'GET', '/api/teams', ana.token));
    assert.deepEqual(list.teams.map(t => t.name), ['Billing']);

    r = await api(srv, 'POST', '/api/teams', admin, { name: 'Technical', members: [bo.id, ana.id, bo.id] });
    assert.deepEqual(r.body.members.map(m => m.id), [ana.id, bo.id].sort((a, b) => a - b));
    const tech = r.body.id;
    r = await api(srv, 'PUT', `/api/teams/${tech}`, admin, { name: 'Tech' });
    assert.equal(r.body.name, 'Tech');
    assert.equal(r.body.members.length, 2);
    r = await api(srv, 'PUT', `/api/teams/${tech}`, admin, { members: [bo.id] });
    assert.deepEqual(r.body, { id: tech, name: 'Tech', members: [{ id: bo.id, name: 'Bo' }] });
    r = await api(srv, 'PUT', `/api/teams/${tech}`, admin, { name: 'billing' });
    assert.equal(r.status, 409);
    r = await api(srv, 'PUT', `/api/teams/${tech}`, admin, { name: 'New', members: [424242] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'members[0]');
    assert.equal((await api(srv, 'PUT', `/api/teams/${tech}`, ana.token, { name: 'X' })).status, 403);
    assert.equal((await api(srv, 'PUT', '/api/teams/999', admin, { name: 'X' })).status, 404);
    assert.equal((await api(srv, 'PUT', '/api/teams/abc', admin, { name: 'X' })).status, 404);
    list = ok(await api(srv, 'GET', '/api/teams', admin));
    assert.deepEqual(list.teams.map(t => [t.name, t.members.length]), [['Billing', 1], ['Tech', 1]]);
    assert.equal((await api(srv, 'DELETE', `/api/teams/${billing}`, ana.token)).status, 403);
    assert.equal((await api(srv, 'DELETE', `/api/teams/${billing}`, admin)).status, 200);
    assert.equal((await api(srv, 'DELETE', `/api/teams/${billing}`, admin)).status, 404);
    list = ok(await api(srv, 'GET', '/api/teams', admin));
    assert.deepEqual(list.teams.map(t => t.name), ['Tech']);
    ana.ws.close(); bo.ws.close();
  } finally { await srv.stop(); }
});

test('routing: a team conversation is auto-assigned to a member only; claims stay open', async () => {
  const srv = await start({ faq: FAQ });
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    const billing = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Billing', members: [bo.id] })).id;
    assert.equal(billing, 1);      // the FAQ's refund entry names team 1
    const sales = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Sales', members: [] })).id;
    await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto' });
    // Ana has fewer chats and is idle longest, but only Bo is in Billing.
    ok(await api(srv, 'PATCH', `/api/agents/${bo.id}`, admin, { capacity: 5 }));
    const from = ana.ws.mark();
    const v = await srv.visitor();
    let r = await v.ask({ type: 'handoff', team: 999 });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'bad_request');
    r = await v.ask({ type: 'handoff', team: 'billing' });
    assert.equal(r.code, 'bad_request');
    assert.equal((await v.ask({ type: 'message', text: 'hi' })).type, 'ack');
    const convNow = ok(await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, admin)).conversation;
    assert.equal(convNow.state, 'bot');        // the refused handoffs changed nothing
    assert.equal(convNow.team, null);
    assert.equal((await v.ask({ type: 'handoff', team: billing })).type, 'ack');
    const q = await ana.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
    assert.deepEqual(q.conversation.team, { id: billing, name: 'Billing' });
    const st = await v.next(f => f.type === 'state' && f.state === 'assigned');
    assert.equal(st.agent_name, 'Bo');

    // Routed to a team with nobody online: it waits; another queued one is not held up.
    const v2 = await srv.visitor();
    await v2.ask({ type: 'message', text: 'hello' });
    assert.equal((await v2.ask({ type: 'handoff', team: sales })).type, 'ack');
    const v3 = await srv.visitor();
    await v3.ask({ type: 'message', text: 'hello' });
    assert.equal((await v3.ask({ type: 'handoff' })).type, 'ack');
    const s3 = await v3.next(f => f.type === 'state' && f.state === 'assigned');
    assert.equal(s3.agent_name, 'Ana');
    await delay(300);
    let c2 = ok(await api(srv, 'GET', `/api/conversations/${v2.conv}/transcript`, admin)).conversation;
    assert.equal(c2.state, 'queued');
    assert.deepEqual(c2.team, { id: sales, name: 'Sales' });
    // Manual claim stays open to any agent.
    assert.equal((await ana.ws.ask({ type: 'claim', conversation: v2.conv })).type, 'ack');

    // Deleting a team un-routes its queued conversations: they stay queued for all.
    await api(srv, 'PUT', '/api/settings', admin, { assignment: 'manual' });
    const v4 = await srv.visitor();
    await v4.ask({ type: 'message', text: 'hello' });
    assert.equal((await v4.ask({ type: 'handoff', team: sales })).type, 'ack');
    ok(await api(srv, 'DELETE', `/api/teams/${sales}`, admin));
    const c4 = ok(await api(srv, 'GET', `/api/conversations/${v4.conv}/transcript`, admin)).conversation;
    assert.equal(c4.state, 'queued');
    assert.equal(c4.team, null);
    ana.ws.close(); bo.ws.close();
  } finally { await srv.stop(); }
});

test('pre-chat team in hello, and the FAQ entry a handoff follows', async () => {
  const srv = await start({ faq: FAQ });
  try {
    const admin = await srv.login();
    const billing = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Billing' })).id;
    const tech = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Technical' })).id;
    const watcher = await srv.agent(admin);
    // An unknown team in hello: refused, no conversation made.
    const { Peer } = await import('./harness.mjs');
    const p = await Peer.open(srv.url('/ws/visitor'));
    p.send({ type: 'hello', token: null, last_seq: 0, team: 4242 });
    const e = await p.next('error');
    assert.equal(e.code, 'bad_request');
    p.close();

    const v = await srv.visitor({ team: tech });
    await v.ask({ type: 'message', text: 'my screen is blank' });
    let from = watcher.mark();
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    let q = await watcher.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
    assert.deepEqual(q.conversation.team, { id: tech, name: 'Technical' });
    assert.equal(v.welcome.conversation.team, undefined);   // visitors don't see routing

    // The bot answered from the refund entry (team 1); asking for a person routes there.
    const w = await srv.visitor();
    const ack = await w.ask({ type: 'message', text: 'I want a refund' });
    await w.next(f => f.type === 'message' && f.seq > ack.seq && f.faq?.id === 'refund');
    from = watcher.mark();
    assert.equal((await w.ask({ type: 'handoff' })).type, 'ack');
    q = await watcher.next(f => f.type === 'queued' && f.conversation.id === w.conv, { from });
    assert.deepEqual(q.conversation.team, { id: billing, name: 'Billing' });

    // FAQ entries validate their team.
    const entry = { id: 'x', question: 'Q?', answer: 'A.', keywords: ['q'], team: 'billing' };
    let r = await api(srv, 'POST', '/api/faq', admin, entry);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'team');
    r = await api(srv, 'POST', '/api/faq', admin, { ...entry, team: 0 });
    assert.equal(r.body.error.field, 'team');
    r = await api(srv, 'POST', '/api/faq', admin, { ...entry, team: tech });
    assert.ok(r.status < 300, r.text);
    r = await api(srv, 'GET', '/api/faq/x', admin);
    assert.equal(r.body.team, tech);
    watcher.close();
  } finally { await srv.stop(); }
});

test('transfer to a team or an agent with a note: agents see it, the visitor never does', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    const tech = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Technical', members: [bo.id] })).id;
    const v = await srv.visitor();
    await v.ask({ type: 'message', text: 'help' });
    await v.ask({ type: 'handoff' });
    assert.equal((await ana.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    // Bad transfers change nothing.
    let r = await ana.ws.ask({ type: 'transfer', conversation: v.conv, team: 999, note: 'x' });
    assert.equal(r.code, 'not_found');
    r = await ana.ws.ask({ type: 'transfer', conversation: v.conv, team: tech, to: bo.id });
    assert.equal(r.code, 'bad_request');
    r = await ana.ws.ask({ type: 'transfer', conversation: v.conv, team: tech, note: '   ' });
    assert.equal(r.code, 'bad_request');
    r = await bo.ws.ask({ type: 'transfer', conversation: v.conv, team: tech, note: 'not mine' });
    assert.equal(r.code, 'forbidden');
    let t = ok(await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, admin));
    assert.equal(t.conversation.state, 'assigned');
    assert.equal(t.messages.filter(m => m.note_seq).length, 0);

    // To the team: back in the queue routed to Technical, the note with it.
    const vFrom = v.mark();
    let from = bo.ws.mark();
    r = await ana.ws.ask({ type: 'transfer', conversation: v.conv, team: tech, note: 'Card declined twice' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const q = await bo.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
    assert.deepEqual(q.conversation.team, { id: tech, name: 'Technical' });
    assert.ok(q.conversation.transcript.some(m => m.note_seq && m.text === 'Card declined twice'));
    // Then to an agent with a note: the assignee's transcript has both notes.
    assert.equal((await bo.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    from = ana.ws.mark();
    r = await bo.ws.ask({ type: 'transfer', conversation: v.conv, to: ana.id, note: 'Back to you, Ana' });
    assert.equal(r.type, 'ack', JSON.stringify(r));
    const got = await ana.ws.next(f => f.type === 'assigned' && f.conversation.id === v.conv, { from });
    const notes = got.conversation.transcript.filter(m => m.note_seq).map(m => m.text);
    assert.deepEqual(notes, ['Card declined twice', 'Back to you, Ana']);
    await v.next(f => f.type === 'state' && f.state === 'assigned' && f.agent_name === 'Ana', { from: vFrom });
    await delay(200);
    // The visitor: no note in any frame, live or on resume.
    const seen = JSON.stringify(v.frames.slice(vFrom));
    assert.ok(!seen.includes('Card declined') && !seen.includes('Back to you'), seen);
    const again = await srv.visitor({ token: v.token });
    assert.ok(!JSON.stringify(again.welcome).includes('Card declined'));
    assert.ok(!JSON.stringify(again.welcome).includes('Back to you'));
    ana.ws.close(); bo.ws.close(); again.close();
  } finally { await srv.stop(); }
});

test('KPIs by team: routed to it or finally assigned to a member', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    const billing = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Billing', members: [ana.id] })).id;
    const tech = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Technical', members: [bo.id] })).id;
    const talk = async (team) => {
      const v = await srv.visitor();
      await v.ask({ type: 'message', text: 'hello there' });
      await v.ask(team ? { type: 'handoff', team } : { type: 'handoff' });
      return v;
    };
    const a = await talk(billing);     // routed to Billing, claimed by Bo (Technical)
    assert.equal((await bo.ws.ask({ type: 'claim', conversation: a.conv })).type, 'ack');
    const b = await talk(0);           // unrouted, claimed by Ana (Billing)
    assert.equal((await ana.ws.ask({ type: 'claim', conversation: b.conv })).type, 'ack');
    await talk(tech);                  // routed to Technical, waiting
    await talk(0);                     // unrouted, waiting: nobody's
    const today = new Date().toISOString().slice(0, 10);
    const k = async (q, token = admin) => api(srv, 'GET', `/api/reports/kpis?from=${today}&to=${today}${q}`, token);
    assert.equal((await k('')).body.conversations, 4);
    assert.equal((await k(`&team=${billing}`)).body.conversations, 2);     // a, b
    assert.equal((await k(`&team=${tech}`)).body.conversations, 2);        // a (Bo), the routed one
    assert.equal((await k(`&team=${billing}`)).body.handoffs, 2);
    // An agent sees their own team, not another.
    assert.equal((await k(`&team=${billing}`, ana.token)).body.conversations, 2);
    let r = await k(`&team=${tech}`, ana.token);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.field, 'team');
    r = await k('&team=999');
    assert.equal(r.status, 404);
    r = await k('&team=x');
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'team');
    ana.ws.close(); bo.ws.close();
  } finally { await srv.stop(); }
});
