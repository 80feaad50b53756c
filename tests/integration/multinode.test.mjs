// Several Parley nodes as one site: two processes on one shared SQLite file
// (WAL across processes; three for the kill test) linked by a throwaway redis-server. A visitor and an
// agent on different nodes, retries and claims across nodes, Redis stopped and
// restarted, a node killed: nobody sees a gap or a duplicate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, api, delay } from './harness.mjs';
import { haveCommand, freePort, redisServer } from './services.mjs';

const REDIS = haveCommand('redis-server', ['--version'], 'redis-server');
const skip = REDIS ? false : 'redis-server is not installed and could not be (scripts/ensure-debs.sh redis-server)';

let redisPort, redis;
const startRedis = async () => { if (redis) await redis.start(); else redis = await redisServer(redisPort); };
const stopRedis = async () => { if (redis) await redis.stop(); };

const FAQ = [{ id: 'hours', question: 'When are you open?', answer: 'Nine to five.', keywords: ['hours'] }];
let dir, A, B, C;
// A short grace period: nodes then beat presence every second.
const node = () => start({ dir, faq: FAQ, args: ['--bus', `redis://127.0.0.1:${redisPort}`, '--rate-limit', '0', '--agent-grace', '3'] });

before(async () => {
  if (!REDIS) return;
  redisPort = await freePort();
  await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'parley-multi-'));
  A = await node();
  B = await node();
  C = await node();
});
after(async () => {
  if (!REDIS) return;
  for (const n of [A, B, C]) if (n) await n.stop(n.child.exitCode === null && n.child.signalCode === null ? 'SIGTERM' : 'SIGKILL');
  await stopRedis();
});

const waitHealth = async (srv, status, ms = 10000) => {
  let last;
  for (let t0 = Date.now(); Date.now() - t0 < ms; await delay(100)) {
    last = await api(srv, 'GET', '/healthz');
    if (last.status === status) return last;
  }
  throw new Error(`healthz stayed ${last.status} ${last.text}`);
};

// Seqs of the visible messages a peer got (welcome replay and live), checked
// strictly increasing by one from `first`.
function assertGapless(seqs, first, what) {
  assert.deepEqual(seqs, seqs.map((_, i) => first + i), `${what}: ${seqs.join(',')}`);
}
const visibleSeqs = (peer, conv) => [
  ...(peer.welcome ? peer.welcome.messages.map(m => m.seq) : []),
  ...peer.messages().filter(m => !conv || m.conversation === conv).map(m => m.seq).filter(s => s > 0),
];

let agentNo = 0;
async function handedOff(visitorNode, agentNode) {
  const email = `multi${++agentNo}@example.test`;
  const ag = await agentNode.makeAgent(email, `Agent ${agentNo}`);
  const v = await visitorNode.visitor({ name: 'Multi' });
  const from = ag.ws.mark();
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await ag.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from, ms: 5000 });
  return { v, ag };
}

test('three nodes started at once on a fresh database all come up, with one admin', { skip }, async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'parley-multi-fresh-'));
  const nodes = await Promise.all([1, 2, 3].map(() =>
    start({ dir: fresh, faq: FAQ, args: ['--bus', `redis://127.0.0.1:${redisPort}`] })));
  try {
    const r = await api(nodes[2], 'GET', '/api/agents', await nodes[0].login());
    assert.equal(r.status, 200);
    assert.equal(r.body.length ?? r.body.agents.length, 1);
  } finally {
    for (const n of nodes) await n.stop();
  }
});

test('visitor on A and agent on B hold the whole conversation live, in order', { skip }, async () => {
  const { v, ag } = await handedOff(A, B);
  const claim = await ag.ws.ask({ type: 'claim', conversation: v.conv });
  assert.equal(claim.type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  const from = ag.ws.mark();
  for (let i = 0; i < 20; i++) {
    assert.equal((await v.ask({ type: 'message', id: `v${i}`, text: `visitor ${i}` })).type, 'ack');
    assert.equal((await ag.ws.ask({ type: 'message', conversation: v.conv, id: `a${i}`, text: `agent ${i}` })).type, 'ack');
  }
  const last = (await api(A, 'GET', `/api/conversations/${v.conv}/transcript`, await A.login())).body.messages.at(-1).seq;
  await v.next(f => f.type === 'message' && f.seq === last);
  await ag.ws.next(f => f.type === 'message' && f.seq === last, { from });
  assertGapless(visibleSeqs(v), 1, 'visitor');
  const agentSeqs = ag.ws.messages(from).filter(m => m.conversation === v.conv).map(m => m.seq);
  assertGapless(agentSeqs, agentSeqs[0], 'agent');
  assert.equal(agentSeqs.at(-1), last);
  v.close(); ag.ws.close();
});

test('the same client id retried on B after A is stored once', { skip }, async () => {
  const v = await A.visitor({ name: 'Retry' });
  const first = await v.ask({ type: 'message', id: 'same-1', text: 'hours?' });
  assert.equal(first.type, 'ack');
  v.close();
  const again = await B.visitor({ token: v.token, last_seq: 0 });
  const second = await again.ask({ type: 'message', id: 'same-1', text: 'hours?' });
  assert.equal(second.type, 'ack');
  assert.equal(second.seq, first.seq);
  const tr = await api(B, 'GET', `/api/conversations/${v.conv}/transcript`, await B.login());
  assert.equal(tr.body.messages.filter(m => m.text === 'hours?').length, 1);
  again.close();
});

test('two agents on different nodes claim at once: one wins', { skip }, async () => {
  const v = await A.visitor({ name: 'Race' });
  const a1 = await A.makeAgent(`race-a${agentNo}@example.test`, 'Race A');
  const a2 = await B.makeAgent(`race-b${agentNo}@example.test`, 'Race B');
  const from = a2.ws.mark();
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await a2.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
  const [r1, r2] = await Promise.all([a1.ws.ask({ type: 'claim', conversation: v.conv }),
    a2.ws.ask({ type: 'claim', conversation: v.conv })]);
  assert.deepEqual([r1.type, r2.type].sort(), ['ack', 'error']);
  assert.equal((r1.type === 'error' ? r1 : r2).code, 'already_claimed');
  v.close(); a1.ws.close(); a2.ws.close();
});

test('Redis stopped during traffic: still acked, /healthz degraded, then caught up', { skip }, async () => {
  const { v, ag } = await handedOff(A, B);
  assert.equal((await ag.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  const from = ag.ws.mark();
  for (let i = 0; i < 3; i++)
    assert.equal((await v.ask({ type: 'message', id: `pre${i}`, text: `before ${i}` })).type, 'ack');
  await stopRedis();
  for (let i = 0; i < 5; i++)
    assert.equal((await v.ask({ type: 'message', id: `down${i}`, text: `while down ${i}` })).type, 'ack',
      'messages are stored and acked while Redis is away');
  const h = await waitHealth(A, 503);
  assert.deepEqual(h.body, { status: 'degraded', store: 'ok', bus: 'down' });
  await waitHealth(B, 503);
  assert.equal((await ag.ws.ask({ type: 'message', conversation: v.conv, id: 'agdown', text: 'agent while down' })).type, 'ack');
  await startRedis();
  await waitHealth(A, 200);
  await waitHealth(B, 200);
  for (let i = 0; i < 3; i++)
    assert.equal((await v.ask({ type: 'message', id: `post${i}`, text: `after ${i}` })).type, 'ack');
  const last = (await api(A, 'GET', `/api/conversations/${v.conv}/transcript`, await A.login())).body.messages.at(-1).seq;
  await ag.ws.next(f => f.type === 'message' && f.seq === last, { from, ms: 10000 });
  await v.next(f => f.type === 'message' && f.seq === last, { ms: 10000 });
  const agentSeqs = ag.ws.messages(from).filter(m => m.conversation === v.conv).map(m => m.seq);
  assertGapless(agentSeqs, agentSeqs[0], 'agent after Redis came back');
  assertGapless(visibleSeqs(v), 1, 'visitor after Redis came back');
  const m = await (await fetch(B.base + '/metrics')).text();
  assert.match(m, /parley_bus_reconnects_total [1-9]/);
  assert.match(m, /parley_bus_catchup_messages_total [1-9]/);
  v.close(); ag.ws.close();
});

test('a publisher that lost events tells the other nodes to read them back', { skip }, async () => {
  const { v, ag } = await handedOff(A, B);
  assert.equal((await ag.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  const from = ag.ws.mark();
  // PUBLISH waits while Redis is paused for writes: A's publisher times out and
  // drops what it was sending, but B's subscriber connection never breaks, so
  // only A's "sync" can make B read the messages back.
  const paused = spawnSync('redis-cli', ['-p', String(redisPort), 'CLIENT', 'PAUSE', '2500', 'WRITE'], { encoding: 'utf8' });
  assert.equal(paused.status, 0, paused.stderr);
  for (let i = 0; i < 4; i++)
    assert.equal((await v.ask({ type: 'message', id: `p${i}`, text: `paused ${i}` })).type, 'ack');
  const last = (await api(A, 'GET', `/api/conversations/${v.conv}/transcript`, await A.login())).body.messages.at(-1).seq;
  await ag.ws.next(f => f.type === 'message' && f.seq === last, { from, ms: 15000 });
  await delay(300);
  const agentSeqs = ag.ws.messages(from).filter(m => m.conversation === v.conv).map(m => m.seq);
  assertGapless(agentSeqs, agentSeqs[0], 'agent after the pause');
  v.close(); ag.ws.close();
});

test('auto assignment: a conversation queued on A goes to an agent online only on B', { skip }, async () => {
  for (const n of [A, B])
    assert.equal((await api(n, 'PUT', '/api/settings', await n.login(), { assignment: 'auto' })).status, 200);
  try {
    const ag = await B.makeAgent(`auto${++agentNo}@example.test`, 'Auto B');
    const v = await A.visitor({ name: 'Auto' });
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    const st = await v.next(f => f.type === 'state' && f.state === 'assigned', { ms: 5000 });
    assert.equal(st.agent_name, 'Auto B');
    await ag.ws.next(f => f.type === 'assigned' && f.conversation.id === v.conv);
    v.close(); ag.ws.close();
  } finally {
    for (const n of [A, B])
      await api(n, 'PUT', '/api/settings', await n.login(), { assignment: 'manual' });
  }
});

const stateOf = async (srv, conv) =>
  (await api(srv, 'GET', `/api/conversations/${conv}/transcript`, await srv.login())).body.conversation.state;

test('a node that starts later keeps the conversations of agents connected elsewhere', { skip }, async () => {
  const { v, ag } = await handedOff(A, B);
  assert.equal((await ag.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  // A new node gives every agent holding conversations a grace period (3 s):
  // B's heartbeats must tell it the agent is connected there.
  const mark = v.mark();
  const D = await node();
  try {
    await delay(4500);
    assert.equal(await stateOf(D, v.conv), 'assigned');
    assert.ok(!v.frames.slice(mark).some(f => f.type === 'state' && f.state === 'queued'), 'requeued');
  } finally {
    await D.stop();
  }
  v.close(); ag.ws.close();
});

test('an agent who moves from A to B keeps their conversations past A\'s grace period', { skip }, async () => {
  const email = `mover${++agentNo}@example.test`;
  const mover = await A.makeAgent(email, 'Mover');
  const v = await A.visitor({ name: 'Moved' });
  const from = mover.ws.mark();
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await mover.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
  assert.equal((await mover.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  mover.ws.close();
  await mover.ws.waitClosed();
  const again = await B.agent(mover.token);
  await delay(4500);
  assert.equal(await stateOf(A, v.conv), 'assigned');
  const r = await again.ask({ type: 'message', conversation: v.conv, text: 'still mine' });
  assert.equal(r.type, 'ack');
  v.close(); again.close();
});

test('SIGKILL a node during traffic: its visitor resumes on a third, nothing lost or doubled', { skip }, async () => {
  const { v, ag } = await handedOff(A, B);
  assert.equal((await ag.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  const from = ag.ws.mark();
  const acked = new Map();
  let i = 0;
  const sending = (async () => {
    for (; i < 200; i++) {
      const r = await v.ask({ type: 'message', id: `k${i}`, text: `kill ${i}` }, 2000).catch(() => null);
      if (!r) return;
      assert.equal(r.type, 'ack', JSON.stringify(r));
      acked.set(`k${i}`, r.seq);
    }
  })();
  await delay(150);
  A.child.kill('SIGKILL');
  await sending;
  await A.exited;
  const seen = visibleSeqs(v);
  const v2 = await C.visitor({ token: v.token, last_seq: seen.at(-1) || 0, conversation: v.conv });
  // The one in flight when A died: retried with the same client id.
  for (let j = i; j < i + 5; j++) {
    const r = await v2.ask({ type: 'message', id: `k${j}`, text: `kill ${j}` });
    assert.equal(r.type, 'ack');
    if (acked.has(`k${j}`)) assert.equal(r.seq, acked.get(`k${j}`));
    acked.set(`k${j}`, r.seq);
  }
  const tr = await api(C, 'GET', `/api/conversations/${v.conv}/transcript`, await C.login());
  const texts = tr.body.messages.map(m => m.text);
  for (const [id, seq] of acked) {
    assert.equal(texts.filter(t => t === `kill ${id.slice(1)}`).length, 1, `${id} once`);
    assert.ok(tr.body.messages.some(m => m.seq === seq), `${id} at ${seq}`);
  }
  const last = tr.body.messages.at(-1).seq;
  await v2.next(f => f.type === 'message' && f.seq === last);
  assertGapless([...seen, ...visibleSeqs(v2)], 1, 'visitor across the kill');
  await ag.ws.next(f => f.type === 'message' && f.seq === last, { from, ms: 10000 });
  const agentSeqs = ag.ws.messages(from).filter(m => m.conversation === v.conv).map(m => m.seq);
  assertGapless(agentSeqs, agentSeqs[0], 'agent on B across the kill');
  v2.close(); ag.ws.close();
});

test('a killed node\'s agents go offline by themselves and their conversations return to the queue', { skip }, async () => {
  const E = await node();
  const doomed = await E.makeAgent(`doomed${++agentNo}@example.test`, 'Doomed');
  const watcher = await B.makeAgent(`watcher${agentNo}@example.test`, 'Watcher');
  const v = await B.visitor({ name: 'Orphan' });
  const from = doomed.ws.mark();
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await doomed.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
  assert.equal((await doomed.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'assigned');
  await delay(1500);                     // the other nodes hear E's heartbeat
  const mark = watcher.ws.mark();
  E.child.kill('SIGKILL');
  await E.exited;
  // Heartbeats stop; after 2.5 beats (2.5 s) and a grace period (3 s) the
  // other nodes requeue the conversation: once, whoever does it.
  const queued = await v.next(f => f.type === 'state' && f.state === 'queued' && f.conversation === v.conv,
    { from: v.mark(), ms: 15000 });
  assert.ok(queued);
  await watcher.ws.next(f => f.type === 'presence' && f.agent_id === doomed.id && f.status === 'offline', { from: mark, ms: 5000 });
  await delay(1500);
  const tr = await api(B, 'GET', `/api/conversations/${v.conv}/transcript`, await B.login());
  assert.equal(tr.body.conversation.state, 'queued');
  const joined = tr.body.messages.findIndex(m => /Doomed joined/.test(m.text));
  assert.equal(tr.body.messages.slice(joined + 1).filter(m => m.author.role === 'system').length, 1,
    `requeued once: ${JSON.stringify(tr.body.messages.map(m => m.text))}`);
  v.close(); watcher.ws.close();
});

// Polls fn until it returns something truthy (the other node reloads asynchronously).
async function eventually(fn, what, ms = 8000) {
  let last;
  for (let t0 = Date.now(); Date.now() - t0 < ms; await delay(100)) if ((last = await fn())) return last;
  throw new Error(`never: ${what}`);
}

test('an FAQ edit made through one node answers on the others', { skip }, async () => {
  const admin = await B.login(), onC = await C.login();
  const entry = { id: 'sync-returns', question: 'Can I return it?', answer: 'Within thirty days.',
    keywords: ['giraffe'] };
  assert.equal((await api(B, 'POST', '/api/faq', admin, entry)).status, 201);
  await eventually(async () => (await api(C, 'POST', '/api/faq/try', onC, { text: 'giraffe' })).body?.entry?.id === 'sync-returns',
    'node C matches the new entry');
  const v = await C.visitor({ locale: 'en' });
  const from = v.mark();
  assert.equal((await v.ask({ type: 'message', id: 'g1', text: 'giraffe please' })).type, 'ack');
  const answer = await v.next(f => f.type === 'message' && f.author.role === 'bot', { from });
  assert.equal(answer.text, 'Within thirty days.');
  assert.equal((await api(B, 'DELETE', '/api/faq/sync-returns', admin)).status, 200);
  await eventually(async () => !(await api(C, 'POST', '/api/faq/try', onC, { text: 'giraffe' })).body?.entry,
    'node C forgets the deleted entry');
  v.close();
});

test('widget settings and the assignment mode set through one node apply on the others', { skip }, async () => {
  const admin = await B.login(), onC = await C.login();
  assert.equal((await api(B, 'PUT', '/api/settings/widget', admin, { color: '#123456' })).status, 200);
  await eventually(async () => (await api(C, 'GET', '/api/widget/config')).body?.color === '#123456',
    'node C serves the new colour');
  assert.equal((await api(B, 'PUT', '/api/settings', admin, { assignment: 'auto' })).status, 200);
  await eventually(async () => (await api(C, 'GET', '/api/settings', onC)).body?.assignment === 'auto',
    'node C in auto mode');
  assert.equal((await api(B, 'PUT', '/api/settings', admin, { assignment: 'manual' })).status, 200);
  await eventually(async () => (await api(C, 'GET', '/api/settings', onC)).body?.assignment === 'manual',
    'node C back in manual mode');
});

test('offline mode counts agents online on other nodes, and offline states cross nodes', { skip }, async () => {
  const admin = await B.login();
  assert.equal((await api(B, 'PUT', '/api/settings/hours', admin,
    { timezone: 'UTC', offline_mode: 'outside_hours_or_no_agent' })).status, 200);
  try {
    await eventually(async () => (await api(C, 'GET', '/api/settings/hours', await C.login())).body?.offline_mode === 'outside_hours_or_no_agent',
      'node C in offline mode');
    // An agent online on B only: a handoff on C is queued, not offline.
    const ag = await B.makeAgent(`sync${++agentNo}@example.test`, 'Sync Agent');
    await delay(1500);                   // C hears B's heartbeat for this agent
    const v = await C.visitor({ name: 'Staffed' });
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    const st = await v.next(f => f.type === 'state' && f.conversation === v.conv && f.state !== 'bot');
    assert.equal(st.state, 'queued');
    v.close();
    // Nobody online anywhere: offline; the visitor's other tab, on B, sees it.
    ag.ws.close();
    await delay(4000);                   // B's heartbeats for that agent run out
    const w = await C.visitor({ name: 'After hours' });
    const tab = await B.visitor({ token: w.token, last_seq: 0 });
    const mark = tab.mark();
    assert.equal((await w.ask({ type: 'handoff' })).type, 'ack');
    const off = await w.next(f => f.type === 'state' && f.conversation === w.conv && f.state !== 'bot');
    assert.equal(off.state, 'offline');
    await tab.next(f => f.type === 'state' && f.state === 'offline', { from: mark, ms: 5000 });
    w.close(); tab.close();
  } finally {
    await api(B, 'PUT', '/api/settings/hours', admin, { offline_mode: 'off' });
  }
});
