// Every bad frame gets the contract's error, changes nothing stored, and leaves the
// connection (and everyone else) working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, Peer, delay } from './harness.mjs';

let srv, v, admin, transcriptBefore;
before(async () => {
  srv = await start({ args: ['--rate-limit', '0'] });
  v = await srv.visitor();
  await v.ask({ type: 'message', id: 'first', text: 'the one good message' });
  admin = await srv.login();
  transcriptBefore = (await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, admin)).body;
});
after(async () => { v.close(); await srv.stop(); });

async function unchanged() {
  const now = (await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, admin)).body;
  assert.deepEqual(now.messages, transcriptBefore.messages, 'a bad frame changed what is stored');
}

const cases = [
  ['not JSON', '{nope', 'bad_json'],
  ['a JSON array', '[1,2]', 'bad_request'],
  ['no type', { id: 'x1', text: 'hi' }, 'bad_request'],
  ['unknown type', { type: 'sudo', id: 'x2' }, 'bad_request'],
  ['type not a string', { type: 7, id: 'x3' }, 'bad_request'],
  ['text missing', { type: 'message', id: 'x4' }, 'bad_request'],
  ['text not a string', { type: 'message', id: 'x5', text: { evil: true } }, 'bad_request'],
  ['text only spaces', { type: 'message', id: 'x6', text: '   \n ' }, 'bad_request'],
  ['text over 4000 characters', { type: 'message', id: 'x7', text: 'é'.repeat(4001) }, 'too_large'],
  ['id over 64 characters', { type: 'message', id: 'i'.repeat(65), text: 'hi' }, 'bad_request'],
  ['duplicate keys', '{"type":"message","id":"x8","text":"a","text":"b"}', 'bad_json'],
  ['NUL escape', '{"type":"message","id":"x9","text":"a\\u0000b"}', 'bad_json'],
  ['huge number', '{"type":"message","id":"x10","text":"x","n":1e999999}', 'bad_json'],
  ['deep nesting', '['.repeat(5000) + ']'.repeat(5000), 'bad_json'],
  ['rating before close', { type: 'rating', id: 'x11', score: 5 }, 'bad_request'],
  ['rating out of range', { type: 'rating', id: 'x12', score: 9 }, 'bad_request'],
  ['feedback on a visitor message', { type: 'feedback', id: 'x13', seq: 1, helpful: true }, 'not_found'],
  ['choose an unknown FAQ', { type: 'choose', id: 'x14', faq: 'nope' }, 'not_found'],
  ['a second hello', { type: 'hello', id: 'x15', token: null }, 'bad_request'],
  ['an agent command', { type: 'claim', id: 'x16', conversation: 'c_1' }, 'bad_request'],
];

for (const [name, frame, code] of cases) {
  test(`visitor: ${name} -> ${code}`, async () => {
    const from = v.mark();
    v.send(frame);
    // Only a frame that parses, with a valid id, can be answered with that id.
    const id = typeof frame === 'object' && frame.id && frame.id.length <= 64 ? frame.id : null;
    const err = await v.next(f => f.type === 'error' && (!id || f.id === id), { from });
    assert.equal(err.code, code, JSON.stringify(err));
    assert.ok(err.message, 'errors carry a message');
    await unchanged();
    const ok = await v.ask({ type: 'ping' });
    assert.equal(ok.type, 'ack', 'the session survives');
  });
}

test('a frame over 64 KiB gets too_large and that connection closes with 1009', async () => {
  const c = await srv.visitor();
  c.send({ type: 'message', text: 'x'.repeat(70000), id: 'big' });
  await c.next(f => f.type === 'error' && f.code === 'too_large');
  const closed = await c.waitClosed();
  assert.equal(closed.code, 1009);
  await unchanged();
});

test('a visitor naming another conversation still writes only to their own', async () => {
  const other = await srv.visitor();
  const a = await other.ask({ type: 'message', conversation: v.conv, text: 'injected' });
  assert.equal(a.type, 'ack');
  await unchanged();
  other.close();
});

test('nothing but hello before welcome, and a forged token is invalid_token', async () => {
  const c = await Peer.open(srv.url('/ws/visitor'));
  const e = await c.ask({ type: 'message', text: 'too early' });
  assert.equal(e.code, 'unauthorized');
  const f = await c.ask({ type: 'hello', token: 'A'.repeat(43), last_seq: 0 });
  assert.equal(f.code, 'invalid_token');
  c.send({ type: 'hello', token: null, last_seq: 0 });
  await c.next('welcome');
  c.close();
});

test('agent sockets: nothing before auth, bad tokens refused and closed', async () => {
  const c = await Peer.open(srv.url('/ws/agent'));
  const e = await c.ask({ type: 'auth', token: 'not-a-session' });
  assert.equal(e.code, 'unauthorized');
  assert.equal((await c.waitClosed()).code, 4001);
  const d = await Peer.open(srv.url('/ws/agent'));
  d.send({ type: 'claim', conversation: v.conv, id: 'early' });
  await d.next(f => f.code === 'unauthorized');
  await d.waitClosed();
  await unchanged();
});

test('agents: unknown conversations and missing fields', async () => {
  const a = await srv.agent(admin);
  assert.equal((await a.ask({ type: 'claim', conversation: 'c_nope' })).code, 'not_found');
  assert.equal((await a.ask({ type: 'claim' })).code, 'bad_request');
  assert.equal((await a.ask({ type: 'message', text: 'where to?' })).code, 'bad_request');
  assert.equal((await a.ask({ type: 'message', conversation: v.conv, text: 'not mine' })).code, 'forbidden');
  assert.equal((await a.ask({ type: 'claim', conversation: v.conv })).code, 'bad_request',
    'a conversation still with the bot is not in the queue');
  assert.equal((await a.ask({ type: 'transfer', conversation: v.conv, to: 'x' })).code, 'bad_request');
  assert.equal((await a.ask({ type: 'status', status: 'asleep' })).code, 'bad_request');
  await unchanged();
  a.close();
});

test('unknown paths are refused before the upgrade', async () => {
  await assert.rejects(Peer.open(srv.url('/ws/other')));
  await assert.rejects(Peer.open(srv.url('/api/login')));
});

test('bad input does not disturb another visitor mid-conversation', async () => {
  const calm = await srv.visitor();
  const noisy = await srv.visitor();
  for (let i = 0; i < 50; i++) noisy.send('{broken');
  const ack = await calm.ask({ type: 'message', text: 'still fine?' });
  assert.equal(ack.type, 'ack');
  await delay(100);
  calm.close(); noisy.close();
});
