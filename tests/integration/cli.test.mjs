// The command line: --help, bad options, and `parley faq check`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './harness.mjs';

const run = (...args) => spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });

test('--help lists every option with its environment twin', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const [opt, env] of [['--port', 'PARLEY_PORT'], ['--db', 'PARLEY_DB'], ['--faq', 'PARLEY_FAQ'],
    ['--allowed-origins', 'PARLEY_ALLOWED_ORIGINS'], ['--rate-limit', 'PARLEY_RATE_LIMIT'],
    ['--store', 'PARLEY_STORE'], ['--bus', 'PARLEY_BUS']]) {
    assert.ok(r.stdout.includes(opt), `${opt} missing`);
    assert.ok(r.stdout.includes(env), `${env} missing`);
  }
  assert.ok(r.stdout.includes('PARLEY_ADMIN_EMAIL'));
  assert.ok(r.stdout.includes('faq check'));
});

test('a bad option or value exits 2 with a message', () => {
  for (const args of [['--nope'], ['--port', 'eighty'], ['--port', '70000'], ['--durability', 'maybe'],
    ['--commit-delay-us', '-1'], ['--commit-delay-us', '100001'], ['--commit-delay-us', 'soon'],
    ['--store', 'mysql://x'], ['--bus', 'nats://x:4222'], ['--bus', 'redis://h:0'], ['stray']]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.ok(r.stderr.length > 0, `no message for ${args.join(' ')}`);
  }
});

test('faq check passes the demo FAQ and lists every problem of a bad file', () => {
  const ok = run('faq', 'check', 'faq/demo.json');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /no problems/);
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify([
    { id: 'ok', question: 'q', answer: 'a', keywords: ['fine'] },
    { id: 'p', question: 'q', answer: 'a', patterns: ['('] },
    { question: 'no id', answer: 'a', keywords: ['k'] },
    { id: 'ok', question: 'q', answer: 'a', keywords: ['dup'] },
    { id: 'k', question: 'q', answer: 'a', keywords: 'not a list' },
  ]));
  const r = run('faq', 'check', bad);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /entry 1: patterns\[0\]/);
  assert.match(r.stdout, /entry 2: id/);
  assert.match(r.stdout, /entry 3: id: duplicate/);
  assert.match(r.stdout, /entry 4: keywords/);
  assert.equal(run('faq', 'check', join(dir, 'missing.json')).status, 1);
  assert.equal(run('faq', 'frobnicate').status, 2);
});

test('a bad --faq file stops the server at start with the entry and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
  writeFileSync(join(dir, 'faq.json'), JSON.stringify([{ id: 'x', question: 'q', answer: 'a', patterns: ['(('] }]));
  const r = spawnSync(BIN, ['--port', '0', '--db', join(dir, 'p.db'), '--faq', join(dir, 'faq.json')],
    { cwd: ROOT, encoding: 'utf8', timeout: 10000, env: { ...process.env, PARLEY_ADMIN_PASSWORD: 'some long secret' } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /patterns\[0\]/);
});
