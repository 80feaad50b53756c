// Durability and isolation: kill -9 mid-stream, SIGTERM, idempotent retries across a
// restart, resume after last_seq, visitors kept apart, and a slow reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api, delay } from './harness.mjs';

const FAST = ['--rate-limit', '0'];

// A visitor whose conversation is already with the queue, so the bot stays quiet and
// only the visitor's own messages (after one system message) are stored.
async function queuedVisitor(srv) {
  const v = await srv.visitor({ locale: 'en' });
  assert.equal((await v.ask({ type: 'handoff' })).type, 'ack');
  await v.next(f => f.type === 'state' && f.state === 'queued');
  return v;
}

// Sends n messages without waiting for each ack: all at once, or with at most `window`
// unacked in flight. Records every ack (client id -> seq) and calls onAck after each one.
function burst(v, n, onAck = () => {}, window = n) {
  const acks = new Map();
  const ids = Array.from({ length: n }, (_, i) => `b${i}`);
  let next = 0;
  const sendNext = () => {
    if (next >= n || v.closed) return;
    const i = next++;
    try { v.send({ type: 'message', id: ids[i], text: `burst message ${i}` }); } catch { /* socket gone */ }
  };
  v.ws.on('message', data => {
    const f = JSON.parse(data.toString());
    if (f.type === 'ack' && typeof f.id === 'string' && f.id.startsWith('b')) {
      if (acks.has(f.id)) assert.equal(acks.get(f.id), f.seq, `two acks for ${f.id}`);
      acks.set(f.id, f.seq);
      onAck(acks.size);
      sendNext();
    }
  });
  for (let i = 0; i < window; i++) sendNext();
  return { acks, ids };
}

function assertGapless(messages, what) {
  assert.deepEqual(messages.map(m => m.seq), messages.map((_, i) => i + 1), `${what}: seqs gapless from 1`);
}

function assertEachOnce(messages, ids) {
  const count = new Map();
  for (const m of messages) if (m.author.role === 'visitor') count.set(m.id, (count.get(m.id) || 0) + 1);
  for (const id of ids) assert.equal(count.get(id) || 0, 1, `client id ${id} stored ${count.get(id) || 0} times`);
}

test('kill -9 mid-stream: every acked message survives once with its seq, and retries fill the rest', async () => {
  const srv = await start({ args: FAST });
  const v = await queuedVisitor(srv);
  let killed;
  const { acks, ids } = burst(v, 300, n => {
    if (n >= 100 && !killed) killed = srv.stop('SIGKILL');
  }, 40);
  for (let t0 = Date.now(); !killed && Date.now() - t0 < 10000;) await delay(5);
  assert.ok(killed, `only ${acks.size} acks in 10 s`);
  const r = await killed;
  assert.equal(r.sig, 'SIGKILL');
  await v.waitClosed().catch(() => {});
  const ackedBefore = new Map(acks);
  assert.ok(ackedBefore.size >= 100);
  console.log(`# kill -9 with ${ackedBefore.size} of 300 acked`);
  // (Observed: 100 to ~120 acks are out when the signal lands, with up to 40 messages in
  // flight; every one of those acks counts.)

  const srv2 = await start({ dir: srv.dir, args: FAST });
  try {
    const w = await srv2.visitor({ token: v.token, last_seq: 0 });
    assert.equal(w.conv, v.conv);
    const hist = w.welcome.messages;
    assertGapless(hist, 'after the crash');
    const bySeq = new Map(hist.map(m => [m.seq, m]));
    for (const [id, seq] of ackedBefore) {
      const m = bySeq.get(seq);
      assert.ok(m, `acked ${id} (seq ${seq}) is missing after kill -9`);
      assert.equal(m.id, id, `seq ${seq} holds ${m.id}, acked as ${id}`);
      assert.equal(m.text, `burst message ${id.slice(1)}`);
    }
    assertEachOnce(hist, [...ackedBefore.keys()]);
    assert.ok(hist.filter(m => m.author.role === 'visitor').every(m => ids.includes(m.id)));

    // Retry everything that was not acked (some may have been stored with the ack lost).
    const unacked = ids.filter(id => !ackedBefore.has(id));
    console.log(`# stored before the kill but not acked: ${unacked.filter(id => hist.some(m => m.id === id)).length}`);
    const retried = new Map();
    for (const id of unacked) {
      const a = await w.ask({ type: 'message', id, text: `burst message ${id.slice(1)}` });
      assert.equal(a.type, 'ack', JSON.stringify(a));
      retried.set(id, a.seq);
      const before = hist.find(m => m.id === id && m.author.role === 'visitor');
      if (before) assert.equal(a.seq, before.seq, `${id} was stored before the crash: same seq on retry`);
    }
    // And a few that were acked: same seq, nothing new.
    for (const id of [...ackedBefore.keys()].slice(0, 5)) {
      const a = await w.ask({ type: 'message', id, text: `burst message ${id.slice(1)}` });
      assert.equal(a.seq, ackedBefore.get(id));
    }
    const f = await srv2.visitor({ token: v.token, last_seq: 0 });
    const final = f.welcome.messages;
    assertGapless(final, 'after the retries');
    assertEachOnce(final, ids);
    for (const [id, seq] of [...ackedBefore, ...retried]) assert.equal(final.find(m => m.seq === seq)?.id, id);
    assert.equal(final.filter(m => m.author.role === 'visitor').length, 300);
    w.close(); f.close();
  } finally {
    await srv2.stop();
  }
});

test('SIGTERM mid-stream: the server exits 0 and everything acked is there after restart', async () => {
  const srv = await start({ args: FAST });
  const v = await queuedVisitor(srv);
  let stopping;
  const { acks } = burst(v, 200, n => { if (n >= 50 && !stopping) stopping = srv.stop('SIGTERM'); });
  for (let t0 = Date.now(); !stopping && Date.now() - t0 < 10000;) await delay(5);
  assert.ok(stopping, `only ${acks.size} acks in 10 s`);
  const r = await stopping;           // stop() throws unless the exit code is 0
  assert.equal(r.code, 0);
  await v.waitClosed().catch(() => {});
  const srv2 = await start({ dir: srv.dir, args: FAST });
  try {
    const w = await srv2.visitor({ token: v.token, last_seq: 0 });
    const hist = w.welcome.messages;
    assertGapless(hist, 'after SIGTERM');
    for (const [id, seq] of acks) assert.equal(hist.find(m => m.seq === seq)?.id, id, `acked ${id} seq ${seq}`);
    assertEachOnce(hist, [...acks.keys()]);
    w.close();
  } finally {
    await srv2.stop();
  }
});

test('retrying an acked id after a restart returns the same seq and stores nothing new', async () => {
  const srv = await start({ args: FAST });
  const v = await srv.visitor();
  const a1 = await v.ask({ type: 'message', id: 'once-1', text: 'first' });
  const a2 = await v.ask({ type: 'message', id: 'once-2', text: 'second' });
  assert.equal(a1.type, 'ack');
  await delay(100);                   // let the bot's replies land too
  v.close();
  await srv.stop('SIGKILL');
  const srv2 = await start({ dir: srv.dir, args: FAST });
  try {
    const w = await srv2.visitor({ token: v.token, last_seq: 0 });
    const before = w.welcome.messages;
    const r1 = await w.ask({ type: 'message', id: 'once-1', text: 'first' });
    const r2 = await w.ask({ type: 'message', id: 'once-2', text: 'second' });
    assert.equal(r1.type, 'ack');
    assert.equal(r1.seq, a1.seq);
    assert.equal(r2.seq, a2.seq);
    await delay(200);
    assert.deepEqual(w.messages(), [], 'a retried message is not delivered again, and the bot does not answer twice');
    const after = await srv2.visitor({ token: v.token, last_seq: 0 });
    assert.deepEqual(after.welcome.messages, before, 'nothing new stored');
    w.close(); after.close();
  } finally {
    await srv2.stop();
  }
});

test('resume with last_seq returns exactly the missed messages, in order', async () => {
  const srv = await start({ args: FAST });
  try {
    const admin = await srv.agent(await srv.login());
    const v = await queuedVisitor(srv);
    assert.equal((await admin.ask({ type: 'claim', conversation: v.conv })).type, 'ack');
    const hi = await v.ask({ type: 'message', text: 'are you there?' });
    const seen = await v.next(f => f.type === 'message' && f.seq === hi.seq);
    await delay(100);
    const last = Math.max(...v.messages().map(m => m.seq));
    assert.equal(last, seen.seq, 'claim message came before');
    v.close();
    await v.waitClosed();
    const sent = [];
    for (let i = 1; i <= 6; i++) {
      const a = await admin.ask({ type: 'message', conversation: v.conv, text: `while you were away ${i}` });
      assert.equal(a.type, 'ack');
      sent.push(a.seq);
      if (i === 3) await admin.ask({ type: 'message', conversation: v.conv, text: 'private note', note: true });
    }
    const w = await srv.visitor({ token: v.token, last_seq: last });
    const got = w.welcome.messages;
    assert.deepEqual(got.map(m => m.seq), sent);
    assert.deepEqual(sent, sent.map((_, i) => last + 1 + i));
    assert.deepEqual(got.map(m => m.text), sent.map((_, i) => `while you were away ${i + 1}`));
    assert.ok(got.every(m => m.author.role === 'agent'));
    const mid = await srv.visitor({ token: v.token, last_seq: last + 4 });
    assert.deepEqual(mid.welcome.messages.map(m => m.seq), sent.slice(4));
    const all = await srv.visitor({ token: v.token, last_seq: 0 });
    assertGapless(all.welcome.messages, 'full replay');
    assert.equal(all.welcome.messages.at(-1).seq, sent.at(-1));
    const none = await srv.visitor({ token: v.token, last_seq: sent.at(-1) });
    assert.deepEqual(none.welcome.messages, []);
    w.close(); mid.close(); all.close(); none.close(); admin.close();
  } finally {
    await srv.stop();
  }
});

test("two visitors never see each other's messages", async () => {
  const srv = await start({ args: FAST });
  try {
    const admin = await srv.agent(await srv.login());
    const a = await queuedVisitor(srv);
    const b = await queuedVisitor(srv);
    await admin.ask({ type: 'claim', conversation: a.conv });
    await admin.ask({ type: 'claim', conversation: b.conv });
    const secret = 'B-only secret 7f3a';
    for (let i = 0; i < 5; i++) {
      await b.ask({ type: 'message', text: `${secret} visitor ${i}` });
      await admin.ask({ type: 'message', conversation: b.conv, text: `${secret} agent ${i}` });
      await a.ask({ type: 'message', text: `A says ${i}` });
      b.send({ type: 'typing', on: true });       // passed on to the agent, never to A
      b.send({ type: 'read', seq: 1 });
    }
    const last = await admin.ask({ type: 'message', conversation: a.conv, text: 'to A only' });
    await a.next(f => f.type === 'message' && f.seq === last.seq);
    const ra = await srv.visitor({ token: a.token, last_seq: 0 });
    await delay(200);
    for (const [who, p] of [['A', a], ['A resumed', ra]]) {
      const all = JSON.stringify(p.frames);
      assert.ok(!all.includes(secret), `${who} saw B's text`);
      assert.ok(!all.includes(b.conv), `${who} saw B's conversation id`);
      assert.ok(!all.includes(b.token), `${who} saw B's token`);
    }
    assert.ok(b.messages().some(m => m.text === `${secret} agent 4`), 'B did get its own');
    a.close(); b.close(); ra.close(); admin.close();
  } finally {
    await srv.stop();
  }
});

test('a visitor that stops reading does not stop the server serving others', async () => {
  const srv = await start({ args: FAST });
  try {
    const admin = await srv.agent(await srv.login());
    const slow = await queuedVisitor(srv);
    await admin.ask({ type: 'claim', conversation: slow.conv });
    await slow.next(f => f.type === 'state' && f.state === 'assigned');
    slow.ws._socket.pause();                      // stop reading: TCP back-pressure builds up
    const n = 3000;                                // ~12 MB for the slow reader
    const { acked, last } = await agentFlood(admin, slow.conv, n);
    assert.equal(acked, n, 'the agent is not held back by a slow visitor');
    // Everyone else is served.
    const t0 = Date.now();
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    const other = await srv.visitor();
    assert.equal((await other.ask({ type: 'message', text: 'still there?' })).type, 'ack');
    assert.ok(Date.now() - t0 < 3000, 'responsive');
    // Resume reading: either it kept up (everything arrives) or it was closed as a slow consumer.
    slow.ws._socket.resume();
    const outcome = await slow.next(f => f.type === 'message' && f.seq === last, { ms: 15000 }).then(
      () => ({ keptUp: true }),
      async e => { if (!slow.closed) throw e; return { closed: slow.closed.code }; });
    if (outcome.closed !== undefined) assert.equal(outcome.closed, 4008, 'a slow consumer is closed with 4008');
    // Observed: the server queues for the paused connection up to its limits (16,384 frames /
    // 8 MiB), then closes it with 4008 "slow consumer"; once the reader resumed it had read
    // about 700 of the 3000 messages (what the kernel buffers held) before the close.
    // Meanwhile /healthz, other visitors and the agent's acks were unaffected.
    console.log(`# slow reader: ${JSON.stringify(outcome)}, read ${slow.messages().length} of ${n} messages`);
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    other.close(); admin.close();
  } finally {
    await srv.stop();
  }
});

// An agent sends n messages of ~3.9 KB to a conversation, 100 in flight at a time.
async function agentFlood(agent, conv, n) {
  const big = 'x'.repeat(3900);
  let acked = 0, last;
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++)
      batch.push(agent.ask({ type: 'message', conversation: conv, text: `${j} ${big}` }, 20000));
    for (const r of await Promise.all(batch)) if (r.type === 'ack') { acked++; last = r.seq; }
  }
  return { acked, last };
}

test('resume delivers every missed message even when they exceed the send queue (8 MiB)', async () => {
  // What a slow consumer closed with 4008 faces: it "resumes with last_seq and misses
  // nothing" (conn.h), however much it missed. The messages may come in the welcome or
  // after it; all of them must arrive, in order, once each.
  const srv = await start({ args: FAST });
  try {
    const admin = await srv.agent(await srv.login());
    const v = await queuedVisitor(srv);
    await admin.ask({ type: 'claim', conversation: v.conv });
    await v.next(f => f.type === 'state' && f.state === 'assigned');
    v.close();
    await v.waitClosed();
    const { acked, last } = await agentFlood(admin, v.conv, 2400);   // ~9.4 MB missed
    assert.equal(acked, 2400);
    const w = await srv.visitor({ token: v.token, last_seq: 2 }).catch(e => assert.fail(`resume failed: ${e.message}`));
    const seqs = () => [...w.welcome.messages, ...w.messages()].map(m => m.seq);
    await w.next(f => f.type === 'message' && f.seq === last, { ms: 20000 }).catch(() => {});
    if (!seqs().includes(last)) await delay(500);
    assert.equal(w.closed, null, `connection closed (${JSON.stringify(w.closed)}) during the resume`);
    const got = seqs();
    assert.deepEqual(got, got.map((_, i) => 3 + i), 'in order, once each');
    assert.equal(got.at(-1), last, 'all missed messages arrived');
    w.close(); admin.close();
  } finally {
    await srv.stop();
  }
});

test('a paged replay says more:true, and live messages during it arrive after it, in order', async () => {
  const srv = await start({ args: FAST });
  try {
    const admin = await srv.agent(await srv.login());
    const v = await queuedVisitor(srv);
    await admin.ask({ type: 'claim', conversation: v.conv });
    await v.next(f => f.type === 'state' && f.state === 'assigned');
    v.close();
    await v.waitClosed();
    const { last } = await agentFlood(admin, v.conv, 1500);
    const w = await srv.visitor({ token: v.token, last_seq: 0 });
    assert.equal(w.welcome.more, true, 'a replay past one page is marked');
    assert.ok(w.welcome.messages.length <= 1000);
    const live = await admin.ask({ type: 'message', conversation: v.conv, text: 'live while replaying' });
    await w.next(f => f.type === 'message' && f.seq === live.seq, { ms: 20000 });
    const got = [...w.welcome.messages, ...w.messages()].map(m => m.seq);
    assert.deepEqual(got, got.map((_, i) => i + 1), 'gapless, in order, once each');
    assert.equal(got.at(-1), live.seq);
    assert.ok(last < live.seq);
    w.close(); admin.close();
  } finally {
    await srv.stop();
  }
});

test('a server paused with SIGSTOP catches up on SIGCONT; retried ids are not duplicated', async () => {
  const srv = await start({ args: ['--rate-limit', '0', '--ping-secs', '1'] });
  try {
    const v = await srv.visitor();
    await v.ask({ type: 'handoff' });
    srv.child.kill('SIGSTOP');
    for (let i = 0; i < 20; i++) v.send({ type: 'message', id: `p${i}`, text: `paused ${i}` });
    for (let i = 0; i < 20; i++) v.send({ type: 'message', id: `p${i}`, text: `paused ${i}` });  // a client retrying
    await delay(3000);
    srv.child.kill('SIGCONT');
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      v.next(f => f.type === 'ack' && f.id === `p${i}`, { ms: 8000 })));
    const seqs = acks.map(a => a.seq);
    assert.equal(new Set(seqs).size, 20, 'each id got its own seq');
    await delay(300);
    const echoed = v.messages().filter(m => /^paused /.test(m.text));
    assert.equal(echoed.length, 20, `each message delivered once, got ${echoed.length}`);
    v.close();
    const again = await srv.visitor({ token: v.token, last_seq: 0 });
    const stored = again.welcome.messages.filter(m => /^paused /.test(m.text));
    assert.equal(stored.length, 20, 'each message stored once');
    again.close();
  } finally {
    srv.child.kill('SIGCONT');
    await srv.stop();
  }
});

// --commit-delay-us: writes that arrive together wait for each other and share one
// commit; nothing is acked before its commit, and a SIGTERM does not wait out the delay.
test('a commit delay gathers a burst into one commit and still acks every message once', async () => {
  const srv = await start({ args: ['--rate-limit', '0', '--commit-delay-us', '100000'] });
  try {
    const v = await queuedVisitor(srv);
    const commits = async () => Number((await (await fetch(srv.base + '/metrics')).text())
      .match(/^parley_store_commit_seconds_count (\d+)$/m)[1]);
    const before = await commits();
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) v.send({ type: 'message', id: `d${i}`, text: `delayed ${i}` });
    const first = await v.next(f => f.type === 'ack' && f.id === 'd0', { ms: 5000 });
    assert.ok(Date.now() - t0 >= 80, `acked after ${Date.now() - t0} ms, before the delay ran out`);
    const acks = [first, ...await Promise.all(Array.from({ length: 9 }, (_, i) =>
      v.next(f => f.type === 'ack' && f.id === `d${i + 1}`, { ms: 5000 })))];
    assert.deepEqual(acks.map(a => a.seq), acks.map((_, i) => first.seq + i), 'in order, gapless');
    // The ten sent together, at most split in two by the moment the writer woke.
    assert.ok(await commits() - before <= 2, `${await commits() - before} commits for one burst`);
    v.send({ type: 'message', id: 'last', text: 'stored on the way out' });
    await delay(20);
    const t1 = Date.now();
    await srv.stop('SIGTERM');
    assert.ok(Date.now() - t1 < 5000, 'the drain waited out the delay or more');
    const again = await start({ dir: srv.dir, args: ['--rate-limit', '0'] });
    try {
      const w = await again.visitor({ token: v.token, last_seq: 0 });
      const texts = w.welcome.messages.map(m => m.text);
      for (let i = 0; i < 10; i++) assert.equal(texts.filter(t => t === `delayed ${i}`).length, 1);
      assert.equal(texts.filter(t => t === 'stored on the way out').length, 1, 'the last one, drained');
      w.close();
    } finally {
      await again.stop();
    }
  } finally {
    await srv.stop().catch(() => {});
  }
});
