// Disk faults: while fsync fails nothing is acked, /healthz and /metrics say so,
// and when the disk recovers so does the server; retries land exactly once and
// the database stays intact. Uses fiu-run (Debian's fiu-utils) on the release build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { start, api, ROOT } from './harness.mjs';

const RELEASE = resolve(ROOT, process.env.PARLEY_RELEASE_BIN || 'build/parley');
const have = cmd => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ready = have('fiu-run') && have('fiu-ctrl') && have('sqlite3') && existsSync(RELEASE);

function fiu(pid, what) {
  execFileSync('fiu-ctrl', ['-c', `${what} name=posix/io/sync/*`, String(pid)]);
}

test('failed commits are never acked; the server reports them and recovers', { skip: !ready && 'needs fiu-utils, sqlite3 and build/parley' }, async () => {
  const srv = await start({ wrap: ['fiu-run', '-x'], bin: RELEASE, args: ['--rate-limit', '0'] });
  try {
    const v = await srv.visitor();
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');   // no bot replies in between
    assert.equal((await v.ask({ type: 'message', id: 'm1', text: 'before' })).type, 'ack');
    fiu(srv.child.pid, 'enable');
    for (const id of ['m2', 'm3']) {
      const r = await v.ask({ type: 'message', id, text: `during ${id}` });
      assert.equal(r.type, 'error', `acked while the disk fails: ${JSON.stringify(r)}`);
      assert.equal(r.code, 'store_unavailable');
    }
    const h = await api(srv, 'GET', '/healthz');
    assert.equal(h.status, 503);
    assert.equal(h.body.store, 'down');
    const m = await (await fetch(srv.base + '/metrics')).text();
    assert.match(m, /^parley_store_up 0$/m);
    assert.match(m, /^parley_store_commit_failures_total [1-9]/m);
    fiu(srv.child.pid, 'disable');
    const seqs = [];
    for (const id of ['m2', 'm3', 'm2']) {
      const r = await v.ask({ type: 'message', id, text: `during ${id}` });
      assert.equal(r.type, 'ack', `no recovery: ${JSON.stringify(r)}`);
      seqs.push(r.seq);
    }
    assert.equal(seqs[0], seqs[2], 'the retry of m2 is the same message');
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    v.close();
    await srv.stop();
    const db = join(srv.dir, 'parley.db');
    assert.equal(execFileSync('sqlite3', [db, 'PRAGMA integrity_check;']).toString().trim(), 'ok');
    const rows = execFileSync('sqlite3', [db, `SELECT client_id FROM messages WHERE role = 'visitor' ORDER BY seq;`])
      .toString().trim().split('\n');
    assert.deepEqual(rows, ['m1', 'm2', 'm3'], 'each message stored exactly once');
    const gaps = execFileSync('sqlite3', [db, 'SELECT count(*), max(seq) FROM messages WHERE seq IS NOT NULL;'])
      .toString().trim();
    const [n, max] = gaps.split('|').map(Number);
    assert.equal(n, max, 'seq is gapless');
  } finally {
    await srv.stop().catch(() => {});
  }
});
