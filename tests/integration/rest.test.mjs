// The REST side of the contract: health, metrics, static pages, login and the session
// cookie, agents, FAQ management (and the bot following it live), conversation lists,
// transcripts and the request size limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, Peer, ADMIN } from './harness.mjs';

const FAQ = [
  { id: 'hours', locale: 'en', question: 'When are you open?', answer: 'Monday to Friday, 9:00 to 18:00.',
    keywords: ['opening hours', 'open', 'hours'] },
];

let srv, admin;
before(async () => {
  srv = await start({ faq: FAQ, args: ['--rate-limit', '0'] });
  admin = await srv.login();
});
after(async () => { await srv.stop(); });

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  assert.equal(typeof r.body?.error?.code, 'string', `error shape: ${r.text}`);
  assert.match(r.body.error.code, /^[a-z]+(_[a-z]+)*$/, 'snake_case code');
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok(r.body.error.message.length > 0, 'errors carry a message');
  if (code) assert.equal(r.body.error.code, code);
}

let agentN = 0;
async function newAgent(role = 'agent') {
  const n = ++agentN;
  const email = `rest${n}@example.test`, password = 'agent password 12345';
  const r = await api(srv, 'POST', '/api/agents', admin, { email, name: `Rest ${n}`, password, role });
  assert.equal(r.status, 201, r.text);
  const token = await srv.login({ email, password });
  return { id: r.body.id, email, password, token };
}

// A bot answer to a fresh visitor's question, or null when the bot answers otherwise.
async function botAnswer(text) {
  const v = await srv.visitor({ locale: 'en' });
  const ack = await v.ask({ type: 'message', text });
  assert.equal(ack.type, 'ack');
  const bot = await v.next(f => f.type === 'message' && f.author.role === 'bot' && f.seq > ack.seq);
  v.close();
  return bot;
}

// ---- health, metrics, static ----

test('GET /healthz answers 200 {"status":"ok"} as JSON', async () => {
  const r = await api(srv, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(r.body, { status: 'ok' });
});

test('GET /metrics is Prometheus text with parley_* series', async () => {
  const r = await api(srv, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const lines = r.text.split('\n').filter(Boolean);
  assert.ok(lines.some(l => /^# TYPE parley_\w+ (counter|gauge|histogram|summary|untyped)$/.test(l)), 'TYPE lines');
  const samples = lines.filter(l => !l.startsWith('#'));
  assert.ok(samples.length > 0);
  for (const l of samples)
    assert.match(l, /^parley_[a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\d+)?$/, `sample line: ${l}`);
});

for (const [path, type] of [['/', /^text\/html/], ['/widget.js', /^(text|application)\/javascript/], ['/agent/', /^text\/html/]]) {
  test(`GET ${path} is served with a Content-Security-Policy and its content type`, async () => {
    const r = await fetch(srv.base + path);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') || '', type);
    const csp = r.headers.get('content-security-policy');
    assert.ok(csp, 'Content-Security-Policy header');
    assert.match(csp, /default-src/);
    assert.ok((await r.text()).length > 0);
  });
}

test('an unknown path is a 404 with the JSON error shape', async () => {
  const r = await api(srv, 'GET', '/no/such/thing');
  assertError(r, 404, 'not_found');
});

// ---- login, cookie, logout ----

test('login: 200 with token and agent, and an HttpOnly SameSite=Strict session cookie', async () => {
  const r = await api(srv, 'POST', '/api/login', null, ADMIN);
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.token, 'string');
  assert.ok(r.body.token.length >= 20);
  const a = r.body.agent;
  assert.ok(a.id !== undefined);
  assert.equal(a.email, ADMIN.email);
  assert.equal(a.role, 'admin');
  assert.equal(typeof a.name, 'string');
  assert.equal(a.password, undefined);
  assert.equal(a.password_hash, undefined);
  const cookie = r.headers.get('set-cookie') || '';
  assert.match(cookie, /(^|[,;]\s*)parley_session=[^;,]+/);
  assert.match(cookie, /;\s*HttpOnly/i);
  assert.match(cookie, /;\s*SameSite=Strict/i);
});

test('login: a wrong password is 401', async () => {
  assertError(await api(srv, 'POST', '/api/login', null, { email: ADMIN.email, password: 'not it at all' }), 401);
});

test('login: an unknown e-mail is 401', async () => {
  assertError(await api(srv, 'POST', '/api/login', null, { email: 'nobody@example.test', password: ADMIN.password }), 401);
});

test('login: a missing email is 400 naming the field', async () => {
  const r = await api(srv, 'POST', '/api/login', null, { password: ADMIN.password });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'email');
});

test('login: a body that is not JSON is 400', async () => {
  const r = await api(srv, 'POST', '/api/login', null, '{"email": nope', true);
  assertError(r, 400);
});

async function loginCookie(who = ADMIN) {
  const r = await api(srv, 'POST', '/api/login', null, who);
  const m = /parley_session=([^;,\s]+)/.exec(r.headers.get('set-cookie') || '');
  assert.ok(m, 'session cookie');
  return m[1];
}

test('the session cookie alone authenticates REST calls', async () => {
  const cookie = await loginCookie();
  const r = await fetch(srv.base + '/api/agents', { headers: { cookie: `parley_session=${cookie}` } });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.ok(JSON.stringify(body).includes(ADMIN.email));
  const none = await fetch(srv.base + '/api/agents', { headers: { cookie: 'parley_session=forged-session-value' } });
  assert.equal(none.status, 401);
});

test('the session cookie alone authenticates the agent WebSocket (ready without an auth frame)', async () => {
  const cookie = await loginCookie();
  const c = await Peer.open(srv.url('/ws/agent'), { headers: { cookie: `parley_session=${cookie}` } });
  const ready = await c.next('ready');
  assert.equal(ready.agent.email, ADMIN.email);
  assert.ok(Array.isArray(ready.queue));
  assert.ok(Array.isArray(ready.assigned));
  c.close();
});

test('logout invalidates the token', async () => {
  const token = await srv.login();
  assert.equal((await api(srv, 'GET', '/api/agents', token)).status, 200);
  const out = await api(srv, 'POST', '/api/logout', token);
  assert.equal(out.status, 200);
  assertError(await api(srv, 'GET', '/api/agents', token), 401);
  assertError(await api(srv, 'GET', '/api/conversations?state=queued', token), 401);
  assert.equal((await api(srv, 'GET', '/api/agents', admin)).status, 200, 'other sessions stay');
});

// ---- agents ----

test('agents: an admin creates an agent (201, with its id) and it can sign in', async () => {
  const r = await api(srv, 'POST', '/api/agents', admin,
    { email: 'created@example.test', name: 'Created', password: 'a good long password', role: 'agent' });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.body.id !== undefined && r.body.id !== null);
  assert.equal(r.body.email, 'created@example.test');
  assert.equal(r.body.name, 'Created');
  assert.equal(r.body.role, 'agent');
  assert.equal(r.body.password, undefined);
  const list = await api(srv, 'GET', '/api/agents', admin);
  assert.equal(list.status, 200);
  assert.ok(JSON.stringify(list.body).includes('created@example.test'));
  const l = await api(srv, 'POST', '/api/login', null, { email: 'created@example.test', password: 'a good long password' });
  assert.equal(l.status, 200);
  assert.equal(l.body.agent.id, r.body.id);
  assert.equal(l.body.agent.role, 'agent');
});

test('agents: a duplicate e-mail is 409 naming email', async () => {
  const body = { email: 'dup@example.test', name: 'Dup', password: 'a good long password', role: 'agent' };
  assert.equal((await api(srv, 'POST', '/api/agents', admin, body)).status, 201);
  const r = await api(srv, 'POST', '/api/agents', admin, { ...body, name: 'Dup 2' });
  assertError(r, 409);
  assert.equal(r.body.error.field, 'email');
});

test('agents: a short password is 400 naming password', async () => {
  const r = await api(srv, 'POST', '/api/agents', admin, { email: 'short@example.test', name: 'S', password: 'short', role: 'agent' });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'password');
});

test('agents: a bad role is 400', async () => {
  const r = await api(srv, 'POST', '/api/agents', admin,
    { email: 'boss@example.test', name: 'B', password: 'a good long password', role: 'overlord' });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'role');
});

test('agents: a non-admin agent gets 403 on /api/agents and /api/faq', async () => {
  const a = await newAgent();
  assertError(await api(srv, 'GET', '/api/agents', a.token), 403);
  assertError(await api(srv, 'POST', '/api/agents', a.token,
    { email: 'sneaky@example.test', name: 'S', password: 'a good long password', role: 'admin' }), 403);
  assertError(await api(srv, 'GET', '/api/faq', a.token), 403);
  assertError(await api(srv, 'POST', '/api/faq', a.token, { id: 'x', question: 'q?', answer: 'a', keywords: ['x'] }), 403);
  assertError(await api(srv, 'GET', '/api/faq/hours', a.token), 403);
  const l = await api(srv, 'POST', '/api/login', null, { email: 'sneaky@example.test', password: 'a good long password' });
  assert.equal(l.status, 401, 'nothing was created');
});

test('no token is 401 on every authenticated endpoint', async () => {
  for (const [m, p] of [['GET', '/api/agents'], ['POST', '/api/agents'], ['GET', '/api/faq'], ['GET', '/api/faq/hours'],
    ['DELETE', '/api/faq/hours'], ['GET', '/api/conversations?state=queued'], ['GET', '/api/conversations/c_x/transcript']])
    assertError(await api(srv, m, p, null, m === 'POST' ? {} : undefined), 401);
  assert.equal((await api(srv, 'GET', '/api/faq/hours', admin)).status, 200, 'the DELETE without a token removed nothing');
});

// ---- FAQ ----

const NEW = { id: 'giftwrap', locale: 'en', question: 'Do you gift wrap?', answer: 'Yes, gift wrapping is £2.',
  keywords: ['gift wrap*', 'wrapping'] };

test('FAQ: GET lists the entries as a JSON array', async () => {
  const r = await api(srv, 'GET', '/api/faq', admin);
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body), r.text);
  const e = r.body.find(x => x.id === 'hours');
  assert.ok(e);
  assert.equal(e.answer, FAQ[0].answer);
  assert.deepEqual(e.keywords, FAQ[0].keywords);
});

test('FAQ: POST a valid entry is 201 and the bot answers with it at once', async () => {
  const r = await api(srv, 'POST', '/api/faq', admin, NEW);
  assert.equal(r.status, 201, r.text);
  const one = await api(srv, 'GET', '/api/faq/giftwrap', admin);
  assert.equal(one.status, 200);
  assert.equal(one.body.answer, NEW.answer);
  const bot = await botAnswer('Can you gift wrap my order?');
  assert.equal(bot.faq?.id, 'giftwrap', JSON.stringify(bot));
  assert.equal(bot.text, NEW.answer);
});

test('FAQ: POST an existing id is 409', async () => {
  const r = await api(srv, 'POST', '/api/faq', admin, { ...FAQ[0], answer: 'other' });
  assertError(r, 409);
  assert.equal((await api(srv, 'GET', '/api/faq/hours', admin)).body.answer, FAQ[0].answer);
});

test('FAQ: a pattern that does not compile is 400 naming patterns[0]', async () => {
  const r = await api(srv, 'POST', '/api/faq', admin, { id: 'badre', question: 'q?', answer: 'a', keywords: ['k'], patterns: ['('] });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'patterns[0]');
  assertError(await api(srv, 'GET', '/api/faq/badre', admin), 404);
});

test('FAQ: a missing answer is 400 naming answer', async () => {
  const r = await api(srv, 'POST', '/api/faq', admin, { id: 'noanswer', question: 'q?', keywords: ['k'] });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'answer');
});

test('FAQ: keywords that are not an array are 400', async () => {
  const r = await api(srv, 'POST', '/api/faq', admin, { id: 'kwstr', question: 'q?', answer: 'a', keywords: 'wrap' });
  assertError(r, 400);
  assert.equal(r.body.error.field, 'keywords');
});

test('FAQ: PUT changes the answer and the bot uses the new one', async () => {
  const entry = { id: 'umbrella', locale: 'en', question: 'Do you sell umbrellas?', answer: 'Old umbrella answer.', keywords: ['umbrella*'] };
  assert.equal((await api(srv, 'POST', '/api/faq', admin, entry)).status, 201);
  assert.equal((await botAnswer('any umbrellas?')).text, 'Old umbrella answer.');
  const r = await api(srv, 'PUT', '/api/faq/umbrella', admin, { ...entry, answer: 'New umbrella answer.' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await api(srv, 'GET', '/api/faq/umbrella', admin)).body.answer, 'New umbrella answer.');
  const bot = await botAnswer('any umbrellas?');
  assert.equal(bot.faq?.id, 'umbrella');
  assert.equal(bot.text, 'New umbrella answer.');
});

test('FAQ: PUT with a body whose id differs from the path is 400', async () => {
  const r = await api(srv, 'PUT', '/api/faq/hours', admin, { ...FAQ[0], id: 'not-hours' });
  assertError(r, 400);
  assertError(await api(srv, 'GET', '/api/faq/not-hours', admin), 404);
  assert.equal((await api(srv, 'GET', '/api/faq/hours', admin)).body.answer, FAQ[0].answer);
});

test('FAQ: DELETE removes the entry and the bot no longer answers with it', async () => {
  const entry = { id: 'kites', locale: 'en', question: 'Do you sell kites?', answer: 'Kites are in aisle 3.', keywords: ['kite*'] };
  assert.equal((await api(srv, 'POST', '/api/faq', admin, entry)).status, 201);
  assert.equal((await botAnswer('do you have kites')).faq?.id, 'kites');
  const d = await api(srv, 'DELETE', '/api/faq/kites', admin);
  assert.equal(d.status, 200, d.text);
  assertError(await api(srv, 'GET', '/api/faq/kites', admin), 404);
  assert.ok(!(await api(srv, 'GET', '/api/faq', admin)).body.some(e => e.id === 'kites'));
  const bot = await botAnswer('do you have kites');
  assert.notEqual(bot.faq?.id, 'kites');
  assert.notEqual(bot.text, entry.answer);
  assertError(await api(srv, 'DELETE', '/api/faq/kites', admin), 404);
});

// ---- conversations and transcripts ----

// One world for the list and transcript tests: a queued conversation, one assigned to
// each of two agents, and one closed by the first.
let world;
async function getWorld() {
  if (world) return world;
  const ana = await srv.makeAgent('ana.rest@example.test', 'Ana');
  const bo = await srv.makeAgent('bo.rest@example.test', 'Bo');
  const mk = async text => {
    const v = await srv.visitor({ locale: 'en' });
    await v.ask({ type: 'message', text });
    assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
    await v.next(f => f.type === 'state' && f.state === 'queued');
    return v;
  };
  const queued = await mk('please queue me, transcript marker Q');
  const anaV = await mk('for ana, transcript marker A');
  const boV = await mk('for bo, transcript marker B');
  const closedV = await mk('ana closes this, transcript marker C');
  for (const [agent, v] of [[ana, anaV], [bo, boV], [ana, closedV]])
    assert.equal((await agent.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  assert.equal((await ana.ws.ask({ type: 'message', conversation: anaV.conv, text: 'Ana replies here' })).type, 'ack');
  assert.equal((await ana.ws.ask({ type: 'close', conversation: closedV.conv })).type, 'ack');
  world = { ana, bo, queued: queued.conv, anaConv: anaV.conv, boConv: boV.conv, closed: closedV.conv };
  for (const v of [queued, anaV, boV, closedV]) v.close();
  return world;
}

async function listIds(token, state) {
  const r = await api(srv, 'GET', `/api/conversations?state=${state}`, token);
  assert.equal(r.status, 200, r.text);
  assert.ok(Array.isArray(r.body.conversations), r.text);
  for (const c of r.body.conversations) assert.equal(c.state, state, `?state=${state} gave ${JSON.stringify(c)}`);
  return r.body.conversations.map(c => c.id);
}

test('conversations: listed by state, an admin sees them all', async () => {
  const w = await getWorld();
  const q = await listIds(admin, 'queued');
  assert.ok(q.includes(w.queued));
  assert.ok(!q.includes(w.anaConv));
  const a = await listIds(admin, 'assigned');
  assert.ok(a.includes(w.anaConv) && a.includes(w.boConv));
  assert.ok(!a.includes(w.queued) && !a.includes(w.closed));
  const c = await listIds(admin, 'closed');
  assert.ok(c.includes(w.closed));
  assert.ok(!c.includes(w.anaConv));
});

test('conversations: an agent sees the queue and only their own assigned and closed ones', async () => {
  const w = await getWorld();
  assert.ok((await listIds(w.bo.token, 'queued')).includes(w.queued), 'the queue is for everyone');
  const anaAssigned = await listIds(w.ana.token, 'assigned');
  assert.ok(anaAssigned.includes(w.anaConv));
  assert.ok(!anaAssigned.includes(w.boConv), "not Bo's");
  const boAssigned = await listIds(w.bo.token, 'assigned');
  assert.ok(boAssigned.includes(w.boConv));
  assert.ok(!boAssigned.includes(w.anaConv), "not Ana's");
  assert.ok((await listIds(w.ana.token, 'closed')).includes(w.closed));
  assert.ok(!(await listIds(w.bo.token, 'closed')).includes(w.closed), "not Ana's closed one");
});

test('conversations: ?state=bogus is 400', async () => {
  const r = await api(srv, 'GET', '/api/conversations?state=bogus', admin);
  assertError(r, 400);
});

test('transcript: JSON with the conversation and its messages', async () => {
  const w = await getWorld();
  const r = await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript`, w.ana.token);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.conversation.id, w.anaConv);
  assert.equal(r.body.conversation.state, 'assigned');
  const texts = r.body.messages.map(m => m.text);
  assert.ok(texts.includes('for ana, transcript marker A'));
  assert.ok(texts.includes('Ana replies here'));
  assert.deepEqual(r.body.messages.map(m => m.seq), r.body.messages.map((_, i) => i + 1));
  const adm = await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript`, admin);
  assert.equal(adm.status, 200, 'an admin reads any transcript');
});

test('transcript: ?format=text is text/plain with the messages', async () => {
  const w = await getWorld();
  const r = await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript?format=text`, w.ana.token);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  assert.ok(r.text.includes('for ana, transcript marker A'), r.text);
  assert.ok(r.text.includes('Ana replies here'), r.text);
});

test("transcript: another agent's assigned conversation is 404, like an unknown one", async () => {
  const w = await getWorld();
  const r = await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript`, w.bo.token);
  assertError(r, 404);
  assert.ok(!r.text.includes('marker A'));
  const t = await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript?format=text`, w.bo.token);
  assertError(t, 404);
  assert.ok(!t.text.includes('marker A'));
  const unknown = await api(srv, 'GET', '/api/conversations/c_doesnotexist/transcript', w.bo.token);
  assertError(unknown, 404);
  assert.equal(unknown.body.error.code, r.body.error.code, 'nothing tells the two apart');
});

test('transcript: no token is 401', async () => {
  const w = await getWorld();
  assertError(await api(srv, 'GET', `/api/conversations/${w.anaConv}/transcript`), 401);
});

// ---- limits ----

test('a request body over 1 MiB is 413', async () => {
  const big = JSON.stringify({ id: 'huge', question: 'q?', answer: 'x'.repeat(1024 * 1024 + 100), keywords: ['k'] });
  let r;
  try {
    r = await api(srv, 'POST', '/api/faq', admin, big, true);
  } catch (e) {
    assert.fail(`no 413 answer (the connection failed: ${e.cause?.code || e.message})`);
  }
  assertError(r, 413);
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
  assertError(await api(srv, 'GET', '/api/faq/huge', admin), 404);
});
