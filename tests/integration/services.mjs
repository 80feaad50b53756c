// Throwaway helper servers for the several-node tests: redis-server and HAProxy on
// free loopback ports, installed from Debian when missing (scripts/ensure-debs.sh).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { delay, freePort, ROOT } from './harness.mjs';

export { freePort };

// True when `cmd --version`-style probing works, after trying to install `pkg`.
export function haveCommand(cmd, args, pkg) {
  if (spawnSync(cmd, args).status === 0) return true;
  spawnSync(join(ROOT, 'scripts/ensure-debs.sh'), [pkg], { stdio: 'ignore' });
  return spawnSync(cmd, args).status === 0;
}

export async function waitPort(port, what, ms = 10000) {
  for (let t0 = Date.now(); Date.now() - t0 < ms; await delay(50)) {
    const ok = await new Promise(res => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
  }
  throw new Error(`${what} did not start on port ${port}`);
}

async function kill(child, sig = 'SIGKILL') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise(res => child.once('exit', res));
  child.kill(sig);
  await gone;
}

// A Redis that keeps nothing on disk; stop() kills it (start() again on the same port).
// extra: more redis-server options (e.g. ['--requirepass', pw]).
export async function redisServer(port, extra = []) {
  const r = { port, child: null };
  r.start = async () => {
    r.child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', ...extra], { stdio: 'ignore' });
    await waitPort(port, 'redis-server');
  };
  r.stop = () => kill(r.child);
  await r.start();
  return r;
}

// HAProxy with deploy/haproxy.cfg in front of two nodes; its log is kept for failures.
export async function haproxy(port, nodeA, nodeB) {
  let log = '';
  const child = spawn('haproxy', ['-db', '-f', join(ROOT, 'deploy/haproxy.cfg')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LB_BIND: `127.0.0.1:${port}`, NODE_A: `127.0.0.1:${nodeA}`, NODE_B: `127.0.0.1:${nodeB}` },
  });
  child.stdout.on('data', d => { log += d; });
  child.stderr.on('data', d => { log += d; });
  await waitPort(port, 'haproxy');
  return { port, child, log: () => log, stop: () => kill(child, 'SIGTERM') };
}

// A throwaway PostgreSQL (tests/pg/pgtmp.sh) in its own temp dir. halt() kills
// it at once (-m immediate) keeping its data, resume() starts it again on the
// same port: for tests of the store surviving a database outage.
export async function pgServer({ fast = true } = {}) {
  const script = join(ROOT, 'tests/pg/pgtmp.sh');
  const dir = mkdtempSync(join(tmpdir(), 'parley-pg-'));
  const run = (cmd) => {
    const r = spawnSync(script, [cmd, dir], {
      encoding: 'utf8', env: { ...process.env, PGTMP_FAST: fast ? '1' : '0' } });
    if (r.status !== 0) throw new Error(`pgtmp.sh ${cmd}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const url = run('start');
  return {
    url, dir,
    stop: () => run('stop'),
    halt: () => run('halt'),
    resume: () => run('resume'),
    restart: () => { run('halt'); run('resume'); },
  };
}
