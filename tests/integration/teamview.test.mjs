// Team view: GET /api/conversations?scope=team lists the conversations of my
// teams (routed to one, or assigned to an agent sharing one with me) and their
// transcripts are readable, read-only; an outsider's stay 404 exactly like a
// conversation that does not exist, and the agent-side state frame carries the team.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

const ok = r => { assert.ok(r.status < 300, `${r.status} ${r.text}`); return r.body; };
const ids = body => body.conversations.map(c => c.id);

test('a teammate\'s conversation is listed and readable, an outsider\'s is not; writes stay refused', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    const cy = await srv.makeAgent('cy@example.test', 'Cy');
    const billing = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Billing', members: [ana.id, bo.id] })).id;
    const other = ok(await api(srv, 'POST', '/api/teams', admin, { name: 'Other', members: [cy.id] })).id;

    // v1: claimed by Bo (Ana's teammate). v2: claimed by Cy (not Ana's team).
    const v1 = await srv.visitor();
    await v1.ask({ type: 'message', text: 'my invoice is wrong' });
    await v1.ask({ type: 'handoff' });
    assert.equal((await bo.ws.ask({ type: 'claim', conversation: v1.conv })).type, 'ack');
    const v2 = await srv.visitor();
    await v2.ask({ type: 'message', text: 'secret outsider text' });
    await v2.ask({ type: 'handoff' });
    assert.equal((await cy.ws.ask({ type: 'claim', conversation: v2.conv })).type, 'ack');
    // v3: routed to Billing, waiting. The state frame Ana gets names the team.
    const from = ana.ws.mark();
    const v3 = await srv.visitor();
    await v3.ask({ type: 'message', text: 'refund please' });
    await v3.ask({ type: 'handoff', team: billing });
    const st = await ana.ws.next(f => f.type === 'state' && f.conversation === v3.conv && f.state === 'queued', { from });
    assert.deepEqual(st.team, { id: billing, name: 'Billing' });
    assert.equal(v3.frames.some(f => f.type === 'state' && 'team' in f), false);   // visitors never see routing
    // v4: routed to Other, waiting.
    const v4 = await srv.visitor();
    await v4.ask({ type: 'message', text: 'other team' });
    await v4.ask({ type: 'handoff', team: other });

    // Ana's team view: Bo's conversation (with his name) and Billing's queue; not Cy's, not Other's queue.
    let l = ok(await api(srv, 'GET', '/api/conversations?scope=team', ana.token));
    assert.ok(ids(l).includes(v1.conv) && ids(l).includes(v3.conv), JSON.stringify(ids(l)));
    assert.ok(!ids(l).includes(v2.conv) && !ids(l).includes(v4.conv), JSON.stringify(ids(l)));
    const row = l.conversations.find(c => c.id === v1.conv);
    assert.equal(row.agent_id, bo.id);
    assert.equal(row.agent_name, 'Bo');
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team&state=queued', ana.token));
    assert.deepEqual(ids(l), [v3.conv]);
    assert.deepEqual(l.conversations[0].team, { id: billing, name: 'Billing' });
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team&state=assigned', ana.token));
    assert.deepEqual(ids(l), [v1.conv]);
    // Search inside the team view.
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team&q=invoice', ana.token));
    assert.deepEqual(ids(l), [v1.conv]);
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team&q=secret', ana.token));
    assert.deepEqual(ids(l), []);
    // Without the scope, nothing changes: an agent's list has only their own.
    l = ok(await api(srv, 'GET', '/api/conversations?state=assigned', ana.token));
    assert.deepEqual(ids(l), []);
    // Cy's team view: his own and Other's queue.
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team', cy.token));
    assert.deepEqual(ids(l).sort(), [v2.conv, v4.conv].sort());
    // An admin in no team: an empty team view; everything without it.
    assert.deepEqual(ids(ok(await api(srv, 'GET', '/api/conversations?scope=team', admin))), []);
    assert.equal(ok(await api(srv, 'GET', '/api/conversations', admin)).conversations.length, 4);
    // A bad scope is named.
    let r = await api(srv, 'GET', '/api/conversations?scope=all', ana.token);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'scope');
    assert.equal((await api(srv, 'GET', '/api/conversations?scope=team', null)).status, 401);

    // Transcripts: Bo's is readable by Ana; Cy's is 404 exactly like a missing one.
    const t = ok(await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, ana.token));
    assert.ok(t.messages.some(m => m.text === 'my invoice is wrong'));
    assert.equal((await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript?format=text`, ana.token)).status, 200);
    const outsider = await api(srv, 'GET', `/api/conversations/${v2.conv}/transcript`, ana.token);
    const missing = await api(srv, 'GET', '/api/conversations/c_00000000000000000000/transcript', ana.token);
    assert.equal(outsider.status, 404);
    assert.equal(outsider.text, missing.text);
    assert.equal((await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, cy.token)).status, 404);
    // The visitor history follows the same rule.
    const vid = t.conversation.visitor.id;
    const h = ok(await api(srv, 'GET', `/api/visitors/${vid}/conversations`, ana.token));
    assert.deepEqual(h.conversations.map(c => [c.id, c.readable]), [[v1.conv, true]]);
    const vid2 = ok(await api(srv, 'GET', `/api/conversations/${v2.conv}/transcript`, admin)).conversation.visitor.id;
    assert.equal((await api(srv, 'GET', `/api/visitors/${vid2}/conversations`, ana.token)).status, 404);

    // Read-only: Ana may not reply, note, close, transfer or claim Bo's conversation.
    const before = ok(await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, admin));
    for (const f of [
      { type: 'message', conversation: v1.conv, text: 'hi from Ana' },
      { type: 'message', conversation: v1.conv, text: 'a note from Ana', note: true },
      { type: 'close', conversation: v1.conv },
      { type: 'transfer', conversation: v1.conv, to: null },
      { type: 'transfer', conversation: v1.conv, to: ana.id },
      { type: 'claim', conversation: v1.conv },
    ]) {
      r = await ana.ws.ask(f);
      assert.equal(r.type, 'error', `${JSON.stringify(f)} -> ${JSON.stringify(r)}`);
    }
    await delay(100);
    const after = ok(await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, admin));
    assert.deepEqual(after, before);

    // Once Bo closes it, it stays in Ana's team view (closed while his).
    assert.equal((await bo.ws.ask({ type: 'close', conversation: v1.conv })).type, 'ack');
    l = ok(await api(srv, 'GET', '/api/conversations?scope=team&state=closed', ana.token));
    assert.deepEqual(ids(l), [v1.conv]);
    assert.equal((await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, ana.token)).status, 200);

    // Leaving the team ends the view.
    ok(await api(srv, 'PUT', `/api/teams/${billing}`, admin, { members: [bo.id] }));
    assert.deepEqual(ids(ok(await api(srv, 'GET', '/api/conversations?scope=team&state=closed', ana.token))), []);
    assert.equal((await api(srv, 'GET', `/api/conversations/${v1.conv}/transcript`, ana.token)).status, 404);
    for (const p of [ana.ws, bo.ws, cy.ws, v1, v2, v3, v4]) p.close();
  } finally { await srv.stop(); }
});
