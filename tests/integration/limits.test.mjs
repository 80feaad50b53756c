// Limits across connections: sockets per address, messages per visitor over all
// their tabs, and sign-in lockouts that grow with each failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, Peer, ADMIN } from './harness.mjs';

test('an address may hold only --max-conns-per-ip sockets; others are unaffected', async () => {
  const srv = await start({ args: ['--max-conns-per-ip', '3'] });
  try {
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await Peer.open(srv.url('/ws/visitor')));
    await assert.rejects(Peer.open(srv.url('/ws/visitor')), 'a fourth socket from 127.0.0.1');
    const other = await Peer.open(srv.url('/ws/visitor'), { localAddress: '127.0.0.2' });
    other.close();
    open[0].close();
    await open[0].waitClosed();
    for (let i = 0; i < 20; i++) {           // the slot frees once the server has seen the close
      try { (await Peer.open(srv.url('/ws/visitor'))).close(); break; } catch { await new Promise(r => setTimeout(r, 50)); }
      assert.ok(i < 19, 'a freed slot was not given back');
    }
    for (const p of open) p.close();
    assert.equal((await fetch(srv.base + '/healthz')).status, 200, 'HTTP is not counted');
  } finally { await srv.stop(); }
});

test('one visitor in two tabs shares one message allowance', async () => {
  const srv = await start({ args: ['--rate-limit', '8'] });
  try {
    const a = await srv.visitor();
    const b = await srv.visitor({ token: a.token });
    const answers = [];
    for (let i = 0; i < 20; i++) {
      answers.push(a.ask({ type: 'message', id: `a${i}`, text: `tab a ${i}` }));
      answers.push(b.ask({ type: 'message', id: `b${i}`, text: `tab b ${i}` }));
    }
    const got = await Promise.all(answers);
    const limited = got.filter(f => f.code === 'rate_limited').length;
    const acked = got.filter(f => f.type === 'ack').length;
    assert.ok(limited > 0, 'forty messages in a moment from one visitor were all accepted');
    assert.ok(acked >= 15, `only ${acked} acked`);
    a.close(); b.close();
  } finally { await srv.stop(); }
});

test('failed sign-ins lock the e-mail out for a growing time, then the right password works', async () => {
  const srv = await start();
  try {
    const wrong = { email: ADMIN.email, password: 'not the password' };
    for (let i = 0; i < 5; i++) assert.equal((await api(srv, 'POST', '/api/login', null, wrong)).status, 401);
    assert.equal((await api(srv, 'POST', '/api/login', null, wrong)).status, 401, 'the sixth still checks');
    const locked = await api(srv, 'POST', '/api/login', null, ADMIN);
    assert.equal(locked.status, 429, 'locked out even with the right password');
    assert.equal(locked.body.error.code, 'rate_limited');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    const other = await api(srv, 'POST', '/api/login', null, { email: 'nobody@example.test', password: 'x' });
    assert.equal(other.status, 401, 'another e-mail from the same address is not locked');
    await new Promise(r => setTimeout(r, 1100));
    assert.equal((await api(srv, 'POST', '/api/login', null, ADMIN)).status, 200, 'after the lock, the right password');
    assert.equal((await api(srv, 'POST', '/api/login', null, wrong)).status, 401, 'a success resets the count');
  } finally { await srv.stop(); }
});

test('slow, half-sent requests (slowloris) do not starve real clients', async () => {
  const { default: net } = await import('node:net');
  const srv = await start({ args: ['--max-conns-per-ip', '0'] });
  const socks = [];
  try {
    for (let i = 0; i < 400; i++) {
      const s = net.connect(srv.port, '127.0.0.1');
      s.on('error', () => {});
      s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      socks.push(s);
    }
    const drip = setInterval(() => { for (const s of socks) if (!s.destroyed) s.write('X-a: b\r\n'); }, 500);
    await new Promise(r => setTimeout(r, 300));
    const t0 = Date.now();
    assert.equal((await fetch(srv.base + '/healthz')).status, 200);
    const v = await srv.visitor();
    assert.equal((await v.ask({ type: 'message', text: 'still served?' })).type, 'ack');
    assert.ok(Date.now() - t0 < 3000, `a real client waited ${Date.now() - t0} ms`);
    v.close();
    clearInterval(drip);
  } finally {
    for (const s of socks) s.destroy();
    await srv.stop();
  }
});
