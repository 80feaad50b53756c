// The throwaway PostgreSQL the store's tests run on: starts, answers, survives
// halt/resume on the same URL, and leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pgServer } from './services.mjs';

const psql = (url, sql) => spawnSync('psql', [url, '-Atc', sql], { encoding: 'utf8' });

test('pgtmp starts, halts, resumes and stops', async () => {
  const pg = await pgServer();
  try {
    assert.match(pg.url, /^postgresql:\/\/parley@127\.0\.0\.1:\d+\/parley$/);
    assert.equal(psql(pg.url, 'select 1').stdout.trim(), '1');
    pg.halt();
    assert.notEqual(psql(pg.url, 'select 1').status, 0);
    pg.resume();
    assert.equal(psql(pg.url, 'select 2').stdout.trim(), '2');
    pg.restart();
    assert.equal(psql(pg.url, 'select 3').stdout.trim(), '3');
  } finally {
    pg.stop();
  }
  assert.equal(existsSync(pg.dir), false);
});
