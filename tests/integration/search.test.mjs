// Searching conversations (GET /api/conversations with q, from, to, limit) and a
// visitor's history (GET /api/visitors/{id}/conversations).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api } from './harness.mjs';

let srv, admin, ana, bo, w;
before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] });
  admin = await srv.login();
  ana = await srv.makeAgent('ana.search@example.test', 'Ana');
  bo = await srv.makeAgent('bo.search@example.test', 'Bo');
  // Queues a conversation with `text`, has `agent` claim and close it.
  const closedBy = async (agent, v, text) => {
    await v.ask({ type: 'message', text });
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    await v.next(f => f.type === 'state' && f.state === 'queued');
    assert.equal((await agent.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    assert.equal((await agent.ws.ask({ type: 'close', conversation: v.conv })).type, 'ack');
    await v.next(f => f.type === 'state' && f.state === 'closed');
    return v.conv;
  };
  const zed = await srv.visitor({ locale: 'en', name: 'Zed Quux', email: 'zed.q@example.test' });
  const first = await closedBy(ana, zed, 'my parcel is lost, order marmalade-17');
  // The same visitor comes back: a second conversation, Bo's this time.
  const from = zed.mark();
  zed.send({ type: 'start', id: 'again' });
  const again = await zed.next(f => f.id === 'again', { from });
  assert.equal(again.type, 'welcome', JSON.stringify(again));
  zed.conv = again.conversation.id;
  const second = await closedBy(bo, zed, 'the refund never arrived');
  const meta = await srv.visitor({ locale: 'en', name: 'Percy Meta' });
  const percent = await closedBy(ana, meta, 'discount of 100% off_code please');
  const plain = await srv.visitor({ locale: 'en', name: 'Plain Jane' });
  const plainConv = await closedBy(ana, plain, 'discount of 1000 offXcode please');
  const t = await api(srv, 'GET', `/api/conversations/${first}/transcript`, admin);
  w = { zedId: t.body.conversation.visitor.id, first, second, percent, plainConv };
  for (const v of [zed, meta, plain]) v.close();
});
after(async () => { await srv.stop(); });

async function search(token, query, status = 200) {
  const r = await api(srv, 'GET', `/api/conversations?state=closed&${query}`, token);
  assert.equal(r.status, status, r.text);
  return r;
}
const ids = r => r.body.conversations.map(c => c.id);
const today = () => new Date().toISOString().slice(0, 10);

test('search: by a word of a message, case-insensitively', async () => {
  const r = await search(admin, 'q=MARMALADE');
  assert.deepEqual(ids(r), [w.first]);
  assert.equal(r.body.conversations[0].state, 'closed');
});

test('search: by the visitor name and by email', async () => {
  assert.deepEqual(ids(await search(admin, 'q=zed%20quux')), [w.second, w.first], 'newest first');
  assert.deepEqual(ids(await search(admin, 'q=zed.q%40example')), [w.second, w.first]);
  assert.deepEqual(ids(await search(admin, 'q=nobody-like-this')), []);
});

test('search: % and _ are literal', async () => {
  assert.deepEqual(ids(await search(admin, 'q=100%25%20off_code')), [w.percent]);
  assert.deepEqual(ids(await search(admin, 'q=0%25')), [w.percent]);
  assert.deepEqual(ids(await search(admin, 'q=off_')), [w.percent]);
});

test('search: by date range (UTC days, both ends included)', async () => {
  const all = ids(await search(admin, `from=${today()}&to=${today()}`));
  for (const id of [w.first, w.second, w.percent, w.plainConv]) assert.ok(all.includes(id), id);
  assert.deepEqual(ids(await search(admin, `from=${today()}&q=marmalade`)), [w.first]);
  assert.deepEqual(ids(await search(admin, 'to=2000-01-01')), []);
  assert.deepEqual(ids(await search(admin, 'from=2999-01-01')), []);
  const r = await search(admin, `from=${today()}&limit=2`);
  assert.equal(r.body.conversations.length, 2);
});

test('search: agents only find their own', async () => {
  assert.deepEqual(ids(await search(ana.token, 'q=zed')), [w.first]);
  assert.deepEqual(ids(await search(bo.token, 'q=zed')), [w.second]);
  assert.deepEqual(ids(await search(bo.token, 'q=marmalade')), []);
  assert.deepEqual(ids(await search(bo.token, 'q=discount')), []);
});

test('search: bad dates and limits are 400 naming the field', async () => {
  for (const [q, field] of [['from=2026-13-01', 'from'], ['to=yesterday', 'to'], ['from=2026-02-30', 'from'],
    ['from=2026-05-02&to=2026-05-01', 'to'], ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=x', 'limit']]) {
    const r = await search(admin, q, 400);
    assert.equal(r.body.error.code, 'bad_request');
    assert.equal(r.body.error.field, field, q);
  }
});

test('visitor history: all of a returning visitor\'s conversations for an admin', async () => {
  const r = await api(srv, 'GET', `/api/visitors/${w.zedId}/conversations`, admin);
  assert.equal(r.status, 200, r.text);
  const cs = r.body.conversations;
  assert.deepEqual(cs.map(c => c.id), [w.second, w.first], 'newest first');
  assert.equal(cs[0].agent_name, 'Bo');
  assert.equal(cs[1].agent_name, 'Ana');
  assert.equal(cs[1].state, 'closed');
  assert.equal(typeof cs[1].created_at, 'number');
  assert.equal(typeof cs[1].closed_at, 'number');
  assert.equal(typeof cs[1].preview, 'string');
  assert.ok(cs.every(c => c.readable));
});

test('visitor history: an agent with one of them sees the list; others get 404', async () => {
  const r = await api(srv, 'GET', `/api/visitors/${w.zedId}/conversations`, ana.token);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.conversations.map(c => [c.id, c.readable]), [[w.second, false], [w.first, true]]);
  assert.equal(r.body.conversations[0].preview, null, 'no text of a conversation they may not read');
  const carl = await srv.makeAgent('carl.search@example.test', 'Carl');
  const no = await api(srv, 'GET', `/api/visitors/${w.zedId}/conversations`, carl.token);
  assert.equal(no.status, 404, no.text);
  assert.equal(no.body.error.code, 'not_found');
  const unknown = await api(srv, 'GET', '/api/visitors/v_nosuch/conversations', admin);
  assert.equal(unknown.status, 404, unknown.text);
  assert.equal((await api(srv, 'GET', `/api/visitors/${w.zedId}/conversations`, null)).status, 401);
});
