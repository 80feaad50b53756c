// The admin's extra phrases that ask for a person (the `human_phrases` setting):
// added to the built-in lists at once, refused by index when one is not a usable
// keyword, and still there after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api } from './harness.mjs';

const PHRASE = 'klienditeenindaja*';          // Estonian: a customer service person
const ASK = 'Palun klienditeenindajat!';

// Sends a visitor message; resolves with 'queued' when the chat goes to the queue,
// else with the bot's reply.
async function outcome(srv, text) {
  const v = await srv.visitor({ locale: 'en' });
  const from = v.mark();
  const ack = await v.ask({ type: 'message', text });
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const f = await v.next(x => (x.type === 'state' && x.state === 'queued') ||
    (x.type === 'message' && x.seq > ack.seq && x.author?.role === 'bot'), { from });
  v.close();
  return f.type === 'state' ? 'queued' : 'bot';
}

test('human_phrases: added at once, listed, refused by index, kept across a restart', async () => {
  const srv = await start({ faq: 'faq/demo.json' });
  let again;
  try {
    const admin = await srv.login();
    assert.deepEqual((await api(srv, 'GET', '/api/settings', admin)).body,
      { assignment: 'manual', human_phrases: [] });
    assert.equal(await outcome(srv, ASK), 'bot', 'not a request for a person yet');

    let r = await api(srv, 'PUT', '/api/settings', admin, { human_phrases: [PHRASE, 'siarad â’r rheolwr'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { assignment: 'manual', human_phrases: [PHRASE, 'siarad â’r rheolwr'] });
    assert.equal(await outcome(srv, ASK), 'queued');
    assert.equal(await outcome(srv, 'I want to talk to a human please'), 'queued', 'a built-in phrase');
    assert.deepEqual((await api(srv, 'GET', '/api/settings', admin)).body.human_phrases,
      [PHRASE, 'siarad â’r rheolwr']);

    // Refused, naming the index; nothing changes.
    for (const [bad, field] of [
      [['ok', 'fine', 'bad*word', 'x'], 'human_phrases[2]'],
      [['ok', '***'], 'human_phrases[1]'],
      [['', 'x'], 'human_phrases[0]'],
      [['x'.repeat(101)], 'human_phrases[0]'],
      [['ok', 7], 'human_phrases[1]'],
      ['help me', 'human_phrases'],
      [Array(201).fill('word'), 'human_phrases'],
    ]) {
      r = await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto', human_phrases: bad });
      assert.equal(r.status, 400, `${JSON.stringify(bad).slice(0, 40)}: ${r.text}`);
      assert.equal(r.body.error.field, field, r.text);
    }
    assert.deepEqual((await api(srv, 'GET', '/api/settings', admin)).body,
      { assignment: 'manual', human_phrases: [PHRASE, 'siarad â’r rheolwr'] });
    assert.equal((await api(srv, 'PUT', '/api/settings', admin,
      { human_phrases: Array(200).fill('x'.repeat(100)) })).status, 200, '200 phrases of 100 characters');
    r = await api(srv, 'PUT', '/api/settings', admin, { assignment: 'auto', human_phrases: [PHRASE] });
    assert.deepEqual(r.body, { assignment: 'auto', human_phrases: [PHRASE] });
    const agent = await srv.makeAgent('ana@example.test', 'Ana');
    assert.equal((await api(srv, 'PUT', '/api/settings', agent.token, { human_phrases: [] })).status, 403);
    agent.ws.close();

    await srv.stop();
    again = await start({ faq: 'faq/demo.json', dir: srv.dir });
    const admin2 = await again.login();
    assert.deepEqual((await api(again, 'GET', '/api/settings', admin2)).body,
      { assignment: 'auto', human_phrases: [PHRASE] });
    // Back to manual so the queued chat is not assigned before we see it queued.
    r = await api(again, 'PUT', '/api/settings', admin2, { assignment: 'manual' });
    assert.deepEqual(r.body, { assignment: 'manual', human_phrases: [PHRASE] });
    assert.equal(await outcome(again, ASK), 'queued', 'the stored phrase after a restart');
    r = await api(again, 'PUT', '/api/settings', admin2, { human_phrases: [] });
    assert.deepEqual(r.body, { assignment: 'manual', human_phrases: [] });
    assert.equal(await outcome(again, ASK), 'bot', 'removed again');
  } finally {
    if (again) await again.stop();
    else await srv.stop().catch(() => {});
  }
});
