// Routing: presence, automatic assignment by load and capacity, queue positions
// for waiting visitors, the reconnect grace period, and the admin's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay, TIME_FACTOR } from './harness.mjs';

async function queued(srv, text = 'I need help with an order') {
  const v = await srv.visitor();
  await v.ask({ type: 'message', text });
  await v.ask({ type: 'handoff' });
  return v;
}

async function statusOf(srv, admin, id) {
  const r = await api(srv, 'GET', '/api/agents', admin);
  return r.body.agents.find(a => a.id === id)?.status;
}

async function until(fn, ms = 5000, what = 'condition') {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timeout: ${what}`);
    await delay(50);
  }
}

test('presence follows the dashboards: online, away, offline', async () => {
  const srv = await start({ args: ['--agent-grace', '1'] });
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    assert.equal(await statusOf(srv, admin, ana.id), 'online');
    const watcher = await srv.agent(admin);
    const from = watcher.mark();
    assert.equal((await ana.ws.ask({ type: 'status', status: 'away' })).type, 'ack');
    await watcher.next(f => f.type === 'presence' && f.agent_id === ana.id && f.status === 'away', { from });
    assert.equal(await statusOf(srv, admin, ana.id), 'away');
    ana.ws.close();
    await watcher.next(f => f.type === 'presence' && f.agent_id === ana.id && f.status === 'offline', { from });
    watcher.close();
  } finally { await srv.stop(); }
});

test('settings: manual by default, auto on request, bad values named', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    assert.deepEqual((await api(srv, 'GET', '/api/settings', admin)).body, { assignment: 'manual', human_phrases: [] });
    let r = await api(srv, 'PUT', '/api/settings', admin, { assignment: 'sometimes' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'assignment');
    r = await api(srv, 'PUT', '/api/settings', admin, { colour: 'red' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'colour');
    r = await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto' });
    assert.deepEqual(r.body, { assignment: 'auto', human_phrases: [] });
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    assert.equal((await api(srv, 'PUT', '/api/settings', ana.token, { assignment: 'manual' })).status, 403);
    ana.ws.close();
  } finally { await srv.stop(); }
});

test('auto assignment: fewest chats first, capacity respected, freed slots refilled', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    assert.equal((await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { capacity: 1 })).body.capacity, 1);
    assert.equal((await api(srv, 'PATCH', `/api/agents/${bo.id}`, admin, { capacity: 2 })).status, 200);
    // The admin's own dashboard is not connected, so only Ana and Bo take chats.
    await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto' });
    const owner = async v => {
      const st = await v.next(f => f.type === 'state' && f.state === 'assigned');
      return st.agent_name;
    };
    const v1 = await queued(srv);
    const first = await owner(v1);
    const v2 = await queued(srv);
    const second = await owner(v2);
    assert.deepEqual([first, second].sort(), ['Ana', 'Bo'], 'one each while both have none');
    const v3 = await queued(srv);
    assert.equal(await owner(v3), 'Bo', 'Ana is at her capacity of one');
    const v4 = await queued(srv);
    const pos = await v4.next(f => f.type === 'queue');
    assert.equal(pos.position, 1);
    const anaConv = first === 'Ana' ? v1 : v2;
    const got = await ana.ws.next(f => f.type === 'assigned' && f.conversation.id === anaConv.conv);
    assert.ok(got.conversation.transcript.some(m => m.text === 'I need help with an order'),
      'the auto-assigned agent gets the transcript');
    assert.equal((await ana.ws.ask({ type: 'close', conversation: anaConv.conv })).type, 'ack');
    assert.equal(await owner(v4), 'Ana', 'the freed slot takes the waiting visitor');
    for (const v of [v1, v2, v3, v4]) v.close();
    ana.ws.close(); bo.ws.close();
  } finally { await srv.stop(); }
});

test('an away agent or one with capacity 0 gets nothing automatically', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto' });
    await ana.ws.ask({ type: 'status', status: 'away' });
    const v = await queued(srv);
    const q = await v.next(f => f.type === 'queue');
    assert.equal(q.agents_online, 0);
    assert.equal(q.estimated_wait_ms, null, 'no estimate with nobody online');
    await delay(300);
    assert.ok(!v.frames.some(f => f.type === 'state' && f.state === 'assigned'));
    await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { capacity: 0 });
    await ana.ws.ask({ type: 'status', status: 'online' });
    await delay(300);
    assert.ok(!v.frames.some(f => f.type === 'state' && f.state === 'assigned'), 'capacity 0');
    await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { capacity: 3 });
    await v.next(f => f.type === 'state' && f.state === 'assigned');
    v.close(); ana.ws.close();
  } finally { await srv.stop(); }
});

test('waiting visitors are told their place in the queue as it moves', async () => {
  const srv = await start();
  try {
    const admin = await srv.agent(await srv.login());
    const a = await queued(srv), b = await queued(srv), c = await queued(srv);
    const last = v => [...v.frames].reverse().find(f => f.type === 'queue');
    await until(() => last(c)?.position === 3, 5000, 'c third');
    assert.equal(last(a).position, 1);
    assert.equal(last(b).position, 2);
    assert.ok(last(c).estimated_wait_ms > last(a).estimated_wait_ms, 'later places wait longer');
    await admin.ask({ type: 'claim', conversation: a.conv });
    await until(() => last(c)?.position === 2, 5000, 'c moves up');
    assert.equal(last(b).position, 1);
    for (const v of [a, b, c]) v.close();
    admin.close();
  } finally { await srv.stop(); }
});

test('a dropped agent keeps their chats through the grace period, then they are requeued', async () => {
  const srv = await start({ args: ['--agent-grace', '1'] });
  try {
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const v = await queued(srv);
    await ana.ws.ask({ type: 'claim', conversation: v.conv });
    ana.ws.close();
    await delay(300);
    const back = await srv.agent(ana.token);           // back within the grace period
    assert.ok(back.ready.assigned.some(c => c.id === v.conv), 'still hers after a quick reconnect');
    await delay(1500);
    const assignedAt = v.frames.findIndex(g => g.type === 'state' && g.state === 'assigned');
    assert.ok(!v.frames.slice(assignedAt + 1).some(f => f.type === 'state' && f.state === 'queued'),
      'requeued although she came back in time');
    const from = v.mark();
    back.close();
    await v.next(f => f.type === 'message' && f.author.role === 'system' && /another person/i.test(f.text),
      { from, ms: 4000 });
    await v.next(f => f.type === 'state' && f.state === 'queued', { from, ms: 2000 });
    v.close();
  } finally { await srv.stop(); }
});

test('PATCH an agent: fields are validated, deactivation signs them out everywhere', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    let r = await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { capacity: -1 });
    assert.equal(r.status, 400); assert.equal(r.body.error.field, 'capacity');
    r = await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { role: 'owner' });
    assert.equal(r.status, 400); assert.equal(r.body.error.field, 'role');
    r = await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { password: 'x' });
    assert.equal(r.status, 400); assert.equal(r.body.error.field, 'password');
    assert.equal((await api(srv, 'PATCH', '/api/agents/9999', admin, { capacity: 2 })).status, 404);
    assert.equal((await api(srv, 'PATCH', `/api/agents/${ana.id}`, ana.token, { role: 'admin' })).status, 403);
    r = await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { name: 'Ana K', role: 'admin' });
    assert.equal(r.body.name, 'Ana K'); assert.equal(r.body.role, 'admin');
    r = await api(srv, 'PATCH', `/api/agents/${ana.id}`, admin, { active: false });
    assert.equal(r.body.active, false);
    assert.equal((await ana.ws.waitClosed()).code, 4001);
    assert.equal((await api(srv, 'GET', '/api/conversations', ana.token)).status, 401, 'sessions are gone');
    const login = await api(srv, 'POST', '/api/login', null, { email: 'ana@example.test', password: 'agent password 12345' });
    assert.equal(login.status, 401);
  } finally { await srv.stop(); }
});

test('after a restart, an agent who does not come back loses their chats after the grace period', async () => {
  // "Right after the restart" must be inside the grace period: under valgrind
  // (PARLEY_TIME_FACTOR) the restart and the sign-in take seconds.
  const grace = String(Math.max(1, Math.round(TIME_FACTOR)));
  let srv = await start({ args: ['--agent-grace', grace] });
  const dir = srv.dir;
  try {
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const v = await queued(srv);
    await ana.ws.ask({ type: 'claim', conversation: v.conv });
    v.close(); ana.ws.close();
    await srv.stop();
    srv = await start({ dir, args: ['--agent-grace', grace] });
    const admin = await srv.login();
    const listed = async state => (await api(srv, 'GET', `/api/conversations?state=${state}`, admin))
      .body.conversations.some(c => c.id === v.conv);
    assert.ok(await listed('assigned'), 'still hers right after the restart');
    await until(() => listed('queued'), 5000 * TIME_FACTOR, 'back in the queue after the grace period');
  } finally { await srv.stop(); }
});

test('a spike of 1,500 handoffs at once: the agent stays connected and sees them all; the first 500 learn their place', async () => {
  const srv = await start({ args: ['--rate-limit', '0', '--max-conns-per-ip', '0'] });
  const N = 1500, TOLD = 500;
  const visitors = [];
  try {
    const agent = await srv.agent(await srv.login());
    for (let i = 0; i < N; i += 100)
      visitors.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => srv.visitor())));
    const from = agent.mark();
    for (const v of visitors) v.send({ type: 'handoff', id: 'h' });
    const seen = new Set();
    await until(() => {
      for (const f of agent.frames.slice(from)) if (f.type === 'queued') seen.add(f.conversation.id);
      return seen.size === N || agent.closed;
    }, 60000 * TIME_FACTOR, `all ${N} queued at the agent (saw ${seen.size})`);
    assert.equal(agent.closed, null, 'the agent was dropped by the burst');
    assert.equal(seen.size, N);
    // Once the spike is over, the first 500 places are told, each to its own visitor.
    const place = v => v.frames.filter(f => f.type === 'queue').at(-1)?.position;
    await until(() => visitors.filter(place).length === TOLD, 30000 * TIME_FACTOR, `${TOLD} places told`);
    await delay(500);
    const places = visitors.map(place).filter(Boolean).sort((a, b) => a - b);
    assert.deepEqual(places, Array.from({ length: TOLD }, (_, i) => i + 1));
    // Coalesced: a visitor is not told its place again for every other handoff.
    const told = visitors.reduce((n, v) => n + v.frames.filter(f => f.type === 'queue').length, 0);
    assert.ok(told < TOLD * 50, `${told} queue frames for ${N} handoffs`);
    agent.close();
  } finally {
    for (const v of visitors) v.close();
    await srv.stop();
  }
});
