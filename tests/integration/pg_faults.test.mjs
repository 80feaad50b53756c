// PostgreSQL outages: while the database is down nothing is acked, clients get
// the retryable store_unavailable error and /healthz says the store is down;
// when it comes back the node reconnects by itself, retries land exactly once
// and seqs stay gapless. A throwaway cluster of its own (tests/pg/pgtmp.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { start, api, delay, T } from './harness.mjs';
import { haveCommand, pgServer } from './services.mjs';

const PG = haveCommand('psql', ['--version'], 'postgresql');
const skip = PG ? false : 'postgresql is not installed and could not be (scripts/ensure-debs.sh postgresql)';

let pg;
// fsync and synchronous_commit on: an immediate stop must keep what was committed.
before(async () => { if (PG) pg = await pgServer({ fast: false }); });
after(async () => { if (pg) pg.stop(); });

const psql = sql => {
  const r = spawnSync('psql', [pg.url, '-qXAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
};

// Sends until acked (the node reconnects at most every 250 ms, so the first
// tries after the database returns may still fail): every answer before the
// ack must be the retryable error.
async function sendUntilAcked(v, frame, ms = T(15000)) {
  for (let t0 = Date.now(); Date.now() - t0 < ms; await delay(200)) {
    const r = await v.ask(frame);
    if (r.type === 'ack') return r;
    assert.equal(r.code, 'store_unavailable', JSON.stringify(r));
  }
  throw new Error(`never acked: ${JSON.stringify(frame)}`);
}

test('a PostgreSQL restart: no ack without a stored row, the node recovers', { skip }, async () => {
  const srv = await start({ args: ['--store', pg.url, '--rate-limit', '0'] });
  try {
    const v = await srv.visitor();
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    assert.equal((await v.ask({ type: 'message', id: 'm1', text: 'before' })).type, 'ack');
    pg.halt();
    for (const id of ['m2', 'm3']) {
      const r = await v.ask({ type: 'message', id, text: `during ${id}` });
      assert.equal(r.type, 'error', `acked while PostgreSQL is down: ${JSON.stringify(r)}`);
      assert.equal(r.code, 'store_unavailable');
    }
    const h = await api(srv, 'GET', '/healthz');
    assert.equal(h.status, 503);
    assert.equal(h.body.store, 'down');
    pg.resume();
    const seqs = [];
    for (const id of ['m2', 'm3', 'm2'])
      seqs.push((await sendUntilAcked(v, { type: 'message', id, text: `during ${id}` })).seq);
    assert.equal(seqs[0], seqs[2], 'the retry of m2 is the same message');
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    // The read connection recovered too: a sign-in and a transcript read.
    const token = await srv.login();
    const t = await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, token);
    assert.equal(t.status, 200);
    const texts = t.body.messages.filter(m => m.author.role === 'visitor').map(m => m.text);
    assert.deepEqual(texts, ['before', 'during m2', 'during m3']);
    v.close();
    await srv.stop();
    assert.equal(psql("SELECT string_agg(client_id, ',' ORDER BY seq) FROM messages WHERE role = 'visitor'"),
      'm1,m2,m3', 'each message stored exactly once');
    const [n, max] = psql('SELECT count(*), max(seq) FROM messages WHERE seq IS NOT NULL').split('|').map(Number);
    assert.equal(n, max, 'seq is gapless');
  } finally {
    await srv.stop().catch(() => {});
  }
});

test('a node starting while PostgreSQL is down refuses to start, and says why', { skip }, async () => {
  pg.halt();
  try {
    await assert.rejects(start({ args: ['--store', pg.url] }), /cannot open the database \(postgresql\)/);
  } finally {
    pg.resume();
  }
});
