// The deployment of compose.yaml with real processes: HAProxy (deploy/haproxy.cfg,
// the file compose mounts) in front of two Parley nodes on one shared SQLite file,
// linked by a throwaway redis-server. Visitors and agents connect only through the
// balancer: they land on both nodes and talk live; a node killed with SIGKILL
// leaves the pool and its visitors resume through the balancer on the other node
// without a gap or a duplicate; a node whose Redis is gone stays in the pool (it
// still stores and acks), as the health check intends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, api, delay, clientsOf, T } from './harness.mjs';
import { haveCommand, freePort, redisServer, haproxy } from './services.mjs';

const HAVE = haveCommand('redis-server', ['--version'], 'redis-server') &&
  haveCommand('haproxy', ['-v'], 'haproxy');
const skip = HAVE ? false : 'redis-server or haproxy is not installed and could not be';

let redis, lb, A, B, dir, via;          // via: clients of the balancer
const node = () => start({ dir, args: ['--bus', `redis://127.0.0.1:${redis.port}`, '--rate-limit', '0',
  '--trusted-proxies', '127.0.0.1', '--agent-grace', '3'] });

before(async () => {
  if (!HAVE) return;
  redis = await redisServer(await freePort());
  dir = mkdtempSync(join(tmpdir(), 'parley-lb-'));
  A = await node();
  B = await node();
  lb = await haproxy(await freePort(), A.port, B.port);
  via = clientsOf(lb.port);
  await balancerUp();
});
after(async () => {
  if (!HAVE) return;
  if (lb) await lb.stop();
  for (const n of [A, B]) if (n) await n.stop(n.child.exitCode === null && n.child.signalCode === null ? 'SIGTERM' : 'SIGKILL');
  if (redis) await redis.stop();
});

// HAProxy starts its servers up and takes one out after two failed checks (1 s apart).
async function balancerUp(ms = T(15000)) {
  for (let t0 = Date.now(); Date.now() - t0 < ms; await delay(100)) {
    const r = await fetch(`${via.base}/healthz`).catch(() => null);
    if (r && r.status === 200) return;
  }
  throw new Error(`the balancer never answered /healthz:\n${lb.log()}`);
}

// An agent created on node A, signed in and connected through the balancer.
async function agentViaLb(email, name) {
  const password = 'agent password 12345';
  const r = await api(A, 'POST', '/api/agents', await A.login(), { email, name, password, role: 'agent' });
  assert.equal(r.status, 201);
  const token = await via.login({ email, password });
  return { id: r.body.id, token, ws: await via.agent(token) };
}

// How many visitor sockets each node holds, from its own /metrics.
async function visitorsOn(srv) {
  const text = await (await fetch(`${srv.base}/metrics`)).text();
  const m = text.match(/^parley_connections\{kind="visitor"\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

test('through the balancer: connections land on both nodes and a chat is live across them', { skip }, async () => {
  const visitors = [];
  for (let i = 0; i < 6; i++) visitors.push(await via.visitor({ name: `LB ${i}` }));
  const onA = await visitorsOn(A), onB = await visitorsOn(B);
  assert.ok(onA >= 1 && onB >= 1, `both nodes hold visitors (A ${onA}, B ${onB})`);
  assert.equal(onA + onB, 6);

  const ag = await agentViaLb('lb-agent@example.test', 'LB Agent');
  for (const v of visitors) {
    const from = ag.ws.mark();
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    await ag.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from, ms: 5000 });
    assert.equal((await ag.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    const reply = await ag.ws.ask({ type: 'message', conversation: v.conv, id: `r-${v.conv}`, text: 'Hello from the team' });
    assert.equal(reply.type, 'ack');
    const got = await v.next(f => f.type === 'message' && f.seq === reply.seq, { ms: 5000 });
    assert.equal(got.text, 'Hello from the team');
  }
  for (const v of visitors) v.close();
  ag.ws.close();
});

test('a node killed with SIGKILL leaves the pool; its visitors resume on the other, gapless', { skip }, async () => {
  // Visitors until one sits on each node, then a few messages each.
  const visitors = [];
  for (let i = 0; i < 6; i++) visitors.push(await via.visitor({ name: `Kill ${i}` }));
  for (const v of visitors)
    for (let i = 0; i < 3; i++) assert.equal((await v.ask({ type: 'message', id: `k${i}`, text: `before ${i}` })).type, 'ack');
  const victim = (await visitorsOn(A)) > 0 ? A : B;
  victim.child.kill('SIGKILL');
  await victim.exited;
  // Every visitor reconnects through the balancer with its token and last seq.
  for (const v of visitors) {
    const seen = v.frames.filter(f => f.type === 'message').map(f => f.seq);
    const last = Math.max(0, ...seen, ...v.welcome.messages.map(m => m.seq));
    let again = null;
    for (let t0 = Date.now(); !again && Date.now() - t0 < T(15000); ) {
      again = await via.visitor({ token: v.token, last_seq: last }).catch(() => null);
      if (!again) await delay(200);
    }
    assert.ok(again, 'resumed through the balancer');
    assert.equal(again.conv, v.conv);
    // A retry of the last message is stored once; a new one continues the sequence.
    const dup = await again.ask({ type: 'message', id: 'k2', text: 'before 2' });
    assert.equal(dup.type, 'ack');
    const next = await again.ask({ type: 'message', id: 'k3', text: 'after' });
    assert.equal(next.type, 'ack');
    await again.next(f => f.type === 'message' && f.seq === next.seq);
    const seqs = [...again.welcome.messages.map(m => m.seq),
      ...again.frames.filter(f => f.type === 'message').map(f => f.seq)];
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `gapless: ${seqs}`);
    assert.ok(seqs.includes(next.seq), `the new message was delivered (${seqs} / ${next.seq})`);
    assert.ok(!seqs.length || seqs[0] === last + 1, `resumed right after ${last}: ${seqs}`);
    again.close();
  }
  // The survivor has every message once.
  const survivor = victim === A ? B : A;
  const admin = await survivor.login();
  for (const v of visitors) {
    const t = await api(survivor, 'GET', `/api/conversations/${v.conv}/transcript`, admin);
    const mine = t.body.messages.filter(m => m.author.role === 'visitor').map(m => m.text);
    assert.deepEqual(mine, ['before 0', 'before 1', 'before 2', 'after']);
  }
  for (const v of visitors) v.close();
});
