// The cost of the bus hop: a visitor's message to an agent's screen with both on
// one node (local bus), both on one node with --bus redis, and on two nodes over
// Redis. Usage: PARLEY_BIN=build/parley REDIS_PORT=P node tests/bench/bus_hop.mjs [N]
// (a redis-server must listen on 127.0.0.1:REDIS_PORT).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../integration/harness.mjs';

const N = Number(process.argv[2] || 500);
const redis = ['--bus', `redis://127.0.0.1:${process.env.REDIS_PORT}`, '--rate-limit', '0'];

async function run(label, visitorNode, agentNode, email) {
  const ag = await agentNode.makeAgent(email, 'Bench');
  const v = await visitorNode.visitor({ name: 'Bench' });
  const from = ag.ws.mark();
  await v.ask({ type: 'handoff' });
  await ag.ws.next(f => f.type === 'queued' && f.conversation.id === v.conv, { from });
  await ag.ws.ask({ type: 'claim', conversation: v.conv });
  const lat = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const m = ag.ws.mark(), s = performance.now();
    v.send({ type: 'message', id: `b${i}`, text: `bench ${i}` });
    await ag.ws.next(f => f.type === 'message' && f.text === `bench ${i}`, { from: m });
    lat.push(performance.now() - s);
  }
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = p => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log(`${label.padEnd(34)} p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  (${(N / secs).toFixed(0)} round trips/s)`);
  v.close(); ag.ws.close();
}

const one = await start({ args: ['--rate-limit', '0'] });
await run('one node, local bus', one, one, 'b1@example.test');
await one.stop();
const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
const A = await start({ dir, args: redis }), B = await start({ dir, args: redis });
await run('one node, redis bus', A, A, 'b2@example.test');
await run('visitor on A, agent on B (redis)', A, B, 'b3@example.test');
await A.stop(); await B.stop();
