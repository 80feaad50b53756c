/*
 * The admin Webhooks page (#/webhooks): the hooks (URL, events, active), a
 * create/edit form, the secret shown once after creating with a copy button,
 * and per hook its delivery log (status, attempts, last code and error) with a
 * retry button and "Send test". Everything reaches the page through
 * textContent; the server checks every rule again and its field-named errors
 * are shown next to the control.
 */
import { el, clear, clock, confirmClick } from './dom.js';
import * as api from './api.js';
import { uid, field, setError, clearErrors, showApiError } from './forms.js';

const EVENTS = ['conversation.created', 'conversation.queued', 'conversation.assigned',
  'conversation.closed', 'conversation.offline', 'message.created', 'rating.created'];

const list = (t) => api.get('/api/webhooks', t);
const create = (t, b) => api.request('POST', '/api/webhooks', t, b);
const put = (t, id, b) => api.request('PUT', `/api/webhooks/${id}`, t, b);
const del = (t, id) => api.request('DELETE', `/api/webhooks/${id}`, t);
const deliveries = (t, id) => api.get(`/api/webhooks/${id}/deliveries`, t);
const ping = (t, id) => api.request('POST', `/api/webhooks/${id}/test`, t);
const retry = (t, id, d) => api.request('POST', `/api/webhooks/${id}/deliveries/${d}/retry`, t);

function urlOk(s) {
  try { const u = new URL(s); return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.host; } catch { return false; }
}

export function renderWebhooks(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const loadMsg = el('p', { class: 'muted', text: 'Loading webhooks…' });
  const tbody = el('tbody');
  const logBox = el('section', { class: 'panel', hidden: true, 'aria-live': 'polite' });
  let editing = null;
  let alive = true;

  const url = el('input', { type: 'url', name: 'url', autocomplete: 'off', maxlength: '2000', required: true, spellcheck: 'false' });
  const active = el('input', { type: 'checkbox', name: 'active', checked: true });
  const boxes = EVENTS.map((e) => el('input', { type: 'checkbox', name: 'events', value: e }));
  const eventsId = uid('ev');
  const eventsSet = el('fieldset', { id: eventsId, class: 'field' }, [
    el('legend', { text: 'Events (none ticked: every event)' }),
    ...boxes.map((b, i) => el('label', { class: 'check' }, [b, document.createTextNode(` ${EVENTS[i]}`)])),
  ]);
  const formErr = el('p', { class: 'error', role: 'alert' });
  const secretBox = el('div', { class: 'panel secret', hidden: true, role: 'status' });
  const submit = el('button', { type: 'submit', class: 'primary', text: 'Create webhook' });
  const cancel = el('button', { type: 'button', text: 'Cancel', hidden: true });
  const headId = uid('h');
  const head = el('h2', { id: headId, text: 'Add a webhook' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-labelledby': headId }, [
    head,
    field('URL', url, 'http:// or https://; each POST is signed with the secret (see the docs).'),
    eventsSet,
    el('label', { class: 'check' }, [active, document.createTextNode(' Active')]),
    formErr, el('div', { class: 'form-actions' }, [cancel, submit]),
  ]);
  const controls = { url, events: eventsSet, active };

  function setMode(row) {
    editing = row;
    clearErrors(form); formErr.textContent = '';
    head.textContent = row ? `Edit webhook ${row.id}` : 'Add a webhook';
    submit.textContent = row ? 'Save changes' : 'Create webhook';
    cancel.hidden = !row;
    url.value = row ? row.url : '';
    active.checked = row ? row.active : true;
    for (const b of boxes) b.checked = !!row && row.events.includes(b.value);
  }
  cancel.addEventListener('click', () => { setMode(null); url.focus(); });

  function showSecret(hook) {
    clear(secretBox);
    const code = el('code', { text: hook.secret });
    const copy = el('button', { type: 'button', class: 'small', text: 'Copy', 'aria-label': 'Copy the secret' });
    copy.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(hook.secret); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select and copy'; }
    });
    secretBox.append(el('p', { text: `Secret of webhook ${hook.id} — shown only now; keep it with your receiver:` }),
      code, document.createTextNode(' '), copy);
    secretBox.hidden = false;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form); formErr.textContent = '';
    const body = { url: url.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value), active: active.checked };
    if (!urlOk(body.url)) { setError(url, 'Enter an http:// or https:// URL.'); url.focus(); return; }
    submit.disabled = true;
    try {
      const hook = editing ? await put(ctx.token, editing.id, body) : await create(ctx.token, body);
      say.textContent = editing ? `Saved webhook ${hook.id}.` : `Created webhook ${hook.id}.`;
      if (!editing) showSecret(hook);
      setMode(null);
      await refresh();
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      if (!showApiError(e, controls)) formErr.textContent = `Could not save: ${e.message}`;
    } finally { submit.disabled = false; }
  });

  async function showLog(hook) {
    clear(logBox);
    logBox.hidden = false;
    const h = el('h2', { tabindex: '-1', text: `Deliveries of webhook ${hook.id}` });
    const status = el('p', { class: 'muted', text: 'Loading…' });
    const body = el('tbody');
    const again = el('button', { type: 'button', class: 'small', text: 'Refresh', 'aria-label': `Refresh the deliveries of webhook ${hook.id}` });
    again.addEventListener('click', () => showLog(hook));
    logBox.append(h, again, status, el('div', { class: 'table-wrap' }, [el('table', { class: 'data' }, [
      el('thead', null, [el('tr', null, ['Id', 'Event', 'Status', 'Attempts', 'Last code', 'Last error', 'Created', ''].map((t) => el('th', { scope: 'col', text: t })))]),
      body,
    ])]));
    try {
      const res = await deliveries(ctx.token, hook.id);
      if (!alive) return;
      status.textContent = res.deliveries.length ? '' : 'No deliveries yet.';
      for (const d of res.deliveries) {
        const btn = el('button', { type: 'button', class: 'small', text: 'Retry', 'aria-label': `Retry delivery ${d.id}` });
        btn.addEventListener('click', async () => {
          btn.disabled = true;
          try { await retry(ctx.token, hook.id, d.id); say.textContent = `Delivery ${d.id} will be sent again.`; setTimeout(() => alive && showLog(hook), 1000); } catch (e) {
            if (e instanceof api.AuthError) { ctx.authFailed(); return; }
            say.textContent = `Could not retry: ${e.message}`;
          } finally { btn.disabled = false; }
        });
        body.append(el('tr', { 'data-delivery': String(d.id) }, [
          el('td', { text: String(d.id) }), el('td', { text: d.event }),
          el('td', { class: `status-${d.status}`, text: d.status }), el('td', { text: String(d.attempts) }),
          el('td', { text: d.last_status_code == null ? '—' : String(d.last_status_code) }),
          el('td', { text: d.last_error || '—' }), el('td', { text: clock(d.created_at) }), el('td', null, [btn]),
        ]));
      }
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      status.className = 'error';
      status.textContent = `Could not load the deliveries: ${e.message}`;
    }
  }

  function addRow(r) {
    const btn = (text, label, cls) => el('button', { type: 'button', class: `small ${cls || ''}`, text, 'aria-label': label });
    const edit = btn('Edit', `Edit webhook ${r.id}`);
    const log = btn('Deliveries', `Show the deliveries of webhook ${r.id}`);
    const test = btn('Send test', `Send a test to webhook ${r.id}`);
    const rm = btn('Delete', `Delete webhook ${r.id}`, 'danger');
    edit.addEventListener('click', () => { setMode(r); url.focus(); });
    log.addEventListener('click', () => showLog(r));
    test.addEventListener('click', async () => {
      test.disabled = true;
      try { const t = await ping(ctx.token, r.id); say.textContent = `Test delivery ${t.delivery} queued.`; setTimeout(() => alive && showLog(r), 1000); } catch (e) {
        if (e instanceof api.AuthError) { ctx.authFailed(); return; }
        say.textContent = `Could not send a test: ${e.message}`;
      } finally { test.disabled = false; }
    });
    confirmClick(rm, async () => {
      rm.disabled = true;
      try { await del(ctx.token, r.id); say.textContent = `Deleted webhook ${r.id}.`; } catch (e) {
        if (e instanceof api.AuthError) { ctx.authFailed(); return; }
        say.textContent = `Could not delete: ${e.message}`;
      }
      if (editing && editing.id === r.id) setMode(null);
      logBox.hidden = true;
      refresh();
    });
    tbody.append(el('tr', { 'data-webhook': String(r.id) }, [
      el('td', { text: r.url }),
      el('td', { text: r.events.length ? r.events.join(', ') : 'all events' }),
      el('td', { text: r.active ? 'active' : 'paused' }),
      el('td', null, [edit, ' ', log, ' ', test, ' ', rm]),
    ]));
  }

  async function refresh() {
    try {
      const res = await list(ctx.token);
      if (!alive) return;
      loadMsg.hidden = res.webhooks.length > 0;
      loadMsg.className = 'muted';
      loadMsg.textContent = 'No webhooks yet.';
      clear(tbody);
      for (const r of res.webhooks) addRow(r);
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      loadMsg.hidden = false;
      loadMsg.className = 'error';
      loadMsg.textContent = `Could not load the webhooks: ${e.message}`;
    }
  }

  const tableHead = uid('h');
  root.append(
    el('h1', { tabindex: '-1', text: 'Webhooks' }),
    say, secretBox, form,
    el('section', { 'aria-labelledby': tableHead, class: 'panel' }, [
      el('h2', { id: tableHead, text: 'All webhooks' }),
      loadMsg,
      el('div', { class: 'table-wrap' }, [el('table', { class: 'data' }, [
        el('thead', null, [el('tr', null, ['URL', 'Events', 'State', 'Actions'].map((t) => el('th', { scope: 'col', text: t })))]),
        tbody,
      ])]),
    ]),
    logBox,
  );
  refresh();
  return () => { alive = false; };
}
