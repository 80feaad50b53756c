// The KPI report against real conversations: bot-resolved (helpful feedback, and a
// close after an FAQ answer), a handoff with an agent reply, a missed handoff, one
// still waiting, ratings 5 and 3, a repeat visitor, a visitor who never wrote.
// Counts and rates are checked exactly; durations are recomputed from the times the
// transcripts report (the server's own clock), so they are exact too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

const FAQ = [
  { id: 'returns', locale: 'en', question: 'How do I return an item?', answer: 'Returns are free within 30 days.',
    keywords: ['return*', 'refund*'] },
  { id: 'hours', question: 'When are you open?', answer: 'Monday to Friday, 9:00 to 18:00.',
    keywords: ['opening hours', 'open', 'hours'] },
];

let srv, admin, adminId, ana, adminWs;
const convs = {};     // name -> conversation id

const day = ms => new Date(ms).toISOString().slice(0, 10);
const kpis = (query, token = admin) => api(srv, 'GET', `/api/reports/kpis?${query}`, token);

async function say(v, text) {
  const ack = await v.ask({ type: 'message', text });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return v.next(f => f.type === 'message' && f.seq > ack.seq && f.author.role !== 'visitor');
}

async function transcript(conv) {
  const r = await api(srv, 'GET', `/api/conversations/${conv}/transcript`, admin);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function handoff(v, agentWs) {
  const from = agentWs.mark();
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await agentWs.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
}

async function closeAsVisitor(v) {
  const from = v.mark();
  assert.equal((await v.ask({ type: 'close' })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'closed', { from });
}

async function ok(ack) {
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return ack;
}

before(async () => {
  srv = await start({ faq: FAQ, args: ['--rate-limit', '0'] });
  admin = await srv.login();
  adminWs = await srv.agent(admin);
  adminId = adminWs.ready.agent.id;
  ana = await srv.makeAgent('ana.kpi@example.test', 'Ana');

  // A: an FAQ answer marked helpful, left open.
  const a = await srv.visitor();
  const ra = await say(a, 'How do I return an item?');
  assert.equal(ra.faq?.id, 'returns');
  await ok(await a.ask({ type: 'feedback', seq: ra.seq, helpful: true }));
  convs.a = a.conv;

  // B: an FAQ answer without feedback, then the visitor closes.
  const b = await srv.visitor();
  assert.equal((await say(b, 'When are you open?')).faq?.id, 'hours');
  await closeAsVisitor(b);
  convs.b = b.conv;

  // C1: handoff, Ana claims, a note (not a reply), a reply, Ana closes; rated 5.
  const c = await srv.visitor();
  await say(c, 'My parcel is late');
  await handoff(c, ana.ws);
  await ok(await ana.ws.ask({ type: 'claim', conversation: c.conv }));
  await ok(await ana.ws.ask({ type: 'message', conversation: c.conv, text: 'check courier', note: true }));
  await ok(await ana.ws.ask({ type: 'message', conversation: c.conv, text: 'Let me look' }));
  await ok(await ana.ws.ask({ type: 'close', conversation: c.conv }));
  await c.next(f => f.type === 'state' && f.state === 'closed');
  await ok(await c.ask({ type: 'rating', score: 5 }));
  convs.c1 = c.conv;
  // C2: the same visitor comes back at once (so C1 is no first-contact resolution).
  const from = c.mark();
  c.send({ type: 'start' });
  convs.c2 = (await c.next('welcome', { from })).conversation.id;
  await say(c, 'thanks again');

  // D: handoff claimed by the admin, only a note, the visitor closes: missed; rated 3.
  const d = await srv.visitor();
  await say(d, 'My parcel is late');
  await handoff(d, adminWs);
  await delay(400);  // a much longer wait than C1's, so the median and p90 differ
  await ok(await adminWs.ask({ type: 'claim', conversation: d.conv }));
  await ok(await adminWs.ask({ type: 'message', conversation: d.conv, text: 'hm', note: true }));
  await closeAsVisitor(d);
  await ok(await d.ask({ type: 'rating', score: 3 }));
  convs.d = d.conv;

  // E: handed off and still waiting: a handoff, not (yet) missed.
  const e = await srv.visitor();
  await say(e, 'My parcel is late');
  await handoff(e, adminWs);
  convs.e = e.conv;

  // F: never wrote: not counted. G: the FAQ answer was unhelpful, then closed.
  const f = await srv.visitor();
  convs.f = f.conv;
  const g = await srv.visitor();
  const rg = await say(g, 'How do I return an item?');
  await ok(await g.ask({ type: 'feedback', seq: rg.seq, helpful: false }));
  await closeAsVisitor(g);
  convs.g = g.conv;
  for (const v of [a, b, c, d, e, f, g]) v.close();
});
after(async () => { ana?.ws.close(); adminWs?.close(); await srv.stop(); });

// Nearest rank over values: the smallest with at least p% at or below it.
function nearest(values, p) {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.ceil((p * s.length) / 100) - 1];
}
const dist = values => ({ median: nearest(values, 50), p90: nearest(values, 90), count: values.length });

async function times() {
  const t = {};
  for (const [name, id] of Object.entries(convs)) {
    const { conversation: c, messages } = await transcript(id);
    const reply = messages.find(m => m.author.role === 'agent' && m.seq !== undefined && !m.note);
    t[name] = { ...c, reply: reply?.ts };
  }
  return t;
}

function figures(t, names) {
  const closed = names.filter(n => t[n].closed_at);
  return {
    first_response_ms: dist(names.filter(n => t[n].reply).map(n => t[n].reply - t[n].queued_at)),
    queue_wait_ms: dist(names.filter(n => t[n].assigned_at).map(n => t[n].assigned_at - t[n].queued_at)),
    resolution_ms: dist(closed.map(n => t[n].closed_at - t[n].created_at)),
  };
}

test('the whole team: every number of the report', async () => {
  const t = await times();
  const counted = ['a', 'b', 'c1', 'c2', 'd', 'e', 'g'];
  const from = day(Math.min(...counted.map(n => t[n].created_at)));
  const to = day(Math.max(...counted.map(n => t[n].created_at)));
  const r = await kpis(`from=${from}&to=${to}`);
  assert.equal(r.status, 200, r.text);
  const want = {
    conversations: 7, visitors: 6,
    bot_resolved: 2, deflection_rate: 2 / 7,
    handoffs: 3, handoff_rate: 3 / 7,
    missed: 1,
    ...figures(t, counted),
    csat: { count: 2, average: 4, satisfied_rate: 0.5 },
    fcr_rate: 3 / 4, repeat_contact_rate: 1 / 6,
  };
  assert.equal(want.first_response_ms.count, 1);
  assert.equal(want.queue_wait_ms.count, 2);
  assert.equal(want.resolution_ms.count, 4);
  const { by_day: byDay, ...total } = r.body;
  assert.deepEqual(total, { from, to, agent: null, ...want });
  assert.ok(want.queue_wait_ms.p90 >= want.queue_wait_ms.median + 200, 'C1 waited less than D');
  if (from === to) {
    assert.deepEqual(byDay, [{ date: from, ...want }]);
  } else {   // the test ran across midnight UTC: each day has its own conversations
    assert.deepEqual(byDay.map(d => d.date), [from, to]);
    for (const d of byDay)
      assert.equal(d.conversations, counted.filter(n => day(t[n].created_at) === d.date).length);
  }
});

test('an agent: only the conversations finally assigned to them', async () => {
  const t = await times();
  const from = day(t.c1.created_at), to = day(t.d.created_at);
  const mine = await kpis(`from=${from}&to=${to}`, ana.token);
  assert.equal(mine.status, 200, mine.text);
  const { by_day: _, ...total } = mine.body;
  assert.deepEqual(total, {
    from, to, agent: ana.id,
    conversations: 1, visitors: 1, bot_resolved: 0, deflection_rate: 0, handoffs: 1, handoff_rate: 1,
    missed: 0, ...figures(t, ['c1']), csat: { count: 1, average: 5, satisfied_rate: 1 },
    fcr_rate: 0, repeat_contact_rate: 0,
  });
  const same = await kpis(`from=${from}&to=${to}&agent=${ana.id}`, ana.token);
  assert.deepEqual(same.body, mine.body, 'agent=me is the same as no agent');
  const byAdmin = await kpis(`from=${from}&to=${to}&agent=${ana.id}`);
  assert.deepEqual(byAdmin.body, mine.body, 'an admin sees the same figures');

  const adm = await kpis(`from=${from}&to=${to}&agent=${adminId}`);
  assert.equal(adm.status, 200, adm.text);
  assert.equal(adm.body.conversations, 1);
  assert.equal(adm.body.missed, 1);
  assert.deepEqual(adm.body.csat, { count: 1, average: 3, satisfied_rate: 0 });
  assert.equal(adm.body.fcr_rate, 1);
  assert.deepEqual(adm.body.first_response_ms, { median: null, p90: null, count: 0 });
});

test('an empty range keeps its shape: every day, zeros and nulls', async () => {
  const r = await kpis('from=2020-02-28&to=2020-03-01');
  assert.equal(r.status, 200, r.text);
  const empty = {
    conversations: 0, visitors: 0, bot_resolved: 0, deflection_rate: null, handoffs: 0, handoff_rate: null,
    missed: 0,
    first_response_ms: { median: null, p90: null, count: 0 },
    queue_wait_ms: { median: null, p90: null, count: 0 },
    resolution_ms: { median: null, p90: null, count: 0 },
    csat: { count: 0, average: null, satisfied_rate: null },
    fcr_rate: null, repeat_contact_rate: null,
  };
  assert.deepEqual(r.body, {
    from: '2020-02-28', to: '2020-03-01', agent: null, ...empty,
    by_day: ['2020-02-28', '2020-02-29', '2020-03-01'].map(date => ({ date, ...empty })),
  });
  const year = await kpis('from=2024-01-01&to=2024-12-31');
  assert.equal(year.status, 200, 'a leap year is 366 days: the longest range');
  assert.equal(year.body.by_day.length, 366);
  assert.equal(year.body.by_day[365].date, '2024-12-31');
});

test('bad questions: 400 naming the field, 401 without a token, 403 for another agent', async () => {
  const cases = [
    ['to=2026-11-30', 'from'],
    ['from=2026-11-01', 'to'],
    ['from=2026-02-30&to=2026-03-01', 'from'],
    ['from=2026-11-01&to=2026-11-1', 'to'],
    ['from=01/11/2026&to=2026-11-30', 'from'],
    ['from=2026-11-30&to=2026-11-01', 'to'],
    ['from=2024-01-01&to=2025-01-01', 'to'],
    ['from=2026-11-01&to=2026-11-30&agent=ana', 'agent'],
    ['from=2026-11-01&to=2026-11-30&agent=', 'agent'],
    ['from=2026-11-01&to=2026-11-30&agent=-1', 'agent'],
    ['from=2026-11-01&to=2026-11-30&team=billing', 'team'],
    ['from=2026-11-01&to=2026-11-30&team=0', 'team'],
  ];
  for (const [q, field] of cases) {
    const r = await kpis(q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'bad_request', q);
    assert.equal(r.body.error.field, field, q);
  }
  // Teams exist now (teams.test.mjs has the figures): an unknown one is a 404.
  const noTeam = await kpis('from=2026-11-01&to=2026-11-30&team=999');
  assert.equal(noTeam.status, 404);
  assert.equal(noTeam.body.error.field, 'team');

  const anon = await kpis('from=2026-11-01&to=2026-11-30', null);
  assert.equal(anon.status, 401);
  assert.equal(anon.body.error.code, 'unauthorized');
  const other = await kpis(`from=2026-11-01&to=2026-11-30&agent=${adminId}`, ana.token);
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, 'forbidden');
  const nobody = await kpis('from=2026-11-01&to=2026-11-30&agent=999999');
  assert.equal(nobody.status, 404);
  assert.equal(nobody.body.error.field, 'agent');
});
