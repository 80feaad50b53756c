// Graceful shutdown: on SIGTERM the server stops taking work, commits what it holds,
// writes every ack it committed, closes each WebSocket with 1001 and exits 0, and a
// client that stops reading holds it no longer than --shutdown-secs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, delay, Peer } from './harness.mjs';

// Timing slack grows under valgrind (make valgrind-full sets the factor).
const SLOW = Number(process.env.PARLEY_TIME_FACTOR || 1);

// A visitor already with the queue, so only its own messages are stored after one
// system message (no bot replies).
async function queuedVisitor(srv) {
  const v = await srv.visitor({ locale: 'en' });
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'queued');
  return v;
}

// Sends n messages at once and records each ack (client id -> seq) as it arrives, and
// how many acks had arrived when the socket closed.
function blast(v, n, tag) {
  const rec = { acks: new Map(), atClose: null, code: null };
  v.ws.on('message', data => {
    const f = JSON.parse(data.toString());
    if (f.type === 'ack' && typeof f.id === 'string' && f.id.startsWith(tag)) {
      assert.equal(rec.atClose, null, 'an ack after the close');
      rec.acks.set(f.id, f.seq);
    }
  });
  v.ws.on('close', code => { rec.atClose = rec.acks.size; rec.code = code; });
  for (let i = 0; i < n; i++) v.send({ type: 'message', id: `${tag}${i}`, text: `${tag} message ${i}` });
  return rec;
}

test('SIGTERM under a burst: every ack committed reaches its client before the 1001 close, and only acked ids are stored', async () => {
  const srv = await start({ args: ['--rate-limit', '0'] });
  const visitors = [];
  for (let i = 0; i < 8; i++) visitors.push(await queuedVisitor(srv));
  const recs = visitors.map((v, i) => blast(v, 400, `v${i}-`));
  // SIGTERM as soon as the first acks come back: hundreds are still in flight.
  for (let t0 = Date.now(); !recs.some(r => r.acks.size >= 1) && Date.now() - t0 < 10000 * SLOW;) await delay(1);
  assert.ok(recs.some(r => r.acks.size > 0), 'no ack before SIGTERM');
  const r = await srv.stop('SIGTERM');   // throws unless the exit code is 0
  assert.equal(r.code, 0);
  for (const v of visitors) await v.waitClosed(5000 * SLOW);
  for (const [i, rec] of recs.entries()) assert.equal(rec.code, 1001, `visitor ${i} closed with ${rec.code}`);

  const srv2 = await start({ dir: srv.dir, args: ['--rate-limit', '0'] });
  try {
    for (const [i, v] of visitors.entries()) {
      const w = await srv2.visitor({ token: v.token, last_seq: 0 });
      const mine = w.welcome.messages.filter(m => m.author.role === 'visitor');
      const stored = new Map(mine.map(m => [m.id, m.seq]));
      assert.equal(stored.size, mine.length, `visitor ${i}: an id stored twice`);
      // Acked => stored with that seq, and stored => acked before the close.
      for (const [id, seq] of recs[i].acks) assert.equal(stored.get(id), seq, `visitor ${i}: acked ${id} seq ${seq}`);
      for (const id of stored.keys()) assert.ok(recs[i].acks.has(id), `visitor ${i}: ${id} stored but its ack never arrived`);
      w.close();
    }
  } finally {
    await srv2.stop();
  }
});

test('a client that stops reading holds shutdown only until --shutdown-secs; others close 1001 at once, and nothing new is accepted meanwhile', async () => {
  // The deadline itself scales under valgrind, so the checks made during it
  // (300 ms × factor in) still fall inside it.
  const secs = Math.max(2, Math.round(2 * SLOW));
  const srv = await start({ args: ['--rate-limit', '0', '--shutdown-secs', String(secs)] });
  // ~14 MB of history (1,200 messages of 4,000 three-byte characters): more than the
  // kernel's socket buffers hold, so a resume that is not read keeps a send queue.
  const filler = await queuedVisitor(srv);
  const text = '\u20ac'.repeat(4000);
  for (let i = 0; i < 1200; i += 50) {
    const batch = [];
    for (let j = i; j < i + 50; j++) batch.push(filler.ask({ type: 'message', id: `f${j}`, text }, 20000 * SLOW));
    for (const a of await Promise.all(batch)) assert.equal(a.type, 'ack');
  }
  filler.close();
  await filler.waitClosed();
  const stuck = await Peer.open(srv.url('/ws/visitor'));
  stuck.send({ type: 'hello', token: filler.token, last_seq: 0 });
  stuck.ws.pause();
  const reader = await queuedVisitor(srv);
  await delay(500 * SLOW);
  const t0 = Date.now();
  const stopping = srv.stop('SIGTERM');
  const readerClosed = reader.waitClosed(secs * 1000 * SLOW);
  await delay(300 * SLOW);
  const exitedEarly = srv.child.exitCode !== null;
  // While draining: no new WebSocket and no HTTP request.
  if (!exitedEarly) {
    await assert.rejects(Peer.open(srv.url('/ws/visitor')), 'a WebSocket opened during the drain');
    await assert.rejects(fetch(srv.base + '/healthz'), 'an HTTP request answered during the drain');
  }
  assert.equal((await readerClosed).code, 1001);
  const r = await stopping;
  const took = Date.now() - t0;
  assert.equal(r.code, 0);
  assert.ok(!exitedEarly, 'exited before the deadline although a client had not read its queue');
  assert.ok(took >= secs * 1000 - 200, `exited after ${took} ms, before the ${secs} s deadline`);
  assert.ok(took < secs * 1000 + 2000 * SLOW, `exited after ${took} ms, well past the ${secs} s deadline`);
  stuck.ws.terminate();
});

test('SIGTERM with nothing to write exits at once', async () => {
  const srv = await start();
  const v = await srv.visitor();
  const t0 = Date.now();
  const closed = v.waitClosed(5000 * SLOW);
  assert.equal((await srv.stop('SIGTERM')).code, 0);
  assert.equal((await closed).code, 1001);
  assert.ok(Date.now() - t0 < 1500 * SLOW, `took ${Date.now() - t0} ms`);
});

test('--shutdown-secs: a bad value refuses to start', async () => {
  await assert.rejects(start({ args: ['--shutdown-secs', '-1'] }), /shutdown-secs: expected a number from 0 to 600/);
  await assert.rejects(start({ env: { PARLEY_SHUTDOWN_SECS: 'soon' } }), /PARLEY_SHUTDOWN_SECS: expected a number/);
});
