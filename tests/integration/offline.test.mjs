// Business hours, offline mode and widget settings: the admin's settings (bad
// input changes nothing), where a handoff goes under each mode, the offline
// conversation claimed and answered, the visitor's resume, and the widget's
// public config with its CORS headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, Peer } from './harness.mjs';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
// Open only on a weekday that is not today (UTC): closed now.
const closedNow = () => ({ [DAYS[(new Date().getUTCDay() + 3) % 7]]: [{ open: '09:00', close: '10:00' }] });
const openAllWeek = () => Object.fromEntries(DAYS.map(d => [d, [{ open: '00:00', close: '24:00' }]]));

async function handoff(srv) {
  const v = await srv.visitor({ locale: 'en' });
  await v.ask({ type: 'message', text: 'My parcel never arrived' });
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  const st = await v.next(f => f.type === 'state' && f.state !== 'bot');
  return { v, state: st.state };
}

test('hours and widget settings: defaults, bad input named and nothing stored', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    let r = await api(srv, 'GET', '/api/settings/hours', admin);
    assert.equal(r.status, 200);
    assert.equal(r.body.timezone, 'UTC');
    assert.equal(r.body.offline_mode, 'off');
    assert.deepEqual(r.body.days.mon, []);
    const hoursBefore = r.body;
    const widgetBefore = (await api(srv, 'GET', '/api/settings/widget', admin)).body;
    assert.deepEqual(widgetBefore, { greeting: '', color: '', position: 'bottom-right',
      prechat: { name: 'off', email: 'off' } });
    const badHours = [
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ timezone: '../../etc/passwd' }, 'timezone'],
      [{ offline_mode: 'sometimes' }, 'offline_mode'],
      [{ days: { mon: [{ open: '25:00', close: '26:00' }] } }, 'days.mon[0].open'],
      [{ days: { mon: [{ open: '09:00', close: '9pm' }] } }, 'days.mon[0].close'],
      [{ days: { mon: [{ open: '09:00', close: '09:00' }] } }, 'days.mon[0]'],
      [{ days: { funday: [] } }, 'days.funday'],
      [{ timezone: 'Europe/Kyiv', offline_mode: 'outside_hours', colour: 1 }, 'colour'],
    ];
    for (const [body, field] of badHours) {
      r = await api(srv, 'PUT', '/api/settings/hours', admin, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    const badWidget = [
      [{ color: 'red' }, 'color'], [{ color: '#12345g' }, 'color'], [{ position: 'top' }, 'position'],
      [{ prechat: { email: 'always' } }, 'prechat.email'], [{ prechat: { phone: 'off' } }, 'prechat.phone'],
      [{ greeting: 'x'.repeat(501) }, 'greeting'], [{ greeting: 'Hi', size: 3 }, 'size'],
    ];
    for (const [body, field] of badWidget) {
      r = await api(srv, 'PUT', '/api/settings/widget', admin, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
    }
    assert.equal((await api(srv, 'PUT', '/api/settings/widget', admin, '{"color":', true)).status, 400);
    assert.deepEqual((await api(srv, 'GET', '/api/settings/hours', admin)).body, hoursBefore);
    assert.deepEqual((await api(srv, 'GET', '/api/settings/widget', admin)).body, widgetBefore);
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    assert.equal((await api(srv, 'PUT', '/api/settings/widget', ana.token, { color: '#000000' })).status, 403);
    assert.equal((await api(srv, 'GET', '/api/settings/hours', null)).status, 401);

    r = await api(srv, 'PUT', '/api/settings/hours', admin, { timezone: 'Europe/Kyiv',
      offline_mode: 'outside_hours', days: { fri: [{ open: '22:00', close: '02:00' }] } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.days.fri, [{ open: '22:00', close: '02:00' }]);
    r = await api(srv, 'PUT', '/api/settings/widget', admin, { color: '#1A73E8', position: 'bottom-left',
      greeting: 'Hi from the shop!', prechat: { email: 'required' } });
    assert.deepEqual(r.body, { greeting: 'Hi from the shop!', color: '#1a73e8', position: 'bottom-left',
      prechat: { name: 'off', email: 'required' } });
    // Kept across a restart.
    await srv.stop();
    const again = await start({ dir: srv.dir });
    try {
      const a2 = await again.login();
      assert.equal((await api(again, 'GET', '/api/settings/hours', a2)).body.timezone, 'Europe/Kyiv');
      assert.equal((await api(again, 'GET', '/api/settings/widget', a2)).body.color, '#1a73e8');
      // The greeting replaces the bot's.
      const v = await again.visitor();
      await v.ask({ type: 'message', text: 'hello' });
      const g = await v.next(f => f.type === 'message' && f.author.role === 'bot');
      assert.equal(g.text, 'Hi from the shop!');
      v.close();
    } finally { await again.stop(); }
  } finally { if (srv.child.exitCode === null) await srv.stop(); }
});

test('default mode: a handoff is queued even with nobody online and outside hours', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    assert.equal((await api(srv, 'PUT', '/api/settings/hours', admin, { days: closedNow() })).status, 200);
    const { v, state } = await handoff(srv);
    assert.equal(state, 'queued');
    v.close();
  } finally { await srv.stop(); }
});

test('offline mode: outside hours -> offline; inside hours with an agent -> queued; nobody online -> offline', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    let r = await api(srv, 'PUT', '/api/settings/hours', admin, { offline_mode: 'outside_hours', days: closedNow() });
    assert.equal(r.status, 200);
    let h = await handoff(srv);
    assert.equal(h.state, 'offline');
    const sys = await h.v.next(f => f.type === 'message' && f.author.role === 'system');
    assert.match(sys.text, /away/);
    h.v.close();

    r = await api(srv, 'PUT', '/api/settings/hours', admin, { offline_mode: 'outside_hours_or_no_agent', days: openAllWeek() });
    assert.equal(r.status, 200);
    h = await handoff(srv);                         // open, but nobody online
    assert.equal(h.state, 'offline');
    h.v.close();
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    h = await handoff(srv);                         // open, Ana online
    assert.equal(h.state, 'queued');
    h.v.close();
    await ana.ws.ask({ type: 'status', status: 'away' });
    h = await handoff(srv);                         // Ana away: nobody online
    assert.equal(h.state, 'offline');
    h.v.close();
    const metrics = await (await fetch(srv.base + '/metrics')).text();
    assert.match(metrics, /parley_conversations\{state="offline"\} 3/);
    assert.match(metrics, /parley_queue_length 1/);
    ana.ws.close();
  } finally { await srv.stop(); }
});

test('an offline conversation: email left, claimed by any agent, answered, seen on resume', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    await api(srv, 'PUT', '/api/settings/hours', admin, { offline_mode: 'outside_hours', days: closedNow() });
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const { v, state } = await handoff(srv);
    assert.equal(state, 'offline');
    let r = await v.ask({ type: 'contact', email: 'not an email' });
    assert.equal(r.type, 'error');
    assert.equal(r.code, 'bad_request');
    assert.match(r.message, /email/);
    r = await v.ask({ type: 'contact', email: 'ivy@example.test', name: 'Ivy' });
    assert.equal(r.type, 'ack');
    assert.equal((await v.ask({ type: 'message', text: 'Please call me back about order 42' })).type, 'ack');
    const lastSeq = v.messages().at(-1).seq;
    v.close();

    // Not in the queue, not in anyone's ready frame; in the offline list.
    const agent2 = await srv.agent(ana.token);
    assert.equal(agent2.ready.queue.some(c => c.id === v.conv), false);
    r = await api(srv, 'GET', '/api/conversations?state=offline', ana.token);
    assert.equal(r.status, 200);
    const row = r.body.conversations.find(c => c.id === v.conv);
    assert.ok(row, JSON.stringify(r.body));
    assert.equal(row.state, 'offline');
    r = await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, ana.token);
    assert.equal(r.status, 200);
    assert.equal(r.body.conversation.visitor_email, 'ivy@example.test');
    assert.ok(r.body.messages.some(m => m.text === 'Please call me back about order 42'));

    assert.equal((await agent2.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    const bob = await srv.makeAgent('bob@example.test', 'Bob');
    const lost = await bob.ws.ask({ type: 'claim', conversation: v.conv });
    assert.equal(lost.code, 'already_claimed');
    assert.equal((await agent2.ask({ type: 'message', conversation: v.conv, text: 'We called you, Ivy.' })).type, 'ack');

    const back = await Peer.open(srv.url('/ws/visitor'));
    back.send({ type: 'hello', token: v.token, last_seq: lastSeq });
    const w = await back.next('welcome');
    assert.equal(w.conversation.state, 'assigned');
    assert.ok(w.messages.some(m => m.author.role === 'agent' && m.text === 'We called you, Ivy.'));
    assert.ok(w.messages.every(m => m.seq > lastSeq));
    back.close(); agent2.close(); bob.ws.close(); ana.ws.close();
  } finally { await srv.stop(); }
});

test('widget config: public, with CORS, following --allowed-origins', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    await api(srv, 'PUT', '/api/settings/widget', admin, { color: '#aa0000', prechat: { name: 'optional', email: 'required' } });
    await api(srv, 'PUT', '/api/settings/hours', admin, { offline_mode: 'outside_hours', days: closedNow() });
    const r = await fetch(srv.base + '/api/widget/config', { headers: { origin: 'https://shop.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
    const c = await r.json();
    assert.equal(c.color, '#aa0000');
    assert.deepEqual(c.prechat, { name: 'optional', email: 'required' });
    assert.equal(c.open, false);
    assert.equal(c.agents_online, false);
    assert.equal(c.offline, true);
    assert.equal(c.hours.timezone, 'UTC');
    assert.equal(c.offline_mode, undefined);
  } finally { await srv.stop(); }
  const strict = await start({ args: ['--allowed-origins', 'https://shop.example'] });
  try {
    let r = await fetch(strict.base + '/api/widget/config', { headers: { origin: 'https://shop.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://shop.example');
    r = await fetch(strict.base + '/api/widget/config', { headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const c = await r.json();
    assert.equal(c.offline, false);   // defaults: offline mode off
    assert.equal(c.open, true);
  } finally { await strict.stop(); }
});
