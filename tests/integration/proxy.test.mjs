// --trusted-proxies: behind a trusted proxy the per-address limits key on the client
// named in X-Forwarded-For / X-Real-IP; from any other peer those headers are ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { start, Peer, ADMIN } from './harness.mjs';

const open = (srv, headers, localAddress = '127.0.0.1') =>
  Peer.open(srv.url('/ws/visitor'), { headers, localAddress });

// POST /api/login from a chosen local address with chosen headers.
function login(srv, body, headers = {}, localAddress = '127.0.0.1') {
  return new Promise((res, rej) => {
    const data = JSON.stringify(body);
    const req = http.request(`${srv.base}/api/login`, {
      method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers },
    }, r => { r.resume(); r.on('end', () => res(r.statusCode)); });
    req.on('error', rej);
    req.end(data);
  });
}

test('an untrusted peer cannot evade the per-address cap with X-Forwarded-For or X-Real-IP', async () => {
  const srv = await start({ args: ['--max-conns-per-ip', '2'] });
  const held = [];
  try {
    held.push(await open(srv, { 'x-forwarded-for': '198.51.100.1' }));
    held.push(await open(srv, { 'x-real-ip': '198.51.100.2' }));
    await assert.rejects(open(srv, { 'x-forwarded-for': '198.51.100.3' }), 'spoofed X-Forwarded-For evaded the cap');
    await assert.rejects(open(srv, { 'x-real-ip': '198.51.100.4' }), 'spoofed X-Real-IP evaded the cap');
  } finally { for (const p of held) p.close(); await srv.stop(); }
});

test('behind a trusted proxy the cap counts each client named by the proxy', async () => {
  const srv = await start({ args: ['--max-conns-per-ip', '2', '--trusted-proxies', '10.9.0.0/16, 127.0.0.1, ::1'] });
  const held = [];
  try {
    held.push(await open(srv, { 'x-forwarded-for': '198.51.100.1' }));
    held.push(await open(srv, { 'x-forwarded-for': '198.51.100.1' }));
    await assert.rejects(open(srv, { 'x-forwarded-for': '198.51.100.1' }), 'a third socket for one client');
    // A client-forged entry left of the proxy's does not change who it is.
    await assert.rejects(open(srv, { 'x-forwarded-for': '6.6.6.6, 198.51.100.1' }), 'a forged left-hand entry evaded the cap');
    // Further trusted hops to the right are skipped.
    await assert.rejects(open(srv, { 'x-forwarded-for': '198.51.100.1, 10.9.3.4' }), 'a trusted hop hid the client');
    // Other clients through the same proxy have their own allowance (IPv6 too).
    held.push(await open(srv, { 'x-forwarded-for': '198.51.100.2' }));
    held.push(await open(srv, { 'x-forwarded-for': '2001:db8::5' }));
    held.push(await open(srv, { 'x-forwarded-for': '2001:DB8:0::5' }));
    await assert.rejects(open(srv, { 'x-forwarded-for': '[2001:db8::5]:4711' }), 'one IPv6 client spelt three ways');
    held.push(await open(srv, { 'x-real-ip': '198.51.100.9' }));
    // 127.0.0.2 is not in the list: its headers are ignored, it is counted as itself.
    held.push(await open(srv, { 'x-forwarded-for': '203.0.113.1' }, '127.0.0.2'));
    held.push(await open(srv, { 'x-forwarded-for': '203.0.113.2' }, '127.0.0.2'));
    await assert.rejects(open(srv, { 'x-forwarded-for': '203.0.113.3' }, '127.0.0.2'), 'an untrusted peer evaded the cap');
  } finally { for (const p of held) p.close(); await srv.stop(); }
});

test('sign-in throttling keys on the client behind a trusted proxy, and on the peer otherwise', async () => {
  const srv = await start({ args: ['--trusted-proxies', '127.0.0.1'] });
  try {
    // 21 failures (each a different e-mail, so only the address counts) lock it for 1 s.
    for (let i = 0; i < 21; i++)
      assert.equal(await login(srv, { email: `nobody${i}@example.test`, password: 'x' }, { 'x-forwarded-for': '198.51.100.7' }), 401);
    assert.equal(await login(srv, ADMIN, { 'x-forwarded-for': '198.51.100.7' }), 429, 'the throttled client');
    assert.equal(await login(srv, ADMIN, { 'x-forwarded-for': '198.51.100.8' }), 200, 'another client through the same proxy');
    // From 127.0.0.2 (not trusted) a fresh X-Forwarded-For each time is still one address.
    for (let i = 0; i < 21; i++)
      assert.equal(await login(srv, { email: `nobody${i}@example.test`, password: 'x' }, { 'x-forwarded-for': `203.0.113.${i}` }, '127.0.0.2'), 401);
    assert.equal(await login(srv, ADMIN, { 'x-forwarded-for': '198.51.100.99' }, '127.0.0.2'), 429,
      'an untrusted peer rotating X-Forwarded-For evaded the lockout');
  } finally { await srv.stop(); }
});

test('--trusted-proxies: a bad list refuses to start, naming the entry', async () => {
  await assert.rejects(start({ args: ['--trusted-proxies', '10.0.0.0/8,banana'] }),
    /trusted-proxies.*'banana' is not an IP address or CIDR block/);
  await assert.rejects(start({ args: ['--trusted-proxies', '10.0.0.0/33'] }), /'10\.0\.0\.0\/33' is not/);
  await assert.rejects(start({ env: { PARLEY_TRUSTED_PROXIES: '::1/200' } }), /PARLEY_TRUSTED_PROXIES.*'::1\/200'/);
});
