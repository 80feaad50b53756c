// Webhooks against a local receiver: each event arrives once with a valid
// signature and the right payload, notes are never sent, a failing receiver is
// retried with backoff, a dead URL ends failed in the log, pending deliveries
// survive a restart, and the REST rules (admins only, field-named 400s that
// store nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { start, api, delay } from './harness.mjs';

// A receiver that records every request; answer(req, n) gives the status.
function receiver(answer = () => 200, port = 0) {
  return new Promise((res, rej) => {
    const got = [];
    const s = http.createServer((req, resp) => {
      let body = '';
      req.on('data', d => { body += d; });
      req.on('end', () => {
        const hit = { headers: req.headers, body, json: JSON.parse(body), method: req.method, url: req.url };
        got.push(hit);
        resp.writeHead(answer(hit, got.length));
        resp.end('ok');
      });
    });
    s.on('error', rej);
    s.listen(port, '127.0.0.1', () => {
      const p = s.address().port;
      res({ got, port: p, url: `http://127.0.0.1:${p}/hook`, close: () => new Promise(r => s.close(r)) });
    });
  });
}

async function until(fn, ms = 8000, what = 'condition') {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await delay(25)) {
    const v = await fn();
    if (v) return v;
  }
  throw new Error(`timeout waiting for ${what}`);
}

function verify(hit, secret) {
  const ts = hit.headers['x-parley-timestamp'];
  assert.match(ts, /^\d+$/);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 300, 'a fresh timestamp');
  const want = 'sha256=' + createHmac('sha256', secret).update(`${ts}.${hit.body}`).digest('hex');
  assert.equal(hit.headers['x-parley-signature'], want, 'valid signature');
  assert.equal(hit.headers['content-type'], 'application/json');
  assert.equal(hit.headers['x-parley-event'], hit.json.event);
  assert.equal(hit.headers['x-parley-delivery'], String(hit.json.id));
  assert.equal(hit.method, 'POST');
  assert.deepEqual(Object.keys(hit.json).sort(), ['created_at', 'data', 'event', 'id']);
}

test('every event arrives signed, in order, with its data; notes never do', async () => {
  const rx = await receiver();
  const srv = await start({ args: ['--rate-limit', '0'] });
  try {
    const admin = await srv.login();
    let r = await api(srv, 'POST', '/api/webhooks', admin, { url: rx.url });
    assert.equal(r.status, 201);
    assert.match(r.body.secret, /^[0-9a-f]{64}$/);
    assert.deepEqual(r.body.events, []);
    assert.equal(r.body.active, true);
    const secret = r.body.secret;
    const hook = r.body.id;
    const only = await api(srv, 'POST', '/api/webhooks', admin,
      { url: rx.url + '?rating', events: ['rating.created'] });
    assert.equal(only.status, 201);
    assert.deepEqual(only.body.events, ['rating.created']);
    r = await api(srv, 'GET', `/api/webhooks/${hook}`, admin);
    assert.equal(r.body.secret, undefined, 'the secret is shown once');

    const v = await srv.visitor({ name: 'Olena', email: 'olena@example.test' });
    const ag = await srv.agent(admin);
    assert.equal((await v.ask({ type: 'message', text: 'hello there' })).type, 'ack');
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    await v.next(f => f.type === 'state' && f.state === 'queued');
    assert.equal((await ag.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    assert.equal((await ag.ask({ type: 'message', conversation: v.conv, text: 'secret note',
      note: true })).type, 'ack');
    assert.equal((await ag.ask({ type: 'message', conversation: v.conv, text: 'Hi Olena' })).type, 'ack');
    assert.equal((await ag.ask({ type: 'close', conversation: v.conv })).type, 'ack');
    await v.next(f => f.type === 'state' && f.state === 'closed');
    assert.equal((await v.ask({ type: 'rating', score: 5, comment: 'great' })).type, 'ack');

    const mine = () => rx.got.filter(h => h.url === '/hook');
    await until(() => mine().some(h => h.json.event === 'rating.created'), 8000, 'the rating');
    await until(() => rx.got.some(h => h.url === '/hook?rating'), 8000, 'the filtered hook');
    await delay(300);
    for (const h of mine()) verify(h, secret);
    const events = mine().map(h => h.json.event);
    const lifecycle = events.filter(e => e.startsWith('conversation.') || e === 'rating.created');
    assert.deepEqual(lifecycle, ['conversation.created', 'conversation.queued',
      'conversation.assigned', 'conversation.closed', 'rating.created']);
    const ids = mine().map(h => h.json.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'first attempts in event order');
    assert.equal(new Set(ids).size, ids.length, 'each delivery once');

    const msgs = mine().filter(h => h.json.event === 'message.created').map(h => h.json.data);
    assert.ok(msgs.every(m => m.conversation === v.conv));
    const texts = msgs.map(m => m.message.text);
    assert.ok(texts.includes('hello there'));
    assert.ok(texts.includes('Hi Olena'));
    assert.ok(!texts.includes('secret note'), 'notes are never sent');
    assert.ok(!JSON.stringify(rx.got.map(h => h.json)).includes('secret note'));
    const roles = new Set(msgs.map(m => m.message.author.role));
    for (const role of ['visitor', 'bot', 'system', 'agent']) assert.ok(roles.has(role), role);
    const seqs = msgs.map(m => m.message.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'every visible message, once, in seq order');

    const created = mine().find(h => h.json.event === 'conversation.created').json.data.conversation;
    assert.equal(created.id, v.conv);
    assert.equal(created.state, 'bot');
    const assigned = mine().find(h => h.json.event === 'conversation.assigned').json.data.conversation;
    assert.equal(assigned.state, 'assigned');
    assert.equal(assigned.agent_name ?? assigned.agent?.name, 'Admin');
    const closed = mine().find(h => h.json.event === 'conversation.closed').json.data.conversation;
    assert.equal(closed.state, 'closed');
    const rating = mine().find(h => h.json.event === 'rating.created').json.data;
    assert.deepEqual(rating.rating, { score: 5, comment: 'great' });
    assert.equal(rating.conversation, v.conv);

    const filtered = rx.got.filter(h => h.url === '/hook?rating');
    assert.deepEqual(filtered.map(h => h.json.event), ['rating.created']);
    verify(filtered[0], only.body.secret);

    r = await api(srv, 'GET', `/api/webhooks/${hook}/deliveries`, admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.deliveries.length, mine().length);
    assert.ok(r.body.deliveries.every(d => d.status === 'delivered' && d.attempts === 1 &&
      d.last_status_code === 200 && d.last_error === null));
    assert.deepEqual(r.body.deliveries.map(d => d.id), [...ids].reverse(), 'newest first');
    const m = await (await fetch(srv.base + '/metrics')).text();
    assert.match(m, /parley_webhook_attempts_total\{outcome="delivered"\} [1-9]/);
    assert.match(m, /parley_webhook_pending 0/);
    v.close(); ag.close();
  } finally { await srv.stop(); await rx.close(); }
});

test('auto-assignment, transfer and an agent leaving emit assigned and queued', async () => {
  const rx = await receiver();
  const srv = await start({ args: ['--rate-limit', '0', '--agent-grace', '0'] });
  try {
    const admin = await srv.login();
    await api(srv, 'POST', '/api/webhooks', admin,
      { url: rx.url, events: ['conversation.queued', 'conversation.assigned'] });
    assert.equal((await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto' })).status, 200);
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const bo = await srv.makeAgent('bo@example.test', 'Bo');
    const v = await srv.visitor();
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    const first = await until(() => rx.got.find(h => h.json.event === 'conversation.assigned'),
      5000, 'the auto-assignment');
    const owner = first.json.data.conversation.agent_id;
    assert.ok(owner === ana.id || owner === bo.id, JSON.stringify(first.json.data));
    const [from, to] = owner === ana.id ? [ana, bo] : [bo, ana];
    assert.equal((await from.ws.ask({ type: 'transfer', conversation: v.conv, to: to.id })).type, 'ack');
    await until(() => rx.got.filter(h => h.json.event === 'conversation.assigned').length === 2,
      5000, 'the transfer');
    const second = rx.got.filter(h => h.json.event === 'conversation.assigned')[1].json.data.conversation;
    assert.equal(second.agent_id, to.id);
    to.ws.close();                       // grace 0: back to the queue, then to the other agent
    await until(() => rx.got.filter(h => h.json.event === 'conversation.queued').length === 2,
      5000, 'the requeue');
    assert.deepEqual(rx.got.map(h => h.json.event).slice(0, 4), ['conversation.queued',
      'conversation.assigned', 'conversation.assigned', 'conversation.queued']);
    v.close(); from.ws.close();
  } finally { await srv.stop(); await rx.close(); }
});

test('a handoff while the team is away emits conversation.offline, not queued', async () => {
  const rx = await receiver();
  const srv = await start();
  try {
    const admin = await srv.login();
    await api(srv, 'POST', '/api/webhooks', admin,
      { url: rx.url, events: ['conversation.offline', 'conversation.queued'] });
    const r = await api(srv, 'PUT', '/api/settings/hours', admin,
      { timezone: 'UTC', offline_mode: 'outside_hours_or_no_agent' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const v = await srv.visitor();         // nobody is online: offline mode applies
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    const hit = await until(() => rx.got.find(h => h.json.event === 'conversation.offline'),
      5000, 'the offline event');
    assert.equal(hit.json.data.conversation.id, v.conv);
    assert.equal(hit.json.data.conversation.state, 'offline');
    await delay(300);
    assert.deepEqual(rx.got.map(h => h.json.event), ['conversation.offline']);
    v.close();
  } finally { await srv.stop(); await rx.close(); }
});

test('two nodes on one database send each delivery once', async () => {
  const rx = await receiver();
  const A = await start({ args: ['--rate-limit', '0'] });
  let B = null;
  try {
    const admin = await A.login();
    const hook = await api(A, 'POST', '/api/webhooks', admin, { url: rx.url, events: ['message.created'] });
    assert.equal(hook.status, 201);
    B = await start({ dir: A.dir, args: ['--rate-limit', '0'] });   // reads the hook at start
    // Both nodes emit, so both senders keep fetching what is due: each sees the
    // other's rows too, and only claims keep them from both sending one.
    const [va, vb] = [await A.visitor(), await B.visitor()];
    for (let i = 0; i < 15; i++) {
      assert.equal((await va.ask({ type: 'message', id: `a${i}`, text: `from A ${i}` })).type, 'ack');
      assert.equal((await vb.ask({ type: 'message', id: `b${i}`, text: `from B ${i}` })).type, 'ack');
    }
    const visitorTexts = () => rx.got.filter(h => h.json.data.message.author.role === 'visitor');
    await until(() => visitorTexts().length >= 30, 10000, 'every visitor message');
    await delay(1500);                   // time for any second copy to arrive
    const ids = rx.got.map(h => h.json.id);
    assert.equal(new Set(ids).size, ids.length, `a delivery was sent twice: ${ids.sort((x, y) => x - y)}`);
    assert.equal(visitorTexts().length, 30);
    for (const h of rx.got) verify(h, hook.body.secret);
    va.close(); vb.close();
  } finally { if (B) await B.stop(); await A.stop(); await rx.close(); }
});

test('a receiver answering 500 then 200 is retried after the backoff', async () => {
  const rx = await receiver((hit, n) => (n === 1 ? 500 : 200));
  const srv = await start({ args: ['--webhook-retry-base-ms', '300'] });
  try {
    const admin = await srv.login();
    const hook = (await api(srv, 'POST', '/api/webhooks', admin, { url: rx.url })).body;
    const t = await api(srv, 'POST', `/api/webhooks/${hook.id}/test`, admin);
    assert.equal(t.status, 202);
    await until(() => rx.got.length >= 2, 8000, 'the retry');
    const [a, b] = rx.got;
    assert.equal(a.json.event, 'ping');
    assert.equal(a.body, b.body, 'the same body on every attempt');
    assert.equal(b.json.id, t.body.delivery);
    verify(b, hook.secret);
    const gap = Number(b.headers['x-parley-timestamp']) - Number(a.headers['x-parley-timestamp']);
    assert.ok(gap <= 2, 'retried after the base delay');
    const d = await until(async () => {
      const l = (await api(srv, 'GET', `/api/webhooks/${hook.id}/deliveries`, admin)).body.deliveries;
      return l[0].status === 'delivered' && l[0];
    }, 3000, 'delivered');
    assert.equal(d.attempts, 2);
    assert.equal(d.last_status_code, 200);
    await delay(700);
    assert.equal(rx.got.length, 2, 'nothing after the 2xx');
  } finally { await srv.stop(); await rx.close(); }
});

test('a dead URL ends failed with its attempts and last error; retry starts it again', async () => {
  const srv = await start({ args: ['--webhook-retry-base-ms', '10'] });
  try {
    const admin = await srv.login();
    const hook = (await api(srv, 'POST', '/api/webhooks', admin, { url: 'http://127.0.0.1:1/x' })).body;
    const t = await api(srv, 'POST', `/api/webhooks/${hook.id}/test`, admin);
    assert.equal(t.status, 202);
    const path = `/api/webhooks/${hook.id}/deliveries`;
    const d = await until(async () => {
      const l = (await api(srv, 'GET', path, admin)).body.deliveries;
      return l[0].status === 'failed' && l[0];
    }, 15000, 'failed');
    assert.equal(d.attempts, 6);
    assert.equal(d.last_status_code, null);
    assert.ok(d.last_error && d.last_error.length > 0, d.last_error);
    assert.equal(d.next_attempt_at, null);
    const m = await (await fetch(srv.base + '/metrics')).text();
    assert.match(m, /parley_webhook_attempts_total\{outcome="failed"\} 1/);
    assert.match(m, /parley_webhook_attempts_total\{outcome="retried"\} 5/);
    const rt = await api(srv, 'POST', `${path}/${d.id}/retry`, admin);
    assert.equal(rt.status, 202);
    await until(async () => {
      const l = (await api(srv, 'GET', path, admin)).body.deliveries;
      return l[0].status === 'failed' && l[0].attempts === 6 && l[0].delivered_at === null;
    }, 15000, 'failed again');
    assert.equal((await api(srv, 'POST', `${path}/999999/retry`, admin)).status, 404);
  } finally { await srv.stop(); }
});

test('a pending delivery survives a restart and is sent then', async () => {
  const probe = await receiver();
  const port = probe.port;
  await probe.close();                 // nothing listens there now
  const srv = await start({ args: ['--webhook-retry-base-ms', '1500'] });
  let rx = null, srv2 = null;
  try {
    const admin = await srv.login();
    const hook = (await api(srv, 'POST', '/api/webhooks', admin,
      { url: `http://127.0.0.1:${port}/hook` })).body;
    const t = await api(srv, 'POST', `/api/webhooks/${hook.id}/test`, admin);
    const path = `/api/webhooks/${hook.id}/deliveries`;
    await until(async () => (await api(srv, 'GET', path, admin)).body.deliveries[0].attempts === 1,
      5000, 'the first attempt');
    await srv.stop();
    rx = await receiver(() => 200, port);
    srv2 = await start({ dir: srv.dir });
    await until(() => rx.got.length === 1, 8000, 'the resumed delivery');
    assert.equal(rx.got[0].json.id, t.body.delivery);
    verify(rx.got[0], hook.secret);
    const admin2 = await srv2.login();
    const d = await until(async () => {
      const l = (await api(srv2, 'GET', path, admin2)).body.deliveries;
      return l[0].status === 'delivered' && l[0];
    }, 3000, 'delivered');
    assert.equal(d.attempts, 2);
  } finally {
    if (srv2) await srv2.stop(); else await srv.stop().catch(() => {});
    if (rx) await rx.close();
  }
});

test('SIGTERM with a request in flight exits promptly; the delivery stays pending', async () => {
  const held = [];
  const hang = http.createServer((req) => { held.push(req); });   // never answers
  await new Promise(r => hang.listen(0, '127.0.0.1', r));
  const srv = await start();
  try {
    const admin = await srv.login();
    const hook = (await api(srv, 'POST', '/api/webhooks', admin,
      { url: `http://127.0.0.1:${hang.address().port}/slow` })).body;
    const t = await api(srv, 'POST', `/api/webhooks/${hook.id}/test`, admin);
    await until(() => held.length === 1, 5000, 'the request');
    const t0 = Date.now();
    await srv.stop();
    assert.ok(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
    const srv2 = await start({ dir: srv.dir });
    try {
      const l = (await api(srv2, 'GET', `/api/webhooks/${hook.id}/deliveries`, await srv2.login())).body;
      assert.equal(l.deliveries[0].id, t.body.delivery);
      assert.equal(l.deliveries[0].status, 'pending');
    } finally { await srv2.stop(); }
  } finally {
    for (const r of held) r.socket.destroy();
    await new Promise(r => hang.close(r));
  }
});

test('REST: admins only, field-named 400s that store nothing, 404s', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    assert.equal((await api(srv, 'GET', '/api/webhooks')).status, 401);
    assert.equal((await api(srv, 'GET', '/api/webhooks', ana.token)).status, 403);
    assert.equal((await api(srv, 'POST', '/api/webhooks', ana.token, { url: 'http://a.test/' })).status, 403);
    const bad = async (body, field, raw = false) => {
      const r = await api(srv, 'POST', '/api/webhooks', admin, body, raw);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'bad_request');
      if (field !== undefined) assert.equal(r.body.error.field, field, JSON.stringify(r.body));
      return r;
    };
    await bad({ url: 'ftp://example.test/x' }, 'url');
    await bad({ url: 'javascript:alert(1)' }, 'url');
    await bad({ url: 'file:///etc/passwd' }, 'url');
    await bad({ url: 'http://' }, 'url');
    await bad({ url: 'http://exa mple.test/' }, 'url');
    await bad({ url: 42 }, 'url');
    await bad({}, 'url');
    await bad({ url: 'https://x.test/' + 'a'.repeat(2000) }, 'url');
    const ev = await bad({ url: 'https://x.test/', events: ['conversation.exploded'] }, 'events');
    assert.match(ev.body.error.message, /conversation\.exploded/);
    await bad({ url: 'https://x.test/', events: 'message.created' }, 'events');
    await bad({ url: 'https://x.test/', events: ['message.created', 'message.created'] }, 'events');
    await bad({ url: 'https://x.test/', active: 'yes' }, 'active');
    await bad({ url: 'https://x.test/', secret: 'mine' }, 'secret');
    await bad('[1]', undefined, true);
    await bad('{"url":', undefined, true);
    assert.deepEqual((await api(srv, 'GET', '/api/webhooks', admin)).body, { webhooks: [] });

    const ok = await api(srv, 'POST', '/api/webhooks', admin,
      { url: 'https://crm.example/hook', events: ['conversation.closed'], active: false });
    assert.equal(ok.status, 201);
    const id = ok.body.id;
    let r = await api(srv, 'PUT', `/api/webhooks/${id}`, admin, { url: 'gopher://x' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'url');
    r = await api(srv, 'GET', `/api/webhooks/${id}`, admin);
    assert.equal(r.body.url, 'https://crm.example/hook', 'unchanged');
    r = await api(srv, 'PUT', `/api/webhooks/${id}`, admin, { active: true, events: [] });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.url, r.body.active, r.body.events], ['https://crm.example/hook', true, []]);
    assert.equal(r.body.secret, undefined);
    assert.equal((await api(srv, 'PUT', `/api/webhooks/${id}`, ana.token, { active: false })).status, 403);
    assert.equal((await api(srv, 'GET', '/api/webhooks/999', admin)).status, 404);
    assert.equal((await api(srv, 'PUT', '/api/webhooks/999', admin, { active: true })).status, 404);
    assert.equal((await api(srv, 'DELETE', '/api/webhooks/999', admin)).status, 404);
    assert.equal((await api(srv, 'POST', '/api/webhooks/999/test', admin)).status, 404);
    assert.equal((await api(srv, 'GET', '/api/webhooks/999/deliveries', admin)).status, 404);
    assert.equal((await api(srv, 'GET', '/api/webhooks/abc', admin)).status, 404);
    assert.equal((await api(srv, 'GET', `/api/webhooks/${id}/deliveries`, ana.token)).status, 403);
    assert.equal((await api(srv, 'POST', `/api/webhooks/${id}/test`, ana.token)).status, 403);

    for (let i = 1; i < 20; i++)
      assert.equal((await api(srv, 'POST', '/api/webhooks', admin, { url: `https://h${i}.test/` })).status, 201);
    r = await api(srv, 'POST', '/api/webhooks', admin, { url: 'https://one-too-many.test/' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /at most 20/);
    assert.equal((await api(srv, 'GET', '/api/webhooks', admin)).body.webhooks.length, 20);
    assert.equal((await api(srv, 'DELETE', `/api/webhooks/${id}`, admin)).status, 200);
    assert.equal((await api(srv, 'GET', `/api/webhooks/${id}`, admin)).status, 404);
    assert.equal((await api(srv, 'GET', '/api/webhooks', admin)).body.webhooks.length, 19);
    ana.ws.close();
  } finally { await srv.stop(); }
});
