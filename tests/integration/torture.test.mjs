// Torture test: kill -9 durability under load. 200 visitors × 250 messages each, a
// window of unacked messages per visitor so every kill lands mid-stream, the server
// SIGKILLed at 3 random moments (by total acks, between 10% and 80%) and restarted on
// the same data directory (on a new port). Every visitor reconnects with its token and
// last seen seq, takes the replay (including a paged continuation) and resends every
// unacked id. Checked live: no visitor ever sees a gap or a duplicate seq, an id is
// always acked with the same seq, and what it saw at a seq is what was acked there.
// Checked at the end (after a SIGTERM that must exit 0, and one more start): each
// conversation holds exactly its 250 visitor messages, each id once, at the seq it was
// acked with, seqs gapless from 1, and equal to everything the visitor saw live.
//
// Knobs (env): TORTURE_CLIENTS (200), TORTURE_MESSAGES (250), TORTURE_WINDOW (20),
// TORTURE_KILLS (3), TORTURE_SEED (random; printed, to replay the same kill moments).
// Uses the release binary (PARLEY_RELEASE_BIN, default build/parley): sanitizers are
// too slow for 50,000 messages. Measured on the 2-core test machine: 4 to 10 s at the
// defaults (also with another test running beside it), so the defaults are the issue's.
// A kill fires a random 0-9 ms after its threshold: right on an ack it mostly lands
// between two commits, with the delay it also lands between a commit and its acks
// (observed: typically 1,000-3,000 messages per run stored but unacked, found again by
// the resend). Replays on reconnect stay under one page (at most WINDOW messages); the
// final read pages when TORTURE_MESSAGES is over 1,000 (checked with 4 × 1,500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { start, delay, ROOT } from './harness.mjs';

const RELEASE = resolve(ROOT, process.env.PARLEY_RELEASE_BIN || 'build/parley');
const ARGS = ['--rate-limit', '0', '--max-conns-per-ip', '0'];
const CLIENTS = +(process.env.TORTURE_CLIENTS || 200);
const MESSAGES = +(process.env.TORTURE_MESSAGES || 250);
const WINDOW = +(process.env.TORTURE_WINDOW || 20);
const KILLS = +(process.env.TORTURE_KILLS ?? 3);
const SEED = +(process.env.TORTURE_SEED || Math.floor(Math.random() * 2 ** 31));
const STALL_MS = 30000;           // no new ack for this long (while the server is up): fail

// mulberry32: a small seeded PRNG so a failing run can be replayed with TORTURE_SEED.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const text = (c, i) => `torture visitor ${c} message ${i}`;
const idOf = i => `m${i}`;

// The server across its lives. `up` is a promise of the running server; while it is
// being restarted it is pending, so every visitor that lost its connection waits on it.
class Controller {
  // down: from a kill until its restart is up. Acks the dead server had already sent
  // still arrive meanwhile; they must not trigger the next kill, which would kill the
  // dead server again and start a second one on the same directory.
  constructor() { this.gen = 0; this.kills = []; this.violations = []; this.acked = 0; this.down = false; }
  async boot(dir) {
    let resolveUp;
    this.up = new Promise(r => { resolveUp = r; });
    const t0 = Date.now();
    this.srv = await start({ dir, bin: RELEASE, args: ARGS });
    this.gen++;
    resolveUp(this.srv);
    return Date.now() - t0;
  }
  // Synchronous up to the signal, so it lands exactly at the moment the caller chose.
  kill(info) {
    const srv = this.srv;
    let resolveUp;
    this.up = new Promise(r => { resolveUp = r; });
    srv.child.kill('SIGKILL');
    this.down = true;
    const rec = { ...info, at: Date.now() };
    this.kills.push(rec);
    this.restarting = (async () => {
      const r = await srv.exited;
      rec.sig = r.sig;
      if (r.sig !== 'SIGKILL') this.violations.push(`server exit before/at kill ${JSON.stringify(r)}`);
      const t0 = Date.now();
      const next = await start({ dir: srv.dir, bin: RELEASE, args: ARGS });
      rec.restartMs = Date.now() - t0;
      this.srv = next;
      this.gen++;
      this.down = false;
      resolveUp(next);
    })();
    this.restarting.catch(e => {
      this.violations.push(`restart failed: ${e.message}`); this.down = false; resolveUp(null);
    });
  }
}

// One visitor: its own token, MESSAGES messages with ids m0.., at most WINDOW unacked.
class Client {
  constructor(n, ctl, onNewAck) {
    this.n = n; this.ctl = ctl; this.onNewAck = onNewAck;
    this.acked = new Map();      // client id -> seq it was acked with
    this.seen = new Map();       // seq -> client id (or null) of every message event seen
    this.lastSeq = 0;            // highest seq seen, seen contiguously from 1
    this.inflight = new Set();   // ids sent and not yet acked (resent after a reconnect)
    this.next = 0;               // next message index to send
    this.token = null;
    this.connects = 0; this.unexpectedCloses = []; this.resent = 0; this.recovered = 0;
    this.maxReplay = 0; this.paged = 0;
    this.done = new Promise(r => { this.finish = r; });
    this.finished = false;
  }
  bad(msg) { if (this.ctl.violations.length < 200) this.ctl.violations.push(`client ${this.n}: ${msg}`); }

  onMessageEvent(m, where) {
    if (typeof m.seq !== 'number') return this.bad(`${where}: message without seq ${JSON.stringify(m)}`);
    if (m.conversation !== undefined && this.conv && m.conversation !== this.conv)
      return this.bad(`${where}: message of another conversation ${m.conversation}`);
    if (m.seq !== this.lastSeq + 1) {
      this.bad(`${where}: seq ${m.seq} after ${this.lastSeq} (${m.seq <= this.lastSeq ? 'duplicate' : 'gap'})`);
      if (m.seq <= this.lastSeq) return;   // keep the first sighting
    }
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    const id = m.id ?? null;
    this.seen.set(m.seq, id);
    if (m.author?.role === 'visitor') {
      const i = +String(id).slice(1);
      if (!/^m\d+$/.test(String(id)) || m.text !== text(this.n, i)) this.bad(`${where}: unexpected visitor message ${JSON.stringify(m)}`);
      const a = this.acked.get(id);
      if (a !== undefined && a !== m.seq) this.bad(`${where}: ${id} acked at ${a}, seen at ${m.seq}`);
    }
    this.maybeDone();
  }

  onAck(f) {
    if (f.id === 'handoff') return;
    if (!this.inflight.has(f.id) && !this.acked.has(f.id)) return this.bad(`ack for unsent ${JSON.stringify(f)}`);
    if (typeof f.seq !== 'number') return this.bad(`ack without seq ${JSON.stringify(f)}`);
    const prev = this.acked.get(f.id);
    if (prev !== undefined && prev !== f.seq) this.bad(`${f.id} acked at ${prev} and again at ${f.seq}`);
    const s = this.seen.get(f.seq);
    if (s !== undefined && s !== f.id) this.bad(`${f.id} acked at ${f.seq}, but ${s} was seen there`);
    this.inflight.delete(f.id);
    if (prev === undefined) {
      this.acked.set(f.id, f.seq);
      if (this.resentIds?.has(f.id) && s === f.id) this.recovered++;   // stored before the kill, ack lost
      this.onNewAck(this);
    }
    this.fill();
    this.maybeDone();
  }

  send(obj) { try { this.ws.send(JSON.stringify(obj)); } catch { /* gone: resent after reconnect */ } }
  sendMsg(i) { this.send({ type: 'message', id: idOf(i), text: text(this.n, i) }); }
  fill() {
    if (!this.live) return;
    while (this.inflight.size < WINDOW && this.next < MESSAGES) {
      const i = this.next++;
      this.inflight.add(idOf(i));
      this.sendMsg(i);
    }
  }
  maybeDone() {
    if (this.finished || this.acked.size < MESSAGES) return;
    const maxAck = Math.max(...this.acked.values());
    if (this.lastSeq < maxAck) return;    // wait for the events of its own messages
    this.finished = true;
    this.live = false;
    this.closing = true;
    this.ws.close();
    this.finish();
  }

  // Connects to whatever server is up (waiting through restarts), says hello, takes
  // the replay, hands off on the first connection, then resends the unacked ids.
  async connect() {
    for (;;) {
      const srv = await this.ctl.up;
      if (!srv) throw new Error('no server');
      const gen = this.ctl.gen;
      try { await this.open(srv); return; } catch (e) {
        if (this.finished) return;
        if (gen === this.ctl.gen && this.ctl.srv?.child.exitCode === null && this.ctl.srv?.child.signalCode === null)
          this.unexpectedCloses.push(`connect: ${e.message}`);
        await delay(20);
      }
    }
  }
  open(srv) {
    return new Promise((res, rej) => {
      const ws = new WebSocket(srv.url('/ws/visitor'));
      this.ws = ws; this.live = false;
      let welcomed = false;
      const killsAtOpen = this.ctl.kills.length;
      const first = !this.token;
      ws.on('error', () => {});
      ws.on('unexpected-response', (_, r) => rej(new Error(`HTTP ${r.statusCode}`)));
      ws.on('open', () => {
        this.connects++;
        ws.send(JSON.stringify({ type: 'hello', token: this.token, last_seq: this.lastSeq, locale: 'en' }));
      });
      ws.on('message', data => {
        if (ws !== this.ws) return;
        const f = JSON.parse(data.toString());
        if (!welcomed) {
          if (f.type !== 'welcome') return rej(new Error(`before welcome: ${JSON.stringify(f)}`));
          welcomed = true;
          if (this.token && f.token !== this.token) this.bad('token changed');
          if (this.conv && f.conversation.id !== this.conv) this.bad(`conversation changed to ${f.conversation.id}`);
          this.token = f.token; this.conv = f.conversation.id;
          this.maxReplay = Math.max(this.maxReplay, f.messages.length);
          if (f.more) this.paged++;
          for (const m of f.messages) this.onMessageEvent(m, `welcome (last_seq ${this.lastSeq})`);
          if (first) {
            this.send({ type: 'handoff', id: 'handoff' });
          } else {
            this.resentIds = new Set(this.inflight);
            this.resent += this.inflight.size;
            for (const id of this.inflight) this.sendMsg(+id.slice(1));
          }
          this.live = true;
          this.ready = first ? new Promise(r => { this.handedOff = r; }) : null;
          if (!first) this.fill();
          res();
          return;
        }
        if (f.type === 'message') this.onMessageEvent(f, 'event');
        else if (f.type === 'ack') { if (f.id === 'handoff') this.handedOff?.(); else this.onAck(f); }
        else if (f.type === 'error') this.bad(`error ${JSON.stringify(f)}`);
      });
      ws.on('close', (code, reason) => {
        if (ws !== this.ws) return;
        this.live = false;
        if (!welcomed) return rej(new Error(`closed ${code} before welcome`));
        if (this.finished || this.closing) return;
        // Expected when the server was killed since this connection opened; anything
        // else (a slow-consumer close, say) is worth reporting, and is survived the same way.
        if (this.ctl.kills.length === killsAtOpen) this.unexpectedCloses.push(`close ${code} ${reason} while the server was up`);
        this.connect().catch(e => this.bad(`reconnect: ${e.message}`));
      });
    });
  }
}

// Reads a visitor's whole conversation from seq 0 (welcome, then any paged rest).
async function history(srv, token) {
  const ws = new WebSocket(srv.url('/ws/visitor'));
  const msgs = [];
  try {
    return await new Promise((res, rej) => {
      let last = null;
      const t = setTimeout(() => rej(new Error(`history timeout at ${msgs.length} of ${last}`)), 30000);
      const check = () => { if (last !== null && (msgs.length === 0 ? last === 0 : msgs.at(-1).seq >= last)) { clearTimeout(t); res({ msgs, last }); } };
      ws.on('error', rej);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token, last_seq: 0 })));
      ws.on('message', data => {
        const f = JSON.parse(data.toString());
        if (f.type === 'welcome') { last = f.conversation.last_seq; msgs.push(...f.messages); check(); }
        else if (f.type === 'message') { msgs.push(f); check(); }
        else if (f.type === 'error') rej(new Error(JSON.stringify(f)));
      });
    });
  } finally { ws.close(); }
}

test(`kill -9 torture: ${CLIENTS} visitors × ${MESSAGES} messages, ${KILLS} SIGKILLs mid-stream`, { timeout: 600000 }, async () => {
  const t0 = Date.now();
  const rand = rng(SEED);
  const total = CLIENTS * MESSAGES;
  // One kill moment in each of KILLS equal bands of [10%, 80%] of the total acks.
  const band = 0.7 / Math.max(KILLS, 1);
  const thresholds = Array.from({ length: KILLS }, (_, k) => Math.floor(total * (0.1 + band * (k + rand()))));
  const ctl = new Controller();
  let clients = [];
  let lastAckAt = Date.now();
  let passed = false;
  try {
    await ctl.boot(undefined);
    const dir = ctl.srv.dir;
    let sinceRestart = 0, killPending = false;
    const onNewAck = () => {
      ctl.acked++; lastAckAt = Date.now();
      if (ctl.down) return;              // a late ack of the server just killed
      sinceRestart++;
      const k = ctl.kills.length;
      // At least a few acks after each restart, so the next kill is mid-stream, not
      // during the reconnect storm only.
      if (k < KILLS && !killPending && ctl.acked >= thresholds[k] && sinceRestart >= Math.min(200, total / 100)) {
        // Killing right on an ack tends to hit the server between two commits (the acks
        // of a commit go out together); a random delay of up to 10 ms also hits it
        // mid-commit and between a commit and its acks.
        killPending = true;
        const jitter = Math.floor(rand() * 10);
        const kill = () => {
          killPending = false;
          const inflight = clients.reduce((s, c) => s + c.inflight.size, 0);
          ctl.kill({ acked: ctl.acked, inflight, jitter });
          sinceRestart = 0;
        };
        if (jitter === 0) kill(); else setTimeout(kill, jitter);
      }
    };
    clients = Array.from({ length: CLIENTS }, (_, n) => new Client(n, ctl, onNewAck));
    // Set-up: every visitor connects and hands off (so the bot stays quiet), then all start.
    for (let i = 0; i < CLIENTS; i += 50)
      await Promise.all(clients.slice(i, i + 50).map(async c => { await c.connect(); await c.ready; }));
    const setupMs = Date.now() - t0;
    lastAckAt = Date.now();
    for (const c of clients) c.fill();

    const all = Promise.all(clients.map(c => c.done));
    let stalled = false;
    for (;;) {
      const r = await Promise.race([all.then(() => 'done'), delay(500)]);
      if (r === 'done') break;
      if (ctl.violations.length > 50) break;
      const restarting = ctl.srv.child.exitCode !== null || ctl.srv.child.signalCode !== null;
      if (!restarting && Date.now() - lastAckAt > STALL_MS) { stalled = true; break; }
      if (restarting) lastAckAt = Date.now();
    }
    await ctl.restarting;
    const streamMs = Date.now() - t0 - setupMs;

    const unexpected = clients.flatMap(c => c.unexpectedCloses.map(e => `client ${c.n}: ${e}`));
    const kills = ctl.kills.map(k => `+${k.jitter} ms: ${k.acked} acked/${k.inflight} in flight, restart ${k.restartMs} ms`);
    console.log(`# seed ${SEED}; kill thresholds ${thresholds.join(', ')}; kills: ${kills.join('; ')}`);
    console.log(`# set-up ${setupMs} ms, stream ${streamMs} ms; resent ${clients.reduce((s, c) => s + c.resent, 0)} ids, ` +
      `of which stored before the kill but unacked ${clients.reduce((s, c) => s + c.recovered, 0)}; ` +
      `largest replay ${Math.max(...clients.map(c => c.maxReplay))} messages, paged replays ${clients.reduce((s, c) => s + c.paged, 0)}; ` +
      `connections ${clients.reduce((s, c) => s + c.connects, 0)}; unexpected closes ${unexpected.length}`);
    if (unexpected.length) console.log(`# unexpected: ${unexpected.slice(0, 10).join(' | ')}`);
    if (stalled) {
      const stuck = clients.filter(c => !c.finished).slice(0, 5).map(c =>
        `client ${c.n}: acked ${c.acked.size}, in flight ${[...c.inflight].slice(0, 5)}…, next ${c.next}, lastSeq ${c.lastSeq}, live ${c.live}`);
      assert.fail(`no ack for ${STALL_MS} ms at ${ctl.acked}/${total} acked; ${clients.filter(c => !c.finished).length} visitors unfinished: ${stuck.join(' | ')}\n` +
        `violations: ${ctl.violations.slice(0, 20).join('\n')}`);
    }
    assert.deepEqual(ctl.violations, [], 'violations seen live');
    assert.equal(ctl.kills.length, KILLS, 'every kill happened');
    assert.equal(ctl.acked, total, 'every message acked');

    // Clean stop (SIGTERM must exit 0), then one more start to read everything back.
    await ctl.srv.stop('SIGTERM');
    const srv = await start({ dir, bin: RELEASE, args: ARGS });
    ctl.srv = srv;
    const problems = [];
    for (let i = 0; i < CLIENTS; i += 25) {
      await Promise.all(clients.slice(i, i + 25).map(async c => {
        const { msgs, last } = await history(srv, c.token);
        const p = s => problems.length < 30 && problems.push(`client ${c.n}: ${s}`);
        const seqs = msgs.map(m => m.seq);
        if (!seqs.every((s, j) => s === j + 1)) p(`seqs not gapless from 1: ${JSON.stringify(seqs.filter((s, j) => s !== j + 1).slice(0, 5))}…`);
        if (last !== msgs.length) p(`conversation.last_seq ${last} but ${msgs.length} messages`);
        const vis = msgs.filter(m => m.author.role === 'visitor');
        if (vis.length !== MESSAGES) p(`${vis.length} visitor messages, want ${MESSAGES}`);
        const count = new Map();
        for (const m of vis) count.set(m.id, (count.get(m.id) || 0) + 1);
        for (let j = 0; j < MESSAGES; j++) {
          const id = idOf(j);
          if (count.get(id) !== 1) p(`${id} stored ${count.get(id) || 0} times`);
        }
        const bySeq = new Map(msgs.map(m => [m.seq, m]));
        for (const [id, seq] of c.acked) {
          const m = bySeq.get(seq);
          if (!m || m.id !== id || m.author.role !== 'visitor' || m.text !== text(c.n, +id.slice(1)))
            p(`${id} acked at seq ${seq}, stored there: ${JSON.stringify(m)}`);
        }
        if (c.lastSeq !== msgs.length) p(`saw up to seq ${c.lastSeq} live, history has ${msgs.length}`);
        for (const [seq, id] of c.seen)
          if ((bySeq.get(seq)?.id ?? null) !== id) p(`saw ${id} at seq ${seq} live, history has ${JSON.stringify(bySeq.get(seq))}`);
        for (const m of msgs) if (!['visitor', 'bot', 'system'].includes(m.author.role)) p(`unexpected author ${JSON.stringify(m)}`);
      }));
    }
    await srv.stop('SIGTERM');
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`# torture: clients ${CLIENTS}, messages ${MESSAGES}, window ${WINDOW}, kills ${ctl.kills.length}, ` +
      `total acked ${ctl.acked}, duration ${secs} s`);
    assert.deepEqual(problems, [], 'final history');
    passed = true;
  } finally {
    for (const c of clients) { c.finished = true; try { c.ws?.terminate(); } catch { /* gone */ } }
    const child = ctl.srv?.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (passed) rmSync(ctl.srv.dir, { recursive: true, force: true });
    else if (ctl.srv) console.log(`# data directory kept: ${ctl.srv.dir} (seed ${SEED})`);
  }
});
