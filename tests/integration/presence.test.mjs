// Presence across nodes through Redis keys with expiry (not only heartbeats):
// a node that starts sees the agents of the others at once, away counts the
// same everywhere, a killed node's agents go offline by themselves, and a
// Redis with a password works with it in the URL and refuses to start without.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, api, delay } from './harness.mjs';
import { haveCommand, freePort, redisServer } from './services.mjs';

const REDIS = haveCommand('redis-server', ['--version'], 'redis-server');
const skip = REDIS ? false : 'redis-server is not installed and could not be (scripts/ensure-debs.sh redis-server)';

const running = [];
after(async () => {
  for (const x of running.reverse())
    if (x.child && x.child.exitCode === null && x.child.signalCode === null)
      await x.stop();              // a node: SIGTERM, and it must exit 0 (no leak under ASan)
});

async function site({ grace, redisArgs = [], url = p => `redis://127.0.0.1:${p}` }) {
  const port = await freePort();
  const redis = await redisServer(port, redisArgs);
  running.push(redis);
  const dir = mkdtempSync(join(tmpdir(), 'parley-presence-'));
  const node = async (u = url(port)) => {
    const n = await start({ dir, args: ['--bus', u, '--rate-limit', '0', '--agent-grace', String(grace)] });
    running.push(n);
    return n;
  };
  return { port, redis, dir, node };
}

const statusOn = async (srv, agentId) => {
  const r = await api(srv, 'GET', '/api/agents', await srv.login());
  assert.equal(r.status, 200);
  return (r.body.agents ?? r.body).find(a => a.id === agentId)?.status;
};

async function waitStatus(srv, agentId, want, ms) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < ms) {
    if ((last = await statusOn(srv, agentId)) === want) return Date.now() - t0;
    await delay(50);
  }
  throw new Error(`agent ${agentId} stayed ${last}, not ${want}, for ${ms} ms`);
}

let n = 0;

test('a node started after an agent connected elsewhere sees them online at once, and away alike', { skip }, async () => {
  // --agent-grace 30: nodes beat every 10 s, far longer than this test waits.
  const s = await site({ grace: 30 });
  const A = await s.node();
  const ag = await A.makeAgent(`early${++n}@example.test`, 'Early');
  await delay(300);
  const D = await s.node();
  await waitStatus(D, ag.id, 'online', 3000);
  // The queue on D counts them: an estimate, and one agent online.
  const v = await D.visitor({ name: 'Late' });
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  const q = await v.next(f => f.type === 'queue', { ms: 5000 });
  assert.equal(q.agents_online, 1);
  assert.ok(Number.isInteger(q.estimated_wait_ms) && q.estimated_wait_ms > 0, JSON.stringify(q));
  // Away on A: away on D too, and no longer counted there.
  assert.equal((await ag.ws.ask({ type: 'status', status: 'away' })).type, 'ack');
  await waitStatus(D, ag.id, 'away', 3000);
  const w = await D.visitor({ name: 'Later' });
  assert.equal((await w.ask({ type: 'handoff' })).type, 'ack');
  const q2 = await w.next(f => f.type === 'queue', { ms: 5000 });
  assert.equal(q2.agents_online, 0);
  assert.equal(q2.estimated_wait_ms, null);
  // Leaving A: offline on D without waiting for an expiry.
  ag.ws.close();
  await ag.ws.waitClosed();
  await waitStatus(D, ag.id, 'offline', 3000);
  v.close(); w.close();
});

test('SIGKILL of an agent\'s node: offline on the other node within the expiry', { skip }, async () => {
  // --agent-grace 3: a beat a second, records kept 2.5 s.
  const s = await site({ grace: 3 });
  const E = await s.node();
  const F = await s.node();
  const ag = await E.makeAgent(`killed${++n}@example.test`, 'Killed');
  await waitStatus(F, ag.id, 'online', 3000);
  E.child.kill('SIGKILL');
  await E.exited;
  const took = await waitStatus(F, ag.id, 'offline', 6000);
  // Not before the record could have expired (it was renewed at most a beat ago).
  assert.ok(took > 1000, `offline after ${took} ms`);
});

test('Redis with a password: in the URL it works (also as an ACL user); without or wrong, the start fails', { skip }, async () => {
  const PW = 'pw-s3cret', OPS = 'ops-s3cret';
  const s = await site({ grace: 3, redisArgs: ['--requirepass', PW, '--user', 'ops', 'on', `>${OPS}`, '~*', '&*', '+@all'],
    url: p => `redis://:${PW}@127.0.0.1:${p}` });
  const G = await s.node();
  const H = await s.node(`redis://ops:${OPS}@127.0.0.1:${s.port}`);
  assert.equal((await api(G, 'GET', '/healthz')).status, 200);
  assert.equal((await api(H, 'GET', '/healthz')).status, 200);
  const ag = await G.makeAgent(`auth${++n}@example.test`, 'Auth');
  await waitStatus(H, ag.id, 'online', 3000);
  for (const [u, words] of [[`redis://127.0.0.1:${s.port}`, /without a password: NOAUTH/],
    [`redis://:wrong-s3cret@127.0.0.1:${s.port}`, /refused the password: WRONGPASS/],
    [`redis://ops:wrong-s3cret@127.0.0.1:${s.port}`, /refused the password: WRONGPASS/]]) {
    await assert.rejects(start({ dir: s.dir, args: ['--bus', u] }), e => {
      assert.match(e.message, /server exited 1/);
      assert.match(e.message, words);
      assert.ok(!e.message.includes('s3cret'), e.message);
      return true;
    });
  }
  // A bad URL is refused without showing the password either.
  const bad = spawnSync(G.child.spawnfile, ['--bus', `redis://:${PW}@127.0.0.1:0`], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.ok(!bad.stderr.includes(PW) && bad.stderr.includes(':***@'), bad.stderr);
  // The password changes under a running node: once its connections drop it
  // cannot get back in, and /healthz says the bus is down (without the password).
  const cli = (...a) => spawnSync('redis-cli', ['-p', String(s.port), '--no-auth-warning', ...a], { encoding: 'utf8' });
  assert.equal(cli('-a', PW, 'CONFIG', 'SET', 'requirepass', 'other-s3cret').stdout.trim(), 'OK');
  cli('-a', 'other-s3cret', 'CLIENT', 'KILL', 'TYPE', 'normal');
  cli('-a', 'other-s3cret', 'CLIENT', 'KILL', 'TYPE', 'pubsub');
  // /healthz goes down as the connection drops; the reason is logged when the
  // reconnect's AUTH is refused, a moment later: wait for both.
  let h;
  for (let t0 = Date.now(); Date.now() - t0 < 8000; await delay(100))
    if ((h = await api(G, 'GET', '/healthz')).status === 503 && /WRONGPASS/.test(G.log())) break;
  assert.equal(h.status, 503);
  assert.equal(h.body.bus, 'down');
  assert.match(G.log(), /Redis refused the connection: WRONGPASS/);
  assert.ok(!G.log().includes('s3cret'));
  // Back to the old password: it is back by itself.
  cli('-a', 'other-s3cret', 'CONFIG', 'SET', 'requirepass', PW);
  for (let t0 = Date.now(); Date.now() - t0 < 8000; await delay(100))
    if ((h = await api(G, 'GET', '/healthz')).status === 200) break;
  assert.equal(h.status, 200);
});
