// Signed visitor identities: a site signs user_id with HMAC-SHA256 on its server;
// a valid signature is the same person on every device, anything else is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { start, Peer } from './harness.mjs';

const SECRET = 'site secret for tests';
const sign = (uid, key = SECRET) => crypto.createHmac('sha256', key).update(uid).digest('hex');

async function hello(srv, fields) {
  const c = await Peer.open(srv.url('/ws/visitor'));
  c.send({ type: 'hello', id: 'h', token: null, last_seq: 0, ...fields });
  const w = await c.next(f => f.id === 'h' && (f.type === 'welcome' || f.type === 'error'));
  return { c, w };
}

test('one signed-in person shares one conversation across devices', async () => {
  const srv = await start({ args: ['--identity-secret', SECRET] });
  try {
    const a = await srv.visitor({ user_id: 'u-42', user_hash: sign('u-42') });
    await a.ask({ type: 'message', text: 'from my laptop' });
    const b = await srv.visitor({ user_id: 'u-42', user_hash: sign('u-42') });
    assert.equal(b.conv, a.conv, 'the phone continues the same conversation');
    assert.notEqual(b.token, a.token, 'each device has its own token');
    assert.ok(b.welcome.messages.some(m => m.text === 'from my laptop'));
    const again = await srv.visitor({ token: b.token, last_seq: 0, user_id: 'u-42', user_hash: sign('u-42') });
    assert.equal(again.conv, a.conv, 'the device token keeps working');
    const other = await srv.visitor({ user_id: 'u-43', user_hash: sign('u-43') });
    assert.notEqual(other.conv, a.conv, 'another user is another visitor');
    for (const p of [a, b, again, other]) p.close();
  } finally { await srv.stop(); }
});

test('an anonymous visitor who signs in keeps their conversation', async () => {
  const srv = await start({ args: ['--identity-secret', SECRET] });
  try {
    const anon = await srv.visitor();
    await anon.ask({ type: 'message', text: 'before signing in' });
    const signed = await srv.visitor({ token: anon.token, last_seq: 0, user_id: 'u-7', user_hash: sign('u-7') });
    assert.equal(signed.conv, anon.conv);
    const phone = await srv.visitor({ user_id: 'u-7', user_hash: sign('u-7') });
    assert.equal(phone.conv, anon.conv, 'linked: the phone finds it too');
    for (const p of [anon, signed, phone]) p.close();
  } finally { await srv.stop(); }
});

test('wrong, truncated, foreign or missing signatures are refused', async () => {
  const srv = await start({ args: ['--identity-secret', SECRET, '--require-identity', '1'] });
  try {
    for (const [what, fields] of [
      ['wrong key', { user_id: 'u-1', user_hash: sign('u-1', 'another secret') }],
      ['truncated', { user_id: 'u-1', user_hash: sign('u-1').slice(0, 40) }],
      ['another user\'s', { user_id: 'u-1', user_hash: sign('u-2') }],
      ['not hex', { user_id: 'u-1', user_hash: 'z'.repeat(64) }],
      ['hash only', { user_hash: sign('u-1') }],
      ['none at all', {}],
    ]) {
      const { c, w } = await hello(srv, fields);
      assert.equal(w.type, 'error', `${what} accepted`);
      assert.equal(w.code, 'unauthorized', what);
      c.close();
    }
    const { c, w } = await hello(srv, { user_id: 'u-1', user_hash: sign('u-1') });
    assert.equal(w.type, 'welcome');
    c.close();
  } finally { await srv.stop(); }
});

test('without a secret configured, identity fields are ignored', async () => {
  const srv = await start();
  try {
    const v = await srv.visitor({ user_id: 'u-1', user_hash: 'whatever' });
    assert.equal(v.welcome.type, 'welcome');
    v.close();
  } finally { await srv.stop(); }
});

test('--require-identity without a secret is a configuration error', async () => {
  await assert.rejects(start({ args: ['--require-identity', '1'] }), /exited 2/);
});
