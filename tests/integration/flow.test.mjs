// The whole conversation, as a visitor and agents live it: bot answer, handoff,
// claim, replies, notes, transfer, close and rating.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

const FAQ = [
  { id: 'returns', locale: 'en', question: 'How do I return an item?', answer: 'Returns are free within 30 days.',
    keywords: ['return*', 'refund*', 'send back'] },
  { id: 'hours', question: 'When are you open?', answer: 'Monday to Friday, 9:00 to 18:00.',
    keywords: ['opening hours', 'open', 'hours'] },
];

let srv;
before(async () => { srv = await start({ faq: FAQ }); });
after(async () => { await srv.stop(); });

test('visitor to bot to agent and back, with the whole transcript', async () => {
  const v = await srv.visitor({ name: 'Olena', email: 'olena@example.test', locale: 'en-GB', page: 'https://shop.example/p/1' });
  assert.equal(v.welcome.conversation.state, 'bot');
  assert.deepEqual(v.welcome.messages, []);

  const q = await v.ask({ type: 'message', text: 'How do I return my shoes?' });
  assert.equal(q.type, 'ack');
  assert.equal(q.seq, 1);
  const bot = await v.next(f => f.type === 'message' && f.author.role === 'bot');
  assert.equal(bot.seq, 2);
  assert.equal(bot.faq.id, 'returns');
  assert.equal(bot.text, 'Returns are free within 30 days.');
  assert.equal(bot.matched, undefined, 'matched keywords are for agents only');

  const admin = await srv.agent(await srv.login());
  const from = admin.mark();
  const h = await v.ask({ type: 'handoff' });
  assert.equal(h.type, 'ack');
  const st = await v.next(f => f.type === 'state' && f.state === 'queued');
  assert.equal(st.conversation, v.conv);
  const queued = await admin.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
  const t = queued.conversation.transcript;
  assert.deepEqual(t.map(m => m.author.role), ['visitor', 'bot', 'system']);
  assert.deepEqual(t[1].matched, ['return*']);
  assert.equal(queued.conversation.visitor.email, 'olena@example.test');
  assert.equal(queued.conversation.visitor.page, 'https://shop.example/p/1');

  const claim = await admin.ask({ type: 'claim', conversation: v.conv });
  assert.equal(claim.type, 'ack');
  const joined = await v.next(f => f.type === 'message' && f.author.role === 'system' && /joined/.test(f.text));
  assert.equal(joined.seq, 4);
  const assigned = await v.next(f => f.type === 'state' && f.state === 'assigned');
  assert.equal(assigned.agent_name, 'Admin');

  const r = await admin.ask({ type: 'message', conversation: v.conv, text: 'Hi Olena, which order?' });
  assert.equal(r.seq, 5);
  const got = await v.next(f => f.type === 'message' && f.author.role === 'agent');
  assert.equal(got.text, 'Hi Olena, which order?');
  assert.equal(got.author.name, 'Admin');

  const back = await v.ask({ type: 'message', text: 'Order 1234' });
  await admin.next(f => f.type === 'message' && f.seq === back.seq);
  const afterHuman = v.messages().filter(m => m.author.role === 'bot');
  assert.equal(afterHuman.length, 1, 'the bot stays quiet once a person has the conversation');

  const c = await admin.ask({ type: 'close', conversation: v.conv });
  assert.equal(c.type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'closed');
  const late = await v.ask({ type: 'message', text: 'one more thing' });
  assert.equal(late.code, 'conversation_closed');
  const rating = await v.ask({ type: 'rating', score: 4, comment: 'quick, thanks' });
  assert.equal(rating.type, 'ack');
  const again = await v.ask({ type: 'rating', score: 1 });
  assert.equal(again.type, 'error', 'one rating per conversation');

  const tr = await api(srv, 'GET', `/api/conversations/${v.conv}/transcript`, await srv.login());
  assert.equal(tr.status, 200);
  const seqs = tr.body.messages.map(m => m.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'gapless from 1');
  assert.equal(tr.body.conversation.state, 'closed');
  v.close(); admin.close();
});

test('a closed conversation can be followed by a new one for the same visitor', async () => {
  const v = await srv.visitor();
  await v.ask({ type: 'message', text: 'hi' });
  await v.ask({ type: 'close' });
  const from = v.mark();
  v.send({ type: 'start' });
  const w = await v.next('welcome', { from });
  assert.notEqual(w.conversation.id, v.conv);
  assert.equal(w.token, v.token);
  assert.deepEqual(w.messages, []);
  const a = await v.ask({ type: 'message', text: 'second conversation' });
  assert.equal(a.seq, 1, 'seq starts again at 1');
  v.close();
});

test('private notes: agents get note_seq and after_seq, visitors never see them', async () => {
  const v = await srv.visitor();
  const admin = await srv.agent(await srv.login());
  await v.ask({ type: 'handoff' });
  await admin.ask({ type: 'claim', conversation: v.conv });
  const n1 = await admin.ask({ type: 'message', conversation: v.conv, text: 'check refund policy', note: true });
  assert.equal(n1.note_seq, 1);
  assert.equal(n1.seq, undefined);
  const ev = await admin.next(f => f.type === 'message' && f.note === true && f.note_seq === 1);
  assert.equal(ev.after_seq, 2, 'after the system message of the claim');
  const reply = await admin.ask({ type: 'message', conversation: v.conv, text: 'visible' });
  assert.equal(reply.seq, 3, 'a note takes no visible seq');
  await delay(200);
  assert.ok(!JSON.stringify(v.frames).includes('refund policy'));
  const v2 = await srv.visitor({ token: v.token });
  assert.ok(!JSON.stringify(v2.welcome).includes('refund policy'), 'nor in the replay');
  v.close(); v2.close(); admin.close();
});

test('every tab of a visitor gets every message', async () => {
  const a = await srv.visitor();
  const b = await srv.visitor({ token: a.token });
  assert.equal(b.conv, a.conv);
  const ack = await a.ask({ type: 'message', text: 'from tab A' });
  const seen = await b.next(f => f.type === 'message' && f.seq === ack.seq);
  assert.equal(seen.text, 'from tab A');
  a.close(); b.close();
});

test('transfer: the new agent gets the conversation and its transcript', async () => {
  const ana = await srv.makeAgent('ana@example.test', 'Ana');
  const bo = await srv.makeAgent('bo@example.test', 'Bo');
  const v = await srv.visitor({ name: 'Siôn' });
  await v.ask({ type: 'message', text: 'Do you ship to Wales?' });
  await v.ask({ type: 'handoff' });
  await ana.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv);
  assert.equal((await ana.ws.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
  const lost = await bo.ws.ask({ type: 'claim', conversation: v.conv });
  assert.equal(lost.code, 'already_claimed');
  const notYours = await bo.ws.ask({ type: 'message', conversation: v.conv, text: 'sneaky' });
  assert.equal(notYours.type, 'error');
  const from = bo.ws.mark();
  assert.equal((await ana.ws.ask({ type: 'transfer', conversation: v.conv, to: bo.id })).type, 'ack');
  const got = await bo.ws.next(f => f.type === 'assigned' && f.conversation.id === v.conv, { from });
  assert.ok(got.conversation.transcript.some(m => m.text === 'Do you ship to Wales?'));
  await v.next(f => f.type === 'message' && /transferred to Bo/.test(f.text));
  const r = await bo.ws.ask({ type: 'message', conversation: v.conv, text: 'Bo here' });
  assert.equal(r.type, 'ack');
  const old = await ana.ws.ask({ type: 'message', conversation: v.conv, text: 'still me?' });
  assert.equal(old.type, 'error', 'the previous agent no longer replies');
  v.close(); ana.ws.close(); bo.ws.close();
});

test('/metrics counts acks, bot outcomes, the queue and open conversations', async () => {
  const v = await srv.visitor();
  await v.ask({ type: 'message', text: 'Can I get a refund?' });
  await v.next(f => f.type === 'message' && f.author.role === 'bot');
  await v.ask({ type: 'handoff' });
  await v.next(f => f.type === 'state' && f.state === 'queued');
  const m = await (await fetch(srv.base + '/metrics')).text();
  const value = re => Number((m.match(re) || [])[1]);
  assert.ok(value(/^parley_ack_seconds_count (\d+)$/m) >= 1, 'ack histogram');
  assert.ok(value(/^parley_ack_seconds_bucket\{le="\+Inf"\} (\d+)$/m) >= 1);
  // The writer's own times: every commit and every queued write is observed once.
  for (const h of ['parley_store_commit_seconds', 'parley_store_queue_wait_seconds']) {
    assert.match(m, new RegExp(`^# TYPE ${h} histogram$`, 'm'));
    const count = value(new RegExp(`^${h}_count (\\d+)$`, 'm'));
    assert.ok(count >= 1, h);
    assert.equal(value(new RegExp(`^${h}_bucket\\{le="\\+Inf"\\} (\\d+)$`, 'm')), count, h);
    assert.ok(value(new RegExp(`^${h}_bucket\\{le="0.0001"\\} (\\d+)$`, 'm')) <= count, h);
  }
  assert.ok(value(/^parley_store_commit_seconds_count (\d+)$/m) <=
            value(/^parley_store_queue_wait_seconds_count (\d+)$/m), 'a commit carries one write or more');
  assert.ok(value(/^parley_faq_outcomes_total\{outcome="answered"\} (\d+)$/m) >= 1, 'FAQ answers');
  // The bot's match was timed, in buckets from 5 µs (a match takes microseconds).
  assert.ok(value(/^parley_faq_match_seconds_count (\d+)$/m) >= 1, 'FAQ match histogram');
  assert.match(m, /^parley_faq_match_seconds_bucket\{le="5e-06"\} \d+$/m);
  assert.equal(value(/^parley_faq_match_seconds_bucket\{le="\+Inf"\} (\d+)$/m),
               value(/^parley_faq_match_seconds_count (\d+)$/m));
  assert.ok(value(/^parley_queue_length (\d+)$/m) >= 1, 'queue length');
  assert.ok(value(/^parley_queue_oldest_wait_seconds ([\d.]+)$/m) >= 0);
  assert.match(m, /^parley_conversations\{state="assigned"\} \d+$/m);
  assert.match(m, /^# TYPE parley_connections gauge$/m);
  // Checkpoints are counted by who ran them; a test server's small WAL may not have needed one yet.
  assert.match(m, /^# TYPE parley_store_checkpoints_total counter$/m);
  assert.match(m, /^parley_store_checkpoints_total\{thread="background"\} \d+$/m);
  assert.match(m, /^parley_store_checkpoints_total\{thread="writer"\} \d+$/m);
  assert.match(m, /^parley_store_checkpoint_syncs_total \d+$/m);
  assert.match(m, /^parley_store_checkpoint_writer_seconds_count \d+$/m);
  v.close();
});

test('the server names its threads, so top -H and perf tell the writer from the loop', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = `/proc/${srv.child.pid}/task`;
  const names = readdirSync(dir).map(t => readFileSync(`${dir}/${t}/comm`, 'utf8').trim());
  const want = ['parley-writer', 'parley-jobs', 'parley-webhooks'];   // the main thread is the process's name (valgrind's, under make valgrind)
  if (!process.env.PARLEY_TEST_PG) want.push('parley-ckpt');   // WAL checkpoints: SQLite only
  for (const n of want)
    assert.ok(names.includes(n), `no thread named ${n} in ${names.join(', ')}`);
});
