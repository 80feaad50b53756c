/*
 * The FAQ page (admins): the entries with a search, a form to create and edit one,
 * "Try it" (what a question would match, and why), import and export of the whole
 * FAQ as the contract's JSON array, and the two ways the FAQ grows from real
 * traffic: the questions the bot could not answer, and drafts agents filed from a
 * conversation. Both prefill the form; saving the entry then retires the question or
 * the draft it came from. Plus the conversation view's "Draft FAQ entry" action,
 * which every agent has.
 *
 * The server is the only judge of an entry: the form sends what was typed and shows
 * a 400's message next to the field it names (keywords[2] → the Keywords box, line 3).
 */
import { el, clear, $, clock } from './dom.js';
import * as api from './api.js';
import { field, setError, clearErrors, uid } from './forms.js';
import { convs, sorted, isNote } from './model.js';

const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);
const FOLD = [['', 'Server default'], ['true', 'Fold (ŵ = w)'], ['false', 'Keep diacritics']];
const OUTCOME = {
  answer: 'Answers with an entry', choices: 'Offers a choice of entries', none: 'No answer: counts as a miss',
  human_request: 'Asks for a person: goes to the queue', greeting: 'A greeting: the bot greets back',
};

function failed(ctx, e, show) {
  if (e instanceof api.AuthError) { ctx.authFailed(); return; }
  show(e);
}

/* A suggested id from a question: its first words, lower case, joined by '-'. */
function slug(text) {
  const words = String(text || '').toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
  return words.slice(0, 5).join('-').slice(0, 64);
}

/* POST of a raw body (an import file as it is), with api.js's error handling. */
async function postRaw(path, token, text) {
  const res = await fetch(path, {
    method: 'POST', credentials: 'same-origin', body: text,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
  });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (res.ok) return body || {};
  const e = (body && body.error) || {};
  const Err = res.status === 401 ? api.AuthError : api.ApiError;
  const err = new Err(e.message || `${res.status} ${res.statusText}`, res.status, e.code, e.field);
  err.problems = e.problems || [];
  throw err;
}

export function renderFaq(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  let entries = [];
  let origin = null;        /* {kind:'unanswered', key} | {kind:'draft', id}: what the form came from */
  let editing = null;       /* id of the entry in the form, or null for a new one */

  /* ---------- the entry form ---------- */
  const f = {
    id: el('input', { type: 'text', name: 'id', maxlength: '64', autocomplete: 'off', required: true }),
    locale: el('input', { type: 'text', name: 'locale', maxlength: '35', autocomplete: 'off', size: '8' }),
    question: el('input', { type: 'text', name: 'question', autocomplete: 'off', required: true, style: 'min-width:22em' }),
    answer: el('textarea', { name: 'answer', rows: '4', maxlength: '4000', required: true, style: 'width:100%' }),
    keywords: el('textarea', { name: 'keywords', rows: '5', style: 'min-width:16em' }),
    patterns: el('textarea', { name: 'patterns', rows: '5', style: 'min-width:16em' }),
    weight: el('input', { type: 'number', name: 'weight', min: '0', step: 'any', value: '1', style: 'width:6em' }),
    fold: el('select', { name: 'fold_diacritics' }, FOLD.map(([v, t]) => el('option', { value: v, text: t }))),
  };
  const controls = { id: f.id, locale: f.locale, question: f.question, answer: f.answer, keywords: f.keywords,
    patterns: f.patterns, weight: f.weight, fold_diacritics: f.fold };
  const formHead = el('h2', { id: uid('h'), text: 'New entry' });
  const formErr = el('p', { class: 'error', role: 'alert' });
  const save = el('button', { type: 'submit', class: 'primary', text: 'Save entry' });
  const reset = el('button', { type: 'button', text: 'New entry' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-labelledby': formHead.id }, [
    formHead,
    el('div', { class: 'field-row' }, [field('Id', f.id, 'Letters, digits, _ . - (at most 64).'),
      field('Locale', f.locale, 'en, uk, cy… Empty: any language.'), field('Question', f.question)]),
    field('Answer', f.answer),
    el('div', { class: 'field-row' }, [field('Keywords', f.keywords, 'One per line; a trailing * matches any ending.'),
      field('Patterns', f.patterns, 'One regular expression per line.'),
      field('Weight', f.weight, 'Multiplies the score (default 1).'), field('Diacritics', f.fold)]),
    formErr, el('div', { class: 'form-actions' }, [reset, save]),
  ]);

  function fillForm(e, from) {
    clearErrors(form); formErr.textContent = '';
    editing = e && e.stored ? e.id : null;
    origin = from || null;
    f.id.value = e?.id || ''; f.id.readOnly = !!editing;
    f.locale.value = e?.locale || '';
    f.question.value = e?.question || '';
    f.answer.value = e?.answer || '';
    f.keywords.value = (e?.keywords || []).join('\n');
    f.patterns.value = (e?.patterns || []).join('\n');
    f.weight.value = String(e?.weight ?? 1);
    f.fold.value = e?.fold_diacritics === true ? 'true' : e?.fold_diacritics === false ? 'false' : '';
    formHead.textContent = editing ? `Edit entry ${editing}` : 'New entry';
  }

  function formBody() {
    const body = { id: f.id.value.trim(), question: f.question.value, answer: f.answer.value,
      keywords: lines(f.keywords.value), patterns: lines(f.patterns.value) };
    if (f.locale.value.trim()) body.locale = f.locale.value.trim();
    const w = f.weight.value.trim();
    if (w !== '' && Number(w) !== 1) body.weight = Number(w);
    if (f.fold.value) body.fold_diacritics = f.fold.value === 'true';
    return body;
  }

  /* "keywords[2]" → the Keywords box, saying which line. */
  function showFieldError(err) {
    const m = /^([a-z_]+)(?:\[(\d+)\])?/.exec(err.field || '');
    const c = m && controls[m[1]];
    if (!c) { formErr.textContent = `Could not save the entry: ${err.message}`; return; }
    setError(c, m[2] != null ? `Line ${Number(m[2]) + 1}: ${err.message}` : err.message);
    c.focus();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form); formErr.textContent = '';
    const body = formBody();
    if (!body.id) { setError(f.id, 'Enter an id.'); f.id.focus(); return; }
    if (body.weight !== undefined && !(body.weight > 0)) { setError(f.weight, 'A number greater than 0.'); f.weight.focus(); return; }
    save.disabled = true;
    try {
      const stored = editing
        ? await api.request('PUT', `/api/faq/${encodeURIComponent(editing)}`, ctx.token, body)
        : await api.request('POST', '/api/faq', ctx.token, body);
      let done = `${editing ? 'Saved' : 'Created'} ${stored.id}.`;
      if (origin) done += await retire(origin);
      fillForm({ ...stored, stored: true });
      await loadEntries();
      say.textContent = done;
    } catch (e) {
      failed(ctx, e, (err) => {
        if (err.status === 409 && !err.field) err.field = 'id';
        showFieldError(err);
      });
    } finally { save.disabled = false; }
  });
  reset.addEventListener('click', () => { fillForm(null); f.id.focus(); });

  /* The question or draft an entry was made from has done its job. */
  async function retire(from) {
    try {
      if (from.kind === 'unanswered') {
        await api.request('DELETE', `/api/faq/unanswered?key=${encodeURIComponent(from.key)}`, ctx.token);
        loadUnanswered();
        return ' The question was taken off the unanswered list.';
      }
      await api.request('DELETE', `/api/faq/drafts/${encodeURIComponent(from.id)}`, ctx.token);
      loadDrafts();
      return ' The draft was deleted.';
    } catch { return ''; }
  }

  /* ---------- the list, with search ---------- */
  const search = el('input', { type: 'search', autocomplete: 'off', placeholder: 'id, question or keyword' });
  const listCount = el('span', { class: 'muted' });
  const tbody = el('tbody');
  const listMsg = el('p', { class: 'muted', text: 'Loading the FAQ…' });

  function matches(e, q) {
    if (!q) return true;
    return [e.id, e.question, ...(e.keywords || [])].some((s) => String(s).toLowerCase().includes(q));
  }

  function renderList() {
    const q = search.value.trim().toLowerCase();
    const shown = entries.filter((e) => matches(e, q));
    clear(tbody);
    for (const e of shown) {
      const edit = el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit ${e.id}` });
      const del = el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete ${e.id}` });
      edit.addEventListener('click', () => { fillForm({ ...e, stored: true }); f.question.focus(); });
      del.addEventListener('click', () => remove(e));
      tbody.append(el('tr', { 'data-faq': e.id }, [
        el('td', { text: e.id }), el('td', { text: e.locale || 'any' }), el('td', { text: e.question }),
        el('td', { text: (e.keywords || []).join(', ') }), el('td', null, [edit, ' ', del]),
      ]));
    }
    listCount.textContent = q ? ` ${shown.length} of ${entries.length}` : ` ${entries.length}`;
    listMsg.hidden = entries.length > 0 && shown.length > 0;
    listMsg.className = 'muted';
    listMsg.textContent = entries.length ? 'No entry matches the search.' : 'The FAQ is empty.';
  }
  search.addEventListener('input', renderList);

  async function remove(e) {
    if (!window.confirm(`Delete the FAQ entry "${e.id}"? Visitors stop getting its answer at once.`)) return;
    try {
      await api.request('DELETE', `/api/faq/${encodeURIComponent(e.id)}`, ctx.token);
      if (editing === e.id) fillForm(null);
      say.textContent = `Deleted ${e.id}.`;
      await loadEntries();
    } catch (x) { failed(ctx, x, (err) => { say.textContent = `Could not delete ${e.id}: ${err.message}`; }); }
  }

  async function loadEntries() {
    try {
      const res = await api.get('/api/faq', ctx.token);
      entries = Array.isArray(res) ? res : [];
      renderList();
    } catch (e) {
      failed(ctx, e, (err) => { listMsg.hidden = false; listMsg.className = 'error'; listMsg.textContent = `Could not load the FAQ: ${err.message}`; });
    }
  }

  /* ---------- try it ---------- */
  const tryText = el('input', { type: 'text', autocomplete: 'off', maxlength: '4000', style: 'min-width:24em' });
  const tryLocale = el('input', { type: 'text', autocomplete: 'off', maxlength: '35', size: '8' });
  const tryOut = el('dl', { class: 'try-result', 'aria-live': 'polite',
    style: 'display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:10px 0 0' });
  const tryForm = el('form', { class: 'panel-form', novalidate: true, 'aria-label': 'Try it' }, [
    el('h2', { text: 'Try it' }),
    el('div', { class: 'field-row' }, [field('Visitor text', tryText), field('Visitor locale', tryLocale, 'Used when the language of the text is unclear.'),
      el('div', { class: 'form-actions', style: 'align-self:flex-end' }, [el('button', { type: 'submit', class: 'primary', text: 'Try' })])]),
    tryOut,
  ]);
  tryForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    setError(tryText, '');
    if (!tryText.value.trim()) { setError(tryText, 'Enter what a visitor might write.'); tryText.focus(); return; }
    const body = { text: tryText.value };
    if (tryLocale.value.trim()) body.locale = tryLocale.value.trim();
    try {
      showTry(await api.request('POST', '/api/faq/try', ctx.token, body));
    } catch (e) {
      failed(ctx, e, (err) => setError(err.field === 'locale' ? tryLocale : tryText, err.message));
    }
  });

  function showTry(r) {
    clear(tryOut);
    const row = (k, v, key) => tryOut.append(el('dt', { text: k, style: 'font-weight:600' }),
      el('dd', { 'data-try': key, text: v, style: 'margin:0;overflow-wrap:anywhere' }));
    row('Outcome', OUTCOME[r.outcome] || r.outcome, 'outcome');
    if (r.entry) row('Entry', `${r.entry.id}: ${r.entry.question}`, 'entry');
    if (r.score != null) row('Score', String(Math.round(r.score * 100) / 100), 'score');
    row('Matched', r.matched && r.matched.length ? r.matched.join(', ') : '—', 'matched');
    if (r.choices && r.choices.length) row('Choices', r.choices.map((c) => `${c.faq}: ${c.question}`).join(' / '), 'choices');
    row('Language', r.language ? `${r.language} (from the text)` : r.locale ? `${r.locale} (from the locale)` : 'unknown', 'language');
    if (r.normalised) row('Matched against', r.normalised, 'normalised');
  }

  /* ---------- import / export ---------- */
  const file = el('input', { type: 'file', accept: 'application/json,.json' });
  const exportBtn = el('button', { type: 'button', text: 'Export faq.json' });
  const problems = el('ul', { class: 'error', 'aria-label': 'Import problems', hidden: true });
  const ioMsg = el('p', { class: 'error', role: 'alert' });
  exportBtn.addEventListener('click', async () => {
    try { await api.download('/api/faq', ctx.token, 'faq.json'); } catch (e) {
      failed(ctx, e, (err) => { ioMsg.textContent = `Could not export: ${err.message}`; });
    }
  });
  file.addEventListener('change', async () => {
    const picked = file.files && file.files[0];
    clear(problems); problems.hidden = true; ioMsg.textContent = '';
    if (!picked) return;
    const text = await picked.text();
    file.value = '';
    if (!window.confirm(`Replace the whole FAQ (${entries.length} entries) with ${picked.name}?`)) return;
    try {
      const res = await postRaw('/api/faq/import', ctx.token, text);
      say.textContent = `Imported ${res.imported} entries from ${picked.name}.`;
      fillForm(null);
      await loadEntries();
    } catch (e) {
      failed(ctx, e, (err) => {
        ioMsg.textContent = `Nothing was imported: ${err.message}`;
        problems.hidden = !(err.problems || []).length;
        for (const p of err.problems || []) {
          const where = p.index == null ? 'The file' : `Entry ${p.index}`;
          problems.append(el('li', { text: `${where}${p.field ? ` · ${p.field}` : ''}: ${p.message}` }));
        }
      });
    }
  });
  const io = el('section', { class: 'panel', 'aria-label': 'Import and export' }, [
    el('h2', { text: 'Import and export' }),
    el('div', { class: 'field-row' }, [field('Import a JSON file', file, 'A JSON array of entries. It replaces the whole FAQ, or changes nothing if any entry is bad.'),
      el('div', { style: 'align-self:flex-end' }, [exportBtn])]),
    ioMsg, problems,
  ]);

  /* ---------- unanswered questions ---------- */
  const unBody = el('tbody');
  const unMsg = el('p', { class: 'muted', text: 'Loading…' });
  async function loadUnanswered() {
    try {
      const res = await api.get('/api/faq/unanswered?limit=100', ctx.token);
      const rows = res.unanswered || [];
      clear(unBody);
      for (const u of rows) {
        const create = el('button', { type: 'button', class: 'small', text: 'Create entry', 'aria-label': `Create entry from "${u.text}"` });
        const dismiss = el('button', { type: 'button', class: 'small', text: 'Dismiss', 'aria-label': `Dismiss "${u.text}"` });
        create.addEventListener('click', () => {
          fillForm({ id: slug(u.key), question: u.text, locale: u.locale || '' }, { kind: 'unanswered', key: u.key });
          say.textContent = `The form holds "${u.text}": add an answer and keywords, then save.`;
          f.answer.focus();
        });
        dismiss.addEventListener('click', async () => {
          try {
            await api.request('DELETE', `/api/faq/unanswered?key=${encodeURIComponent(u.key)}`, ctx.token);
            say.textContent = `Dismissed "${u.text}".`;
          } catch (e) { failed(ctx, e, (err) => { say.textContent = `Could not dismiss: ${err.message}`; }); }
          loadUnanswered();
        });
        unBody.append(el('tr', { 'data-key': u.key }, [el('td', { text: String(u.count) }), el('td', { text: u.text }),
          el('td', { text: u.locale || '—' }), el('td', { text: clock(u.last_at) }), el('td', null, [create, ' ', dismiss])]));
      }
      unMsg.hidden = rows.length > 0;
      unMsg.className = 'muted';
      unMsg.textContent = 'The bot has answered everything so far.';
    } catch (e) {
      failed(ctx, e, (err) => { unMsg.hidden = false; unMsg.className = 'error'; unMsg.textContent = `Could not load them: ${err.message}`; });
    }
  }

  /* ---------- drafts ---------- */
  const drBody = el('tbody');
  const drMsg = el('p', { class: 'muted', text: 'Loading…' });
  async function loadDrafts() {
    try {
      const res = await api.get('/api/faq/drafts', ctx.token);
      const rows = res.drafts || [];
      clear(drBody);
      for (const d of rows) {
        const use = el('button', { type: 'button', class: 'small', text: 'Use as entry', 'aria-label': `Use draft "${d.question}"` });
        const del = el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete draft "${d.question}"` });
        use.addEventListener('click', () => {
          fillForm({ id: slug(d.question), question: d.question, answer: d.answer, locale: d.locale || '' }, { kind: 'draft', id: d.id });
          say.textContent = 'The form holds the draft: add keywords, then save.';
          f.keywords.focus();
        });
        del.addEventListener('click', async () => {
          if (!window.confirm(`Delete the draft "${d.question}"?`)) return;
          try {
            await api.request('DELETE', `/api/faq/drafts/${encodeURIComponent(d.id)}`, ctx.token);
            say.textContent = 'Draft deleted.';
          } catch (e) { failed(ctx, e, (err) => { say.textContent = `Could not delete the draft: ${err.message}`; }); }
          loadDrafts();
        });
        drBody.append(el('tr', { 'data-draft': String(d.id) }, [el('td', { text: d.question }), el('td', { text: d.answer }),
          el('td', { text: d.locale || '—' }), el('td', { text: clock(d.created_at) }), el('td', null, [use, ' ', del])]));
      }
      drMsg.hidden = rows.length > 0;
      drMsg.className = 'muted';
      drMsg.textContent = 'No drafts. Agents file them from a conversation with "Draft FAQ entry".';
    } catch (e) {
      failed(ctx, e, (err) => { drMsg.hidden = false; drMsg.className = 'error'; drMsg.textContent = `Could not load the drafts: ${err.message}`; });
    }
  }

  const refresh = el('button', { type: 'button', class: 'small', text: 'Refresh', 'aria-label': 'Refresh the unanswered questions' });
  refresh.addEventListener('click', () => { loadUnanswered(); loadDrafts(); });
  const table = (cols, body, style) => el('div', { class: 'table-wrap', style }, [el('table', { class: 'data' }, [
    el('thead', null, [el('tr', null, cols.map((t) => el('th', { scope: 'col', text: t })))]), body])]);
  const section = (title, kids) => {
    const h = el('h2', { id: uid('h'), text: title });
    return el('section', { class: 'panel', 'aria-labelledby': h.id }, [h, ...kids]);
  };
  const entriesHead = el('h2', { id: uid('h') }, ['Entries', listCount]);
  root.append(
    el('h1', { tabindex: '-1', text: 'FAQ' }), say,
    el('section', { class: 'panel', 'aria-labelledby': entriesHead.id }, [entriesHead,
      field('Search entries', search), listMsg, table(['Id', 'Locale', 'Question', 'Keywords', 'Actions'], tbody,
        'max-height:24em;overflow-y:auto')]),
    form, tryForm, io,
    section('Unanswered questions', [el('p', { class: 'hint muted', text: 'What visitors asked that the bot could not answer, most frequent first.' }),
      el('div', { class: 'form-actions' }, [refresh]), unMsg, table(['Asked', 'Question', 'Locale', 'Last asked', 'Actions'], unBody)]),
    section('Drafts from agents', [drMsg, table(['Question', 'Answer', 'Locale', 'Filed', 'Actions'], drBody)]),
  );
  fillForm(null);
  loadEntries(); loadUnanswered(); loadDrafts();
}

/* ---------------- "Draft FAQ entry" in the conversation view ---------------- */

/* The agent's last reply (this agent's, else anyone's) and the visitor's last
 * message before it: the question it answered. */
function lastExchange(c, myId) {
  const msgs = sorted(c).filter((m) => !isNote(m) && m.author);
  const agents = msgs.filter((m) => m.author.role === 'agent');
  const reply = [...agents].reverse().find((m) => String(m.author.id) === String(myId)) || agents[agents.length - 1];
  const before = reply ? msgs.filter((m) => m.seq < reply.seq) : msgs;
  const question = [...before].reverse().find((m) => m.author.role === 'visitor');
  return { question: question ? String(question.text) : '', answer: reply ? String(reply.text) : '' };
}

/* opts: {ctx() -> page context or null, selected() -> conversation id} */
export function initDraftAction(opts) {
  const actions = document.querySelector('#conv-body .actions');
  if (!actions || $('draft-faq-btn')) return;
  const btn = el('button', { id: 'draft-faq-btn', type: 'button', class: 'small', text: 'Draft FAQ entry' });
  actions.append(btn);
  const q = el('textarea', { rows: '3', maxlength: '1000', style: 'width:100%' });
  const a = el('textarea', { rows: '5', maxlength: '4000', style: 'width:100%' });
  const loc = el('input', { type: 'text', maxlength: '35', size: '8' });
  const err = el('p', { class: 'error', role: 'alert' });
  const send = el('button', { type: 'submit', class: 'primary', text: 'Save draft' });
  const cancel = el('button', { type: 'button', text: 'Cancel' });
  const head = el('h2', { id: uid('h'), text: 'Draft an FAQ entry' });
  const form = el('form', { novalidate: true }, [
    el('p', { class: 'muted', text: 'An admin reviews drafts on the FAQ page before they answer visitors.' }),
    field('Question', q), field('Answer', a), field('Locale', loc), err,
    el('div', { class: 'form-actions' }, [cancel, send])]);
  const dlg = el('dialog', { class: 'help', 'aria-labelledby': head.id }, [head, form]);
  document.body.append(dlg);
  /* The conversation's shortcuts (Alt+X closes it!) must not fire from in here;
   * Ctrl+Enter saves the draft instead. Escape still closes the dialog. */
  dlg.addEventListener('keydown', (e) => {
    e.stopPropagation();
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); form.requestSubmit(); }
  });
  const controls = { question: q, answer: a, locale: loc };
  let convId = null;

  btn.addEventListener('click', () => {
    const ctx = opts.ctx();
    const c = convs.get(opts.selected());
    if (!ctx || !c) return;
    convId = c.id;
    const ex = lastExchange(c, ctx.me.id);
    q.value = ex.question; a.value = ex.answer;
    loc.value = (c.visitor.locale || '').split(/[-_]/)[0];
    clearErrors(form); err.textContent = '';
    dlg.showModal();
    (ex.question ? a : q).focus();
  });
  cancel.addEventListener('click', () => dlg.close());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ctx = opts.ctx();
    if (!ctx) { dlg.close(); return; }
    clearErrors(form); err.textContent = '';
    if (!q.value.trim()) { setError(q, 'Enter the question.'); q.focus(); return; }
    if (!a.value.trim()) { setError(a, 'Enter the answer.'); a.focus(); return; }
    const body = { question: q.value.trim(), answer: a.value.trim(), conversation: convId };
    if (loc.value.trim()) body.locale = loc.value.trim();
    send.disabled = true;
    try {
      await api.request('POST', '/api/faq/drafts', ctx.token, body);
      dlg.close();
      const t = $('toast');
      if (t) t.textContent = 'Draft FAQ entry saved for an admin to review.';
    } catch (e) {
      if (e instanceof api.AuthError) { dlg.close(); ctx.authFailed(); return; }
      const c = e.field && controls[e.field];
      if (c) { setError(c, e.message); c.focus(); } else err.textContent = `Could not save the draft: ${e.message}`;
    } finally { send.disabled = false; }
  });
}
