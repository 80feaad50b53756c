/*
 * Canned responses: the admin page that manages them, and the suggestions of the
 * reply box (type "/" at the start, pick one, its text replaces the "/word").
 *
 * Placeholders are filled here, in the agent's browser, just before insertion,
 * so the agent sees (and may edit) exactly what the visitor will get; the server
 * stores and sends the reply as plain text like any other. The list is fetched
 * when the suggestions first open and refreshed in the background when older
 * than STALE_MS, so an admin's change reaches agents without a reload.
 */
import { el, clear, confirmClick } from './dom.js';
import * as api from './api.js';
import { field, setError, clearErrors, showApiError, uid } from './forms.js';

const STALE_MS = 15000;
const MAX_SUGGESTIONS = 8;
const SHORTCUT_RE = /^[a-z0-9_-]{1,32}$/;
const chars = (s) => [...s].length;     /* code points, as the server counts them */

const listCanned = (token) => api.get('/api/canned', token);
const createCanned = (token, body) => api.request('POST', '/api/canned', token, body);
const putCanned = (token, id, body) => api.request('PUT', `/api/canned/${encodeURIComponent(id)}`, token, body);
const deleteCanned = (token, id) => api.request('DELETE', `/api/canned/${encodeURIComponent(id)}`, token);

let cache = null;        /* {at, rows} */
let loading = null;      /* the fetch under way */

function load(token) {
  if (!loading) {
    loading = listCanned(token).then((res) => {
      cache = { at: Date.now(), rows: res.canned || [] };
      return cache.rows;
    }).finally(() => { loading = null; });
  }
  return loading;
}

/* {{visitor.name}} (or "there"), {{visitor.email}}, {{agent.name}}; others stay as typed. */
export function fillPlaceholders(text, visitor, agent) {
  const v = visitor || {}, a = agent || {};
  const values = {
    'visitor.name': v.name || 'there',
    'visitor.email': v.email || '',
    'agent.name': a.name || a.email || '',
  };
  return String(text).replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (m, k) => (k in values ? values[k] : m));
}

/* Shortcut prefix matches first, then shortcuts or titles containing the word. */
function matches(rows, word) {
  const w = word.toLowerCase();
  const starts = rows.filter((r) => r.shortcut.startsWith(w));
  const inside = rows.filter((r) => !r.shortcut.startsWith(w)
    && (r.shortcut.includes(w) || r.title.toLowerCase().includes(w)));
  return [...starts, ...inside].slice(0, MAX_SUGGESTIONS);
}

/* ---------------- the reply box ---------------- */

/* o: {box (the textarea), token() -> string, visitor() -> {name, email}, agent() -> {name},
 *     authFailed()}. Must be called before the box's own keydown handlers. */
export function initCannedSuggest(o) {
  const box = o.box;
  const listId = uid('canned-list');
  const list = el('ul', { id: listId, role: 'listbox', 'aria-label': 'Canned responses', class: 'canned-list', hidden: true,
    style: 'list-style:none;margin:0;padding:2px;border:1px solid #b9c0cc;border-radius:6px;max-height:14em;overflow:auto;background:#fff' });
  const status = el('span', { role: 'status', class: 'canned-status',
    style: 'position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap' });
  box.before(list);
  box.after(status);
  box.setAttribute('aria-autocomplete', 'list');
  box.setAttribute('aria-controls', listId);
  let shown = [];          /* the rows listed */
  let active = -1;
  let dismissed = null;    /* the value Escape closed the list on */

  /* The "/word" being typed: the box starts with it and the caret is in it. */
  function typedWord() {
    const caret = box.selectionEnd;
    const m = /^\/([a-z0-9_-]*)/i.exec(box.value);
    if (!m || caret < 1 || caret > m[0].length || box.selectionStart !== caret) return null;
    return { word: m[1], end: m[0].length };
  }

  function close() {
    list.hidden = true;
    clear(list);
    shown = [];
    active = -1;
    box.removeAttribute('aria-activedescendant');
  }

  function setActive(i) {
    active = i;
    list.querySelectorAll('[role="option"]').forEach((li, k) => {
      li.setAttribute('aria-selected', k === i ? 'true' : 'false');
      li.style.background = k === i ? '#e5eefc' : '';
    });
    const li = list.children[i];
    if (li) { box.setAttribute('aria-activedescendant', li.id); li.scrollIntoView({ block: 'nearest' }); }
    else box.removeAttribute('aria-activedescendant');
  }

  function render(rows) {
    const t = typedWord();
    if (!t || box.value === dismissed) { close(); return; }
    shown = matches(rows, t.word);
    clear(list);
    if (!shown.length) { close(); status.textContent = 'No canned response matches.'; return; }
    shown.forEach((r, i) => {
      const li = el('li', { role: 'option', id: `${listId}-${i}`, 'aria-selected': 'false', 'data-shortcut': r.shortcut,
        style: 'padding:4px 8px;cursor:pointer;border-radius:4px',
        onmousedown: (e) => e.preventDefault(),   /* keep the focus in the box */
        onclick: () => insert(i) }, [el('b', { text: `/${r.shortcut}` }), document.createTextNode(` — ${r.title}`)]);
      list.append(li);
    });
    list.hidden = false;
    setActive(0);
    status.textContent = `${shown.length} canned ${shown.length === 1 ? 'response' : 'responses'}; arrow keys to choose, Enter to insert.`;
  }

  function update() {
    if (!typedWord() || box.disabled) { close(); return; }
    if (cache) render(cache.rows);
    if (!cache || Date.now() - cache.at > STALE_MS) {
      load(o.token()).then(render).catch((e) => {
        if (e instanceof api.AuthError) o.authFailed();
        else status.textContent = `Could not load the canned responses: ${e.message}`;
      });
    }
  }

  function insert(i) {
    const r = shown[i];
    const t = typedWord();
    if (!r || !t) { close(); return; }
    const text = fillPlaceholders(r.text, o.visitor(), o.agent());
    box.value = text + box.value.slice(t.end);
    box.setSelectionRange(text.length, text.length);
    close();
    status.textContent = `Inserted /${r.shortcut}.`;
    box.focus();
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }

  box.addEventListener('keydown', (e) => {
    if (list.hidden || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    let handled = true;
    if (e.key === 'ArrowDown') setActive((active + 1) % shown.length);
    else if (e.key === 'ArrowUp') setActive((active - 1 + shown.length) % shown.length);
    else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') insert(active < 0 ? 0 : active);
    else if (e.key === 'Escape') { dismissed = box.value; close(); status.textContent = ''; }
    else handled = false;
    if (handled) { e.preventDefault(); e.stopImmediatePropagation(); }
  });
  box.addEventListener('input', () => { if (box.value !== dismissed) dismissed = null; update(); });
  box.addEventListener('click', update);
  box.addEventListener('blur', close);
  return { close };
}

/* ---------------- the admin page ---------------- */

export function renderCanned(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const loadMsg = el('p', { class: 'muted', text: 'Loading canned responses…' });
  const tbody = el('tbody');
  let editing = null;      /* the row being edited, or null: creating */

  const shortcut = el('input', { type: 'text', name: 'shortcut', autocomplete: 'off', maxlength: '32', required: true, spellcheck: 'false' });
  const title = el('input', { type: 'text', name: 'title', autocomplete: 'off', maxlength: '100', required: true });
  const text = el('textarea', { name: 'text', rows: '4', maxlength: '4000', required: true });
  const formErr = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'primary', text: 'Create canned response' });
  const cancel = el('button', { type: 'button', text: 'Cancel', hidden: true });
  const headId = uid('h');
  const head = el('h2', { id: headId, text: 'Add a canned response' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-labelledby': headId }, [
    head,
    el('div', { class: 'field-row' }, [
      field('Shortcut', shortcut, 'Typed as /shortcut: 1–32 lowercase letters, digits, - or _.'),
      field('Title', title),
    ]),
    field('Text', text, 'Up to 4000 characters. Placeholders: {{visitor.name}}, {{visitor.email}}, {{agent.name}}.'),
    formErr, el('div', { class: 'form-actions' }, [cancel, submit]),
  ]);
  const controls = { shortcut, title, text };

  function setMode(row) {
    editing = row;
    clearErrors(form); formErr.textContent = '';
    head.textContent = row ? `Edit /${row.shortcut}` : 'Add a canned response';
    submit.textContent = row ? 'Save changes' : 'Create canned response';
    cancel.hidden = !row;
    shortcut.value = row ? row.shortcut : '';
    title.value = row ? row.title : '';
    text.value = row ? row.text : '';
  }
  cancel.addEventListener('click', () => { setMode(null); shortcut.focus(); });

  function check(body) {
    let bad = null;
    if (!SHORTCUT_RE.test(body.shortcut)) { setError(shortcut, '1–32 lowercase letters, digits, - or _.'); bad = bad || shortcut; }
    if (!body.title.trim() || chars(body.title) > 100) { setError(title, 'Enter a title of 1–100 characters.'); bad = bad || title; }
    if (!body.text.trim() || chars(body.text) > 4000) { setError(text, 'Enter a text of 1–4000 characters.'); bad = bad || text; }
    return bad;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form); formErr.textContent = '';
    const body = { shortcut: shortcut.value.trim().replace(/^\//, ''), title: title.value.trim(), text: text.value };
    const bad = check(body);
    if (bad) { bad.focus(); return; }
    submit.disabled = true;
    try {
      const row = editing ? await putCanned(ctx.token, editing.id, body) : await createCanned(ctx.token, body);
      say.textContent = editing ? `Saved /${row.shortcut}.` : `Created /${row.shortcut}.`;
      cache = null;
      setMode(null);
      await refresh();
      shortcut.focus();
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      if (e.status === 409 && !e.field) e.field = 'shortcut';
      if (e.status === 404) { formErr.textContent = 'This canned response was deleted meanwhile.'; setMode(null); refresh(); return; }
      if (!showApiError(e, controls)) formErr.textContent = `Could not save: ${e.message}`;
    } finally { submit.disabled = false; }
  });

  function addRow(r) {
    const edit = el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit /${r.shortcut}` });
    const del = el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete /${r.shortcut}` });
    edit.addEventListener('click', () => { setMode(r); title.focus(); });
    confirmClick(del, async () => {
      del.disabled = true;
      try {
        await deleteCanned(ctx.token, r.id);
        say.textContent = `Deleted /${r.shortcut}.`;
      } catch (e) {
        if (e instanceof api.AuthError) { ctx.authFailed(); return; }
        say.textContent = e.status === 404 ? `/${r.shortcut} was already deleted.` : `Could not delete /${r.shortcut}: ${e.message}`;
      }
      cache = null;
      if (editing && editing.id === r.id) setMode(null);
      refresh();
    });
    tbody.append(el('tr', { 'data-canned': String(r.id) }, [
      el('td', null, [el('code', { text: `/${r.shortcut}` })]),
      el('td', { text: r.title }),
      el('td', { class: 'canned-text', text: r.text }),
      el('td', null, [edit, document.createTextNode(' '), del]),
    ]));
  }

  async function refresh() {
    try {
      const res = await listCanned(ctx.token);
      loadMsg.hidden = (res.canned || []).length > 0;
      loadMsg.className = 'muted';
      loadMsg.textContent = 'No canned responses yet.';
      clear(tbody);
      for (const r of res.canned || []) addRow(r);
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      loadMsg.hidden = false;
      loadMsg.className = 'error';
      loadMsg.textContent = `Could not load the canned responses: ${e.message}`;
    }
  }

  const tableHead = uid('h');
  root.append(
    el('h1', { tabindex: '-1', text: 'Canned responses' }),
    say,
    form,
    el('section', { 'aria-labelledby': tableHead, class: 'panel' }, [
      el('h2', { id: tableHead, text: 'All canned responses' }),
      loadMsg,
      el('div', { class: 'table-wrap' }, [el('table', { class: 'data canned-table' }, [
        el('thead', null, [el('tr', null, ['Shortcut', 'Title', 'Text', 'Actions']
          .map((t) => el('th', { scope: 'col', text: t })))]),
        tbody,
      ])]),
    ]),
  );
  refresh();
}
