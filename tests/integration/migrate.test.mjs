// `parley migrate`: an install populated on SQLite through the real protocol,
// copied into a throwaway PostgreSQL, then served from there unchanged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, api, BIN, ROOT } from './harness.mjs';
import { pgServer } from './services.mjs';

const FAQ = [
  { id: 'returns', locale: 'en', question: 'How do I return an item?', answer: 'Returns are free within 30 days.',
    keywords: ['return*', 'refund*'] },
  { id: 'hours', question: 'When are you open?', answer: 'Monday to Friday, 9:00 to 18:00.',
    keywords: ['opening hours', 'open'] },
];
const AGENT_PASSWORD = 'agent password 12345';
const migrate = (...args) => spawnSync(BIN, ['migrate', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60000 });

let pg, dir;
const before_ = {};   // what the SQLite server answered
before(async () => { pg = await pgServer(); dir = mkdtempSync(join(tmpdir(), 'parley-migrate-')); });
after(() => { if (pg) pg.stop(); });

// Explicit sqlite: store, so the source stays SQLite under PARLEY_TEST_PG too.
const sqliteArgs = () => ['--store', `sqlite:${join(dir, 'parley.db')}`];

async function populate(srv) {
  const admin = await srv.login();
  const ana = await srv.makeAgent('ana@example.test', 'Ana');
  const team = await api(srv, 'POST', '/api/teams', admin, { name: 'Billing', members: [ana.id] });
  assert.equal(team.status, 201);
  assert.equal((await api(srv, 'POST', '/api/canned', admin,
    { shortcut: 'thanks', title: 'Thanks', text: 'Thanks, {{visitor.name}}!' })).status, 201);
  assert.equal((await api(srv, 'POST', '/api/webhooks', admin, { url: 'http://127.0.0.1:9/hook' })).status, 201);

  // A conversation through bot, handoff, claim, replies, a note, close, rating.
  const v = await srv.visitor({ name: 'Olena', email: 'olena@example.test', locale: 'en-GB' });
  await v.ask({ type: 'message', text: 'How do I return my shoes?' });
  const bot = await v.next(f => f.type === 'message' && f.author.role === 'bot');
  assert.equal((await v.ask({ type: 'feedback', seq: bot.seq, helpful: true })).type, 'ack');
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'queued');
  assert.equal((await ana.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  await ana.ws.ask({ type: 'message', conversation: v.conv, text: 'Hi Olena, which order? ünïcødé ✓' });
  await ana.ws.ask({ type: 'message', conversation: v.conv, text: 'check the refund policy', note: true });
  const back = await v.ask({ type: 'message', text: 'Order 1234' });
  await ana.ws.next(f => f.type === 'message' && f.seq === back.seq);
  assert.equal((await ana.ws.ask({ type: 'close', conversation: v.conv })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'closed');
  assert.equal((await v.ask({ type: 'rating', score: 4, comment: 'quick, thanks' })).type, 'ack');

  // A second visitor left talking to the bot (its conversation stays open).
  const w = await srv.visitor({ name: 'Bo' });
  await w.ask({ type: 'message', text: 'When are you open?' });
  await w.next(f => f.type === 'message' && f.author.role === 'bot');
  await w.ask({ type: 'message', text: 'something the bot does not know' });

  v.close(); w.close(); ana.ws.close();
  return { convs: [v.conv, w.conv], open: { conv: w.conv, token: w.token }, ana };
}

// What must survive the move, read through the REST API.
async function snapshot(srv, convs) {
  const admin = await srv.login();
  const out = { transcripts: {} };
  for (const c of convs) {
    const r = await api(srv, 'GET', `/api/conversations/${c}/transcript`, admin);
    assert.equal(r.status, 200);
    out.transcripts[c] = r.body;
  }
  for (const path of ['/api/faq', '/api/agents', '/api/teams', '/api/canned', '/api/webhooks']) {
    const r = await api(srv, 'GET', path, admin);
    assert.equal(r.status, 200, path);
    out[path] = r.body;
  }
  return out;
}

test('an install on SQLite moves to PostgreSQL and carries on there', async () => {
  const lite = await start({ faq: FAQ, dir, args: sqliteArgs() });
  let made;
  try {
    made = await populate(lite);
    Object.assign(before_, await snapshot(lite, made.convs));
  } finally {
    await lite.stop();
  }
  const t = before_.transcripts[made.convs[0]];
  assert.ok(t.messages.some(m => m.note), 'the note is in the transcript');
  assert.ok(t.messages.length >= 8, JSON.stringify(t.messages));
  // The snapshot holds what was made, so comparing it below means something.
  for (const [path, what] of [['/api/faq', 'opening hours'], ['/api/agents', 'ana@example.test'],
    ['/api/teams', 'Billing'], ['/api/canned', 'thanks'], ['/api/webhooks', '127.0.0.1:9/hook']])
    assert.ok(JSON.stringify(before_[path]).includes(what), `${path} lacks ${what}`);

  const r = migrate('--from', `sqlite:${join(dir, 'parley.db')}`, '--to', pg.url);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /migrate: messages \d+ rows/);
  assert.match(r.stdout, /migrate: conversations 2 rows/);

  const srv = await start({ dir: mkdtempSync(join(tmpdir(), 'parley-migrate-pg-')), args: ['--store', pg.url] });
  try {
    const now = await snapshot(srv, made.convs);
    for (const c of made.convs)
      assert.deepEqual(now.transcripts[c], before_.transcripts[c], `transcript of ${c}`);
    for (const path of ['/api/faq', '/api/agents', '/api/teams', '/api/canned', '/api/webhooks'])
      assert.deepEqual(now[path], before_[path], path);

    // Passwords (hashes) came across: the agent signs in as before.
    const ana = await srv.login({ email: 'ana@example.test', password: AGENT_PASSWORD });
    assert.ok(ana);

    // Counters carry on: the open conversation's next message takes the next seq...
    const last = before_.transcripts[made.open.conv].messages.filter(m => m.seq).at(-1).seq;
    const w = await srv.visitor({ token: made.open.token });
    assert.equal(w.conv, made.open.conv);
    const ack = await w.ask({ type: 'message', text: 'still there?' });
    assert.equal(ack.seq, last + 1);
    w.close();
    // ...and new rows get ids past the copied ones (identity sequences moved).
    const admin = await srv.login();
    const c = await api(srv, 'POST', '/api/canned', admin, { shortcut: 'bye', title: 'Bye', text: 'Bye!' });
    assert.equal(c.status, 201);
    assert.ok(c.body.id > Math.max(...before_['/api/canned'].canned.map(x => x.id)));
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    assert.ok(bo.id > made.ana.id);
    bo.ws.close();
  } finally {
    await srv.stop();
  }
});

test('a second migrate into the now non-empty database is refused', () => {
  const r = migrate('--from', `sqlite:${join(dir, 'parley.db')}`, '--to', pg.url);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /already holds data/);
});

test('a missing source file, or bad arguments, exit non-zero with a message', () => {
  const r = migrate('--from', `sqlite:${join(dir, 'missing.db')}`, '--to', pg.url);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot open/);
  for (const args of [[], ['--from', join(dir, 'parley.db'), '--to', pg.url], ['--from', 'sqlite:x.db'],
    ['--from', 'sqlite:x.db', '--to', 'mysql://x']]) {
    const b = migrate(...args);
    assert.equal(b.status, 2, args.join(' '));
    assert.match(b.stderr, /usage: parley migrate/);
  }
});

// migrate_copy.c sends up to 500 rows per INSERT: 1,234 visitor messages make
// two full batches of `messages` and a partial last one, with several visitors
// (binary token hashes) and conversations around them.
test('a table of more rows than one INSERT batch, with a partial last batch, is copied whole', async () => {
  const MESSAGES = 1234, BATCH = 500;
  const d = mkdtempSync(join(tmpdir(), 'parley-migrate-many-'));
  const lite = await start({ dir: d, args: ['--store', `sqlite:${join(d, 'parley.db')}`, '--rate-limit', '0'] });
  let convs, tokens, before;
  try {
    const vs = [];
    for (let i = 0; i < 3; i++) {
      const v = await lite.visitor({ name: `Visitor ${i}` });
      assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
      vs.push(v);
    }
    for (let i = 0; i < MESSAGES; i++) {
      const ack = await vs[i % 3].ask({ type: 'message', text: `message ${i} ✓ ${'x'.repeat(i % 50)}` });
      assert.equal(ack.type, 'ack');
    }
    convs = vs.map(v => v.conv);
    tokens = vs.map(v => v.token);
    before = await snapshot(lite, convs);
    vs.forEach(v => v.close());
  } finally {
    await lite.stop();
  }
  const total = convs.reduce((n, c) => n + before.transcripts[c].messages.length, 0);
  assert.ok(total >= MESSAGES, `${total} messages in the transcripts`);

  const r0 = spawnSync('psql', [pg.url, '-qXc', 'CREATE DATABASE many'], { encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const url = pg.url.replace(/\/[^/]*$/, '/many');
  const r = migrate('--from', `sqlite:${join(d, 'parley.db')}`, '--to', url);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const copied = Number(r.stdout.match(/migrate: messages (\d+) rows/)[1]);
  assert.ok(copied > 2 * BATCH && copied % BATCH !== 0, `${copied} messages: more than two batches, a partial last one`);
  assert.equal(copied, total);
  assert.match(r.stdout, /migrate: conversations 3 rows/);
  assert.match(r.stdout, /migrate: visitors 3 rows/);

  const srv = await start({ dir: mkdtempSync(join(tmpdir(), 'parley-migrate-many-pg-')), args: ['--store', url] });
  try {
    const now = await snapshot(srv, convs);
    for (const c of convs) assert.deepEqual(now.transcripts[c], before.transcripts[c], `transcript of ${c}`);
    // The token hashes (blobs) of every visitor came across, and seqs carry on.
    for (let i = 0; i < 3; i++) {
      const w = await srv.visitor({ token: tokens[i] });
      assert.equal(w.conv, convs[i]);
      const last = before.transcripts[convs[i]].messages.filter(m => m.seq).at(-1).seq;
      assert.equal((await w.ask({ type: 'message', text: 'after the move' })).seq, last + 1);
      w.close();
    }
  } finally {
    await srv.stop();
  }
});

// A row PostgreSQL refuses half-way through the copy (text that is not UTF-8,
// which SQLite stores as it was given): exit non-zero naming the failure, and
// nothing is left behind, so the same migrate runs once the row is mended.
test('a migrate that fails half-way leaves the target empty, and runs again after the fix', async () => {
  const d = mkdtempSync(join(tmpdir(), 'parley-migrate-bad-'));
  const file = join(d, 'parley.db');
  const lite = await start({ dir: d, args: ['--store', `sqlite:${file}`, '--rate-limit', '0'] });
  try {
    const v = await lite.visitor({ name: 'Half way' });
    for (let i = 0; i < 5; i++) assert.equal((await v.ask({ type: 'message', text: `line ${i}` })).type, 'ack');
    v.close();
  } finally {
    await lite.stop();
  }
  const sql = q => spawnSync('sqlite3', [file, q], { encoding: 'utf8' });
  const bad = sql("UPDATE messages SET text = CAST(X'6261FF64' AS TEXT) WHERE id = (SELECT max(id) FROM messages)");
  assert.equal(bad.status, 0, bad.stderr);
  assert.equal(spawnSync('psql', [pg.url, '-qXc', 'CREATE DATABASE halfway'], { encoding: 'utf8' }).status, 0);
  const url = pg.url.replace(/\/[^/]*$/, '/halfway');
  const r = migrate('--from', `sqlite:${file}`, '--to', url);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /messages/, r.stderr);
  assert.match(r.stderr, /UTF8|encoding/i, r.stderr);
  // Rolled back: no row of any table, so the target is still "empty".
  const count = t => spawnSync('psql', [url, '-qXAtc', `SELECT count(*) FROM ${t}`], { encoding: 'utf8' });
  for (const t of ['visitors', 'conversations', 'messages']) {
    const c = count(t);
    assert.ok(c.status !== 0 || c.stdout.trim() === '0', `${t}: ${c.stdout}${c.stderr}`);
  }
  assert.equal(sql("UPDATE messages SET text = 'mended' WHERE id = (SELECT max(id) FROM messages)").status, 0);
  const again = migrate('--from', `sqlite:${file}`, '--to', url);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal(count('messages').stdout.trim(), String(Number(sql('SELECT count(*) FROM messages').stdout.trim())));
});
