// Growing the FAQ from traffic: questions the bot missed are kept (normalised and
// counted, most frequent first), "try it" explains what a text would match, agents
// file drafts, and an import replaces the whole FAQ at once or changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api } from './harness.mjs';

const FAQ = [
  { id: 'hours', locale: 'en', question: 'When are you open?', answer: 'Nine to five, Monday to Friday.',
    keywords: ['opening hours', 'open*'], patterns: ['\\bwhen\\b.*\\bopen'] },
  { id: 'umbrella-red', question: 'Do you sell red umbrellas?', answer: 'Red ones, yes.', keywords: ['umbrella*'] },
  { id: 'umbrella-blue', question: 'Do you sell blue umbrellas?', answer: 'Blue ones, yes.', keywords: ['umbrella*'] },
  { id: 'hours-uk', locale: 'uk', question: 'Коли ви працюєте?', answer: 'З дев\'ятої до п\'ятої.',
    keywords: ['години роботи', 'відчин*', 'працюєте'] },
];

let srv, admin, agent;
before(async () => {
  srv = await start({ faq: FAQ, args: ['--rate-limit', '0', '--bot-misses', '10'] });
  admin = await srv.login();
  agent = await srv.makeAgent('drafter@example.test', 'Dora Drafter');
});
after(async () => { agent?.ws.close(); await srv.stop(); });

// Sends a visitor message and resolves with the bot's (or system's) reply to it.
async function say(v, text) {
  const ack = await v.ask({ type: 'message', text });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  return v.next(f => f.type === 'message' && f.seq > ack.seq && f.author.role !== 'visitor');
}

const unanswered = async (q = '') => {
  const r = await api(srv, 'GET', `/api/faq/unanswered${q}`, admin);
  assert.equal(r.status, 200, r.text);
  return r.body.unanswered;
};
const tryIt = async (body, token = admin) => {
  const r = await api(srv, 'POST', '/api/faq/try', token, body);
  assert.equal(r.status, 200, r.text);
  return r.body;
};

// ---- unanswered questions ----

test('misses are kept normalised and counted; answers, greetings and requests for a person are not', async () => {
  const v = await srv.visitor({ locale: 'en' });
  assert.equal((await say(v, 'Do you sell ELEPHANTS?')).faq, undefined);
  assert.equal((await say(v, 'When are you open?')).faq?.id, 'hours');
  await say(v, 'hello');
  const w = await srv.visitor({ locale: 'en' });
  await say(w, 'do you sell elephants');
  let list = await unanswered();
  assert.equal(list.length, 1, JSON.stringify(list));
  const [row] = list;
  assert.equal(row.key, 'do you sell elephants');
  assert.equal(row.count, 2);
  assert.equal(row.text, 'do you sell elephants', 'the latest wording is kept');
  assert.equal(row.locale, 'en');
  assert.equal(row.last_conversation, w.conv);
  assert.ok(row.first_at > 0 && row.last_at >= row.first_at, JSON.stringify(row));

  // A request for a person hands over and is not an unanswered question.
  const from = w.mark();
  await w.ask({ type: 'message', text: 'I want to talk to a person' });
  await w.next(f => f.type === 'state' && f.state === 'queued', { from });
  list = await unanswered();
  assert.deepEqual(list.map(u => u.key), ['do you sell elephants']);
  v.close(); w.close();
});

test('the list is most frequent first, then most recent; limit applies', async () => {
  const v = await srv.visitor({ locale: 'en' });
  await say(v, 'Can I pay in seashells?');
  await say(v, 'Is the moon made of cheese?');
  await say(v, 'Чи продаєте ви СЛОНІВ?');
  await say(v, 'чи продаєте ви слонів');
  const list = await unanswered();
  assert.deepEqual(list.map(u => [u.key, u.count]), [
    ['чи продаєте ви слонів', 2], ['do you sell elephants', 2],
    ['is the moon made of cheese', 1], ['can i pay in seashells', 1],
  ]);
  assert.equal(list.find(u => u.count === 2 && u.key.startsWith('чи')).locale, 'uk');
  assert.equal((await unanswered('?limit=1')).length, 1);
  for (const bad of ['0', 'x', '1001', '']) {
    const r = await api(srv, 'GET', `/api/faq/unanswered?limit=${bad}`, admin);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.field, 'limit');
  }
  v.close();
});

test('dismissing a question by key (query or path) deletes it; an unknown key is 404', async () => {
  let r = await api(srv, 'DELETE', `/api/faq/unanswered?key=${encodeURIComponent('is the moon made of cheese')}`, admin);
  assert.equal(r.status, 200, r.text);
  r = await api(srv, 'DELETE', `/api/faq/unanswered/${encodeURIComponent('чи продаєте ви слонів')}`, admin);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((await unanswered()).map(u => u.key).sort(), ['can i pay in seashells', 'do you sell elephants']);
  r = await api(srv, 'DELETE', `/api/faq/unanswered?key=${encodeURIComponent('never asked')}`, admin);
  assert.equal(r.status, 404);
  r = await api(srv, 'DELETE', '/api/faq/unanswered', admin);
  assert.equal(r.status, 400);
  assert.equal(r.body.error.field, 'key');
});

test('a long question is kept under a key of at most 200 bytes that still deletes', async () => {
  const v = await srv.visitor({ locale: 'uk' });
  const text = `${'Чому небо синє а трава зелена '.repeat(12)}?`;
  await say(v, text);
  const row = (await unanswered()).find(u => u.text === text);
  assert.ok(row, 'the long question is listed');
  assert.ok(Buffer.byteLength(row.key) <= 200, `${Buffer.byteLength(row.key)} bytes`);
  assert.ok(text.toLowerCase().startsWith(row.key), row.key);
  const r = await api(srv, 'DELETE', `/api/faq/unanswered?key=${encodeURIComponent(row.key)}`, admin);
  assert.equal(r.status, 200, r.text);
  assert.ok(!(await unanswered()).some(u => u.text === text));
  v.close();
});

// ---- try it ----

test('try it: an answer, with the entry, score and matched keywords', async () => {
  const r = await tryIt({ text: 'When are you open on Saturday?' });
  assert.equal(r.outcome, 'answer');
  assert.equal(r.entry.id, 'hours');
  assert.equal(r.entry.answer, FAQ[0].answer);
  assert.equal(typeof r.score, 'number');
  assert.ok(r.matched.includes('open*'), JSON.stringify(r.matched));
  assert.ok(r.matched.includes('\\bwhen\\b.*\\bopen'), JSON.stringify(r.matched));
  assert.deepEqual(r.choices, []);
  assert.equal(r.language, 'en');
  assert.equal(r.normalised, 'when are you open on saturday');
});

test('try it: choices, none, a request for a person, a greeting', async () => {
  let r = await tryIt({ text: 'umbrellas' });
  assert.equal(r.outcome, 'choices');
  assert.equal(r.entry, null);
  assert.deepEqual(r.choices.map(c => c.faq).sort(), ['umbrella-blue', 'umbrella-red']);
  assert.ok(r.choices.every(c => c.question.startsWith('Do you sell')));
  assert.ok(r.matched.includes('umbrella*'));
  r = await tryIt({ text: 'Do you sell elephants?' });
  assert.equal(r.outcome, 'none');
  assert.equal(r.entry, null);
  assert.equal(r.score, null);
  assert.deepEqual(r.matched, []);
  r = await tryIt({ text: 'I want to talk to a person' });
  assert.equal(r.outcome, 'human_request');
  assert.equal(r.entry, null);
  r = await tryIt({ text: 'hello there' });
  assert.equal(r.outcome, 'greeting');
});

test('try it: the language of the text wins, else the locale given', async () => {
  let r = await tryIt({ text: 'Коли ви відчинені?', locale: 'en' });
  assert.equal(r.language, 'uk');
  assert.equal(r.outcome, 'answer');
  assert.equal(r.entry.id, 'hours-uk');
  assert.ok(r.matched.includes('відчин*'), JSON.stringify(r.matched));
  r = await tryIt({ text: 'umbrella', locale: 'cy' });
  assert.equal(r.language, null);
  assert.equal(r.locale, 'cy');
});

test('try it: a bad body names the field', async () => {
  for (const [body, field] of [[{}, 'text'], [{ text: '   ' }, 'text'], [{ text: 'x'.repeat(4001) }, 'text'],
    [{ text: 'hi', locale: 5 }, 'locale']]) {
    const r = await api(srv, 'POST', '/api/faq/try', admin, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field);
  }
  const r = await api(srv, 'POST', '/api/faq/try', admin, '[1]', true);
  assert.equal(r.status, 400);
});

// ---- drafts ----

test('drafts: an agent files one, an admin lists and deletes it; agents may not list', async () => {
  const v = await srv.visitor({ locale: 'en' });
  const body = { question: 'Do you gift-wrap?', answer: 'Yes, for £2 at checkout.', locale: 'en', conversation: v.conv };
  let r = await api(srv, 'POST', '/api/faq/drafts', agent.token, body);
  assert.equal(r.status, 201, r.text);
  const d = r.body;
  assert.ok(Number.isInteger(d.id) && d.id > 0);
  assert.equal(d.question, body.question);
  assert.equal(d.answer, body.answer);
  assert.equal(d.locale, 'en');
  assert.equal(d.conversation, v.conv);
  assert.equal(d.agent_id, agent.id);
  assert.ok(d.created_at > 0);

  r = await api(srv, 'POST', '/api/faq/drafts', admin, { question: 'Second?', answer: 'Yes.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.locale, null);
  assert.equal(r.body.conversation, null);

  r = await api(srv, 'GET', '/api/faq/drafts', admin);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.drafts.map(x => x.question), ['Second?', 'Do you gift-wrap?'], 'newest first');
  assert.deepEqual(r.body.drafts[1], d);

  assert.equal((await api(srv, 'GET', '/api/faq/drafts', agent.token)).status, 403);
  assert.equal((await api(srv, 'DELETE', `/api/faq/drafts/${d.id}`, agent.token)).status, 403);
  r = await api(srv, 'DELETE', `/api/faq/drafts/${d.id}`, admin);
  assert.equal(r.status, 200, r.text);
  assert.equal((await api(srv, 'DELETE', `/api/faq/drafts/${d.id}`, admin)).status, 404);
  assert.equal((await api(srv, 'DELETE', '/api/faq/drafts/abc', admin)).status, 404);
  assert.deepEqual((await api(srv, 'GET', '/api/faq/drafts', admin)).body.drafts.map(x => x.question), ['Second?']);
  v.close();
});

test('drafts: a bad body names the field', async () => {
  for (const [body, field] of [[{ answer: 'a' }, 'question'], [{ question: 'q' }, 'answer'],
    [{ question: 'q', answer: ' ' }, 'answer'], [{ question: 'q', answer: 'x'.repeat(4001) }, 'answer'],
    [{ question: 'q', answer: 'a', locale: 1 }, 'locale'], [{ question: 'q', answer: 'a', conversation: 'c'.repeat(65) }, 'conversation']]) {
    const r = await api(srv, 'POST', '/api/faq/drafts', agent.token, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(r.body));
  }
});

// ---- who may call what ----

test('401 without a session and 403 for an agent on every admin endpoint', async () => {
  const calls = [['GET', '/api/faq/unanswered'], ['DELETE', '/api/faq/unanswered?key=x'],
    ['DELETE', '/api/faq/unanswered/x'], ['POST', '/api/faq/try', { text: 'hi' }], ['GET', '/api/faq/drafts'],
    ['DELETE', '/api/faq/drafts/1'], ['POST', '/api/faq/import', []]];
  for (const [m, p, body] of calls) {
    assert.equal((await api(srv, m, p, null, body)).status, 401, `${m} ${p}`);
    const r = await api(srv, m, p, agent.token, body);
    assert.equal(r.status, 403, `${m} ${p}`);
    assert.equal(r.body.error.code, 'forbidden');
  }
  assert.equal((await api(srv, 'POST', '/api/faq/drafts', null, { question: 'q', answer: 'a' })).status, 401);
  assert.equal((await api(srv, 'GET', '/api/faq', admin)).body.length, FAQ.length, 'the import by an agent did nothing');
});

test('an entry may still be called like one of the new paths for methods they do not take', async () => {
  const entry = { id: 'try', question: 'Can I try it on?', answer: 'Yes, in the shop.', keywords: ['try on'] };
  assert.equal((await api(srv, 'POST', '/api/faq', admin, entry)).status, 201);
  assert.equal((await api(srv, 'GET', '/api/faq/try', admin)).body.answer, entry.answer);
  assert.equal((await api(srv, 'DELETE', '/api/faq/try', admin)).status, 200);
});

// ---- import (its own server: it replaces the FAQ) ----

test('import: a valid file replaces the FAQ and the bot answers from it at once', async () => {
  const s = await start({ faq: FAQ, args: ['--rate-limit', '0'] });
  try {
    const token = await s.login();
    const NEW = [
      { id: 'kites', question: 'Do you sell kites?', answer: 'Kites are in aisle 3.', keywords: ['kite*'] },
      { id: 'yoyo', locale: 'en', question: 'Yo-yos?', answer: 'Yes.', keywords: ['yo-yo', 'yoyo*'], weight: 2 },
    ];
    const v = await s.visitor({ locale: 'en' });
    let r = await api(s, 'POST', '/api/faq/import', token, NEW);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.imported, 2);
    r = await api(s, 'GET', '/api/faq', token);
    assert.deepEqual(r.body.map(e => e.id), ['kites', 'yoyo'], 'the export is the imported file');
    assert.equal(r.body[1].weight, 2);
    assert.equal((await say(v, 'Do you have any kites?')).faq?.id, 'kites');
    assert.equal((await say(v, 'When are you open?')).faq, undefined, 'the old entries are gone');
    const t = await api(s, 'POST', '/api/faq/try', token, { text: 'a yoyo please' });
    assert.equal(t.body.entry?.id, 'yoyo');
    v.close();
  } finally { await s.stop(); }
});

test('import: an invalid file changes nothing and lists every problem with index and field', async () => {
  const s = await start({ faq: FAQ, args: ['--rate-limit', '0'] });
  try {
    const token = await s.login();
    const before = (await api(s, 'GET', '/api/faq', token)).body;
    const BAD = [
      { id: 'fine', question: 'Fine?', answer: 'Yes.', keywords: ['fine'] },
      { id: 'badre', question: 'q?', answer: 'a', patterns: ['('] },
      { id: 'noanswer', question: 'q?', keywords: ['k'] },
      'not an object',
      { id: 'fine', question: 'Again?', answer: 'Yes.', keywords: ['again'] },
      { id: 'star', question: 'q?', answer: 'a', keywords: ['a*b'] },
    ];
    let r = await api(s, 'POST', '/api/faq/import', token, BAD);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'bad_request');
    const problems = r.body.error.problems;
    assert.deepEqual(problems.map(p => [p.index, p.field]),
      [[1, 'patterns[0]'], [2, 'answer'], [3, ''], [4, 'id'], [5, 'keywords[0]']], JSON.stringify(problems));
    assert.ok(problems.every(p => typeof p.message === 'string' && p.message.length > 0));
    assert.match(problems[0].message, /parenthesis/);
    assert.equal(r.body.error.field, '[1].patterns[0]');
    assert.deepEqual((await api(s, 'GET', '/api/faq', token)).body, before, 'nothing changed');

    r = await api(s, 'POST', '/api/faq/import', token, '{"not":"an array"}', true);
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error.problems.map(p => p.index), [null]);
    r = await api(s, 'POST', '/api/faq/import', token, '[{', true);
    assert.equal(r.status, 400);
    assert.equal(r.body.error.problems.length, 1);
    const v = await s.visitor({ locale: 'en' });
    assert.equal((await say(v, 'When are you open?')).faq?.id, 'hours', 'the bot still uses the old FAQ');
    v.close();
  } finally { await s.stop(); }
});
