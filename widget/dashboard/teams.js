/*
 * Teams in the dashboard: the admin Teams page (list, create, rename, members,
 * delete), the transfer form (to an agent or a team, with a note only agents
 * see), the "My teams" list (my teams' queue and my teammates' conversations,
 * read-only) and the team choice of the Reports page.
 *
 * GET /api/teams is open to every agent and carries member names, so agents who
 * may not list /api/agents still get names for the transfer menu.
 */
import { el, clear, $, clientId, duration, confirmClick } from './dom.js';
import { convs, upsert } from './model.js';
import * as api from './api.js';
import { field, uid, setError, clearErrors, showApiError } from './forms.js';

export const listTeams = (token) => api.get('/api/teams', token);
const createTeam = (token, body) => api.request('POST', '/api/teams', token, body);
const putTeam = (token, id, body) => api.request('PUT', `/api/teams/${encodeURIComponent(id)}`, token, body);
const deleteTeam = (token, id) => api.request('DELETE', `/api/teams/${encodeURIComponent(id)}`, token);

const chars = (s) => [...s].length;

/* ---------------- the admin page ---------------- */

export function renderTeams(root, ctx) {
  const say = el('p', { class: 'page-status', role: 'status' });
  const loadMsg = el('p', { class: 'muted', text: 'Loading teams…' });
  const list = el('div', { class: 'teams-list' });
  let agents = [];

  const name = el('input', { type: 'text', name: 'name', autocomplete: 'off', maxlength: '64', required: true });
  const formErr = el('p', { class: 'error', role: 'alert' });
  const headId = uid('h');
  const memberBox = el('fieldset', { class: 'team-members' });
  const form = el('form', { class: 'panel-form', novalidate: true, 'aria-labelledby': headId }, [
    el('h2', { id: headId, text: 'Add a team' }),
    field('Name', name, '1–64 characters, unique (ignoring case), e.g. Billing or Technical.'),
    memberBox, formErr,
    el('div', { class: 'form-actions' }, [el('button', { type: 'submit', class: 'primary', text: 'Create team' })]),
  ]);

  /* Checkboxes for every agent, ticked for the given member ids. */
  function memberChecks(box, legend, ids) {
    clear(box);
    box.append(el('legend', { text: legend }));
    for (const a of agents) {
      const cb = el('input', { type: 'checkbox', value: String(a.id), id: uid('m') });
      cb.checked = ids.has(String(a.id));
      box.append(el('label', { class: 'check', for: cb.id }, [cb, document.createTextNode(` ${a.name || a.email || `Agent ${a.id}`}`)]));
    }
  }
  const checked = (box) => [...box.querySelectorAll('input[type=checkbox]:checked')].map((c) => Number(c.value));

  function failed(e, controls, errLine, what) {
    if (e instanceof api.AuthError) { ctx.authFailed(); return; }
    if (e.status === 409 && !e.field) e.field = 'name';
    if (e.field && e.field.startsWith('members')) e.field = 'members';
    if (!showApiError(e, controls)) errLine.textContent = `Could not ${what}: ${e.message}`;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form); formErr.textContent = '';
    const n = name.value.trim();
    if (!n || chars(n) > 64) { setError(name, 'Enter a name of 1–64 characters.'); name.focus(); return; }
    try {
      const t = await createTeam(ctx.token, { name: n, members: checked(memberBox) });
      say.textContent = `Created ${t.name}.`;
      name.value = '';
      memberChecks(memberBox, 'Members', new Set());
      refresh();
    } catch (e) { failed(e, { name }, formErr, 'create the team'); }
  });

  function addTeam(t) {
    const tName = el('input', { type: 'text', maxlength: '64', value: t.name, 'aria-label': `Name of team ${t.name}` });
    const box = el('fieldset', { class: 'team-members' });
    memberChecks(box, `Members of ${t.name}`, new Set(t.members.map((m) => String(m.id))));
    const err = el('p', { class: 'error', role: 'alert' });
    const save = el('button', { type: 'button', class: 'primary small', text: 'Save', 'aria-label': `Save team ${t.name}` });
    const del = el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete team ${t.name}` });
    save.addEventListener('click', async () => {
      err.textContent = '';
      const n = tName.value.trim();
      if (!n || chars(n) > 64) { err.textContent = 'Enter a name of 1–64 characters.'; tName.focus(); return; }
      try {
        const saved = await putTeam(ctx.token, t.id, { name: n, members: checked(box) });
        say.textContent = `Saved ${saved.name}.`;
        refresh();
      } catch (e) { failed(e, {}, err, 'save'); }
    });
    confirmClick(del, async () => {
      try {
        await deleteTeam(ctx.token, t.id);
        say.textContent = `Deleted ${t.name}. Its queued conversations stay queued for everyone.`;
      } catch (e) {
        if (e instanceof api.AuthError) { ctx.authFailed(); return; }
        say.textContent = e.status === 404 ? `${t.name} was already deleted.` : `Could not delete ${t.name}: ${e.message}`;
      }
      refresh();
    });
    list.append(el('section', { class: 'panel team', 'data-team': String(t.id) }, [
      el('h3', { text: t.name }), field('Name', tName), box, err,
      el('div', { class: 'form-actions' }, [del, save]),
    ]));
  }

  async function refresh() {
    try {
      const [ags, res] = await Promise.all([api.agents(ctx.token), listTeams(ctx.token)]);
      agents = (ags.agents || []).filter((a) => a.active !== false);
      if (!memberBox.firstChild) memberChecks(memberBox, 'Members', new Set());
      clear(list);
      const teams = res.teams || [];
      loadMsg.hidden = teams.length > 0;
      loadMsg.className = 'muted';
      loadMsg.textContent = 'No teams yet.';
      for (const t of teams) addTeam(t);
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      loadMsg.hidden = false;
      loadMsg.className = 'error';
      loadMsg.textContent = `Could not load the teams: ${e.message}`;
    }
  }

  const listHead = uid('h');
  root.append(
    el('h1', { tabindex: '-1', text: 'Teams' }),
    say, form,
    el('section', { 'aria-labelledby': listHead, class: 'panel' }, [
      el('h2', { id: listHead, text: 'All teams' }), loadMsg, list,
    ]),
  );
  refresh();
}

/* ---------------- transfer: to an agent or a team, with a note ---------------- */

/* o: {ctx() -> {token, me, authFailed}, selected() -> conversation id, send(frame) -> bool,
 *     canTransfer(id) -> bool}. Adds a "Transfer…" button beside "Return to queue". */
export function initTransfer(o) {
  const release = $('release-btn');
  if (!release || $('transfer-btn')) return;
  const btn = el('button', { id: 'transfer-btn', type: 'button', text: 'Transfer…', 'aria-expanded': 'false', 'aria-controls': 'transfer-form' });
  const target = el('select', { id: 'transfer-target', name: 'target' });
  const note = el('textarea', { id: 'transfer-note', name: 'note', rows: '2', maxlength: '4000', placeholder: 'Only agents see this note' });
  const err = el('p', { class: 'error', role: 'alert' });
  const send = el('button', { type: 'submit', class: 'primary', text: 'Transfer' });
  const cancel = el('button', { type: 'button', text: 'Cancel' });
  const form = el('form', { id: 'transfer-form', class: 'transfer-form', hidden: true, novalidate: true, 'aria-label': 'Transfer the conversation' }, [
    field('To', target), field('Note for the next agent (optional)', note), err,
    el('div', { class: 'form-actions' }, [cancel, send]),
  ]);
  release.after(btn);
  const actions = release.parentElement;
  actions.after(form);

  function hide() { form.hidden = true; btn.setAttribute('aria-expanded', 'false'); }
  cancel.addEventListener('click', () => { hide(); btn.focus(); });

  async function fill() {
    const ctx = o.ctx();
    clear(target);
    const teams = el('optgroup', { label: 'Teams' }), people = el('optgroup', { label: 'Agents' });
    const seen = new Set([String(ctx.me.id)]);
    try {
      const res = await listTeams(ctx.token);
      for (const t of res.teams || []) {
        teams.append(el('option', { value: `team:${t.id}`, text: `${t.name} (team queue)` }));
        for (const m of t.members) {
          if (seen.has(String(m.id))) continue;
          seen.add(String(m.id));
          people.append(el('option', { value: `agent:${m.id}`, text: m.name || `Agent ${m.id}` }));
        }
      }
      if (ctx.isAdmin) {
        const all = await api.agents(ctx.token);
        for (const a of all.agents || []) {
          if (seen.has(String(a.id)) || a.active === false) continue;
          seen.add(String(a.id));
          people.append(el('option', { value: `agent:${a.id}`, text: a.name || a.email }));
        }
      }
    } catch (e) {
      if (e instanceof api.AuthError) { ctx.authFailed(); return; }
      err.textContent = `Could not load teams: ${e.message}`;
    }
    if (teams.children.length) target.append(teams);
    if (people.children.length) target.append(people);
  }

  btn.addEventListener('click', async () => {
    if (!form.hidden) { hide(); return; }
    err.textContent = ''; note.value = '';
    form.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    await fill();
    target.focus();
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const id = o.selected();
    const [kind, num] = (target.value || '').split(':');
    if (!id || !num) { err.textContent = 'Choose an agent or a team.'; target.focus(); return; }
    const frame = { type: 'transfer', conversation: id, id: clientId() };
    if (kind === 'team') frame.team = Number(num); else frame.to = Number(num);
    if (note.value.trim()) frame.note = note.value;
    if (!o.send(frame)) { err.textContent = 'Not connected — try again in a moment.'; return; }
    hide();
  });

  /* The button is shown only when a transfer is allowed (like "Return to queue"). */
  return { sync() { btn.hidden = release.hidden; if (btn.hidden) hide(); } };
}

/* ---------------- the team choice of the Reports page ---------------- */

/* Adds a "Team" select to the reports form (root: the page) that sets `team` in the
 * query; calls reload() on change. Agents see only the teams they are in. */
export function addReportTeamFilter(root, ctx, reload) {
  const form = root.querySelector('form');
  if (!form) return () => '';
  const sel = el('select', { name: 'team', id: uid('team') }, [el('option', { value: '', text: ctx.isAdmin ? 'All teams' : 'No team filter' })]);
  const f = field('Team', sel);
  const actions = form.querySelector('.form-actions, button[type=submit]');
  if (actions) actions.before(f); else form.append(f);
  listTeams(ctx.token).then((res) => {
    for (const t of res.teams || []) {
      if (!ctx.isAdmin && !t.members.some((m) => String(m.id) === String(ctx.me.id))) continue;
      sel.append(el('option', { value: String(t.id), text: t.name }));
    }
  }).catch((e) => { if (e instanceof api.AuthError) ctx.authFailed(); });
  sel.addEventListener('change', () => reload());
  return () => sel.value;
}

/* ---------------- "My teams": what my teams are doing ---------------- */
/*
 * The list shows the queue routed to my teams (with the waiting time) and what my
 * teammates (agents sharing a team with me) or others handle for my teams, with the
 * assignee's name. It is fed at ready by GET /api/conversations?scope=team and then
 * by the queued/state events every agent gets (state frames carry agent_id,
 * agent_name and team). A teammate's conversation is read-only here: the server
 * keeps replies, notes, transfer and close to the assignee (or an admin). Its
 * messages are not pushed to us, so while one is open we re-read it now and then.
 */
let myTeams = new Set();   /* team ids I am in */
let mates = new Set();     /* ids of agents sharing a team with me, not me */
const sameId = (a, b) => a != null && b != null && String(a) === String(b);

export async function loadMyTeams(ctx) {
  try {
    const res = await listTeams(ctx.token);
    const mineT = (res.teams || []).filter((t) => t.members.some((m) => sameId(m.id, ctx.me.id)));
    myTeams = new Set(mineT.map((t) => t.id));
    mates = new Set(mineT.flatMap((t) => t.members.map((m) => String(m.id))).filter((id) => !sameId(id, ctx.me.id)));
  } catch { myTeams = new Set(); mates = new Set(); }
  return myTeams;
}

const routedToMine = (c) => !!(c.team && myTeams.has(c.team.id));
const mineConv = (c, meId) => sameId(c.agent_id, meId);

/* In the "My teams" list: queued for one of my teams, or assigned to someone else
 * for one of my teams or to a teammate. My own are under "Mine". */
export function inMyTeams(c, meId) {
  if (!c) return false;
  if (c.state === 'queued') return routedToMine(c);
  if (c.state !== 'assigned' || mineConv(c, meId)) return false;
  return routedToMine(c) || (c.agent_id != null && mates.has(String(c.agent_id)));
}

/* The list, oldest wait first, then oldest assignment. */
export function teamConversations(all, meId) {
  const at = (c) => (c.state === 'queued' ? c.queued_at : c.assigned_at) || 0;
  return all.filter((c) => inMyTeams(c, meId))
    .sort((a, b) => (a.state === b.state ? at(a) - at(b) : a.state === 'queued' ? -1 : 1));
}

/* The line under the visitor's name. */
export function teamMeta(c) {
  const team = c.team ? `${c.team.name} · ` : '';
  if (c.state === 'queued') {
    const since = c.queued_at || Date.now();
    return el('span', { class: 'c-meta' }, [`${team}waiting `,
      el('span', { class: 'wait', 'data-since': since, text: duration(Date.now() - since) })]);
  }
  return el('span', { class: 'c-meta', text: `${team}assigned to ${c.agent_name || 'a teammate'}` });
}

/* At every ready: my teams, then the conversations my teammates hold. One we showed
 * that the server no longer lists moved on while we were away. */
export async function loadTeamView(ctx) {
  await loadMyTeams(ctx);
  let res;
  try { res = await api.get('/api/conversations?scope=team&state=assigned', ctx.token); } catch (e) {
    if (e instanceof api.AuthError) ctx.authFailed(); else console.warn('parley:', e.message);
    return false;
  }
  const seen = new Set();
  for (const r of res.conversations || []) {
    const c = upsert({ ...r, state: 'assigned' });
    if (c) seen.add(c.id);
  }
  for (const c of convs.values()) {
    if (c.state === 'assigned' && !seen.has(c.id) && !mineConv(c, ctx.me.id) && inMyTeams(c, ctx.me.id)) c.state = 'unknown';
  }
  return true;
}

/* Why this agent may only read c, or '' (admins may still add notes). */
export function readOnlyReason(c, ctx) {
  if (!c || !ctx || ctx.isAdmin || c.state !== 'assigned' || mineConv(c, ctx.me.id)) return '';
  return `Read-only: assigned to ${c.agent_name || 'another agent'}. Only they can reply, add notes, transfer or close it.`;
}

/* After the reply box is set up for c: locks it (with the reason in words) when c is
 * read-only for us. */
export function syncReadOnly(c, ctx) {
  const form = $('reply-form');
  if (!form) return;
  let why = $('readonly-reason');
  if (!why) {
    why = el('p', { id: 'readonly-reason', class: 'readonly-reason', role: 'note' });
    form.before(why);
    $('reply-text').setAttribute('aria-describedby', 'readonly-reason');
  }
  const reason = readOnlyReason(c, ctx);
  why.textContent = reason;
  why.hidden = !reason;
  if (!reason) return;
  $('reply-text').disabled = true;
  $('send-btn').disabled = true;
  $('note-btn').disabled = true;
  $('reply-text').placeholder = 'Read-only';
  $('close-btn').hidden = true;
}

/* While a read-only conversation is open (and the tab visible), re-read its
 * transcript every few seconds: its messages are not pushed to us. */
export function watchReadOnly(o) {
  setInterval(() => {
    const c = o.selected();
    if (c && document.visibilityState === 'visible' && readOnlyReason(c, o.ctx())) o.reload(c.id);
  }, 5000);
}
