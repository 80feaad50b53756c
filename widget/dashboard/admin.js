/*
 * Admin pages: Agents (list, create, rename, role, capacity, deactivate/reactivate)
 * and Settings (manual or automatic assignment); Canned responses live in canned.js
 * (beside the reply box's suggestions that use them) and are re-exported here. Each render function fills the
 * given node and returns a cleanup function.
 *
 * A server error that names a field (400 bad_request, 409 conflict) is shown next to
 * that field; changes are announced in one polite status line per page.
 */
import { el, clear } from './dom.js';
import * as api from './api.js';
import { field, errorFor, setError, clearErrors, showApiError, uid } from './forms.js';
import { onTeamChange, statusOf, statusLabel, statusDot, updateAgent } from './team.js';

export { renderCanned } from './canned.js';

function options(pairs, value) {
  return pairs.map(([v, label]) => el('option', { value: v, text: label, selected: v === value }));
}
const ROLES = [['agent', 'Agent'], ['admin', 'Admin']];

function failed(ctx, e, show) {
  if (e instanceof api.AuthError) { ctx.authFailed(); return; }
  show(e);
}

/* ---------------- Agents ---------------- */

export function renderAgents(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const rows = new Map();  /* id -> row refs */
  const tbody = el('tbody');
  const loadMsg = el('p', { class: 'muted', text: 'Loading agents…' });

  /* --- the create form --- */
  const email = el('input', { type: 'email', name: 'email', autocomplete: 'off', maxlength: '254', required: true });
  const name = el('input', { type: 'text', name: 'name', autocomplete: 'off', maxlength: '100', required: true });
  const password = el('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const role = el('select', { name: 'role' }, options(ROLES, 'agent'));
  const formErr = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'primary', text: 'Create agent' });
  const headId = uid('h');
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-labelledby': headId }, [
    el('h2', { id: headId, text: 'Add an agent' }),
    el('div', { class: 'field-row' }, [
      field('Email', email), field('Name', name),
      field('Password', password, 'At least 10 characters.'), field('Role', role),
    ]),
    formErr, el('div', { class: 'form-actions' }, [submit]),
  ]);
  const controls = { email, name, password, role };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form); formErr.textContent = '';
    const body = { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value };
    let bad = null;
    if (!body.email.includes('@')) { setError(email, 'Enter an e-mail address.'); bad = bad || email; }
    if (!body.name) { setError(name, 'Enter a name.'); bad = bad || name; }
    if (body.password.length < 10) { setError(password, 'At least 10 characters.'); bad = bad || password; }
    if (bad) { bad.focus(); return; }
    submit.disabled = true;
    try {
      const agent = await api.createAgent(ctx.token, body);
      form.reset();
      addRow(agent);
      updateAgent(agent);
      say.textContent = `Created ${agent.name || agent.email}.`;
      email.focus();
    } catch (e) {
      failed(ctx, e, (err) => {
        if (err.status === 409 && !err.field) err.field = 'email';
        if (!showApiError(err, controls)) formErr.textContent = `Could not create the agent: ${err.message}`;
      });
    } finally { submit.disabled = false; }
  });

  /* --- the table --- */
  function cellForm(input, onSave) {
    const err = errorFor(input);
    const save = el('button', { type: 'submit', class: 'small', text: 'Save' });
    const f = el('form', { class: 'cell-form', novalidate: true }, [input, save, err]);
    f.addEventListener('submit', (ev) => { ev.preventDefault(); onSave(); });
    return { f, save };
  }

  async function patch(r, body, control, done) {
    setError(control, '');
    r.tr.setAttribute('aria-busy', 'true');
    try {
      const agent = await api.patchAgent(ctx.token, r.agent.id, body);
      fill(r, agent);
      updateAgent(agent);
      say.textContent = done(agent);
    } catch (e) {
      failed(ctx, e, (err) => {
        const target = (err.field && r.controls[err.field]) || control;
        setError(target, err.message);
        fill(r, r.agent);   /* show the stored values again */
        target.focus();
      });
    } finally { r.tr.removeAttribute('aria-busy'); }
  }

  function addRow(agent) {
    const id = String(agent.id);
    const self = id === String(ctx.me.id);
    const r = { agent, self };
    r.name = el('input', { type: 'text', maxlength: '100', class: 'name-input' });
    r.role = el('select');
    r.role.append(...options(ROLES, agent.role));
    r.capacity = el('input', { type: 'number', min: '0', max: '1000', step: '1', inputmode: 'numeric', class: 'cap-input' });
    r.activeText = el('span');
    r.statusCell = el('td', { class: 'status-cell' });
    r.toggle = el('button', { type: 'button', class: 'small' });
    r.controls = { name: r.name, role: r.role, capacity: r.capacity, active: r.toggle };
    const nameForm = cellForm(r.name, () => {
      const v = r.name.value.trim();
      if (!v) { setError(r.name, 'Enter a name.'); r.name.focus(); return; }
      if (v === r.agent.name) return;
      patch(r, { name: v }, r.name, (a) => `Renamed to ${a.name}.`);
    });
    const capForm = cellForm(r.capacity, () => {
      const n = Number(r.capacity.value);
      if (r.capacity.value === '' || !Number.isInteger(n) || n < 0 || n > 1000) {
        setError(r.capacity, 'A whole number from 0 to 1000.'); r.capacity.focus(); return;
      }
      patch(r, { capacity: n }, r.capacity, (a) => `${a.name}: capacity ${a.capacity}.`);
    });
    r.nameSave = nameForm.save; r.capSave = capForm.save;
    const roleErr = errorFor(r.role);
    r.role.addEventListener('change', () =>
      patch(r, { role: r.role.value }, r.role, (a) => `${a.name} is now ${a.role === 'admin' ? 'an admin' : 'an agent'}.`));
    const toggleErr = errorFor(r.toggle);
    r.toggle.addEventListener('click', () => {
      const on = !r.agent.active;
      patch(r, { active: on }, r.toggle, (a) => `${a.name} ${a.active ? 'reactivated' : 'deactivated'}.`);
    });
    r.tr = el('tr', { 'data-agent': id }, [
      el('td', null, [nameForm.f, self ? el('span', { class: 'muted', text: ' (you)' }) : null]),
      r.emailCell = el('td', { class: 'email-cell' }),
      el('td', null, [r.role, roleErr]),
      el('td', null, [capForm.f]),
      el('td', null, [r.activeText]),
      r.statusCell,
      el('td', null, [r.toggle, toggleErr]),
    ]);
    if (self) {
      r.role.disabled = true; r.toggle.disabled = true;
      r.role.title = r.toggle.title = 'You cannot change your own role or deactivate yourself.';
    }
    rows.set(id, r);
    fill(r, agent);
    tbody.append(r.tr);
  }

  function fill(r, agent) {
    r.agent = agent;
    const label = agent.name || agent.email;
    r.name.value = agent.name || '';
    r.name.setAttribute('aria-label', `Name of ${label}`);
    r.nameSave.setAttribute('aria-label', `Save name of ${label}`);
    r.emailCell.textContent = agent.email || '';
    r.role.value = agent.role || 'agent';
    r.role.setAttribute('aria-label', `Role of ${label}`);
    r.capacity.value = String(agent.capacity ?? '');
    r.capacity.setAttribute('aria-label', `Capacity of ${label}`);
    r.capSave.setAttribute('aria-label', `Save capacity of ${label}`);
    r.activeText.textContent = agent.active ? 'Active' : 'Inactive';
    r.tr.classList.toggle('inactive', !agent.active);
    const verb = agent.active ? 'Deactivate' : 'Reactivate';
    r.toggle.textContent = verb;
    r.toggle.setAttribute('aria-label', `${verb} ${label}`);
    r.toggle.classList.toggle('danger', !!agent.active);
    renderStatus(r);
  }

  function renderStatus(r) {
    const s = r.agent.active ? statusOf(r.agent.id) : 'offline';
    clear(r.statusCell).append(statusDot(s), document.createTextNode(` ${statusLabel(s)}`));
  }

  const tableHead = uid('h');
  root.append(
    el('h1', { tabindex: '-1', text: 'Agents' }),
    say,
    form,
    el('section', { 'aria-labelledby': tableHead, class: 'panel' }, [
      el('h2', { id: tableHead, text: 'Team members' }),
      loadMsg,
      el('div', { class: 'table-wrap' }, [el('table', { class: 'data agents-table' }, [
        el('thead', null, [el('tr', null, ['Name', 'Email', 'Role', 'Capacity', 'Active', 'Status', 'Actions']
          .map((t) => el('th', { scope: 'col', text: t })))]),
        tbody,
      ])]),
    ]),
  );

  (async () => {
    try {
      const res = await api.agents(ctx.token);
      loadMsg.hidden = true;
      for (const a of res.agents || []) addRow(a);
    } catch (e) {
      failed(ctx, e, (err) => { loadMsg.textContent = `Could not load the agents: ${err.message}`; loadMsg.className = 'error'; });
    }
  })();

  return onTeamChange(() => { for (const r of rows.values()) renderStatus(r); });
}

/* ---------------- Settings ---------------- */

const MODES = [
  ['manual', 'Manual', 'Agents claim conversations from the queue.'],
  ['auto', 'Automatic', 'Each conversation that enters the queue goes to the online agent with free capacity and the fewest open conversations.'],
];

/* The textarea's lines as the setting's list (blank lines dropped), and back. */
const phraseLines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

export function renderSettings(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const err = el('p', { class: 'error', role: 'alert' });
  const radios = {};
  const legendId = uid('h');
  const set = el('fieldset', { disabled: true }, [
    el('legend', { id: legendId, text: 'Assignment of new conversations' }),
    ...MODES.map(([v, label, hint]) => {
      const r = radios[v] = el('input', { type: 'radio', name: 'assignment', value: v, id: uid('as') });
      const hintId = `${r.id}-hint`;
      r.setAttribute('aria-describedby', hintId);
      return el('div', { class: 'radio' }, [r, el('label', { for: r.id, text: label }),
        el('span', { class: 'hint muted', id: hintId, text: hint })]);
    }),
  ]);
  const phrases = el('textarea', { name: 'human_phrases', rows: '6', spellcheck: 'false', style: 'width:100%' });
  const phraseSet = el('fieldset', { disabled: true }, [
    field('Extra phrases that ask for a person', phrases,
      'One per line, in any language, added to the built-in ones. Words as in FAQ keywords: '
      + 'a * at the end of a word matches any ending (kundenservice*). Up to 200 phrases of 1 to 100 characters.'),
  ]);
  const save = el('button', { type: 'submit', class: 'primary', text: 'Save settings', disabled: true });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-label': 'Settings' },
    [set, phraseSet, err, el('div', { class: 'form-actions' }, [save])]);

  const show = (res) => {
    if (radios[res.assignment]) radios[res.assignment].checked = true;
    phrases.value = (res.human_phrases || []).join('\n');
  };

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = ''; say.textContent = '';
    clearErrors(form);
    const v = Object.keys(radios).find((k) => radios[k].checked);
    if (!v) { err.textContent = 'Choose an assignment mode.'; return; }
    const lines = phraseLines(phrases.value);
    if (lines.length > 200) { setError(phrases, `At most 200 phrases (there are ${lines.length}).`); phrases.focus(); return; }
    save.disabled = true;
    try {
      const res = await api.putSettings(ctx.token, { assignment: v, human_phrases: lines });
      show(res);
      const n = (res.human_phrases || []).length;
      say.textContent = `Saved: assignment is ${res.assignment === 'auto' ? 'automatic' : 'manual'}; `
        + `${n === 0 ? 'no extra phrases' : n === 1 ? '1 extra phrase' : `${n} extra phrases`}.`;
    } catch (e) {
      failed(ctx, e, (x) => {
        const m = /^human_phrases(?:\[(\d+)\])?$/.exec(x.field || '');
        if (m) {
          const line = m[1] !== undefined ? `Line ${Number(m[1]) + 1} ("${lines[Number(m[1])] ?? ''}"): ` : '';
          setError(phrases, `${line}${x.message}`);
          phrases.focus();
        } else {
          err.textContent = `Could not save${x.field ? ` (${x.field})` : ''}: ${x.message}`;
        }
      });
    } finally { save.disabled = false; }
  });

  root.append(el('h1', { tabindex: '-1', text: 'Settings' }), say, form);

  (async () => {
    try {
      const res = await api.settings(ctx.token);
      show(res);
      set.disabled = false; phraseSet.disabled = false; save.disabled = false;
    } catch (e) {
      failed(ctx, e, (x) => { err.textContent = `Could not load the settings: ${x.message}`; });
    }
  })();
}
