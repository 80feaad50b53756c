// Canned responses over REST: every rule of /api/canned (who may read and
// change, what a row may hold, duplicates, missing rows) and that the rows
// survive a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start, api } from './harness.mjs';

const thanks = { shortcut: 'thanks', title: 'Thanks', text: 'Thanks, {{visitor.name}}!' };

test('admins create, edit and delete; agents read; the list is by shortcut', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    assert.deepEqual((await api(srv, 'GET', '/api/canned', admin)).body, { canned: [] });
    let r = await api(srv, 'POST', '/api/canned', admin, thanks);
    assert.equal(r.status, 201);
    assert.ok(r.body.id > 0);
    assert.deepEqual(r.body, { id: r.body.id, ...thanks });
    const id = r.body.id;
    r = await api(srv, 'POST', '/api/canned', admin,
      { shortcut: 'refund-policy', title: 'Refund policy', text: 'Refunds within 30 days.' });
    assert.equal(r.status, 201);
    const refund = r.body.id;

    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    r = await api(srv, 'GET', '/api/canned', ana.token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.canned.map(c => c.shortcut), ['refund-policy', 'thanks']);
    assert.deepEqual(Object.keys(r.body.canned[0]).sort(), ['id', 'shortcut', 'text', 'title']);

    r = await api(srv, 'PUT', `/api/canned/${id}`, admin,
      { shortcut: 'thank-you', title: 'Thank you', text: 'Thank you, {{visitor.name}}.' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { id, shortcut: 'thank-you', title: 'Thank you',
      text: 'Thank you, {{visitor.name}}.' });
    r = await api(srv, 'DELETE', `/api/canned/${refund}`, admin);
    assert.equal(r.status, 200);
    r = await api(srv, 'GET', '/api/canned', ana.token);
    assert.deepEqual(r.body.canned, [{ id, shortcut: 'thank-you', title: 'Thank you',
      text: 'Thank you, {{visitor.name}}.' }]);
    ana.ws.close();
  } finally { await srv.stop(); }
});

test('signed out: 401; an agent changing them: 403', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const id = (await api(srv, 'POST', '/api/canned', admin, thanks)).body.id;
    assert.equal((await api(srv, 'GET', '/api/canned')).status, 401);
    assert.equal((await api(srv, 'POST', '/api/canned', null, thanks)).status, 401);
    assert.equal((await api(srv, 'PUT', `/api/canned/${id}`, null, thanks)).status, 401);
    assert.equal((await api(srv, 'DELETE', `/api/canned/${id}`, null)).status, 401);
    assert.equal((await api(srv, 'GET', '/api/canned', 'not-a-token')).status, 401);
    const ana = await srv.makeAgent('ana@example.test', 'Ana');
    const other = { ...thanks, shortcut: 'other' };
    assert.equal((await api(srv, 'POST', '/api/canned', ana.token, other)).status, 403);
    assert.equal((await api(srv, 'PUT', `/api/canned/${id}`, ana.token, other)).status, 403);
    assert.equal((await api(srv, 'DELETE', `/api/canned/${id}`, ana.token)).status, 403);
    assert.equal((await api(srv, 'GET', '/api/canned', admin)).body.canned.length, 1);
    ana.ws.close();
  } finally { await srv.stop(); }
});

test('every field is checked and named', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    const cases = [
      [{ ...thanks, shortcut: undefined }, 'shortcut'],
      [{ ...thanks, shortcut: '' }, 'shortcut'],
      [{ ...thanks, shortcut: 'Thanks' }, 'shortcut'],
      [{ ...thanks, shortcut: '/thanks' }, 'shortcut'],
      [{ ...thanks, shortcut: 'two words' }, 'shortcut'],
      [{ ...thanks, shortcut: 'café' }, 'shortcut'],
      [{ ...thanks, shortcut: 'a'.repeat(33) }, 'shortcut'],
      [{ ...thanks, shortcut: 7 }, 'shortcut'],
      [{ ...thanks, title: undefined }, 'title'],
      [{ ...thanks, title: '' }, 'title'],
      [{ ...thanks, title: '   ' }, 'title'],
      [{ ...thanks, title: 'x'.repeat(101) }, 'title'],
      [{ ...thanks, title: null }, 'title'],
      [{ ...thanks, text: undefined }, 'text'],
      [{ ...thanks, text: '' }, 'text'],
      [{ ...thanks, text: 'é'.repeat(4001) }, 'text'],
      [{ ...thanks, text: ['no'] }, 'text'],
    ];
    for (const [body, field] of cases) {
      const r = await api(srv, 'POST', '/api/canned', admin, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.field, field, JSON.stringify(body));
      assert.ok(r.body.error.message, 'a message');
    }
    let r = await api(srv, 'POST', '/api/canned', admin, 'not json', true);
    assert.equal(r.status, 400);
    r = await api(srv, 'POST', '/api/canned', admin,
      '{"shortcut":"a","shortcut":"b","title":"t","text":"x"}', true);
    assert.equal(r.status, 400);
    // The edges are allowed: 1 and 32 characters of shortcut, 100 of title, 4000 of text.
    r = await api(srv, 'POST', '/api/canned', admin,
      { shortcut: 'a'.repeat(32), title: 't'.repeat(100), text: 'é'.repeat(4000) });
    assert.equal(r.status, 201);
    r = await api(srv, 'POST', '/api/canned', admin, { shortcut: '0', title: 'T', text: 'x' });
    assert.equal(r.status, 201);
    r = await api(srv, 'POST', '/api/canned', admin, { shortcut: 'a-b_9', title: 'T', text: 'x' });
    assert.equal(r.status, 201);
    // A PUT is checked the same way.
    r = await api(srv, 'PUT', `/api/canned/${r.body.id}`, admin, { ...thanks, title: '' });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.field, 'title');
    assert.equal((await api(srv, 'GET', '/api/canned', admin)).body.canned.length, 3);
  } finally { await srv.stop(); }
});

test('a taken shortcut is 409 on create and on edit', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    await api(srv, 'POST', '/api/canned', admin, thanks);
    let r = await api(srv, 'POST', '/api/canned', admin, { ...thanks, title: 'Again' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.field, 'shortcut');
    const id = (await api(srv, 'POST', '/api/canned', admin, { ...thanks, shortcut: 'bye' })).body.id;
    r = await api(srv, 'PUT', `/api/canned/${id}`, admin, { ...thanks, title: 'Bye' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.field, 'shortcut');
    // Keeping its own shortcut is fine.
    r = await api(srv, 'PUT', `/api/canned/${id}`, admin, { shortcut: 'bye', title: 'Bye', text: 'Bye!' });
    assert.equal(r.status, 200);
  } finally { await srv.stop(); }
});

test('missing rows and bad ids are 404; other methods 405', async () => {
  const srv = await start();
  try {
    const admin = await srv.login();
    assert.equal((await api(srv, 'PUT', '/api/canned/999', admin, thanks)).status, 404);
    assert.equal((await api(srv, 'DELETE', '/api/canned/999', admin)).status, 404);
    for (const bad of ['abc', '0', '-1', '1x', '1/2'])
      assert.equal((await api(srv, 'DELETE', `/api/canned/${bad}`, admin)).status, 404, bad);
    const id = (await api(srv, 'POST', '/api/canned', admin, thanks)).body.id;
    assert.equal((await api(srv, 'DELETE', `/api/canned/${id}`, admin)).status, 200);
    assert.equal((await api(srv, 'DELETE', `/api/canned/${id}`, admin)).status, 404);
    assert.equal((await api(srv, 'PUT', `/api/canned/${id}`, admin, thanks)).status, 404);
    assert.equal((await api(srv, 'PATCH', '/api/canned', admin, thanks)).status, 405);
    assert.equal((await api(srv, 'GET', `/api/canned/${id}`, admin)).status, 405);
  } finally { await srv.stop(); }
});

test('canned responses survive a restart', async () => {
  let srv = await start();
  const dir = srv.dir;
  try {
    await api(srv, 'POST', '/api/canned', await srv.login(), thanks);
  } finally { await srv.stop(); }
  srv = await start({ dir });
  try {
    const r = await api(srv, 'GET', '/api/canned', await srv.login());
    assert.deepEqual(r.body.canned.map(({ id, ...rest }) => rest), [thanks]);
  } finally { await srv.stop(); }
});
